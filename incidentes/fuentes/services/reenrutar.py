"""The CGII's "sin entidad" queue: fix the registry and re-route, in one action.

Staff add the missing network, domain or ASN (confirmed at once) and every event still
without an entity is routed again against the registry, set-based like the intake; the
events that now have an entity join their aggregations (created if needed) as pending, so
the next consolidation turns them into incidents or notices.
"""

from dataclasses import dataclass

from django.db import connection, transaction
from django.utils.translation import gettext as _

from cgii.auditoria.services import auditoria_registrar
from cgii.entidades import constituencia
from cgii.entidades.selectors import rutear_tabla
from cgii.errores import PermisoDenegado

from .ingesta import CLAVE_CERROJO, RequierePostgres, sumar_a_agregaciones

TABLA = "fuentes_reruteo"


@dataclass
class ResultadoReenrutar:
    revisados: int
    enrutados: int
    registro_id: int | None = None


def sin_entidad_reenrutar(*, actor, entidad_id: int | None = None, tipo: str = "",
                          valor: str = "") -> ResultadoReenrutar:
    """Optionally register ``valor`` (a network, domain or ASN) for ``entidad_id``, then route
    again every event without an entity. One transaction: both or neither."""
    if not constituencia.puede_confirmar(actor):
        raise PermisoDenegado(_("Solo el personal CGII corrige el registro y re-enruta."))
    if connection.vendor != "postgresql":
        raise RequierePostgres()
    with transaction.atomic():
        registro = None
        if entidad_id is not None:
            registro = constituencia.registro_agregar(actor=actor, entidad_id=entidad_id,
                                                      tipo=tipo, valor=valor)
        revisados, enrutados = _reenrutar()
        auditoria_registrar(actor=actor, accion="fuentes.reenrutar",
                            datos={"revisados": revisados, "enrutados": enrutados,
                                   "registro": f"{tipo}:{valor}" if registro else None})
    return ResultadoReenrutar(revisados, enrutados, registro.pk if registro else None)


def _reenrutar() -> tuple[int, int]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [CLAVE_CERROJO])
        cursor.execute(f"""
            CREATE TEMP TABLE {TABLA} ON COMMIT DROP AS
            SELECT id, id AS n, fuente_id, clasificacion, ip, nullif(fqdn, '') AS fqdn, asn, dia,
                   NULL::integer AS entidad_id, NULL::text AS via
            FROM fuentes_eventofuente WHERE entidad_id IS NULL""")
        revisados = cursor.rowcount
        rutear_tabla(TABLA)
        cursor.execute(f"""
            INSERT INTO fuentes_agregacion (entidad_id, fuente_id, clasificacion, periodo,
                politica, eventos, hosts, pendientes, creado)
            SELECT DISTINCT entidad_id, fuente_id, clasificacion, dia, '', 0, 0, 0, now()
            FROM {TABLA} WHERE entidad_id IS NOT NULL ORDER BY 1, 2, 3, 4
            ON CONFLICT (entidad_id, fuente_id, clasificacion, periodo) DO NOTHING""")
        cursor.execute(f"""
            WITH movidos AS (
                UPDATE fuentes_eventofuente e
                SET entidad_id = r.entidad_id, via = coalesce(r.via, ''), agregacion_id = a.id
                FROM {TABLA} r LEFT JOIN fuentes_agregacion a ON a.entidad_id = r.entidad_id
                     AND a.fuente_id = r.fuente_id AND a.clasificacion = r.clasificacion
                     AND a.periodo = r.dia
                WHERE e.id = r.id AND r.via IS NOT NULL
                RETURNING e.agregacion_id, e.entidad_id, e.momento
            ), {sumar_a_agregaciones('movidos')}
            SELECT count(*) FILTER (WHERE entidad_id IS NOT NULL) FROM movidos""")
        (enrutados,) = cursor.fetchone()
    return revisados, enrutados
