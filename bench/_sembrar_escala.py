"""Ten years of a national CSIRT for bench/escala.py (issue 22): N incidents (default
1,000,000) and M indicators (default 10,000,000) with their timelines, checklists, SLA clocks
of the open ones, sightings and search documents, loaded with COPY. docs/escala.md says how
the data is shaped and why.

The incidents are made by the incident seeder's own generator (``_sembrar_incidentes``:
state by age, priority, type, protocol, analyst, timeline, checklist) and COPYed in batches;
here only the time span (ten years, volume growing linearly), the entity mix (300 entities,
Zipf-like: a few ministries report most) and the analysts (24) differ. The open incidents
get their three SLA clocks from ``_sembrar_relojes_incidentes`` (the real pure clock).

Two phases, so the list can be measured at N/10 and at N (issue 22's "flat from 100k to
1M"): phase 1 is the newest N/10 incidents (about the last half year: every open incident of
the final data set is there), phase 2 adds the older history. Each phase is one transaction
(an interrupted seed leaves nothing half-loaded); the secondary indexes of the big tables are
dropped inside it and rebuilt after the load (faster than maintaining them row by row, and a
rollback puts them back). Indicators are generated from their index (``valor(i)``), so the
bench can rebuild any stored value without reading the table.
"""

from __future__ import annotations

import random
from array import array
from datetime import datetime, timedelta
from time import perf_counter

import _sembrar_incidentes as semilla
import _sembrar_relojes_incidentes as relojes
from _copia import copiar, copiar_tuplas, reservar_ids
from django.db import connection, transaction

from cgii.busqueda.backends.basedatos import VECTOR_INTERNO_SQL, VECTOR_SQL
from cgii.busqueda.models import DocumentoBusqueda
from cgii.entidades.models import Entidad, Membresia, RolEntidad
from incidentes.busqueda import TIPOS_COMPARTIDOS, TIPOS_INTERNOS
from incidentes.indicadores import stix
from incidentes.indicadores.models import Indicador, IndicadorIncidente
from incidentes.indicadores.normalizacion import TipoIndicador, patron_de, uuid_indicador
from incidentes.models import ContadorIncidente, EntradaTimeline, Incidente, Tarea
from incidentes.states import Estado

# Bumped whenever the generated data changes: bench/escala.py reseeds a seed of another version.
VERSION = 1
ANIOS = 10
ENTIDADES = 300
ANALISTAS = 24
ZIPF = 0.8          # entity k reports in proportion to 1 / k**ZIPF
LOTE = 10_000
ARCHIVO = timedelta(days=180)
FINALES = {Estado.CERRADO: 88, Estado.RESUELTO: 1, Estado.RECHAZADO: 7, Estado.DUPLICADO: 4}
LOTE_INDICADORES = 200_000
AVISTADOS = 0.3     # share of indicators seen in at least one incident
TLP_AVISTAMIENTO = ("clear", "green", "green", "amber", "amber", "amber", "amber+strict", "red")
ROLES = ("malicioso", "malicioso", "atacante", "c2", "distribucion", "victima", "relacionado")
TABLAS = ("incidentes_incidente", "incidentes_entradatimeline", "incidentes_tarea",
          "protocolos_relojsla", "protocolos_crucesla", "indicadores_indicador",
          "indicadores_indicadorincidente", "busqueda_documento")
# First octets of public IPv4 space (no 0, 10, 127, 169, 172, 192, 224+; not 12 and 13,
# the addresses of bench/stix.py's bundles).
OCTETOS = [o for o in range(1, 224) if o not in (10, 12, 13, 100, 127, 169, 172, 192, 198, 203)]
TLD = ("com", "net", "org", "info", "xyz", "top", "ru", "cn", "bo", "com.bo", "online")
PALABRAS_DOMINIO = ("login", "secure", "update", "cdn", "mail", "portal", "sigep", "banco",
                    "pago", "verificar", "cuenta", "soporte", "descarga", "api", "static")


# ---- people ---------------------------------------------------------------------------------

def personas():
    """The incident seeder's 30 entities, reporters and 8 analysts, plus entities up to
    ENTIDADES (each with a reporter) and analysts up to ANALISTAS; idempotent."""
    entidades, reportantes, analistas = semilla.personas()
    existentes = {e.sigla: e for e in Entidad.objects.filter(sigla__startswith="BENCHE")}
    nuevas = [Entidad(sigla=f"BENCHE{i:03d}", nombre=f"Entidad pública de prueba {i:03d}",
                      nivel="central" if i % 3 else "municipal",
                      tipo="descentralizada" if i % 3 else "gobierno_autonomo",
                      sector=semilla.SECTORES[i % len(semilla.SECTORES)], critica=i % 20 == 0)
              for i in range(len(entidades) + 1, ENTIDADES + 1)
              if f"BENCHE{i:03d}" not in existentes]
    Entidad.objects.bulk_create(nuevas)
    extra = list(Entidad.objects.filter(sigla__startswith="BENCHE").order_by("sigla"))
    for entidad in extra:
        usuario = semilla._usuario(f"bench_reportante_{entidad.sigla.lower()}", "Reportante",
                                   entidad.sigla)
        Membresia.objects.get_or_create(usuario=usuario, entidad=entidad,
                                        rol=RolEntidad.REPORTANTE)
        reportantes[entidad.pk] = usuario
    from django.contrib.auth.models import Group

    grupo = Group.objects.get(name="analista")
    for i in range(len(analistas) + 1, ANALISTAS + 1):
        analista = semilla._usuario(f"bench_analista_{i}", "Analista", str(i))
        analista.groups.add(grupo)
        analistas.append(analista)
    return entidades + extra, reportantes, analistas


class _Generador(semilla._Generador):
    """The incident seeder's generator with this data set's entities and analysts: the entity
    list repeats each entity in proportion to its Zipf weight, so ``rng.choice`` draws the
    skewed mix; descriptions name a few assets (search has words to find)."""

    def __init__(self, *, ahora: datetime, semilla: int, gente):
        super().__init__(ahora=ahora, semilla=semilla)
        entidades, self.reportantes, self.analistas = gente
        pesos = [1 / (k ** ZIPF) for k in range(1, len(entidades) + 1)]
        escala = 4000 / sum(pesos)
        self.entidades = [e for e, w in zip(entidades, pesos, strict=True)
                          for _ in range(max(1, round(w * escala)))]

    def _estado(self, edad):
        # A ten-year archive is closed: nothing older than half a year is still open (the
        # incident seeder's year-long span keeps ~3 % of its old incidents open).
        if edad > ARCHIVO:
            return self.rng.choices(list(FINALES), list(FINALES.values()))[0]
        return super()._estado(edad)

    def incidente(self, codigo, creado):
        inc = super().incidente(codigo, creado)
        v, k = semilla.VOCABULARIO, len(semilla.VOCABULARIO)
        inc.descripcion += (f" Afecta: {v[self.rng.randrange(k)]}, {v[self.rng.randrange(k)]} "
                            f"y {v[self.rng.randrange(k)]}.")
        return inc


def instantes(n: int, ahora: datetime, semilla_: int = 22) -> list[datetime]:
    """n report instants over the last ANIOS years, sorted; the volume grows linearly (more
    entities report, feeds open incidents), so the last year holds ~19 % of them."""
    rng = random.Random(semilla_)
    span = timedelta(days=365 * ANIOS).total_seconds()
    inicio = ahora - timedelta(seconds=span)
    return sorted(inicio + timedelta(seconds=span * rng.random() ** 0.5) for _ in range(n))


# ---- indexes: dropped before a load, rebuilt after -----------------------------------------

def _indices_secundarios(tabla: str) -> list[tuple[str, str]]:
    """(name, CREATE INDEX statement) of a plain table's indexes that back no constraint
    (partitioned parents are left alone: their indexes span the partitions)."""
    with connection.cursor() as cursor:
        cursor.execute("""
            SELECT ci.relname, pg_get_indexdef(i.indexrelid)
            FROM pg_index i JOIN pg_class ci ON ci.oid = i.indexrelid
            JOIN pg_class t ON t.oid = i.indrelid
            WHERE t.relname = %s AND t.relkind = 'r' AND t.relnamespace = 'public'::regnamespace
              AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)
            ORDER BY ci.relname""", [tabla])
        return cursor.fetchall()


class SinIndices:
    """Inside a transaction: drop the secondary indexes of ``tablas``, rebuild them on exit
    (a rollback restores them anyway)."""

    def __init__(self, *tablas: str, progreso=print):
        self.tablas, self.progreso, self.indices = tablas, progreso, []

    def __enter__(self):
        with connection.cursor() as cursor:
            # Django's foreign keys are deferred to COMMIT: a table with pending checks
            # cannot get an index. Check them at the end of each statement instead.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            for tabla in self.tablas:
                for nombre, ddl in _indices_secundarios(tabla):
                    cursor.execute(f'DROP INDEX "{nombre}"')
                    self.indices.append(ddl)
        return self

    def __exit__(self, tipo, *_):
        if tipo is not None:
            return
        inicio = perf_counter()
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL maintenance_work_mem = '512MB'")
            for ddl in self.indices:
                cursor.execute(ddl)
        self.progreso(f"  {len(self.indices)} index(es) of {', '.join(self.tablas)} rebuilt in "
                      f"{perf_counter() - inicio:.1f} s")


# ---- incidents ------------------------------------------------------------------------------

def _contadores() -> dict[int, int]:
    return dict(ContadorIncidente.objects.values_list("anio", "ultimo"))


def sembrar_incidentes(momentos: list[datetime], *, ahora: datetime, semilla_: int,
                       progreso=print) -> dict:
    """One phase: incidents at ``momentos`` (sorted), codes continuing the yearly counters,
    timelines, checklists, then the SLA clocks of the open ones. One transaction."""
    from django.utils import timezone

    gente = personas()
    cuentas = {"incidentes": 0, "timeline": 0, "tareas": 0}
    ultimos = _contadores()
    with transaction.atomic():
        primero = None
        with SinIndices("incidentes_entradatimeline", "incidentes_tarea", progreso=progreso):
            gen = _Generador(ahora=ahora, semilla=semilla_, gente=gente)
            for desde in range(0, len(momentos), LOTE):
                incidentes = []
                for instante in momentos[desde:desde + LOTE]:
                    anio = timezone.localtime(instante).year
                    ultimos[anio] = ultimos.get(anio, 0) + 1
                    incidentes.append(gen.incidente(f"CGII-{anio}-{ultimos[anio]:05d}", instante))
                reservar_ids(Incidente, incidentes)
                primero = primero or incidentes[0].pk
                copiar(Incidente, incidentes, con_id=True)
                entradas = [e for inc in incidentes for e in gen.timeline(inc)]
                tareas = [t for inc in incidentes for t in gen.tareas(inc)]
                copiar(EntradaTimeline, entradas)
                copiar(Tarea, tareas)
                cuentas["incidentes"] += len(incidentes)
                cuentas["timeline"] += len(entradas)
                cuentas["tareas"] += len(tareas)
                if cuentas["incidentes"] % 100_000 == 0 or cuentas["incidentes"] == len(momentos):
                    progreso(f"  {cuentas['incidentes']:,} incidents, {cuentas['timeline']:,} "
                             f"timeline entries, {cuentas['tareas']:,} tasks")
        for anio, ultimo in ultimos.items():
            ContadorIncidente.objects.update_or_create(anio=anio, defaults={"ultimo": ultimo})
        if primero is not None:
            r = relojes.sembrar(ahora=ahora, filtro={"pk__gte": primero,
                                                     "estado__in": semilla.ABIERTOS},
                                progreso=lambda *_: None)
            cuentas["relojes"] = r["relojes"]
            progreso(f"  {r['relojes']:,} SLA clocks of the open incidents, "
                     f"{r['cruces']:,} crossings")
    return cuentas


# ---- indicators -----------------------------------------------------------------------------

_TIPOS = ((7, TipoIndicador.IPV4), (12, TipoIndicador.DOMINIO), (15, TipoIndicador.URL),
          (18, TipoIndicador.SHA256), (19, TipoIndicador.MD5), (20, TipoIndicador.EMAIL))


def _mezcla(i: int) -> int:
    """A bijection of 0..2**32-1 (odd multiplier, xorshift): scattered but unique."""
    x = (i * 2654435761) & 0xFFFFFFFF
    return x ^ (x >> 16)


def valor(i: int) -> tuple[str, str]:
    """(type, normalised value) of indicator number i: unique for every i < 2**24 (the
    number is in each value, or the value is a hash of it)."""
    r = i % 20
    tipo = next(t for limite, t in _TIPOS if r < limite)
    h = _mezcla(i)
    if tipo == TipoIndicador.IPV4:
        bajo = i & 0xFFFFFF  # unique below 2**24; the first octet only scatters them
        return tipo, (f"{OCTETOS[h % len(OCTETOS)]}.{bajo >> 16}.{bajo >> 8 & 255}."
                      f"{bajo & 255}")
    palabra = PALABRAS_DOMINIO[h % len(PALABRAS_DOMINIO)]
    dominio = f"{palabra}-{i:x}.{TLD[(h >> 8) % len(TLD)]}"
    if tipo == TipoIndicador.DOMINIO:
        return tipo, dominio
    if tipo == TipoIndicador.URL:
        return tipo, f"http://{dominio}/{palabra}/{h:x}.php"
    if tipo == TipoIndicador.EMAIL:
        return tipo, f"{palabra}{h % 1000}@{dominio}"
    import hashlib

    digesto = hashlib.sha256(i.to_bytes(8, "little")).hexdigest()
    return tipo, digesto if tipo == TipoIndicador.SHA256 else digesto[:32]


def sembrar_indicadores(m: int, *, ahora: datetime, semilla_: int = 23,
                        progreso=print) -> dict:
    """m indicators over the last ANIOS years (volume growing as the incidents'), ~30 %
    seen in 1-3 incidents (sightings with their own TLP and role), ~2 % revoked, ~20 %
    with an expiry (some passed). One transaction."""
    rng = random.Random(semilla_)
    ids_inc, creados = array("q"), array("d")
    with connection.cursor() as cursor:
        cursor.execute("SELECT id, extract(epoch FROM creado) FROM incidentes_incidente "
                       "ORDER BY id")
        for pk, epoca in cursor.fetchall():
            ids_inc.append(pk)
            creados.append(float(epoca))
    analistas = [a.pk for a in personas()[2]]
    span = timedelta(days=365 * ANIOS).total_seconds()
    fin = ahora.timestamp()
    inicio_ind = fin - span
    cuentas = {"indicadores": 0, "avistamientos": 0}
    tz = ahora.tzinfo
    columnas = ["id", "tipo", "valor", "valor_original", "patron", "stix_uuid", "sco_id",
                "tipos_stix", "confianza", "tlp", "valido_desde", "valido_hasta", "primera_vez",
                "ultima_vez", "revocado", "origen", "creado", "modificado"]
    columnas_v = ["incidente_id", "indicador_id", "rol", "valor_original", "origen",
                  "agregado_por_id", "agregado_en", "conteo", "tlp", "confianza"]
    with connection.cursor() as cursor:
        cursor.execute("SELECT last_value FROM indicadores_indicador_id_seq")
        base = cursor.fetchone()[0] + 1
    avistamientos = []

    def filas():
        for i in range(m):
            tipo, v = valor(i)
            creado = datetime.fromtimestamp(inicio_ind + span * rng.random() ** 0.5, tz)
            pk = base + i
            hasta = None
            if rng.random() < 0.2:
                hasta = creado + timedelta(days=180)
            yield (pk, tipo, v, v, patron_de(tipo, v), uuid_indicador(tipo, v),
                   stix.id_sco(tipo, {"value": v}) if tipo != TipoIndicador.MD5 and
                   tipo != TipoIndicador.SHA256 else "",
                   '["malicious-activity"]', 30 + (i % 70), rng.choice(TLP_AVISTAMIENTO[1:6]),
                   creado, hasta, creado, creado + timedelta(days=rng.expovariate(1 / 30)),
                   rng.random() < 0.02, "importacion" if rng.random() < 0.8 else "manual",
                   creado, creado)
            if rng.random() < AVISTADOS and ids_inc:
                vistos = 1 + (rng.random() < 0.15) + (rng.random() < 0.05)
                cerca = _indice_cercano(creados, creado.timestamp())
                for k in range(vistos):
                    j = min(len(ids_inc) - 1, max(0, cerca + rng.randint(-2000, 2000) * (k > 0)
                                                  + rng.randint(-300, 300)))
                    avistamientos.append((ids_inc[j], pk, rng.choice(ROLES), v,
                                          "extraccion" if rng.random() < 0.5 else "manual",
                                          rng.choice(analistas),
                                          datetime.fromtimestamp(creados[j] + rng.uniform(
                                              600, 86400 * 3), tz),
                                          1 + int(rng.expovariate(1)),
                                          rng.choice(TLP_AVISTAMIENTO), None))

    with transaction.atomic():
        with SinIndices("indicadores_indicador", "indicadores_indicadorincidente",
                        progreso=progreso):
            generador = filas()
            while True:
                avistamientos.clear()
                lote = [f for _, f in zip(range(LOTE_INDICADORES), generador, strict=False)]
                if not lote:
                    break
                copiar_tuplas(Indicador, columnas, lote)
                # One sighting per (incident, indicator).
                unicos = list({(a[0], a[1]): a for a in avistamientos}.values())
                copiar_tuplas(IndicadorIncidente, columnas_v, unicos)
                cuentas["indicadores"] += len(lote)
                cuentas["avistamientos"] += len(unicos)
                if cuentas["indicadores"] % 1_000_000 == 0 or cuentas["indicadores"] == m:
                    progreso(f"  {cuentas['indicadores']:,} indicators, "
                             f"{cuentas['avistamientos']:,} sightings")
        with connection.cursor() as cursor:
            cursor.execute("SELECT setval('indicadores_indicador_id_seq', %s)",
                           [base + max(m, 1) - 1])
            # The list's "contains" search reads ValorBuscable (a sink fills it after each
            # service's commit; the seed bypasses the services).
            cursor.execute("INSERT INTO indicadores_valorbuscable (indicador_id, valor) "
                           "SELECT id, valor FROM indicadores_indicador WHERE id >= %s "
                           "ON CONFLICT DO NOTHING", [base])
    cuentas["primer_id"] = base
    return cuentas


def _indice_cercano(creados: array, instante: float) -> int:
    from bisect import bisect_left

    return min(bisect_left(creados, instante), len(creados) - 1)


# ---- search documents -----------------------------------------------------------------------

def sembrar_documentos(progreso=print) -> dict:
    """The search table (``database`` backend) for every incident and indicator, in SQL, as
    ``incidentes.busqueda.construir`` / ``incidentes.indicadores.busqueda.construir`` build
    them (tests/bench/test_escala.py compares a sample with those); the vectors with the
    backend's own expressions. One transaction; the GIN and trigram indexes rebuilt after."""
    tabla = DocumentoBusqueda._meta.db_table
    etiquetas = {k: str(v) for k, v in TipoIndicador.choices}
    caso = "CASE i.tipo " + " ".join(f"WHEN '{k}' THEN '{v}'" for k, v in etiquetas.items()) \
        + " ELSE i.tipo END"
    compartidos = "', '".join(TIPOS_COMPARTIDOS)
    internos = "', '".join(TIPOS_INTERNOS)
    columnas = ("tipo, objeto_id, entidad_id, entidades, solo_personal, clave, titulo, texto, "
                "mensajes, interno, estado, prioridad, categoria, tlp, anio, fecha, datos")
    insertar = (f"INSERT INTO {tabla} ({columnas}, vector, vector_interno, actualizado) "
                f"SELECT {columnas}, {VECTOR_SQL.format(p='d.')}, "
                f"{VECTOR_INTERNO_SQL.format(p='d.')}, now() FROM ({{}}) d")
    incidentes = f"""
        SELECT 'incidente' AS tipo, i.id AS objeto_id, i.entidad_id,
               jsonb_build_array(i.entidad_id) AS entidades, false AS solo_personal,
               i.codigo AS clave, i.titulo,
               concat_ws(E'\\n', nullif(i.descripcion, ''), nullif(i.activos_afectados, ''),
                         nullif(i.resumen_cierre, ''), nullif(i.motivo_rechazo, '')) AS texto,
               coalesce(t.compartidos, '') AS mensajes,
               concat_ws(E'\\n', t.internos, nullif(i.lecciones_aprendidas, '')) AS interno,
               i.estado, i.prioridad, coalesce(c.codigo, '') AS categoria, i.tlp,
               extract(year FROM i.creado AT TIME ZONE 'UTC')::int AS anio, i.creado AS fecha,
               jsonb_build_object('codigo', i.codigo, 'entidad_sigla', e.sigla,
                                  'tipo_incidente', coalesce(ti.nombre, ''),
                                  'clase', coalesce(c.nombre, '')) AS datos
        FROM incidentes_incidente i
        JOIN entidades_entidad e ON e.id = i.entidad_id
        LEFT JOIN protocolos_tipoincidente ti ON ti.id = i.tipo_id
        LEFT JOIN protocolos_claseincidente c ON c.id = ti.clase_id
        LEFT JOIN (
            SELECT incidente_id,
                   string_agg(texto, E'\\n' ORDER BY id) FILTER (WHERE visible_entidad)
                       AS compartidos,
                   string_agg(texto, E'\\n' ORDER BY id) FILTER (WHERE NOT visible_entidad)
                       AS internos
            FROM incidentes_entradatimeline
            WHERE texto <> '' AND tipo IN ('{compartidos}', '{internos}')
            GROUP BY incidente_id) t ON t.incidente_id = i.id"""
    indicadores = f"""
        SELECT 'indicador' AS tipo, i.id AS objeto_id, NULL::bigint AS entidad_id,
               coalesce(v.entidades, '[]'::jsonb) AS entidades, false AS solo_personal,
               i.valor AS clave, i.valor AS titulo,
               concat_ws(E'\\n', nullif(i.nombre, ''), nullif(i.descripcion, '')) AS texto,
               '' AS mensajes, '' AS interno,
               CASE WHEN i.revocado THEN 'revocado'
                    WHEN i.valido_hasta <= now() THEN 'vencido' ELSE 'vigente' END AS estado,
               '' AS prioridad, i.tipo AS categoria, i.tlp,
               extract(year FROM i.creado AT TIME ZONE 'UTC')::int AS anio, i.creado AS fecha,
               jsonb_build_object('tipo_indicador', {caso}, 'valor', left(i.valor, 300))
                   AS datos
        FROM indicadores_indicador i
        LEFT JOIN (
            SELECT x.indicador_id, jsonb_agg(DISTINCT inc.entidad_id ORDER BY inc.entidad_id)
                       AS entidades
            FROM indicadores_indicadorincidente x
            JOIN incidentes_incidente inc ON inc.id = x.incidente_id
            GROUP BY x.indicador_id) v ON v.indicador_id = i.id"""
    cuentas = {}
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"TRUNCATE {tabla}")
        cursor.execute("SET LOCAL work_mem = '256MB'")
        with SinIndices(tabla, progreso=progreso):
            for clave, sql in (("documentos_incidentes", incidentes),
                               ("documentos_indicadores", indicadores)):
                inicio = perf_counter()
                cursor.execute(insertar.format(sql))
                cuentas[clave] = cursor.rowcount
                progreso(f"  {cursor.rowcount:,} {clave.split('_')[1]} documents in "
                         f"{perf_counter() - inicio:.1f} s")
    return cuentas


# ---- the whole seed -------------------------------------------------------------------------

def borrar() -> None:
    """Everything this seed writes (incidents by cascade with their timelines, tasks and
    sightings; clocks; indicators; search documents)."""
    relojes.borrar()
    semilla.borrar()
    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE indicadores_objetostix, indicadores_indicadorincidente, "
                       "indicadores_valorbuscable, indicadores_indicador, "
                       "indicadores_importacionstix, "
                       f"{DocumentoBusqueda._meta.db_table} CASCADE")


def tamano_base() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_database_size(current_database())")
        return cursor.fetchone()[0]




