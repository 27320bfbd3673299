"""Issue 16, finding 3: hostile input answers a clear 4xx with a Spanish message, never a 500
nor a traceback. One test per input the outside test found (cgii/entrada.py is the central
layer: NUL bytes and deep JSON refused for every endpoint, oversized bodies 413, values the
database refuses 400)."""

import json

import pytest
from asgiref.testing import ApplicationCommunicator
from django.test import Client
from rest_framework.test import APIClient

from incidentes.models import Tarea
from tests.entidades.sesiones import ingresar
from tests.factories import CLAVE
from tests.incidentes.utiles import clasificar, reportar
from tests.planes_seguridad.utiles import crear_plan

pytestmark = pytest.mark.django_db


def _cliente(usuario, clase=APIClient):
    c = clase(raise_request_exception=False)
    return ingresar(c, usuario)


def _claro(r, estado=400):
    """A 4xx with the API's error body, a Spanish message and no traceback."""
    assert r.status_code == estado, (r.status_code, r.content[:300])
    cuerpo = r.json()
    assert set(cuerpo) == {"message", "extra"}
    assert cuerpo["message"] and "Traceback" not in r.content.decode()
    return cuerpo


@pytest.fixture
def analista_api(analista):
    return _cliente(analista)


@pytest.mark.parametrize("url", [
    "/api/v1/busqueda/?q=%00",
    "/api/v1/incidentes/?estado=%00",
    "/api/v1/incidentes/?q=a%00b",
    "/api/v1/pisi/planes/?estado=x%00",
])
def test_nul_en_parametros_de_consulta(analista_api, url):
    cuerpo = _claro(analista_api.get(url))
    assert "nulo" in cuerpo["message"]


def test_nul_en_parametros_de_una_pagina(analista):
    r = _cliente(analista, Client).get("/busqueda/?q=%00")
    assert r.status_code == 400 and b"Traceback" not in r.content
    assert "nulo" in r.content.decode()


def test_nul_en_formulario_de_una_pagina(catalogos, analista, reportante_a, entidad_a):
    incidente = reportar(reportante_a, entidad_a)
    r = _cliente(analista, Client).post(f"/incidentes/{incidente.pk}/accion/indicadores_pegar/",
                                        {"valores": "malo\x00.example"})
    assert r.status_code == 400 and "nulo" in r.content.decode()


def test_nul_en_cadenas_json(rsi_a, entidad_a):
    from planes_seguridad import cargador

    cargador.cargar_todo()
    plan = crear_plan(rsi_a, entidad_a)
    r = _cliente(rsi_a).patch(f"/api/v1/pisi/planes/{plan.pk}/",
                              {"inventario_activos": [{"nombre": "x\u0000"}]}, format="json")
    cuerpo = _claro(r)
    assert "nulo" in cuerpo["message"]


def test_nul_en_la_consulta_de_indicadores(analista_api):
    r = analista_api.post("/api/v1/indicadores/buscar/", {"valores": ["1.2.3.4\u0000"]},
                          format="json")
    _claro(r)


@pytest.mark.parametrize("url", [
    "/api/v1/busqueda/?anio=99999999999999999999",
    "/api/v1/pisi/planes/?gestion=99999999999999999999",
    "/api/v1/incidentes/?entidad=99999999999999999999",
])
def test_numeros_fuera_de_rango(analista_api, url):
    r = analista_api.get(url)
    if r.status_code == 200:       # compared as numeric: nothing matches
        assert r.json()["results"] == [] if "results" in r.json() else True
    else:
        _claro(r)


def test_numero_fuera_de_rango_en_una_pagina(analista):
    r = _cliente(analista, Client).get("/pisi/?gestion=99999999999999999999")
    assert r.status_code in (200, 400) and b"Traceback" not in r.content


@pytest.mark.parametrize("url", [
    "/api/v1/incidentes/?desde=2026-13-45",
    "/api/v1/incidentes/?hasta=0000-00-00",
    "/api/v1/stix/feed/?hasta=0000-00-00",
    "/api/v1/stix/feed/?desde=2026-13-45",
])
def test_fechas_imposibles(analista_api, url):
    cuerpo = _claro(analista_api.get(url))
    assert "Fecha" in json.dumps(cuerpo, ensure_ascii=False)


def test_json_anidado_5000_niveles(analista_api, catalogos, reportante_a, entidad_a):
    cuerpo = "[" * 5000 + "]" * 5000
    for url in ("/api/v1/incidentes/", "/api/v1/indicadores/buscar/",
                "/api/v1/notificaciones/leidas/"):
        r = analista_api.post(url, cuerpo, content_type="application/json")
        assert "anidado" in _claro(r)["message"]


def test_fk_a_una_fila_inexistente(catalogos, analista, reportante_a, entidad_a):
    incidente = reportar(reportante_a, entidad_a)
    clasificar(incidente, analista)
    tarea = Tarea.objects.filter(incidente=incidente).first()
    r = _cliente(analista).patch(f"/api/v1/incidentes/{incidente.pk}/tareas/{tarea.pk}/",
                                 {"asignado_id": 987654}, format="json")
    assert r.status_code in (400, 404)
    _claro(r, r.status_code)


def test_next_invalido_estando_dentro(reportante_a):
    c = Client(raise_request_exception=False)
    c.force_login(reportante_a)
    r = c.get("/cuenta/ingresar/?next=abc")
    assert r.status_code == 302 and r["Location"] == "/"


def test_next_invalido_al_ingresar(reportante_a):
    c = Client(raise_request_exception=False)
    r = c.post("/cuenta/ingresar/?next=abc", {"username": "reportante_a",
                                              "password": CLAVE, "next": "abc"})
    assert r.status_code == 302 and r["Location"] == "/"
    r = c.get("/cuenta/ingresar/?next=/incidentes/")
    assert r["Location"] == "/incidentes/"


def test_json_sobre_el_limite_da_413_json(settings, analista_api):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    cuerpo = json.dumps({"valores": ["x" * 2000]})
    r = analista_api.post("/api/v1/indicadores/buscar/", cuerpo,
                          content_type="application/json")
    assert _claro(r, 413)["extra"]["maximo_bytes"] == 1000
    r = analista_api.post("/api/v1/indicadores/buscar/", cuerpo,
                          content_type="application/json", HTTP_IDEMPOTENCY_KEY="k-1")
    _claro(r, 413)


async def _asgi(metodo: str, ruta: str, cabeceras: list, trozos: list[bytes]) -> tuple:
    from cgii.asgi import application

    alcance = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1",
               "method": metodo, "scheme": "http", "path": ruta, "raw_path": ruta.encode(),
               "query_string": b"", "root_path": "", "headers": cabeceras,
               "client": ("127.0.0.1", 5000), "server": ("testserver", 80)}
    com = ApplicationCommunicator(application, alcance)
    for i, trozo in enumerate(trozos):
        await com.send_input({"type": "http.request", "body": trozo,
                              "more_body": i < len(trozos) - 1})
    inicio = await com.receive_output(30)
    cuerpo = b""
    while True:
        parte = await com.receive_output(30)
        cuerpo += parte.get("body", b"")
        if not parte.get("more_body"):
            break
    return inicio["status"], cuerpo


@pytest.mark.django_db(transaction=True)
def test_subida_fragmentada_sin_content_length_sobre_el_limite(settings, catalogos,
                                                               reportante_a, entidad_a):
    from asgiref.sync import async_to_sync
    from django.test import Client as C

    settings.EVIDENCIA_TAMANO_MAXIMO = 10_000
    incidente = reportar(reportante_a, entidad_a)
    c = C()
    c.force_login(reportante_a)
    sesion = c.cookies["sessionid"].value
    limite = b"----frontera"
    partes = [b"--" + limite + b"\r\nContent-Disposition: form-data; name=\"archivo\"; "
              b"filename=\"grande.txt\"\r\nContent-Type: text/plain\r\n\r\n"]
    partes += [b"a" * 10_000] * 3
    partes += [b"\r\n--" + limite + b"--\r\n"]
    csrf = "a" * 32
    cabeceras = [(b"host", b"testserver"),
                 (b"cookie", f"sessionid={sesion}; csrftoken={csrf}".encode()),
                 (b"x-csrftoken", csrf.encode()),
                 (b"content-type", b"multipart/form-data; boundary=" + limite),
                 (b"transfer-encoding", b"chunked")]
    estado, cuerpo = async_to_sync(_asgi)("POST", f"/api/v1/incidentes/{incidente.pk}/evidencias/",
                                          cabeceras, partes)
    assert estado == 413, cuerpo[:300]
    assert json.loads(cuerpo)["extra"]["maximo_bytes"] == 10_000


@pytest.mark.parametrize("valores", [-231471, {"a": 1}, [1, 2], True])
def test_busqueda_ioc_con_valores_que_no_son_texto(analista_api, valores):
    """Found by the schemathesis contract run: a number in «valores» was a 500."""
    r = analista_api.post("/api/v1/busqueda/", {"valores": valores}, format="json")
    assert "valores" in _claro(r)["extra"]
