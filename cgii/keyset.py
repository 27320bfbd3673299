"""Keyset (cursor) pagination for lists sorted by several keys, NULLS LAST included.

DRF's CursorPagination orders by plain fields only; the incident queue sorts by
``vence_sla ASC NULLS LAST, creado DESC, id DESC``. Here an order is a tuple of ``Clave``
(the last one unique, normally ``id``) and a page is "the ``tamano`` rows after (or before)
the cursor's key values". The API and the HTML pages share it (docs/listas.md).

Why segments: "after (v1, v2, v3)" is the OR of k1 > v1, k1 = v1 ∧ k2 > v2, … For mixed
directions and NULLs PostgreSQL cannot turn that OR into one index range, so it would walk
the index from its start and filter (OFFSET's cost again). Each OR term alone — equalities on
a prefix, one strict comparison (or IS NULL) on the next key — *is* one index range, so on
PostgreSQL every term becomes its own ``ORDER BY … LIMIT n`` branch of a UNION ALL and the
outer query keeps the first ``n`` (at most ``n`` rows per branch are read). SQLite (the
embedded profile, small data) cannot order or limit inside a compound select: it gets the
plain OR.

Cursors are opaque: the order's name, the direction and the key values, signed with
``django.core.signing`` (a forged or altered one is refused). A cursor only says *where*
in the order a page starts: the caller's own visibility filters still apply, so a cursor
carrying another incident's keys reveals nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.core import signing
from django.db import connection
from django.db.models import F, Q, QuerySet
from django.utils.dateparse import parse_datetime

SAL = "cgii.keyset"
TIPOS = ("fecha", "entero", "texto")


class CursorInvalido(ValueError):
    """Not a cursor this server issued for this order (altered, truncated, another list)."""


@dataclass(frozen=True)
class Clave:
    """One sort key. ``nulos``: the column is nullable; NULLs go last when ascending and
    first when descending (PostgreSQL's btree default, so one index serves both ways)."""

    campo: str
    tipo: str = "fecha"
    desc: bool = False
    nulos: bool = False

    def invertida(self) -> Clave:
        return Clave(self.campo, self.tipo, not self.desc, self.nulos)

    def expresion(self):
        if self.desc:
            return F(self.campo).desc(nulls_first=True) if self.nulos else F(self.campo).desc()
        return F(self.campo).asc(nulls_last=True) if self.nulos else F(self.campo).asc()


@dataclass(frozen=True)
class Orden:
    nombre: str
    claves: tuple[Clave, ...]

    @property
    def campos(self) -> tuple[str, ...]:
        return tuple(c.campo for c in self.claves)

    def order_by(self, *, invertido: bool = False) -> list:
        return [(c.invertida() if invertido else c).expresion() for c in self.claves]

    def ordenar(self, filas: list, valor) -> list:
        """Sort already fetched rows in Python the way the database does (``valor(fila,
        campo)`` reads a key). Stable sorts from the last key to the first."""
        filas = list(filas)
        for c in reversed(self.claves):
            # (is-null, value): NULLs after every value ascending, before them descending.
            filas.sort(key=lambda f, c=c: (valor(f, c.campo) is None,
                                           0 if valor(f, c.campo) is None
                                           else valor(f, c.campo)), reverse=c.desc)
        return filas


@dataclass(frozen=True)
class Cursor:
    orden: str
    atras: bool  # True: the page *before* these values ("previous" link)
    valores: tuple


def _codificar_valor(v):
    return v.isoformat() if isinstance(v, datetime) else v


def _decodificar_valor(clave: Clave, v):
    if v is None:
        if not clave.nulos:
            raise CursorInvalido(clave.campo)
        return None
    if clave.tipo == "fecha":
        fecha = parse_datetime(v) if isinstance(v, str) else None
        if fecha is None or fecha.tzinfo is None:
            raise CursorInvalido(clave.campo)
        return fecha
    if clave.tipo == "entero":
        if not isinstance(v, int) or isinstance(v, bool):
            raise CursorInvalido(clave.campo)
        return v
    if not isinstance(v, str):
        raise CursorInvalido(clave.campo)
    return v


def codificar(orden: Orden, valores, *, atras: bool = False) -> str:
    datos = {"o": orden.nombre, "a": int(atras), "v": [_codificar_valor(v) for v in valores]}
    return signing.dumps(datos, salt=SAL, compress=False)


def decodificar(orden: Orden, texto: str) -> Cursor:
    """The cursor ``texto`` for ``orden``, or ``CursorInvalido``."""
    try:
        datos = signing.loads(texto, salt=SAL)
    except (signing.BadSignature, ValueError, TypeError, UnicodeError) as exc:
        raise CursorInvalido("firma") from exc
    if not isinstance(datos, dict) or datos.get("o") != orden.nombre \
            or datos.get("a") not in (0, 1) or not isinstance(datos.get("v"), list) \
            or len(datos["v"]) != len(orden.claves):
        raise CursorInvalido("forma")
    valores = tuple(_decodificar_valor(c, v) for c, v in zip(orden.claves, datos["v"], strict=True))
    return Cursor(orden=orden.nombre, atras=bool(datos["a"]), valores=valores)


def _tramos(claves: tuple[Clave, ...], valores: tuple) -> list[Q]:
    """The rows strictly after ``valores`` in the order ``claves``, as disjoint conditions
    each of which is one index range (equalities on a prefix, then one comparison)."""
    tramos = []
    for i in reversed(range(len(claves))):
        prefijo = {}
        for c, v in zip(claves[:i], valores[:i], strict=True):
            if v is None:
                prefijo[f"{c.campo}__isnull"] = True
            else:
                prefijo[c.campo] = v
        c, v = claves[i], valores[i]
        if v is None:
            if c.nulos and c.desc:  # NULLs come first descending: every value follows
                tramos.append(Q(**prefijo, **{f"{c.campo}__isnull": False}))
            continue  # ascending, NULLs last: nothing follows NULL on this key
        tramos.append(Q(**prefijo, **{f"{c.campo}__{'lt' if c.desc else 'gt'}": v}))
        if c.nulos and not c.desc:
            tramos.append(Q(**prefijo, **{f"{c.campo}__isnull": True}))
    return tramos


def ids_tras(qs: QuerySet, orden: Orden, cursor: Cursor | None, n: int) -> QuerySet:
    """A subquery of the primary keys of the ``n`` rows of ``qs`` that follow ``cursor``
    (precede it for a backwards cursor; the first ``n`` without one), for ``pk__in``.
    The caller re-sorts what it fetches with ``Orden.ordenar``."""
    atras = bool(cursor and cursor.atras)
    claves = tuple(c.invertida() for c in orden.claves) if atras else orden.claves
    orden_sql = [c.expresion() for c in claves]
    base = qs.order_by()
    if cursor is None:
        return base.order_by(*orden_sql).values("pk")[:n]
    tramos = _tramos(claves, cursor.valores)
    if not tramos:
        return base.none().values("pk")
    if connection.features.supports_slicing_ordering_in_compound and len(tramos) > 1:
        ramas = [base.filter(t).order_by(*orden_sql).values("pk")[:n]
                 for t in tramos]
        union = ramas[0].union(*ramas[1:], all=True)
        # The outer order picks the first n of at most n × branches rows (all small).
        return base.filter(pk__in=union).order_by(*orden_sql).values("pk")[:n]
    condicion = Q()
    for t in tramos:
        condicion |= t
    return base.filter(condicion).order_by(*orden_sql).values("pk")[:n]
