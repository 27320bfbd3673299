"""Statement of Applicability, implementation schedule and evidence of a plan."""

from datetime import date
from urllib.parse import urlparse

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from cgii import archivos
from cgii.errores import ErrorValidacion, NoEncontrado, TransicionInvalida

from .. import selectors
from ..models import (
    Actividad,
    Aplicabilidad,
    EstadoEvidencia,
    EstadoImplementacion,
    Evidencia,
    PlanInstitucional,
    TipoEntrada,
    TipoEvidencia,
)
from .comun import (
    exigir_editable,
    exigir_en_curso,
    exigir_entidad,
    exigir_revisor,
    registrar,
    texto_limpio,
)
from .planes import _fecha

CAMPOS_PLANIFICACION = ("aplica", "justificacion")
CAMPOS_AVANCE = ("estado_implementacion", "madurez", "responsable", "fecha_objetivo")


def _validar_fila(fila: Aplicabilidad, campos: dict, plan: PlanInstitucional) -> list[str]:
    cambiados = []
    for campo, valor in campos.items():
        if campo in CAMPOS_PLANIFICACION:
            exigir_editable(plan)
        if campo == "aplica":
            if valor is not None and not isinstance(valor, bool):
                raise ErrorValidacion(extra={"aplica": [_("Debe ser verdadero o falso.")]})
        elif campo == "justificacion":
            valor = texto_limpio(valor, campo, maximo=4000)
        elif campo == "estado_implementacion":
            if valor not in EstadoImplementacion.values:
                raise ErrorValidacion(extra={campo: [_("Estado de implementación no válido.")]})
        elif campo == "madurez":
            if isinstance(valor, bool) or not isinstance(valor, int) or not 0 <= valor <= 5:
                raise ErrorValidacion(extra={campo: [_("La madurez es un entero de 0 a 5.")]})
        elif campo == "responsable":
            valor = texto_limpio(valor, campo, maximo=200)
        elif campo == "fecha_objetivo":
            valor = _fecha(valor, campo)
        else:
            raise ErrorValidacion(extra={campo: [_("Campo desconocido.")]})
        if getattr(fila, campo) != valor:
            setattr(fila, campo, valor)
            cambiados.append(campo)
    _exigir_reglas_soa(fila, planificacion=bool(set(cambiados) & set(CAMPOS_PLANIFICACION)))
    return cambiados


def _exigir_reglas_soa(fila: Aplicabilidad, *, planificacion: bool) -> None:
    """The two rules of a decided row. A minimum control of the national guideline
    (CTIC-SE-P1 §6.2.3.2) is never excluded. Every decided row carries its justification,
    included controls too (ISO/IEC 27001:2013 6.1.3 d): checked when the decision or its
    justification changes, so recording progress on an older row decided without one (before
    this rule) still works — the plan's SoA is incomplete until it gets one."""
    numero = fila.control.numero
    if fila.aplica is False and fila.control.minimo:
        raise ErrorValidacion(
            _("El control %(c)s es un control mínimo del lineamiento nacional (§6.2.3.2): no "
              "puede excluirse.") % {"c": numero},
            extra={"aplica": [_("Un control mínimo siempre aplica.")], "control": numero})
    if planificacion and fila.aplica is not None and not fila.justificacion:
        if fila.aplica:
            mensaje = _("El control %(c)s aplica: indique la justificación de su inclusión "
                        "(ISO/IEC 27001 6.1.3 d).") % {"c": numero}
        else:
            mensaje = _("El control %(c)s no aplica: indique la justificación de su "
                        "exclusión.") % {"c": numero}
        raise ErrorValidacion(mensaje, extra={
            "justificacion": [_("Obligatoria: justifique la inclusión o la exclusión.")],
            "control": numero})


def soa_actualizar_lote(*, actor, plan_id: int, cambios: list[dict]) -> list[Aplicabilidad]:
    """Several SoA rows in one transaction (one history/audit row). Each item names its row
    by ``id`` or by control ``control`` number. Applicability and justification are part of
    the plan's content (borrador/observado); status, maturity, owner and target date are
    progress (any live state)."""
    if not isinstance(cambios, list) or not cambios:
        raise ErrorValidacion(extra={"cambios": [_("Indique al menos un cambio.")]})
    with transaction.atomic():
        plan = selectors.plan_obtener(usuario=actor, plan_id=plan_id, para_actualizar=True)
        exigir_entidad(plan, actor)
        exigir_en_curso(plan)
        ids = {c["id"] for c in cambios if isinstance(c, dict) and c.get("id") is not None}
        numeros = {c["control"] for c in cambios if isinstance(c, dict) and c.get("control")}
        bloqueadas = list(plan.soa.select_for_update(of=("self",)).select_related("control")
                          .filter(Q(pk__in=[i for i in ids if isinstance(i, int)])
                                  | Q(control__numero__in=[n for n in numeros
                                                           if isinstance(n, str)])))
        por_id = {f.pk: f for f in bloqueadas}
        por_numero = {f.control.numero: f for f in bloqueadas}
        filas, antes, despues, campos_cambiados, cambiadas = [], {}, {}, set(), {}
        ahora = timezone.now()
        for cambio in cambios:
            if not isinstance(cambio, dict):
                raise ErrorValidacion(extra={"cambios": [_("Cada cambio es un objeto.")]})
            cambio = dict(cambio)
            clave_id, clave_control = cambio.pop("id", None), cambio.pop("control", None)
            fila = por_id.get(clave_id) if clave_id is not None else por_numero.get(clave_control)
            if fila is None:
                raise NoEncontrado(_("Control no encontrado en este plan."))
            previo = {c: getattr(fila, c) for c in cambio if hasattr(fila, c)}
            cambiados = _validar_fila(fila, cambio, plan)
            if cambiados:
                fila.actualizado = ahora
                numero = fila.control.numero
                antes.setdefault(numero, {}).update(
                    {c: previo[c] for c in cambiados if c not in antes.get(numero, {})})
                despues.setdefault(numero, {}).update({c: getattr(fila, c) for c in cambiados})
                campos_cambiados.update(cambiados)
                cambiadas[fila.pk] = fila
            filas.append(fila)
        if cambiadas:
            Aplicabilidad.objects.bulk_update(cambiadas.values(),
                                              [*sorted(campos_cambiados), "actualizado"],
                                              batch_size=200)
        if despues:
            plan.save(update_fields=["actualizado"])
            registrar(plan, actor=actor, tipo_entrada=TipoEntrada.SOA, accion="soa",
                      evento="pisi.actualizado",
                      texto=_("Declaración de aplicabilidad: %(n)d control(es) actualizado(s) "
                              "(%(c)s).") % {"n": len(despues), "c": ", ".join(list(despues)[:10])},
                      datos={"controles": list(despues)}, antes=antes, despues=despues)
    return filas


def soa_actualizar(*, actor, plan_id: int, fila_id: int | None = None,
                   control: str | None = None, **campos) -> Aplicabilidad:
    clave = {"id": fila_id} if fila_id is not None else {"control": control}
    return soa_actualizar_lote(actor=actor, plan_id=plan_id, cambios=[{**clave, **campos}])[0]


# ---- schedule -----------------------------------------------------------------------------

CAMPOS_ACTIVIDAD = ("titulo", "descripcion", "responsable", "inicio_planificado",
                    "fin_planificado", "inicio_real", "fin_real", "avance", "controles")


def _filas_por_numero(plan: PlanInstitucional, numeros) -> list[Aplicabilidad]:
    if not isinstance(numeros, list | tuple) or not all(isinstance(n, str) for n in numeros):
        raise ErrorValidacion(extra={"controles": [_("Lista de números de control.")]})
    filas = list(plan.soa.filter(control__numero__in=numeros).select_related("control"))
    desconocidos = sorted(set(numeros) - {f.control.numero for f in filas})
    if desconocidos:
        raise ErrorValidacion(extra={"controles": [
            _("Controles que no están en el catálogo del plan: %(c)s")
            % {"c": ", ".join(desconocidos)}]})
    return filas


def _aplicar_actividad(act: Actividad, campos: dict, plan) -> tuple[list[str], list | None]:
    cambiados, filas = [], None
    for campo, valor in campos.items():
        if campo not in CAMPOS_ACTIVIDAD:
            raise ErrorValidacion(extra={campo: [_("Campo desconocido.")]})
        if campo == "controles":
            filas = _filas_por_numero(plan, valor)
            continue
        if campo == "titulo":
            valor = texto_limpio(valor, campo, maximo=200, obligatorio=True)
        elif campo in ("descripcion", "responsable"):
            valor = texto_limpio(valor, campo, maximo=4000 if campo == "descripcion" else 200)
        elif campo == "avance":
            if isinstance(valor, bool) or not isinstance(valor, int) or not 0 <= valor <= 100:
                raise ErrorValidacion(extra={campo: [_("El avance es un entero de 0 a 100.")]})
        else:
            valor = _fecha(valor, campo)
            if campo in ("inicio_planificado", "fin_planificado") and valor is None:
                raise ErrorValidacion(extra={campo: [_("Este campo es obligatorio.")]})
        if getattr(act, campo) != valor:
            setattr(act, campo, valor)
            cambiados.append(campo)
    errores = {}
    if not act.titulo:
        errores["titulo"] = [_("Este campo es obligatorio.")]
    if act.inicio_planificado and act.fin_planificado and act.fin_planificado < act.inicio_planificado:
        errores["fin_planificado"] = [_("El fin planificado no puede ser anterior al inicio.")]
    if act.inicio_real and act.fin_real and act.fin_real < act.inicio_real:
        errores["fin_real"] = [_("El fin real no puede ser anterior al inicio real.")]
    if act.fin_real and act.inicio_real is None:
        errores["inicio_real"] = [_("Indique el inicio real.")]
    if errores:
        raise ErrorValidacion(extra=errores)
    return cambiados, filas


def actividad_crear(*, actor, plan_id: int, titulo: str, inicio_planificado: date,
                    fin_planificado: date, **campos) -> Actividad:
    with transaction.atomic():
        plan = selectors.plan_obtener(usuario=actor, plan_id=plan_id, para_actualizar=True)
        exigir_entidad(plan, actor)
        exigir_en_curso(plan)
        act = Actividad(plan=plan, titulo="")
        _c, filas = _aplicar_actividad(act, {"titulo": titulo,
                                             "inicio_planificado": inicio_planificado,
                                             "fin_planificado": fin_planificado, **campos}, plan)
        act.save()
        if filas is not None:
            act.controles.set(filas)
        registrar(plan, actor=actor, tipo_entrada=TipoEntrada.ACTIVIDAD, accion="actividad.crear",
                  evento="pisi.actualizado",
                  texto=_("Actividad agregada al cronograma: %(t)s") % {"t": act.titulo},
                  datos={"actividad_id": act.pk}, objeto=act)
    return act


def actividad_actualizar(*, actor, plan_id: int, actividad_id: int, **campos) -> Actividad:
    with transaction.atomic():
        plan = selectors.plan_obtener(usuario=actor, plan_id=plan_id, para_actualizar=True)
        exigir_entidad(plan, actor)
        exigir_en_curso(plan)
        act = selectors.actividad_obtener(plan=plan, actividad_id=actividad_id,
                                          para_actualizar=True)
        antes = {c: getattr(act, c) for c in campos if c != "controles" and hasattr(act, c)}
        cambiados, filas = _aplicar_actividad(act, campos, plan)
        if cambiados:
            act.save(update_fields=[*cambiados, "actualizado"])
        if filas is not None:
            act.controles.set(filas)
            cambiados.append("controles")
        if cambiados:
            registrar(plan, actor=actor, tipo_entrada=TipoEntrada.ACTIVIDAD,
                      accion="actividad.editar", evento="pisi.actualizado",
                      texto=_("Actividad actualizada: %(t)s (avance %(a)d %%).")
                      % {"t": act.titulo, "a": act.avance},
                      datos={"actividad_id": act.pk, "campos": cambiados},
                      antes={c: antes[c] for c in cambiados if c in antes},
                      despues={c: getattr(act, c) for c in cambiados if c != "controles"},
                      objeto=act)
    return act


def actividad_eliminar(*, actor, plan_id: int, actividad_id: int) -> None:
    with transaction.atomic():
        plan = selectors.plan_obtener(usuario=actor, plan_id=plan_id, para_actualizar=True)
        exigir_entidad(plan, actor)
        exigir_en_curso(plan)
        act = selectors.actividad_obtener(plan=plan, actividad_id=actividad_id,
                                          para_actualizar=True)
        if plan.periodos.filter(estado="cerrado").exists() and act.avance > 0:
            raise TransicionInvalida(_("Una actividad con avance ya evaluado en un seguimiento no "
                                       "se elimina; marque su avance o fin real."))
        datos = {"actividad_id": act.pk, "titulo": act.titulo}
        act.delete()
        registrar(plan, actor=actor, tipo_entrada=TipoEntrada.ACTIVIDAD,
                  accion="actividad.eliminar", evento="pisi.actualizado",
                  texto=_("Actividad eliminada del cronograma: %(t)s") % {"t": datos["titulo"]},
                  datos=datos)


# ---- evidence -------------------------------------------------------------------------------

def _vinculos(plan, control: str | None, actividad_id: int | None):
    fila = None
    if control:
        fila = selectors.soa_fila_obtener(plan=plan, control=control)
    act = None
    if actividad_id:
        act = selectors.actividad_obtener(plan=plan, actividad_id=actividad_id)
    return fila, act


def _crear_evidencia_en(plan, *, actor, tipo: str, titulo: str, descripcion: str,
                        control: str | None, actividad_id: int | None, fecha_vencimiento,
                        extra: dict, presentar: bool = False) -> Evidencia:
    """On a locked plan (the caller's transaction): the evidence row and its history,
    submitted for review at once when ``presentar``."""
    exigir_entidad(plan, actor)
    exigir_en_curso(plan)
    fila, act = _vinculos(plan, control, actividad_id)
    ev = Evidencia.objects.create(
        plan=plan, aplicabilidad=fila, actividad=act, tipo=tipo, titulo=titulo,
        descripcion=descripcion, fecha_vencimiento=fecha_vencimiento, subido_por=actor,
        **extra)
    registrar(plan, actor=actor, tipo_entrada=TipoEntrada.EVIDENCIA, accion="evidencia.crear",
              evento="pisi.actualizado",
              texto=_("Evidencia agregada: %(t)s") % {"t": ev.titulo},
              datos={"evidencia_id": ev.pk, "control": control, "actividad_id": actividad_id,
                     "sha256": ev.sha256 or None}, objeto=ev)
    if presentar:
        _cambiar_estado_en(plan, ev, actor=actor, accion="presentar")
    return ev


def evidencia_subir(*, actor, plan_id: int, archivo, titulo: str = "", descripcion: str = "",
                    control: str | None = None, actividad_id: int | None = None,
                    fecha_vencimiento=None, presentar: bool = False) -> Evidencia:
    """A file for a control and/or an activity: streamed to private storage, size-limited,
    type sniffed from content, SHA-256 stored; submitted for review too when ``presentar``
    (one transaction); nothing is kept if anything fails."""
    descripcion = texto_limpio(descripcion, "descripcion", maximo=4000)
    fecha_vencimiento = _fecha(fecha_vencimiento, "fecha_vencimiento")
    # Visibility, role, state and links before reading the upload.
    plan = selectors.plan_obtener(usuario=actor, plan_id=plan_id)
    exigir_entidad(plan, actor)
    exigir_en_curso(plan)
    _vinculos(plan, control, actividad_id)
    guardado = archivos.guardar_archivo(archivo, carpeta="pisi")
    try:
        titulo = texto_limpio(titulo, "titulo", maximo=255) or guardado.nombre_original
        with transaction.atomic():
            plan = selectors.plan_obtener(usuario=actor, plan_id=plan_id, para_actualizar=True)
            return _crear_evidencia_en(
                plan, actor=actor, tipo=TipoEvidencia.ARCHIVO, titulo=titulo,
                descripcion=descripcion, control=control, actividad_id=actividad_id,
                fecha_vencimiento=fecha_vencimiento, presentar=presentar,
                extra=extra_archivo(guardado))
    except BaseException:
        archivos.borrar_archivo(guardado.ruta)
        raise


def extra_archivo(guardado) -> dict:
    return {"nombre": guardado.nombre_original, "ruta": guardado.ruta,
            "tipo_mime": guardado.tipo_mime, "tamano": guardado.tamano,
            "sha256": guardado.sha256}


def evidencia_enlazar(*, actor, plan_id: int, url: str, titulo: str, descripcion: str = "",
                      control: str | None = None, actividad_id: int | None = None,
                      fecha_vencimiento=None, presentar: bool = False) -> Evidencia:
    """A link (http/https only) instead of a file: an intranet page, a shared folder…"""
    url = texto_limpio(url, "url", maximo=500, obligatorio=True)
    partes = urlparse(url)
    if partes.scheme not in ("http", "https") or not partes.netloc:
        raise ErrorValidacion(extra={"url": [_("Indique un enlace http:// o https://.")]})
    titulo = texto_limpio(titulo, "titulo", maximo=255, obligatorio=True)
    descripcion = texto_limpio(descripcion, "descripcion", maximo=4000)
    fecha_vencimiento = _fecha(fecha_vencimiento, "fecha_vencimiento")
    with transaction.atomic():
        plan = selectors.plan_obtener(usuario=actor, plan_id=plan_id, para_actualizar=True)
        return _crear_evidencia_en(
            plan, actor=actor, tipo=TipoEvidencia.ENLACE, titulo=titulo,
            descripcion=descripcion, control=control, actividad_id=actividad_id,
            fecha_vencimiento=fecha_vencimiento, presentar=presentar, extra={"url": url})


# accion → (states it may leave, new state, who)
ACCIONES_EVIDENCIA = {
    "presentar": ((EstadoEvidencia.BORRADOR, EstadoEvidencia.RECHAZADA),
                  EstadoEvidencia.EN_REVISION, "entidad"),
    "aprobar": ((EstadoEvidencia.EN_REVISION,), EstadoEvidencia.APROBADA, "revisor"),
    "rechazar": ((EstadoEvidencia.EN_REVISION,), EstadoEvidencia.RECHAZADA, "revisor"),
}


def _cambiar_estado_en(plan, ev: Evidencia, *, actor, accion: str, motivo: str = "") -> Evidencia:
    """On a locked plan and evidence (the caller's transaction)."""
    origenes, destino, quien = ACCIONES_EVIDENCIA[accion]
    (exigir_entidad if quien == "entidad" else exigir_revisor)(plan, actor)
    exigir_en_curso(plan)
    if ev.estado not in origenes:
        raise TransicionInvalida(
            _("No se puede «%(a)s» una evidencia en estado «%(e)s».")
            % {"a": accion, "e": EstadoEvidencia(ev.estado).label}, extra={"estado": ev.estado})
    if accion == "rechazar" and not motivo:
        raise ErrorValidacion(extra={"motivo": [_("Indique el motivo del rechazo.")]})
    if (accion == "aprobar" and ev.fecha_vencimiento
            and ev.fecha_vencimiento < timezone.localdate()):
        raise TransicionInvalida(_("La evidencia ya está vencida."))
    antes = ev.estado
    ev.estado = destino
    campos = ["estado"]
    if quien == "revisor":
        ev.revisado_por, ev.revisado_en = actor, timezone.now()
        ev.motivo_rechazo = motivo if accion == "rechazar" else ""
        campos += ["revisado_por", "revisado_en", "motivo_rechazo"]
    ev.save(update_fields=campos)
    texto = _("Evidencia «%(t)s»: %(a)s → %(d)s.") % {
        "t": ev.titulo, "a": EstadoEvidencia(antes).label, "d": EstadoEvidencia(destino).label}
    if motivo:
        texto += f"\n{motivo}"
    registrar(plan, actor=actor, tipo_entrada=TipoEntrada.EVIDENCIA,
              accion=f"evidencia.{accion}", evento="pisi.actualizado", texto=texto,
              datos={"evidencia_id": ev.pk}, antes={"estado": antes},
              despues={"estado": destino}, objeto=ev)
    return ev


def evidencia_cambiar_estado(*, actor, plan_id: int, evidencia_id: int, accion: str,
                             motivo: str = "") -> Evidencia:
    """The entity submits evidence for review; CGII approves or rejects it (with a reason).
    Approved evidence past its expiry date becomes ``vencida`` in the periodic sweep."""
    if accion not in ACCIONES_EVIDENCIA:
        raise ErrorValidacion(extra={"accion": [_("Acción desconocida.")]})
    motivo = texto_limpio(motivo, "motivo", maximo=4000)
    with transaction.atomic():
        plan = selectors.plan_obtener(usuario=actor, plan_id=plan_id, para_actualizar=True)
        ev = selectors.evidencia_obtener(usuario=actor, plan_id=plan_id, evidencia_id=evidencia_id)
        ev = Evidencia.objects.select_for_update().get(pk=ev.pk)
        return _cambiar_estado_en(plan, ev, actor=actor, accion=accion, motivo=motivo)


def evidencia_eliminar(*, actor, plan_id: int, evidencia_id: int) -> None:
    """Only a draft or rejected piece of evidence is removed (its file too, after commit)."""
    with transaction.atomic():
        plan = selectors.plan_obtener(usuario=actor, plan_id=plan_id, para_actualizar=True)
        exigir_entidad(plan, actor)
        ev = selectors.evidencia_obtener(usuario=actor, plan_id=plan_id, evidencia_id=evidencia_id)
        if ev.estado not in (EstadoEvidencia.BORRADOR, EstadoEvidencia.RECHAZADA):
            raise TransicionInvalida(_("Solo se elimina evidencia en borrador o rechazada."))
        ruta = ev.ruta
        compartida = bool(ruta) and Evidencia.objects.filter(ruta=ruta).exclude(pk=ev.pk).exists()
        datos = {"evidencia_id": ev.pk, "titulo": ev.titulo, "sha256": ev.sha256 or None}
        ev.delete()
        registrar(plan, actor=actor, tipo_entrada=TipoEntrada.EVIDENCIA,
                  accion="evidencia.eliminar", evento="pisi.actualizado",
                  texto=_("Evidencia eliminada: %(t)s") % {"t": datos["titulo"]}, datos=datos)
        if ruta and not compartida:
            transaction.on_commit(lambda: archivos.borrar_archivo(ruta))
