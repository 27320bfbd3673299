"""PISI wording and dead ends (issue 17): "Nuevo plan" for a year that has one links to it;
a deadline whose name says who acts is not followed by "· CGII"; /verificar/ has a form;
the QR's link comes from the one base-address setting."""

from django.test import Client

from planes_seguridad import pdf
from tests.entidades.sesiones import ingresar
from tests.planes_seguridad.utiles import llevar_a


def test_nuevo_plan_de_un_anio_que_ya_tiene_enlaza_al_plan(plan, rsi_a, entidad_a):
    c = ingresar(Client(), rsi_a)
    r = c.post("/pisi/nuevo/", {"entidad": entidad_a.pk, "gestion": plan.gestion,
                                "catalogo": "iso27002-2013"})
    html = r.content.decode()
    assert r.status_code == 200
    assert f'href="/pisi/{plan.pk}/"' in html and "Crear nueva versión" in html


def test_verificar_sin_codigo_es_un_formulario(db):
    c = Client()
    r = c.get("/verificar/")
    assert r.status_code == 200 and 'name="codigo"' in r.content.decode()
    r = c.get("/verificar/", {"codigo": " pisi-mpa-2027-abcd "})
    assert r.status_code == 302 and r["Location"] == "/verificar/pisi-mpa-2027-abcd/"
    r = c.get("/verificar/", {"codigo": ""})
    assert r.status_code == 200 and "Escriba un código." in r.content.decode()
    desconocido = c.get("/verificar/NO-EXISTE/")
    assert desconocido.status_code == 404 and 'name="codigo"' in desconocido.content.decode()


def test_el_qr_usa_la_direccion_configurada(settings):
    settings.CGII_URL_BASE = "http://127.0.0.1:8101/"
    assert pdf.url_verificacion("PISI-X-2026-AB") == "http://127.0.0.1:8101/verificar/PISI-X-2026-AB/"


def test_el_plazo_que_nombra_a_quien_actua_no_lo_repite(plan, rsi_a, auditor):
    llevar_a(plan, "presentado", rsi_a, auditor)
    html = ingresar(Client(), auditor).get("/pisi/").content.decode()
    assert "Revisión del CGII · CGII" not in html and "Revisión del CGII" in html
