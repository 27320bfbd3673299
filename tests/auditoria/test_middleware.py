import uuid

import pytest
from django.test import RequestFactory, override_settings

from cgii.auditoria.contexto import contexto_actual
from cgii.auditoria.middleware import ContextoSolicitudMiddleware, ip_cliente
from tests.entidades.sesiones import iniciar_sesion_verificada


def _es_uuid(valor: str) -> bool:
    try:
        uuid.UUID(valor)
    except ValueError:
        return False
    return True


def test_salud_recibe_un_id_nuevo(client, db):
    respuesta = client.get("/salud/")
    assert _es_uuid(respuesta["X-Request-ID"])
    assert client.get("/salud/")["X-Request-ID"] != respuesta["X-Request-ID"]


def test_id_entrante_valido_se_respeta(client, db):
    entrante = "0f8fad5b-d9cb-469f-a165-70867728950e"
    assert client.get("/salud/", HTTP_X_REQUEST_ID=entrante)["X-Request-ID"] == entrante
    assert client.get("/salud/", HTTP_X_REQUEST_ID="gw.req-0001")["X-Request-ID"] == "gw.req-0001"


@pytest.mark.parametrize("malo", ["corto", "x" * 65, "con espacio 123", "inyecta\r\nX: 1", "ñandú-123"])
def test_id_entrante_invalido_se_reemplaza(client, db, malo):
    assert _es_uuid(client.get("/salud/", HTTP_X_REQUEST_ID=malo)["X-Request-ID"])


@pytest.mark.urls("tests.auditoria.urls")
def test_la_vista_audita_con_el_id_y_la_ip_de_la_solicitud(client, analista):
    iniciar_sesion_verificada(client, analista)
    respuesta = client.get("/registrar/", HTTP_X_REQUEST_ID="prueba-00000001",
                           REMOTE_ADDR="198.51.100.20")
    cuerpo = respuesta.json()
    assert cuerpo == {"secuencia": 1, "request_id": "prueba-00000001", "ip": "198.51.100.20",
                      "contexto": "prueba-00000001"}
    assert respuesta["X-Request-ID"] == "prueba-00000001"
    # The request's values do not leak past it.
    assert contexto_actual().request_id is None


@pytest.mark.urls("tests.auditoria.urls")
def test_bajo_asgi_cada_solicitud_ve_su_contexto(async_client):
    import asyncio

    async def dos_solicitudes():
        return await asyncio.gather(
            async_client.get("/contexto-async/", headers={"X-Request-ID": "asgi-req-0000001"}),
            async_client.get("/contexto-async/", headers={"X-Request-ID": "asgi-req-0000002"}),
        )

    primera, segunda = asyncio.run(dos_solicitudes())
    assert primera.json()["request_id"] == primera["X-Request-ID"] == "asgi-req-0000001"
    assert segunda.json()["request_id"] == segunda["X-Request-ID"] == "asgi-req-0000002"
    assert primera.json()["ip"] == "127.0.0.1"


def test_middleware_es_sync_y_async():
    assert ContextoSolicitudMiddleware.sync_capable and ContextoSolicitudMiddleware.async_capable


def _ip(remoto: str | None, reenviado: str | None = None) -> str | None:
    meta = {}
    if reenviado is not None:
        meta["HTTP_X_FORWARDED_FOR"] = reenviado
    request = RequestFactory().get("/", **meta)
    if remoto is None:
        del request.META["REMOTE_ADDR"]
    else:
        request.META["REMOTE_ADDR"] = remoto
    return ip_cliente(request)


def test_sin_proxies_confiables_x_forwarded_for_se_ignora():
    assert _ip("203.0.113.9", "1.2.3.4") == "203.0.113.9"
    assert _ip(None) is None
    assert _ip("no-es-ip") is None
    assert _ip("2001:DB8:0:0::1") == "2001:db8::1"


@override_settings(CGII_PROXIES_CONFIABLES=["10.0.0.1", "172.16.0.0/12"])
def test_desde_proxy_confiable_se_toma_el_primer_salto_no_confiable():
    assert _ip("10.0.0.1", "198.51.100.7") == "198.51.100.7"
    # Two trusted proxies in a row.
    assert _ip("10.0.0.1", "198.51.100.7, 172.16.4.4") == "198.51.100.7"
    # The client wrote a fake leftmost hop: it is never reached.
    assert _ip("10.0.0.1", "1.1.1.1, 198.51.100.7") == "198.51.100.7"
    # Garbage stops the walk at the last address a trusted proxy vouched for.
    assert _ip("10.0.0.1", "basura, 172.16.4.4") == "172.16.4.4"
    # No header: the proxy itself.
    assert _ip("10.0.0.1") == "10.0.0.1"
    # Not from a trusted peer: the header is ignored.
    assert _ip("203.0.113.9", "198.51.100.7") == "203.0.113.9"


@override_settings(CGII_PROXIES_CONFIABLES=["no es una red"])
def test_configuracion_invalida_avisa():
    from django.core.exceptions import ImproperlyConfigured

    with pytest.raises(ImproperlyConfigured):
        _ip("10.0.0.1", "198.51.100.7")
