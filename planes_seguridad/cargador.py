"""Loads the versioned control catalogs of ``catalogos/`` idempotently.

Same semantics as ``protocolos/cargador.py``: each file carries a ``version``; its parsed
content is fingerprinted (reformatting is not a change). Same version and same content:
nothing happens. A newer version is loaded as a **new** catalog row (plans keep the version
they were written against; the old row stops being ``vigente``). An older version, or a file
edited without raising its version, is refused. The mapping is bound to the two catalog
versions it was loaded against: when either catalog gets a new version, the mapping is loaded
again for the new pair.

Only numbering and short titles are stored, never the standards' text.
"""

from pathlib import Path

from django.db import transaction
from django.utils.translation import gettext as _

from cgii import catalogos

from .models import (
    CatalogoControles,
    Control,
    Correspondencia,
    Dominio,
    MapeoControles,
    Objetivo,
)

DIRECTORIO = Path(__file__).resolve().parent / "catalogos"

# Catalog codes (the files' own ``codigo``; a file with another code is refused).
ISO_2013 = "iso27002-2013"
ISO_2022 = "iso27002-2022"
MAPEO = "mapeo-2013-2022"
ARCHIVOS = {ISO_2013: "iso27002_2013.yaml", ISO_2022: "iso27002_2022.yaml",
            MAPEO: "mapeo_2013_2022.yaml"}


def _codigo(datos: dict, esperado: str, catalogo: str) -> None:
    codigo = datos.get("codigo", esperado)
    _exigir(catalogo, codigo == esperado,
            _("«codigo» debe ser %(e)s, no %(c)s") % {"e": esperado, "c": codigo})
NOMBRES = {ISO_2013: "ISO/IEC 27002:2013", ISO_2022: "ISO/IEC 27002:2022"}
ATRIBUTOS_2022 = ("tipo_control", "propiedades", "conceptos", "capacidades",
                  "dominios_seguridad")


_error = catalogos.error
_exigir = catalogos.exigir
_leer = catalogos.leer


def _numero(catalogo: str, valor, *, entero_ok: bool = False) -> str:
    """Control numbers must be quoted strings in YAML: unquoted 5.10 would read as 5.1."""
    if entero_ok and isinstance(valor, int) and not isinstance(valor, bool):
        return str(valor)
    _exigir(catalogo, isinstance(valor, str) and valor.strip() != "",
            _("número inválido %(v)r: escríbalo como texto entre comillas") % {"v": valor})
    return valor.strip()


def _titulo(catalogo: str, item: dict, numero: str) -> tuple[str, str]:
    titulo = item.get("titulo")
    _exigir(catalogo, isinstance(titulo, str) and titulo.strip() != "",
            _("falta el título de %(n)s") % {"n": numero})
    return titulo.strip(), str(item.get("titulo_en") or "").strip()


def _decidir(modelo, filtro: dict, catalogo: str, version: int, huella: str) -> bool:
    """True when a new row must be loaded; raises on an older version or an edited file."""
    ultima = modelo.objects.filter(**filtro).order_by("-version").first()
    cargado = (ultima.version, ultima.huella) if ultima else None
    return catalogos.decidir(catalogo, cargado, version, huella)


# ---- the two editions -------------------------------------------------------------------

def _estructura_2013(datos: dict, cat: str) -> list[dict]:
    """[{numero, titulo, titulo_en, objetivos: [{…, controles: [{…}]}]}], validated."""
    dominios = datos.get("dominios")
    _exigir(cat, isinstance(dominios, list) and dominios, _("falta la lista «dominios»"))
    vistos: set[str] = set()
    salida = []
    for d in dominios:
        dn = _numero(cat, d.get("numero"), entero_ok=True)
        objetivos = []
        _exigir(cat, isinstance(d.get("objetivos"), list) and d["objetivos"],
                _("el dominio %(n)s no tiene objetivos") % {"n": dn})
        for o in d["objetivos"]:
            on = _numero(cat, o.get("numero"))
            _exigir(cat, on.startswith(dn + "."),
                    _("el objetivo %(o)s no pertenece al dominio %(d)s") % {"o": on, "d": dn})
            controles = []
            _exigir(cat, isinstance(o.get("controles"), list) and o["controles"],
                    _("el objetivo %(n)s no tiene controles") % {"n": on})
            for c in o["controles"]:
                cn = _numero(cat, c.get("numero"))
                _exigir(cat, cn.startswith(on + "."),
                        _("el control %(c)s no pertenece al objetivo %(o)s") % {"c": cn, "o": on})
                _exigir(cat, cn not in vistos, _("control repetido: %(c)s") % {"c": cn})
                vistos.add(cn)
                controles.append({"numero": cn, "titulo": _titulo(cat, c, cn)})
            objetivos.append({"numero": on, "titulo": _titulo(cat, o, on),
                              "controles": controles})
        salida.append({"numero": dn, "titulo": _titulo(cat, d, dn), "objetivos": objetivos})
    return salida


def _estructura_2022(datos: dict, cat: str) -> tuple[list[dict], dict]:
    temas = datos.get("temas")
    _exigir(cat, isinstance(temas, list) and temas, _("falta la lista «temas»"))
    vocabulario = datos.get("atributos") or {}
    _exigir(cat, isinstance(vocabulario, dict), _("«atributos» debe ser un diccionario"))
    vistos: set[str] = set()
    salida = []
    for t in temas:
        tn = _numero(cat, t.get("numero"), entero_ok=True)
        controles = []
        _exigir(cat, isinstance(t.get("controles"), list) and t["controles"],
                _("el tema %(n)s no tiene controles") % {"n": tn})
        for c in t["controles"]:
            cn = _numero(cat, c.get("numero"))
            _exigir(cat, cn.startswith(tn + "."),
                    _("el control %(c)s no pertenece al tema %(t)s") % {"c": cn, "t": tn})
            _exigir(cat, cn not in vistos, _("control repetido: %(c)s") % {"c": cn})
            vistos.add(cn)
            atributos = {}
            for clave in ATRIBUTOS_2022:
                valores = c.get(clave) or []
                if isinstance(valores, str):
                    valores = [valores]
                _exigir(cat, isinstance(valores, list) and all(isinstance(v, str) for v in valores),
                        _("el atributo %(a)s de %(c)s debe ser una lista de textos")
                        % {"a": clave, "c": cn})
                permitidos = _valores_vocabulario(vocabulario.get(clave))
                if permitidos:
                    ajenos = sorted(set(valores) - permitidos)
                    _exigir(cat, not ajenos, _("valores desconocidos de %(a)s en %(c)s: %(v)s")
                            % {"a": clave, "c": cn, "v": ", ".join(ajenos)})
                atributos[clave] = valores
            controles.append({"numero": cn, "titulo": _titulo(cat, c, cn),
                              "atributos": atributos})
        salida.append({"numero": tn, "titulo": _titulo(cat, t, tn), "controles": controles})
    return salida, vocabulario


def _valores_vocabulario(entrada) -> set[str]:
    """The vocabulary may list plain values or {codigo/valor/nombre: …} items."""
    if not isinstance(entrada, list):
        if isinstance(entrada, dict):
            return set(entrada)
        return set()
    valores = set()
    for item in entrada:
        if isinstance(item, str):
            valores.add(item)
        elif isinstance(item, dict):
            for clave in ("codigo", "valor", "nombre", "id"):
                if isinstance(item.get(clave), str):
                    valores.add(item[clave])
                    break
    return valores


def _crear_catalogo(codigo: str, version: int, huella: str, datos: dict,
                    dominios: list[dict], vocabulario: dict | None = None
                    ) -> CatalogoControles:
    CatalogoControles.objects.filter(codigo=codigo, vigente=True).update(vigente=False)
    catalogo = CatalogoControles.objects.create(
        codigo=codigo, version=version, huella=huella, vigente=True,
        nombre=str(datos.get("nombre") or NOMBRES.get(codigo, codigo)),
        atributos=vocabulario or {},
        completo=datos.get("completo", True) is not False,
        minimos_verificados=datos.get("minimos_verificados") is True,
    )
    orden_control = 0
    controles = []
    for i, d in enumerate(dominios, start=1):
        dominio = Dominio.objects.create(catalogo=catalogo, numero=d["numero"],
                                         titulo=d["titulo"][0], titulo_en=d["titulo"][1],
                                         orden=i)
        grupos = d.get("objetivos") or [{"numero": None, "controles": d["controles"]}]
        for j, o in enumerate(grupos, start=1):
            objetivo = None
            if o["numero"] is not None:
                objetivo = Objetivo.objects.create(dominio=dominio, numero=o["numero"],
                                                   titulo=o["titulo"][0],
                                                   titulo_en=o["titulo"][1], orden=j)
            for c in o["controles"]:
                orden_control += 1
                controles.append(Control(
                    catalogo=catalogo, dominio=dominio, objetivo=objetivo, numero=c["numero"],
                    titulo=c["titulo"][0], titulo_en=c["titulo"][1],
                    atributos=c.get("atributos", {}), minimo=c.get("minimo", False),
                    orden=orden_control))
    Control.objects.bulk_create(controles)
    return catalogo


def cargar_2013(directorio: Path) -> list[str]:
    ruta = directorio / ARCHIVOS[ISO_2013]
    datos, huella = _leer(ruta)
    _codigo(datos, ISO_2013, ruta.name)
    dominios = _estructura_2013(datos, ruta.name)
    if not _decidir(CatalogoControles, {"codigo": ISO_2013}, ruta.name, datos["version"], huella):
        return []
    cat = _crear_catalogo(ISO_2013, datos["version"], huella, datos, dominios)
    return [_("%(n)s v%(v)d: %(d)d dominios, %(o)d objetivos, %(c)d controles")
            % {"n": cat.nombre, "v": cat.version, "d": len(dominios),
               "o": sum(len(d["objetivos"]) for d in dominios),
               "c": sum(len(o["controles"]) for d in dominios for o in d["objetivos"])}]


def cargar_2022(directorio: Path) -> list[str]:
    ruta = directorio / ARCHIVOS[ISO_2022]
    datos, huella = _leer(ruta)
    _codigo(datos, ISO_2022, ruta.name)
    temas, vocabulario = _estructura_2022(datos, ruta.name)
    if not _decidir(CatalogoControles, {"codigo": ISO_2022}, ruta.name, datos["version"], huella):
        return []
    cat = _crear_catalogo(ISO_2022, datos["version"], huella, datos, temas, vocabulario)
    return [_("%(n)s v%(v)d: %(t)d temas, %(c)d controles")
            % {"n": cat.nombre, "v": cat.version, "t": len(temas),
               "c": sum(len(t["controles"]) for t in temas)}]


def cargar_mapeo(directorio: Path) -> list[str]:
    ruta = directorio / ARCHIVOS[MAPEO]
    datos, huella = _leer(ruta)
    _exigir(ruta.name, datos.get("de", ISO_2013) == ISO_2013 and datos.get("a", ISO_2022) == ISO_2022,
            _("el mapeo debe ir de %(o)s a %(d)s") % {"o": ISO_2013, "d": ISO_2022})
    origen = CatalogoControles.objects.filter(codigo=ISO_2013, vigente=True).first()
    destino = CatalogoControles.objects.filter(codigo=ISO_2022, vigente=True).first()
    _exigir(ruta.name, origen is not None and destino is not None,
            _("cargue primero los dos catálogos"))
    version = datos["version"]
    # Version/content rules per file, regardless of the catalogs it was bound to.
    ultima = MapeoControles.objects.filter(codigo=MAPEO).order_by("-version", "-id").first()
    if ultima is not None:
        if version < ultima.version:
            raise _error(ruta.name, _("la versión %(v)d es anterior a la cargada (%(a)d); se "
                                      "rechaza.") % {"v": version, "a": ultima.version})
        if version == ultima.version and huella != ultima.huella:
            raise _error(ruta.name, _("el contenido cambió pero sigue en la versión %(v)d: "
                                      "suba la versión.") % {"v": version})
    if MapeoControles.objects.filter(codigo=MAPEO, version=version, origen=origen,
                                     destino=destino).exists():
        return []
    correspondencias = datos.get("correspondencias")
    _exigir(ruta.name, isinstance(correspondencias, dict) and correspondencias,
            _("falta «correspondencias»"))
    controles_o = {c.numero: c for c in origen.controles.all()}
    controles_d = {c.numero: c for c in destino.controles.all()}
    filas = []
    for numero_o, destinos in correspondencias.items():
        numero_o = _numero(ruta.name, numero_o)
        _exigir(ruta.name, numero_o in controles_o,
                _("control %(c)s desconocido en %(n)s") % {"c": numero_o, "n": origen.nombre})
        if isinstance(destinos, str):
            destinos = [destinos]
        _exigir(ruta.name, isinstance(destinos, list),
                _("los destinos de %(c)s deben ser una lista") % {"c": numero_o})
        for numero_d in destinos:
            numero_d = _numero(ruta.name, numero_d)
            _exigir(ruta.name, numero_d in controles_d,
                    _("control %(c)s desconocido en %(n)s") % {"c": numero_d, "n": destino.nombre})
            filas.append((controles_o[numero_o], controles_d[numero_d]))
    nuevos = [_numero(ruta.name, n) for n in datos.get("nuevos_2022") or []]
    desconocidos = sorted(set(nuevos) - set(controles_d))
    _exigir(ruta.name, not desconocidos,
            _("controles nuevos desconocidos: %(c)s") % {"c": ", ".join(desconocidos)})
    MapeoControles.objects.filter(codigo=MAPEO, vigente=True).update(vigente=False)
    mapeo = MapeoControles.objects.create(codigo=MAPEO, version=version, origen=origen,
                                          destino=destino, nuevos=nuevos, huella=huella,
                                          vigente=True)
    Correspondencia.objects.bulk_create(
        [Correspondencia(mapeo=mapeo, origen=o, destino=d) for o, d in filas],
        ignore_conflicts=True)
    return [_("mapeo 2013→2022 v%(v)d: %(n)d correspondencias, %(k)d controles nuevos")
            % {"v": version, "n": len(filas), "k": len(nuevos)}]


def todos_los_archivos() -> tuple[str, ...]:
    from . import cargador_nacional, cargador_riesgos

    return (*ARCHIVOS.values(), cargador_nacional.ARCHIVO, *cargador_riesgos.ARCHIVOS.values())


def faltantes(directorio: Path | None = None) -> list[str]:
    directorio = directorio or DIRECTORIO
    return [nombre for nombre in todos_los_archivos() if not (directorio / nombre).exists()]


def cargar_todo(stdout=None, directorio: Path | None = None) -> list[str]:
    """Both ISO editions, their mapping, then the national catalog with its mappings to
    both, then the risk catalogs (threats, vulnerabilities, the matrix). Missing files are
    reported and skipped (a fresh checkout without the catalogs still starts); everything
    else is all or nothing."""
    # Imported here: the national loader reuses this module's helpers.
    from . import cargador_nacional, cargador_riesgos

    directorio = directorio or DIRECTORIO
    ausentes = faltantes(directorio)
    if ausentes and stdout is not None:
        stdout.write(_("planes_seguridad: faltan catálogos de controles (%(a)s); se omiten.")
                     % {"a": ", ".join(ausentes)})
    cambios: list[str] = []
    with transaction.atomic():
        if ARCHIVOS[ISO_2013] not in ausentes:
            cambios += cargar_2013(directorio)
        if ARCHIVOS[ISO_2022] not in ausentes:
            cambios += cargar_2022(directorio)
        if not set(ARCHIVOS.values()) & set(ausentes):
            cambios += cargar_mapeo(directorio)
        if cargador_nacional.ARCHIVO not in ausentes:
            cambios += cargador_nacional.cargar(directorio)
        cambios += cargador_riesgos.cargar(directorio, ausentes)
    return cambios
