"""The dashboard (``/tablero/``): panels registered by the domain apps, shown as one
``Documento`` through the report templates, so a dashboard figure looks and formats exactly
like the same figure in a report.

Each panel decides who sees it (``puede_ver``) and scopes its own figures to the user through
its app's selectors: CGII staff get the national panels, an entity's users their own.
"""

from collections.abc import Callable
from dataclasses import dataclass

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from cgii.entidades.selectors import es_personal_cgii, membresias_activas
from cgii.eventos.selectors import secuencia_actual

from . import presentacion
from .documento import Documento, Seccion


@dataclass(frozen=True)
class Panel:
    clave: str
    puede_ver: Callable[[object], bool]
    # secciones(*, usuario, ahora) -> list[Seccion]
    secciones: Callable[..., list[Seccion]]
    orden: int = 100


_paneles: dict[str, Panel] = {}


def registrar_panel(panel: Panel) -> None:
    _paneles[panel.clave] = panel


def paneles_de(usuario) -> list[Panel]:
    return [p for p in sorted(_paneles.values(), key=lambda p: (p.orden, p.clave))
            if p.puede_ver(usuario)]


def documento_tablero(usuario, *, ahora=None) -> Documento:
    ahora = timezone.localtime(ahora)
    secciones = [s for p in paneles_de(usuario) for s in p.secciones(usuario=usuario, ahora=ahora)]
    if es_personal_cgii(usuario):
        titulo, subtitulo = _("Tablero del CGII"), _("Incidentes, SLA y avance nacional de los PISI")
    else:
        siglas = ", ".join(sorted({m.entidad.sigla for m in membresias_activas(usuario)}))
        titulo, subtitulo = _("Tablero de la entidad"), siglas
    return Documento(tipo="tablero", titulo=titulo, subtitulo=subtitulo, parametros=[],
                     corte=ahora, generado_en=ahora, secciones=secciones,
                     nombre_archivo="tablero")


@login_required
@require_GET
def tablero(request):
    """The page, or with ``?parcial=1`` only its panels: the browser re-reads them when an
    incident, SLA or PISI event arrives on the user's stream (cgii/js/tablero.js)."""
    secuencia = secuencia_actual()  # before any read: the socket replays what follows
    contexto = presentacion.contexto(documento_tablero(request.user))
    if request.GET.get("parcial"):
        return render(request, "reportes/_tablero.html", contexto)
    return render(request, "reportes/tablero.html", {**contexto, "secuencia": secuencia})
