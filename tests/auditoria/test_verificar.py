import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, transaction

from cgii.auditoria.cadena import CAMPOS_HASH, calcular_hash
from cgii.auditoria.models import RegistroAuditoria
from tests.auditoria.conftest import TABLA, como_atacante, solo_postgresql


def _verificar(*args) -> str:
    from io import StringIO

    salida = StringIO()
    call_command("verificar_auditoria", *args, stdout=salida)
    return salida.getvalue()


def _rota(*args) -> str:
    with pytest.raises(CommandError) as error:
        _verificar(*args)
    assert error.value.returncode == 1
    return str(error.value)


def test_cadena_vacia_es_integra(db):
    assert "Cadena de auditoría íntegra: 0 registros" in _verificar()


def test_cadena_intacta(cadena):
    salida = _verificar()
    assert "Cadena de auditoría íntegra: 5 registros" in salida
    assert f"Última secuencia: 5 hash: {cadena[-1].hash}" in salida


def test_fila_editada_por_sql(cadena):
    with como_atacante() as cursor:
        cursor.execute(f"UPDATE {TABLA} SET accion = 'nada.que.ver' WHERE secuencia = 3")
    mensaje = _rota()
    assert "secuencia 3" in mensaje and "registro alterado" in mensaje


def test_fila_editada_en_json(cadena):
    with como_atacante() as cursor:
        cursor.execute(f"UPDATE {TABLA} SET despues = '{{\"n\": 99}}' WHERE secuencia = 2")
    assert "secuencia 2: registro alterado" in _rota()


def test_fila_reescrita_con_hash_recalculado_rompe_el_enlace_siguiente(cadena):
    # An attacker who knows the format fixes the row's own hash; the next row still points
    # at the old one.
    fila = RegistroAuditoria.objects.values(*CAMPOS_HASH).get(secuencia=3)
    fila["actor_repr"] = "otra persona"
    with como_atacante() as cursor:
        cursor.execute(f"UPDATE {TABLA} SET actor_repr = %s, hash = %s WHERE secuencia = 3",
                       [fila["actor_repr"], calcular_hash(fila)])
    mensaje = _rota()
    assert "secuencia 4: enlace roto" in mensaje


def test_fila_del_medio_borrada(cadena):
    with como_atacante() as cursor:
        cursor.execute(f"DELETE FROM {TABLA} WHERE secuencia = 3")
    mensaje = _rota()
    assert "secuencia 3: registro faltante" in mensaje
    assert "Registros válidos antes de la ruptura: 2" in mensaje


def _insertar(cursor, fila: dict) -> None:
    columnas = ", ".join(fila)
    marcas = ", ".join(["%s"] * len(fila))
    cursor.execute(f"INSERT INTO {TABLA} ({columnas}) VALUES ({marcas})", list(fila.values()))


def _copia(secuencia: int) -> dict:
    fila = RegistroAuditoria.objects.values(*CAMPOS_HASH, "hash").get(secuencia=secuencia)
    for campo in ("antes", "despues", "datos"):
        fila[campo] = None
    return fila


def test_fila_falsificada_al_final(cadena):
    falsa = _copia(5) | {"secuencia": 6, "accion": "plan.aprobar", "hash_anterior": cadena[-1].hash}
    falsa["hash"] = cadena[-1].hash  # no clue how the hash is made
    with como_atacante() as cursor:
        _insertar(cursor, falsa)
    assert "secuencia 6: registro alterado" in _rota()


def test_fila_falsificada_con_hash_valido_pero_sin_enlace(cadena):
    falsa = _copia(5) | {"secuencia": 6, "hash_anterior": "f" * 64}
    falsa["hash"] = calcular_hash(falsa)
    with como_atacante() as cursor:
        _insertar(cursor, falsa)
    assert "secuencia 6: enlace roto" in _rota()


def test_fila_falsificada_en_el_medio_renumerando(cadena):
    # Make room after row 2 by shifting 3..5 up, then slip a forged row in as number 3.
    with como_atacante() as cursor:
        cursor.execute(f"UPDATE {TABLA} SET secuencia = secuencia + 10 WHERE secuencia >= 3")
        cursor.execute(f"UPDATE {TABLA} SET secuencia = secuencia - 9 WHERE secuencia >= 13")
        falsa = _copia(2) | {"secuencia": 3, "accion": "falsa", "hash_anterior": cadena[1].hash}
        falsa["hash"] = calcular_hash(falsa)
        _insertar(cursor, falsa)
    # The forged row itself verifies; the renumbered original that follows does not.
    assert "secuencia 4: registro alterado" in _rota()


def test_fila_falsificada_antes_del_principio(cadena):
    falsa = _copia(1) | {"secuencia": 0}
    with como_atacante() as cursor:
        _insertar(cursor, falsa)
    assert "secuencia 0" in _rota()


def test_desde_n(cadena):
    assert "íntegra: 3 registros" in _verificar("--desde", "3")
    # Incremental run with nothing new since the last check: the anchor is the head.
    assert "íntegra: 0 registros" in _verificar("--desde", "6")
    # Asking past the head means rows the operator saw are gone (or a wrong N): not intact.
    assert "secuencia 98: registro faltante" in _rota("--desde", "99")
    with como_atacante() as cursor:
        cursor.execute(f"UPDATE {TABLA} SET accion = 'x' WHERE secuencia = 1")
    # Rows before N are out of scope by design (N-1's stored hash is the trusted anchor)...
    assert "íntegra: 3 registros" in _verificar("--desde", "3")
    assert "secuencia 1: registro alterado" in _rota()
    with como_atacante() as cursor:
        cursor.execute(f"DELETE FROM {TABLA} WHERE secuencia = 2")
    # ...but a missing anchor is reported.
    assert "secuencia 2: registro faltante" in _rota("--desde", "3")


def test_lote_pequeno_recorre_todo(cadena):
    assert "íntegra: 5 registros" in _verificar("--lote", "2")


@solo_postgresql
@pytest.mark.parametrize("sentencia", [
    f"UPDATE {TABLA} SET accion = 'x' WHERE secuencia = 2",
    f"DELETE FROM {TABLA} WHERE secuencia = 2",
    f"TRUNCATE {TABLA}",
])
def test_el_disparador_bloquea(cadena, sentencia):
    with pytest.raises(DatabaseError, match="solo inserción"), transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(sentencia)
    assert RegistroAuditoria.objects.count() == 5
    assert "íntegra: 5 registros" in _verificar()


@solo_postgresql
@pytest.mark.django_db(transaction=True)
def test_comando_real_sale_con_1_y_nombra_la_fila(analista, entidad_a):
    """Through manage.py in another process, as cron would run it, on committed data."""
    from cgii.auditoria.services import auditoria_registrar

    for i in range(4):
        auditoria_registrar(actor=analista, accion="prueba.proceso", datos={"i": i})
    base = settings.DATABASES["default"]
    entorno = os.environ | {
        "DATABASE_URL": f"postgres://{base['USER']}@{base['HOST']}:{base['PORT']}/{base['NAME']}",
    }
    manage = [sys.executable, str(Path(settings.BASE_DIR) / "manage.py"), "verificar_auditoria"]

    intacta = subprocess.run(manage, env=entorno, capture_output=True, text=True, timeout=120)
    assert intacta.returncode == 0, intacta.stderr
    assert "Cadena de auditoría íntegra: 4 registros" in intacta.stdout

    with como_atacante() as cursor:
        cursor.execute(f"UPDATE {TABLA} SET datos = '{{\"i\": 7}}' WHERE secuencia = 2")
    rota = subprocess.run(manage, env=entorno, capture_output=True, text=True, timeout=120)
    assert rota.returncode == 1
    assert "secuencia 2: registro alterado" in rota.stderr
    assert rota.stdout == ""
