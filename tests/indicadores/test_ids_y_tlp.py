"""Deterministic ids equal what the stix2 library computes; TLP 1.0/2.0 aliases."""

import uuid

import pytest
import stix2
from hypothesis import given, settings
from hypothesis import strategies as st
from stix2.canonicalization.Canonicalize import canonicalize

from incidentes.indicadores import stix
from incidentes.indicadores.normalizacion import TipoIndicador, normalizar

T = TipoIndicador

CASOS = [
    ("198.51.100.7", lambda v: stix2.IPv4Address(value=v)),
    ("10.0.0.0/8", lambda v: stix2.IPv4Address(value=v)),
    ("2001:db8::1", lambda v: stix2.IPv6Address(value=v)),
    ("2001:db8::/32", lambda v: stix2.IPv6Address(value=v)),
    ("xn--bcher-kva.example", lambda v: stix2.DomainName(value=v)),
    ("evil.example.org", lambda v: stix2.DomainName(value=v)),
    ("https://sigep-gob-bo.com/Ingreso?x=%C3%B1", lambda v: stix2.URL(value=v)),
    ("phisher@evil.example.org", lambda v: stix2.EmailAddress(value=v)),
    ("d41d8cd98f00b204e9800998ecf8427e", lambda v: stix2.File(hashes={"MD5": v})),
    ("da39a3ee5e6b4b0d3255bfef95601890afd80709", lambda v: stix2.File(hashes={"SHA-1": v})),
    ("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
     lambda v: stix2.File(hashes={"SHA-256": v})),
    ("cf83e1357eefb8bdf1542850d66d8007d620e4050b5715dc83f4a921d36ce9ce47d0d13c5d85f2b0ff8318d28"
     "77eec2f63b931bd47417a81a538327af927da3e", lambda v: stix2.File(hashes={"SHA-512": v})),
]


@pytest.mark.parametrize(("valor", "constructor"), CASOS, ids=[c[0][:24] for c in CASOS])
def test_id_sco_igual_al_de_la_libreria_stix2(valor, constructor):
    n = normalizar(valor)
    assert n.valor == valor
    assert n.id_sco == constructor(valor).id


@settings(max_examples=200)
@given(st.text(min_size=1, max_size=60))
def test_jcs_igual_al_canonicalizador_de_stix2(texto):
    for objeto in ({"value": texto}, {"hashes": {"SHA-256": texto}}, [texto, "x"]):
        assert stix.jcs(objeto) == canonicalize(objeto, utf8=False)


@settings(max_examples=100)
@given(st.text(alphabet=st.characters(codec="utf-8"), min_size=1, max_size=40))
def test_id_de_url_con_texto_arbitrario_igual_a_stix2(texto):
    valor = "http://x.example/" + texto
    assert stix.id_sco("url", {"value": valor}) == stix2.URL(value=valor).id


def test_ids_de_sdo_en_nuestro_espacio_nunca_el_de_oasis():
    n = normalizar("198.51.100.7")
    u = uuid.UUID(n.id_indicador.split("--")[1])
    assert u.version == 5
    assert u == uuid.uuid5(stix.NAMESPACE_CGII, stix.jcs(["indicator", "ipv4-addr",
                                                          "198.51.100.7"]))
    assert stix.NAMESPACE_CGII != stix.NAMESPACE_SCO
    assert u != uuid.uuid5(stix.NAMESPACE_SCO, stix.jcs(["indicator", "ipv4-addr",
                                                         "198.51.100.7"]))
    # Same value written differently → same ids; different value → different ids.
    assert normalizar("198.51.100[.]7").id_indicador == n.id_indicador
    assert normalizar("[ipv4-addr:value = '198.51.100.7']").id_sco == n.id_sco
    assert normalizar("198.51.100.8").id_indicador != n.id_indicador


@pytest.mark.parametrize(("entrada", "codigo"), [
    ("clear", "clear"), ("CLEAR", "clear"), ("white", "clear"), ("TLP:WHITE", "clear"),
    ("tlp:amber+strict", "amber+strict"), ("green", "green"),
    ("marking-definition--613f2e26-407d-48c7-9eca-b8e91df99dc9", "clear"),   # TLP 1.0 WHITE
    ("marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da", "green"),   # TLP 1.0 GREEN
    ("marking-definition--f88d31f6-486f-44da-b317-01333bde0b82", "amber"),   # TLP 1.0 AMBER
    ("marking-definition--5e57c739-391a-4eb3-b6be-7d15ca92d5ed", "red"),     # TLP 1.0 RED
    ("marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487", "clear"),   # TLP 2.0
    ("marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003", "amber+strict"),
    ("marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1", "red"),
    ("purple", None), ("", None),
])
def test_alias_tlp(entrada, codigo):
    assert stix.tlp_codigo(entrada) == codigo


def test_tlp1_de_la_libreria_son_alias_de_tlp2():
    for marca, codigo in [(stix2.TLP_WHITE, "clear"), (stix2.TLP_GREEN, "green"),
                          (stix2.TLP_AMBER, "amber"), (stix2.TLP_RED, "red")]:
        assert stix.tlp_codigo(marca.id) == codigo


def test_marcas_tlp2_como_las_publica_oasis():
    for codigo, ident in stix.TLP2_IDS.items():
        marca = stix.marking_tlp(codigo)
        assert marca["id"] == ident
        assert marca["extensions"][stix.EXTENSION_TLP2] == {
            "extension_type": "property-extension", "tlp_2_0": codigo}
        assert marca["name"] == "TLP:" + codigo.upper()
    assert stix.tlp_mas_restrictivo(["green", "amber+strict", "amber"]) == "amber+strict"


@settings(max_examples=300)
@given(st.text(max_size=50), st.sampled_from(["ipv4-addr", "url", "patron", "file-sha256"]))
def test_uuid5_rapido_igual_a_uuid5(texto, tipo):
    esperado = uuid.uuid5(stix.NAMESPACE_CGII, stix.jcs(["indicator", tipo, texto]))
    assert stix.uuid_cgii("indicator", tipo, texto) == str(esperado)
    assert stix.uuid_cgii_2("indicator", tipo, texto) == str(esperado)
    assert stix.id_sco("url", {"value": texto}) == \
        "url--" + str(uuid.uuid5(stix.NAMESPACE_SCO, stix.jcs({"value": texto})))


@settings(max_examples=200)
@given(st.text(max_size=40), st.sampled_from(["ipv4-addr", "domain-name", "url", "email-addr",
                                               "file-md5", "file-sha512", "patron"]))
def test_ids_de_la_fila_de_copia_iguales_a_los_de_referencia(valor, tipo):
    from incidentes.indicadores.escritura import _id_sco, _ids
    from incidentes.indicadores.normalizacion import uuid_indicador

    assert _ids(tipo, valor) == (uuid_indicador(tipo, valor), _id_sco(tipo, valor))


def test_uuid5_en_bytes_igual_a_uuid5():
    """The 16 bytes the binary COPY sends are uuid.uuid5's."""
    for texto in ("", "198.51.100.7", "ñandú", "x" * 300):
        datos = stix.NAMESPACE_CGII.bytes + texto.encode()
        assert stix.uuid5_bytes(datos) == uuid.uuid5(stix.NAMESPACE_CGII, texto).bytes
        assert stix.uuid5_de(datos) == str(uuid.uuid5(stix.NAMESPACE_CGII, texto))
