"""One main navigation, built from the apps' complemento.py declarations, the same on every
page for a role (issue 17: /tablero/, /reportes/, /busqueda/ and /cuenta/notificaciones/ lost
"Consola", "Indicadores" and "Registrar incidente", because the incident and PISI pages
replaced the menu block with menus of their own)."""

import re

import pytest
from django.test import Client

from tests.entidades.sesiones import ingresar
from tests.factories import crear_usuario
from tests.incidentes.utiles import reportar

PAGINAS = ["/", "/incidentes/", "/incidentes/nuevo/", "/incidentes/{incidente}/", "/pisi/",
           "/tablero/", "/reportes/", "/busqueda/?q=x", "/cuenta/notificaciones/"]
PAGINAS_PERSONAL = ["/incidentes/consola/", "/indicadores/", "/pisi/revision/"]
PAGINAS_ENTIDAD = ["/incidentes/portal/"]


def menu(html: str) -> list[tuple[str, str]]:
    nav = re.search(r'<nav class="menu"[^>]*>(.*?)</nav>', html, re.S).group(1)
    return re.findall(r'<a href="([^"]+)"[^>]*>([^<]+)</a>', nav)


def actual(html: str) -> list[str]:
    nav = re.search(r'<nav class="menu"[^>]*>(.*?)</nav>', html, re.S).group(1)
    return re.findall(r'<a href="([^"]+)" aria-current="page">', nav)


def recorrer(usuario, paginas, incidente) -> dict[str, str]:
    c = ingresar(Client(), usuario)
    htmls = {}
    for p in paginas:
        r = c.get(p.format(incidente=incidente.pk))
        assert r.status_code == 200, (p, r.status_code)
        htmls[p] = r.content.decode()
    return htmls


@pytest.fixture
def escenario(catalogos, entidad_a, reportante_a):
    return reportar(reportante_a, entidad_a, titulo="Correo sospechoso")


def test_el_analista_ve_el_mismo_menu_en_todas_las_paginas(escenario, analista):
    htmls = recorrer(analista, PAGINAS + PAGINAS_PERSONAL, escenario)
    esperado = [("/incidentes/consola/", "Consola"), ("/incidentes/mis-tareas/", "Mis tareas"),
                ("/incidentes/", "Incidentes"),
                ("/incidentes/nuevo/", "Registrar incidente"), ("/indicadores/", "Indicadores"),
                ("/fuentes/", "Fuentes"), ("/entidades/", "Constituencia"),
                ("/incidentes/correo/", "Correo sin entidad"),
                ("/pisi/", "PISI"), ("/pisi/revision/", "Revisión PISI"),
                ("/tablero/", "Tablero"), ("/reportes/", "Reportes")]
    for pagina, html in htmls.items():
        assert menu(html) == esperado, pagina
    # The current page is marked, once.
    assert actual(htmls["/tablero/"]) == ["/tablero/"]
    assert actual(htmls["/"]) == ["/incidentes/consola/"]
    assert actual(htmls["/incidentes/{incidente}/"]) == ["/incidentes/"]
    assert actual(htmls["/pisi/revision/"]) == ["/pisi/revision/"]
    assert actual(htmls["/busqueda/?q=x"]) == []


def test_la_entidad_ve_su_menu_en_todas_las_paginas(escenario, reportante_a):
    htmls = recorrer(reportante_a, PAGINAS + PAGINAS_ENTIDAD, escenario)
    esperado = [("/incidentes/portal/", "Mi portal"), ("/incidentes/mis-tareas/", "Mis tareas"),
                ("/incidentes/", "Incidentes de mi entidad"),
                ("/incidentes/nuevo/", "Reportar incidente"),
                ("/fuentes/", "Avisos externos"), ("/entidades/", "Redes y dominios"),
                ("/pisi/", "Mi PISI"),
                ("/tablero/", "Tablero"), ("/reportes/", "Reportes")]
    for pagina, html in htmls.items():
        assert menu(html) == esperado, pagina
    assert actual(htmls["/pisi/"]) == ["/pisi/"]


def test_el_auditor_no_ve_lo_que_no_puede_usar(escenario):
    auditor = crear_usuario(username="auditora", rol_cgii="auditor")
    html = recorrer(auditor, ["/tablero/"], escenario)["/tablero/"]
    etiquetas = [e for _, e in menu(html)]
    assert "Registrar incidente" not in etiquetas
    assert {"Consola", "Indicadores", "Revisión PISI", "Reportes"} <= set(etiquetas)
