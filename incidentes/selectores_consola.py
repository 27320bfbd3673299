"""The console's figures over the open incidents (issue 22): its counters, each analyst's
workload for the «Asignar» menus, and the saved views' capped counts — tenant-scoped like
every read (``selectors.incidentes_visibles``)."""

from collections import Counter
from dataclasses import dataclass, field

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import connection
from django.db.models import Count

from .selectors import Filtros, incidentes_lista, incidentes_visibles
from .services.comun import ROLES_GESTION
from .states import ESTADOS_ABIERTOS

URGENTES = ("P1", "P2")
# A saved view's chip counts at most this many (then «más de 1000»): a chip is a hint of the
# queue's size, and an uncapped COUNT grows with the open incidents on every render.
LIMITE_CUENTA_VISTA = 1000


@dataclass
class Abiertos:
    """Open incidents the user may see, counted once: ``contadores`` for the console's
    header, ``carga`` = {analyst id: (open, of them P1/P2)} for the assign menus."""
    contadores: dict[str, int]
    carga: dict[int, tuple[int, int]] = field(default_factory=dict)


def abiertos(usuario) -> Abiertos:
    """ONE ``GROUP BY analyst, priority, SLA state`` over the open incidents (a few hundred
    groups at most), an index-only scan of the partial index ``incidente_abiertos_cuentas``;
    the counters and the workloads are sums of its groups. It replaced an aggregate that
    read every open row from the heap (``COUNT(id)``) and a users × assigned-incidents join
    that walked every incident ever assigned, closed ones included (121 ms of a
    coordinator's console at 100,000 incidents)."""
    grupos = (incidentes_visibles(usuario).filter(estado__in=ESTADOS_ABIERTOS).order_by()
              .values_list("analista_id", "prioridad", "estado_sla").annotate(n=Count("*")))
    c = Counter()
    carga: dict[int, list[int]] = {}
    for analista_id, prioridad, estado_sla, n in grupos:
        c["total"] += n
        c[(prioridad or "").lower()] += n
        c[estado_sla] += n
        if analista_id is None:
            c["sin_asignar"] += n
            continue
        propia = carga.setdefault(analista_id, [0, 0])
        propia[0] += n
        if prioridad in URGENTES:
            propia[1] += n
    contadores = {k: c[k] for k in ("total", "p1", "p2", "p3", "p4", "advertencia",
                                    "incumplido", "sin_asignar")}
    contadores["mios"] = carga.get(usuario.pk, (0, 0))[0]
    return Abiertos(contadores=contadores, carga={k: (a, u) for k, (a, u) in carga.items()})


def personal_asignable():
    """Active staff who may work incidents (a coordinator's "assign to" candidates). A read
    for menus only; ``incidente_asignar`` re-checks the role on write."""
    return (get_user_model().objects.filter(is_active=True, groups__name__in=ROLES_GESTION)
            .distinct().order_by("first_name", "last_name", "username"))


def analistas_con_carga(usuario, *, figuras: Abiertos | None = None,
                        analistas: list | None = None) -> list:
    """``personal_asignable`` with ``nombre``, ``abiertos`` (open incidents assigned),
    ``urgentes`` (of them P1/P2) and ``disponible`` (below ``CGII_CARGA_MAXIMA_ANALISTA``
    open, 12 by default: there is no presence data yet). ``figuras``/``analistas``: what
    the caller already read this request (the console reads both for other panels)."""
    figuras = figuras or abiertos(usuario)
    analistas = list(personal_asignable()) if analistas is None else analistas
    capacidad = getattr(settings, "CGII_CARGA_MAXIMA_ANALISTA", 12)
    for u in analistas:
        u.nombre = u.get_full_name() or u.username
        u.abiertos, u.urgentes = figuras.carga.get(u.pk, (0, 0))
        u.disponible = u.abiertos < capacidad
    return analistas


def cuentas_acotadas(usuario, filtros: dict[int, Filtros],
                     limite: int = LIMITE_CUENTA_VISTA) -> dict[int, int]:
    """{key: matches of ``incidentes_lista(usuario, filtros[key])``, at most ``limite + 1``}
    (more than ``limite`` when it says ``limite + 1``) in ONE statement: each count a capped
    scalar subquery ``(SELECT COUNT(*) FROM (… LIMIT limite + 1))``, so no count reads more
    than ``limite + 1`` index entries however large the queue grows."""
    if not filtros:
        return {}
    partes, parametros = [], []
    for filtro in filtros.values():
        qs = incidentes_lista(usuario=usuario, filtros=filtro).order_by().values("pk")
        sql, params = qs[:limite + 1].query.sql_with_params()
        partes.append(f"(SELECT COUNT(*) FROM ({sql}) c)")
        parametros.extend(params)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {', '.join(partes)}", parametros)
        fila = cursor.fetchone()
    return dict(zip(filtros, fila, strict=True))
