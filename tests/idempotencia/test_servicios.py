"""The purge, the periodic jobs and the OpenAPI description."""

from datetime import timedelta

import pytest
import yaml
from django.utils import timezone

from cgii.idempotencia.models import ClaveIdempotencia
from cgii.idempotencia.services import claves_purgar

pytestmark = pytest.mark.django_db


def _fila(usuario, clave, edad):
    return ClaveIdempotencia.objects.create(
        usuario=usuario, clave=clave, huella="0" * 64, metodo="POST", ruta="/api/v1/x/",
        codigo=201, cuerpo="{}", creado=timezone.now() - edad)


def test_la_purga_borra_solo_las_vencidas(reportante_a, rsi_a):
    vieja = _fila(reportante_a, "vieja", timedelta(hours=24, minutes=5))
    muy_vieja = _fila(rsi_a, "muy-vieja", timedelta(days=9))
    vigentes = [_fila(reportante_a, "reciente", timedelta(hours=23, minutes=55)),
                _fila(rsi_a, "ahora", timedelta(0))]
    assert claves_purgar() == 2
    restantes = set(ClaveIdempotencia.objects.values_list("pk", flat=True))
    assert restantes == {f.pk for f in vigentes}
    assert not ClaveIdempotencia.objects.filter(pk__in=[vieja.pk, muy_vieja.pk]).exists()
    assert claves_purgar() == 0


def test_la_purga_esta_declarada_una_vez_para_beat_y_el_ticker():
    from cgii import periodicas
    from cgii.idempotencia.periodicas import PURGA_CADA_SEGUNDOS

    declarada = {p.nombre: p for p in periodicas.declaradas()}["idempotencia.purgar"]
    assert declarada.cada_segundos == PURGA_CADA_SEGUNDOS
    assert declarada.funcion == "cgii.idempotencia.services.claves_purgar"


# POSTs that take no key, and why (docs/api.md).
SIN_CLAVE = {
    "/api/v1/tokens/": "the response carries the token's secret, never stored",
    "/api/v1/notificaciones/leidas/": "idempotent by nature",
    "/api/v1/indicadores/buscar/": "read-only lookup",
    "/api/v1/incidentes/{id}/indicadores/extraer/": "read-only",
    "/api/v1/busqueda/": "read-only IOC lookup",
    "/api/v1/fuentes/eventos/": "IntelMQ batches de-duplicated by feed, host, identifier, day",
}


def test_el_esquema_documenta_la_clave_en_cada_post_que_escribe(client):
    esquema = yaml.safe_load(client.get("/api/schema/").content)
    con_clave = set()
    for ruta, operaciones in esquema["paths"].items():
        for metodo, operacion in operaciones.items():
            nombres = {p["name"] for p in operacion.get("parameters", [])
                       if p["in"] == "header"}
            if "Idempotency-Key" in nombres:
                assert metodo == "post", ruta
                con_clave.add(ruta)
                assert {"409", "422"} <= set(operacion["responses"])
                exitos = [c for c in operacion["responses"] if c.startswith("2")]
                assert all("Idempotent-Replayed" in operacion["responses"][c]["headers"]
                           for c in exitos)
            elif metodo == "post":
                assert ruta in SIN_CLAVE, f"POST {ruta} sin Idempotency-Key"
    # 25, plus the PISI risk register's POSTs (assets, risks, the MAE's acceptance) and the
    # review's (an observation, its answer, CGII's verdict on the answer) and the XLSX import,
    # then the console's (bulk actions, the merge into a master, an analyst's own task).
    assert {"/api/v1/incidentes/", "/api/v1/incidentes/lote/",
            "/api/v1/incidentes/{id}/fusion/"} <= con_clave
    assert len(con_clave) == 35, sorted(con_clave)
    assert esquema["components"]["schemas"]["Error"]["required"] == ["extra", "message"]
