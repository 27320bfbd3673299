"""Loads the national control catalog (Anexo A of the CTIC-EPB guideline CTIC-SE-P1 v1.0,
2017) and its mappings to ISO/IEC 27002:2013 and :2022, with the same rules as the ISO
catalogs (``cargador``): content fingerprint, same version = no change, older version or an
edited file without a new version = refused, all or nothing in the caller's transaction.

The file declares, per control, ``minimo`` (a minimum control of §6.2.3.2) and the ISO
numbers it corresponds to in each edition. The correspondences become two
``MapeoControles`` rows (national → 2013, national → 2022) bound to the catalog versions in
force, so ``plan_migrar_catalogo`` moves a national plan to either edition; when the national
file or an ISO catalog gets a new version the mappings are loaded again for the new pair.

The file may list only part of its source (``completo: false``): what it ships is what could
be verified (docs/pisi.md). Objectives with no verified control keep ``controles: []``.
"""

from pathlib import Path

from django.utils.translation import gettext as _

from cgii import catalogos

from .cargador import ISO_2013, ISO_2022, _codigo, _crear_catalogo, _numero, _titulo
from .models import CatalogoControles, Correspondencia, MapeoControles

NACIONAL = "ctic-se-p1"
ARCHIVO = "ctic_se_p1.yaml"
# Mapping codes per destination edition (SlugField, 40 characters at most).
MAPEOS = {ISO_2013: "ctic-iso27002-2013", ISO_2022: "ctic-iso27002-2022"}

_exigir = catalogos.exigir


def _estructura(datos: dict, cat: str) -> list[dict]:
    """[{numero, titulo, objetivos: [{numero, titulo, controles: [{…, minimo, mapeo}]}]}]."""
    dominios = datos.get("dominios")
    _exigir(cat, isinstance(dominios, list) and dominios, _("falta la lista «dominios»"))
    vistos: set[str] = set()
    salida = []
    for d in dominios:
        dn = _numero(cat, d.get("numero"), entero_ok=True)
        _exigir(cat, isinstance(d.get("objetivos"), list) and d["objetivos"],
                _("el dominio %(n)s no tiene objetivos") % {"n": dn})
        objetivos = []
        for o in d["objetivos"]:
            on = _numero(cat, o.get("numero"))
            _exigir(cat, on.startswith(dn + "."),
                    _("el objetivo %(o)s no pertenece al dominio %(d)s") % {"o": on, "d": dn})
            _exigir(cat, isinstance(o.get("controles"), list),
                    _("el objetivo %(n)s necesita «controles» (una lista, vacía si no se "
                      "verificó ninguno)") % {"n": on})
            objetivos.append({"numero": on, "titulo": _titulo(cat, o, on),
                              "controles": [_control(cat, c, on, vistos)
                                            for c in o["controles"]]})
        salida.append({"numero": dn, "titulo": _titulo(cat, d, dn), "objetivos": objetivos})
    return salida


def _control(cat: str, c: dict, objetivo: str, vistos: set[str]) -> dict:
    cn = _numero(cat, c.get("numero"))
    _exigir(cat, cn.startswith(objetivo + "."),
            _("el control %(c)s no pertenece al objetivo %(o)s") % {"c": cn, "o": objetivo})
    _exigir(cat, cn not in vistos, _("control repetido: %(c)s") % {"c": cn})
    vistos.add(cn)
    minimo = c.get("minimo", False)
    _exigir(cat, isinstance(minimo, bool),
            _("«minimo» de %(c)s debe ser true o false") % {"c": cn})
    mapeo = {}
    for edicion in MAPEOS:
        numeros = c.get(edicion) or []
        _exigir(cat, isinstance(numeros, list),
                _("«%(e)s» de %(c)s debe ser una lista") % {"e": edicion, "c": cn})
        mapeo[edicion] = [_numero(cat, n) for n in numeros]
    return {"numero": cn, "titulo": _titulo(cat, c, cn), "minimo": minimo, "mapeo": mapeo}


def _mapear(nacional: CatalogoControles, estructura: list[dict], archivo: str) -> list[str]:
    """The national → ISO mappings for the catalog versions in force (idempotent)."""
    cambios = []
    origen = {c.numero: c for c in nacional.controles.all()}
    for edicion, codigo in MAPEOS.items():
        destino = CatalogoControles.objects.filter(codigo=edicion, vigente=True).first()
        if destino is None:
            continue  # that edition is not loaded: nothing to map to yet
        if MapeoControles.objects.filter(codigo=codigo, version=nacional.version,
                                         origen=nacional, destino=destino).exists():
            continue
        controles_d = {c.numero: c for c in destino.controles.all()}
        filas = []
        for d in estructura:
            for o in d["objetivos"]:
                for c in o["controles"]:
                    for numero in c["mapeo"][edicion]:
                        _exigir(archivo, numero in controles_d,
                                _("control %(c)s desconocido en %(n)s")
                                % {"c": numero, "n": destino.nombre})
                        filas.append(Correspondencia(origen=origen[c["numero"]],
                                                     destino=controles_d[numero]))
        MapeoControles.objects.filter(codigo=codigo, vigente=True).update(vigente=False)
        mapeo = MapeoControles.objects.create(codigo=codigo, version=nacional.version,
                                              origen=nacional, destino=destino, nuevos=[],
                                              huella=nacional.huella, vigente=True)
        for fila in filas:
            fila.mapeo = mapeo
        Correspondencia.objects.bulk_create(filas, ignore_conflicts=True)
        cambios.append(_("mapeo %(o)s → %(d)s: %(n)d correspondencias")
                       % {"o": nacional.nombre, "d": destino.nombre, "n": len(filas)})
    return cambios


def cargar(directorio: Path) -> list[str]:
    ruta = directorio / ARCHIVO
    datos, huella = catalogos.leer(ruta)
    _codigo(datos, NACIONAL, ruta.name)
    estructura = _estructura(datos, ruta.name)
    ultima = (CatalogoControles.objects.filter(codigo=NACIONAL).order_by("-version").first())
    cambios: list[str] = []
    if catalogos.decidir(ruta.name, (ultima.version, ultima.huella) if ultima else None,
                         datos["version"], huella):
        nacional = _crear_catalogo(NACIONAL, datos["version"], huella, datos, estructura)
        controles = [c for d in estructura for o in d["objetivos"] for c in o["controles"]]
        cambios.append(
            _("%(n)s v%(v)d: %(d)d dominios, %(o)d objetivos, %(c)d controles (%(m)d mínimos)%(p)s")
            % {"n": nacional.nombre, "v": nacional.version, "d": len(estructura),
               "o": sum(len(d["objetivos"]) for d in estructura), "c": len(controles),
               "m": sum(c["minimo"] for c in controles),
               "p": "" if nacional.completo else _(" — catálogo parcial")})
    else:
        nacional = ultima
    return cambios + _mapear(nacional, estructura, ruta.name)
