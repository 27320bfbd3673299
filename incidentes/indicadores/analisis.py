"""Read and check a STIX 2.1 bundle without the ``stix2`` object model (the fast path).

``analizar(contenido)`` parses with orjson, checks every object structurally (required
properties, id/type/timestamp formats, ranges), validates STIX patterns (simple value
comparisons by a strict regex, the rest with stix2-patterns, cached by pattern text),
normalises the values, and returns what to write plus the report of every bad object
(index, id, type, reason). It never touches the database.

What is interpreted: Indicator (pattern_type ``stix``) → an indicator per normalised value;
SCOs ipv4-addr, ipv6-addr, domain-name, url, email-addr and file hashes → indicators;
Observed-data and Sighting → first/last seen of the values they reference (and, when the
import targets an incident, its sightings); marking-definitions → TLP (TLP 1.0 ids and
definitions are aliases of TLP 2.0). Identity, Relationship, other SDOs, other SCOs, unknown
and custom (``x-``) objects are checked and kept as received, not interpreted.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

import orjson
from django.utils.translation import gettext as _

from . import stix
from .escritura import Entrada
from .normalizacion import HASH_POR_NOMBRE, ValorInvalido, desde_patron, normalizar

TIPOS_SDO = frozenset({
    "attack-pattern", "campaign", "course-of-action", "grouping", "identity", "incident",
    "indicator", "infrastructure", "intrusion-set", "location", "malware", "malware-analysis",
    "note", "observed-data", "opinion", "report", "threat-actor", "tool", "vulnerability"})
TIPOS_SRO = frozenset({"relationship", "sighting"})
TIPOS_SMO = frozenset({"marking-definition", "language-content", "extension-definition"})
TIPOS_SCO = frozenset({
    "artifact", "autonomous-system", "directory", "domain-name", "email-addr", "email-message",
    "file", "ipv4-addr", "ipv6-addr", "mac-addr", "mutex", "network-traffic", "process",
    "software", "url", "user-account", "windows-registry-key", "x509-certificate"})
SCO_CON_VALUE = frozenset({"ipv4-addr", "ipv6-addr", "domain-name", "url", "email-addr"})
CON_CREATED = TIPOS_SDO | TIPOS_SRO | TIPOS_SMO
REPRESENTADOS = SCO_CON_VALUE | {"indicator", "file"}
TIPOS_CONOCIDOS = TIPOS_SDO | TIPOS_SRO | TIPOS_SMO | TIPOS_SCO
CON_MODIFIED = TIPOS_SDO | TIPOS_SRO | {"language-content", "extension-definition"}

_RE_TIPO = re.compile(r"^[a-z0-9][a-z0-9-]{1,248}[a-z0-9]$")
_RE_REL = re.compile(r"^[a-z0-9][a-z0-9-]*$")
MAX_ENTERO = 999_999_999


# Marking ids already checked (a handful per bundle, repeated on every object).
_MARCAS_VALIDAS: set = set(stix.TLP_POR_ID)


class BundleInvalido(ValueError):
    """The document as a whole is not a STIX 2.1 bundle (nothing can be imported)."""


class _Malo(Exception):  # noqa: N818 - internal signal: one bad object
    pass


@dataclass
class Analisis:
    total: int = 0
    errores: list[dict] = field(default_factory=list)
    # Valid objects: [indice, stix_id, tipo, modified-or-created text, interpretado,
    #                 claves (list of (tipo, valor)), json text]
    filas: list[list] = field(default_factory=list)
    entradas: dict = field(default_factory=dict)        # (tipo, valor) → Entrada
    claves_indicador: set = field(default_factory=set)   # from Indicator objects
    avistamientos: dict = field(default_factory=dict)    # (tipo, valor) → [first, last, count]
    externos: list = field(default_factory=list)         # sightings of objects not in bundle
    # Streaming (one batch at a time): observed-data refs not in this batch, and marking
    # ids used before this batch defined them (see flujo.py).
    pendientes: list = field(default_factory=list)       # (ref, first, last)
    conteo_tipos: dict = field(default_factory=dict)
    no_interpretados: int = 0

    def contadores(self) -> dict:
        return {"objetos": self.total, "validos": len(self.filas), "errores": len(self.errores),
                "valores_unicos": len(self.entradas), "no_interpretados": self.no_interpretados,
                "por_tipo": dict(sorted(self.conteo_tipos.items()))}


def _ts(obj: dict, prop: str, *, requerido: bool):
    valor = obj.get(prop)
    if valor is None:
        if requerido:
            raise _Malo(_("falta «%(p)s»") % {"p": prop})
        return None
    momento = stix.leer_ts(valor)
    if momento is None:
        raise _Malo(_("«%(p)s» no es un timestamp STIX (AAAA-MM-DDThh:mm:ss[.s]Z)")
                    % {"p": prop})
    return momento


def _entero(obj: dict, prop: str, minimo: int, maximo: int, *, requerido: bool = False):
    valor = obj.get(prop)
    if valor is None:
        if requerido:
            raise _Malo(_("falta «%(p)s»") % {"p": prop})
        return None
    if isinstance(valor, bool) or not isinstance(valor, int) or not minimo <= valor <= maximo:
        raise _Malo(_("«%(p)s» debe ser un entero entre %(a)d y %(b)d")
                    % {"p": prop, "a": minimo, "b": maximo})
    return valor


def _ref(valor, prop: str, prefijo: str | None = None) -> str:
    if not isinstance(valor, str) or not stix.RE_ID.match(valor):
        raise _Malo(_("«%(p)s» no es un identificador STIX") % {"p": prop})
    if prefijo and not valor.startswith(prefijo + "--"):
        raise _Malo(_("«%(p)s» debe referirse a un objeto %(t)s") % {"p": prop, "t": prefijo})
    return valor


def _refs(obj: dict, prop: str, prefijo: str | None = None, *, requerido: bool = False):
    valor = obj.get(prop)
    if valor is None:
        if requerido:
            raise _Malo(_("falta «%(p)s»") % {"p": prop})
        return []
    if not isinstance(valor, list) or (requerido and not valor):
        raise _Malo(_("«%(p)s» debe ser una lista no vacía") % {"p": prop})
    return [_ref(v, prop, prefijo) for v in valor]


def _texto(obj: dict, prop: str, *, requerido: bool = False) -> str:
    valor = obj.get(prop)
    if valor is None:
        if requerido:
            raise _Malo(_("falta «%(p)s»") % {"p": prop})
        return ""
    if not isinstance(valor, str):
        raise _Malo(_("«%(p)s» debe ser texto") % {"p": prop})
    return valor


def _tlp_de_marca(obj: dict) -> str | None:
    extension = (obj.get("extensions") or {}).get(stix.EXTENSION_TLP2) \
        if isinstance(obj.get("extensions"), dict) else None
    if isinstance(extension, dict) and "tlp_2_0" in extension:
        return stix.tlp_codigo(extension.get("tlp_2_0")) or "?"
    if obj.get("definition_type") == "tlp":
        definicion = obj.get("definition")
        tlp = definicion.get("tlp") if isinstance(definicion, dict) else None
        return stix.tlp_codigo(tlp) or "?"
    return None


def _es_tlp1_estandar(obj: dict, codigo: str) -> bool:
    """The object is exactly the TLP 1.0 marking-definition its id names (name optional)."""
    nombre = stix.TLP1_NOMBRES[codigo]
    return (obj.get("definition_type") == "tlp"
            and obj.get("definition") == {"tlp": nombre}
            and obj.get("name", f"TLP:{nombre.upper()}") == f"TLP:{nombre.upper()}"
            and "extensions" not in obj)


def _comunes(obj, indice: int) -> tuple[str, str]:
    if not isinstance(obj, dict):
        raise _Malo(_("no es un objeto JSON"))
    tipo = obj.get("type")
    if tipo not in TIPOS_CONOCIDOS and (not isinstance(tipo, str) or not _RE_TIPO.match(tipo)):
        raise _Malo(_("«type» ausente o no válido"))
    ident = obj.get("id")
    m = stix.RE_ID.match(ident) if isinstance(ident, str) else None
    if m is None or m.group(1) != tipo:
        raise _Malo(_("«id» debe ser «%(t)s--<uuid>»") % {"t": tipo})
    version = obj.get("spec_version")
    if version is None:
        if tipo in CON_CREATED:
            raise _Malo(_("falta «spec_version» (obligatorio en STIX 2.1)"))
    elif version != "2.1":
        raise _Malo(_("spec_version «%(v)s» no soportado: solo STIX 2.1") % {"v": version})
    if tipo in CON_CREATED:
        creado = _ts(obj, "created", requerido=True)
        if tipo in CON_MODIFIED:
            modificado = _ts(obj, "modified", requerido=True)
            if modificado < creado:
                raise _Malo(_("«modified» es anterior a «created»"))
    marcas = obj.get("object_marking_refs")
    if marcas is not None:
        if type(marcas) is not list or not marcas:
            raise _Malo(_("«object_marking_refs» debe ser una lista no vacía"))
        for ref in marcas:
            if ref not in _MARCAS_VALIDAS:
                _ref(ref, "object_marking_refs", "marking-definition")
                if len(_MARCAS_VALIDAS) < 10_000:
                    _MARCAS_VALIDAS.add(ref)
    return tipo, ident


def verificar_documento(datos) -> list:
    """Document-level checks (cheap, also done before queueing a large import): a STIX 2.1
    bundle, not 2.0. Returns its objects; raises BundleInvalido."""
    if not isinstance(datos, dict) or datos.get("type") != "bundle":
        raise BundleInvalido(_("No es un bundle STIX: se esperaba un objeto con "
                               "\"type\": \"bundle\"."))
    if datos.get("spec_version") == "2.0":
        raise BundleInvalido(_("El bundle es STIX 2.0; solo se acepta STIX 2.1. Conviértalo "
                               "(por ejemplo con stix2-elevator) y vuelva a enviarlo."))
    ident = datos.get("id")
    if not isinstance(ident, str) or not ident.startswith("bundle--") \
            or not stix.RE_ID.match(ident):
        raise BundleInvalido(_("El bundle necesita un «id» bundle--<uuid>."))
    objetos = datos.get("objects", [])
    if not isinstance(objetos, list):
        raise BundleInvalido(_("«objects» debe ser una lista."))
    sdo = [o for o in objetos[:1000] if isinstance(o, dict) and o.get("type") in CON_CREATED]
    if sdo and all("spec_version" not in o for o in sdo):
        raise BundleInvalido(_("Los objetos no tienen «spec_version»: parece STIX 2.0. Solo se "
                               "acepta STIX 2.1."))
    return objetos


def _cargar(contenido):
    if isinstance(contenido, (bytes, bytearray, memoryview, str)):
        try:
            return orjson.loads(contenido)
        except orjson.JSONDecodeError as exc:
            raise BundleInvalido(_("El archivo no es JSON válido: %(e)s") % {"e": exc}) from None
    return contenido


@dataclass
class _Lectura:
    """The state of one analysis while objects are read (what the per-type readers share)."""

    a: Analisis
    tlp_defecto: str
    marcas: dict = field(default_factory=lambda: dict(stix.TLP_POR_ID))
    marcas_sin_definir: set | None = None                # streaming: refs not yet known
    malos: set = field(default_factory=set)
    refs: dict = field(default_factory=dict)            # STIX id in the bundle → keys
    observaciones: list = field(default_factory=list)   # (object_refs, first, last)
    avistamientos: list = field(default_factory=list)   # (ref, first, last, count)

    def malo(self, indice, obj, motivo) -> None:
        self.malos.add(indice)
        es_dict = isinstance(obj, dict)
        self.a.errores.append({
            "indice": indice,
            "id": obj.get("id") if es_dict and isinstance(obj.get("id"), str) else None,
            "tipo": obj.get("type") if es_dict and isinstance(obj.get("type"), str) else None,
            "motivo": str(motivo)})

    def tlp_de(self, obj) -> str:
        refs = obj.get("object_marking_refs")
        if refs:
            if self.marcas_sin_definir is not None:
                self.marcas_sin_definir.update(r for r in refs if r not in self.marcas)
            if len(refs) == 1:
                # The usual case (one marking): no list to build and rank.
                return self.marcas.get(refs[0]) or self.tlp_defecto
            return stix.tlp_mas_restrictivo([self.marcas.get(r) for r in refs]) \
                or self.tlp_defecto
        return self.tlp_defecto

    def agregar(self, entrada: Entrada) -> tuple[str, str]:
        clave = (entrada.tipo, entrada.valor)
        previa = self.a.entradas.get(clave)
        if previa is None:
            self.a.entradas[clave] = entrada
        else:
            previa.fusionar(entrada)
        return clave


def _marca(obj) -> str | None:
    """Pass 1: a marking-definition's TLP level (None: not a TLP marking); _Malo if wrong."""
    tlp = _tlp_de_marca(obj)
    if tlp == "?":
        raise _Malo(_("nivel TLP desconocido"))
    conocido = stix.TLP_POR_ID.get(obj["id"])
    if obj["id"] in stix.TLP1_IDS and not _es_tlp1_estandar(obj, conocido):
        # STIX 2.1 §7.2.1.4 fixes these objects: under a TLP 1.0 id, any other content
        # (e.g. {"tlp": "clear"} under TLP:WHITE) is a bad object, not an alias to read
        # generously (issue 16).
        raise _Malo(_("el id es el de TLP:%(a)s (TLP 1.0) pero el contenido no es su "
                      "definición estándar (definition_type «tlp», definition "
                      "{\"tlp\": \"%(b)s\"})")
                    % {"a": stix.TLP1_NOMBRES[conocido].upper(),
                       "b": stix.TLP1_NOMBRES[conocido]})
    if conocido and tlp and tlp != conocido:
        raise _Malo(_("el id es el de TLP:%(a)s pero la definición dice %(b)s")
                    % {"a": conocido.upper(), "b": tlp.upper()})
    if tlp is None and conocido is None and not (
            obj.get("definition_type") and isinstance(obj.get("definition"), dict)
    ) and not isinstance(obj.get("extensions"), dict):
        raise _Malo(_("marking-definition sin definición ni extensión"))
    return tlp


def _leer_marcas(lectura: _Lectura, objetos: list, base: int = 0) -> None:
    for indice, obj in enumerate(objetos, base):
        if isinstance(obj, dict) and obj.get("type") == "marking-definition":
            try:
                _comunes(obj, indice)
                tlp = _marca(obj)
                if tlp:
                    lectura.marcas[obj["id"]] = tlp
            except _Malo as exc:
                lectura.malo(indice, obj, exc)


# ---- one reader per STIX object type: (keys it yields, whether it was interpreted) --------

def _normalizado(valor, tipo, prefijo: str = ""):
    try:
        return normalizar(valor, tipo, refangar=False)
    except ValorInvalido as exc:
        raise _Malo(f"{prefijo}{exc}") from None


# Most producers send exactly this: one comparison instead of a generator per object.
_TIPOS_HABITUALES = ["malicious-activity"]


def _leer_indicador(lectura: _Lectura, obj: dict) -> tuple[list, bool]:
    patron = _texto(obj, "pattern", requerido=True)
    tipo_patron = _texto(obj, "pattern_type", requerido=True)
    desde = _ts(obj, "valid_from", requerido=True)
    hasta = _ts(obj, "valid_until", requerido=False)
    if hasta is not None and hasta <= desde:
        raise _Malo(_("«valid_until» debe ser posterior a «valid_from»"))
    confianza = _entero(obj, "confidence", 0, 100)
    tipos_ind = obj.get("indicator_types")
    if tipos_ind is not None and tipos_ind != _TIPOS_HABITUALES and not (
            isinstance(tipos_ind, list) and all(isinstance(t, str) for t in tipos_ind)):
        raise _Malo(_("«indicator_types» debe ser una lista de textos"))
    if tipo_patron != "stix":
        return [], False
    try:
        n = desde_patron(patron)
    except ValorInvalido as exc:
        raise _Malo(str(exc)) from None
    clave = lectura.agregar(Entrada(
        tipo=n.tipo, valor=n.valor, original=patron, tlp=lectura.tlp_de(obj),
        confianza=confianza, tipos_stix=list(tipos_ind or []),
        nombre=_texto(obj, "name"), descripcion=_texto(obj, "description"),
        valido_desde=desde, valido_hasta=hasta))
    lectura.a.claves_indicador.add(clave)
    return [clave], True


def _leer_sco_con_valor(lectura: _Lectura, obj: dict) -> tuple[list, bool]:
    valor = _texto(obj, "value", requerido=True)
    n = _normalizado(valor, obj["type"])
    return [lectura.agregar(Entrada(tipo=n.tipo, valor=n.valor, original=valor,
                                    tlp=lectura.tlp_de(obj)))], True


def _leer_archivo(lectura: _Lectura, obj: dict) -> tuple[list, bool]:
    hashes = obj.get("hashes")
    if hashes is not None and not isinstance(hashes, dict):
        raise _Malo(_("«hashes» debe ser un diccionario"))
    claves = []
    for algoritmo, valor in (hashes or {}).items():
        tipo_hash = HASH_POR_NOMBRE.get(str(algoritmo).upper())
        if tipo_hash is None:
            continue
        if not isinstance(valor, str):
            raise _Malo(_("hash %(a)s no es texto") % {"a": algoritmo})
        n = _normalizado(valor, tipo_hash, f"{algoritmo}: ")
        claves.append(lectura.agregar(Entrada(tipo=n.tipo, valor=n.valor, original=valor,
                                              tlp=lectura.tlp_de(obj))))
    return claves, bool(claves)


def _leer_observado(lectura: _Lectura, obj: dict) -> tuple[list, bool]:
    primero = _ts(obj, "first_observed", requerido=True)
    ultimo = _ts(obj, "last_observed", requerido=True)
    if ultimo < primero:
        raise _Malo(_("«last_observed» es anterior a «first_observed»"))
    _entero(obj, "number_observed", 1, MAX_ENTERO, requerido=True)
    if "object_refs" in obj or "objects" not in obj:
        lectura.observaciones.append((_refs(obj, "object_refs", requerido=True), primero,
                                      ultimo))
    return [], True


def _leer_avistamiento(lectura: _Lectura, obj: dict) -> tuple[list, bool]:
    ref = _ref(obj.get("sighting_of_ref"), "sighting_of_ref")
    primero = _ts(obj, "first_seen", requerido=False)
    ultimo = _ts(obj, "last_seen", requerido=False)
    if primero and ultimo and ultimo < primero:
        raise _Malo(_("«last_seen» es anterior a «first_seen»"))
    cuenta = _entero(obj, "count", 0, MAX_ENTERO)
    _refs(obj, "observed_data_refs", "observed-data")
    _refs(obj, "where_sighted_refs")
    lectura.avistamientos.append((ref, primero, ultimo, cuenta))
    return [], True


def _leer_relacion(lectura: _Lectura, obj: dict) -> tuple[list, bool]:
    rel = _texto(obj, "relationship_type", requerido=True)
    if not _RE_REL.match(rel):
        raise _Malo(_("«relationship_type» no válido"))
    _ref(obj.get("source_ref"), "source_ref")
    _ref(obj.get("target_ref"), "target_ref")
    return [], False


def _leer_identidad(lectura: _Lectura, obj: dict) -> tuple[list, bool]:
    _texto(obj, "name", requerido=True)
    return [], False


def _leer_marca(lectura: _Lectura, obj: dict) -> tuple[list, bool]:
    return [], obj["id"] in lectura.marcas


def _sin_interpretar(lectura: _Lectura, obj: dict) -> tuple[list, bool]:
    return [], False


LECTORES = {
    "indicator": _leer_indicador,
    **dict.fromkeys(SCO_CON_VALUE, _leer_sco_con_valor),
    "file": _leer_archivo,
    "observed-data": _leer_observado,
    "sighting": _leer_avistamiento,
    "relationship": _leer_relacion,
    "identity": _leer_identidad,
    "marking-definition": _leer_marca,
}


def _leer_objeto(lectura: _Lectura, indice: int, obj) -> None:
    try:
        tipo, ident = _comunes(obj, indice)
        claves, interpretado = LECTORES.get(tipo, _sin_interpretar)(lectura, obj)
    except _Malo as exc:
        lectura.malo(indice, obj, exc)
        return
    a = lectura.a
    if claves:
        lectura.refs[ident] = claves
    if not interpretado:
        a.no_interpretados += 1
    a.conteo_tipos[tipo] = a.conteo_tipos.get(tipo, 0) + 1
    fecha = obj.get("modified") or obj.get("created")
    # Interpreted indicators and SCOs live on as Indicador rows (and the bundle file is
    # kept): only their id mapping is stored. Everything else is stored as received.
    datos = None if claves and tipo in REPRESENTADOS else orjson.dumps(obj).decode()
    a.filas.append([indice, ident, tipo, fecha if isinstance(fecha, str) else None,
                    interpretado, claves, datos])


def _ampliar_fechas(entrada: Entrada, primero, ultimo) -> None:
    if primero:
        entrada.primera_vez = primero if entrada.primera_vez is None \
            else min(entrada.primera_vez, primero)
    if ultimo:
        entrada.ultima_vez = ultimo if entrada.ultima_vez is None \
            else max(entrada.ultima_vez, ultimo)


def _aplicar_observaciones(lectura: _Lectura) -> None:
    """Pass 3: observed-data and sightings widen the first/last seen of what they point at."""
    a = lectura.a
    en_flujo = lectura.marcas_sin_definir is not None
    for objetos_ref, primero, ultimo in lectura.observaciones:
        for ref in objetos_ref:
            claves = lectura.refs.get(ref)
            if claves is None:
                if en_flujo:
                    a.pendientes.append((ref, primero, ultimo))
                continue
            for clave in claves:
                _ampliar_fechas(a.entradas[clave], primero, ultimo)
    for ref, primero, ultimo, cuenta in lectura.avistamientos:
        claves = lectura.refs.get(ref)
        if claves is None:
            a.externos.append((ref, primero, ultimo, cuenta))
            continue
        for clave in claves:
            _ampliar_fechas(a.entradas[clave], primero, ultimo)
            sumar_avistamiento(a.avistamientos, clave, primero, ultimo, cuenta)


def analizar(contenido, *, tlp_defecto: str = "amber",
             progreso: Callable[[int, int], None] | None = None,
             cada: int = 5000) -> Analisis:
    """Parse and check a bundle. Raises BundleInvalido for document-level problems (not
    JSON, not a bundle, STIX 2.0); per-object problems go to ``Analisis.errores``. Each STIX
    object type has its reader (``LECTORES``)."""
    objetos = verificar_documento(_cargar(contenido))
    lectura = _Lectura(a=Analisis(total=len(objetos)), tlp_defecto=tlp_defecto)
    _leer_todo(lectura, objetos, 0, progreso, cada)
    if progreso:
        progreso(lectura.a.total, lectura.a.total)
    return lectura.a


def _leer_todo(lectura: _Lectura, objetos: list, base: int, progreso=None,
               cada: int = 5000) -> None:
    # Pass 1: markings, so that every object's TLP is known in pass 2.
    _leer_marcas(lectura, objetos, base)
    for indice, obj in enumerate(objetos, base):
        if progreso and indice and indice % cada == 0:
            progreso(indice, lectura.a.total)
        if indice not in lectura.malos:
            _leer_objeto(lectura, indice, obj)
    _aplicar_observaciones(lectura)
    lectura.a.errores.sort(key=lambda e: e["indice"])


def analizar_lote(objetos: list, *, base: int, marcas: dict, marcas_sin_definir: set,
                  tlp_defecto: str) -> Analisis:
    """One batch of a streamed bundle (objects ``base``…): like ``analizar`` but the TLP
    markings known so far are shared with the other batches (``marcas`` grows with the ones
    this batch defines) and references to objects of other batches are left for the caller
    (``Analisis.pendientes`` for observed-data, ``Analisis.externos`` for sightings)."""
    lectura = _Lectura(a=Analisis(total=len(objetos)), tlp_defecto=tlp_defecto,
                       marcas=marcas, marcas_sin_definir=marcas_sin_definir)
    _leer_todo(lectura, objetos, base)
    return lectura.a


def sumar_avistamiento(destino: dict, clave, primero, ultimo, cuenta) -> None:
    previo = destino.get(clave)
    if previo is None:
        destino[clave] = [primero, ultimo, cuenta if cuenta is not None else 1]
        return
    if primero:
        previo[0] = primero if previo[0] is None else min(previo[0], primero)
    if ultimo:
        previo[1] = ultimo if previo[1] is None else max(previo[1], ultimo)
    previo[2] += cuenta if cuenta is not None else 1
