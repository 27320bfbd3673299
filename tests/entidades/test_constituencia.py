"""Constituency registry (issue 19): longest-prefix routing, IPv6, domains covering their
subdomains, the ASN fallback, overlaps reported and never guessed, validity, who proposes
and who confirms, CSV import/export. Routing is checked both ways it runs: one event
(``ruta_de``) and a batch table (``rutear_tabla``, the feed intake's path)."""

from datetime import timedelta

import pytest
from django.db import connection, transaction
from django.utils import timezone

from cgii.auditoria.models import RegistroAuditoria
from cgii.entidades import constituencia as servicios
from cgii.entidades import selectors
from cgii.entidades.models import EstadoRegistro, RedEntidad
from cgii.errores import ErrorValidacion, NoEncontrado, PermisoDenegado

pytestmark = pytest.mark.django_db


def alta(actor, entidad, tipo, valor, **campos):
    return servicios.registro_agregar(actor=actor, entidad_id=entidad.pk, tipo=tipo,
                                      valor=valor, **campos)


def rutear_lote(filas: list[dict]) -> list[tuple]:
    """The batch path: a temporary table like the intake's, routed in set-based statements."""
    if connection.vendor != "postgresql":
        pytest.skip("batch routing runs on PostgreSQL")
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("CREATE TEMP TABLE prueba_ruteo (n int, ip inet, fqdn text, asn bigint, "
                       "dia date, entidad_id integer, via text) ON COMMIT DROP")
        for n, f in enumerate(filas):
            cursor.execute("INSERT INTO prueba_ruteo (n, ip, fqdn, asn, dia) VALUES "
                           "(%s, %s, %s, %s, %s)",
                           [n, f.get("ip"), f.get("fqdn"), f.get("asn"),
                            f.get("dia", timezone.localdate())])
        selectors.rutear_tabla("prueba_ruteo")
        cursor.execute("SELECT entidad_id, via FROM prueba_ruteo ORDER BY n")
        filas = cursor.fetchall()
        cursor.execute("DROP TABLE prueba_ruteo")  # the test's transaction never commits
        return filas


def ambas(filas: list[dict]) -> list[tuple]:
    """Route each row one by one and as a batch; both must agree."""
    uno_a_uno = [(r.entidad_id, r.via) for r in
                 (selectors.ruta_de(**{k: v for k, v in f.items()}) for f in filas)]
    assert rutear_lote(filas) == uno_a_uno
    return uno_a_uno


def test_prefijo_mas_largo_gana_entre_redes_anidadas_de_dos_entidades(analista, entidad_a,
                                                                      entidad_b):
    alta(analista, entidad_a, "red", "200.87.0.0/16")
    alta(analista, entidad_b, "red", "200.87.12.0/24")
    alta(analista, entidad_b, "red", "200.87.12.128/25")  # same entity, more specific
    assert ambas([{"ip": "200.87.12.7"}, {"ip": "200.87.13.1"}, {"ip": "200.87.12.200"},
                  {"ip": "200.88.0.1"}]) == [
        (entidad_b.pk, "ip"), (entidad_a.pk, "ip"), (entidad_b.pk, "ip"), (None, None)]


def test_ipv6(analista, entidad_a, entidad_b):
    alta(analista, entidad_a, "red", "2800:cd0::/32")
    alta(analista, entidad_b, "red", "2800:CD0:10::/48")
    assert ambas([{"ip": "2800:cd0:10::5"}, {"ip": "2800:cd0:11::5"}, {"ip": "2801::1"}]) == [
        (entidad_b.pk, "ip"), (entidad_a.pk, "ip"), (None, None)]
    # An IPv4 address never falls in an IPv6 network (nor the reverse).
    assert ambas([{"ip": "0.0.0.1"}]) == [(None, None)]


def test_un_dominio_cubre_sus_subdominios_y_el_mas_largo_gana(analista, entidad_a, entidad_b):
    alta(analista, entidad_a, "dominio", "MinPruebas.gob.bo.")
    alta(analista, entidad_b, "dominio", "sistemas.minpruebas.gob.bo")
    assert ambas([{"fqdn": "minpruebas.gob.bo"}, {"fqdn": "correo.minpruebas.gob.bo"},
                  {"fqdn": "a.b.sistemas.minpruebas.gob.bo"},
                  {"fqdn": "otrominpruebas.gob.bo"}, {"fqdn": "gob.bo"}]) == [
        (entidad_a.pk, "fqdn"), (entidad_a.pk, "fqdn"), (entidad_b.pk, "fqdn"),
        (None, None), (None, None)]


def test_ip_luego_fqdn_luego_asn(analista, entidad_a, entidad_b):
    alta(analista, entidad_a, "red", "200.87.0.0/16")
    alta(analista, entidad_b, "dominio", "municipio.gob.bo")
    alta(analista, entidad_b, "asn", "AS26210")
    assert ambas([
        {"ip": "200.87.1.1", "fqdn": "www.municipio.gob.bo", "asn": 26210},  # the address wins
        {"ip": "190.1.1.1", "fqdn": "www.municipio.gob.bo", "asn": 1},       # then the name
        {"ip": "190.1.1.1", "fqdn": "nada.example", "asn": 26210},           # then the ASN
        {"ip": "190.1.1.1", "asn": 64512},
    ]) == [(entidad_a.pk, "ip"), (entidad_b.pk, "fqdn"), (entidad_b.pk, "asn"), (None, None)]


def test_registros_identicos_de_dos_entidades_no_se_adivinan_y_se_informan(
        analista, entidad_a, entidad_b):
    alta(analista, entidad_a, "red", "10.20.0.0/16")
    alta(analista, entidad_b, "red", "10.20.0.0/16")
    alta(analista, entidad_a, "red", "10.0.0.0/8")
    alta(analista, entidad_b, "red", "10.30.0.0/16")   # nested: not a conflict, but reported
    alta(analista, entidad_a, "dominio", "compartido.gob.bo")
    alta(analista, entidad_b, "dominio", "compartido.gob.bo")
    alta(analista, entidad_a, "asn", 64500)
    alta(analista, entidad_b, "asn", 64500)
    assert ambas([{"ip": "10.20.1.1"}, {"ip": "10.30.1.1"}, {"fqdn": "x.compartido.gob.bo"},
                  {"asn": 64500}]) == [
        (None, "conflicto"), (entidad_b.pk, "ip"), (None, "conflicto"), (None, "conflicto")]
    informe = {(s.tipo, s.a, s.b, s.conflicto) for s in selectors.solapamientos()}
    assert informe == {
        ("red", "10.0.0.0/8", "10.20.0.0/16", False),
        ("red", "10.0.0.0/8", "10.30.0.0/16", False),
        ("red", "10.20.0.0/16", "10.20.0.0/16", True),
        ("dominio", "compartido.gob.bo", "compartido.gob.bo", True),
        ("asn", "AS64500", "AS64500", True),
    }


def test_solo_lo_confirmado_y_vigente_enruta(analista, rsi_a, entidad_a):
    hoy = timezone.localdate()
    propuesta = alta(rsi_a, entidad_a, "red", "172.16.0.0/12")
    assert propuesta.estado == EstadoRegistro.PROPUESTO
    alta(analista, entidad_a, "red", "192.168.0.0/16", valido_hasta=hoy - timedelta(days=1))
    alta(analista, entidad_a, "red", "100.64.0.0/10", valido_desde=hoy + timedelta(days=1))
    filas = [{"ip": "172.16.0.1"}, {"ip": "192.168.1.1"}, {"ip": "100.64.0.1"},
             {"ip": "192.168.1.1", "dia": hoy - timedelta(days=3)}]
    assert ambas(filas) == [(None, None)] * 3 + [(entidad_a.pk, "ip")]
    servicios.registro_decidir(actor=analista, tipo="red", registro_id=propuesta.pk,
                               confirmar=True)
    assert ambas(filas[:1]) == [(entidad_a.pk, "ip")]


def test_la_entidad_propone_y_el_cgii_confirma(analista, rsi_a, reportante_a, entidad_a,
                                               entidad_b):
    with pytest.raises(PermisoDenegado):
        alta(reportante_a, entidad_a, "red", "198.51.100.0/24")   # only the RSI or MAE
    with pytest.raises(NoEncontrado):
        alta(rsi_a, entidad_b, "red", "198.51.100.0/24")          # another entity: 404
    registro = alta(rsi_a, entidad_a, "red", "198.51.100.0/24")
    with pytest.raises(PermisoDenegado):
        servicios.registro_decidir(actor=rsi_a, tipo="red", registro_id=registro.pk,
                                   confirmar=True)
    with pytest.raises(ErrorValidacion):
        servicios.registro_decidir(actor=analista, tipo="red", registro_id=registro.pk,
                                   confirmar=False)                # a rejection needs a reason
    registro = servicios.registro_decidir(actor=analista, tipo="red", registro_id=registro.pk,
                                          confirmar=True)
    assert (registro.estado, registro.confirmado_por) == (EstadoRegistro.CONFIRMADO, analista)
    acciones = list(RegistroAuditoria.objects.filter(objeto_tipo="entidades.redentidad")
                    .order_by("secuencia").values_list("accion", "entidad_id"))
    assert acciones == [("constituencia.proponer", entidad_a.pk),
                        ("constituencia.confirmar", entidad_a.pk)]


@pytest.mark.parametrize(("tipo", "valor", "mensaje"), [
    ("red", "200.87.12.5/24", "¿quiso decir 200.87.12.0/24?"),
    ("red", "300.1.1.1", "no es una red"),
    ("asn", "AS0", "no es un ASN"),
    ("dominio", "no valido.gob.bo", "no es un dominio"),
])
def test_valores_invalidos_con_mensaje_claro(analista, entidad_a, tipo, valor, mensaje):
    with pytest.raises(ErrorValidacion) as error:
        alta(analista, entidad_a, tipo, valor)
    assert mensaje in error.value.extra["valor"][0]


def test_duplicado_en_la_misma_entidad_es_400(analista, entidad_a):
    alta(analista, entidad_a, "red", "203.0.113.0/24")
    with pytest.raises(ErrorValidacion):
        alta(analista, entidad_a, "red", "203.0.113.0/24")


def test_importar_csv_informa_cada_linea_mala_y_no_guarda_nada(analista, entidad_a, entidad_b):
    contenido = ("entidad,tipo,valor,valido_desde,valido_hasta,nota\n"
                 f"{entidad_a.sigla},red,200.87.0.0/16,,,\n"
                 "NOEXISTE,red,10.0.0.0/8,,,\n"
                 f"{entidad_b.sigla},red,10.1.1.1/8,,,\n"
                 f"{entidad_b.sigla},asn,AS64500,2026-13-01,,\n"
                 f"{entidad_b.sigla},dominio,municipio.gob.bo,,,\n")
    with pytest.raises(ErrorValidacion) as error:
        servicios.constituencia_importar_csv(actor=analista, contenido=contenido)
    assert [(e["linea"], e["campo"]) for e in error.value.extra["lineas"]] == [
        (3, "entidad"), (4, "valor"), (5, "valido_desde")]
    assert not RedEntidad.objects.exists()


def test_importar_y_exportar_csv(analista, entidad_a, entidad_b, rsi_a):
    contenido = ("entidad,tipo,valor,valido_desde,valido_hasta,nota\n"
                 f"{entidad_a.sigla},red,200.87.0.0/16,2026-01-01,,rango principal\n"
                 f"{entidad_b.sigla},asn,AS64500,,,\n"
                 f"{entidad_b.sigla},dominio,Municipio.gob.bo,,,\n")
    resultado = servicios.constituencia_importar_csv(actor=analista, contenido=contenido)
    assert (resultado.creados, resultado.actualizados) == (3, 0)
    again = servicios.constituencia_importar_csv(actor=analista, contenido=contenido)
    assert (again.creados, again.sin_cambios) == (0, 3)
    filas = list(selectors.constituencia_exportar_filas(analista))
    assert [f[:4] for f in filas[1:]] == [
        [entidad_a.sigla, "red", "200.87.0.0/16", "confirmado"],
        [entidad_b.sigla, "asn", 64500, "confirmado"],
        [entidad_b.sigla, "dominio", "municipio.gob.bo", "confirmado"]]
    # An entity user exports only its own entity's entries.
    assert [f[0] for f in list(selectors.constituencia_exportar_filas(rsi_a))[1:]] == [
        entidad_a.sigla]
    with pytest.raises(PermisoDenegado):
        servicios.constituencia_importar_csv(actor=rsi_a, contenido=contenido)


def test_red_mas_cercana_para_la_cola_sin_entidad(analista, entidad_a, entidad_b):
    alta(analista, entidad_a, "red", "200.87.12.0/24")
    alta(analista, entidad_b, "red", "200.90.0.0/16")
    cercanas = selectors.redes_cercanas(["200.87.13.9", "2800::1", "no-ip"])
    assert cercanas["200.87.13.9"]["red"] == "200.87.12.0/24"
    assert cercanas["200.87.13.9"]["sigla"] == entidad_a.sigla
    assert "2800::1" not in cercanas and "no-ip" not in cercanas
