"""HTML pages: thin views over the same services and selectors as the API.

Every POST goes to one ``accion`` endpoint that calls one service and redirects back to the
detail page (post/redirect/get); a domain error becomes a Django message on that page, never
a 500, so a refused transition reads exactly like the API's 409 reason. Asked with
``Accept: application/json`` (the console's one-click "Tomar"/"Asignar"), it answers JSON.

Live pages (console, detail, portal) embed the event-stream position current when they were
rendered (``secuencia``, read *before* the data) so that their websocket resumes from there
and misses nothing; the small fragment views below let the browser re-fetch what an event
changed, rendered by the same templates (docs/consola.md).
"""

from functools import wraps

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from cgii import archivos
from cgii.entidades.models import RolCGII
from cgii.entidades.selectors import (
    entidades_visibles,
    es_personal_cgii,
    membresias_activas,
    tiene_rol_cgii,
)
from cgii.errores import ErrorDominio, ErrorValidacion, NoEncontrado
from cgii.eventos.selectors import secuencia_actual
from protocolos import selectors as protocolos

from . import selectors, services, sla
from .forms import ClasificacionForm, ReporteForm
from .indicadores import selectors as indicadores_selectors
from .models import EntradaTimeline, EstadoTarea, Incidente, TipoEntrada
from .permisos import roles_del_usuario
from .services.comun import ROLES_GESTION
from .states import (
    ESTADOS_ABIERTOS,
    ESTADOS_FINALES,
    FASE_DE_ESTADO,
    Estado,
    Transicion,
    tiene_cierre,
    tiene_maestro,
    tiene_motivo,
)

# SLA clock states as people read them (protocolos.reloj.EstadoReloj values).
ESTADOS_RELOJ = {
    "sin_iniciar": gettext_lazy("Sin iniciar"),
    "ok": gettext_lazy("En plazo"),
    "advertencia": gettext_lazy("Por vencer"),
    "incumplido": gettext_lazy("Vencido"),
    "cumplido": gettext_lazy("Cumplido"),
    "pausado": gettext_lazy("En pausa"),
}

ROLES_CGII = [r.value for r in RolCGII]

# Short names of who does a protocol step (the checklist tag).
ROLES_PASO = {
    "analista": gettext_lazy("Analista"),
    "coordinador": gettext_lazy("Coordinador"),
    "reportante": gettext_lazy("Reportante"),
    "rsi": gettext_lazy("RSI de la entidad"),
    "mae": gettext_lazy("MAE de la entidad"),
}

# Main path shown as the phase bar of the detail page.
FASES = (Estado.REPORTADO, Estado.EN_TRIAJE, Estado.EN_ANALISIS, Estado.EN_CONTENCION,
         Estado.EN_ERRADICACION, Estado.EN_RECUPERACION, Estado.RESUELTO, Estado.CERRADO)

# Unmet conditions that the transition's own form fixes: the user types the missing field
# next to the button, so the button is offered although the condition fails right now.
LLENA_EL_FORMULARIO = {
    Transicion.RECHAZAR: tiene_motivo.motivo,
    Transicion.MARCAR_DUPLICADO: tiene_maestro.motivo,
    Transicion.CERRAR: tiene_cierre.motivo,
}
# Transitions with their own service and form (a question or an answer is mandatory).
CON_FORMULARIO_PROPIO = {Transicion.SOLICITAR_INFORMACION, Transicion.RESPONDER_ENTIDAD}
# Forward transitions look primary; the ones that end an incident early look dangerous.
PELIGROSAS = {Transicion.RECHAZAR, Transicion.MARCAR_DUPLICADO}


def _texto_error(exc: ErrorDominio) -> str:
    """The service's reason plus the details it attached (field errors, pending steps)."""
    partes = [exc.message]
    extra = exc.extra or {}
    condiciones = extra.get("condiciones") or []
    partes.extend(str(c) for c in condiciones if str(c) != exc.message)
    pendientes = extra.get("pasos_pendientes") or []
    if pendientes:
        partes.append(_("Pasos pendientes: %(p)s.") % {"p": "; ".join(pendientes)})
    for campo, errores in extra.items():
        if campo in ("condiciones", "pasos_pendientes", "estado"):
            continue
        if isinstance(errores, list | tuple):
            partes.extend(str(e) for e in errores)
        elif isinstance(errores, str):
            partes.append(errores)
    return " ".join(partes)


def _duracion(minutos: float) -> str:
    m = int(round(abs(minutos)))
    horas, resto = divmod(m, 60)
    if horas and resto:
        return _("%(h)d h %(m)d min") % {"h": horas, "m": resto}
    if horas:
        return _("%(h)d h") % {"h": horas}
    return _("%(m)d min") % {"m": resto}


def _puede_reportar(usuario) -> bool:
    # Entities report their own incidents; of the staff, only those who work incidents.
    return not es_personal_cgii(usuario) or tiene_rol_cgii(usuario, *ROLES_GESTION)


# ---- list --------------------------------------------------------------------------------

@login_required
@require_GET
def lista(request):
    q = request.GET
    personal = es_personal_cgii(request.user)
    filtros = selectors.Filtros(
        estado=[e for e in q.getlist("estado") if e] or None,
        prioridad=[p for p in q.getlist("prioridad") if p] or None,
        sin_asignar=personal and q.get("sin_asignar") == "1",
        mios=personal and q.get("mios") == "1",
        abiertos=q.get("abiertos") == "1", estado_sla=q.get("estado_sla") or None,
        texto=(q.get("q") or "").strip() or None, orden=q.get("orden") or "urgencia",
    )
    pagina = Paginator(selectors.incidentes_lista(usuario=request.user, filtros=filtros),
                       50).get_page(q.get("page"))
    filas = list(pagina.object_list)
    for i in filas:
        i.sla_texto = ESTADOS_RELOJ.get(i.estado_sla, "")
    consulta = q.copy()
    consulta.pop("page", None)
    return render(request, "incidentes/lista.html", {
        "pagina": pagina, "filas": filas, "personal": personal, "filtros": filtros,
        "puede_reportar": _puede_reportar(request.user),
        "estados": Estado.choices, "prioridades": ("P1", "P2", "P3", "P4"),
        "estados_sla": [(k, v) for k, v in ESTADOS_RELOJ.items() if k != "sin_iniciar"],
        "ordenes": [("urgencia", _("Vencimiento SLA")), ("prioridad", _("Prioridad")),
                    ("recientes", _("Más recientes")), ("antiguos", _("Más antiguos"))],
        "filtro_estado": filtros.estado or [], "filtro_prioridad": filtros.prioridad or [],
        "consulta": consulta.urlencode(), "hay_filtros": any(
            q.get(k) for k in ("q", "estado", "prioridad", "abiertos", "sin_asignar", "mios",
                               "estado_sla")),
    })


# ---- live console (CGII staff) ---------------------------------------------------------------

PRIORIDADES = ("P1", "P2", "P3", "P4")
ESTADOS_SLA_COLA = ("ok", "advertencia", "incumplido", "pausado")
# The console lists at most this many rows (the most urgent); counters count them all.
LIMITE_COLA = 300
# Query-string keys of the console's filters, in the order the form shows them.
CAMPOS_FILTRO = ("estado", "prioridad", "clase", "entidad", "analista", "estado_sla",
                 "sin_asignar", "mios")


def _filtros_consola(q) -> tuple[selectors.Filtros, dict[str, str]]:
    """The console's filters from the query string (unknown values are ignored), and the
    normalised values that the form, the counters' links and the row fragments reuse."""
    activos: dict[str, str] = {}
    abiertos = {e.value for e in ESTADOS_ABIERTOS}
    for campo, validos in (("estado", abiertos), ("prioridad", set(PRIORIDADES)),
                           ("estado_sla", set(ESTADOS_SLA_COLA))):
        if q.get(campo) in validos:
            activos[campo] = q[campo]
    if q.get("clase", "").strip():
        activos["clase"] = q["clase"].strip()[:50]
    for campo in ("entidad", "analista"):
        if q.get(campo, "").isdigit():
            activos[campo] = q[campo]
    for campo in ("sin_asignar", "mios"):
        if q.get(campo) == "1":
            activos[campo] = "1"
    filtros = selectors.Filtros(
        estado=[activos["estado"]] if "estado" in activos else None,
        prioridad=[activos["prioridad"]] if "prioridad" in activos else None,
        clase=activos.get("clase"), entidad=int(activos.get("entidad", 0)) or None,
        analista=int(activos.get("analista", 0)) or None,
        sin_asignar="sin_asignar" in activos, mios="mios" in activos,
        estado_sla=activos.get("estado_sla"), abiertos=True, orden="urgencia")
    return filtros, activos


def _contadores_cola(usuario) -> dict[str, int]:
    """Open incidents by priority and SLA state, in one query (the console's header).
    A read-only helper; it belongs in selectors.py when another caller needs it."""
    def cuenta(**filtro):
        return Count("id", filter=Q(**filtro))
    return (selectors.incidentes_visibles(usuario).filter(estado__in=ESTADOS_ABIERTOS)
            .aggregate(total=Count("id"), p1=cuenta(prioridad="P1"), p2=cuenta(prioridad="P2"),
                       p3=cuenta(prioridad="P3"), p4=cuenta(prioridad="P4"),
                       advertencia=cuenta(estado_sla="advertencia"),
                       incumplido=cuenta(estado_sla="incumplido"),
                       sin_asignar=cuenta(analista__isnull=True),
                       mios=cuenta(analista_id=usuario.pk)))


def _cuenta_regresiva(restante_s: float) -> str:
    """What the countdown cell shows before the browser takes over (and without JS)."""
    s = int(abs(restante_s))
    dias, s = divmod(s, 86400)
    horas, s = divmod(s, 3600)
    minutos, segundos = divmod(s, 60)
    if dias:
        texto = _("%(d)d d %(h)d h") % {"d": dias, "h": horas}
    elif horas:
        texto = _("%(h)d h %(m)02d min") % {"h": horas, "m": minutos}
    else:
        texto = f"{minutos}:{segundos:02d}"
    return f"−{texto}" if restante_s < 0 else texto


def _decorar_filas(filas: list[Incidente]) -> None:
    """SLA figures for the rows (one query): the state's words, the warning instant of the
    clock that sets the deadline (the browser turns the row amber on time), the text of
    the countdown at render time."""
    ahora = timezone.now()
    figuras = sla.figuras_de([i.pk for i in filas], ahora=ahora) if filas else {}
    for i in filas:
        i.sla_texto = ESTADOS_RELOJ.get(i.estado_sla, "")
        i.advertencia_en = next((r["advertencia_en"] for r in figuras.get(i.pk, [])
                                 if r["vence_en"] == i.vence_sla and not r["pausado"]), None)
        i.cuenta_texto = _cuenta_regresiva((i.vence_sla - ahora).total_seconds()) \
            if i.vence_sla else ""


def _contexto_filas(request) -> dict:
    usuario = request.user
    return {"gestiona": tiene_rol_cgii(usuario, *ROLES_GESTION),
            "coordina": tiene_rol_cgii(usuario, "coordinador", "administrador"),
            "volver": request.GET.get("volver") or request.get_full_path()}


def _solo_personal(vista):
    """Console views are for CGII staff; an entity user goes to the portal instead."""
    @wraps(vista)
    def envoltura(request, *args, **kwargs):
        if not es_personal_cgii(request.user):
            return redirect("incidentes:portal")
        return vista(request, *args, **kwargs)
    return envoltura


@login_required
@require_GET
@_solo_personal
def consola(request):
    """The analysts' live queue: open incidents by SLA urgency, filters in the query string,
    counters; the page's script keeps rows, counters and countdowns live (docs/consola.md)."""
    secuencia = secuencia_actual()  # before any read: the socket replays what follows
    filtros, activos = _filtros_consola(request.GET)
    consulta = selectors.incidentes_lista(usuario=request.user, filtros=filtros)
    filas = list(consulta[:LIMITE_COLA])
    _decorar_filas(filas)
    contadores = _contadores_cola(request.user)
    consulta_filtros = urlencode(activos)
    contexto = {
        "secuencia": secuencia, "personal": True, "filas": filas, "contadores": contadores,
        "por_prioridad": [(p, p.lower(), contadores[p.lower()]) for p in PRIORIDADES],
        "filtros": activos, "hay_filtros": bool(activos), "consulta_filtros": consulta_filtros,
        "limite": LIMITE_COLA, "truncada": len(filas) == LIMITE_COLA,
        "estados": [(e.value, e.label) for e in ESTADOS_ABIERTOS],
        "prioridades": PRIORIDADES,
        "estados_sla": [(k, ESTADOS_RELOJ[k]) for k in ESTADOS_SLA_COLA],
        "clases": [c for c, _tipos in protocolos.opciones_tipos()],
        "entidades": entidades_visibles(request.user).filter(activa=True).order_by("sigla"),
        "analistas": list(_personal_asignable()),
        "puede_reportar": _puede_reportar(request.user),
        "ahora": timezone.now(),
        **_contexto_filas(request),
    }
    # The one-click "Asignar" menu (coordinators): names for the page's script.
    contexto["asignables_json"] = [
        {"id": u.pk, "nombre": u.get_full_name() or u.username} for u in contexto["analistas"]
    ] if contexto["coordina"] else []
    return render(request, "incidentes/consola/consola.html", contexto)


MAX_IDS_FILAS = 50


@login_required
@require_GET
@_solo_personal
def consola_filas(request):
    """``?ids=1,2&<the console's filters>`` → each row's HTML, or null when the incident no
    longer matches the filters (or is closed), plus fresh counters. What an event changed is
    re-read here, through the same selector and template as the page, so a live row never
    shows what the filters exclude."""
    ids = [int(x) for x in request.GET.get("ids", "").split(",") if x.strip().isdigit()]
    ids = ids[:MAX_IDS_FILAS]
    filtros, _activos = _filtros_consola(request.GET)
    filas = list(selectors.incidentes_lista(usuario=request.user, filtros=filtros)
                 .filter(pk__in=ids)) if ids else []
    _decorar_filas(filas)
    contexto = _contexto_filas(request)
    html = {str(i.pk): render_to_string("incidentes/consola/_fila.html",
                                        {**contexto, "i": i, "user": request.user},
                                        request=request) for i in filas}
    return JsonResponse({
        "filas": {str(pk): html.get(str(pk)) for pk in ids},
        "contadores": _contadores_cola(request.user),
        "ahora": timezone.now().isoformat(),
    })


# ---- entity portal ------------------------------------------------------------------------

RECIENTES_PORTAL = 8


def _ultimas_solicitudes(ids: list[int]) -> dict[int, EntradaTimeline]:
    """The latest shared information request of each incident (ids already scoped to the
    user by the selector that produced them), in one query."""
    ultimas: dict[int, EntradaTimeline] = {}
    if ids:
        for e in (EntradaTimeline.objects.filter(incidente_id__in=ids, visible_entidad=True,
                                                 tipo=TipoEntrada.SOLICITUD)
                  .select_related("actor").order_by("id")):
            ultimas[e.incidente_id] = e
    return ultimas


def _contexto_portal(request) -> dict:
    secuencia = secuencia_actual()  # before any read: the socket replays what follows
    usuario = request.user
    base = selectors.incidentes_lista(usuario=usuario,
                                      filtros=selectors.Filtros(orden="recientes"))
    en_curso = list(base.filter(Q(estado__in=ESTADOS_ABIERTOS) | Q(
        estado=Estado.RESUELTO, confirmado_por_entidad_en__isnull=True))[:LIMITE_COLA])
    terminados = list(base.exclude(pk__in=[i.pk for i in en_curso])
                      .filter(estado__in=ESTADOS_FINALES)[:RECIENTES_PORTAL])
    esperando = [i for i in en_curso if i.estado == Estado.EN_ESPERA_ENTIDAD]
    preguntas = _ultimas_solicitudes([i.pk for i in esperando])
    for i in esperando:
        i.pregunta = preguntas.get(i.pk)
    return {
        "secuencia": secuencia, "personal": False, "en_curso": en_curso,
        "terminados": terminados, "esperando": esperando,
        "por_confirmar": [i for i in en_curso if i.estado == Estado.RESUELTO],
        "puede_reportar": _puede_reportar(usuario),
        "entidades": [m.entidad for m in membresias_activas(usuario)],
        "volver": reverse("incidentes:portal"),
    }


@login_required
@require_GET
def portal(request):
    """The entity's home: what CGII asked for (highlighted), resolutions to confirm, its
    incidents with live state. CGII staff have the console instead."""
    if es_personal_cgii(request.user):
        return redirect("incidentes:consola")
    plantilla = "incidentes/portal/_paneles.html" if request.GET.get("parcial") == "1" \
        else "incidentes/portal/portal.html"
    return render(request, plantilla, _contexto_portal(request))


# ---- report ------------------------------------------------------------------------------

def _quiere_json(request) -> bool:
    """The page's own scripts ask for JSON (fetch/XMLHttpRequest); forms get HTML."""
    return "application/json" in request.headers.get("Accept", "")


@login_required
@require_http_methods(["GET", "POST"])
def reportar(request):
    personal = es_personal_cgii(request.user)
    como_json = _quiere_json(request)
    if not _puede_reportar(request.user):
        if como_json:
            return JsonResponse({"ok": False, "mensaje": _("Su rol no registra incidentes.")},
                                status=403)
        messages.error(request, _("Su rol no registra incidentes."))
        return redirect("incidentes:lista")
    entidades = entidades_visibles(request.user).filter(activa=True).order_by("nombre")
    form = ReporteForm(request.POST or None, request.FILES or None, entidades=entidades,
                       personal=personal)
    if form.entidad_unica is None and not form.fields["entidad"].queryset.exists():
        raise Http404
    error_general = None
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            incidente = services.incidente_reportar(
                actor=request.user, entidad=d["entidad"], titulo=d["titulo"],
                descripcion=d["descripcion"], detectado_en=d["detectado_en"],
                ocurrido_en=d.get("ocurrido_en"), activos_afectados=d["activos_afectados"],
                tlp=d["tlp"], origen=d.get("origen") or "entidad",
                origen_detalle=d.get("origen_detalle", ""), adjuntos=tuple(d["evidencias"]),
            )
        except ErrorValidacion as exc:
            # Field errors go next to their field; the rest on top of the form.
            for campo, errores in (exc.extra or {}).items():
                form.add_error(campo if campo in form.fields else None, list(errores))
        except ErrorDominio as exc:
            error_general = _texto_error(exc)
            if not como_json:
                messages.error(request, error_general)
        else:
            messages.success(request, _("Incidente %(c)s reportado. El CGII le informará cada "
                                        "avance en esta página.") % {"c": incidente.codigo})
            destino = reverse("incidentes:detalle", args=[incidente.pk])
            if como_json:
                # The upload page's script follows this address (the message above waits
                # in the session for it).
                return JsonResponse({"ok": True, "url": destino, "codigo": incidente.codigo},
                                    status=201)
            return redirect(destino)
    if como_json and request.method == "POST":
        errores = {campo: [str(e) for e in lista] for campo, lista in form.errors.items()}
        return JsonResponse({"ok": False, "errores": errores, "mensaje": error_general or _(
            "Revise los campos marcados.")}, status=400)
    return render(request, "incidentes/reportar.html", {
        "form": form, "personal": personal, "puede_reportar": True,
        "max_bytes": settings.EVIDENCIA_TAMANO_MAXIMO})


# ---- detail ------------------------------------------------------------------------------

def _relojes(incidente: Incidente) -> list[dict]:
    relojes = []
    for r in sla.figuras_de([incidente.pk], ahora=timezone.now()).get(incidente.pk, []):
        r = dict(r)
        r["estado_texto"] = ESTADOS_RELOJ.get(r["estado"], r["estado"])
        r["pct"] = max(0, min(100, round(100 * (r["fraccion"] or 0))))
        r["objetivo_texto"] = _duracion(r["objetivo_min"])
        if r["estado"] == "cumplido":
            r["detalle"] = _("en %(t)s") % {"t": _duracion(r["transcurrido_min"])}
        elif r["restante_min"] < 0:
            r["detalle"] = _("excedido por %(t)s") % {"t": _duracion(r["restante_min"])}
        else:
            r["detalle"] = _("quedan %(t)s") % {"t": _duracion(r["restante_min"])}
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


def _acciones(usuario, incidente: Incidente) -> dict:
    """Split the transitions the user's role allows into buttons (fireable now, perhaps with
    a field typed in the same form) and blocked ones (with the reason, no button)."""
    botones, bloqueadas, propias = [], [], set()
    for t in selectors.transiciones_para(usuario=usuario, incidente=incidente):
        if t.nombre in CON_FORMULARIO_PROPIO:
            if t.disponible:
                propias.add(t.nombre)
            continue
        faltan = [m for m in t.motivos if m != str(LLENA_EL_FORMULARIO.get(t.nombre, ""))]
        if faltan:
            bloqueadas.append({"nombre": t.nombre, "etiqueta": t.etiqueta, "motivos": faltan})
        else:
            botones.append({"nombre": t.nombre, "etiqueta": t.etiqueta,
                            "peligrosa": t.nombre in PELIGROSAS})
    return {"botones": botones, "bloqueadas": bloqueadas,
            "puede_solicitar": Transicion.SOLICITAR_INFORMACION in propias,
            "puede_responder": Transicion.RESPONDER_ENTIDAD in propias}


def _personal_asignable():
    # Candidates for a coordinator's "assign to": active staff who may work incidents.
    # A read for a <select> only; incidente_asignar re-checks the role on write.
    return (get_user_model().objects.filter(is_active=True, groups__name__in=ROLES_GESTION)
            .distinct().order_by("first_name", "last_name", "username"))


LIMITE_INDICADORES = 50


def _indicadores(usuario, incidente: Incidente) -> list:
    """The incident's indicators (newest first, capped) with, for staff only, where else
    each value was seen (the indicators app's selectors decide what the user may see)."""
    _inc, vinculos = indicadores_selectors.vinculos_de_incidente(usuario=usuario,
                                                                 incidente_id=incidente.pk)
    vinculos = list(vinculos[:LIMITE_INDICADORES])
    correlacion = indicadores_selectors.correlacion_resumen(
        usuario=usuario, indicadores=[v.indicador for v in vinculos],
        excluir_incidente_id=incidente.pk)
    for v in vinculos:
        v.correlacion = correlacion.get(v.indicador_id)
    return vinculos


def _actores_cgii(ids: set[int]) -> set[int]:
    # Which timeline authors are CGII staff, in one query, so the entity's page can say
    # "CGII" instead of guessing from the entry type.
    if not ids:
        return set()
    return set(get_user_model().objects.filter(pk__in=ids, groups__name__in=ROLES_CGII)
               .values_list("pk", flat=True))


def _contexto_detalle(request, pk: int) -> dict:
    # The stream position first: an event committed while we read is replayed, not lost.
    secuencia = secuencia_actual()
    try:
        incidente = selectors.incidente_detalle(usuario=request.user, incidente_id=pk)
    except NoEncontrado:
        raise Http404 from None
    usuario = request.user
    personal = es_personal_cgii(usuario)
    tareas = incidente._tareas_cache
    if not personal:
        # The entity sees the protocol steps its own roles must do, nothing else.
        roles = roles_del_usuario(incidente, usuario)
        tareas = [t for t in tareas if t.rol in roles]
    timeline = list(selectors.timeline_de(usuario=usuario, incidente=incidente))
    del_cgii = _actores_cgii({e.actor_id for e in timeline if e.actor_id})
    for e in timeline:
        e.del_cgii = e.actor_id is None or e.actor_id in del_cgii
    evidencias = list(selectors.evidencias_de(usuario=usuario, incidente=incidente))
    por_id = {ev.pk: ev for ev in evidencias}
    for t in tareas:
        t.evidencia_visible = por_id.get(t.evidencia_id)
    pregunta = next((e for e in reversed(timeline) if e.tipo == "solicitud"), None) \
        if incidente.estado == Estado.EN_ESPERA_ENTIDAD else None
    gestiona = personal and tiene_rol_cgii(usuario, *ROLES_GESTION)
    en_curso = incidente.estado not in ESTADOS_FINALES or incidente.estado == Estado.RESUELTO
    contexto = {
        "incidente": incidente,
        "secuencia": secuencia,
        "personal": personal,
        "gestiona": gestiona,
        # Read-only staff (auditors) see everything and write nothing.
        "puede_escribir": gestiona or not personal,
        "puede_reportar": gestiona or not personal,
        "relojes": _relojes(incidente),
        "acciones": _acciones(usuario, incidente),
        "fases_checklist": _checklist(incidente, tareas, personal=personal),
        "progreso": _progreso(tareas),
        "timeline": timeline,
        "pregunta": pregunta,
        "evidencias": evidencias,
        "indicadores": _indicadores(usuario, incidente),
        "limite_indicadores": LIMITE_INDICADORES,
        "barra": _barra(incidente),
        "tareas_editables": en_curso and (gestiona or not personal),
        "puede_confirmar": (not personal and incidente.estado == Estado.RESUELTO
                            and incidente.confirmado_por_entidad_en is None),
        "tipos_entrada": dict(TipoEntrada.choices),
        "estados": dict(Estado.choices),
    }
    if gestiona and incidente.estado in (*ESTADOS_ABIERTOS,):
        contexto["form_clasificacion"] = ClasificacionForm(
            tipos=protocolos.opciones_tipos(),
            initial={"tipo": incidente.tipo.codigo if incidente.tipo_id else None,
                     "impacto": incidente.impacto or 2, "urgencia": incidente.urgencia or 2,
                     "prioridad": incidente.prioridad if incidente.prioridad_manual else "",
                     "motivo_prioridad": incidente.motivo_prioridad})
        if tiene_rol_cgii(usuario, "coordinador", "administrador"):
            contexto["asignables"] = _personal_asignable()
    return contexto


@login_required
@require_GET
def detalle(request, pk: int):
    return render(request, "incidentes/detalle.html", _contexto_detalle(request, pk))


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

def _maestro_id(valor: str, usuario) -> int:
    """The master incident by id or by code (people know codes, not ids)."""
    valor = valor.strip()
    buscar = {"incidente_id": int(valor)} if valor.isdigit() else {"codigo": valor.upper()}
    try:
        # Looked up here so that an unknown master is a message on the page, not the 404
        # that NoEncontrado means for the incident itself.
        return selectors.incidente_obtener(usuario=usuario, **buscar).pk
    except NoEncontrado:
        raise ErrorValidacion(extra={"maestro_id": [
            _("No se encontró el incidente maestro %(c)s.") % {"c": valor}]}) from None


def _accion_transicion(request, pk):
    p = request.POST
    transicion = p.get("transicion", "")
    if transicion in CON_FORMULARIO_PROPIO:
        raise ErrorValidacion(extra={"transicion": [_("Use el formulario de la solicitud.")]})
    datos = {k: p[k].strip() for k in ("motivo_rechazo", "resumen_cierre", "lecciones_aprendidas")
             if p.get(k, "").strip()}
    if p.get("maestro_id", "").strip():
        datos["maestro_id"] = _maestro_id(p["maestro_id"], request.user)
    if p.get("controles_fallidos", "").strip():
        datos["controles_fallidos"] = [c.strip() for c in p["controles_fallidos"].split(",")
                                       if c.strip()]
    if transicion == Transicion.RESOLVER and not (datos.get("resumen_cierre")
                                                  and datos.get("lecciones_aprendidas")):
        raise ErrorValidacion(extra={"resumen_cierre": [
            _("Para resolver escriba el resumen de cierre y las lecciones aprendidas.")]})
    incidente = services.incidente_transicionar(
        actor=request.user, incidente_id=pk, transicion=transicion,
        comentario=p.get("comentario", "").strip(), datos=datos)
    return _("Estado actualizado: %(e)s.") % {"e": incidente.get_estado_display()}


def _accion_clasificar(request, pk):
    form = ClasificacionForm(request.POST, tipos=protocolos.opciones_tipos())
    if not form.is_valid():
        raise ErrorValidacion(_("Revise la clasificación."),
                              extra={k: list(v) for k, v in form.errors.items()})
    d = form.cleaned_data
    incidente = services.incidente_clasificar(
        actor=request.user, incidente_id=pk, tipo_codigo=d["tipo"], impacto=d["impacto"],
        urgencia=d["urgencia"], prioridad=d["prioridad"] or None,
        motivo_prioridad=d["motivo_prioridad"])
    return _("Clasificado: %(t)s, prioridad %(p)s.") % {"t": incidente.tipo.nombre,
                                                         "p": incidente.prioridad}


def _accion_tomar(request, pk):
    services.incidente_asignar(actor=request.user, incidente_id=pk, analista_id=request.user.pk)
    return _("El incidente quedó asignado a usted.")


def _accion_asignar(request, pk):
    valor = request.POST.get("analista_id", "")
    services.incidente_asignar(actor=request.user, incidente_id=pk,
                               analista_id=int(valor) if valor else None)
    return _("Asignación actualizada.")


def _accion_mensaje(request, pk):
    compartido = request.POST.get("compartido") == "1"
    services.incidente_comentar(actor=request.user, incidente_id=pk,
                                texto=request.POST.get("texto", ""), compartido=compartido)
    if es_personal_cgii(request.user) and not compartido:
        return _("Nota interna registrada (no la ve la entidad).")
    return _("Mensaje enviado.")


def _accion_solicitar(request, pk):
    services.incidente_solicitar_info(actor=request.user, incidente_id=pk,
                                      pregunta=request.POST.get("pregunta", ""))
    return _("Solicitud enviada a la entidad; el SLA queda en pausa hasta su respuesta.")


def _accion_responder(request, pk):
    services.incidente_responder(actor=request.user, incidente_id=pk,
                                 respuesta=request.POST.get("respuesta", ""))
    return _("Respuesta enviada al CGII.")


def _accion_confirmar(request, pk):
    incidente = services.incidente_confirmar_resolucion(actor=request.user, incidente_id=pk)
    if incidente.estado == Estado.CERRADO:
        return _("Gracias. Confirmó la resolución y el incidente quedó cerrado.")
    return _("Gracias. Confirmó la resolución.")


def _accion_tarea(request, pk):
    """Complete (or mark not applicable) a protocol step; a file chosen in the same form is
    uploaded first and becomes the step's evidence."""
    p = request.POST
    tarea_id = int(p.get("tarea_id", ""))
    evidencia_id = int(p["evidencia_id"]) if p.get("evidencia_id") else None
    archivo = request.FILES.get("archivo")
    if archivo is not None:
        evidencia_id = services.evidencia_subir(
            actor=request.user, incidente_id=pk, archivo=archivo,
            descripcion=p.get("nota", "")[:255],
            visible_entidad=p.get("interna") != "1").pk
    tarea = services.tarea_actualizar(
        actor=request.user, incidente_id=pk, tarea_id=tarea_id,
        estado=p.get("estado") or None, nota=p.get("nota") if "nota" in p else None,
        evidencia_id=evidencia_id)
    return _("Paso «%(t)s»: %(e)s.") % {"t": tarea.titulo, "e": tarea.get_estado_display()}


def _accion_evidencia(request, pk):
    archivo = request.FILES.get("archivo")
    if archivo is None:
        raise ErrorValidacion(extra={"archivo": [_("Seleccione un archivo.")]})
    evidencia = services.evidencia_subir(
        actor=request.user, incidente_id=pk, archivo=archivo,
        descripcion=request.POST.get("descripcion", ""),
        visible_entidad=request.POST.get("interna") != "1")
    return _("Evidencia «%(n)s» añadida.") % {"n": evidencia.nombre}


ACCIONES = {
    "transicion": _accion_transicion,
    "clasificar": _accion_clasificar,
    "tomar": _accion_tomar,
    "asignar": _accion_asignar,
    "mensaje": _accion_mensaje,
    "solicitar": _accion_solicitar,
    "responder": _accion_responder,
    "confirmar": _accion_confirmar,
    "tarea": _accion_tarea,
    "evidencia": _accion_evidencia,
}


def _volver(request) -> str | None:
    """A same-site path to go back to after the action (the console, the portal)."""
    destino = request.POST.get("volver", "")
    if destino.startswith("/") and url_has_allowed_host_and_scheme(
            destino, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return destino
    return None


@login_required
@require_POST
def accion(request, pk: int, nombre: str):
    funcion = ACCIONES.get(nombre)
    if funcion is None:
        raise Http404
    como_json = _quiere_json(request)
    try:
        texto = funcion(request, pk)
    except NoEncontrado:
        raise Http404 from None
    except ErrorDominio as exc:
        if como_json:
            return JsonResponse({"ok": False, "mensaje": _texto_error(exc)}, status=exc.status)
        messages.error(request, _texto_error(exc))
    except ValueError:
        if como_json:
            return JsonResponse({"ok": False, "mensaje": _("Datos no válidos.")}, status=400)
        messages.error(request, _("Datos no válidos."))
    else:
        if como_json:
            return JsonResponse({"ok": True, "mensaje": texto})
        messages.success(request, texto)
    # Back to the top of the page: that is where the message about the outcome shows.
    return redirect(_volver(request) or reverse("incidentes:detalle", args=[pk]))


@login_required
@require_GET
def descargar_evidencia(request, pk: int, evidencia_id: int):
    try:
        ev = selectors.evidencia_obtener(usuario=request.user, incidente_id=pk,
                                         evidencia_id=evidencia_id)
        return archivos.respuesta_descarga(ruta=ev.ruta, nombre=ev.nombre, tipo_mime=ev.tipo_mime)
    except NoEncontrado:
        raise Http404 from None

