"""The lists: incident list, the analysts' live console (and its row fragment), the entity's
portal and the report form."""


from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Q
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.safestring import mark_safe
from django.utils.timesince import timesince
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from cgii import keyset
from cgii.entidades.selectors import (
    entidades_visibles,
    es_personal_cgii,
    membresias_activas,
    tiene_rol_cgii,
)
from cgii.errores import ErrorDominio, ErrorValidacion
from cgii.eventos.selectors import secuencia_actual
from protocolos import selectors as protocolos

from .. import duplicados, selectores_consola, selectors, sla
from ..formularios_reporte import ReporteCompletoForm
from ..models import EntradaTimeline, Incidente, TipoEntrada
from ..services.comun import ROLES_GESTION
from ..services.reporte import incidente_reportar_completo
from ..states import (
    ESTADOS_ABIERTOS,
    ESTADOS_FINALES,
    Estado,
)
from .comun import (
    ESTADOS_RELOJ,
    puede_reportar,
    quiere_json,
    solo_personal,
    texto_error,
)
from .fila_consola import filas_html
from .filtros import CLAVES_LISTA, filtros_lista, opciones, opciones_entidades
from .lote import contexto_lista_extra, contexto_lote
from .vistas import contexto_vistas

TAMANO_LISTA = 50


def _etiquetas(filas) -> None:
    """State and SLA words as plain text, translated once per request (not once per row),
    and the row's link from one URL reversal per page (issue 22)."""
    estados = {valor: str(etiqueta) for valor, etiqueta in Estado.choices}
    relojes = {clave: str(texto) for clave, texto in ESTADOS_RELOJ.items()}
    detalle = _plantilla_url("incidentes:detalle")
    for i in filas:
        i.estado_texto = estados.get(i.estado, i.estado)
        i.sla_texto = relojes.get(i.estado_sla, "")
        i.url_detalle = detalle.format(i.pk)


def _fechas_lista(filas) -> None:
    """The list's three dates as text, formatted here (La Paz time, the same numeric
    formats the template's ``date`` filter wrote) and «hace …» from ``timesince``: the
    four filters per row were ~10 ms of a ~30 ms page at 50 rows (issue 22)."""
    for i in filas:
        i.creado_texto = timezone.localtime(i.creado).strftime("%d/%m/%Y %H:%M")
        i.actualizado_texto = timezone.localtime(i.actualizado).strftime("%d/%m/%Y %H:%M")
        i.vence_texto = (timezone.localtime(i.vence_sla).strftime("%d/%m %H:%M")
                         if i.vence_sla else "")
        i.hace_texto = _("hace %(t)s") % {"t": timesince(i.actualizado)}


_MARCA_PK = 987654321  # a placeholder id, replaced in each row's link


def _plantilla_url(nombre: str, *resto) -> str:
    return reverse(nombre, args=[_MARCA_PK, *resto]).replace(str(_MARCA_PK), "{}")


def _pagina_lista(request, filtros) -> tuple[selectors.Pagina, int | None, str | None]:
    """The keyset page the query string asks for (docs/listas.md): ``cursor`` from the
    page's own links, or the old ``page`` number as a shallow OFFSET page. A cursor the
    server did not issue gives the first page and an error (the caller answers 400)."""
    q = request.GET
    cursor = q.get("cursor") or None
    numero = int(q["page"]) if not cursor and q.get("page", "").isdigit() else None
    desplazamiento = max((numero or 1) - 1, 0) * TAMANO_LISTA
    if desplazamiento > selectors.LIMITE_CUENTA:
        numero, desplazamiento = None, 0
    try:
        return selectors.incidentes_pagina(usuario=request.user, filtros=filtros, cursor=cursor,
                                           tamano=TAMANO_LISTA,
                                           desplazamiento=desplazamiento), numero, None
    except keyset.CursorInvalido:
        return selectors.incidentes_pagina(usuario=request.user, filtros=filtros,
                                           tamano=TAMANO_LISTA), None, _(
            "El enlace de página no es válido (o es de otro orden): se muestra la primera "
            "página.")


@login_required
@require_GET
def lista(request):
    q = request.GET
    personal = es_personal_cgii(request.user)
    filtros = filtros_lista(q, request.user)
    pagina, numero, error = _pagina_lista(request, filtros)
    _etiquetas(pagina.filas)
    _fechas_lista(pagina.filas)
    consulta = q.copy()
    for clave in ("page", "cursor"):
        consulta.pop(clave, None)
    anterior = pagina.anterior and urlencode({"cursor": pagina.anterior})
    if numero and numero > 1:
        anterior = urlencode({"page": numero - 1})
    if error:
        messages.error(request, error)
    respuesta = render(request, "incidentes/lista.html", {
        "pagina": pagina, "filas": pagina.filas, "personal": personal, "filtros": filtros,
        "enlace_siguiente": pagina.siguiente and urlencode({"cursor": pagina.siguiente}),
        "enlace_anterior": anterior, "limite_cuenta": selectors.LIMITE_CUENTA,
        "puede_reportar": puede_reportar(request.user),
        "estados": Estado.choices, "prioridades": ("P1", "P2", "P3", "P4"),
        "estados_sla": [(k, v) for k, v in ESTADOS_RELOJ.items() if k != "sin_iniciar"],
        "ordenes": [("urgencia", _("Vencimiento SLA")), ("prioridad", _("Prioridad")),
                    ("recientes", _("Más recientes")), ("antiguos", _("Más antiguos"))],
        "filtro_estado": filtros.estado or [], "filtro_prioridad": filtros.prioridad or [],
        "consulta": consulta.urlencode(), "hay_filtros": any(q.get(k) for k in CLAVES_LISTA),
        **contexto_lista_extra(request, filtros, pagina),
        **contexto_vistas(request.user, pagina="lista"),
    })
    if error:
        respuesta.status_code = 400
    return respuesta


# ---- live console (CGII staff) ---------------------------------------------------------------

PRIORIDADES = ("P1", "P2", "P3", "P4")
ESTADOS_SLA_COLA = ("ok", "advertencia", "incumplido", "pausado")
# The console shows the queue this many rows at a time (keyset pages, most urgent first);
# counters count them all. The entity portal lists at most LIMITE_COLA open incidents.
TAMANO_COLA = 50
LIMITE_COLA = 300
# Query-string keys of the console's filters, in the order the form shows them.
CAMPOS_FILTRO = ("q", "estado", "prioridad", "clase", "entidad", "analista", "estado_sla",
                 "sin_asignar", "mios", "sin_respuesta", "vence_hoy")


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
    if q.get("q", "").strip():
        activos["q"] = q["q"].strip()[:100]
    for campo in ("entidad", "analista"):
        if q.get(campo, "").isdigit():
            activos[campo] = q[campo]
    for campo in ("sin_asignar", "mios", "sin_respuesta", "vence_hoy"):
        if q.get(campo) == "1":
            activos[campo] = "1"
    filtros = selectors.Filtros(
        estado=[activos["estado"]] if "estado" in activos else None,
        prioridad=[activos["prioridad"]] if "prioridad" in activos else None,
        clase=activos.get("clase"), entidad=int(activos.get("entidad", 0)) or None,
        analista=int(activos.get("analista", 0)) or None,
        sin_asignar="sin_asignar" in activos, mios="mios" in activos,
        sin_respuesta="sin_respuesta" in activos, vence_hoy="vence_hoy" in activos,
        texto=activos.get("q"),
        estado_sla=activos.get("estado_sla"), abiertos=True, orden="urgencia")
    return filtros, activos


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
        texto = _("%(m)d min %(s)02d s") % {"m": minutos, "s": segundos}
    return f"−{texto}" if restante_s < 0 else texto


def _decorar_filas(filas: list[Incidente]) -> None:
    """What each row shows beyond its columns (one query): the state's words, the warning
    instant of the clock that sets the deadline (the browser turns the row amber on time),
    the text of the countdown at render time, its links."""
    ahora = timezone.now()
    advertencias = sla.advertencias_de(filas)
    _etiquetas(filas)
    # The action links too (issue 22: five ``{% url %}`` per row were 250 URL reversals
    # per console page).
    tomar, asignar = (_plantilla_url("incidentes:accion", "tomar"),
                      _plantilla_url("incidentes:accion", "asignar"))
    for i in filas:
        i.url_tomar, i.url_asignar = tomar.format(i.pk), asignar.format(i.pk)
        i.advertencia_en = advertencias.get(i.pk)
        i.cuenta_texto = _cuenta_regresiva((i.vence_sla - ahora).total_seconds()) \
            if i.vence_sla else ""


def _contexto_filas(request) -> dict:
    usuario = request.user
    return {"gestiona": tiene_rol_cgii(usuario, *ROLES_GESTION),
            "coordina": tiene_rol_cgii(usuario, "coordinador", "administrador"),
            "volver": request.GET.get("volver") or request.get_full_path()}

@login_required
@require_GET
@solo_personal
def consola(request):
    """The analysts' live queue: open incidents by SLA urgency, filters in the query string,
    counters; the page's script keeps rows, counters and countdowns live (docs/consola.md)."""
    secuencia = secuencia_actual()  # before any read: the socket replays what follows
    filtros, activos = _filtros_consola(request.GET)
    # A keyset page of the queue (issue 22: rendering 300 rows cost most of the page); the
    # rows carry the capped count of everything the filters match (one query).
    error = None
    try:
        pagina = selectors.incidentes_pagina(usuario=request.user, filtros=filtros,
                                             cursor=request.GET.get("cursor") or None,
                                             tamano=TAMANO_COLA)
    except keyset.CursorInvalido:
        pagina = selectors.incidentes_pagina(usuario=request.user, filtros=filtros,
                                             tamano=TAMANO_COLA)
        error = _("El enlace de página no es válido: se muestra el comienzo de la cola.")
        messages.error(request, error)
    filas = pagina.filas
    _decorar_filas(filas)
    # The counters and every analyst's workload from one grouped read of the open
    # incidents; the staff list read once for the filter, the bulk bar and the menu.
    figuras = selectores_consola.abiertos(request.user)
    contadores = figuras.contadores
    analistas = selectores_consola.analistas_con_carga(request.user, figuras=figuras)
    consulta_filtros = urlencode(activos)
    contexto = {
        "secuencia": secuencia, "personal": True, "filas": filas, "contadores": contadores,
        "por_prioridad": [(p, p.lower(), contadores[p.lower()]) for p in PRIORIDADES],
        "filtros": activos, "hay_filtros": bool(activos), "consulta_filtros": consulta_filtros,
        "pagina": pagina, "limite_cuenta": selectors.LIMITE_CUENTA, "consulta": consulta_filtros,
        "enlace_siguiente": pagina.siguiente and urlencode({"cursor": pagina.siguiente}),
        "enlace_anterior": pagina.anterior and urlencode({"cursor": pagina.anterior}),
        "estados": [(e.value, e.label) for e in ESTADOS_ABIERTOS],
        "prioridades": PRIORIDADES,
        "estados_sla": [(k, ESTADOS_RELOJ[k]) for k in ESTADOS_SLA_COLA],
        "clases": [c for c, _tipos in protocolos.opciones_tipos()],
        "opciones_entidad": opciones_entidades(request.user, activos.get("entidad")),
        "analistas": analistas,
        "puede_reportar": puede_reportar(request.user),
        "ahora": timezone.now(),
        **_contexto_filas(request),
    }
    # The one-click "Asignar" menu (coordinators): names for the page's script.
    contexto.update(contexto_lote(request.user, pagina="consola", consulta=consulta_filtros,
                                  total=pagina.total, exacto=pagina.exacto,
                                  analistas=analistas))
    contexto.update(contexto_vistas(request.user, pagina="consola"))
    contexto["asignables_json"] = [
        {"id": u.pk, "nombre": u.nombre, "abiertos": u.abiertos, "urgentes": u.urgentes,
         "disponible": u.disponible} for u in analistas
    ] if contexto["coordina"] else []
    contexto["opciones_analista"] = opciones(((u.pk, u.nombre) for u in analistas),
                                             activos.get("analista"))
    contexto["filas_html"] = mark_safe("".join(filas_html(  # noqa: S308 - escaped rows
        filas, request=request, gestiona=contexto["gestiona"], coordina=contexto["coordina"],
        volver=contexto["volver"]).values()))
    return render(request, "incidentes/consola/consola.html", contexto,
                  status=400 if error else 200)


MAX_IDS_FILAS = 50


@login_required
@require_GET
@solo_personal
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
    html = filas_html(filas, request=request, **_contexto_filas(request))
    return JsonResponse({
        "filas": {str(pk): html.get(pk) for pk in ids},
        "contadores": selectores_consola.abiertos(request.user).contadores,
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
        "puede_reportar": puede_reportar(usuario),
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
@login_required
@require_http_methods(["GET", "POST"])
def reportar(request):
    personal = es_personal_cgii(request.user)
    como_json = quiere_json(request)
    if not puede_reportar(request.user):
        if como_json:
            return JsonResponse({"ok": False, "mensaje": _("Su rol no registra incidentes.")},
                                status=403)
        messages.error(request, _("Su rol no registra incidentes."))
        return redirect("incidentes:lista")
    entidades = entidades_visibles(request.user).filter(activa=True).order_by("nombre")
    form = ReporteCompletoForm(request.POST or None, request.FILES or None,
                               entidades=entidades, personal=personal)
    if form.entidad_unica is None and not form.fields["entidad"].queryset.exists():
        raise Http404
    error_general = None
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            incidente = incidente_reportar_completo(
                categoria=d.get("categoria", ""), indicadores=d["filas_indicadores_crudas"],
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
            error_general = texto_error(exc)
            if not como_json:
                messages.error(request, error_general)
        else:
            messages.success(request, _("Incidente %(c)s reportado. El CGII le informará cada "
                                        "avance en esta página.") % {"c": incidente.codigo})
            if aviso := duplicados.aviso_reportante(incidente):
                messages.warning(request, aviso)  # «posible duplicado»: accepted all the same
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

