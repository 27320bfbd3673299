"""Loads the risk catalogs of ``catalogos/`` idempotently, with the control catalogs' rules
(``cgii.catalogos``): the MAGERIT v3 threat catalogue, the CGII's own vulnerability catalog
and the probability × impact matrix. A newer version is a new row (plans keep the threats and
the matrix they were evaluated with); an older version or an edited file without a new
version is refused; all or nothing in the caller's transaction. Codes and titles only.
"""

from pathlib import Path

from django.utils.translation import gettext as _

from cgii import catalogos

from . import riesgo
from .models import CatalogoRiesgo, ElementoRiesgo, MatrizRiesgo, TipoCatalogoRiesgo

AMENAZAS = "magerit-v3-amenazas"
VULNERABILIDADES = "cgii-vulnerabilidades"
MATRIZ = "cgii-5x5"
ARCHIVOS = {AMENAZAS: "magerit_amenazas.yaml", VULNERABILIDADES: "vulnerabilidades.yaml",
            MATRIZ: "matriz_riesgo.yaml"}
TIPOS = {AMENAZAS: TipoCatalogoRiesgo.AMENAZAS,
         VULNERABILIDADES: TipoCatalogoRiesgo.VULNERABILIDADES}

_exigir = catalogos.exigir


def _texto(archivo: str, valor, que: str) -> str:
    _exigir(archivo, isinstance(valor, str) and valor.strip() != "",
            _("falta %(q)s (texto)") % {"q": que})
    return valor.strip()


def _elementos(datos: dict, archivo: str) -> list[ElementoRiesgo]:
    grupos = datos.get("grupos")
    _exigir(archivo, isinstance(grupos, list) and grupos, _("falta la lista «grupos»"))
    vistos, salida = set(), []
    for g in grupos:
        grupo = _texto(archivo, g.get("codigo"), _("el código de un grupo"))
        titulo_grupo = _texto(archivo, g.get("titulo"), _("el título del grupo %(g)s")
                              % {"g": grupo})
        _exigir(archivo, isinstance(g.get("elementos"), list) and g["elementos"],
                _("el grupo %(g)s no tiene elementos") % {"g": grupo})
        for e in g["elementos"]:
            codigo = _texto(archivo, e.get("codigo"), _("un código (entre comillas)"))
            _exigir(archivo, codigo.startswith(grupo + "."),
                    _("%(c)s no pertenece al grupo %(g)s") % {"c": codigo, "g": grupo})
            _exigir(archivo, codigo not in vistos, _("código repetido: %(c)s") % {"c": codigo})
            vistos.add(codigo)
            salida.append(ElementoRiesgo(
                codigo=codigo, grupo=grupo, grupo_titulo=titulo_grupo,
                titulo=_texto(archivo, e.get("titulo"), _("el título de %(c)s") % {"c": codigo}),
                orden=len(salida) + 1))
    return salida


def _cargar_catalogo(directorio: Path, codigo: str) -> list[str]:
    ruta = directorio / ARCHIVOS[codigo]
    datos, huella = catalogos.leer(ruta)
    _exigir(ruta.name, datos.get("codigo") == codigo,
            _("«codigo» debe ser %(e)s") % {"e": codigo})
    _exigir(ruta.name, datos.get("tipo") == TIPOS[codigo],
            _("«tipo» debe ser %(t)s") % {"t": TIPOS[codigo]})
    elementos = _elementos(datos, ruta.name)
    ultima = CatalogoRiesgo.objects.filter(codigo=codigo).order_by("-version").first()
    if not catalogos.decidir(ruta.name, (ultima.version, ultima.huella) if ultima else None,
                             datos["version"], huella):
        return []
    CatalogoRiesgo.objects.filter(codigo=codigo, vigente=True).update(vigente=False)
    catalogo = CatalogoRiesgo.objects.create(
        codigo=codigo, version=datos["version"], tipo=TIPOS[codigo], huella=huella,
        nombre=_texto(ruta.name, datos.get("nombre"), "«nombre»"),
        fuente=str(datos.get("fuente") or "")[:300], vigente=True)
    for e in elementos:
        e.catalogo = catalogo
    ElementoRiesgo.objects.bulk_create(elementos)
    return [_("%(n)s v%(v)d: %(e)d elementos en %(g)d grupos")
            % {"n": catalogo.nombre, "v": catalogo.version, "e": len(elementos),
               "g": len({e.grupo for e in elementos})}]


def _cargar_matriz(directorio: Path) -> list[str]:
    ruta = directorio / ARCHIVOS[MATRIZ]
    datos, huella = catalogos.leer(ruta)
    _exigir(ruta.name, datos.get("codigo") == MATRIZ, _("«codigo» debe ser %(e)s") % {"e": MATRIZ})
    problemas = riesgo.problemas(datos)
    _exigir(ruta.name, not problemas, "; ".join(problemas))
    ultima = MatrizRiesgo.objects.filter(codigo=MATRIZ).order_by("-version").first()
    if not catalogos.decidir(ruta.name, (ultima.version, ultima.huella) if ultima else None,
                             datos["version"], huella):
        return []
    MatrizRiesgo.objects.filter(codigo=MATRIZ, vigente=True).update(vigente=False)
    matriz = MatrizRiesgo.objects.create(
        codigo=MATRIZ, version=datos["version"], huella=huella, vigente=True,
        nombre=_texto(ruta.name, datos.get("nombre"), "«nombre»"),
        probabilidad=datos["probabilidad"], impacto=datos["impacto"],
        niveles=[{"codigo": n["codigo"], "nombre": n["nombre"]} for n in datos["niveles"]],
        celdas=datos["celdas"], aceptacion_mae_desde=datos["aceptacion_mae_desde"])
    p, i = riesgo.dimensiones(matriz)
    return [_("%(n)s v%(v)d: %(p)d × %(i)d, %(k)d niveles")
            % {"n": matriz.nombre, "v": matriz.version, "p": p, "i": i,
               "k": len(matriz.niveles)}]


def cargar(directorio: Path, ausentes: list[str]) -> list[str]:
    """Each file present: threats, vulnerabilities, the matrix."""
    cambios: list[str] = []
    for codigo in (AMENAZAS, VULNERABILIDADES):
        if ARCHIVOS[codigo] not in ausentes:
            cambios += _cargar_catalogo(directorio, codigo)
    if ARCHIVOS[MATRIZ] not in ausentes:
        cambios += _cargar_matriz(directorio)
    return cambios
