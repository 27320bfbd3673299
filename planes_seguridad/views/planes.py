"""Plan lists (the entity's plans, the national list), a new plan, the plan's summary page
and its general data form."""

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ObjectDoesNotExist
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from cgii.entidades.models import RolCGII
from cgii.entidades.selectors import entidades_visibles, es_personal_cgii, membresias_activas
from cgii.errores import ErrorDominio, ErrorValidacion
from cgii.eventos.selectors import secuencia_actual

from .. import selectors, services
from ..cargador_nacional import NACIONAL
from ..forms import (
    CLASIFICACIONES,
    NIVELES,
    ROLES_COMITE,
    TRATAMIENTOS,
    ComiteFormSet,
    DatosPlanForm,
    PlanNuevoForm,
    filas_de,
    iniciales_lista,
)
from ..permisos import ENTIDAD
from ..states import CAMPOS_TRANSICION, ESTADOS_IMPLEMENTACION, Estado, Transicion
from .comun import (
    contexto_plan,
    decorar_plazo,
    obtener_plan,
    puede_crear,
    texto_error,
)

POR_PAGINA = 50


def decorar_filas(planes: list) -> None:
    """Nearest open deadline and SoA progress of each row (two queries for the page)."""
    ids = [p.pk for p in planes]
    plazos = selectors.plazos_abiertos_por_plan(plan_ids=ids)
    avance = selectors.avance_soa_por_plan(ids)
    for p in planes:
        abiertos = plazos.get(p.pk) or []
        p.plazo = decorar_plazo(abiertos[0]) if abiertos else None
        p.avance = avance.get(p.pk) or {}
        p.vigente_hasta = p.vigencia_hasta if p.estado in ESTADOS_IMPLEMENTACION else None


@login_required
@require_GET
def lista(request):
    """The entity's plans; for CGII staff, the national list of plans by state."""
    q = request.GET
    personal = es_personal_cgii(request.user)
    estados = [e for e in q.getlist("estado") if e in Estado.values]
    gestion = q.get("gestion", "")
    filtros = selectors.Filtros(
        estado=estados or None, gestion=int(gestion) if gestion.isdigit() else None,
        texto=(q.get("q") or "").strip()[:100] or None, en_curso=q.get("en_curso") == "1")
    pagina = Paginator(selectors.planes_lista(usuario=request.user, filtros=filtros),
                       POR_PAGINA).get_page(q.get("page"))
    filas = list(pagina.object_list)
    decorar_filas(filas)
    por_estado = selectors.planes_por_estado(usuario=request.user)
    consulta = q.copy()
    consulta.pop("page", None)
    return render(request, "planes_seguridad/lista.html", {
        "personal": personal, "pagina": pagina, "filas": filas, "filtros": filtros,
        "filtro_estado": estados, "gestion": gestion,
        "contadores": [(e.value, e.label, por_estado.get(e.value, 0)) for e in Estado],
        "total": sum(por_estado.values()), "estados": Estado.choices,
        "puede_crear": puede_crear(request.user), "consulta": consulta.urlencode(),
        "varias_entidades": len({m.entidad_id for m in membresias_activas(request.user)}) > 1,
        "hay_filtros": any(q.get(k) for k in ("estado", "gestion", "q", "en_curso")),
        "secuencia": secuencia_actual(),
    })


@login_required
@require_http_methods(["GET", "POST"])
def nuevo(request):
    """Version 1 of the entity's plan for a gestión (its RSI or MAE)."""
    ids = [m.entidad_id for m in membresias_activas(request.user) if m.rol in ENTIDAD]
    if not ids:
        messages.error(request, _("Solo el RSI o la MAE de una entidad crean su plan."))
        return redirect("pisi:lista")
    existente = None
    catalogos = list(selectors.catalogos_vigentes().order_by("codigo"))
    por_defecto = selectors.catalogo_por_defecto()
    form = PlanNuevoForm(request.POST or None,
                         entidades=entidades_visibles(request.user).filter(pk__in=ids)
                         .order_by("nombre"),
                         catalogos=catalogos, por_defecto=por_defecto)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            plan = services.plan_crear(actor=request.user, entidad_id=d["entidad"].pk,
                                       gestion=d["gestion"], catalogo=d["catalogo"])
        except ErrorValidacion as exc:
            # The plan of that year exists: a link to it, where "Crear nueva versión" is.
            existente = (selectors.planes_visibles(request.user)
                         .filter(entidad_id=d["entidad"].pk, gestion=d["gestion"])
                         .order_by("-version").first())
            for campo, errores in (exc.extra or {}).items():
                form.add_error(campo if campo in form.fields else None, list(errores))
        except ErrorDominio as exc:
            messages.error(request, texto_error(exc))
        else:
            messages.success(request, _("Plan creado. Complete los datos generales y la "
                                        "declaración de aplicabilidad."))
            return redirect("pisi:datos", plan.pk)
    nacional = next((c for c in catalogos if c.codigo == NACIONAL), None)
    return render(request, "planes_seguridad/nuevo.html", {
        "form": form, "personal": False, "nacional": nacional, "por_defecto": por_defecto,
        "existente": existente})


# ---- the plan's summary -----------------------------------------------------------------------

# Unmet conditions that the transition's own form fixes (typed next to the button).
LLENA_EL_FORMULARIO = {
    Transicion.OBSERVAR: ("tiene_observaciones",),
    Transicion.REGISTRAR_RESOLUCION: ("tiene_resolucion", "resolucion_posterior_a_conformidad",
                                      "resolucion_cita_aprobacion"),
    Transicion.PONER_EN_VIGENCIA: ("tiene_vigencia",),
}
PELIGROSAS = {Transicion.OBSERVAR}
# "Crear nueva versión" (plan_nueva_version) starts the update and makes the draft in one
# step; the bare transition would leave the plan "en actualización" with nothing to edit.
OCULTAS = {Transicion.INICIAR_ACTUALIZACION}


def acciones_de(usuario, plan) -> dict:
    """Transitions the user's roles allow now: buttons (perhaps with fields typed in the
    same form) and blocked ones with the reason."""
    from .. import states

    motivos_formulario = {n: {str(getattr(states, c).motivo) for c in conds}
                          for n, conds in LLENA_EL_FORMULARIO.items()}
    botones, bloqueadas = [], []
    for t in selectors.transiciones_para(usuario=usuario, plan=plan):
        if t.nombre in OCULTAS:
            continue
        faltan = [m for m in t.motivos if m not in motivos_formulario.get(t.nombre, set())]
        if faltan:
            bloqueadas.append({"nombre": t.nombre, "etiqueta": t.etiqueta, "motivos": faltan})
        else:
            botones.append({"nombre": t.nombre, "etiqueta": t.etiqueta,
                            "campos": CAMPOS_TRANSICION.get(t.nombre, ()),
                            "peligrosa": t.nombre in PELIGROSAS})
    return {"botones": botones, "bloqueadas": bloqueadas}


def historial_marcado(usuario, plan) -> list:
    """The plan's history, newest first, each entry marked when its author is CGII staff
    (one query for the authors), so the entity reads "CGII" next to a decision."""
    historial = list(selectors.historial_de(usuario=usuario, plan=plan))
    ids = {e.actor_id for e in historial if e.actor_id}
    del_cgii = set(get_user_model().objects.filter(
        pk__in=ids, groups__name__in=[r.value for r in RolCGII]).values_list("pk", flat=True)
    ) if ids else set()
    for e in historial:
        e.del_cgii = e.actor_id is None or e.actor_id in del_cgii
    return historial[::-1]


def _motivos_notificacion(contexto, plan) -> list[tuple[str, str]]:
    """What a CGII reviewer may send as a notice with legal effect (Ciudadanía Digital)."""
    from cgii.ciudadania import notificaciones

    if not (contexto.get("revisor") and notificaciones.configurada()):
        return []
    motivos = []
    if plan.estado == Estado.OBSERVADO:
        motivos.append(("observacion", _("Las observaciones del CGII")))
    if plan.plazos.filter(cumplido_en__isnull=True, vencido_en__isnull=False,
                          responsable="entidad").exists():
        motivos.append(("plazo_vencido", _("El plazo vencido de la entidad")))
    return motivos


@login_required
@require_GET
def detalle(request, pk: int):
    plan = obtener_plan(request, pk)
    contexto = contexto_plan(request, plan, "detalle")
    try:
        siguiente = plan.siguiente
    except ObjectDoesNotExist:
        siguiente = None
    contexto.update({
        "secuencia": secuencia_actual(),
        "acciones": acciones_de(request.user, plan),
        "plazos": [decorar_plazo(f) for f in selectors.plazos_de(plan=plan)],
        "soa": selectors.soa_resumen(plan=plan),
        "historial": historial_marcado(request.user, plan),
        "siguiente": siguiente,
        "puede_nueva_version": contexto["escribe_entidad"] and plan.estado in (
            Estado.VIGENTE, Estado.EN_ACTUALIZACION) and siguiente is None,
        "actividades": selectors.actividades_de(plan=plan).count(),
        "hallazgos_abiertos": plan.hallazgos.filter(estado="abierto").count(),
        "periodo_actual": selectors.periodo_actual(plan),
        "riesgos": selectors.resumen_riesgos(plan=plan),
        "aprobacion": plan.aprobaciones_documento.select_related("solicitado_por").first(),
        "aprobacion_exigida": plan.aprobacion_exigida(),
        "notificar": _motivos_notificacion(contexto, plan),
    })
    return render(request, "planes_seguridad/plan/detalle.html", contexto)


# ---- general data -------------------------------------------------------------------------

CAMPOS_COMITE = ("nombre", "cargo", "rol", "unidad")


def _usuarios_de(plan):
    # Candidates for RSI: active members of the plan's entity (a read for a <select>;
    # plan_actualizar re-checks membership on write).
    return (get_user_model().objects.filter(
        is_active=True, membresias__entidad_id=plan.entidad_id, membresias__activa=True)
        .distinct().order_by("first_name", "last_name", "username"))


def _formularios(plan, datos=None, archivos=None):
    return {
        "form": DatosPlanForm(datos, archivos, usuarios=_usuarios_de(plan), initial={
            "alcance": plan.alcance, "rsi": plan.rsi_id,
            "politica_aprobada_en": plan.politica_aprobada_en}),
        "comite": ComiteFormSet(datos, prefix="comite",
                                initial=iniciales_lista(plan.comite, CAMPOS_COMITE)),
    }


def _listas_legibles(plan) -> dict:
    """The structured lists with the labels of their coded values (read-only page)."""
    etiquetas = {"rol": dict(ROLES_COMITE), "clasificacion": dict(CLASIFICACIONES),
                 "criticidad": dict(NIVELES), "nivel": dict(NIVELES),
                 "tratamiento": dict(TRATAMIENTOS)}

    def legible(filas):
        return [{k: etiquetas[k].get(v, v) if k in etiquetas else v for k, v in f.items()}
                | {"nivel_codigo": f.get("nivel", "")} for f in filas or []]
    return {"comite_vista": legible(plan.comite), "activos_vista": legible(plan.inventario_activos),
            "riesgos_vista": legible(plan.evaluacion_riesgos)}


MAPA_CAMPOS = {"rsi_id": "rsi", "comite": None}


@login_required
@require_http_methods(["GET", "POST"])
def datos(request, pk: int):
    """Scope, RSI, committee and policy: a form while the plan is borrador/observado and the
    user is its RSI/MAE; a read-only page otherwise. (Assets and risks: the Riesgos tab; the
    JSON summaries of plans written before are shown read-only.)"""
    plan = obtener_plan(request, pk)
    contexto = contexto_plan(request, plan, "datos")
    formularios = _formularios(plan)
    if request.method == "POST":
        formularios = _formularios(plan, request.POST, request.FILES)
        validos = all(f.is_valid() for f in formularios.values())
        if not validos:
            messages.error(request, _("Revise los campos marcados."))
        else:
            d = formularios["form"].cleaned_data
            try:
                services.plan_actualizar(
                    actor=request.user, plan_id=plan.pk, alcance=d["alcance"],
                    rsi_id=d["rsi"].pk if d["rsi"] else None,
                    politica_aprobada_en=d["politica_aprobada_en"],
                    comite=filas_de(formularios["comite"]))
                if d.get("politica"):
                    services.plan_documento_subir(actor=request.user, plan_id=plan.pk,
                                                  tipo="politica", archivo=d["politica"])
            except ErrorValidacion as exc:
                form = formularios["form"]
                for campo, errores in (exc.extra or {}).items():
                    destino = MAPA_CAMPOS.get(campo, campo)
                    if destino in form.fields:
                        form.add_error(destino, list(errores))
                messages.error(request, texto_error(exc))
            except ErrorDominio as exc:
                messages.error(request, texto_error(exc))
            else:
                messages.success(request, _("Datos del plan guardados."))
                return redirect("pisi:datos", plan.pk)
        plan = obtener_plan(request, pk)
        contexto["plan"] = plan
    contexto.update(formularios)
    contexto.update(_listas_legibles(plan))
    return render(request, "planes_seguridad/plan/datos.html", contexto)
