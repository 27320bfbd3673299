"""Create, edit, version and move PISI plans through their lifecycle."""

import base64
import re
import secrets
import unicodedata
from datetime import date

from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _

from cgii import archivos, fsm
from cgii.entidades.selectors import entidades_visibles, ids_entidades_de, roles_en_entidad
from cgii.errores import (
    ConflictoConcurrencia,
    ErrorValidacion,
    NoEncontrado,
    PermisoDenegado,
    TransicionInvalida,
)

from .. import congelado, selectors
from ..models import (
    Actividad,
    ActivoInformacion,
    Aplicabilidad,
    EscenarioRiesgo,
    EstadoEvidencia,
    Evidencia,
    PlanInstitucional,
    TipoEntrada,
)
from ..permisos import ENTIDAD, SISTEMA, tiene_alguno
from ..states import CAMPOS_TRANSICION, ESTADOS_EDITABLES, MAQUINA_PLAN, Estado, Transicion
from . import plazos, revision
from .comun import exigir_editable, exigir_entidad, registrar, texto_limpio

MAX_FILAS = 500

# Structured lists: required key and allowed keys of each item.
ESQUEMAS = {
    "comite": ("nombre", {"nombre", "cargo", "rol", "unidad", "correo"}),
}
CAMPOS_CONTENIDO = ("alcance", "rsi_id", "comite", "politica_aprobada_en")
# The JSON summaries became records (issue 23): a client still sending them is told where.
CAMPOS_RETIRADOS = {
    "inventario_activos": "activos/",
    "evaluacion_riesgos": "riesgos/",
}
CAMPOS_VIGENCIA = ("vigencia_desde", "vigencia_hasta")
CAMPOS_RESOLUCION = ("resolucion_cite", "resolucion_fecha")
ESTADOS_VIGENCIA = (*ESTADOS_EDITABLES, Estado.CONFORME, Estado.APROBADO)


# ---- validation -------------------------------------------------------------------------

def _fecha(valor, campo: str) -> date | None:
    if valor in (None, ""):
        return None
    if isinstance(valor, date):
        return valor
    if isinstance(valor, str) and (d := parse_date(valor)):
        return d
    raise ErrorValidacion(extra={campo: [_("Fecha no válida (AAAA-MM-DD).")]})


def _escalar(valor) -> bool:
    return valor is None or isinstance(valor, str | int | float | bool)


def validar_lista(valor, campo: str) -> list[dict]:
    requerido, permitidos = ESQUEMAS[campo]
    if not isinstance(valor, list):
        raise ErrorValidacion(extra={campo: [_("Debe ser una lista.")]})
    if len(valor) > MAX_FILAS:
        raise ErrorValidacion(extra={campo: [_("Máximo %(n)d filas.") % {"n": MAX_FILAS}]})
    salida = []
    for i, item in enumerate(valor, start=1):
        if not isinstance(item, dict):
            raise ErrorValidacion(extra={campo: [_("Fila %(i)d: debe ser un objeto.") % {"i": i}]})
        ajenas = sorted(set(item) - permitidos)
        if ajenas:
            raise ErrorValidacion(extra={campo: [
                _("Fila %(i)d: campos desconocidos: %(c)s (permitidos: %(p)s).")
                % {"i": i, "c": ", ".join(map(str, ajenas)), "p": ", ".join(sorted(permitidos))}]})
        if not isinstance(item.get(requerido), str) or not item[requerido].strip():
            raise ErrorValidacion(extra={campo: [
                _("Fila %(i)d: «%(r)s» es obligatorio.") % {"i": i, "r": requerido}]})
        for clave, v in item.items():
            ok = _escalar(v) or (isinstance(v, list) and all(_escalar(x) for x in v))
            if not ok or (isinstance(v, str) and len(v) > 2000):
                raise ErrorValidacion(extra={campo: [
                    _("Fila %(i)d: valor no válido en «%(c)s».") % {"i": i, "c": clave}]})
        for clave in ("probabilidad", "impacto"):
            if clave in item and item[clave] is not None and (
                    isinstance(item[clave], bool) or not isinstance(item[clave], int)
                    or not 1 <= item[clave] <= 5):
                raise ErrorValidacion(extra={campo: [
                    _("Fila %(i)d: «%(c)s» debe ser un entero de 1 a 5.") % {"i": i, "c": clave}]})
        salida.append({k: v.strip() if isinstance(v, str) else v for k, v in item.items()})
    return salida


def _rsi_valido(entidad_id: int, rsi_id) -> object:
    """An active member of the entity holding its RSI role, and not its MAE (the RSI and
    the authority that approves the plan are different people)."""
    if rsi_id in (None, ""):
        return None
    usuario = get_user_model().objects.filter(pk=rsi_id, is_active=True).first() if str(
        rsi_id).isdigit() else None
    if usuario is None or entidad_id not in ids_entidades_de(usuario):
        raise ErrorValidacion(extra={"rsi_id": [
            _("El RSI debe ser un usuario activo de la entidad.")]})
    roles = roles_en_entidad(usuario, entidad_id)
    if "mae" in roles:
        raise ErrorValidacion(extra={"rsi_id": [
            _("La Máxima Autoridad Ejecutiva (MAE) de la entidad no puede ser su RSI.")]})
    if "rsi" not in roles:
        raise ErrorValidacion(extra={"rsi_id": [
            _("El usuario no tiene el rol de RSI en la entidad.")]})
    return usuario


def _aplicar(plan: PlanInstitucional, campos: dict) -> tuple[list[str], dict, dict]:
    """Validate and set plan fields; returns (changed fields, before, after) for the audit."""
    cambiados, antes, despues = [], {}, {}
    for campo, valor in campos.items():
        if campo == "rsi_id":
            usuario = _rsi_valido(plan.entidad_id, valor)
            valor = usuario.pk if usuario else None
        elif campo in ESQUEMAS:
            valor = validar_lista(valor, campo)
        elif campo in ("politica_aprobada_en", "vigencia_desde", "vigencia_hasta",
                       "resolucion_fecha"):
            valor = _fecha(valor, campo)
        elif campo == "alcance":
            valor = texto_limpio(valor, campo)
        elif campo in ("resolucion_cite",):
            valor = texto_limpio(valor, campo, maximo=120)
        elif campo == "resolucion_codigo_aprobacion":
            valor = texto_limpio(valor, campo, maximo=80).upper()
        elif campo == "observaciones":
            valor = texto_limpio(valor, campo)
        else:
            raise ErrorValidacion(extra={campo: [_("Campo desconocido.")]})
        actual = getattr(plan, campo)
        if actual == valor:
            continue
        antes[campo], despues[campo] = actual, valor
        setattr(plan, campo, valor)
        cambiados.append(campo.removesuffix("_id") if campo == "rsi_id" else campo)
    if plan.vigencia_desde and plan.vigencia_hasta and plan.vigencia_hasta <= plan.vigencia_desde:
        raise ErrorValidacion(extra={"vigencia_hasta": [
            _("El fin de la vigencia debe ser posterior a su inicio.")]})
    return cambiados, antes, despues


# ---- create / edit ------------------------------------------------------------------------

def plan_crear(
    *,
    actor,
    entidad_id: int,
    gestion: int,
    catalogo: str | None = None,
    **campos,
) -> PlanInstitucional:
    """Version 1 of the entity's plan for ``gestion``, with one SoA row per control of the
    catalog in force (by default ``selectors.catalogo_por_defecto``: the national catalog
    once complete). The entity's RSI or MAE (or a CGII administrator) creates it."""
    entidad = entidades_visibles(actor).filter(pk=entidad_id).first()
    if entidad is None:
        raise NoEncontrado(_("Entidad no encontrada."))
    if not tiene_alguno(entidad.pk, actor, (*ENTIDAD, "administrador")):
        raise PermisoDenegado(_("Solo el RSI o la MAE de la entidad pueden crear su plan."))
    if not isinstance(gestion, int) or not 2000 <= gestion <= 2100:
        raise ErrorValidacion(extra={"gestion": [_("Gestión no válida.")]})
    cat = (selectors.catalogo_vigente(catalogo) if catalogo
           else selectors.catalogo_por_defecto())
    if cat is None:
        raise ErrorValidacion(extra={"catalogo": [_("Catálogo de controles no disponible.")]})
    permitidos = set(CAMPOS_CONTENIDO) | set(CAMPOS_VIGENCIA)
    if ajenos := sorted(set(campos) - permitidos):
        raise ErrorValidacion(extra={c: [_("Campo desconocido.")] for c in ajenos})
    try:
        with transaction.atomic():
            if PlanInstitucional.objects.filter(entidad=entidad, gestion=gestion).exists():
                raise ErrorValidacion(extra={"gestion": [
                    _("La entidad ya tiene un plan para la gestión %(g)d: ábralo y use "
                      "«Crear nueva versión» para actualizarlo.") % {"g": gestion}]})
            plan = PlanInstitucional(entidad=entidad, gestion=gestion, version=1, catalogo=cat,
                                     matriz_riesgo=selectors.matriz_vigente(),
                                     creado_por=fsm.actor_real(actor))
            _aplicar(plan, campos)
            plan.save()
            filas = [Aplicabilidad(plan=plan, control=c) for c in cat.controles.all()]
            Aplicabilidad.objects.bulk_create(filas)
            registrar(plan, actor=actor, tipo_entrada=TipoEntrada.CREACION, accion="crear",
                      evento="pisi.creado",
                      texto=_("Plan de la gestión %(g)d creado sobre %(c)s (%(n)d controles).")
                      % {"g": gestion, "c": cat, "n": len(filas)},
                      datos={"catalogo": cat.codigo, "catalogo_version": cat.version})
    except IntegrityError:
        raise ConflictoConcurrencia() from None
    return plan


def plan_actualizar(*, actor, plan_id: int, **campos) -> PlanInstitucional:
    """Content in borrador/observado; validity also until registration; the MAE resolution
    data once the plan is conforme."""
    with transaction.atomic():
        plan = selectors.plan_obtener(usuario=actor, plan_id=plan_id, para_actualizar=True)
        exigir_entidad(plan, actor)
        for campo in campos:
            if campo in CAMPOS_CONTENIDO:
                exigir_editable(plan)
            elif campo in CAMPOS_VIGENCIA:
                if plan.estado not in ESTADOS_VIGENCIA:
                    raise TransicionInvalida(_("La vigencia ya no se puede cambiar."))
            elif campo in CAMPOS_RESOLUCION:
                if plan.estado != Estado.CONFORME:
                    raise TransicionInvalida(_("La resolución de la MAE se registra cuando el "
                                               "plan está conforme."))
            elif campo in CAMPOS_RETIRADOS:
                raise ErrorValidacion(extra={campo: [
                    _("El inventario de activos y la evaluación de riesgos ahora son registros: "
                      "use …/%(r)s del plan.") % {"r": CAMPOS_RETIRADOS[campo]}]})
            else:
                raise ErrorValidacion(extra={campo: [_("Campo desconocido.")]})
        cambiados, antes, despues = _aplicar(plan, campos)
        if cambiados:
            plan.save(update_fields=[*cambiados, "actualizado"])
            registrar(plan, actor=actor, tipo_entrada=TipoEntrada.EDICION, accion="editar",
                      evento="pisi.actualizado",
                      texto=_("Datos del plan actualizados: %(c)s.") % {"c": ", ".join(cambiados)},
                      datos={"campos": cambiados}, antes=antes, despues=despues)
    return plan


def _verificar_documento(plan, *, actor, tipo: str) -> None:
    exigir_entidad(plan, actor)
    if tipo == "politica":
        exigir_editable(plan)
    elif plan.estado != Estado.CONFORME:
        raise TransicionInvalida(_("La resolución de la MAE se adjunta cuando el plan está "
                                   "conforme."))


def _adjuntar_documento(plan: PlanInstitucional, *, actor, tipo: str, guardado) -> None:
    """On a locked plan (the caller's transaction): the stored file becomes its document."""
    _verificar_documento(plan, actor=actor, tipo=tipo)
    antes = {"sha256": getattr(plan, f"{tipo}_sha256") or None}
    valores = {"nombre": guardado.nombre_original, "ruta": guardado.ruta,
               "tipo_mime": guardado.tipo_mime, "tamano": guardado.tamano,
               "sha256": guardado.sha256}
    for k, v in valores.items():
        setattr(plan, f"{tipo}_{k}", v)
    plan.save(update_fields=[*(f"{tipo}_{k}" for k in valores), "actualizado"])
    etiqueta = _("política de seguridad") if tipo == "politica" else _("resolución de la MAE")
    registrar(plan, actor=actor, tipo_entrada=TipoEntrada.DOCUMENTO,
              accion=f"documento.{tipo}", evento="pisi.actualizado",
              texto=_("Documento cargado (%(t)s): %(n)s") % {
                  "t": etiqueta, "n": guardado.nombre_original},
              datos={"documento": tipo, "sha256": guardado.sha256, "tamano": guardado.tamano},
              antes=antes, despues={"sha256": guardado.sha256})


def plan_documento_subir(*, actor, plan_id: int, tipo: str, archivo) -> PlanInstitucional:
    """The information-security policy (while the content is editable) or the MAE's
    approving resolution (once conforme). Same upload safety as incident evidence."""
    if tipo not in ("politica", "resolucion"):
        raise ErrorValidacion(extra={"tipo": [_("Documento desconocido (politica | resolucion).")]})
    # Visibility, role and state before reading the upload: another entity's plan is a 404.
    _verificar_documento(selectors.plan_obtener(usuario=actor, plan_id=plan_id), actor=actor,
                         tipo=tipo)
    guardado = archivos.guardar_archivo(archivo, carpeta="pisi")
    try:
        with transaction.atomic():
            plan = selectors.plan_obtener(usuario=actor, plan_id=plan_id, para_actualizar=True)
            _adjuntar_documento(plan, actor=actor, tipo=tipo, guardado=guardado)
    except BaseException:
        archivos.borrar_archivo(guardado.ruta)
        raise
    return plan


# ---- lifecycle ----------------------------------------------------------------------------

def _sigla_ascii(sigla: str) -> str:
    limpia = unicodedata.normalize("NFKD", sigla).encode("ascii", "ignore").decode().upper()
    return re.sub(r"[^A-Z0-9]", "", limpia)[:20] or "ENT"


def generar_codigo_verificacion(plan: PlanInstitucional) -> str:
    """PISI-<SIGLA>-<gestión>-<8 base32 characters> (40 random bits), unique."""
    for _intento in range(8):
        aleatorio = base64.b32encode(secrets.token_bytes(5)).decode()
        codigo = f"PISI-{_sigla_ascii(plan.entidad.sigla)}-{plan.gestion}-{aleatorio}"
        if not PlanInstitucional.objects.filter(codigo_verificacion=codigo).exists():
            return codigo
    raise ConflictoConcurrencia(_("No se pudo generar un código de verificación único."))


def _aplicar_datos_transicion(plan, transicion: str, datos: dict, comentario: str) -> list[str]:
    permitidos = CAMPOS_TRANSICION.get(transicion, ())
    if ajenos := sorted(set(datos) - set(permitidos)):
        raise ErrorValidacion(extra={c: [_("Campo no admitido en esta transición.")]
                                     for c in ajenos})
    valores = {k: datos[k] for k in permitidos if k in datos}
    if transicion == Transicion.OBSERVAR and "observaciones" not in valores:
        valores["observaciones"] = comentario
    cambiados, _a, _d = _aplicar(plan, valores)
    return cambiados


def _efectos(cambio: fsm.Cambio) -> list[str]:
    """The plan's own fields of each state it enters (timestamps, the verification code)."""
    plan, antes = cambio.objeto, cambio.antes
    if plan.estado == Estado.PRESENTADO:
        plan.presentado_en = cambio.momento
        return ["presentado_en"]
    if plan.estado == Estado.CONFORME:
        plan.conforme_en, plan.conforme_por = cambio.momento, fsm.actor_real(cambio.actor)
        plan.codigo_verificacion = generar_codigo_verificacion(plan)
        # What the conformity summary shows is frozen now (the MAE's resolution cites it).
        plan.resumen_conformidad = congelado.resumen_conformidad(plan, momento=cambio.momento)
        return ["conforme_en", "conforme_por", "codigo_verificacion", "resumen_conformidad"]
    if plan.estado == Estado.APROBADO:
        plan.aprobado_en = cambio.momento
        return ["aprobado_en"]
    if plan.estado == Estado.VIGENTE and antes == Estado.APROBADO:
        plan.vigente_en = cambio.momento
        return ["vigente_en"]
    return []


def _transicionar(plan: PlanInstitucional, *, actor, transicion: str, comentario: str = "",
                  datos: dict | None = None, hoy: date | None = None) -> PlanInstitucional:
    """The shared mechanism (``cgii.fsm``) on an already locked plan (``plan_transicionar``
    and services that chain transitions inside their own transaction). What is the plan's
    own: the typed fields, its deadlines, its history text, replacing the previous version."""
    datos = datos or {}

    def preparar(p) -> list[str]:
        cambiados = _aplicar_datos_transicion(p, transicion, datos, comentario)
        # What the conditions read, one query each, once per transition.
        p._soa_pendientes = p.soa_pendientes()
        p._minimos_no_aplicables = p.minimos_no_aplicables()
        p._observaciones_sin_responder = p.observaciones_sin_responder()
        p._observaciones_en_ronda = p.observaciones_en_ronda()
        p._n_actividades = p.n_actividades()
        p._riesgos_faltantes = p.riesgos_faltantes()
        p._rsi_valido = p.rsi_valido()
        p._hoy = hoy
        return cambiados

    def constancia(cambio: fsm.Cambio) -> None:
        abiertos = plazos.al_transicionar(plan, momento=cambio.momento)
        # Review rounds: entering the review opens one (with a snapshot of what is reviewed),
        # leaving it (observed or conforming) closes it.
        if cambio.despues == Estado.EN_REVISION:
            revision.ronda_abrir(plan, actor=actor, momento=cambio.momento)
        elif cambio.antes == Estado.EN_REVISION:
            revision.ronda_cerrar(plan, resultado=cambio.despues, momento=cambio.momento)
        texto = fsm.texto_cambio(MAQUINA_PLAN, cambio)
        if plan.estado == Estado.CONFORME:
            texto += "\n" + _("Código de verificación: %(c)s") % {"c": plan.codigo_verificacion}
        if comentario:
            texto += f"\n{comentario}"
        registrar(plan, actor=actor, tipo_entrada=TipoEntrada.TRANSICION, accion="transicion",
                  evento="pisi.transicion", texto=texto,
                  datos={"transicion": transicion, "de": cambio.antes, "a": cambio.despues,
                         "comentario": comentario,
                         "plazos_abiertos": [{"tipo": p.tipo, "vence": p.vence.isoformat()}
                                             for p in abiertos]},
                  antes={"estado": cambio.antes}, despues={"estado": cambio.despues})

    cambio = fsm.transicionar(plan, MAQUINA_PLAN, actor=actor, transicion=transicion,
                              preparar=preparar, efectos=_efectos, campos=("actualizado",),
                              constancia=constancia)
    # The successor in force replaces the version it was made from.
    if cambio.despues == Estado.VIGENTE and cambio.antes == Estado.APROBADO and plan.anterior_id:
        anterior = (PlanInstitucional.objects.select_for_update(of=("self",))
                    .select_related("entidad").get(pk=plan.anterior_id))
        if anterior.estado in (Estado.VIGENTE, Estado.EN_ACTUALIZACION):
            _transicionar(anterior, actor=SISTEMA, transicion=Transicion.REEMPLAZAR,
                          comentario=_("Reemplazado por la versión %(v)d.") % {"v": plan.version})
    return plan


def plan_transicionar(
    *,
    actor,
    plan_id: int,
    transicion: str,
    comentario: str = "",
    datos: dict | None = None,
    hoy: date | None = None,
    resolucion=None,
) -> PlanInstitucional:
    """Every plan state change: atomic → lock → role → state → conditions → save (guarded)
    → deadlines → history + audit + ``pisi.transicion`` to the entity and CGII staff.
    ``resolucion``: the MAE's resolution file sent with ``registrar_resolucion``, attached
    in the same transaction (a refused registration keeps no document)."""
    fsm.validar_nombre(MAQUINA_PLAN, transicion, actor)
    comentario = texto_limpio(comentario, "comentario")
    guardado = None
    if resolucion is not None:
        if transicion != Transicion.REGISTRAR_RESOLUCION:
            raise ErrorValidacion(extra={"archivo": [
                _("Solo la resolución de la MAE se adjunta con su registro.")]})
        _verificar_documento(selectors.plan_obtener(usuario=actor, plan_id=plan_id),
                             actor=actor, tipo="resolucion")
        guardado = archivos.guardar_archivo(resolucion, carpeta="pisi")
    try:
        with transaction.atomic():
            plan = selectors.plan_obtener(usuario=actor, plan_id=plan_id, para_actualizar=True)
            if guardado is not None:
                _adjuntar_documento(plan, actor=actor, tipo="resolucion", guardado=guardado)
            return _transicionar(plan, actor=actor, transicion=transicion,
                                 comentario=comentario, datos=datos, hoy=hoy)
    except BaseException:
        if guardado is not None:
            archivos.borrar_archivo(guardado.ruta)
        raise


# ---- versions and catalog migration -------------------------------------------------------

CAMPOS_COPIADOS = ("alcance", "rsi_id", "comite", "politica_nombre", "politica_ruta",
                   "politica_tipo_mime", "politica_tamano", "politica_sha256",
                   "politica_aprobada_en", "inventario_activos", "evaluacion_riesgos")
CAMPOS_SOA = ("aplica", "justificacion", "estado_implementacion", "madurez", "responsable",
              "fecha_objetivo", "peso")


def plan_nueva_version(*, actor, plan_id: int, comentario: str = "") -> PlanInstitucional:
    """A new version (borrador) of a plan in force: the plan goes ``en_actualizacion`` and
    the copy carries its content, SoA, schedule and approved evidence. When the new version
    is put in force, the old one becomes ``reemplazado``."""
    with transaction.atomic():
        plan = selectors.plan_obtener(usuario=actor, plan_id=plan_id, para_actualizar=True)
        exigir_entidad(plan, actor)
        if plan.estado not in (Estado.VIGENTE, Estado.EN_ACTUALIZACION):
            raise TransicionInvalida(_("Solo un plan vigente puede tener una nueva versión."),
                                     extra={"estado": plan.estado})
        if PlanInstitucional.objects.filter(anterior=plan).exists():
            raise TransicionInvalida(_("Ya existe una nueva versión de este plan."))
        if plan.estado == Estado.VIGENTE:
            _transicionar(plan, actor=actor, transicion=Transicion.INICIAR_ACTUALIZACION,
                          comentario=comentario)
        ultima = (PlanInstitucional.objects.filter(entidad_id=plan.entidad_id, gestion=plan.gestion)
                  .aggregate(v=Max("version"))["v"] or plan.version)
        nuevo = PlanInstitucional.objects.create(
            entidad_id=plan.entidad_id, gestion=plan.gestion, version=ultima + 1, anterior=plan,
            catalogo_id=plan.catalogo_id, creado_por=fsm.actor_real(actor),
            matriz_riesgo_id=plan.matriz_riesgo_id or getattr(selectors.matriz_vigente(), "pk",
                                                              None),
            **{c: getattr(plan, c) for c in CAMPOS_COPIADOS})
        filas = {}
        for fila in plan.soa.all():
            filas[fila.pk] = Aplicabilidad(plan=nuevo, control_id=fila.control_id,
                                           **{c: getattr(fila, c) for c in CAMPOS_SOA})
        Aplicabilidad.objects.bulk_create(filas.values())
        copias = {}
        for act in plan.actividades.prefetch_related("controles"):
            copias[act.pk] = Actividad.objects.create(
                plan=nuevo, titulo=act.titulo, descripcion=act.descripcion,
                responsable=act.responsable, inicio_planificado=act.inicio_planificado,
                fin_planificado=act.fin_planificado, inicio_real=act.inicio_real,
                fin_real=act.fin_real, avance=act.avance)
            copias[act.pk].controles.set([filas[c.pk].pk for c in act.controles.all()])
        _copiar_riesgos(plan, nuevo, filas, copias)
        for ev in plan.evidencias.filter(estado=EstadoEvidencia.APROBADA):
            campos = {f.attname: getattr(ev, f.attname) for f in Evidencia._meta.concrete_fields
                      if f.name not in ("id", "plan", "aplicabilidad", "actividad")}
            Evidencia.objects.create(
                plan=nuevo, aplicabilidad=filas.get(ev.aplicabilidad_id),
                actividad=copias.get(ev.actividad_id), **campos)
        registrar(nuevo, actor=actor, tipo_entrada=TipoEntrada.CREACION, accion="nueva_version",
                  evento="pisi.creado",
                  texto=_("Versión %(v)d creada a partir de la versión %(a)d.")
                  % {"v": nuevo.version, "a": plan.version},
                  datos={"anterior_id": plan.pk})
    return nuevo


CAMPOS_ACTIVO = ("codigo", "nombre", "tipo", "descripcion", "propietario", "ubicacion",
                 "clasificacion", "valor_c", "valor_i", "valor_d")
CAMPOS_ESCENARIO = ("codigo", "amenaza_id", "vulnerabilidad_id", "descripcion", "probabilidad",
                    "impacto", "nivel", "tratamiento", "detalle_tratamiento", "responsable",
                    "probabilidad_residual", "impacto_residual", "nivel_residual")


def _copiar_riesgos(plan, nuevo, filas: dict, actividades: dict) -> None:
    """Assets and scenarios into the new version, linked to the copied SoA rows and
    activities. The MAE's acceptances are not copied: the new version is accepted again."""
    activos = {a.pk: ActivoInformacion.objects.create(
        plan=nuevo, **{c: getattr(a, c) for c in CAMPOS_ACTIVO}) for a in plan.activos.all()}
    for e in plan.riesgos.prefetch_related("controles", "actividades"):
        copia = EscenarioRiesgo.objects.create(plan=nuevo, activo=activos[e.activo_id],
                                               **{c: getattr(e, c) for c in CAMPOS_ESCENARIO})
        copia.controles.set([filas[f.pk].pk for f in e.controles.all()])
        copia.actividades.set([actividades[a.pk].pk for a in e.actividades.all()])


ORDEN_ESTADO = {"no_iniciado": 0, "en_proceso": 1, "implementado": 2}


def plan_migrar_catalogo(*, actor, plan_id: int, catalogo: str) -> PlanInstitucional:
    """Move a plan being written to another catalog version, explicitly, using the loaded
    mapping (2013 → 2022) or the control numbers (new version of the same edition).
    A destination control takes the most cautious view of its sources: it applies if any
    source applies; status and maturity are the lowest among the applying sources."""
    with transaction.atomic():
        plan = selectors.plan_obtener(usuario=actor, plan_id=plan_id, para_actualizar=True)
        exigir_entidad(plan, actor)
        exigir_editable(plan)
        destino = selectors.catalogo_vigente(catalogo)
        if destino is None or destino.pk == plan.catalogo_id:
            raise ErrorValidacion(extra={"catalogo": [_("Catálogo de destino no válido.")]})
        origen = plan.catalogo
        controles_d = list(destino.controles.all())
        if origen.codigo == destino.codigo:
            fuentes_de = {c.numero: [c.numero] for c in controles_d}
        else:
            correspondencias = selectors.correspondencias_entre(origen, destino)
            if correspondencias is None:
                raise ErrorValidacion(extra={"catalogo": [
                    _("No hay un mapeo cargado de %(o)s a %(d)s.") % {"o": origen, "d": destino}]})
            fuentes_de = {}
            for o, destinos in correspondencias.items():
                for d in destinos:
                    fuentes_de.setdefault(d, []).append(o)
        viejas = {f.control.numero: f for f in plan.soa.select_related("control")}
        nuevas, destinos_de = [], {}
        for c in controles_d:
            fuentes = [viejas[n] for n in fuentes_de.get(c.numero, []) if n in viejas]
            decididas = [f for f in fuentes if f.aplica is not None]
            aplican = [f for f in decididas if f.aplica]
            fila = Aplicabilidad(plan=plan, control=c)
            if aplican:
                fila.aplica = True
                fila.justificacion = "\n".join(dict.fromkeys(
                    f"{f.control.numero}: {f.justificacion}" for f in aplican
                    if f.justificacion))
                fila.estado_implementacion = min((f.estado_implementacion for f in aplican),
                                                 key=ORDEN_ESTADO.get)
                fila.madurez = min(f.madurez for f in aplican)
                fila.responsable = next((f.responsable for f in aplican if f.responsable), "")
                fechas = [f.fecha_objetivo for f in aplican if f.fecha_objetivo]
                fila.fecha_objetivo = max(fechas) if fechas else None
            elif decididas:
                # A minimum control is never excluded: it stays to be decided, with the
                # sources' reasons kept for whoever decides it.
                fila.aplica = None if c.minimo else False
                fila.justificacion = "\n".join(dict.fromkeys(
                    f"{f.control.numero}: {f.justificacion}" for f in decididas))
            nuevas.append(fila)
            for f in fuentes:
                destinos_de.setdefault(f.pk, fila)
        Aplicabilidad.objects.bulk_create(nuevas)
        for act in plan.actividades.prefetch_related("controles"):
            act.controles.set({destinos_de[f.pk].pk for f in act.controles.all()
                               if f.pk in destinos_de})
        for viejo_id, fila in destinos_de.items():
            plan.evidencias.filter(aplicabilidad_id=viejo_id).update(aplicabilidad=fila)
            plan.hallazgos.filter(aplicabilidad_id=viejo_id).update(aplicabilidad=fila)
        plan.soa.filter(pk__in=[f.pk for f in viejas.values()]).delete()
        antes = {"catalogo": origen.codigo, "version": origen.version}
        plan.catalogo = destino
        plan.save(update_fields=["catalogo", "actualizado"])
        registrar(plan, actor=actor, tipo_entrada=TipoEntrada.SOA, accion="migrar_catalogo",
                  evento="pisi.actualizado",
                  texto=_("Declaración de aplicabilidad migrada de %(o)s a %(d)s: %(n)d controles, "
                          "%(p)d por decidir.") % {"o": origen, "d": destino, "n": len(nuevas),
                                                  "p": sum(f.aplica is None for f in nuevas)},
                  antes=antes, despues={"catalogo": destino.codigo, "version": destino.version})
    return plan
