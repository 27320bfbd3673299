"""Warninglists: values that are never correlated (versioned YAML in ``listas/``).

Each file has ``codigo``, ``nombre``, ``version``, ``tipo`` and ``valores``:

- ``cidr``: addresses or ranges; an IP indicator (or a CIDR) inside one matches;
- ``dominio``: a domain-name indicator matches the listed domain and its subdomains. URLs
  and e-mail addresses never match a domain list: they are specific (a phishing page on a
  big hosting site, a sender on a webmail domain, are still indicators);
- ``valor``: exact normalised value (hashes).

Loaded once per process. ``coincidencia(tipo, valor)`` answers which list (and version) a
normalised value is on, or None.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml

from .normalizacion import TIPOS_HASH, T

DIRECTORIO = Path(__file__).resolve().parent / "listas"


@dataclass(frozen=True)
class Lista:
    codigo: str
    nombre: str
    version: str
    tipo: str
    redes: tuple = ()
    dominios: frozenset = frozenset()
    valores: frozenset = frozenset()

    def resumen(self) -> dict:
        return {"codigo": self.codigo, "nombre": self.nombre, "version": self.version}


def _leer(ruta: Path) -> Lista:
    datos = yaml.safe_load(ruta.read_text(encoding="utf-8"))
    tipo = datos["tipo"]
    valores = [str(v).strip().lower() for v in datos.get("valores") or []]
    base = {"codigo": datos["codigo"], "nombre": datos["nombre"],
            "version": str(datos["version"]), "tipo": tipo}
    if tipo == "cidr":
        redes = tuple(ipaddress.ip_network(v, strict=True) for v in valores)
        return Lista(**base, redes=redes)
    if tipo == "dominio":
        return Lista(**base, dominios=frozenset(valores))
    if tipo == "valor":
        return Lista(**base, valores=frozenset(valores))
    raise ValueError(f"{ruta.name}: tipo de lista desconocido {tipo!r}")


@lru_cache(maxsize=1)
def listas() -> tuple[Lista, ...]:
    return tuple(_leer(r) for r in sorted(DIRECTORIO.glob("*.yaml")))


@lru_cache(maxsize=1)
def _rangos() -> tuple[tuple[int, int, int, Lista], ...]:
    """Every CIDR of every list as (version, first, last, list) integers: a containment
    test is then two integer comparisons (≈60 ranges; no ipaddress objects per lookup)."""
    return tuple((red.version, int(red.network_address), int(red.broadcast_address), lista)
                 for lista in listas() for red in lista.redes)


def _intervalo(valor: str) -> tuple[int, int, int] | None:
    try:
        red = ipaddress.ip_network(valor, strict=False)
    except ValueError:
        return None
    return red.version, int(red.network_address), int(red.broadcast_address)


@lru_cache(maxsize=65536)
def coincidencia(tipo: str, valor: str) -> Lista | None:
    """The warninglist a normalised (type, value) is on, or None (cached per value)."""
    if tipo in (T.IPV4, T.IPV6):
        intervalo = _intervalo(valor)
        if intervalo is None:
            return None
        version, primero, ultimo = intervalo
        for v, desde, hasta, lista in _rangos():
            if v == version and desde <= primero and ultimo <= hasta:
                return lista
        return None
    if tipo == T.DOMINIO:
        etiquetas = valor.split(".")
        sufijos = {".".join(etiquetas[i:]) for i in range(len(etiquetas) - 1)}
        for lista in listas():
            if lista.dominios & sufijos:
                return lista
        return None
    if tipo in TIPOS_HASH:
        for lista in listas():
            if valor in lista.valores:
                return lista
    return None


def publicable(indicador) -> bool:
    """Whether an indicator may leave the platform for blocking (feeds, TAXII, STIX
    exports): never a warninglisted value, whatever door added it (issue 16)."""
    return coincidencia(indicador.tipo, indicador.valor) is None


def versiones() -> list[dict]:
    """What is loaded (shown by the API next to correlation results)."""
    return [{**lista.resumen(), "tipo": lista.tipo,
             "entradas": len(lista.redes) + len(lista.dominios) + len(lista.valores)}
            for lista in listas()]
