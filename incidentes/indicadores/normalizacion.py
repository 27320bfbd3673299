"""Indicator values: refang, detect the type, normalise, build the STIX pattern and ids.

Pure functions (no database). One normalised (type, value) is one ``Indicador`` row, and its
STIX ids derive from it, so the same IOC written three ways (``HXXP://Evil[.]COM``,
``http://evil.com:80``, ``http://evil.com/``) is one row and one id everywhere.

Rules (docs/indicadores.md has the table):

- IPv4/IPv6: canonical text (``ipaddress``); CIDR with host bits cleared; ``/32`` and
  ``/128`` stripped; IPv6 compressed lower case, IPv4-mapped as ``::ffff:a.b.c.d``
  (RFC 5952 §5); zone ids refused.
- domain-name: lower case, IDNA (UTS #46) to its ``xn--`` form, no trailing dot, at least two
  labels, alphabetic or ``xn--`` TLD.
- url: scheme and host lower case (host as a domain or IP above), default port dropped,
  empty path → ``/``; path, query and fragment keep their case (non-ASCII and spaces
  percent-encoded).
- email-addr: lower case, domain as above.
- file hashes: lower-case hex of exactly 32/40/64/128 digits (MD5/SHA-1/SHA-256/SHA-512).
- patron: any other STIX 2.1 pattern, validated with stix2-patterns; a pattern that is just
  ``[<type>:value = '…']`` or a hash comparison becomes the typed indicator instead.
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass
from urllib.parse import quote, urlsplit

import idna
from django.db import models
from django.utils.translation import gettext_lazy as _

from . import stix

MAX_BYTES_VALOR = 2048


class TipoIndicador(models.TextChoices):
    IPV4 = "ipv4-addr", "IPv4"
    IPV6 = "ipv6-addr", "IPv6"
    DOMINIO = "domain-name", _("Dominio")
    URL = "url", "URL"
    EMAIL = "email-addr", _("Correo electrónico")
    MD5 = "file-md5", "MD5"
    SHA1 = "file-sha1", "SHA-1"
    SHA256 = "file-sha256", "SHA-256"
    SHA512 = "file-sha512", "SHA-512"
    PATRON = "patron", _("Patrón STIX")


T = TipoIndicador
TIPOS_HASH = {T.MD5: ("MD5", 32), T.SHA1: ("SHA-1", 40), T.SHA256: ("SHA-256", 64),
              T.SHA512: ("SHA-512", 128)}
HASH_POR_LARGO = {largo: tipo for tipo, (_n, largo) in TIPOS_HASH.items()}
HASH_POR_NOMBRE = {"MD5": T.MD5, "SHA-1": T.SHA1, "SHA1": T.SHA1, "SHA-256": T.SHA256,
                   "SHA256": T.SHA256, "SHA-512": T.SHA512, "SHA512": T.SHA512}
TIPOS_VALUE = (T.IPV4, T.IPV6, T.DOMINIO, T.URL, T.EMAIL)
# Names people use in pasted lists or API calls.
ALIAS_TIPO = {"ip": None, "ipv4": T.IPV4, "ipv6": T.IPV6, "domain": T.DOMINIO,
              "dominio": T.DOMINIO, "hostname": T.DOMINIO, "email": T.EMAIL,
              "correo": T.EMAIL, "md5": T.MD5, "sha1": T.SHA1, "sha-1": T.SHA1,
              "sha256": T.SHA256, "sha-256": T.SHA256, "sha512": T.SHA512,
              "sha-512": T.SHA512, "pattern": T.PATRON, "stix": T.PATRON}


class ValorInvalido(ValueError):
    """The value cannot be an indicator of the (given or detected) type; args[0] says why."""


@dataclass(frozen=True, slots=True)
class Normalizado:
    tipo: str
    valor: str

    def __post_init__(self):
        # Plain str, not the TextChoices member (f-strings, JSON and COPY see the code).
        if type(self.tipo) is not str:
            object.__setattr__(self, "tipo", str(self.tipo))

    @property
    def patron(self) -> str:
        return patron_de(self.tipo, self.valor)

    @property
    def sco(self) -> tuple[str, dict] | None:
        return sco_de(self.tipo, self.valor)

    @property
    def id_sco(self) -> str | None:
        sco = self.sco
        return stix.id_sco(*sco) if sco else None

    @property
    def id_indicador(self) -> str:
        return "indicator--" + str(uuid_indicador(self.tipo, self.valor))


def uuid_indicador(tipo: str, valor: str):
    """Our indicator SDO id: UUIDv5 in NAMESPACE_CGII over (type, normalised value)."""
    return stix.uuid_cgii_2("indicator", tipo, valor)


# ---- refang ------------------------------------------------------------------------------

_REFANG = [
    (re.compile(r"(?i)\bh(?:xx|\*\*)p(s?)(?=\s*(?:\[|\(|\{)?:)"),
     lambda m: "http" + m.group(1).lower()),
    (re.compile(r"(?i)\bfxp(?=\s*(?:\[|\(|\{)?:)"), "ftp"),
    (re.compile(r"(?i)\s*[\[({]\s*(?:\.|dot)\s*[\])}]\s*"), "."),
    (re.compile(r"(?i)\s*[\[({]\s*(?:@|at)\s*[\])}]\s*"), "@"),
    (re.compile(r"[\[({]://[\])}]"), "://"),
    (re.compile(r"[\[({]:[\])}]"), ":"),
    (re.compile(r"[\[({]/[\])}]"), "/"),
]
_BORDES = " \t\r\n\"'`<>,;"


_QUIZA_DEFANGED = re.compile(r"(?i)[\[\](){}]|hxx|h\*\*|fxp")


def refang(texto: str) -> str:
    """Undo the usual defanging: hxxp(s), fxp, [.] (.) {.} [dot], [@] (at) [at], [:], [/]."""
    if not _QUIZA_DEFANGED.search(texto):
        return texto
    for regex, reemplazo in _REFANG:
        texto = regex.sub(reemplazo, texto)
    return texto


# ---- per type ------------------------------------------------------------------------------

_ETIQUETA = re.compile(r"^[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?$")
_TLD = re.compile(r"^(?:[a-z]{2,63}|xn--[a-z0-9-]{1,59})$")


def normalizar_dominio(texto: str, *, requiere_punto: bool = True) -> str:
    d = texto.strip()
    if d.endswith("."):
        d = d[:-1]
    if not d:
        raise ValorInvalido(_("Dominio vacío."))
    if not d.isascii():
        try:
            d = idna.encode(d, uts46=True).decode("ascii")
        except (idna.IDNAError, UnicodeError) as exc:
            raise ValorInvalido(_("Dominio internacionalizado no válido: %(e)s") % {"e": exc}) \
                from None
    d = d.lower()
    if len(d) > 253:
        raise ValorInvalido(_("El dominio supera 253 caracteres."))
    etiquetas = d.split(".")
    if requiere_punto and len(etiquetas) < 2:
        raise ValorInvalido(_("Un dominio necesita al menos dos etiquetas (ejemplo.bo)."))
    for etiqueta in etiquetas:
        if not _ETIQUETA.match(etiqueta):
            raise ValorInvalido(_("Etiqueta de dominio no válida: «%(e)s».") % {"e": etiqueta})
        if etiqueta.startswith("xn--"):
            try:
                idna.decode(etiqueta)
            except (idna.IDNAError, UnicodeError):
                raise ValorInvalido(_("Etiqueta punycode no válida: «%(e)s».")
                                    % {"e": etiqueta}) from None
    if len(etiquetas) >= 2 and not _TLD.match(etiquetas[-1]):
        raise ValorInvalido(_("Dominio de primer nivel no válido: «%(e)s».")
                            % {"e": etiquetas[-1]})
    return d


def _texto_ipv6(ip: ipaddress.IPv6Address) -> str:
    mapeada = ip.ipv4_mapped
    return f"::ffff:{mapeada}" if mapeada is not None else ip.compressed


_IPV4_SIMPLE = re.compile(r"^(?:(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.){3}"
                          r"(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)$")


def normalizar_ip(texto: str) -> tuple[str, str]:
    """(type, canonical text) of an address or CIDR; raises ValorInvalido."""
    t = texto.strip()
    if _IPV4_SIMPLE.match(t):
        # Already canonical (no leading zeros, each octet ≤ 255): skip ipaddress.
        return T.IPV4.value, t
    if t.startswith("[") and t.endswith("]"):
        t = t[1:-1]
    if "%" in t:
        raise ValorInvalido(_("Las direcciones IPv6 con zona (%) no se admiten."))
    try:
        if "/" in t:
            red = ipaddress.ip_network(t, strict=False)
            direccion, prefijo = red.network_address, red.prefixlen
        else:
            direccion = ipaddress.ip_address(t)
            prefijo = direccion.max_prefixlen
    except ValueError:
        raise ValorInvalido(_("Dirección IP o rango CIDR no válido.")) from None
    if direccion.version == 4:
        tipo, base = T.IPV4, str(direccion)
    else:
        tipo, base = T.IPV6, _texto_ipv6(direccion)
    if prefijo != direccion.max_prefixlen:
        base = f"{base}/{prefijo}"
    return tipo, base


_PUERTOS_POR_DEFECTO = {"http": 80, "https": 443, "ftp": 21, "ws": 80, "wss": 443}
_ESQUEMA = re.compile(r"^[a-z][a-z0-9+.-]*$")
_SEGURO_RUTA = "/%:@!$&'()*+,;=-._~"
_SEGURO_CONSULTA = _SEGURO_RUTA + "?"


_URL_SIMPLE = re.compile(
    r"^([A-Za-z][A-Za-z0-9+.-]*)://([A-Za-z0-9_.-]+)(?::(\d{1,5}))?"
    r"([/?#][A-Za-z0-9\-._~!$&'()*+,;=:@/?#%]*)?$")


def normalizar_url(texto: str) -> str:
    """Fast path for the common shape (ASCII host without user info, nothing to
    percent-encode); everything else goes through ``urlsplit``. Both give the same result
    (property-tested)."""
    m = _URL_SIMPLE.match(texto.strip())
    if m is None:
        return _normalizar_url_general(texto)
    esquema, host, puerto, resto = m.groups()
    if (resto and resto.count("#") > 1) or (puerto and int(puerto) > 65535):
        return _normalizar_url_general(texto)
    esquema = esquema.lower()
    if _IPV4_SIMPLE.match(host):
        host_norm = host
    elif not _PARECE_IP.match(host):
        host_norm = normalizar_dominio(host, requiere_punto=False)
    else:
        try:
            tipo, host_norm = normalizar_ip(host)
            if "/" in host_norm or tipo != T.IPV4:
                raise ValorInvalido(_("Host no válido."))
        except ValorInvalido:
            host_norm = normalizar_dominio(host, requiere_punto=False)
    if puerto is not None and _PUERTOS_POR_DEFECTO.get(esquema) != int(puerto):
        host_norm += f":{int(puerto)}"
    ruta, _s, fragmento = (resto or "").partition("#")
    ruta, _s, consulta = ruta.partition("?")
    url = f"{esquema}://{host_norm}{ruta or '/'}"
    if consulta:
        url += "?" + consulta
    if fragmento:
        url += "#" + fragmento
    return url


def _normalizar_url_general(texto: str) -> str:
    t = texto.strip()
    if any(c in t for c in " \t\r\n"):
        raise ValorInvalido(_("Una URL no puede contener espacios."))
    try:
        partes = urlsplit(t)
        puerto = partes.port
    except ValueError:
        raise ValorInvalido(_("URL mal formada.")) from None
    esquema = partes.scheme.lower()
    if not esquema or not _ESQUEMA.match(esquema) or not partes.netloc or "://" not in t:
        raise ValorInvalido(_("La URL necesita esquema y host (http://host/…)."))
    usuario, arroba, hostport = partes.netloc.rpartition("@")
    host = partes.hostname or ""
    if not host:
        raise ValorInvalido(_("La URL no tiene host."))
    if hostport.startswith("["):
        _t, ip = normalizar_ip(host)
        host_norm = f"[{ip}]"
    else:
        try:
            host_norm = normalizar_ip(host)[1]
            if "/" in host_norm:
                raise ValorInvalido(_("Host no válido."))
        except ValorInvalido:
            host_norm = normalizar_dominio(host, requiere_punto=False)
    netloc = f"{usuario}@{host_norm}" if arroba else host_norm
    if puerto is not None and _PUERTOS_POR_DEFECTO.get(esquema) != puerto:
        netloc += f":{puerto}"
    ruta = quote(partes.path, safe=_SEGURO_RUTA) or "/"
    url = f"{esquema}://{netloc}{ruta}"
    if partes.query:
        url += "?" + quote(partes.query, safe=_SEGURO_CONSULTA)
    if partes.fragment:
        url += "#" + quote(partes.fragment, safe=_SEGURO_CONSULTA)
    return url


_LOCAL = re.compile(r"^[^\s@<>()\[\],;:\"\\]{1,64}$")


def normalizar_email(texto: str) -> str:
    t = texto.strip()
    if t[:7].lower() == "mailto:":
        t = t[7:]
    local, arroba, dominio = t.rpartition("@")
    if not arroba or not _LOCAL.match(local):
        raise ValorInvalido(_("Correo electrónico no válido."))
    return f"{local.lower()}@{normalizar_dominio(dominio)}"


_HEX = re.compile(r"^[0-9a-fA-F]+$")


def normalizar_hash(texto: str, tipo: str | None = None) -> tuple[str, str]:
    t = texto.strip()
    if not _HEX.match(t):
        raise ValorInvalido(_("Un hash solo tiene dígitos hexadecimales."))
    detectado = HASH_POR_LARGO.get(len(t))
    if tipo is not None and detectado != tipo:
        nombre, largo = TIPOS_HASH[tipo]
        raise ValorInvalido(_("Un %(n)s tiene %(l)d dígitos hexadecimales, no %(d)d.")
                            % {"n": nombre, "l": largo, "d": len(t)})
    if detectado is None:
        raise ValorInvalido(_("Longitud de hash no reconocida (32, 40, 64 o 128)."))
    return detectado, t.lower()


# ---- patterns ----------------------------------------------------------------------------

_RE_VALUE = re.compile(
    r"^\[\s*(ipv4-addr|ipv6-addr|domain-name|url|email-addr):value\s*(=|ISSUBSET)\s*"
    r"'((?:[^'\\]|\\['\\])*)'\s*\]$")
_RE_HASH = re.compile(
    r"^\[\s*file:hashes\.(?:'(MD5|SHA-1|SHA-256|SHA-512)'|(MD5|SHA1|SHA256|SHA512))\s*=\s*"
    r"'([0-9a-fA-F]+)'\s*\]$")
_DESESCAPAR = re.compile(r"\\(['\\])")


def patron_simple(patron: str) -> tuple[str, str] | None:
    """(type, raw value) when the pattern is one value comparison we model as a typed
    indicator. Such a pattern is valid STIX by construction (the regex is a strict subset of
    the grammar), so it skips the ANTLR validator."""
    m = _RE_VALUE.match(patron)
    if m:
        tipo, operador, valor = m.groups()
        if operador == "ISSUBSET" and tipo not in (T.IPV4, T.IPV6):
            return None
        return tipo, (_DESESCAPAR.sub(r"\1", valor) if "\\" in valor else valor)
    m = _RE_HASH.match(patron)
    if m:
        nombre = m.group(1) or m.group(2)
        return HASH_POR_NOMBRE[nombre], m.group(3)
    return None


# A strict subset of the STIX 2.1 pattern grammar that needs no ANTLR parse: observation
# expressions `[path op literal (AND|OR path op literal)*]` joined by AND / OR / FOLLOWEDBY,
# lower-case identifiers, integer or plain string literals, no qualifiers. Everything it
# accepts is valid by construction; stix2-patterns' only semantic check (hash formats) is
# kept by sending any path with "hashes" to the full validator, and so is anything else
# (differential-tested against stix2-patterns).
_ID = r"[a-z_][a-z0-9_]*"
_COMPARACION = (rf"[a-z_][a-z0-9_-]*:{_ID}(?:\.{_ID})*\s*(?:=|!=|<=|>=|<|>)\s*"
                r"(?:'(?:[^'\\]|\\['\\])*'|0|-?[1-9][0-9]*)")
_OBSERVACION = rf"\[\s*{_COMPARACION}(?:\s+(?:AND|OR)\s+{_COMPARACION})*\s*\]"
_RE_COMPUESTO = re.compile(
    rf"^\s*{_OBSERVACION}(?:\s+(?:AND|OR|FOLLOWEDBY)\s+{_OBSERVACION})*\s*$")
_LITERALES = re.compile(r"'(?:[^'\\]|\\['\\])*'")
_PALABRAS = re.compile(r"[A-Za-z_][A-Za-z0-9_-]*")


def patron_compuesto_valido(patron: str) -> bool:
    """True when the pattern is in the subset above (so valid without the ANTLR parse)."""
    if len(patron) > 4096 or not _RE_COMPUESTO.match(patron):
        return False
    sin_literales = _LITERALES.sub("''", patron)
    palabras = {p.lower() for p in _PALABRAS.findall(sin_literales)}
    return not (palabras & {"true", "false", "hashes"})


def patron_de(tipo: str, valor: str) -> str:
    """The STIX pattern we generate for a normalised (type, value)."""
    if tipo == T.PATRON:
        return valor
    if tipo in TIPOS_HASH:
        nombre = TIPOS_HASH[tipo][0]
        ruta = "MD5" if nombre == "MD5" else f"'{nombre}'"
        return f"[file:hashes.{ruta} = {stix.literal(valor)}]"
    operador = "ISSUBSET" if tipo in (T.IPV4, T.IPV6) and "/" in valor else "="
    return f"[{tipo}:value {operador} {stix.literal(valor)}]"


def sco_de(tipo: str, valor: str) -> tuple[str, dict] | None:
    """(SCO type, id-contributing properties) of a typed indicator; None for patterns."""
    if tipo in TIPOS_HASH:
        return "file", {"hashes": {TIPOS_HASH[tipo][0]: valor}}
    if tipo in TIPOS_VALUE:
        return str(tipo), {"value": valor}
    return None


def desde_patron(patron: str) -> Normalizado:
    """A STIX pattern as an indicator: typed when it is a simple comparison, else 'patron'."""
    texto = patron.strip()
    simple = patron_simple(texto)
    if simple is not None:
        return normalizar(simple[1], simple[0], refangar=False)
    errores = () if patron_compuesto_valido(texto) else stix.errores_patron(texto)
    if errores:
        raise ValorInvalido(_("Patrón STIX no válido: %(e)s") % {"e": "; ".join(errores)})
    return _acotado(Normalizado(T.PATRON, texto))


# ---- entry points --------------------------------------------------------------------------

def _acotado(n: Normalizado) -> Normalizado:
    # (UTF-8 takes at most 4 bytes per character: short values need no encoding)
    if len(n.valor) * 4 > MAX_BYTES_VALOR and len(n.valor.encode("utf-8")) > MAX_BYTES_VALOR:
        raise ValorInvalido(_("El valor supera %(n)d bytes.") % {"n": MAX_BYTES_VALOR})
    return n


def tipo_de_alias(tipo: str | None) -> str | None:
    """A type code from what a client sent ('' → detect). Raises ValorInvalido."""
    if not tipo:
        return None
    t = str(tipo).strip().lower()
    if t in T.values:
        return t
    if t in ALIAS_TIPO:
        return ALIAS_TIPO[t]
    raise ValorInvalido(_("Tipo de indicador desconocido: «%(t)s».") % {"t": tipo})


def normalizar(texto: str, tipo: str | None = None, *, refangar: bool = True) -> Normalizado:
    """Normalise ``texto`` as ``tipo`` (or detect it). Raises ValorInvalido with the reason.

    The value is refanged first, unless ``refangar=False`` (values taken from STIX objects
    and patterns are literal) or it is a STIX pattern.
    """
    if not isinstance(texto, str):
        raise ValorInvalido(_("El valor debe ser texto."))
    if not texto.isascii():
        try:
            texto.encode("utf-8")
        except UnicodeEncodeError:
            raise ValorInvalido(_("El valor tiene caracteres que no son UTF-8 válidos.")) \
                from None
    t = texto.strip().strip(_BORDES)
    if not t:
        raise ValorInvalido(_("Valor vacío."))
    if tipo == T.PATRON or (tipo is None and t.startswith("[") and t.endswith("]")
                            and ":" in t and not _parece_ip_entre_corchetes(t)):
        if tipo == T.PATRON:
            n = desde_patron(texto.strip())
            return n
        return desde_patron(t)
    if refangar:
        t = refang(t).strip(_BORDES)
    if tipo is None:
        tipo = detectar(t)
    if tipo in TIPOS_HASH:
        return _acotado(Normalizado(*normalizar_hash(t, tipo)))
    if tipo in (T.IPV4, T.IPV6):
        detectado, valor = normalizar_ip(t)
        if detectado != tipo:
            raise ValorInvalido(_("No es una dirección %(t)s.") % {"t": T(tipo).label})
        return Normalizado(detectado, valor)
    if tipo == T.DOMINIO:
        return _acotado(Normalizado(T.DOMINIO, normalizar_dominio(t)))
    if tipo == T.URL:
        return _acotado(Normalizado(T.URL, normalizar_url(t)))
    if tipo == T.EMAIL:
        return _acotado(Normalizado(T.EMAIL, normalizar_email(t)))
    raise ValorInvalido(_("Tipo de indicador desconocido."))


def _parece_ip_entre_corchetes(t: str) -> bool:
    try:
        ipaddress.ip_address(t[1:-1])
    except ValueError:
        return False
    return True


# Only these characters can make an IP or CIDR (the rest is not worth an exception).
_PARECE_IP = re.compile(r"^[0-9a-fA-F:.\[\]/]+$")
_RE_DOMINIO_CANDIDATO = re.compile(r"^[^\s/@:]+\.[^\s/@:.]+$")


def detectar(t: str) -> str:
    """The type of a refanged value, or ValorInvalido."""
    if _HEX.match(t) and len(t) in HASH_POR_LARGO:
        return HASH_POR_LARGO[len(t)]
    if "://" in t:
        return T.URL
    if t[:7].lower() == "mailto:" or ("@" in t and "/" not in t):
        return T.EMAIL
    if _PARECE_IP.match(t):
        try:
            return normalizar_ip(t)[0]
        except ValorInvalido:
            pass
    if _RE_DOMINIO_CANDIDATO.match(t.removesuffix(".")):
        return T.DOMINIO
    raise ValorInvalido(_("No se reconoce el tipo del valor (IP, dominio, URL, correo, hash o "
                          "patrón STIX)."))


# ---- extraction from free text --------------------------------------------------------------

_EXTENSIONES_ARCHIVO = {
    "exe", "dll", "pdf", "doc", "docx", "xls", "xlsx", "ppt", "pptx", "txt", "png", "jpg",
    "jpeg", "gif", "js", "php", "html", "htm", "bat", "ps1", "vbs", "sh", "py", "log", "csv",
    "json", "xml", "msi", "iso", "rar", "7z", "tar", "gz", "lnk", "hta", "jar", "eml", "pcap",
}
_RE_URL = re.compile(r"(?i)\b(?:https?|hxxps?|ftp|fxp)(?:\[?:\]?)//[^\s<>\"'`]+")
_RE_EMAIL = re.compile(
    r"(?i)[a-z0-9._%+-]+(?:@|\[@\]|\(@\)|\[at\]|\(at\))"
    r"[a-z0-9-]+(?:(?:\.|\[\.\]|\(\.\)|\[dot\])[a-z0-9-]+)+")
_RE_IPV4 = re.compile(r"(?<![\w.])(?:\d{1,3}(?:\.|\[\.\]|\(\.\))){3}\d{1,3}(?:/\d{1,2})?(?!\w|\.\d)")
_RE_IPV6 = re.compile(r"(?i)(?<![\w:])(?:[0-9a-f]{0,4}:){2,7}[0-9a-f]{0,4}(?:/\d{1,3})?(?![\w:])")
_RE_HASHES = re.compile(r"(?i)(?<![0-9a-f])(?:[0-9a-f]{128}|[0-9a-f]{64}|[0-9a-f]{40}|[0-9a-f]{32})"
                        r"(?![0-9a-f])")
_RE_DOMINIO = re.compile(
    r"(?i)(?<![\w@.-])(?:[a-z0-9\u00a1-\uffff](?:[a-z0-9\u00a1-\uffff-]{0,61}[a-z0-9\u00a1-\uffff])?"
    r"(?:\.|\[\.\]|\(\.\)|\[dot\]))+[a-z\u00a1-\uffff]{2,63}(?![\w-])")


def host_de_url(url: Normalizado) -> Normalizado | None:
    """The domain (or IP) a normalised URL points at: a phishing URL's host is an indicator
    of its own (it is what DNS blocklists and the constituency matching take)."""
    host = urlsplit(url.valor).hostname or ""
    try:
        return normalizar(host, T.DOMINIO if _RE_DOMINIO_CANDIDATO.match(host) and not
                          _PARECE_IP.match(host) else None, refangar=False)
    except ValorInvalido:
        return None


def extraer(texto: str) -> list[tuple[str, Normalizado]]:
    """Candidate indicators in free text, in order of appearance, without duplicates.

    URLs and e-mail addresses are taken first and their spans blanked, so their hosts are not
    proposed again as domains from the text; a URL's host is proposed right after it (as a
    domain, or an IP) instead. Names ending in a common file extension are not domains.
    """
    encontrados: list[tuple[int, str, Normalizado]] = []
    vistos: set[tuple[str, str]] = set()
    restante = texto or ""

    def tomar(regex, tipo=None, filtro=None):
        nonlocal restante
        for m in list(regex.finditer(restante)):
            original = m.group(0).rstrip(".,;:)]}")
            if filtro and not filtro(original):
                continue
            try:
                n = normalizar(original, tipo)
            except ValorInvalido:
                continue
            # A URL's host comes with it; its "original" is the plain value, so that
            # confirming the candidate (the page posts the original text) adds the host.
            derivados = [(original, n)]
            if n.tipo == T.URL:
                host = host_de_url(n)
                if host is not None:
                    derivados.append((host.valor, host))
            for texto_original, d in derivados:
                clave = (d.tipo, d.valor)
                if clave not in vistos:
                    vistos.add(clave)
                    encontrados.append((m.start(), texto_original, d))
            restante = restante[:m.start()] + " " * len(original) + restante[m.start()
                                                                             + len(original):]

    tomar(_RE_URL, T.URL)
    tomar(_RE_EMAIL, T.EMAIL)
    tomar(_RE_HASHES)
    tomar(_RE_IPV4, T.IPV4)
    tomar(_RE_IPV6, T.IPV6, filtro=lambda s: s.count(":") >= 2 and any(c.isalnum() for c in s))

    def no_es_archivo(s: str) -> bool:
        return refang(s).rsplit(".", 1)[-1].lower() not in _EXTENSIONES_ARCHIVO

    tomar(_RE_DOMINIO, T.DOMINIO, filtro=no_es_archivo)
    encontrados.sort(key=lambda x: x[0])
    return [(original, n) for _pos, original, n in encontrados]
