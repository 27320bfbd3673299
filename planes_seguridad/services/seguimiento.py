"""Follow-up periods: the entity reports progress, the auditor reviews each control and
records findings, and closing the period freezes an immutable snapshot."""

from datetime import date
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from cgii import archivos, fsm
from cgii.errores import (
    ConflictoConcurrencia,
    ErrorValidacion,
    NoEncontrado,
    PermisoDenegado,
    TransicionInvalida,
)

from .. import congelado, selectors
from ..models import (
    PUNTAJE,
    EstadoEvidencia,
    EstadoHallazgo,
    EstadoImplementacion,
    Grado,
    Hallazgo,
    OrigenHallazgo,
    PeriodoSeguimiento,
    PlanInstitucional,
    Resultado,
    RevisionControl,
    SnapshotControl,
    SnapshotPeriodo,
    TipoEntrada,
    TipoEvidencia,
)
from ..permisos import roles_del_usuario
from ..states import ESTADOS_IMPLEMENTACION, MAQUINA_PERIODO, EstadoPeriodo, TransicionPeriodo
from .comun import exigir_entidad, exigir_revisor, registrar, texto_limpio
from .planes import _fecha
from .soa import _crear_evidencia_en, extra_archivo


def _datos_periodo(periodo: PeriodoSeguimiento) -> dict:
    return {"periodo": {"id": periodo.pk, "nombre": periodo.nombre, "estado": periodo.estado,
                        "fecha_corte": periodo.fecha_corte.isoformat()}}


def periodo_abrir(*, actor, plan_id: int, fecha_corte: date | str | None = None,
                  nombre: str = "") -> PeriodoSeguimiento:
    """CGII opens a follow-up period on a plan in force (one open period at a time; by
    default yearly, cut-off 31 December of the current year). Open findings waiting for a
    period (e.g. from incidents) are adopted by it."""
    fecha_corte = _fecha(fecha_corte, "fecha_corte") or date(timezone.localdate().year, 12, 31)
    nombre = texto_limpio(nombre, "nombre", maximo=120) or _(
        "Seguimiento al %(f)s") % {"f": fecha_corte.strftime("%d/%m/%Y")}
    try:
        with transaction.atomic():
            plan = selectors.plan_obtener(usuario=actor, plan_id=plan_id, para_actualizar=True)
            exigir_revisor(plan, actor)
            if plan.estado not in ESTADOS_IMPLEMENTACION:
                raise TransicionInvalida(_("Solo se hace seguimiento a un plan vigente."),
                                         extra={"estado": plan.estado})
            if selectors.periodo_actual(plan) is not None:
                raise TransicionInvalida(_("El plan ya tiene un periodo de seguimiento abierto."))
            periodo = PeriodoSeguimiento.objects.create(plan=plan, nombre=nombre,
                                                        fecha_corte=fecha_corte,
                                                        abierto_por=fsm.actor_real(actor))
            RevisionControl.objects.bulk_create(
                [RevisionControl(periodo=periodo, aplicabilidad=f) for f in plan.soa.all()])
            adoptados = plan.hallazgos.filter(periodo__isnull=True,
                                              estado=EstadoHallazgo.ABIERTO).update(periodo=periodo)
            registrar(plan, actor=actor, tipo_entrada=TipoEntrada.SEGUIMIENTO,
                      accion="periodo.abrir", evento="pisi.seguimiento",
                      texto=_("Periodo de seguimiento abierto: %(n)s (corte %(f)s).")
                      % {"n": nombre, "f": fecha_corte.strftime("%d/%m/%Y")},
                      datos={**_datos_periodo(periodo), "hallazgos_adoptados": adoptados},
                      objeto=periodo)
    except IntegrityError:
        raise ConflictoConcurrencia() from None
    return periodo


def _periodo_bloqueado(actor, plan_id: int, periodo_id: int):
    plan = selectors.plan_obtener(usuario=actor, plan_id=plan_id, para_actualizar=True)
    periodo = selectors.periodo_obtener(plan=plan, periodo_id=periodo_id, para_actualizar=True)
    return plan, periodo


def _revision(periodo, control: str | None = None, fila_id: int | None = None) -> RevisionControl:
    filtro = {"aplicabilidad_id": fila_id} if fila_id else {"aplicabilidad__control__numero": control}
    try:
        return (periodo.revisiones.select_for_update(of=("self",))
                .select_related("aplicabilidad", "aplicabilidad__control").get(**filtro))
    except (RevisionControl.DoesNotExist, ValueError, TypeError):
        raise NoEncontrado(_("Control no encontrado en este periodo.")) from None


def avance_reportar(*, actor, plan_id: int, periodo_id: int, control: str | None = None,
                    fila_id: int | None = None, estado_implementacion: str | None = None,
                    madurez: int | None = None, comentario: str = "", archivo=None,
                    titulo_evidencia: str = "") -> RevisionControl:
    """The entity reports one control's progress in an open period; the SoA row follows
    (implementation status and maturity are the same truth). A file sent with it becomes
    the control's evidence, submitted for review, in the same transaction: if anything is
    refused, neither the progress nor the evidence (nor the file) is kept."""
    comentario = texto_limpio(comentario, "comentario", maximo=4000)
    titulo_evidencia = texto_limpio(titulo_evidencia, "titulo_evidencia", maximo=255)
    if estado_implementacion is not None and estado_implementacion not in EstadoImplementacion.values:
        raise ErrorValidacion(extra={"estado_implementacion": [_("Estado no válido.")]})
    if madurez is not None and (isinstance(madurez, bool) or not isinstance(madurez, int)
                                or not 0 <= madurez <= 5):
        raise ErrorValidacion(extra={"madurez": [_("La madurez es un entero de 0 a 5.")]})
    guardado = None
    if archivo is not None:
        # Visibility, role and the period's state before reading the upload.
        with transaction.atomic():
            plan, periodo = _periodo_bloqueado(actor, plan_id, periodo_id)
            _exigir_avance(plan, periodo, actor)
        guardado = archivos.guardar_archivo(archivo, carpeta="pisi")
    try:
        with transaction.atomic():
            plan, periodo = _periodo_bloqueado(actor, plan_id, periodo_id)
            _exigir_avance(plan, periodo, actor)
            rev = _revision(periodo, control, fila_id)
            fila = rev.aplicabilidad
            if estado_implementacion is not None:
                rev.estado_reportado = fila.estado_implementacion = estado_implementacion
            if madurez is not None:
                rev.madurez_reportada = fila.madurez = madurez
            rev.comentario_entidad = comentario or rev.comentario_entidad
            rev.reportado_por, rev.reportado_en = fsm.actor_real(actor), timezone.now()
            rev.save()
            fila.save(update_fields=["estado_implementacion", "madurez", "actualizado"])
            registrar(plan, actor=actor, tipo_entrada=TipoEntrada.SEGUIMIENTO,
                      accion="periodo.avance", evento="pisi.seguimiento",
                      texto=_("Avance reportado en %(c)s: %(e)s, madurez %(m)d.")
                      % {"c": fila.control.numero,
                         "e": EstadoImplementacion(fila.estado_implementacion).label,
                         "m": fila.madurez},
                      datos={**_datos_periodo(periodo), "control": fila.control.numero},
                      objeto=rev)
            if guardado is not None:
                rev.evidencia_nueva = _crear_evidencia_en(
                    plan, actor=actor, tipo=TipoEvidencia.ARCHIVO,
                    titulo=titulo_evidencia or guardado.nombre_original, descripcion="",
                    control=fila.control.numero, actividad_id=None, fecha_vencimiento=None,
                    extra=extra_archivo(guardado), presentar=True)
    except BaseException:
        if guardado is not None:
            archivos.borrar_archivo(guardado.ruta)
        raise
    return rev


def _exigir_avance(plan, periodo, actor) -> None:
    exigir_entidad(plan, actor)
    if periodo.estado != EstadoPeriodo.ABIERTO:
        raise TransicionInvalida(_("El periodo no está abierto para reportar avance."))


def controles_revisar(*, actor, plan_id: int, periodo_id: int,
                      revisiones: list[dict]) -> list[RevisionControl]:
    """The auditor's result per control (``control`` number or ``id`` of the SoA row,
    ``resultado``, ``comentario``), kept apart from the implementation status."""
    if not isinstance(revisiones, list) or not revisiones:
        raise ErrorValidacion(extra={"revisiones": [_("Indique al menos un control.")]})
    with transaction.atomic():
        plan, periodo = _periodo_bloqueado(actor, plan_id, periodo_id)
        exigir_revisor(plan, actor)
        if periodo.estado == EstadoPeriodo.CERRADO:
            raise TransicionInvalida(_("El periodo está cerrado: su revisión ya no cambia."))
        hechas, resultados = [], {}
        for item in revisiones:
            resultado = item.get("resultado")
            if resultado not in Resultado.values:
                raise ErrorValidacion(extra={"resultado": [_("Resultado no válido.")]})
            rev = _revision(periodo, item.get("control"), item.get("id"))
            rev.resultado = resultado
            rev.comentario_auditor = texto_limpio(item.get("comentario", ""), "comentario",
                                                  maximo=4000)
            rev.revisado_por, rev.revisado_en = fsm.actor_real(actor), timezone.now()
            rev.save(update_fields=["resultado", "comentario_auditor", "revisado_por",
                                    "revisado_en"])
            resultados[rev.aplicabilidad.control.numero] = resultado
            hechas.append(rev)
        registrar(plan, actor=actor, tipo_entrada=TipoEntrada.SEGUIMIENTO,
                  accion="periodo.revision", evento="pisi.seguimiento",
                  texto=_("Revisión del CGII: %(n)d control(es) evaluado(s).") % {"n": len(hechas)},
                  datos={**_datos_periodo(periodo), "resultados": resultados}, objeto=periodo)
    return hechas


def control_revisar(*, actor, plan_id: int, periodo_id: int, control: str, resultado: str,
                    comentario: str = "") -> RevisionControl:
    return controles_revisar(actor=actor, plan_id=plan_id, periodo_id=periodo_id, revisiones=[
        {"control": control, "resultado": resultado, "comentario": comentario}])[0]


def _congelar(periodo: PeriodoSeguimiento, momento) -> int:
    """Write the immutable snapshot of every SoA row and of the plan-level facts the
    compliance report reads (inside the closing transaction)."""
    plan = periodo.plan
    filas = (plan.soa.select_related("control", "control__dominio")
             .annotate(aprobadas=Count("evidencias", filter=Q(
                 evidencias__estado=EstadoEvidencia.APROBADA), distinct=True),
                 abiertos=Count("hallazgos", filter=Q(hallazgos__estado=EstadoHallazgo.ABIERTO),
                                distinct=True))
             .order_by("control__orden"))
    resultados = dict(periodo.revisiones.values_list("aplicabilidad_id", "resultado"))
    fotos = []
    for f in filas:
        resultado = resultados.get(f.pk) or ""
        if f.aplica is not True and not resultado:
            resultado = Resultado.NO_APLICA
        puntaje = PUNTAJE.get(resultado)
        fotos.append(SnapshotControl(
            periodo=periodo, control_numero=f.control.numero, control_titulo=f.control.titulo,
            dominio_numero=f.control.dominio.numero, dominio_titulo=f.control.dominio.titulo,
            orden=f.control.orden, aplica=f.aplica, estado_implementacion=f.estado_implementacion,
            madurez=f.madurez, resultado=resultado,
            puntaje=None if puntaje is None else Decimal(str(puntaje)), peso=f.peso,
            evidencias_aprobadas=f.aprobadas, evidencia_presente=f.aprobadas > 0,
            hallazgos_abiertos=f.abiertos, creado=momento))
    SnapshotControl.objects.bulk_create(fotos)
    SnapshotPeriodo.objects.create(periodo=periodo, creado=momento, **congelado.resumen(plan))
    return len(fotos)


def periodo_transicionar(*, actor, plan_id: int, periodo_id: int, transicion: str,
                         comentario: str = "") -> PeriodoSeguimiento:
    """abierto → presentar → en_revision → cerrar (snapshot) | devolver → abierto, through
    the shared mechanism (``cgii.fsm``); closing freezes the period's snapshot."""
    fsm.validar_nombre(MAQUINA_PERIODO, transicion, actor)
    comentario = texto_limpio(comentario, "comentario", maximo=4000)

    def bloquear() -> PeriodoSeguimiento:
        plan, periodo = _periodo_bloqueado(actor, plan_id, periodo_id)
        periodo.plan = plan
        return periodo

    def preparar(periodo) -> list[str]:
        periodo._sin_revisar = periodo.controles_sin_revisar()  # read by revision_completa
        return []

    def efectos(cambio: fsm.Cambio) -> list[str]:
        periodo = cambio.objeto
        if transicion == TransicionPeriodo.PRESENTAR:
            periodo.presentado_en = cambio.momento
            return ["presentado_en"]
        if transicion == TransicionPeriodo.CERRAR:
            periodo.cerrado_en, periodo.cerrado_por = cambio.momento, fsm.actor_real(actor)
            return ["cerrado_en", "cerrado_por"]
        return []

    def constancia(cambio: fsm.Cambio) -> None:
        periodo = cambio.objeto
        datos = _datos_periodo(periodo)
        if transicion == TransicionPeriodo.CERRAR:
            datos["controles_congelados"] = _congelar(periodo, cambio.momento)
        texto = _("Periodo «%(n)s»: %(a)s → %(d)s.") % {
            "n": periodo.nombre, "a": EstadoPeriodo(cambio.antes).label,
            "d": periodo.get_estado_display()}
        if comentario:
            texto += f"\n{comentario}"
        registrar(periodo.plan, actor=actor, tipo_entrada=TipoEntrada.SEGUIMIENTO,
                  accion=f"periodo.{transicion}", evento="pisi.seguimiento", texto=texto,
                  datos=datos, antes={"estado": cambio.antes},
                  despues={"estado": cambio.despues}, objeto=periodo)

    return fsm.ejecutar(bloquear, MAQUINA_PERIODO, actor=actor, transicion=transicion,
                        preparar=preparar, efectos=efectos, constancia=constancia,
                        extra=lambda p: {"sin_revisar": p._sin_revisar}).objeto


# ---- findings ---------------------------------------------------------------------------------

CAMPOS_HALLAZGO_ENTIDAD = ("causa_raiz", "accion_correctiva", "responsable", "fecha_compromiso")
CAMPOS_HALLAZGO_CGII = ("grado", "descripcion", *CAMPOS_HALLAZGO_ENTIDAD)


def _aplicar_hallazgo(h: Hallazgo, campos: dict) -> list[str]:
    cambiados = []
    for campo, valor in campos.items():
        if campo == "grado":
            if valor not in Grado.values:
                raise ErrorValidacion(extra={"grado": [_("Grado no válido.")]})
        elif campo == "descripcion":
            valor = texto_limpio(valor, campo, maximo=4000, obligatorio=True)
        elif campo in ("causa_raiz", "accion_correctiva"):
            valor = texto_limpio(valor, campo, maximo=4000)
        elif campo == "responsable":
            valor = texto_limpio(valor, campo, maximo=200)
        elif campo == "fecha_compromiso":
            valor = _fecha(valor, campo)
        else:
            raise ErrorValidacion(extra={campo: [_("Campo desconocido.")]})
        if getattr(h, campo) != valor:
            setattr(h, campo, valor)
            cambiados.append(campo)
    return cambiados


def crear_hallazgo(plan: PlanInstitucional, *, actor, grado: str, descripcion: str,
                   periodo: PeriodoSeguimiento | None, control: str | None = None,
                   control_numero: str | None = None, origen: str = OrigenHallazgo.AUDITORIA,
                   incidente: dict | None = None, **campos) -> Hallazgo:
    """Inside the caller's transaction, on a locked plan (the auditor's service and the
    incident sink)."""
    fila = None
    if control:
        fila = plan.soa.select_related("control").filter(control__numero=control).first()
    h = Hallazgo(plan=plan, periodo=periodo, aplicabilidad=fila,
                 control_numero=control_numero or control or "",
                 origen=origen, registrado_por=fsm.actor_real(actor),
                 incidente_id=(incidente or {}).get("id"),
                 incidente_codigo=(incidente or {}).get("codigo") or "")
    _aplicar_hallazgo(h, {"grado": grado, "descripcion": descripcion, **campos})
    h.save()
    registrar(plan, actor=actor, tipo_entrada=TipoEntrada.HALLAZGO, accion="hallazgo.crear",
              evento="pisi.hallazgo",
              texto=_("Hallazgo (%(g)s)%(c)s: %(d)s") % {
                  "g": Grado(h.grado).label,
                  "c": f" en {h.control_numero}" if h.control_numero else "",
                  "d": h.descripcion[:300]},
              datos={"hallazgo_id": h.pk, "grado": h.grado, "control": h.control_numero or None,
                     "origen": origen, "incidente": h.incidente_codigo or None},
              objeto=h)
    return h


def hallazgo_registrar(*, actor, plan_id: int, grado: str, descripcion: str,
                       control: str | None = None, periodo_id: int | None = None,
                       **campos) -> Hallazgo:
    """CGII records a graded finding in the plan's open period (or a given one)."""
    if ajenos := sorted(set(campos) - set(CAMPOS_HALLAZGO_ENTIDAD)):
        raise ErrorValidacion(extra={c: [_("Campo desconocido.")] for c in ajenos})
    with transaction.atomic():
        plan = selectors.plan_obtener(usuario=actor, plan_id=plan_id, para_actualizar=True)
        exigir_revisor(plan, actor)
        if periodo_id is not None:
            periodo = selectors.periodo_obtener(plan=plan, periodo_id=periodo_id)
        else:
            periodo = selectors.periodo_actual(plan)
        if periodo is None:
            raise TransicionInvalida(_("El plan no tiene un periodo de seguimiento abierto."))
        if periodo.estado == EstadoPeriodo.CERRADO:
            raise TransicionInvalida(_("El periodo está cerrado."))
        if control and not plan.soa.filter(control__numero=control).exists():
            raise ErrorValidacion(extra={"control": [_("Control que no está en el plan.")]})
        return crear_hallazgo(plan, actor=actor, grado=grado, descripcion=descripcion,
                              periodo=periodo, control=control, **campos)


def hallazgo_actualizar(*, actor, plan_id: int, hallazgo_id: int, **campos) -> Hallazgo:
    """The entity writes root cause, corrective action, owner and due date; CGII may also
    regrade or reword."""
    with transaction.atomic():
        plan = selectors.plan_obtener(usuario=actor, plan_id=plan_id, para_actualizar=True)
        roles = roles_del_usuario(plan.entidad_id, actor)
        permitidos = (CAMPOS_HALLAZGO_CGII if roles & {"auditor", "coordinador", "administrador"}
                      else CAMPOS_HALLAZGO_ENTIDAD if roles & {"rsi", "mae"} else ())
        if not permitidos:
            raise PermisoDenegado()
        if ajenos := sorted(set(campos) - set(permitidos)):
            raise PermisoDenegado(_("No puede cambiar: %(c)s.") % {"c": ", ".join(ajenos)})
        h = selectors.hallazgo_obtener(plan=plan, hallazgo_id=hallazgo_id, para_actualizar=True)
        if h.estado == EstadoHallazgo.CERRADO:
            raise TransicionInvalida(_("El hallazgo está cerrado."))
        antes = {c: getattr(h, c) for c in campos}
        cambiados = _aplicar_hallazgo(h, campos)
        if cambiados:
            h.save(update_fields=cambiados)
            registrar(plan, actor=actor, tipo_entrada=TipoEntrada.HALLAZGO,
                      accion="hallazgo.editar", evento="pisi.hallazgo",
                      texto=_("Hallazgo actualizado: %(c)s.") % {"c": ", ".join(cambiados)},
                      datos={"hallazgo_id": h.pk, "campos": cambiados},
                      antes={c: antes[c] for c in cambiados},
                      despues={c: getattr(h, c) for c in cambiados}, objeto=h)
    return h


def hallazgo_cerrar(*, actor, plan_id: int, hallazgo_id: int, comentario: str) -> Hallazgo:
    comentario = texto_limpio(comentario, "comentario", maximo=4000, obligatorio=True)
    with transaction.atomic():
        plan = selectors.plan_obtener(usuario=actor, plan_id=plan_id, para_actualizar=True)
        exigir_revisor(plan, actor)
        h = selectors.hallazgo_obtener(plan=plan, hallazgo_id=hallazgo_id, para_actualizar=True)
        if h.estado == EstadoHallazgo.CERRADO:
            raise TransicionInvalida(_("El hallazgo ya está cerrado."))
        h.estado, h.cerrado_en, h.cerrado_por = EstadoHallazgo.CERRADO, timezone.now(), fsm.actor_real(actor)
        h.comentario_cierre = comentario
        h.save(update_fields=["estado", "cerrado_en", "cerrado_por", "comentario_cierre"])
        registrar(plan, actor=actor, tipo_entrada=TipoEntrada.HALLAZGO, accion="hallazgo.cerrar",
                  evento="pisi.hallazgo", texto=_("Hallazgo cerrado: %(c)s") % {"c": comentario},
                  datos={"hallazgo_id": h.pk}, antes={"estado": "abierto"},
                  despues={"estado": "cerrado"}, objeto=h)
    return h
