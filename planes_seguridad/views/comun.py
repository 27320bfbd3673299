"""Pieces every PISI page shares: the plan behind a URL (404 when not visible), who the
user is for this plan, the header with the state path and the tabs, deadlines as people
read them, and domain errors turned into one readable message."""

from functools import wraps

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from cgii.entidades.selectors import es_personal_cgii, membresias_activas
from cgii.errores import ErrorValidacion, NoEncontrado, texto_error  # noqa: F401 (views import it)

from .. import selectors
from ..permisos import ENTIDAD, REVISORES, roles_del_usuario
from ..states import ESTADOS_EDITABLES, ESTADOS_FINALES, Estado

# The main path of a plan, drawn as the state bar.
PASOS = (Estado.BORRADOR, Estado.PRESENTADO, Estado.EN_REVISION, Estado.CONFORME,
         Estado.APROBADO, Estado.VIGENTE)
# States off the main path: where they sit on the bar.
POSICION = {Estado.OBSERVADO: Estado.EN_REVISION, Estado.EN_ACTUALIZACION: Estado.VIGENTE}

PESTANAS = (
    ("detalle", gettext_lazy("Resumen")),
    ("datos", gettext_lazy("Datos generales")),
    ("soa", gettext_lazy("Aplicabilidad")),
    ("riesgos", gettext_lazy("Riesgos")),
    ("cronograma", gettext_lazy("Cronograma")),
    ("evidencias", gettext_lazy("Evidencias")),
    ("seguimiento", gettext_lazy("Seguimiento")),
    ("hallazgos", gettext_lazy("Hallazgos")),
    ("observaciones", gettext_lazy("Observaciones")),
    ("importar", gettext_lazy("Importar / exportar")),
)
PESTANA_REVISION = ("revision", gettext_lazy("Revisión CGII"))

# Deadline states (selectors.FiguraPlazo.estado) → badge class and words.
ESTADOS_PLAZO = {
    "en_plazo": ("ok", gettext_lazy("En plazo")),
    "advertencia": ("advertencia", gettext_lazy("Por vencer")),
    "vencido": ("incumplido", gettext_lazy("Vencido")),
    "cumplido": ("cumplido", gettext_lazy("Cumplido")),
    "cumplido_tarde": ("incumplido", gettext_lazy("Cumplido con retraso")),
}
RESPONSABLES = {"cgii": gettext_lazy("a cargo del CGII"),
                "entidad": gettext_lazy("a cargo de la entidad")}
# Deadlines whose name already says who acts ("Revisión del CGII"): no "· CGII" after it.
NOMBRAN_RESPONSABLE = {"revision_cgii", "ajuste_entidad", "aprobacion_mae"}


def obtener_plan(request, pk: int):
    try:
        return selectors.plan_obtener(usuario=request.user, plan_id=pk)
    except NoEncontrado:
        raise Http404 from None


def quien(usuario, plan) -> dict:
    """What the user is for this plan: CGII staff, a reviewer, the entity's RSI/MAE."""
    roles = roles_del_usuario(plan.entidad_id, usuario)
    entidad = bool(roles & set(ENTIDAD))
    en_curso = plan.estado not in ESTADOS_FINALES
    return {
        "personal": es_personal_cgii(usuario),
        "revisor": bool(roles & set(REVISORES)),
        "escribe_entidad": entidad and en_curso,
        "edita_contenido": entidad and plan.estado in ESTADOS_EDITABLES,
        "en_curso": en_curso,
    }


def puede_crear(usuario) -> bool:
    return any(m.rol in ENTIDAD for m in membresias_activas(usuario))


def barra_estados(plan) -> list[dict]:
    actual = POSICION.get(plan.estado, plan.estado)
    indice = PASOS.index(actual) if actual in PASOS else len(PASOS)
    pasos = []
    for i, e in enumerate(PASOS):
        etiqueta = plan.get_estado_display() if i == indice else e.label
        pasos.append({"etiqueta": etiqueta, "actual": i == indice, "hecha": i < indice})
    return pasos


def dias_texto(restantes: int, estado: str) -> str:
    if estado in ("cumplido", "cumplido_tarde"):
        return ""
    if restantes > 0:
        return ngettext("queda %(n)d día hábil", "quedan %(n)d días hábiles",
                        restantes) % {"n": restantes}
    if restantes == 0:
        return _("vence hoy") if estado != "vencido" else _("vencido")
    n = -restantes
    return ngettext("vencido hace %(n)d día hábil", "vencido hace %(n)d días hábiles",
                    n) % {"n": n}


def decorar_plazo(f) -> dict:
    clase, texto = ESTADOS_PLAZO.get(f.estado, ("", f.estado))
    return {"figura": f, "etiqueta": f.etiqueta, "clase": clase, "estado_texto": texto,
            "responsable": "" if f.tipo in NOMBRAN_RESPONSABLE
            else RESPONSABLES.get(f.responsable, f.responsable),
            "vence": f.vence, "inicio": f.inicio, "dias_habiles": f.dias_habiles,
            "dias": dias_texto(f.dias_restantes, f.estado), "restantes": f.dias_restantes,
            "abierto": f.cumplido_en is None, "cumplido_en": f.cumplido_en,
            "pct": _porcentaje_consumido(f)}


def _porcentaje_consumido(f) -> int:
    if f.dias_habiles <= 0:
        return 100
    usados = f.dias_habiles - max(f.dias_restantes, 0)
    return max(0, min(100, round(100 * usados / f.dias_habiles)))


def contexto_plan(request, plan, pestana: str) -> dict:
    """The header of every plan page: who, the state path, the tabs, open deadlines."""
    yo = quien(request.user, plan)
    pestanas = list(PESTANAS)
    if yo["revisor"] or yo["personal"]:
        pestanas.append(PESTANA_REVISION)
    abiertos = [decorar_plazo(f) for f in selectors.plazos_de(plan=plan, solo_abiertos=True)]
    return {"plan": plan, **yo, "pestana": pestana, "pestanas": pestanas,
            "barra": barra_estados(plan), "plazos_abiertos": abiertos}


def solo_personal(vista):
    """Pages for CGII staff; an entity user is sent to its plans with a message."""
    @wraps(vista)
    def envoltura(request, *args, **kwargs):
        if not es_personal_cgii(request.user):
            messages.error(request, _("Esta página es solo para el personal del CGII."))
            if "pk" in kwargs:
                obtener_plan(request, kwargs["pk"])  # another entity's plan stays a 404
                return redirect("pisi:detalle", kwargs["pk"])
            return redirect("pisi:lista")
        return vista(request, *args, **kwargs)
    return envoltura


def volver(request, por_defecto: str) -> str:
    """A same-site path to go back to after an action (keeps filters and anchors)."""
    destino = request.POST.get("volver", "")
    if destino.startswith("/") and not destino.startswith("//") and url_has_allowed_host_and_scheme(
            destino, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return destino
    return por_defecto


def validar_form(form) -> dict:
    """A form's data, or a domain error with every field's message (shown as a message)."""
    if not form.is_valid():
        raise ErrorValidacion(_("Revise los datos del formulario."), extra={
            (str(form.fields[c].label) if c in form.fields else c): [
                f"{form.fields[c].label}: {e}" if c in form.fields else str(e) for e in errores]
            for c, errores in form.errors.items()})
    return form.cleaned_data


def entero(valor, campo: str) -> int:
    try:
        return int(valor)
    except (TypeError, ValueError):
        raise ErrorValidacion(extra={campo: [_("Dato no válido.")]}) from None


def entero_post(request, campo: str) -> int:
    return entero(request.POST.get(campo), campo)
