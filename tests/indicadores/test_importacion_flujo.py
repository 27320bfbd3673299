"""The streamed import (the task on PostgreSQL, services/flujo.py): bundles larger than a
batch, values repeated across batches, references between batches, idempotence, malformed
JSON or bad objects mid-stream (all or nothing), late TLP markings, and a number of queries
that depends on the batches, never on the objects."""

import pytest
from django.conf import settings as ajustes
from django.db import connection
from django.test.utils import CaptureQueriesContext

from incidentes.indicadores import services, stix
from incidentes.indicadores.models import (
    ImportacionSTIX,
    Indicador,
    IndicadorIncidente,
    ObjetoSTIX,
)
from incidentes.models import EntradaTimeline

from .utiles import CREADO, TLP2_AMBER, TLP2_RED, bundle, indicador, json_de, nuevo_id, sco

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(not ajustes.ES_POSTGRES,
                       reason="streaming with COPY and session tables: PostgreSQL only"),
]


@pytest.fixture
def en_flujo(settings):
    """Every bundle goes to the task and is streamed, in batches of 100 objects."""
    settings.INDICADORES_STIX_FLUJO_DESDE_BYTES = 0
    settings.INDICADORES_STIX_LOTE = 100
    settings.INDICADORES_STIX_PROGRESO_SEGUNDOS = 0


def importar(actor, contenido: bytes, capturar, **extra) -> ImportacionSTIX:
    with capturar(execute=False):
        imp = services.stix_importar(actor=actor, contenido=contenido, **extra)
    assert imp.estado == "pendiente" and imp.total_objetos == 0   # counted by the task
    services.stix_importar_procesar(imp.pk)
    imp.refresh_from_db()
    return imp


def dominios(n: int, desde: int = 0, **extra) -> list[dict]:
    return [indicador(f"[domain-name:value = 'D{i}.Flujo.Example']", **extra)
            for i in range(desde, desde + n)]


def test_bundle_mayor_que_un_lote(analista, en_flujo, django_capture_on_commit_callbacks):
    ip = sco("ipv4-addr", value="198.51.100.7")
    repetido_verde = indicador("[domain-name:value = 'repetido.example']",
                               object_marking_refs=[stix.TLP2_IDS["green"]])
    repetido_rojo = indicador("[domain-name:value = 'Repetido.Example']",
                              object_marking_refs=[TLP2_RED])
    observado = {"type": "observed-data", "spec_version": "2.1",
                 "id": nuevo_id("observed-data"), "created": CREADO, "modified": CREADO,
                 "first_observed": "2025-01-01T00:00:00Z",
                 "last_observed": "2026-06-01T00:00:00Z", "number_observed": 2,
                 "object_refs": [ip["id"]]}
    # ip in batch 1, the red repetition and the observation in batch 4.
    objetos = [stix.marking_tlp("red"), ip, repetido_verde, *dominios(300), repetido_rojo,
               observado]
    imp = importar(analista, json_de(bundle(*objetos)), django_capture_on_commit_callbacks)
    assert imp.estado == "completada", imp.mensaje
    assert imp.total_objetos == imp.procesados == len(objetos) == 305
    assert imp.contadores["indicadores_nuevos"] == 302
    assert Indicador.objects.count() == 302 and ObjetoSTIX.objects.count() == 305
    assert Indicador.objects.get(valor="repetido.example").tlp == "red"
    visto = Indicador.objects.get(valor="198.51.100.7")
    assert (visto.primera_vez.year, visto.ultima_vez.month) == (2025, 6)
    assert ObjetoSTIX.objects.get(stix_id=repetido_rojo["id"]).indicador.valor == \
        "repetido.example"


def test_reimportar_el_mismo_bundle_no_crea_nada(analista, en_flujo,
                                                 django_capture_on_commit_callbacks):
    contenido = json_de(bundle(*dominios(250)))
    primera = importar(analista, contenido, django_capture_on_commit_callbacks)
    ids = set(Indicador.objects.values_list("id", flat=True))
    segunda = importar(analista, contenido, django_capture_on_commit_callbacks)
    assert primera.contadores["indicadores_nuevos"] == 250
    assert segunda.estado == "completada"
    assert segunda.contadores["indicadores_nuevos"] == 0
    assert segunda.contadores["indicadores_existentes"] == 250
    assert set(Indicador.objects.values_list("id", flat=True)) == ids
    assert ObjetoSTIX.objects.filter(importacion=segunda).count() == 250


def test_json_roto_a_mitad_del_flujo_no_deja_nada(analista, en_flujo,
                                                 django_capture_on_commit_callbacks):
    entero = json_de(bundle(*dominios(250)))
    # Cut inside object 230 (batch 3): batches 1 and 2 were valid and already written;
    # the message names the first object that could not be read.
    corte = entero.index(b"D230.Flujo")
    roto = entero[:corte] + b"\x01 sin cerrar"
    imp = importar(analista, roto, django_capture_on_commit_callbacks)
    assert imp.estado == "fallida"
    assert "no es JSON válido a partir del objeto 230" in imp.mensaje
    assert not Indicador.objects.exists() and not ObjetoSTIX.objects.exists()


def test_json_roto_al_principio_es_un_400(analista, en_flujo):
    from cgii.errores import ErrorValidacion

    with pytest.raises(ErrorValidacion, match="no es JSON válido"):
        services.stix_importar(actor=analista, contenido=b'{"type": "bundle", "id": ')
    with pytest.raises(ErrorValidacion, match="STIX 2.0"):
        services.stix_importar(actor=analista, contenido=json_de(
            {"type": "bundle", "id": nuevo_id("bundle"), "spec_version": "2.0",
             "objects": []}))
    assert not ImportacionSTIX.objects.exists()


def test_objeto_malo_en_un_lote_tardio_rechaza_todo(analista, incidente, en_flujo,
                                                   django_capture_on_commit_callbacks):
    services.indicador_agregar(actor=analista, incidente_id=incidente.pk,
                               valor="d5.flujo.example")
    previo = Indicador.objects.get(valor="d5.flujo.example")
    objetos = dominios(250)
    observado = {"type": "observed-data", "spec_version": "2.1",
                 "id": nuevo_id("observed-data"), "created": CREADO, "modified": CREADO,
                 "first_observed": "2001-01-01T00:00:00Z",
                 "last_observed": "2001-01-02T00:00:00Z", "number_observed": 1,
                 "object_refs": [objetos[5]["id"]]}
    objetos.insert(6, observado)
    objetos[240]["pattern"] = "[roto"
    imp = importar(analista, json_de(bundle(*objetos)), django_capture_on_commit_callbacks)
    assert imp.estado == "rechazada"
    assert imp.total_errores == 1 and imp.errores[0]["indice"] == 240
    assert list(Indicador.objects.values_list("id", flat=True)) == [previo.pk]
    assert not ObjetoSTIX.objects.exists()
    previo_despues = Indicador.objects.get(pk=previo.pk)
    assert previo_despues.primera_vez == previo.primera_vez      # untouched


def test_solo_validos_guarda_el_resto(analista, en_flujo, django_capture_on_commit_callbacks):
    objetos = dominios(250)
    objetos[150]["pattern"] = "[roto"
    imp = importar(analista, json_de(bundle(*objetos)), django_capture_on_commit_callbacks,
                   solo_validos=True)
    assert imp.estado == "completada" and imp.total_errores == 1
    assert Indicador.objects.count() == 249 and ObjetoSTIX.objects.count() == 249


def test_marca_tlp_definida_despues_de_usarla(analista, en_flujo,
                                              django_capture_on_commit_callbacks):
    propia = {"type": "marking-definition", "spec_version": "2.1",
              "id": nuevo_id("marking-definition"), "created": CREADO,
              "definition_type": "tlp", "definition": {"tlp": "red"}}
    objetos = dominios(150, object_marking_refs=[propia["id"]])
    objetos.append(propia)               # batch 2 defines what batch 1 used
    imp = importar(analista, json_de(bundle(*objetos)), django_capture_on_commit_callbacks)
    assert imp.estado == "completada"
    assert set(Indicador.objects.values_list("tlp", flat=True)) == {"red"}
    assert ObjetoSTIX.objects.count() == 151


def test_importacion_en_un_incidente(incidente, reportante_a, en_flujo,
                                     django_capture_on_commit_callbacks):
    avistamiento = {"type": "sighting", "spec_version": "2.1", "id": nuevo_id("sighting"),
                    "created": CREADO, "modified": CREADO, "count": 9}
    objetos = dominios(220, object_marking_refs=[TLP2_AMBER])
    avistamiento["sighting_of_ref"] = objetos[3]["id"]      # batch 1; the sighting in 3
    objetos.append(avistamiento)
    imp = importar(reportante_a, json_de(bundle(*objetos)), django_capture_on_commit_callbacks,
                   incidente_id=incidente.pk)
    assert imp.estado == "completada" and imp.contadores["vinculados"] == 220
    assert IndicadorIncidente.objects.filter(incidente=incidente).count() == 220
    vinculo = IndicadorIncidente.objects.get(incidente=incidente,
                                             indicador__valor="d3.flujo.example")
    assert vinculo.conteo == 1 + 9
    entradas = EntradaTimeline.objects.filter(incidente=incidente,
                                              datos__importacion=imp.pk)
    assert entradas.count() == 1 and entradas.get().datos["total"] == 220


def _consultas(analista, n: int, lote: int, settings, capturar) -> int:
    settings.INDICADORES_STIX_LOTE = lote
    Indicador.objects.all().delete()
    with capturar(execute=False):
        imp = services.stix_importar(actor=analista,
                                     contenido=json_de(bundle(*dominios(n, desde=n))))
    with CaptureQueriesContext(connection) as consultas:
        services.stix_importar_procesar(imp.pk)
    imp.refresh_from_db()
    assert imp.estado == "completada" and imp.contadores["indicadores_nuevos"] == n
    return len(consultas.captured_queries)


def test_consultas_por_lote_no_por_objeto(analista, en_flujo, settings,
                                          django_capture_on_commit_callbacks):
    # Same number of batches, twice the objects: the same number of queries.
    cuatro_lotes = _consultas(analista, 400, 100, settings, django_capture_on_commit_callbacks)
    assert _consultas(analista, 800, 200, settings,
                      django_capture_on_commit_callbacks) == cuatro_lotes
    # Twice the batches: a constant number more per batch.
    ocho_lotes = _consultas(analista, 800, 100, settings, django_capture_on_commit_callbacks)
    doce_lotes = _consultas(analista, 1200, 100, settings, django_capture_on_commit_callbacks)
    por_lote = (doce_lotes - ocho_lotes) / 4
    # 13: the existence query is counted since it runs on the Django cursor (it ran on a
    # raw psycopg cursor of a helper thread before, invisible here; same statements).
    assert por_lote == (ocho_lotes - cuatro_lotes) / 4 and por_lote <= 13
