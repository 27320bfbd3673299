"""Every read of the feed intake, scoped to what the acting user may see.

Entity users see their own entity's aggregations once notified (policies "incidente" and
"aviso"; "registro" stays with the CGII) and their hosts; another entity's is a 404.
CGII staff see everything, plus the feeds and the "sin entidad" queue.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from datetime import date

from django.core.paginator import Paginator
from django.db.models import Count, Max, Min, QuerySet, Sum
from django.utils.dateparse import parse_date
from django.utils.functional import cached_property

from cgii.entidades.selectors import (
    es_personal_cgii,
    filtrar_por_entidad,
    redes_cercanas,
    ve_todas_las_entidades,
)
from cgii.errores import NoEncontrado, PermisoDenegado

from ..selectors import incidente_obtener
from .models import Agregacion, EventoFuente, Fuente, Politica

COLUMNAS_HOSTS = ("ip", "fqdn", "puerto", "protocolo", "momento", "identificador",
                  "clasificacion", "asn")


def agregaciones_visibles(usuario) -> QuerySet[Agregacion]:
    qs = Agregacion.objects.all()
    if ve_todas_las_entidades(usuario):
        return qs
    return filtrar_por_entidad(qs, usuario).filter(
        consolidado_en__isnull=False, politica__in=(Politica.INCIDENTE, Politica.AVISO))


def agregaciones_lista(usuario, *, solo_sin_acuse: bool = False) -> QuerySet[Agregacion]:
    qs = agregaciones_visibles(usuario).select_related("entidad", "fuente", "incidente")
    if solo_sin_acuse:
        qs = qs.filter(acusado_en__isnull=True, consolidado_en__isnull=False)
    return qs.order_by("-periodo", "-id")


def agregacion_obtener(usuario, agregacion_id: int) -> Agregacion:
    try:
        return agregaciones_visibles(usuario).select_related(
            "entidad", "fuente", "incidente", "acusado_por").get(pk=agregacion_id)
    except (Agregacion.DoesNotExist, ValueError, TypeError):
        raise NoEncontrado() from None


@dataclass(frozen=True)
class FiltrosHosts:
    host: str = ""          # an address, a network (CIDR) or the start of a host name
    puerto: int | None = None
    identificador: str = ""
    desde: date | None = None
    hasta: date | None = None

    @classmethod
    def de(cls, datos) -> FiltrosHosts:
        puerto = (datos.get("puerto") or "").strip()
        return cls(host=(datos.get("host") or "").strip()[:100],
                   puerto=int(puerto) if puerto.isdigit() else None,
                   identificador=(datos.get("identificador") or "").strip()[:255],
                   desde=parse_date(datos.get("desde") or "") if _fecha_ok(datos, "desde") else None,
                   hasta=parse_date(datos.get("hasta") or "") if _fecha_ok(datos, "hasta") else None)

    def activos(self) -> bool:
        return any((self.host, self.puerto is not None, self.identificador, self.desde,
                    self.hasta))


def _fecha_ok(datos, clave: str) -> bool:
    try:
        return parse_date(datos.get(clave) or "") is not None
    except ValueError:
        return False


def _filtrar(qs: QuerySet[EventoFuente], f: FiltrosHosts) -> QuerySet[EventoFuente]:
    if f.host:
        try:
            red = ipaddress.ip_network(f.host, strict=False)
        except ValueError:
            qs = qs.filter(host__startswith=f.host.lower())
        else:
            if red.num_addresses == 1:
                qs = qs.filter(ip=str(red.network_address))
            else:
                qs = qs.extra(where=["ip <<= %s::cidr"], params=[str(red)])
    if f.puerto is not None:
        qs = qs.filter(puerto=f.puerto)
    if f.identificador:
        qs = qs.filter(identificador=f.identificador)
    if f.desde:
        qs = qs.filter(dia__gte=f.desde)
    if f.hasta:
        qs = qs.filter(dia__lte=f.hasta)
    return qs


def _ordenados(qs: QuerySet[EventoFuente]) -> QuerySet[EventoFuente]:
    # The index's order (evento_agregacion): the latest delivery first, newest event first.
    return qs.only(*COLUMNAS_HOSTS, "id", "agregacion_id").order_by(
        "-agregacion_id", "-momento", "-id")


class PaginadorPorIds(Paginator):
    """Pages of a host table: the page's ids from the index alone (an OFFSET of 50,000 skips
    index entries, not table rows), then those 50 rows. The unfiltered table's size is the
    aggregations' counters (``total``: no COUNT over 100,000 rows); a filtered one is
    counted up to ``TOPE`` (then "more than", and the CSV has them all)."""

    TOPE = 10_000

    def __init__(self, object_list, per_page, *, total: int | None = None, **kw):
        super().__init__(object_list, per_page, **kw)
        self.total, self.recortado = total, False

    @cached_property
    def count(self) -> int:
        if self.total is not None:
            return self.total
        n = self.object_list.values("id")[:self.TOPE + 1].count()
        self.recortado = n > self.TOPE
        return min(n, self.TOPE)

    def page(self, number):
        number = self.validate_number(number)
        desde = (number - 1) * self.per_page
        ids = list(self.object_list.values_list("id", flat=True)[desde:desde + self.per_page])
        filas = {f.pk: f for f in self.object_list.filter(pk__in=ids)}
        return self._get_page([filas[i] for i in ids if i in filas], number, self)


def hosts_de_agregacion(usuario, agregacion_id: int,
                        filtros: FiltrosHosts | None = None) -> tuple[Agregacion, QuerySet]:
    agregacion = agregacion_obtener(usuario, agregacion_id)
    qs = EventoFuente.objects.filter(agregacion_id=agregacion.pk)
    return agregacion, _ordenados(_filtrar(qs, filtros or FiltrosHosts()))


def agregaciones_de_incidente(usuario, incidente_id: int) -> tuple[object, list[Agregacion]]:
    """The incident (404 when not visible) and its aggregations the user may see."""
    incidente = incidente_obtener(usuario=usuario, incidente_id=incidente_id)
    agregaciones = list(agregaciones_visibles(usuario).filter(incidente_id=incidente.pk)
                        .select_related("fuente").order_by("-periodo", "-id"))
    return incidente, agregaciones


def hosts_de_incidente(usuario, incidente_id: int, filtros: FiltrosHosts | None = None):
    incidente, agregaciones = agregaciones_de_incidente(usuario, incidente_id)
    qs = EventoFuente.objects.filter(agregacion_id__in=[a.pk for a in agregaciones])
    return incidente, agregaciones, _ordenados(_filtrar(qs, filtros or FiltrosHosts()))


def resumen_agregaciones(agregaciones: list[Agregacion]) -> dict:
    return {
        "agregaciones": len(agregaciones),
        "eventos": sum(a.eventos for a in agregaciones),
        "hosts": sum(a.hosts for a in agregaciones),
        "primero": min((a.primer_evento for a in agregaciones if a.primer_evento), default=None),
        "ultimo": max((a.ultimo_evento for a in agregaciones if a.ultimo_evento), default=None),
        "sin_acuse": [a for a in agregaciones if a.acusado_en is None],
    }


# ---- CGII staff only --------------------------------------------------------------------

def _exigir_personal(usuario) -> None:
    if not es_personal_cgii(usuario):
        raise PermisoDenegado()


def fuentes_lista(usuario) -> QuerySet[Fuente]:
    _exigir_personal(usuario)
    return Fuente.objects.annotate(
        n_agregaciones=Count("agregaciones"), n_eventos=Sum("agregaciones__eventos"),
        ultimo=Max("agregaciones__ultimo_evento")).order_by("proveedor", "nombre")


def sin_entidad(usuario) -> QuerySet:
    """Unrouted events grouped by host, most recent first (the page adds, for its rows, the
    closest registered network)."""
    _exigir_personal(usuario)
    return (EventoFuente.objects.filter(entidad__isnull=True)
            .values("host", "ip", "fqdn", "asn", "via")
            .annotate(eventos=Count("id"), primero=Min("momento"), ultimo=Max("momento"),
                      fuentes=Count("fuente", distinct=True))
            .order_by("-ultimo", "host"))


def con_red_cercana(filas: list[dict]) -> list[dict]:
    cercanas = redes_cercanas([f["ip"] for f in filas if f["ip"]])
    for f in filas:
        f["cercana"] = cercanas.get(f["ip"]) if f["ip"] else None
        f["sugerencia"] = _sugerencia(f)
    return filas


def _sugerencia(fila: dict) -> tuple[str, str]:
    """What staff most likely want to register for this host: its /24 (/48), its domain
    without the first label, or its ASN."""
    if fila["ip"]:
        ip = ipaddress.ip_address(fila["ip"])
        return "red", str(ipaddress.ip_network(f"{ip}/{24 if ip.version == 4 else 48}",
                                               strict=False))
    if fila["fqdn"]:
        partes = fila["fqdn"].split(".")
        return "dominio", ".".join(partes[1:]) if len(partes) > 2 else fila["fqdn"]
    return "asn", str(fila["asn"] or "")
