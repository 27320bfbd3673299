"""The restore drill of docs/operacion.md, end to end on the real PostgreSQL: real data made
through the services (an incident with an evidence file: audit rows and a private file),
``pg_dump -Fc`` of the test database, ``pg_restore`` into a new database, the files directory
copied after the dump, then on the restored copy: ``verificar_auditoria`` passes with the same
chain head, every evidence row's SHA-256 matches its copied file, ``reindexar`` rebuilds the
database search index — and an audit row edited in the copy is caught (exit 1).
"""

import hashlib
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from urllib.parse import quote

import psycopg
import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection

from cgii.auditoria.models import RegistroAuditoria
from incidentes import services
from incidentes.models import Evidencia
from tests.incidentes.utiles import reportar

RAIZ = Path(__file__).resolve().parents[2]

pytestmark = [
    pytest.mark.django_db(transaction=True),  # the dump must see committed rows
    pytest.mark.skipif(not settings.ES_POSTGRES, reason="pg_dump / pg_restore need PostgreSQL"),
    pytest.mark.skipif(not shutil.which("pg_dump") or not shutil.which("pg_restore"),
                       reason="PostgreSQL client tools not installed"),
]


def _cliente_pg() -> tuple[list[str], dict]:
    """Connection flags and environment for the PostgreSQL client tools."""
    d = connection.settings_dict
    opciones = ["-h", d.get("HOST") or "127.0.0.1", "-p", str(d.get("PORT") or 5432)]
    if d.get("USER"):
        opciones += ["-U", d["USER"]]
    entorno = {**os.environ}
    if d.get("PASSWORD"):
        entorno["PGPASSWORD"] = d["PASSWORD"]
    return opciones, entorno


def _url(nombre: str) -> str:
    d = connection.settings_dict
    clave = f":{quote(d['PASSWORD'])}" if d.get("PASSWORD") else ""
    return (f"postgres://{quote(d.get('USER') or '')}{clave}@{d.get('HOST') or '127.0.0.1'}:"
            f"{d.get('PORT') or 5432}/{nombre}")


def _correr(orden: list[str], entorno: dict, **kw) -> subprocess.CompletedProcess:
    return subprocess.run(orden, env=entorno, capture_output=True, text=True, timeout=300, **kw)


def _manage(base_url: str, archivos: Path, *args) -> subprocess.CompletedProcess:
    entorno = {k: v for k, v in os.environ.items() if k != "ELASTICSEARCH_URL"}
    entorno.update(DATABASE_URL=base_url, CGII_ARCHIVOS_DIR=str(archivos),
                   CGII_BUSQUEDA_BACKEND="database", DJANGO_SETTINGS_MODULE="cgii.settings")
    return _correr([sys.executable, "manage.py", *args], entorno, cwd=RAIZ)


def _comprobar_archivos(url: str, archivos: Path) -> subprocess.CompletedProcess:
    """The file check of docs/operacion.md ("Checks after a restore"), its query taken from
    the document so both stay the same."""
    texto = (RAIZ / "docs" / "operacion.md").read_text()
    consulta = re.search(r'-AtF \'  \' -c "(.*?)" \\\n', texto, re.S).group(1)
    _, entorno = _cliente_pg()
    return _correr(["bash", "-c", 'psql "$1" -AtF "  " -c "$2" | sha256sum --quiet -c -',
                    "_", url, consulta], entorno, cwd=archivos)


def _sha256(ruta: Path) -> str:
    return hashlib.sha256(ruta.read_bytes()).hexdigest()


@pytest.fixture
def datos_reales(catalogos, settings, tmp_path, reportante_a, entidad_a, analista):
    settings.ARCHIVOS_PRIVADOS_DIR = tmp_path / "archivos"
    incidente = reportar(reportante_a, entidad_a)
    services.evidencia_subir(actor=reportante_a, incidente_id=incidente.pk,
                             archivo=SimpleUploadedFile("cabeceras.eml", b"Received: x\n" * 50))
    services.evidencia_subir(actor=reportante_a, incidente_id=incidente.pk,
                             archivo=SimpleUploadedFile("accesos.log", "inicio de sesión fallido\n".encode()))
    return settings.ARCHIVOS_PRIVADOS_DIR


@pytest.fixture
def base_restaurada():
    opciones, entorno = _cliente_pg()
    nombre = f"{connection.settings_dict['NAME']}_restaurada"
    _correr(["dropdb", *opciones, "--if-exists", "--force", nombre], entorno)
    yield nombre
    r = _correr(["dropdb", *opciones, "--if-exists", "--force", nombre], entorno)
    assert r.returncode == 0, r.stderr


def test_respaldo_y_restauracion(datos_reales, base_restaurada, tmp_path):
    opciones, entorno = _cliente_pg()
    origen = connection.settings_dict["NAME"]
    cabeza = RegistroAuditoria.objects.order_by("-secuencia").first()
    assert Evidencia.objects.count() == 2 and cabeza is not None

    # 1. Dump first, then the files: a file is in place before the row naming it commits,
    #    so every evidence row of the dump has its file in a copy taken afterwards.
    volcado = tmp_path / "cgii.dump"
    r = _correr(["pg_dump", *opciones, "-Fc", "-f", str(volcado), origen], entorno)
    assert r.returncode == 0, r.stderr
    copia = tmp_path / "copia-archivos"
    shutil.copytree(datos_reales, copia, ignore=shutil.ignore_patterns("tmp"))

    # 2. Restore into a new database.
    r = _correr(["createdb", *opciones, base_restaurada], entorno)
    assert r.returncode == 0, r.stderr
    r = _correr(["pg_restore", *opciones, "--no-owner", "--exit-on-error", "-d", base_restaurada,
                 str(volcado)], entorno)
    assert r.returncode == 0, r.stderr
    url = _url(base_restaurada)

    # 3. The audit chain of the copy is intact and ends where the original's does.
    r = _manage(url, copia, "verificar_auditoria")
    assert r.returncode == 0, r.stdout + r.stderr
    assert f"Última secuencia: {cabeza.secuencia} hash: {cabeza.hash}" in r.stdout

    # 4. Every evidence row's hash matches its copied file.
    with psycopg.connect(url) as pg:
        filas = pg.execute("SELECT sha256, ruta FROM incidentes_evidencia").fetchall()
    assert len(filas) == 2
    for sha256, ruta in filas:
        assert _sha256(copia / ruta) == sha256, ruta
    # ... and the documented check (psql + sha256sum) agrees, and catches a changed file.
    assert _comprobar_archivos(url, copia).returncode == 0
    (copia / filas[0][1]).write_bytes(b"alterado\n")
    r = _comprobar_archivos(url, copia)
    assert r.returncode == 1 and filas[0][1] in r.stdout

    # 5. The search index (database backend) is rebuilt from the restored rows.
    r = _manage(url, copia, "reindexar")
    assert r.returncode == 0, r.stdout + r.stderr
    assert "incidente: {'documentos': 1," in r.stdout

    # 6. An audit row edited in the copy (trigger disabled there, as a superuser could)
    #    is caught.
    with psycopg.connect(url, autocommit=True) as pg:
        pg.execute("ALTER TABLE auditoria_registroauditoria "
                   "DISABLE TRIGGER auditoria_solo_agregar_filas")
        pg.execute("UPDATE auditoria_registroauditoria SET objeto_repr = objeto_repr || ' (x)' "
                   "WHERE secuencia = %s", [cabeza.secuencia - 1 or 1])
    r = _manage(url, copia, "verificar_auditoria")
    assert r.returncode == 1
    assert "registro alterado" in r.stderr
