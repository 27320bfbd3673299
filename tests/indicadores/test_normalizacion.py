"""Normalisation table, refang, detection, patterns (pure: no database)."""

import ipaddress

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from incidentes.indicadores import stix
from incidentes.indicadores.normalizacion import (
    TipoIndicador,
    ValorInvalido,
    desde_patron,
    extraer,
    normalizar,
    patron_de,
    refang,
    tipo_de_alias,
)

T = TipoIndicador

# (input, forced type or None to detect, expected type, expected normalised value)
TABLA = [
    # IPv4
    ("198.51.100.7", None, T.IPV4, "198.51.100.7"),
    ("  203.0.113.9 ", None, T.IPV4, "203.0.113.9"),
    ("203.0.113.9/32", None, T.IPV4, "203.0.113.9"),
    ("10.0.0.5/24", None, T.IPV4, "10.0.0.0/24"),
    ("10.0.0.0/255.0.0.0", None, T.IPV4, "10.0.0.0/8"),
    ("1.2.3[.]4", None, T.IPV4, "1.2.3.4"),
    ("1(.)2(.)3(.)4", None, T.IPV4, "1.2.3.4"),
    ("45.33.32.156", "ipv4", T.IPV4, "45.33.32.156"),
    # IPv6
    ("2001:DB8:0:0:0:0:0:1", None, T.IPV6, "2001:db8::1"),
    ("2001:db8::1/128", None, T.IPV6, "2001:db8::1"),
    ("[2001:db8::7]", None, T.IPV6, "2001:db8::7"),
    ("2001:db8:abcd:12::ff/48", None, T.IPV6, "2001:db8:abcd::/48"),
    ("::FFFF:192.0.2.1", None, T.IPV6, "::ffff:192.0.2.1"),
    ("fe80:0000::0001", "ipv6-addr", T.IPV6, "fe80::1"),
    # domains
    ("Evil.Example.ORG", None, T.DOMINIO, "evil.example.org"),
    ("evil.example.org.", None, T.DOMINIO, "evil.example.org"),
    ("malo[.]com", None, T.DOMINIO, "malo.com"),
    ("malo[dot]com", None, T.DOMINIO, "malo.com"),
    ("Bücher.example", None, T.DOMINIO, "xn--bcher-kva.example"),
    ("ministerio-de-economía.bo", None, T.DOMINIO, "xn--ministerio-de-economa-d8b.bo"),
    ("XN--BCHER-KVA.example", "domain", T.DOMINIO, "xn--bcher-kva.example"),
    ("_dmarc.agetic.gob.bo", None, T.DOMINIO, "_dmarc.agetic.gob.bo"),
    ("sigep-gob-bo.com", "domain-name", T.DOMINIO, "sigep-gob-bo.com"),
    # URLs
    ("HTTP://Evil.Example.ORG/Login.PHP", None, T.URL, "http://evil.example.org/Login.PHP"),
    ("http://evil.example.org", None, T.URL, "http://evil.example.org/"),
    ("http://evil.example.org:80/a", None, T.URL, "http://evil.example.org/a"),
    ("https://evil.example.org:443/a?B=C", None, T.URL, "https://evil.example.org/a?B=C"),
    ("https://evil.example.org:8443/a", None, T.URL, "https://evil.example.org:8443/a"),
    ("hxxps://sigep-gob-bo[.]com/Ingreso", None, T.URL, "https://sigep-gob-bo.com/Ingreso"),
    ("hXXp[:]//1.2.3[.]4/x.exe", None, T.URL, "http://1.2.3.4/x.exe"),
    ("http://[2001:DB8::1]:80/A", None, T.URL, "http://[2001:db8::1]/A"),
    ("http://münchen.example/Ä", None, T.URL, "http://xn--mnchen-3ya.example/%C3%84"),
    ("ftp://User@Files.Example.net/Pub", None, T.URL, "ftp://User@files.example.net/Pub"),
    ("fxp://files.example.net/a", None, T.URL, "ftp://files.example.net/a"),
    # e-mail
    ("Phisher@Evil.Example.ORG", None, T.EMAIL, "phisher@evil.example.org"),
    ("phisher(at)evil[.]example[.]org", None, T.EMAIL, "phisher@evil.example.org"),
    ("soporte[@]malo.com", None, T.EMAIL, "soporte@malo.com"),
    ("mailto:Admin@Bücher.example", None, T.EMAIL, "admin@xn--bcher-kva.example"),
    # hashes
    ("D41D8CD98F00B204E9800998ECF8427E", None, T.MD5, "d41d8cd98f00b204e9800998ecf8427e"),
    ("DA39A3EE5E6B4B0D3255BFEF95601890AFD80709", None, T.SHA1,
     "da39a3ee5e6b4b0d3255bfef95601890afd80709"),
    ("E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855", "sha256", T.SHA256,
     "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),
    ("A" * 128, None, T.SHA512, "a" * 128),
    # STIX patterns: simple ones become the typed indicator, the rest stay patterns
    ("[ipv4-addr:value = '198.51.100.7']", None, T.IPV4, "198.51.100.7"),
    ("[domain-name:value = 'EVIL.example.org']", None, T.DOMINIO, "evil.example.org"),
    ("[ipv4-addr:value ISSUBSET '10.0.0.0/8']", None, T.IPV4, "10.0.0.0/8"),
    ("[file:hashes.'SHA-256' = 'E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855']",
     None, T.SHA256, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),
    ("[file:hashes.MD5 = 'D41D8CD98F00B204E9800998ECF8427E']", None, T.MD5,
     "d41d8cd98f00b204e9800998ecf8427e"),
    ("[url:value = 'http://a.example/it\\'s']", None, T.URL, "http://a.example/it's"),
    ("[network-traffic:dst_port = 4444] AND [ipv4-addr:value = '203.0.113.5']", None,
     T.PATRON, "[network-traffic:dst_port = 4444] AND [ipv4-addr:value = '203.0.113.5']"),
    ("[process:name = 'mimikatz.exe']", "patron", T.PATRON, "[process:name = 'mimikatz.exe']"),
]


@pytest.mark.parametrize(("entrada", "tipo", "esperado_tipo", "esperado"), TABLA,
                         ids=[f"{i}:{c[0][:30]}" for i, c in enumerate(TABLA)])
def test_tabla_de_normalizacion(entrada, tipo, esperado_tipo, esperado):
    n = normalizar(entrada, tipo_de_alias(tipo))
    assert (n.tipo, n.valor) == (esperado_tipo, esperado)
    # Idempotent, and the generated pattern is valid STIX that maps back to the same value.
    assert normalizar(n.valor, n.tipo) == n if n.tipo != T.PATRON else True
    assert stix.errores_patron(n.patron) == ()
    assert desde_patron(n.patron) == n


def test_la_tabla_cubre_todos_los_tipos():
    assert len(TABLA) >= 40
    assert {c[2] for c in TABLA} == set(T.values)


INVALIDOS = [
    ("999.1.1.1", "ipv4"), ("010.1.1.1", None), ("1.2.3.4/33", None), ("fe80::1%eth0", None),
    ("2001:db8::1", "ipv4"), ("localhost", "domain"), ("-malo.com", None), ("malo..com", None),
    ("malo.c0m", "domain"), ("a" * 64 + ".com", None), ("http://", None),
    ("http://malo .com/", None), ("javascript:alert(1)", "url"), ("sin-arroba.com", "email"),
    ("a b@malo.com", "email"), ("abc", None), ("d41d8cd98f00b204e9800998ecf8427", "md5"),
    ("z41d8cd98f00b204e9800998ecf8427e", "md5"), ("e3b0c442", "sha256"),
    ("[ipv4-addr:value = '1.2.3.4'", "patron"), ("[file:hashes.'SHA-256' = 'abc']", None),
    ("[ipv4-addr:value = '300.1.1.1']", None), ("", None), ("   ", None),
    ("http://" + "a" * 2100 + ".com/", None),
    ("http://a.example/\ud800", None), ("[process:name = '\ud800']", None),
]


@pytest.mark.parametrize(("entrada", "tipo"), INVALIDOS)
def test_valores_invalidos_dicen_por_que(entrada, tipo):
    with pytest.raises(ValorInvalido) as exc:
        normalizar(entrada, tipo_de_alias(tipo))
    assert str(exc.value)


@pytest.mark.parametrize(("defanged", "refanged"), [
    ("hxxp://malo[.]com", "http://malo.com"),
    ("hxxps://malo[.]com/a", "https://malo.com/a"),
    ("HXXPS[:]//malo(.)com", "https://malo.com"),
    ("hxxp[://]malo{.}com", "http://malo.com"),
    ("malo[dot]com", "malo.com"),
    ("malo (dot) com", "malo.com"),
    ("user(at)malo[.]com", "user@malo.com"),
    ("user[at]malo[.]com", "user@malo.com"),
    ("user [@] malo.com", "user@malo.com"),
    ("10[.]0[.]0[.]1", "10.0.0.1"),
    ("fxp://files[.]malo[.]net", "ftp://files.malo.net"),
    ("http://a.com[/]x", "http://a.com/x"),
    ("nada que cambiar", "nada que cambiar"),
])
def test_refang(defanged, refanged):
    assert refang(defanged) == refanged


def test_patrones_generados_por_tipo():
    assert patron_de(T.IPV4, "10.0.0.0/8") == "[ipv4-addr:value ISSUBSET '10.0.0.0/8']"
    assert patron_de(T.SHA1, "a" * 40) == f"[file:hashes.'SHA-1' = '{'a' * 40}']"
    assert patron_de(T.URL, "http://x.example/it's") == \
        "[url:value = 'http://x.example/it\\'s']"


def test_extraer_de_texto_libre():
    texto = ("Los correos venían de soporte(at)sigep-gob-bo[.]com con enlace "
             "hxxps://sigep-gob-bo[.]com/login; el adjunto factura.pdf (MD5 "
             "D41D8CD98F00B204E9800998ECF8427E) conecta a 198.51.100.23 y a c2.malo.example. "
             "Reunión a las 10:30:15 del 2026-03-01.")
    encontrados = [(n.tipo, n.valor) for _o, n in extraer(texto)]
    assert encontrados == [
        (T.EMAIL, "soporte@sigep-gob-bo.com"),
        (T.URL, "https://sigep-gob-bo.com/login"),
        (T.DOMINIO, "sigep-gob-bo.com"),   # the URL's host (issue 18)
        (T.MD5, "d41d8cd98f00b204e9800998ecf8427e"),
        (T.IPV4, "198.51.100.23"),
        (T.DOMINIO, "c2.malo.example"),
    ]


@given(st.ip_addresses())
def test_ip_canonica_es_idempotente(ip):
    n = normalizar(str(ip))
    assert normalizar(n.valor) == n
    assert ipaddress.ip_address(n.valor) == ip


@given(st.ip_addresses(v=4).map(str).flatmap(
    lambda ip: st.sampled_from([ip, ip.replace(".", "[.]"), ip.replace(".", "(.)"), f"{ip}/32"])))
def test_cualquier_forma_defanged_de_una_ipv4_da_lo_mismo(forma):
    base = forma.replace("[.]", ".").replace("(.)", ".").removesuffix("/32")
    assert normalizar(forma) == normalizar(base)


_URL_PARTES = st.tuples(
    st.sampled_from(["http", "HTTPS", "ftp", "Http", "wss"]),
    st.sampled_from(["malo.example", "MALO.Example", "1.2.3.4", "a-b.c_d.example", "x.example.",
                     "localhost", "999.1.1.1", "xn--bcher-kva.example"]),
    st.sampled_from(["", ":80", ":443", ":8080", ":021", ":70000"]),
    st.text(alphabet="abcXYZ09-._~!$&'()*+,;=:@/?#%", max_size=25))


@given(_URL_PARTES)
def test_camino_rapido_de_url_igual_al_general(partes):
    from incidentes.indicadores.normalizacion import _normalizar_url_general, normalizar_url

    url = "{}://{}{}{}".format(*partes[:3], ("/" if partes[3][:1] not in ("", "/", "?", "#")
                                              else "") + partes[3])
    try:
        esperado = _normalizar_url_general(url)
    except ValorInvalido:
        with pytest.raises(ValorInvalido):
            normalizar_url(url)
        return
    assert normalizar_url(url) == esperado


_IDENT = st.sampled_from(["value", "dst_port", "name", "a_b", "_x", "true", "false", "and",
                          "hashes", "md5", "AND", "Value", "x1", "in", "t", "b", "h"])
_TIPO_OBJ = st.sampled_from(["ipv4-addr", "network-traffic", "file", "x-cgii", "process", "a-",
                             "_t", "A", "true", "x"])
_LITERAL = st.one_of(
    st.integers(-10_000, 10_000).map(str),
    st.sampled_from(["01", "-0", "+1", "1.5", "true", "t'2020-01-01T00:00:00Z'", "h'0a'"]),
    st.text(alphabet="abc' \\\\x", max_size=8).map(lambda t: "'" + t + "'"))
_COMP = st.tuples(_TIPO_OBJ, st.lists(_IDENT, min_size=1, max_size=3),
                  st.sampled_from(["=", "!=", "<", ">", "<=", ">=", "==", "LIKE"]), _LITERAL,
                  ).map(lambda c: f"{c[0]}:{'.'.join(c[1])} {c[2]} {c[3]}")
_OBS = st.lists(_COMP, min_size=1, max_size=3).flatmap(
    lambda cs: st.sampled_from([" AND ", " OR ", " and ", "AND"]).map(
        lambda j: "[" + j.join(cs) + "]"))
_PATRONES = st.lists(_OBS, min_size=1, max_size=3).flatmap(
    lambda os_: st.sampled_from([" AND ", " OR ", " FOLLOWEDBY ", " WITHIN "]).map(
        lambda j: j.join(os_)))


@settings(max_examples=400, deadline=None)
@given(_PATRONES)
def test_subconjunto_sin_antlr_solo_acepta_patrones_validos(patron):
    """Differential test: whatever the fast path accepts, stix2-patterns accepts too."""
    from stix2patterns.validator import run_validator

    from incidentes.indicadores.normalizacion import patron_compuesto_valido

    if patron_compuesto_valido(patron):
        assert run_validator(patron, stix_version="2.1") == [], patron


def test_subconjunto_sin_antlr_cubre_los_compuestos_habituales():
    from incidentes.indicadores.normalizacion import patron_compuesto_valido

    assert patron_compuesto_valido(
        "[network-traffic:dst_port = 4444] AND [ipv4-addr:value = '203.0.113.5']")
    assert patron_compuesto_valido("[process:name = 'x.exe' OR process:pid > 4] "
                                   "FOLLOWEDBY [network-traffic:dst_ref.value = 'a']")
    for fuera in ("[file:hashes.md5 = 'x'] AND [a:b = 1]", "[a:b = 1] WITHIN 5 SECONDS",
                  "[a:b MATCHES 'x'] AND [c:d = 1]", "[a:b = 1]AND[c:d = 2]"):
        assert not patron_compuesto_valido(fuera)          # these go through stix2-patterns
