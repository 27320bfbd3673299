"""Storing a batch of IntelMQ events: validated, de-duplicated, routed, counted into their
aggregations — in a handful of set-based statements per batch, whatever its size.

1. every event is checked first (``validacion``); one bad event refuses the whole batch with
   one error per bad event, and nothing is stored;
2. the batch is COPY'd into a temporary table; new feeds are created (default policy);
3. ``cgii.entidades.selectors.rutear_tabla`` routes the table against the registry (GiST:
   longest prefix, then domain suffixes, then ASN);
4. the aggregations the routed events fall in are created if missing, then one statement
   inserts the events (``ON CONFLICT DO NOTHING`` on feed, host, identifier and day: the
   de-duplication) and adds what was really inserted to the aggregations' counters.

Intake transactions are serialised by one advisory lock: two batches inserting the same
keys in different orders would otherwise deadlock on the unique index, and the intake is
bound by the database anyway. Incidents, notices and notifications come later, from the
consolidation job (``consolidacion.py``), once per aggregation.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

from django.db import connection, transaction
from django.utils.translation import gettext as _

from cgii.entidades.selectors import rutear_tabla, tiene_rol_cgii
from cgii.errores import ErrorDominio, ErrorValidacion, PermisoDenegado
from cgii.fsm import es_sistema

from ..models import AlCerrado, Politica, TLPFuente
from ..validacion import EventoValido, validar_lote

ROLES_INGESTA = ("analista", "coordinador", "administrador")
MAX_EVENTOS_LOTE = 10_000
MAX_ERRORES = 1000
POLITICA_POR_DEFECTO = Politica.AVISO
# pg_advisory_xact_lock key of the intake ("cgiifuen").
CLAVE_CERROJO = 0x6367_6969_6675_656E
TABLA = "fuentes_lote"


def sumar_a_agregaciones(origen: str) -> str:
    """The CTEs that add the rows of CTE ``origen`` (agregacion_id, momento) to their
    aggregations' counters and time span, in the statement that wrote them (intake and
    re-routing share it). ``sumadas`` returns the aggregations touched."""
    return f"""cuentas AS (
                SELECT agregacion_id, count(*) AS n, min(momento) AS primero,
                       max(momento) AS ultimo
                FROM {origen} WHERE agregacion_id IS NOT NULL GROUP BY agregacion_id
            ), sumadas AS (
                UPDATE fuentes_agregacion a SET eventos = a.eventos + c.n,
                       pendientes = a.pendientes + c.n,
                       primer_evento = LEAST(a.primer_evento, c.primero),
                       ultimo_evento = GREATEST(a.ultimo_evento, c.ultimo),
                       recibido_en = now()
                FROM cuentas c WHERE a.id = c.agregacion_id
                RETURNING a.id
            )"""


class RequierePostgres(ErrorDominio):
    status = 501
    mensaje_por_defecto = _("La recepción de eventos de fuentes requiere PostgreSQL.")


@dataclass
class ResultadoIngesta:
    recibidos: int = 0
    nuevos: int = 0
    duplicados: int = 0
    sin_entidad: int = 0
    por_via: dict = field(default_factory=dict)

    def como_dict(self) -> dict:
        return asdict(self)

    def sumar(self, otro: ResultadoIngesta) -> None:
        self.recibidos += otro.recibidos
        self.nuevos += otro.nuevos
        self.duplicados += otro.duplicados
        self.sin_entidad += otro.sin_entidad
        for via, n in otro.por_via.items():
            self.por_via[via] = self.por_via.get(via, 0) + n


def exigir_ingesta(actor) -> None:
    if not (es_sistema(actor) or tiene_rol_cgii(actor, *ROLES_INGESTA)):
        raise PermisoDenegado(_("Solo el personal CGII (o su cuenta de servicio de IntelMQ) "
                                "puede enviar eventos de fuentes."))


def validar_o_rechazar(eventos) -> list[EventoValido]:
    if not isinstance(eventos, list) or not eventos:
        raise ErrorValidacion(_("Envíe un evento (objeto JSON) o una lista de eventos."))
    if len(eventos) > MAX_EVENTOS_LOTE:
        raise ErrorValidacion(_("Un lote admite hasta %(n)d eventos.") % {"n": MAX_EVENTOS_LOTE},
                              extra={"maximo": MAX_EVENTOS_LOTE})
    validos, errores = validar_lote(eventos)
    if errores:
        raise ErrorValidacion(
            _("%(n)d de %(t)d eventos no son válidos; no se guardó ninguno.")
            % {"n": len(errores), "t": len(eventos)},
            extra={"eventos": errores[:MAX_ERRORES], "invalidos": len(errores)})
    return validos


def eventos_recibir(*, actor, eventos: list) -> ResultadoIngesta:
    """The API's and the command's entry: all the batch or nothing."""
    exigir_ingesta(actor)
    if connection.vendor != "postgresql":
        raise RequierePostgres()
    validos = validar_o_rechazar(eventos)
    with transaction.atomic():
        return guardar(validos)


_COLUMNAS = ("n", "proveedor", "nombre", "clasificacion", "identificador", "ip", "fqdn", "asn",
             "puerto", "protocolo", "momento", "dia", "host", "datos")


def _preparar_tabla(cursor) -> None:
    cursor.execute(f"""
        CREATE TEMP TABLE IF NOT EXISTS {TABLA} (
            n integer NOT NULL, proveedor text NOT NULL, nombre text NOT NULL, clasificacion text NOT NULL,
            identificador text NOT NULL, ip inet, fqdn text, asn bigint, puerto integer,
            protocolo text NOT NULL, momento timestamptz NOT NULL, dia date NOT NULL,
            host text NOT NULL, datos jsonb NOT NULL, entidad_id integer, via text
        ) ON COMMIT DELETE ROWS""")
    cursor.execute(f"TRUNCATE {TABLA}")  # a long transaction (the command) stores batch by batch


def guardar(validos: list[EventoValido]) -> ResultadoIngesta:
    """Store already validated events inside the caller's transaction (see module doc)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [CLAVE_CERROJO])
        _preparar_tabla(cursor)
        with cursor.copy(f"COPY {TABLA} ({', '.join(_COLUMNAS)}) FROM STDIN") as copia:
            for n, e in enumerate(validos):
                copia.write_row((n, e.proveedor, e.nombre, e.clasificacion, e.identificador, e.ip,
                                 e.fqdn, e.asn, e.puerto, e.protocolo, e.momento, e.dia, e.host,
                                 e.datos))
        cursor.execute(f"""
            INSERT INTO fuentes_fuente (proveedor, nombre, politica, al_cerrado, tlp,
                                        descripcion, creado)
            SELECT DISTINCT proveedor, nombre, %s, %s, %s, '', now() FROM {TABLA}
            ON CONFLICT (proveedor, nombre) DO NOTHING""",
                       [POLITICA_POR_DEFECTO, AlCerrado.NUEVO, TLPFuente.AMBER])
        rutear_tabla(TABLA)
        cursor.execute(f"""
            INSERT INTO fuentes_agregacion (entidad_id, fuente_id, clasificacion, periodo,
                politica, eventos, hosts, pendientes, creado)
            SELECT DISTINCT l.entidad_id, f.id, l.clasificacion, l.dia, '', 0, 0, 0, now()
            FROM {TABLA} l JOIN fuentes_fuente f ON f.proveedor = l.proveedor
                 AND f.nombre = l.nombre
            WHERE l.entidad_id IS NOT NULL
            ORDER BY 1, 2, 3, 4
            ON CONFLICT (entidad_id, fuente_id, clasificacion, periodo) DO NOTHING""")
        cursor.execute(f"""
            WITH nuevos AS (
                INSERT INTO fuentes_eventofuente (fuente_id, entidad_id, agregacion_id, via, ip,
                    fqdn, asn, puerto, protocolo, clasificacion, identificador, momento, dia,
                    host, datos, recibido)
                SELECT f.id, l.entidad_id, a.id, coalesce(l.via, ''), l.ip,
                       coalesce(l.fqdn, ''), l.asn, l.puerto, l.protocolo, l.clasificacion,
                       l.identificador, l.momento, l.dia, l.host, l.datos, now()
                FROM {TABLA} l
                JOIN fuentes_fuente f ON f.proveedor = l.proveedor AND f.nombre = l.nombre
                LEFT JOIN fuentes_agregacion a ON a.entidad_id = l.entidad_id
                     AND a.fuente_id = f.id AND a.clasificacion = l.clasificacion
                     AND a.periodo = l.dia
                ON CONFLICT (fuente_id, host, identificador, dia) DO NOTHING
                RETURNING agregacion_id, entidad_id, via, momento
            ), {sumar_a_agregaciones('nuevos')}
            SELECT coalesce(via, ''), (entidad_id IS NULL), count(*),
                   (SELECT count(*) FROM sumadas)
            FROM nuevos GROUP BY 1, 2""")
        filas = cursor.fetchall()
    resultado = ResultadoIngesta(recibidos=len(validos))
    for via, sin_entidad, n, _sumadas in filas:
        resultado.nuevos += n
        if sin_entidad:
            resultado.sin_entidad += n
        if via:
            resultado.por_via[via] = resultado.por_via.get(via, 0) + n
    resultado.duplicados = resultado.recibidos - resultado.nuevos
    return resultado
