"""A real PostgreSQL streaming replica (issue 22): what reads there and what never does.

The module starts a private primary cluster (the schema from a ``pg_dump`` of the test
database) and a standby made from it with ``pg_basebackup -R`` on another port, both in
temporary directories, stopped and removed at the end (the shared server is never touched).
Django runs in a subprocess (``manage.py shell``) with DATABASE_URL = primary and
DATABASE_REPLICA_URL = standby: the script drives the real call sites (the report page
through the test client and its middleware, the database search, the STIX feed) and records
the SQL each alias ran; the test asserts on what it prints.
"""

import json
import os
import subprocess
import sys
from pathlib import Path
from urllib.parse import quote

import psycopg
import pytest
from django.conf import settings
from django.db import connection

from tests.servicios_privados import ServidorPostgres, binarios_postgres

RAIZ = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.django_db

# Shared by both scripts: query capture per alias and catching up with the primary.
COMUN = """
import json, time
import psycopg
from django.db import connections, transaction
from django.test.utils import CaptureQueriesContext
from cgii.bd import replica
from cgii.bd.replica import conexion_lectura, leer_de_replica, nueva_unidad
from cgii.busqueda.backends.basedatos import TABLA
from cgii.busqueda.selectors import buscar
from cgii.entidades.models import Entidad, Usuario
from incidentes.indicadores import exportacion

res = {}

class Captura:
    def __init__(self, aliases=("default", "replica")):
        self.aliases = aliases

    def __enter__(self):
        # CaptureQueriesContext connects on entry: only aliases that are up.
        self.c = {a: CaptureQueriesContext(connections[a]) for a in self.aliases}
        for c in self.c.values():
            c.__enter__()
        return self
    def __exit__(self, *exc):
        for c in self.c.values():
            c.__exit__(*exc)
    def sql(self, alias):
        return [q["sql"] for q in self.c[alias].captured_queries]

def toca(sqls, tabla):
    return any(tabla in s for s in sqls)

def puerto_y_recuperacion(conexion):
    with conexion.cursor() as cur:
        cur.execute("SELECT inet_server_port(), pg_is_in_recovery()")
        return list(cur.fetchone())
"""

PRIMERA = COMUN + """
from django.test import Client
from tests.entidades.sesiones import ingresar
from django.utils import timezone
from incidentes import services as incidentes
from protocolos.cargador import cargar_todo
from tests.factories import crear_entidad, crear_usuario

cargar_todo()
entidad = crear_entidad(nombre="Ministerio de la Réplica", sigla="MRE")
analista = crear_usuario(username="ana.replica", rol_cgii="analista")
reportante = crear_usuario(username="rene.replica", entidad=entidad, rol_entidad="reportante")
incidentes.incidente_reportar(actor=reportante, entidad=entidad,
                              titulo="Ransomware cifra el servidor de archivos",
                              descripcion="Los archivos compartidos aparecen cifrados.",
                              detectado_en=timezone.now())

def esperar_replica():
    with connections["default"].cursor() as cur:
        # The insert position: with synchronous_commit=off (private clusters) a commit
        # can still be in the WAL buffers, past pg_current_wal_lsn().
        cur.execute("SELECT pg_current_wal_insert_lsn()")
        lsn = cur.fetchone()[0]
    with psycopg.connect(ADMIN_REPLICA, autocommit=True) as c:
        for _ in range(600):
            if c.execute("SELECT pg_last_wal_replay_lsn() >= %s::pg_lsn", [lsn]).fetchone()[0]:
                return
            time.sleep(0.05)
    raise AssertionError("la réplica no alcanzó a la primaria")

esperar_replica()
replica.olvidar_estado()

# Where each alias points.
res["primaria"] = puerto_y_recuperacion(connections["default"])
nueva_unidad()
with leer_de_replica():
    res["en_bloque"] = puerto_y_recuperacion(conexion_lectura())
res["fuera_de_bloque"] = puerto_y_recuperacion(conexion_lectura())

# A report page through the test client (its middleware starts a fresh unit of work).
cliente = Client()
ingresar(cliente, analista)  # staff: a session past the second factor
antes = replica.contadores()
with Captura() as cap:
    r = cliente.get("/reportes/gestion-incidentes/")
despues = replica.contadores()
res["reporte_contadores"] = {k: v - antes.get(k, 0) for k, v in despues.items()}
res["reporte"] = {"estado": r.status_code,
                  "replica": toca(cap.sql("replica"), "incidentes_incidente"),
                  "primaria": toca(cap.sql("default"), "incidentes_incidente")}

# Search (database backend) and the STIX feed.
nueva_unidad()
with Captura() as cap:
    resultados = buscar(analista, "ransomware")
res["busqueda"] = {"total": resultados.total,
                   "replica": toca(cap.sql("replica"), TABLA),
                   "primaria": toca(cap.sql("default"), TABLA)}
nueva_unidad()
with Captura() as cap:
    bundle, _ = exportacion.bundle_feed(usuario=analista, tlps={"clear", "green", "amber"})
res["feed"] = {"objetos": len(bundle["objects"]),
               "replica": toca(cap.sql("replica"), "indicadores_"),
               "primaria": toca(cap.sql("default"), "indicadores_")}

# A background report (eager here: embedded mode): the task marks itself "generating" (a
# write) and then builds from the standby (leer_de_replica(aunque_haya_escrito=True)); the
# request that asked keeps reading from the primary afterwards.
from cgii.reportes import services as reportes
from cgii.reportes.models import ReporteGenerado
nueva_unidad()
tipo = reportes.tipo_visible("gestion-incidentes", analista)
consulta = reportes.consulta_de(reportes.parametros_iniciales(tipo, analista))
with Captura() as cap:
    generado = reportes.reporte_solicitar(usuario=analista, tipo=tipo, parametros=consulta,
                                          formato="xlsx")
with Captura() as despues, leer_de_replica():
    Entidad.objects.count()
res["asincrono"] = {"estado": ReporteGenerado.objects.get(pk=generado.pk).estado,
                    "replica": toca(cap.sql("replica"), "incidentes_incidente"),
                    "primaria": toca(cap.sql("default"), "incidentes_incidente"),
                    "solicitante_tras_escribir": len(despues.sql("replica"))}

# A write inside the block goes to the primary (and succeeds: the standby is read-only);
# the block's reads after it stay there too.
nueva_unidad()
with Captura() as cap, leer_de_replica():
    escrita = Entidad.objects.create(nombre="Escrita dentro del bloque", sigla="EDB",
                                     nivel=entidad.nivel, tipo=entidad.tipo, sector="Pruebas")
    leida = Entidad.objects.filter(pk=escrita.pk).count()
res["escritura"] = {
    "leida": leida,
    "insert_replica": [s for s in cap.sql("replica") if s.lstrip().upper().startswith("INSERT")],
    "insert_primaria": toca(cap.sql("default"), 'INSERT INTO "entidades_entidad"'),
    "replica_toco_entidades": toca(cap.sql("replica"), "entidades_entidad"),
}
esperar_replica()
with psycopg.connect(ADMIN_REPLICA, autocommit=True) as c:
    res["escritura"]["llego_a_la_replica"] = c.execute(
        "SELECT count(*) FROM entidades_entidad WHERE sigla = 'EDB'").fetchone()[0]

# Reads inside a transaction go to the primary.
nueva_unidad()
with Captura() as cap, leer_de_replica(), transaction.atomic():
    Entidad.objects.count()
    list(Entidad.objects.select_for_update().filter(sigla="MRE"))
res["atomico"] = {"replica": len(cap.sql("replica")),
                  "primaria": toca(cap.sql("default"), "entidades_entidad")}

# An object read from the replica pulls its relations from the primary outside the block.
nueva_unidad()
with leer_de_replica():
    usuario = Usuario.objects.get(username="rene.replica")
with Captura() as cap:
    list(usuario.membresias.all())
res["relacion_fuera"] = {"estado_db": usuario._state.db, "replica": len(cap.sql("replica"))}

# A replica behind by more than the bound is skipped.
with psycopg.connect(ADMIN_REPLICA, autocommit=True) as c:
    c.execute("SELECT pg_wal_replay_pause()")
    try:
        crear_entidad(nombre="Escrita con la réplica en pausa", sigla="PAU")
        time.sleep(settings_retraso() + 1.5)
        replica.olvidar_estado()
        nueva_unidad()
        with Captura() as cap:
            buscar(analista, "ransomware")
        res["retraso"] = {"estado": replica.estado(), "replica": toca(cap.sql("replica"), TABLA),
                          "primaria": toca(cap.sql("default"), TABLA)}
    finally:
        c.execute("SELECT pg_wal_replay_resume()")
res["contadores"] = replica.contadores()
print("RESULTADO", json.dumps(res, default=str))
"""

SEGUNDA = COMUN + """
from django.test import Client
from tests.entidades.sesiones import ingresar

analista = Usuario.objects.get(username="ana.replica")

# The standby is stopped: reads fall back to the primary, nothing fails.
replica.olvidar_estado()
nueva_unidad()
with Captura(("default",)) as cap:
    resultados = buscar(analista, "ransomware")
res["busqueda"] = {"total": resultados.total, "estado": replica.estado(),
                   "primaria": toca(cap.sql("default"), TABLA)}

# The last check said "fine" but the standby died since: the decorated call site is retried
# on the primary once.
replica._marcar(True, "", 0.0)
nueva_unidad()
bundle, _ = exportacion.bundle_feed(usuario=analista, tlps={"clear", "green", "amber"})
res["feed"] = {"objetos": len(bundle["objects"]), "estado": replica.estado()}

cliente = Client()
ingresar(cliente, analista)  # staff: a session past the second factor
res["reporte"] = cliente.get("/reportes/gestion-incidentes/").status_code
res["contadores"] = replica.contadores()
salud = cliente.get("/salud/")
res["salud"] = {"estado": salud.status_code, "replica": salud.json().get("replica")}
print("RESULTADO", json.dumps(res, default=str))
"""


def _url_base_de_pruebas() -> str:
    d = connection.settings_dict
    clave = f":{quote(d['PASSWORD'])}" if d.get("PASSWORD") else ""
    return (f"postgres://{quote(d.get('USER') or '')}{clave}@{d.get('HOST') or '127.0.0.1'}"
            f":{d.get('PORT') or 5432}/{d['NAME']}")


def _binarios_o_fallar():
    """In CI (CI=true) missing server binaries are a failure, never a skip."""
    binarios = binarios_postgres()
    faltan = [n for n in ("initdb", "pg_ctl", "pg_basebackup", "pg_dump", "psql")
              if binarios is None or not (binarios / n).exists()]
    if faltan:
        mensaje = f"needs the PostgreSQL server binaries: {', '.join(faltan)} missing"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(mensaje)
        pytest.skip(mensaje)


class Entorno:
    def __init__(self, primaria: ServidorPostgres, replica: ServidorPostgres, tmp: Path):
        self.primaria, self.replica = primaria, replica
        self.env = {
            **os.environ,
            "DATABASE_URL": primaria.url("cgii"), "DATABASE_REPLICA_URL": replica.url("cgii"),
            "DJANGO_SETTINGS_MODULE": "cgii.settings", "PYTHONPATH": str(RAIZ),
            "CGII_REPLICA_RETRASO_MAXIMO": "2", "CGII_REPLICA_COMPROBAR_CADA": "60",
            "CGII_DB_POOL_TIMEOUT": "2", "CGII_DB_CONNECT_TIMEOUT": "2",
            "CGII_ARCHIVOS_DIR": str(tmp / "archivos"), "CGII_LOG_LEVEL": "WARNING",
        }
        for variable in ("REDIS_URL", "ELASTICSEARCH_URL", "DJANGO_ALLOW_ASYNC_UNSAFE"):
            self.env.pop(variable, None)

    def correr(self, script: str) -> tuple[dict, str]:
        cabecera = (f"ADMIN_REPLICA = {self.replica.url('cgii')!r}\n"
                    "def settings_retraso():\n"
                    "    from django.conf import settings\n"
                    "    return settings.REPLICA_RETRASO_MAXIMO\n")
        r = subprocess.run([sys.executable, "manage.py", "shell", "--no-imports", "-c",
                            cabecera + script], cwd=RAIZ, env=self.env, capture_output=True,
                           text=True, timeout=300)
        assert r.returncode == 0, r.stderr[-4000:]
        linea = next(x for x in r.stdout.splitlines() if x.startswith("RESULTADO "))
        return json.loads(linea.split(" ", 1)[1]), r.stderr


@pytest.fixture(scope="module")
def entorno(django_db_setup, django_db_blocker, tmp_path_factory):
    if not settings.ES_POSTGRES:
        pytest.skip("needs PostgreSQL (DATABASE_URL): the schema is copied from the test database")
    _binarios_o_fallar()
    with django_db_blocker.unblock():
        origen = _url_base_de_pruebas()
    tmp = tmp_path_factory.mktemp("replica")
    primaria, replica = ServidorPostgres(), None
    try:
        primaria.crear()
        primaria.iniciar()
        primaria.crear_base("cgii")
        esquema = subprocess.run(
            [str(primaria.bin / "pg_dump"), "--no-owner", "--no-privileges", "-d", origen],
            check=True, capture_output=True, timeout=120).stdout
        subprocess.run([str(primaria.bin / "psql"), "-q", "-v", "ON_ERROR_STOP=1",
                        "-d", primaria.url("cgii")],
                       input=esquema, check=True, capture_output=True, timeout=120)
        replica = primaria.crear_replica()
        replica.iniciar()
        yield Entorno(primaria, replica, tmp)
    finally:
        if replica is not None:
            replica.eliminar()
        primaria.eliminar()


def test_replica_real_enruta_lecturas_y_nunca_escrituras(entorno):
    e = entorno
    with psycopg.connect(e.replica.url("cgii"), autocommit=True) as c:
        assert c.execute("SELECT pg_is_in_recovery()").fetchone()[0] is True
    r, _ = e.correr(PRIMERA)

    assert r["primaria"] == [e.primaria.puerto, False]
    # Inside the block raw SQL goes to the standby; outside, to the primary.
    assert r["en_bloque"] == [e.replica.puerto, True]
    assert r["fuera_de_bloque"] == [e.primaria.puerto, False]

    # Report, search and feed read from the standby, not from the primary.
    assert r["reporte"]["estado"] == 200
    assert r["reporte"]["replica"] and not r["reporte"]["primaria"], r
    assert r["busqueda"]["replica"] and not r["busqueda"]["primaria"]
    assert r["busqueda"]["total"] == 1, r  # the incident, indexed on the primary, replicated
    assert r["feed"]["replica"] and not r["feed"]["primaria"]
    assert r["feed"]["objetos"] >= 1  # at least the CGII identity

    # The background report: built from the standby although its task wrote first; the
    # request that asked for it (and wrote) stays on the primary after the eager task.
    assert r["asincrono"] == {"estado": "listo", "replica": True, "primaria": False,
                              "solicitante_tras_escribir": 0}, r

    # A write inside the block: primary only, succeeds, read back there, then streamed.
    escritura = r["escritura"]
    assert escritura["insert_primaria"] and escritura["insert_replica"] == []
    assert not escritura["replica_toco_entidades"]
    assert escritura["leida"] == 1, r
    assert escritura["llego_a_la_replica"] == 1, r

    # In a transaction: primary only.
    assert r["atomico"] == {"replica": 0, "primaria": True}
    # An object read from the standby: its relations outside a block come from the primary.
    assert r["relacion_fuera"] == {"estado_db": "replica", "replica": 0}

    # Lag past the bound (replay paused): skipped, the primary answers.
    retraso = r["retraso"]
    assert retraso["estado"]["ok"] is False and retraso["estado"]["motivo"] == "retraso"
    assert retraso["estado"]["retraso"] > 2
    assert not retraso["replica"] and retraso["primaria"]

    c = r["contadores"]
    assert c["replica"] >= 4
    assert c["primaria_escritura"] >= 1
    assert c["primaria_transaccion"] >= 1  # select_for_update is a write: never a read
    assert c["primaria_retraso"] >= 1


def test_replica_detenida_se_lee_de_la_primaria(entorno):
    e = entorno
    e.replica.detener()
    try:
        r, registro = e.correr(SEGUNDA)
    finally:
        e.replica.iniciar()
    assert r["busqueda"]["total"] == 1 and r["busqueda"]["primaria"], r
    assert r["busqueda"]["estado"]["ok"] is False
    assert r["busqueda"]["estado"]["motivo"].startswith("caída")
    # The health check said "fine", the standby was gone: retried on the primary.
    assert r["feed"]["objetos"] >= 1
    assert r["feed"]["estado"]["ok"] is False
    assert r["reporte"] == 200
    c = r["contadores"]
    assert c["primaria_caida"] >= 1
    assert c["reintento_primaria"] == 1
    assert "Réplica de lectura omitida" in registro
    # /salud/ (staff): the replica is reported unusable; the platform still answers 200.
    assert r["salud"]["estado"] == 200
    assert r["salud"]["replica"]["ok"] is False
    assert r["salud"]["replica"]["motivo"].startswith("caída")
    assert r["salud"]["replica"]["contadores"]["reintento_primaria"] == 1
