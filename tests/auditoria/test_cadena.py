"""Canonical form: pure functions, no database."""

import json
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from cgii.auditoria.cadena import HASH_INICIAL, calcular_hash, canonico, momento_canonico


def _fila(**cambios):
    fila = {
        "secuencia": 1,
        "momento": datetime(2026, 3, 1, 12, 30, 0, 123456, tzinfo=UTC),
        "actor_id": 7, "actor_repr": "analista", "accion": "incidente.transicion",
        "objeto_tipo": "incidentes.incidente", "objeto_id": "42", "objeto_repr": "INC-42 Phishing",
        "entidad_id": 3, "antes": {"estado": "reportado"},
        "despues": {"estado": "en_triaje", "prioridad": 1.5},
        "datos": {"nota": "añadida", "n": [1, 10, 100]},
        "request_id": "0f8fad5b-d9cb-469f-a165-70867728950e", "ip": "203.0.113.5",
        "hash_anterior": HASH_INICIAL,
    }
    fila.update(cambios)
    return fila


def test_vector_fijo_protege_el_formato():
    # If this changes, every stored hash in production stops verifying.
    assert canonico(_fila()) == (
        '{"accion":"incidente.transicion","actor_id":7,"actor_repr":"analista",'
        '"antes":{"estado":"reportado"},"datos":{"n":[1,10,100],"nota":"añadida"},'
        '"despues":{"estado":"en_triaje","prioridad":1.5},"entidad_id":3,'
        f'"hash_anterior":"{HASH_INICIAL}","ip":"203.0.113.5",'
        '"momento":"2026-03-01T12:30:00.123456Z","objeto_id":"42",'
        '"objeto_repr":"INC-42 Phishing","objeto_tipo":"incidentes.incidente",'
        '"request_id":"0f8fad5b-d9cb-469f-a165-70867728950e","secuencia":1}'
    ).encode()
    # Same value as `printf %s "<canonical above>" | sha256sum`.
    assert calcular_hash(_fila()) == (
        "22d325c72666612d991818d667fbd47b7c7cebe2fdea53dad2e952b89bf40d96"
    )


def test_momento_en_utc_con_microsegundos():
    la_paz = datetime(2026, 3, 1, 8, 30, tzinfo=ZoneInfo("America/La_Paz"))
    assert momento_canonico(la_paz) == "2026-03-01T12:30:00.000000Z"
    assert calcular_hash(_fila(momento=la_paz)) == calcular_hash(
        _fila(momento=la_paz.astimezone(UTC)))
    with pytest.raises(ValueError):
        momento_canonico(datetime(2026, 3, 1))


@pytest.mark.parametrize("escrito, leido_de_jsonb", [
    (1e16, "10000000000000000"),
    (1e300, "1" + "0" * 300),
    (1.0, "1.0"),
    (1.5, "1.50"),
    (1e-7, "0.0000001"),
    (0.30000000000000004, "0.30000000000000004"),
    (-0.0, "0.0"),
])
def test_numero_igual_tras_pasar_por_jsonb(escrito, leido_de_jsonb):
    # PostgreSQL jsonb prints numerics without exponent; the hash must not care.
    assert canonico(_fila(datos={"x": escrito})) == canonico(
        _fila(datos={"x": json.loads(leido_de_jsonb)}))


def test_orden_de_claves_no_importa_pero_el_contenido_si():
    assert calcular_hash(_fila(antes={"a": 1, "b": 2})) == calcular_hash(
        _fila(antes={"b": 2, "a": 1}))
    assert calcular_hash(_fila(antes={"a": 1})) != calcular_hash(_fila(antes={"a": 2}))
    assert calcular_hash(_fila(antes=None)) != calcular_hash(_fila(antes={}))
    assert calcular_hash(_fila(actor_id=1)) != calcular_hash(_fila(actor_id="1"))


@pytest.mark.parametrize("campo", ["secuencia", "hash_anterior", "request_id", "ip", "entidad_id"])
def test_cada_campo_entra_en_el_hash(campo):
    assert calcular_hash(_fila()) != calcular_hash(_fila(**{campo: None}))


def test_valores_no_json_rechazados():
    with pytest.raises(ValueError):
        canonico(_fila(datos={"x": float("nan")}))
    with pytest.raises(TypeError):
        canonico(_fila(datos={"x": object()}))
