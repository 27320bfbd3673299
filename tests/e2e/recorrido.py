"""The walk of every page of every role (issue 17), shared by the Chromium and Firefox tests
and by ``python tests/e2e/recorrido.py BASE`` (figures against a running demo server).

A role's pages are found, not listed: from the start pages below the walk follows every
same-site link of each HTML page it visits, one page per route (``incidentes:detalle`` once,
whatever the id), so a page added later is walked without editing this file. On each page,
at each width: the document must not be wider than the viewport (the widest offenders are
named), and axe-core (the copy pinned with ``axe-playwright-python``, run inside the page, no
network) must find no critical or serious violation.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

# (username, CGII staff?) — every kind of user the demo has.
ROLES = [
    ("reportante.mefp", False),
    ("rsi.mefp", False),
    ("mae.mefp", False),
    ("analista", True),
    ("coordinador", True),
    ("auditor", True),
    ("admin", True),
]
ANCHOS = {"movil": (390, 844), "escritorio": (1366, 900)}
# Pages reached by typing or from outside (e-mail, QR), not by a link of another page.
SEMILLAS = ["/", "/busqueda/?q=acceso", "/cuenta/notificaciones/", "/verificar/"]
# Routes that answer a file, JSON or a redirect after a write: not pages.
NO_PAGINAS = {
    "entidades:logout", "indicadores:feed", "indicadores:importacion_estado",
    "indicadores:importacion_solo_validos", "indicadores:exportar_incidente",
    "incidentes:consola_filas", "incidentes:paneles", "incidentes:accion", "incidentes:evidencia",
    "pisi:evidencia", "pisi:documento", "pisi:resumen_pdf", "pisi:accion", "pisi:plantilla", "pisi:exportar",
    "reportes:generar", "reportes:descargar", "reportes:archivo", "api-schema", "api-docs",
    "salud", "constituencia:exportar", "constituencia:importar", "constituencia:agregar",
    "constituencia:decidir", "fuentes:agregacion_csv", "fuentes:hosts_incidente_csv",
    "fuentes:acusar", "fuentes:reenrutar",
}
PREFIJOS_FUERA = ("/admin/", "/api/", "/static/", "/taxii2/", "/media/")
# One page per route, but a few routes show different pages by their argument.
ARGUMENTO_DISTINTO = {"reportes:reporte"}

_AXE = None


def script_axe() -> str:
    global _AXE
    if _AXE is None:
        from axe_playwright_python.base import AXE_FILE_PATH

        _AXE = Path(AXE_FILE_PATH).read_text(encoding="utf-8")
    return _AXE


# What the page reports about itself: width, the widest elements, its links.
MEDIR = """(() => {
  const d = document.documentElement, vista = d.clientWidth;
  const anchos = [];
  if (d.scrollWidth > vista) {
    const recortado = (el) => {
      for (let a = el.parentElement; a && a !== document.body; a = a.parentElement) {
        const s = getComputedStyle(a);
        if (s.overflowX !== 'visible' && a.getBoundingClientRect().right <= vista + 1) return true;
      }
      return false;
    };
    for (const el of document.body.querySelectorAll('*')) {
      const r = el.getBoundingClientRect();
      if (r.width && r.right > vista + 1 && !recortado(el)) {
        anchos.push([Math.round(r.right), el.tagName.toLowerCase() + (el.id ? '#' + el.id : '')
          + (el.classList.length ? '.' + [...el.classList].join('.') : '')
          + (el.getAttribute('href') ? '[' + el.getAttribute('href') + ']' : '')]);
      }
    }
    anchos.sort((a, b) => b[0] - a[0]);
  }
  return {
    tipo: document.contentType, ancho: d.scrollWidth, vista,
    anchos: anchos.slice(0, 4),
    enlaces: [...document.querySelectorAll('a[href]')].map(a => a.href),
  };
})()"""

# axe-core's run, counted by impact; only critical and serious are details worth printing.
CORRER_AXE = """(async () => {
  const r = await axe.run(document, {resultTypes: ['violations']});
  return r.violations.map(v => ({id: v.id, impacto: v.impact, nodos: v.nodes.length,
    ejemplo: v.nodes[0] && v.nodes[0].target.join(' '),
    detalle: v.nodes.slice(0, 6).map(n => n.target.join(' ') + ' — '
      + ((n.any[0] || n.all[0] || n.none[0] || {}).message || '').slice(0, 160))}));
})()"""


@dataclass
class Resultado:
    rol: str
    ancho: str
    ruta: str
    url: str
    desborde: int                      # px wider than the viewport (0: fits)
    anchos: list = field(default_factory=list)
    violaciones: list | None = None    # None: axe did not run here (same page audited)

    @property
    def graves(self) -> list:
        return [v for v in self.violaciones or () if v["impacto"] in ("critical", "serious")]


def ruta_de(url: str, base: str) -> str | None:
    """The route key of a same-site page URL (None: not a page to walk)."""
    from django.urls import Resolver404, resolve

    partes = urlsplit(url)
    if f"{partes.scheme}://{partes.netloc}" != base or partes.path.startswith(PREFIJOS_FUERA):
        return None
    try:
        r = resolve(partes.path)
    except Resolver404:
        return None
    nombre = r.view_name
    if nombre in NO_PAGINAS:
        return None
    if nombre in ARGUMENTO_DISTINTO:
        return f"{nombre}:{'/'.join(str(v) for v in r.kwargs.values())}"
    return nombre


def recorrer(base: str, ir: Callable[[str], None], evaluar: Callable[[str], object],
             anchos: Iterable[tuple[str, Callable[[], None]]], rol: str,
             *, axe: bool = True, maximo: int = 80, auditadas: set | None = None,
             clase: str | None = None) -> list[Resultado]:
    """Walk a logged-in role's pages. ``ir(url)`` navigates and waits for the load,
    ``evaluar(js)`` returns a JSON value, each ``anchos`` item is (name, set the viewport).
    The pages are found at the first width and revisited at the others. With
    ``auditadas`` (a set shared by the roles of a walk), axe runs once per page, ``clase``
    of user and width."""
    def auditar(ruta: str, ancho: str) -> bool:
        if not axe:
            return False
        if auditadas is None:
            return True
        # At the phone width once per kind of user (their pages differ in forms and
        # actions); at the other widths once per page (what changes there is layout).
        clave = (ruta, clase or rol, ancho) if ancho == "movil" else (ruta, ancho)
        if clave in auditadas:
            return False
        auditadas.add(clave)
        return True

    anchos = list(anchos)
    pendientes = [base + s for s in SEMILLAS]
    vistas: dict[str, str] = {}        # route → first URL
    resultados: list[Resultado] = []
    nombre0, poner0 = anchos[0]
    poner0()
    while pendientes and len(vistas) < maximo:
        url = pendientes.pop(0)
        ruta = ruta_de(url, base)
        if ruta is None or ruta in vistas:
            continue
        vistas[ruta] = url
        ir(url)
        medida = evaluar(MEDIR)
        if medida["tipo"] != "text/html":
            continue
        resultados.append(_resultado(rol, nombre0, ruta, url, medida, evaluar,
                                     auditar(ruta, nombre0)))
        pendientes.extend(e.split("#")[0] for e in medida["enlaces"])
    for nombre, poner in anchos[1:]:
        poner()
        for r in [r for r in resultados if r.ancho == nombre0]:
            ir(r.url)
            medida = evaluar(MEDIR)
            resultados.append(_resultado(rol, nombre, r.ruta, r.url, medida, evaluar,
                                         auditar(r.ruta, nombre)))
    return resultados


def auditar_tema(resultados: list[Resultado], nombre: str, ir, evaluar) -> list[Resultado]:
    """axe again on the pages of ``resultados`` at their first width, after the caller
    switched the theme (e.g. prefers-color-scheme: dark): contrast is what changes."""
    primero = resultados[0].ancho if resultados else None
    otra = []
    for r in [r for r in resultados if r.ancho == primero]:
        ir(r.url)
        medida = evaluar(MEDIR)
        otra.append(_resultado(r.rol, nombre, r.ruta, r.url, medida, evaluar, True))
    return otra


def recorrer_playwright(base: str, pagina, rol: str, **opciones) -> list[Resultado]:
    """``recorrer`` with a logged-in Playwright page. axe-core is added to every document
    of the page's context before its own scripts (no 570 kB round trip per page)."""
    def ancho(medidas):
        return lambda: pagina.set_viewport_size({"width": medidas[0], "height": medidas[1]})

    if opciones.get("axe", True):
        instalar_axe(pagina)
    return recorrer(base, lambda url: ir_playwright(pagina, url), pagina.evaluate,
                    [(nombre, ancho(m)) for nombre, m in ANCHOS.items()], rol, **opciones)


def instalar_axe(pagina) -> None:
    if not getattr(pagina.context, "_axe_instalado", False):
        pagina.context.add_init_script(script_axe())
        pagina.context._axe_instalado = True


def ir_playwright(pagina, url: str) -> None:
    # Stylesheets and deferred scripts have run at DOMContentLoaded: the layout is final.
    pagina.goto(url, wait_until="domcontentloaded")


def _resultado(rol, ancho, ruta, url, medida, evaluar, axe) -> Resultado:
    violaciones = None
    if axe:
        if not evaluar("typeof window.axe !== 'undefined'"):
            evaluar(f"(() => {{ {script_axe()}\n; return true; }})()")
        violaciones = evaluar(CORRER_AXE)
    return Resultado(rol, ancho, ruta, url, max(0, medida["ancho"] - medida["vista"]),
                     medida["anchos"], violaciones)


def resumen(resultados: list[Resultado]) -> str:
    """One line per page and width with a problem, then the totals."""
    lineas = []
    for r in resultados:
        if r.desborde or r.graves:
            graves = ", ".join(f"{v['id']}({v['impacto']}×{v['nodos']}: {v['ejemplo']})"
                               for v in r.graves)
            lineas.append(f"{r.rol:<16} {r.ancho:<10} {r.ruta:<34} +{r.desborde}px "
                          f"{r.anchos[:2] if r.desborde else ''} {graves}")
    n = len(resultados)
    desbordan = sum(1 for r in resultados if r.desborde)
    graves = sum(len(r.graves) for r in resultados)
    auditadas = sum(1 for r in resultados if r.violaciones is not None)
    lineas.append(f"{n} page visits, {desbordan} wider than the viewport; {auditadas} axe "
                  f"audits, {graves} critical/serious violations "
                  f"({sum(1 for r in resultados if r.graves)} pages)")
    return "\n".join(lineas)


# ---- standalone: figures against a running demo server (make run; python ... BASE) --------

def _principal(argv: list[str]) -> None:
    import sys

    sys.path.insert(0, str(Path(__file__).parent))
    import _capturas  # Django set-up, demo login
    from playwright.sync_api import sync_playwright

    base = _capturas.BASE
    opciones = [a for a in argv[1:] if a.startswith("--")]
    argv = [a for a in argv if not a.startswith("--")]
    salida = argv[2] if len(argv) > 2 else None
    solo = next((o.split("=", 1)[1].split(",") for o in opciones if o.startswith("--roles=")),
                None)
    todos = []
    with sync_playwright() as p:
        navegador = _capturas.lanzar(p)
        for usuario, personal in ROLES:
            if solo and usuario not in solo:
                continue
            pagina = _capturas.ingresar(navegador, usuario, personal=personal,
                                        ancho=390, alto=844)
            todos += recorrer_playwright(base, pagina, usuario,
                                         axe="--sin-axe" not in opciones)
            pagina.context.close()
        navegador.close()
    print(resumen(todos))
    if salida:
        Path(salida).write_text(json.dumps([r.__dict__ for r in todos], ensure_ascii=False,
                                           indent=1))


if __name__ == "__main__":
    import sys

    _principal(sys.argv)
