"""The triage queue pages (staff only), the incident's «Correo» panel and /salud/'s
mailbox state."""

import pytest
from django.test import Client

from cgii.auditoria.models import RegistroAuditoria
from incidentes.correo.models import CorreoEntrante, EstadoTriaje
from incidentes.models import Incidente
from tests.entidades.sesiones import ingresar

from .utiles import correo, entregar, leer

pytestmark = pytest.mark.django_db


@pytest.fixture
def en_triaje(buzon, catalogos):
    entregar(buzon, correo(de="Vecino <vecino@gmail.com>", asunto="Portal caído",
                           texto="<b>no</b> es html: se muestra tal cual"))
    leer()
    return CorreoEntrante.objects.get()


def test_el_personal_ve_la_cola_y_el_correo_y_una_entidad_no(en_triaje, analista,
                                                             reportante_a):
    c = ingresar(Client(), analista)
    cola = c.get("/incidentes/correo/")
    assert cola.status_code == 200
    html = cola.content.decode()
    assert "vecino@gmail.com" in html and "Portal caído" in html
    assert 'id="aviso-correo"' in html and "correo/triaje.js" in html  # live: queue changed
    detalle = c.get(f"/incidentes/correo/{en_triaje.pk}/").content.decode()
    assert "&lt;b&gt;no&lt;/b&gt; es html" in detalle  # shown as text, escaped
    assert "Convertir en incidente" in detalle and "Sin verificar" in detalle
    original = c.get(f"/incidentes/correo/{en_triaje.pk}/original/")
    assert original.status_code == 200 and original["Content-Type"] == "message/rfc822"
    assert b"From: Vecino <vecino@gmail.com>" in b"".join(original.streaming_content)
    e = ingresar(Client(), reportante_a)
    for url in ("/incidentes/correo/", f"/incidentes/correo/{en_triaje.pk}/",
                f"/incidentes/correo/{en_triaje.pk}/original/"):
        assert e.get(url).status_code == 404
    assert e.post(f"/incidentes/correo/{en_triaje.pk}/descartar/",
                  {"motivo": "x"}).status_code == 404


def test_convertir_y_descartar_desde_la_pagina(en_triaje, analista, entidad_a, buzon):
    c = ingresar(Client(), analista)
    sin_entidad = c.post(f"/incidentes/correo/{en_triaje.pk}/convertir/", {"entidad": ""})
    assert sin_entidad.status_code == 302 and not Incidente.objects.exists()
    r = c.post(f"/incidentes/correo/{en_triaje.pk}/convertir/",
               {"entidad": entidad_a.pk, "titulo": "Portal del ministerio caído", "tlp": "green"})
    incidente = Incidente.objects.get()
    assert r.status_code == 302 and r["Location"] == f"/incidentes/{incidente.pk}/"
    assert (incidente.titulo, incidente.tlp, incidente.origen) == (
        "Portal del ministerio caído", "green", "correo")
    # The incident page shows its e-mail with the authentication result.
    pagina = c.get(f"/incidentes/{incidente.pk}/").content.decode()
    assert 'id="correo"' in pagina and "vecino@gmail.com" in pagina

    entregar(buzon, correo(de="otro@gmail.com", asunto="Oferta"))
    leer()
    otro = CorreoEntrante.objects.get(remitente="otro@gmail.com")
    assert c.post(f"/incidentes/correo/{otro.pk}/descartar/", {"motivo": ""}).status_code == 302
    otro.refresh_from_db()
    assert otro.estado_triaje == EstadoTriaje.PENDIENTE
    c.post(f"/incidentes/correo/{otro.pk}/descartar/", {"motivo": "Publicidad"})
    otro.refresh_from_db()
    assert otro.estado_triaje == EstadoTriaje.DESCARTADO
    assert RegistroAuditoria.objects.filter(accion="correo.descartar").count() == 1


def test_salud_muestra_el_estado_del_buzon_y_la_ultima_lectura(buzon, analista, settings,
                                                              catalogos):
    c = ingresar(Client(), analista)
    settings.CORREO_ACTIVO = False
    assert c.get("/salud/").json()["correo"] == {"ok": True, "estado": "desactivado"}
    settings.CORREO_ACTIVO = True
    leer()
    estado = c.get("/salud/").json()["correo"]
    assert estado["ok"] and estado["estado"] == "leyendo" and estado["ultima_lectura_ok"]
    # The mailbox refuses the login: recorded, shown, and the last good read kept.
    settings.CORREO_IMAP_CLAVE = "equivocada"
    assert leer() == 0
    estado = c.get("/salud/").json()["correo"]
    assert not estado["ok"] and estado["estado"] == "fallando"
    assert estado["fallos_seguidos"] == 1 and estado["ultima_lectura_ok"]
    assert estado["ultimo_error"]


def test_leer_correo_lee_una_vez_y_muestra_el_estado(buzon, catalogos, reportante_a, settings):
    from io import StringIO

    from django.core.management import call_command

    entregar(buzon, correo(de=reportante_a.email))
    salida = StringIO()
    call_command("leer_correo", stdout=salida)
    assert "Mensajes leídos: 1" in salida.getvalue() and '"leyendo"' in salida.getvalue()
    assert Incidente.objects.count() == 1
    settings.CORREO_IMAP_HOST = ""
    salida = StringIO()
    call_command("leer_correo", stdout=salida)
    assert "no está configurado" in salida.getvalue()


def test_el_admin_muestra_los_correos_sin_permitir_cambios(en_triaje):
    from tests.entidades.sesiones import iniciar_sesion_verificada
    from tests.factories import crear_usuario

    raiz = crear_usuario(username="raiz", is_staff=True, is_superuser=True)
    c = Client()
    iniciar_sesion_verificada(c, raiz)
    lista = c.get("/admin/correo/correoentrante/")
    assert lista.status_code == 200 and "vecino@gmail.com" in lista.content.decode()
    assert c.get("/admin/correo/correoentrante/add/").status_code == 403
    assert c.get("/admin/correo/estadobuzon/").status_code == 200
