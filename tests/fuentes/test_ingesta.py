"""Feed intake (issue 19): the API endpoint and ``importar_eventos``; every event validated
with one clear error per bad event and nothing half-stored; de-duplicated by feed, host,
identifier and day; routed by IP, then FQDN, then ASN; counted into its aggregation."""

import json
from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from incidentes.fuentes.models import Agregacion, EventoFuente, Fuente, Politica

from .utiles import AYER, evento

pytestmark = pytest.mark.django_db
URL = "/api/v1/fuentes/eventos/"


def test_un_evento_como_lo_envia_el_bot_rest_de_intelmq(intelmq, registro, entidad_b):
    respuesta = intelmq.post(URL, evento("200.87.12.7"), format="json")
    assert respuesta.status_code == 200, respuesta.content
    assert respuesta.json() == {"recibidos": 1, "nuevos": 1, "duplicados": 0, "sin_entidad": 0,
                                "por_via": {"ip": 1}}
    e = EventoFuente.objects.get()
    assert (e.entidad_id, e.via, e.ip, e.puerto, e.protocolo, e.host) == (
        entidad_b.pk, "ip", "200.87.12.7", 3389, "tcp", "200.87.12.7")
    assert e.datos == {"extra.naics": 921110,
                       "feed.accuracy": 100.0, "time.observation": e.datos["time.observation"]}
    fuente = Fuente.objects.get()
    assert (fuente.proveedor, fuente.nombre, fuente.politica) == (
        "Shadowserver", "Accessible-RDP", Politica.AVISO)
    agregacion = Agregacion.objects.get()
    assert (agregacion.entidad_id, agregacion.eventos, agregacion.pendientes,
            agregacion.clasificacion) == (entidad_b.pk, 1, 1, "potentially-unwanted-accessible")
    assert e.agregacion_id == agregacion.pk


def test_lote_con_duplicados_y_las_tres_vias(intelmq, registro, entidad_a, entidad_b):
    lote = [
        evento("200.87.12.7"),
        evento("200.87.12.7"),                                   # same key in the batch
        evento("200.87.12.7", **{"classification.identifier": "otro"}),  # other identifier
        evento("200.87.99.1"),                                   # A (the /16)
        evento("2800:cd0:10::9"),                                # B, IPv6
        evento(None, **{"source.fqdn": "Correo.MinPruebas.gob.bo."}),  # A by name
        evento("190.1.1.1", **{"source.asn": 64500}),            # B by ASN
        evento("190.1.1.2"),                                     # nobody's
    ]
    respuesta = intelmq.post(URL, lote, format="json")
    assert respuesta.status_code == 200, respuesta.content
    assert respuesta.json() == {"recibidos": 8, "nuevos": 7, "duplicados": 1, "sin_entidad": 1,
                                "por_via": {"ip": 4, "fqdn": 1, "asn": 1}}
    otra_vez = intelmq.post(URL, lote, format="json").json()   # a retry stores nothing
    assert (otra_vez["nuevos"], otra_vez["duplicados"]) == (0, 8)
    # Another day the same host is a new event.
    otro_dia = intelmq.post(URL, evento("200.87.12.7", momento=AYER - timedelta(days=1)),
                            format="json")
    assert otro_dia.json()["nuevos"] == 1
    por_entidad = dict(Agregacion.objects.filter(periodo=EventoFuente.objects.get(
        host="200.87.99.1").dia).values_list("entidad_id", "eventos"))
    assert EventoFuente.objects.filter(entidad__isnull=True).count() == 1
    assert por_entidad[entidad_a.pk] == 2
    assert por_entidad[entidad_b.pk] == 4
    assert Agregacion.objects.filter(entidad=entidad_b).count() == 2  # one per day


def test_eventos_invalidos_informados_uno_por_uno_y_nada_guardado(intelmq, registro):
    lote = [
        evento("200.87.12.7"),
        evento("999.1.1.1"),
        evento("200.87.12.8", **{"classification.type": "no-existe"}),
        evento("200.87.12.9", **{"time.source": "ayer a las tres"}),
        evento(None),
        evento("200.87.12.10", **{"source.port": 70000, "feed.name": None}),
        "no soy un objeto",
    ]
    respuesta = intelmq.post(URL, lote, format="json")
    assert respuesta.status_code == 400
    cuerpo = respuesta.json()
    assert cuerpo["message"] == "6 de 7 eventos no son válidos; no se guardó ninguno."
    errores = {e["indice"]: e["errores"] for e in cuerpo["extra"]["eventos"]}
    assert sorted(errores) == [1, 2, 3, 4, 5, 6]
    assert "no es una dirección IP válida" in errores[1]["source.ip"][0]
    assert "no es un classification.type" in errores[2]["classification.type"][0]
    assert "no es una fecha ISO 8601" in errores[3]["time.source"][0]
    assert "no se puede saber a qué entidad" in errores[4]["source"][0]
    assert set(errores[5]) == {"source.port", "feed.name"}
    assert errores[6] == {"evento": ["Cada evento debe ser un objeto JSON."]}
    assert not EventoFuente.objects.exists() and not Fuente.objects.exists()
    assert not Agregacion.objects.exists()


def test_forma_jerarquica_y_extra_como_texto(intelmq, registro, entidad_a):
    jerarquico = {"feed": {"name": "Open-DNS", "provider": "Shadowserver"},
                  "classification": {"type": "ddos-amplifier", "identifier": "open-dns"},
                  "source": {"ip": "200.87.1.1", "port": 53},
                  "time": {"source": AYER.isoformat()},
                  "extra": json.dumps({"min_amplification": 2.5})}
    respuesta = intelmq.post(URL, jerarquico, format="json")
    assert respuesta.status_code == 200, respuesta.content
    e = EventoFuente.objects.get()
    assert (e.entidad_id, e.puerto, e.datos) == (entidad_a.pk, 53,
                                                 {"extra.min_amplification": 2.5})


def test_solo_el_personal_cgii_envia_eventos(api, reportante_a, auditor):
    for usuario in (reportante_a, auditor):
        respuesta = api(usuario).post(URL, evento(), format="json")
        assert respuesta.status_code == 403
    assert not EventoFuente.objects.exists()


def test_json_roto_y_cuerpo_vacio(intelmq):
    assert intelmq.post(URL, "{no", content_type="application/json").status_code == 400
    assert intelmq.post(URL, [], format="json").status_code == 400


def test_importar_eventos_de_la_salida_de_archivo(tmp_path, registro, entidad_b):
    archivo = tmp_path / "eventos.jsonl"
    archivo.write_text("\n".join(json.dumps(e) for e in [
        evento("200.87.12.7"), evento("200.87.12.8"), evento("200.87.12.7")]) + "\n")
    salida = StringIO()
    call_command("importar_eventos", str(archivo), stdout=salida)
    assert "3 eventos: 2 nuevos, 1 duplicados, 0 sin entidad; por vía: ip 2." in \
        salida.getvalue()
    call_command("importar_eventos", str(archivo), stdout=salida)  # again: nothing new
    assert EventoFuente.objects.count() == 2


def test_importar_eventos_informa_cada_linea_mala_y_no_guarda_nada(tmp_path, registro):
    archivo = tmp_path / "eventos.jsonl"
    archivo.write_text("\n".join([
        json.dumps(evento("200.87.12.7")),
        "{roto",
        json.dumps(evento("200.87.12.8")),
        json.dumps(evento("200.87.12.9", **{"source.asn": "AS-X"})),
    ]) + "\n")
    errores = StringIO()
    with pytest.raises(CommandError, match="2 líneas no son eventos válidos"):
        call_command("importar_eventos", str(archivo), "--lote", "1", stderr=errores)
    lineas = errores.getvalue().splitlines()
    assert lineas[0].startswith("línea 2: linea: JSON no válido")
    assert lineas[1].startswith("línea 4: source.asn: Debe ser un entero")
    assert not EventoFuente.objects.exists()
