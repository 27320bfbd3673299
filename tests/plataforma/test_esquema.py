"""Issue 16, finding 8: the OpenAPI schema says what the API does (the live contract run is
tests/contrato/; these are fast checks of the schema itself)."""

import pytest
from rest_framework.test import APIClient

pytestmark = pytest.mark.django_db

LISTAS = [
    "/api/v1/incidentes/", "/api/v1/incidentes/{id}/indicadores/",
    "/api/v1/incidentes/{id}/timeline/", "/api/v1/notificaciones/", "/api/v1/pisi/planes/",
    "/api/v1/pisi/planes/{id}/actividades/", "/api/v1/pisi/planes/{id}/evidencias/",
    "/api/v1/pisi/planes/{id}/hallazgos/", "/api/v1/pisi/planes/{id}/historial/",
    "/api/v1/pisi/planes/{id}/periodos/",
    "/api/v1/pisi/planes/{id}/periodos/{periodo_id}/revisiones/",
    "/api/v1/pisi/planes/{id}/periodos/{periodo_id}/snapshot/",
    "/api/v1/pisi/planes/{id}/soa/", "/api/v1/stix/importaciones/", "/api/v1/tokens/",
]


_GENERADO: dict = {}


@pytest.fixture
def esquema(db):
    """Generated once per module, inside a test's transaction."""
    if "esquema" not in _GENERADO:
        r = APIClient().get("/api/schema/?format=json")
        assert r.status_code == 200
        _GENERADO["esquema"] = r.json()
    return _GENERADO["esquema"]


def _resolver(esquema, nodo):
    while "$ref" in nodo:
        nombre = nodo["$ref"].rsplit("/", 1)[1]
        nodo = esquema["components"]["schemas"][nombre]
    return nodo


def test_valida_como_openapi(esquema):
    from drf_spectacular.validation import validate_schema

    validate_schema(esquema)


@pytest.mark.parametrize("ruta", LISTAS)
def test_listas_paginadas(esquema, ruta):
    op = esquema["paths"][ruta]["get"]
    parametros = {p["name"] for p in op.get("parameters", [])}
    assert {"page", "page_size"} <= parametros
    cuerpo = _resolver(esquema, op["responses"]["200"]["content"]["application/json"]["schema"])
    assert {"count", "next", "previous", "results"} <= set(cuerpo["properties"])


def test_cada_operacion_documenta_sus_errores(esquema):
    for ruta, metodos in esquema["paths"].items():
        for metodo, op in metodos.items():
            if metodo not in ("get", "post", "put", "patch", "delete"):
                continue
            codigos = set(op["responses"])
            assert {"400", "401", "403", "404"} <= codigos, (metodo, ruta)
            if metodo != "get":
                assert {"409", "413", "415"} <= codigos, (metodo, ruta)
            error = op["responses"]["404"]["content"]["application/json"]["schema"]
            assert set(_resolver(esquema, error)["properties"]) == {"message", "extra"}


def test_valores_que_la_api_acepta(esquema):
    enums = esquema["components"]["schemas"]
    assert "autocerrar" not in enums["TransicionIncidenteEnum"]["enum"]
    assert "reemplazar" not in enums["TransicionPlanEnum"]["enum"]
    assert set(enums["AccionEvidenciaPisiEnum"]["enum"]) == {"presentar", "aprobar", "rechazar"}
    reporte = esquema["paths"]["/api/v1/incidentes/"]["post"]["requestBody"]["content"]
    cuerpo = _resolver(esquema, reporte["application/json"]["schema"])
    assert "entidad" in cuerpo["required"]
    feed = {p["name"]: p["schema"] for p in
            esquema["paths"]["/api/v1/stix/feed/"]["get"]["parameters"]}
    assert feed["limite"]["minimum"] == 1 and feed["desde"]["format"] == "date-time"


def test_404_de_la_api_en_json(analista):
    from tests.entidades.sesiones import ingresar

    r = ingresar(APIClient(), analista).get("/api/v1/incidentes/no-es-un-id/")
    assert r.status_code == 404 and set(r.json()) == {"message", "extra"}
