"""The incident detail page and its live panels fragment."""


from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.db.models import Exists, OuterRef
from django.http import Http404
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from cgii.ciudadania import notificaciones as notificaciones_cd
from cgii.entidades.selectors import (
    es_personal_cgii,
    tiene_rol_cgii,
)
from cgii.errores import NoEncontrado
from cgii.eventos.selectors import secuencia_actual
from protocolos import selectors as protocolos

from .. import duplicados, selectors, sla, timeline_filtros
from ..correo import selectors as correo_selectors
from ..forms import ClasificacionForm
from ..indicadores import selectors as indicadores_selectors
from ..indicadores.models import RolIndicador
from ..indicadores.normalizacion import TipoIndicador
from ..indicadores.views import resultado_pegado
from ..models import EstadoTarea, Incidente, TipoEntrada
from ..permisos import ROLES_PASO
from ..selectores_consola import personal_asignable
from ..services.comun import ROLES_GESTION
from ..services.reporte import categoria_reportada
from ..states import (
    ESTADOS_ABIERTOS,
    ESTADOS_FINALES,
    FASE_DE_ESTADO,
    Estado,
    Transicion,
    tiene_cierre,
    tiene_maestro,
    tiene_motivo,
)
from . import tareas as tareas_propias
from .comun import ESTADOS_RELOJ, ROLES_CGII, duracion

# Main path shown as the phase bar of the detail page.
FASES = (Estado.REPORTADO, Estado.EN_TRIAJE, Estado.EN_ANALISIS, Estado.EN_CONTENCION,
         Estado.EN_ERRADICACION, Estado.EN_RECUPERACION, Estado.RESUELTO, Estado.CERRADO)

# Unmet conditions that the transition's own form fixes: the user types the missing field
# next to the button, so the button is offered although the condition fails right now.
LLENA_EL_FORMULARIO = {
    Transicion.RECHAZAR: tiene_motivo.motivo,
    Transicion.MARCAR_DUPLICADO: tiene_maestro.motivo,
    Transicion.RESOLVER: tiene_cierre.motivo,
    Transicion.CERRAR: tiene_cierre.motivo,
}
# Transitions with their own service and form (a question, an answer or the reason why the
# problem is not fixed is mandatory).
CON_FORMULARIO_PROPIO = {Transicion.SOLICITAR_INFORMACION, Transicion.RESPONDER_ENTIDAD,
                         Transicion.OBJETAR_RESOLUCION}
# Forward transitions look primary; the ones that end an incident early look dangerous.
PELIGROSAS = {Transicion.RECHAZAR, Transicion.MARCAR_DUPLICADO}



def _relojes(incidente: Incidente) -> list[dict]:
    relojes = []
    for r in sla.figuras_del_incidente(incidente, ahora=timezone.now()):
        r = dict(r)
        r["estado_texto"] = ESTADOS_RELOJ.get(r["estado"], r["estado"])
        r["pct"] = max(0, min(100, round(100 * (r["fraccion"] or 0))))
        r["objetivo_texto"] = duracion(r["objetivo_min"])
        if r["estado"] == "cumplido":
            r["detalle"] = _("en %(t)s") % {"t": duracion(r["transcurrido_min"])}
        elif r["restante_min"] < 0:
            r["detalle"] = _("excedido por %(t)s") % {"t": duracion(r["restante_min"])}
        else:
            r["detalle"] = _("quedan %(t)s") % {"t": duracion(r["restante_min"])}
        relojes.append(r)
    return relojes


def _checklist(incidente: Incidente, tareas, *, personal: bool) -> list[dict]:
    """Tasks grouped by protocol phase, in protocol order, with each phase's progress."""
    nombres = {f["codigo"]: f["nombre"] for f in (incidente.protocolo.fases or [])} \
        if incidente.protocolo_id else {}
    actual = FASE_DE_ESTADO.get(incidente.estado) or FASE_DE_ESTADO.get(incidente.estado_previo)
    grupos: dict[str, dict] = {}
    for t in tareas:
        g = grupos.setdefault(t.fase, {"codigo": t.fase, "nombre": nombres.get(t.fase, t.fase),
                                       "tareas": [], "obligatorias": 0, "hechas": 0,
                                       "cerradas": 0, "actual": t.fase == actual})
        g["tareas"].append(t)
        t.rol_texto = ROLES_PASO.get(t.rol, t.rol)
        t.de_entidad = t.rol in ("reportante", "rsi", "mae")
        t.abierta = t.estado not in (EstadoTarea.HECHA, EstadoTarea.NO_APLICA)
        g["cerradas"] += 0 if t.abierta else 1
        if t.obligatoria:
            g["obligatorias"] += 1
            g["hechas"] += t.estado == EstadoTarea.HECHA
    orden = list(grupos)
    indice = orden.index(actual) if actual in orden else (
        len(orden) if incidente.estado in ESTADOS_FINALES else -1)
    for i, g in enumerate(grupos.values()):
        g["completa"] = g["hechas"] == g["obligatorias"]
        g["marcar"] = g["completa"] and g["obligatorias"] > 0
        g["pct"] = round(100 * g["hechas"] / g["obligatorias"]) if g["obligatorias"] else 100
        # Open: the current phase and any earlier one with steps still to do.
        g["abierta"] = g["actual"] or (i < indice and (
            not g["completa"] or (not personal and g["cerradas"] < len(g["tareas"]))))
    return list(grupos.values())


def _progreso(tareas) -> dict:
    obligatorias = [t for t in tareas if t.obligatoria]
    hechas = sum(1 for t in obligatorias if t.estado == EstadoTarea.HECHA)
    total = len(obligatorias)
    return {"hechas": hechas, "total": total, "pct": round(100 * hechas / total) if total else 0}


def _acciones(usuario, incidente: Incidente, *, personal: bool) -> dict:
    """Split the transitions the user's role allows into buttons (fireable now, perhaps with
    a field typed in the same form) and blocked ones (with the reason, no button)."""
    botones, bloqueadas, propias = [], [], set()
    for t in selectors.transiciones_para(usuario=usuario, incidente=incidente):
        if t.nombre in CON_FORMULARIO_PROPIO:
            if t.disponible:
                propias.add(t.nombre)
            continue
        if (not personal and incidente.estado == Estado.RESUELTO
                and t.nombre == Transicion.REABRIR):
            continue  # the entity answers «no está resuelto» (with its reason) instead
        faltan = [m for m in t.motivos if m != str(LLENA_EL_FORMULARIO.get(t.nombre, ""))]
        if faltan:
            bloqueadas.append({"nombre": t.nombre, "etiqueta": t.etiqueta, "motivos": faltan})
        else:
            botones.append({"nombre": t.nombre, "etiqueta": t.etiqueta,
                            "peligrosa": t.nombre in PELIGROSAS})
    return {"botones": botones, "bloqueadas": bloqueadas,
            "puede_solicitar": Transicion.SOLICITAR_INFORMACION in propias,
            # Ciudadanía Digital's Notificaciones Electrónicas configured (or its simulator).
            "notificacion_legal": notificaciones_cd.configurada(),
            "puede_responder": Transicion.RESPONDER_ENTIDAD in propias,
            "puede_objetar": Transicion.OBJETAR_RESOLUCION in propias}


def _cierre_automatico(incidente: Incidente):
    """The day the sweep closes a resolved incident the entity has not answered (None when
    it will not: not resolved, or without the closing summary)."""
    if incidente.estado != Estado.RESUELTO or not tiene_cierre(incidente):
        return None
    return selectors.cierre_automatico_el(incidente.resuelto_en)


LIMITE_INDICADORES = 50


def _indicadores(usuario, incidente: Incidente) -> list:
    """The incident's indicators (newest first, capped) with, for staff only, where else
    each value was seen (the indicators app's selectors decide what the user may see)."""
    vinculos = getattr(incidente, "_vinculos_cache", None)  # read with the page's row
    if vinculos is None:
        _inc, vinculos = indicadores_selectors.vinculos_de_incidente(
            usuario=usuario, incidente_id=incidente.pk, incidente=incidente)
    vinculos = list(vinculos[:LIMITE_INDICADORES])
    correlacion = indicadores_selectors.correlacion_resumen(
        usuario=usuario, indicadores=[v.indicador for v in vinculos],
        excluir_incidente_id=incidente.pk)
    for v in vinculos:
        v.correlacion = correlacion.get(v.indicador_id)
    return vinculos


_MARCA = "987654321"  # a placeholder path segment, replaced by each link's own


def _plantilla_url(nombre: str, *args) -> tuple[str, str]:
    """The URL ``nombre`` reverses to, split around the placeholder of its last argument."""
    antes, _marca, despues = reverse(nombre, args=[*args, _MARCA]).rpartition(_MARCA)
    return antes, despues


class UrlsDeAcciones:
    """``{{ url_accion.tarea }}``: the incident's action URLs from one reversal per page,
    not one ``{% url %}`` each (the page reversed ~40, ~5 % of its profiled time; issue
    22). Only names the action view dispatches answer: any other renders empty, like a
    ``{% url %}`` typo would fail, and a test checks every form's action."""

    def __init__(self, pk: int):
        self._antes, self._despues = _plantilla_url("incidentes:accion", pk)

    def __getitem__(self, nombre: str) -> str:
        from .acciones import ACCIONES  # acciones imports this module

        if nombre not in ACCIONES:
            raise KeyError(nombre)
        return f"{self._antes}{nombre}{self._despues}"


def _urls_evidencias(incidente: Incidente, evidencias) -> None:
    descarga = _plantilla_url("incidentes:evidencia", incidente.pk)
    vista = _plantilla_url("incidentes:evidencia_vista", incidente.pk)
    for ev in evidencias:
        ev.url_descarga = f"{descarga[0]}{ev.pk}{descarga[1]}"
        ev.url_vista = f"{vista[0]}{ev.pk}{vista[1]}"


def _actor_es_cgii() -> Exists:
    # Whether a timeline entry's author is CGII staff, read with the entries (issue 22: it
    # was one more query), so the entity's page can say "CGII" instead of guessing from
    # the entry type.
    miembros = get_user_model().groups.through.objects
    campo = get_user_model().groups.field.m2m_field_name()
    return Exists(miembros.filter(**{campo: OuterRef("actor_id")},
                                  group__name__in=ROLES_CGII))


def _contexto_detalle(request, pk: int) -> dict:
    # The stream position first: an event committed while we read is replayed, not lost.
    # On PostgreSQL it is a column of the incident's own statement (the same snapshot).
    secuencia = None if selectors.paneles_juntos() else secuencia_actual()
    try:
        incidente = selectors.incidente_detalle(usuario=request.user, incidente_id=pk,
                                                pagina=True)
    except NoEncontrado:
        raise Http404 from None
    if secuencia is None:
        secuencia = incidente._secuencia
    usuario = request.user
    personal = es_personal_cgii(usuario)
    tareas = selectors.tareas_visibles(usuario=usuario, incidente=incidente)
    duplicados.preparar_detalle(incidente, usuario=usuario)  # suggestion, duplicates (issue 18)
    contexto_tareas = tareas_propias.contexto(usuario, incidente)      # own tasks (issue 18)
    timeline = list(selectors.timeline_de(usuario=usuario, incidente=incidente)
                    .annotate(actor_cgii=_actor_es_cgii()))
    for e in timeline:
        e.del_cgii = e.actor_id is None or e.actor_cgii
    filtro = timeline_filtros.leer(request.GET, personal=personal)
    visibles_timeline = timeline_filtros.aplicar(timeline, filtro)
    evidencias = selectors.evidencias_lista(usuario=usuario, incidente=incidente)
    _urls_evidencias(incidente, evidencias)
    por_id = {ev.pk: ev for ev in evidencias}
    for t in tareas:
        t.evidencia_visible = por_id.get(t.evidencia_id)
    pregunta = next((e for e in reversed(timeline) if e.tipo == "solicitud"), None) \
        if incidente.estado == Estado.EN_ESPERA_ENTIDAD else None
    gestiona = personal and tiene_rol_cgii(usuario, *ROLES_GESTION)
    en_curso = incidente.estado not in ESTADOS_FINALES or incidente.estado == Estado.RESUELTO
    contexto = {
        "incidente": incidente,
        "url_accion": UrlsDeAcciones(incidente.pk),
        "secuencia": secuencia,
        "personal": personal,
        "gestiona": gestiona,
        # Read-only staff (auditors) see everything and write nothing.
        "puede_escribir": gestiona or not personal,
        "puede_reportar": gestiona or not personal,
        "relojes": _relojes(incidente),
        "acciones": _acciones(usuario, incidente, personal=personal),
        "fases_checklist": _checklist(incidente, tareas, personal=personal),
        "progreso": _progreso(tareas),
        "timeline": timeline,
        "pregunta": pregunta,
        "evidencias": evidencias,
        # The incident's e-mails with their SPF/DKIM/DMARC results (staff only).
        "correos": (incidente._correos_cache if hasattr(incidente, "_correos_cache")
                    else correo_selectors.correos_de_incidente(usuario=usuario,
                                                               incidente_id=incidente.pk)),
        "indicadores": _indicadores(usuario, incidente),
        "limite_indicadores": LIMITE_INDICADORES,
        "tipos_indicador": TipoIndicador.choices,
        "roles_indicador": RolIndicador.choices,
        "barra": _barra(incidente),
        "tareas_editables": en_curso and (gestiona or not personal),
        "puede_confirmar": (not personal and incidente.estado == Estado.RESUELTO
                            and incidente.confirmado_por_entidad_en is None),
        # Resolved, waiting for the entity: both sides see when it closes by itself.
        "esperando_confirmacion": (incidente.estado == Estado.RESUELTO
                                   and incidente.confirmado_por_entidad_en is None),
        "cierre_automatico": _cierre_automatico(incidente),
        "tipos_entrada": dict(TipoEntrada.choices),
        **timeline_filtros.contexto(filtro, personal=personal),
        "visibles_timeline": visibles_timeline,
        "estados": dict(Estado.choices),
        **contexto_tareas,
    }
    if gestiona and incidente.estado in (*ESTADOS_ABIERTOS,):
        contexto["form_clasificacion"] = ClasificacionForm(
            tipos=protocolos.opciones_tipos(),
            # Unclassified: start from the category the reporter chose (services.reporte).
            initial={"tipo": incidente.tipo.codigo if incidente.tipo_id
                     else categoria_reportada(timeline),
                     "impacto": incidente.impacto or 2, "urgencia": incidente.urgencia or 2,
                     "prioridad": incidente.prioridad if incidente.prioridad_manual else "",
                     "motivo_prioridad": incidente.motivo_prioridad})
        if tiene_rol_cgii(usuario, "coordinador", "administrador"):
            contexto["asignables"] = getattr(incidente, "_asignables_cache", None)
            if contexto["asignables"] is None:
                contexto["asignables"] = personal_asignable()
    return contexto


@login_required
@require_GET
def detalle(request, pk: int):
    contexto = _contexto_detalle(request, pk)
    # The last bulk paste's per-line report, shown once (not in the live panels fragment).
    contexto["resultado_indicadores"] = resultado_pegado(request, pk)
    return render(request, "incidentes/detalle.html", contexto)


@login_required
@require_GET
def paneles(request, pk: int):
    """The detail page's panels alone (no layout, no flash messages consumed): the live page
    re-fetches them after an event and swaps each ``data-panel`` in place."""
    return render(request, "incidentes/detalle/_paneles.html", _contexto_detalle(request, pk))


def _barra(incidente: Incidente) -> list[dict]:
    """The main path with done / current / pending marks; a paused incident shows the phase
    it will return to."""
    actual = incidente.estado_previo if incidente.estado == Estado.EN_ESPERA_ENTIDAD \
        else incidente.estado
    indice = FASES.index(actual) if actual in FASES else -1
    return [{"etiqueta": e.label, "actual": i == indice, "hecha": i < indice}
            for i, e in enumerate(FASES)]


# ---- actions (POST → service → message → redirect) ----------------------------------------

