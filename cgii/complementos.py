"""One declaration per domain app: everything it plugs into core.

Core never names a domain app. Each app describes what it brings in its ``complemento.py``
(``COMPLEMENTO = Complemento(...)``) and its ``AppConfig.ready()`` hands that to
``conectar``, which registers each piece with the core registry that owns it (catalog and
demo loaders, outbox sinks, notification types, report types, dashboard panels, search
documents, navigation entries). Periodic jobs are declared apart, in the app's
``periodicas.py``, because Celery beat reads them before the apps are ready
(``cgii.periodicas``).
"""

from collections.abc import Callable
from dataclasses import dataclass

from django.urls import reverse


@dataclass(frozen=True)
class Cargador:
    nombre: str
    funcion: Callable[..., list[str]]
    orden: int = 100


@dataclass(frozen=True)
class Sumidero:
    """An outbox sink (``cgii.eventos.registro``): at least once, idempotent."""

    nombre: str
    tipos: tuple[str, ...]
    funcion: Callable


@dataclass(frozen=True)
class EntradaMenu:
    """A link of the main navigation (``base.html``): the URL name is the app's own.

    The navigation is built from these alone, on every page (no page replaces it), so a
    role sees the same links everywhere. ``para`` says whose link it is ("todos", CGII
    "personal" or "entidad" users); ``etiqueta_entidad`` is the entity users' wording of the
    same link; ``permiso(usuario)`` hides it from whoever cannot use it. ``activa`` lists the
    URL names where the link is the current page ("pisi:*": any page of the namespace, unless
    another link names the page exactly); by default the link's own URL name."""

    etiqueta: str
    url: str            # URL name, e.g. "incidentes:lista"
    orden: int = 100
    para: str = "todos"
    etiqueta_entidad: str | None = None
    permiso: Callable[[object], bool] | None = None
    activa: tuple[str, ...] = ()


@dataclass(frozen=True)
class Complemento:
    app: str
    catalogos: tuple[Cargador, ...] = ()
    demo: tuple[Cargador, ...] = ()
    sumideros: tuple[Sumidero, ...] = ()
    # code → (label, e-mail by default), for cgii.eventos.notificaciones.registrar_tipo
    notificaciones: dict | None = None
    reportes: tuple = ()            # cgii.reportes.registro.TipoReporte
    paneles: tuple = ()             # cgii.reportes.tablero.Panel
    menu: tuple[EntradaMenu, ...] = ()
    # /salud/ details: (name, function returning {"ok": bool, ...}) — e.g. the mailbox.
    salud: tuple[tuple[str, Callable[[], dict]], ...] = ()
    # Registries with an API of their own (search documents, SLA crossings, FSM diagrams):
    # functions called once, from ready().
    al_conectar: tuple[Callable[[], None], ...] = ()


_menu: dict[str, tuple[EntradaMenu, ...]] = {}
_salud: dict[str, Callable[[], dict]] = {}


def conectar(complemento: Complemento) -> None:
    """Register every piece of ``complemento`` (idempotent: registries replace by name)."""
    from cgii.eventos.notificaciones import registrar_tipo
    from cgii.eventos.registro import registrar_manejador
    from cgii.registros import registrar_catalogo, registrar_demo
    from cgii.reportes.registro import registrar_reporte
    from cgii.reportes.tablero import registrar_panel

    for c in complemento.catalogos:
        registrar_catalogo(c.nombre, c.funcion, orden=c.orden)
    for c in complemento.demo:
        registrar_demo(c.nombre, c.funcion, orden=c.orden)
    for codigo, (etiqueta, email) in (complemento.notificaciones or {}).items():
        registrar_tipo(codigo, etiqueta, email_por_defecto=email)
    for s in complemento.sumideros:
        registrar_manejador(nombre=s.nombre, tipos=s.tipos, funcion=s.funcion)
    for tipo in complemento.reportes:
        registrar_reporte(tipo)
    for panel in complemento.paneles:
        registrar_panel(panel)
    for funcion in complemento.al_conectar:
        funcion()
    _menu[complemento.app] = complemento.menu
    for nombre, funcion in complemento.salud:
        _salud[nombre] = funcion


def salud() -> list[tuple[str, Callable[[], dict]]]:
    """The registered /salud/ checks, by name."""
    return sorted(_salud.items())


def registrar_menu(app: str, entradas: tuple[EntradaMenu, ...]) -> None:
    """Core's own links (the dashboard, reports) join the apps' under a name of their own."""
    _menu[app] = entradas


def menu(request) -> list[dict]:
    """The main navigation of ``request.user``: every connected app's links it may use, in
    order, the current page's marked (``actual``)."""
    from cgii.entidades.selectors import es_personal_cgii

    usuario = getattr(request, "user", None)
    if usuario is None or not usuario.is_authenticated:
        return []
    personal = es_personal_cgii(usuario)
    entradas = [e for es in _menu.values() for e in es
                if e.para in ("todos", "personal" if personal else "entidad")
                and (e.permiso is None or e.permiso(usuario))]
    entradas.sort(key=lambda e: e.orden)
    coincidencia = getattr(request, "resolver_match", None)
    vista = coincidencia.view_name if coincidencia else ""
    exacta = next((e for e in entradas if vista in (e.activa or (e.url,))), None)
    if exacta is None:
        exacta = next((e for e in entradas for a in e.activa
                       if a.endswith(":*") and vista.startswith(a[:-1])), None)
    return [{"etiqueta": e.etiqueta if personal or not e.etiqueta_entidad
             else e.etiqueta_entidad,
             "url": reverse(e.url), "actual": e is exacta} for e in entradas]


def contexto(request) -> dict:
    """Template context processor: ``menu_principal`` (lazy: resolved when rendered)."""
    from django.utils.functional import SimpleLazyObject

    return {"menu_principal": SimpleLazyObject(lambda: menu(request))}
