"""STIX 2.1 import: what is interpreted, TLP aliases, the bad-bundle report (nothing
imported), 'solo_validos', STIX 2.0 refused, size limit, incident target, async task."""

import pytest

from cgii.errores import ArchivoDemasiadoGrande, ErrorValidacion, NoEncontrado, PermisoDenegado
from cgii.eventos.grupos import grupo_usuario
from cgii.eventos.models import Evento
from incidentes.indicadores import services, stix
from incidentes.indicadores.models import (
    ImportacionSTIX,
    Indicador,
    IndicadorIncidente,
    ObjetoSTIX,
)
from incidentes.models import EntradaTimeline

from .utiles import (
    CREADO,
    TLP1_GREEN,
    TLP1_WHITE,
    TLP2_AMBER,
    TLP2_RED,
    bundle,
    indicador,
    json_de,
    nuevo_id,
    sco,
)

pytestmark = pytest.mark.django_db


def bundle_completo():
    ip = sco("ipv4-addr", value="45.33.32.156")
    archivo = sco("file", hashes={"MD5": "0CC175B9C0F1B6A831C399E269772661",
                                  "SHA-256": "CA978112CA1BBDCAFAC231B39A23DC4DA786EFF8147C4E72B98"
                                             "07785AFEE48BB"}, name="a.exe")
    observado = {"type": "observed-data", "spec_version": "2.1", "id": nuevo_id("observed-data"),
                 "created": CREADO, "modified": CREADO, "first_observed": "2026-02-01T00:00:00Z",
                 "last_observed": "2026-02-03T00:00:00Z", "number_observed": 4,
                 "object_refs": [ip["id"], archivo["id"]]}
    ind_dominio = indicador("[domain-name:value = 'C2.Malo.Example']",
                            object_marking_refs=[TLP1_GREEN], confidence=70, name="C2")
    ind_ip = indicador("[ipv4-addr:value = '45.33.32.156']", object_marking_refs=[TLP2_AMBER])
    ind_complejo = indicador("[network-traffic:dst_port = 4444] AND "
                             "[ipv4-addr:value = '203.0.113.5']",
                             object_marking_refs=[TLP2_RED, TLP1_WHITE])
    avistamiento = {"type": "sighting", "spec_version": "2.1", "id": nuevo_id("sighting"),
                    "created": CREADO, "modified": CREADO, "sighting_of_ref": ind_dominio["id"],
                    "first_seen": "2026-01-15T10:00:00Z", "last_seen": "2026-02-20T10:00:00Z",
                    "count": 7}
    identidad = {"type": "identity", "spec_version": "2.1", "id": nuevo_id("identity"),
                 "created": CREADO, "modified": CREADO, "name": "CSIRT amigo",
                 "identity_class": "organization"}
    relacion = {"type": "relationship", "spec_version": "2.1", "id": nuevo_id("relationship"),
                "created": CREADO, "modified": CREADO, "relationship_type": "indicates",
                "source_ref": ind_dominio["id"], "target_ref": nuevo_id("malware")}
    personalizado = {"type": "x-cgii-prueba", "spec_version": "2.1", "id": nuevo_id("x-cgii-prueba"),
                     "created": CREADO, "modified": CREADO, "x_dato": 1}
    sigma = indicador("title: algo", pattern_type="sigma")
    marca_tlp1 = {"type": "marking-definition", "spec_version": "2.1", "id": TLP1_GREEN,
                  "created": "2017-01-20T00:00:00.000Z", "definition_type": "tlp",
                  "name": "TLP:GREEN", "definition": {"tlp": "green"}}
    return bundle(marca_tlp1, stix.marking_tlp("amber"), identidad, ind_dominio, ind_ip,
                  ind_complejo, ip, archivo, observado, avistamiento, relacion, personalizado,
                  sigma)


def test_importa_e_interpreta(analista):
    b = bundle_completo()
    imp = services.stix_importar(actor=analista, contenido=json_de(b), nombre_archivo="x.json")
    assert imp.estado == "completada" and imp.progreso == 100 and imp.total_errores == 0
    valores = dict(Indicador.objects.values_list("valor", "tlp"))
    assert valores == {
        "c2.malo.example": "green",          # TLP 1.0 GREEN id → green
        "45.33.32.156": "amber",
        "[network-traffic:dst_port = 4444] AND [ipv4-addr:value = '203.0.113.5']": "red",
        "0cc175b9c0f1b6a831c399e269772661": "amber",   # SCO without marking → default
        "ca978112ca1bbdcafac231b39a23dc4da786eff8147c4e72b9807785afee48bb": "amber",
    }
    c2 = Indicador.objects.get(valor="c2.malo.example")
    assert (c2.confianza, c2.nombre, c2.origen) == (70, "C2", "importacion")
    assert c2.primera_vez.isoformat().startswith("2026-01-15")        # from the sighting
    assert c2.ultima_vez.isoformat().startswith("2026-02-20")
    ip = Indicador.objects.get(valor="45.33.32.156")
    assert ip.primera_vez.isoformat().startswith("2026-02-01")        # from observed-data
    # Every object kept as received; unknown/custom ones are not interpreted.
    assert ObjetoSTIX.objects.filter(importacion=imp).count() == len(b["objects"])
    no = set(ObjetoSTIX.objects.filter(interpretado=False).values_list("tipo", flat=True))
    assert no == {"identity", "relationship", "x-cgii-prueba", "indicator"}   # sigma: raw
    crudo = ObjetoSTIX.objects.get(stix_id=b["objects"][3]["id"])
    assert crudo.indicador == c2 and crudo.datos is None    # represented by the Indicador
    assert ObjetoSTIX.objects.get(tipo="x-cgii-prueba").datos["x_dato"] == 1
    import hashlib

    from django.conf import settings

    guardado = (settings.ARCHIVOS_PRIVADOS_DIR / imp.ruta).read_bytes()
    assert hashlib.sha256(guardado).hexdigest() == imp.sha256
    assert imp.contadores["indicadores_nuevos"] == 5 and imp.contadores["vinculados"] == 0
    # Sinks (the search index) and the user's other tabs hear that it finished.
    fin = Evento.objects.filter(tipo="stix.importacion.progreso").latest("id")
    assert fin.datos["estado"] == "completada" and fin.datos["importacion"] == imp.pk
    # Importing again: same rows, nothing new.
    imp2 = services.stix_importar(actor=analista, contenido=json_de(b))
    assert imp2.contadores["indicadores_nuevos"] == 0
    assert Indicador.objects.count() == 5


def test_bundle_con_errores_da_informe_y_no_importa_nada(analista):
    malos = [
        indicador("[ipv4-addr:value = '1.2.3.4'"),                      # bad pattern
        indicador("[ipv4-addr:value = '300.1.1.1']"),                    # bad value
        {**indicador("[domain-name:value = 'ok.example']"), "valid_from": "ayer"},
        {**indicador("[domain-name:value = 'ok2.example']"), "confidence": 150},
        {"type": "indicator", "id": "indicator--no-es-uuid"},
        sco("ipv4-addr"),                                                 # no value
        {**sco("domain-name", value="ok3.example"), "spec_version": "2.0"},
        "no es un objeto",
    ]
    buenos = [indicador("[domain-name:value = 'bueno.example']"),
              sco("ipv4-addr", value="45.33.32.156")]
    b = bundle(buenos[0], *malos, buenos[1])
    with pytest.raises(ErrorValidacion) as exc:
        services.stix_importar(actor=analista, contenido=json_de(b))
    informe = exc.value.extra["errores"]
    assert [e["indice"] for e in informe] == list(range(1, 9))
    assert informe[0]["id"] == malos[0]["id"] and informe[0]["tipo"] == "indicator"
    assert "Patrón STIX no válido" in informe[0]["motivo"]
    assert "valid_from" in informe[2]["motivo"] and "confidence" in informe[3]["motivo"]
    assert "2.0" in informe[6]["motivo"] and informe[7]["id"] is None
    assert exc.value.extra["total_errores"] == 8
    # Nothing imported, but the rejected import and its report are kept.
    assert not Indicador.objects.exists() and not ObjetoSTIX.objects.exists()
    imp = ImportacionSTIX.objects.get(pk=exc.value.extra["importacion"])
    assert imp.estado == "rechazada" and imp.total_errores == 8 and len(imp.errores) == 8

    imp = services.stix_importar(actor=analista, contenido=json_de(b), solo_validos=True)
    assert imp.estado == "completada" and imp.total_errores == 8
    assert set(Indicador.objects.values_list("valor", flat=True)) == {"bueno.example",
                                                                      "45.33.32.156"}
    assert ObjetoSTIX.objects.filter(importacion=imp).count() == 2


@pytest.mark.parametrize("contenido", [
    b'{"type": "bundle", "id": "bundle--6b7c0f4c-7d7e-4a8c-9b5e-4c2f3a1d0e9f", '
    b'"spec_version": "2.0", "objects": []}',
    json_de(bundle({k: v for k, v in indicador("[ipv4-addr:value = '1.2.3.4']").items()
                    if k != "spec_version"})),
])
def test_stix_20_se_rechaza_con_mensaje_claro(analista, contenido):
    with pytest.raises(ErrorValidacion) as exc:
        services.stix_importar(actor=analista, contenido=contenido)
    assert "2.0" in exc.value.message and "2.1" in exc.value.message


@pytest.mark.parametrize("contenido", [b"no json", b"[]", b'{"type": "indicator"}',
                                       b'{"type": "bundle", "id": "bundle--x", "objects": []}'])
def test_documentos_que_no_son_bundles(analista, contenido):
    with pytest.raises(ErrorValidacion):
        services.stix_importar(actor=analista, contenido=contenido)


def test_tamano_maximo(analista, settings):
    settings.INDICADORES_STIX_MAX_BYTES = 100
    with pytest.raises(ArchivoDemasiadoGrande):
        services.stix_importar(actor=analista, contenido=json_de(bundle_completo()))
    assert not ImportacionSTIX.objects.exists()


def test_marca_tlp_definida_en_el_bundle(analista):
    propia = {"type": "marking-definition", "spec_version": "2.1",
              "id": nuevo_id("marking-definition"), "created": CREADO, "name": "TLP:CLEAR",
              "extensions": {stix.EXTENSION_TLP2: {"extension_type": "property-extension",
                                                   "tlp_2_0": "clear"}}}
    contradictoria = {**stix.marking_tlp("red"), "extensions": {stix.EXTENSION_TLP2: {
        "extension_type": "property-extension", "tlp_2_0": "green"}}}
    b = bundle(propia, indicador("[domain-name:value = 'libre.example']",
                                 object_marking_refs=[propia["id"]]))
    services.stix_importar(actor=analista, contenido=json_de(b))
    assert Indicador.objects.get(valor="libre.example").tlp == "clear"
    with pytest.raises(ErrorValidacion) as exc:
        services.stix_importar(actor=analista, contenido=json_de(bundle(contradictoria)))
    assert "TLP:RED" in exc.value.extra["errores"][0]["motivo"]


def test_entidad_importa_en_su_incidente(incidente, reportante_a, reportante_b, analista):
    services.indicador_agregar(actor=analista, incidente_id=incidente.pk,
                               valor="ya-estaba.example")
    previo = Indicador.objects.get(valor="ya-estaba.example")
    b = bundle_completo()
    # A sighting of an indicator that is not in the bundle but already in our store.
    b["objects"].append({"type": "sighting", "spec_version": "2.1", "id": nuevo_id("sighting"),
                         "created": CREADO, "modified": CREADO,
                         "sighting_of_ref": previo.stix_id, "count": 3})
    with pytest.raises(PermisoDenegado):
        services.stix_importar(actor=reportante_a, contenido=json_de(b))
    with pytest.raises(NoEncontrado):
        services.stix_importar(actor=reportante_b, contenido=json_de(b),
                               incidente_id=incidente.pk)
    imp = services.stix_importar(actor=reportante_a, contenido=json_de(b),
                                 incidente_id=incidente.pk)
    assert imp.entidad_id == incidente.entidad_id and imp.contadores["vinculados"] == 5
    vinculos = {v.indicador.valor: v for v in IndicadorIncidente.objects.filter(
        incidente=incidente).select_related("indicador")}
    assert len(vinculos) == 6
    assert vinculos["c2.malo.example"].conteo == 7 and vinculos["c2.malo.example"].rol == \
        "malicioso"
    assert vinculos["0cc175b9c0f1b6a831c399e269772661"].rol == "relacionado"
    entrada = EntradaTimeline.objects.filter(incidente=incidente).latest("id")
    assert entrada.datos["importacion"] == imp.pk and entrada.visible_entidad


def test_importacion_grande_como_tarea_con_progreso(analista, settings,
                                                    django_capture_on_commit_callbacks):
    from incidentes.indicadores.services import stix_importar_procesar

    settings.INDICADORES_STIX_ASINCRONO_DESDE = 50
    settings.INDICADORES_STIX_LOTE = 100
    settings.INDICADORES_STIX_PROGRESO_SEGUNDOS = 0      # every batch (default: ≥ 0.5 s apart)
    objetos = [indicador(f"[ipv4-addr:value = '45.33.{i // 200}.{i % 200 + 1}']")
               for i in range(400)]
    with django_capture_on_commit_callbacks(execute=False) as llamadas:
        imp = services.stix_importar(actor=analista, contenido=json_de(bundle(*objetos)))
    assert imp.estado == "pendiente" and imp.ruta and not Indicador.objects.exists()
    assert any("stix_importar" in repr(c) for c in llamadas)   # queued on commit
    archivo = settings.ARCHIVOS_PRIVADOS_DIR / imp.ruta
    assert archivo.exists()

    assert stix_importar_procesar(imp.pk) == "completada"
    imp.refresh_from_db()
    assert imp.estado == "completada" and imp.progreso == 100 and imp.procesados == 400
    assert Indicador.objects.count() == 400 and ObjetoSTIX.objects.count() == 400
    assert archivo.exists()         # the bundle is kept, as received, with the import
    progreso = list(Evento.objects.filter(tipo="stix.importacion.progreso").order_by("id"))
    assert len(progreso) >= 5
    assert all(e.grupos == [grupo_usuario(analista.pk)] for e in progreso)
    porcentajes = [e.datos["progreso"] for e in progreso]
    assert porcentajes == sorted(porcentajes) and porcentajes[-1] == 100
    assert progreso[-1].datos["estado"] == "completada"
    # The task is idempotent: a second delivery does nothing.
    assert stix_importar_procesar(imp.pk) == "nada"


def test_tarea_con_bundle_malo_rechaza(analista, settings, django_capture_on_commit_callbacks):
    from incidentes.indicadores.services import stix_importar_procesar

    settings.INDICADORES_STIX_ASINCRONO_DESDE = 5
    objetos = [indicador(f"[domain-name:value = 'd{i}.example']") for i in range(10)]
    objetos[4]["pattern"] = "[roto"
    with django_capture_on_commit_callbacks(execute=False):
        imp = services.stix_importar(actor=analista, contenido=json_de(bundle(*objetos)))
    assert stix_importar_procesar(imp.pk) == "rechazada"
    imp.refresh_from_db()
    assert imp.total_errores == 1 and imp.errores[0]["indice"] == 4
    assert not Indicador.objects.exists()


def test_ruta_orm_y_copy_dan_lo_mismo(analista):
    objetos = [indicador(f"[domain-name:value = 'D{i}.Example']",
                         object_marking_refs=[TLP1_GREEN]) for i in range(250)]
    objetos.append(sco("file", hashes={"SHA-1": "A" * 40}))
    contenido = json_de(bundle(*objetos))
    services.stix_importar(actor=analista, contenido=contenido)
    copia = list(Indicador.objects.order_by("valor").values_list(
        "tipo", "valor", "patron", "stix_uuid", "sco_id", "tlp"))
    crudos = list(ObjetoSTIX.objects.order_by("indice").values_list("stix_id", "datos"))
    Indicador.objects.all().delete()
    ObjetoSTIX.objects.all().delete()
    services.stix_importar(actor=analista, contenido=contenido, forzar_orm=True)
    assert list(Indicador.objects.order_by("valor").values_list(
        "tipo", "valor", "patron", "stix_uuid", "sco_id", "tlp")) == copia
    assert list(ObjetoSTIX.objects.order_by("indice").values_list("stix_id", "datos")) == crudos
    assert ("domain-name", "d0.example") in {c[:2] for c in copia}
    assert {c[5] for c in copia if c[0] == "domain-name"} == {"green"}


def test_copia_binaria_y_orm_dan_las_mismas_columnas(analista):
    """The binary COPY (uuid as 16 bytes, jsonb as text, datetimes, NULLs, non-ASCII text)
    stores exactly what the ORM path stores, column by column, indicators and raw objects."""
    objetos = [indicador(f"[domain-name:value = 'Ñandú{i}.Example']", name=f"Señal «{i}»",
                         description="línea 1\nlínea 2\t\\ fin", confidence=i % 3 or None,
                         valid_until="2027-01-01T00:00:00.123456Z",
                         indicator_types=["anomalous-activity", "atribución"],
                         object_marking_refs=[TLP2_RED if i % 2 else TLP1_GREEN])
               for i in range(240)]
    objetos += [
        indicador("[process:name = 'mal\\'ware.exe'] FOLLOWEDBY [network-traffic:dst_port "
                  "= 445]", confidence=0),
        sco("url", value="http://Ejemplo.Example/Ruta/ñ?q=Ü"),
        sco("file", hashes={"SHA-256": "AB" * 32, "MD5": "cd" * 16}),
        {"type": "x-propio", "id": nuevo_id("x-propio"), "spec_version": "2.1",
         "created": CREADO, "modified": "2026-03-02T10:11:12.1234567Z",
         "anidado": {"lista": [1, 2.5, None, True, "ü"], "vacío": {}}},
        {"type": "identity", "spec_version": "2.1", "id": nuevo_id("identity"),
         "created": CREADO, "modified": CREADO, "name": "Productor «ñ»"},
    ]
    contenido = json_de(bundle(*objetos))
    fuera = {"id", "creado", "modificado", "importacion", "creado_por", "valido_desde"}
    campos = [f.attname for f in Indicador._meta.concrete_fields if f.name not in fuera]
    crudos = ["indice", "stix_id", "tipo", "modificado", "interpretado", "datos"]

    def leer():
        filas = list(Indicador.objects.order_by("tipo", "valor").values_list(*campos))
        por_id = dict(Indicador.objects.values_list("id", "valor"))
        objetos = [(*o[:-1], por_id.get(o[-1])) for o in ObjetoSTIX.objects.order_by(
            "indice").values_list(*crudos, "indicador_id")]
        Indicador.objects.all().delete()
        ObjetoSTIX.objects.all().delete()
        return filas, objetos

    services.stix_importar(actor=analista, contenido=contenido)
    por_copia = leer()
    services.stix_importar(actor=analista, contenido=contenido, forzar_orm=True)
    assert leer() == por_copia
    filas, crudos_copia = por_copia
    assert len(filas) == 240 + 4 and all(f is not None for f in crudos_copia[-1][:3])
    assert {f[campos.index("tipos_stix")][1] for f in filas if f[0] == "domain-name"} == {
        "atribución"}


def test_valores_buscables_se_llenan_despues_del_commit(analista, incidente):
    """The list's "contains" search table is filled by its sink after the import's
    transaction (no trigram index maintained inside the COPY), once, for every new value,
    whether the import went by COPY (national, 250 values) or by the ORM into an incident."""
    from cgii.eventos.despachador import despachar_pendientes
    from incidentes.indicadores.models import ValorBuscable

    grande = [indicador(f"[domain-name:value = 'v{i}.buscable.example']") for i in range(250)]
    services.stix_importar(actor=analista, contenido=json_de(bundle(*grande)))
    services.stix_importar(actor=analista, incidente_id=incidente.pk, contenido=json_de(
        bundle(indicador("[url:value = 'http://buscable.example/Carga.exe']"))))
    assert not ValorBuscable.objects.exists()
    despachar_pendientes()
    esperado = dict(Indicador.objects.values_list("pk", "valor"))
    assert len(esperado) == 251
    assert dict(ValorBuscable.objects.values_list("indicador_id", "valor")) == esperado
    despachar_pendientes()                     # nothing pending: idempotent anyway
    from incidentes.indicadores import trigramas

    trigramas.copiar(list(esperado))
    assert ValorBuscable.objects.count() == 251


def test_validacion_de_patrones_en_cache():
    stix.errores_patron.cache_clear()
    patron = "[process:name = 'x.exe'] FOLLOWEDBY [network-traffic:dst_port = 445]"
    for _ in range(3):
        assert stix.errores_patron(patron) == ()
    info = stix.errores_patron.cache_info()
    assert (info.misses, info.hits) == (1, 2)


@pytest.mark.parametrize("contenido", [
    {"definition_type": "tlp", "definition": {"tlp": "clear"}, "name": "TLP:CLEAR"},
    {"definition_type": "tlp", "definition": {"tlp": "white"}, "name": "TLP:RED"},
    {"definition_type": "statement", "definition": {"statement": "libre"}},
    {"extensions": {stix.EXTENSION_TLP2: {"extension_type": "property-extension",
                                          "tlp_2_0": "clear"}}},
])
def test_marca_tlp1_con_contenido_contradictorio_es_un_objeto_malo(analista, contenido):
    """Issue 16, finding 6: under a TLP 1.0 id only the standard definition is accepted."""
    marca = {"type": "marking-definition", "spec_version": "2.1", "id": TLP1_WHITE,
             "created": "2017-01-20T00:00:00.000Z", **contenido}
    b = bundle(marca, indicador("[domain-name:value = 'x.malo.example']",
                                object_marking_refs=[TLP1_WHITE]))
    with pytest.raises(ErrorValidacion) as error:
        services.stix_importar(actor=analista, contenido=json_de(b))
    [malo] = error.value.extra["errores"]
    assert malo["indice"] == 0 and "TLP 1.0" in malo["motivo"]
    assert not Indicador.objects.exists()


def test_marca_tlp1_estandar_se_acepta(analista):
    marca = {"type": "marking-definition", "spec_version": "2.1", "id": TLP1_WHITE,
             "created": "2017-01-20T00:00:00.000Z", "definition_type": "tlp",
             "name": "TLP:WHITE", "definition": {"tlp": "white"}}
    b = bundle(marca, indicador("[domain-name:value = 'x.malo.example']",
                                object_marking_refs=[TLP1_WHITE]))
    imp = services.stix_importar(actor=analista, contenido=json_de(b))
    assert imp.total_errores == 0 and Indicador.objects.get().tlp == "clear"


@pytest.mark.parametrize("donde", ["patron", "personalizado"])
def test_nul_en_el_bundle_es_un_error_claro(analista, donde):
    """Issue 16, finding 3: a NUL character anywhere in a bundle is refused with a message
    (PostgreSQL cannot store it: it used to surface as a 500)."""
    objetos = [indicador("[domain-name:value = 'x.malo.example']")]
    if donde == "patron":
        objetos.append(indicador("[domain-name:value = 'y\u0000.malo.example']"))
    else:
        objetos.append({"type": "x-cgii-prueba", "spec_version": "2.1",
                        "id": nuevo_id("x-cgii-prueba"), "created": CREADO,
                        "modified": CREADO, "x_dato": "a\u0000b"})
    with pytest.raises(ErrorValidacion) as error:
        services.stix_importar(actor=analista, contenido=json_de(bundle(*objetos)),
                               solo_validos=True)
    assert "nulo" in error.value.message
    assert not Indicador.objects.exists()
