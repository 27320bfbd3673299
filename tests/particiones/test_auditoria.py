"""The audit hash chain across yearly partitions, after an anchored retention drop, and
tampering still detected (docs/particiones.md)."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from cgii.auditoria.anclas import ACCION_PARTICION_ELIMINADA
from cgii.auditoria.models import AnclaAuditoria, RegistroAuditoria
from cgii.auditoria.services import auditoria_registrar
from cgii.bd.particiones import mantener
from tests.auditoria.conftest import TABLA, como_atacante
from tests.particiones.conftest import particion_de, solo_postgresql, utc

pytestmark = solo_postgresql


def _escribir_en(monkeypatch, momento, n: int) -> list[RegistroAuditoria]:
    monkeypatch.setattr("cgii.auditoria.services.timezone.now", lambda: momento)
    return [auditoria_registrar(actor="prueba", accion="prueba.accion", datos={"i": i})
            for i in range(n)]


def _verificar() -> str:
    salida = StringIO()
    call_command("verificar_auditoria", stdout=salida)
    return salida.getvalue()


def _rota() -> str:
    with pytest.raises(CommandError) as error:
        _verificar()
    return str(error.value)


@pytest.fixture
def tres_anios(db, monkeypatch):
    """Rows in 2041, 2042 and 2043, each year in its own partition."""
    mantener(ahora=utc(2041, 3, 1), adelante=2)
    filas = []
    for anio in (2041, 2042, 2043):
        filas += _escribir_en(monkeypatch, utc(anio, 6, 1), 3)
    monkeypatch.undo()
    return filas


def test_la_cadena_se_verifica_a_traves_de_las_particiones(tres_anios):
    assert [particion_de(TABLA, "secuencia", f.secuencia) for f in tres_anios[::3]] == [
        f"{TABLA}_p2041", f"{TABLA}_p2042", f"{TABLA}_p2043"]
    salida = _verificar()
    assert "Cadena de auditoría íntegra: 9 registros" in salida
    assert f"hash: {tres_anios[-1].hash}" in salida


def test_alteracion_en_otra_particion_detectada(tres_anios):
    with como_atacante() as cursor:
        cursor.execute(f"UPDATE {TABLA} SET accion = 'otra' WHERE secuencia = 5")
    assert "secuencia 5: registro alterado" in _rota()


def test_el_trigger_de_solo_insercion_sigue_en_cada_particion(tres_anios):
    with pytest.raises(Exception, match="solo inserción"), connection.cursor() as cursor:
        cursor.execute(f'UPDATE "{TABLA}_p2042" SET accion = %s WHERE secuencia = 4', ["x"])


def test_filas_atrapadas_en_default_se_mueven_intactas(db, monkeypatch):
    filas = _escribir_en(monkeypatch, utc(2061, 2, 1), 2)
    monkeypatch.undo()
    assert particion_de(TABLA, "secuencia", filas[0].secuencia) == f"{TABLA}_pdefault"
    mantener(ahora=utc(2061, 1, 1), adelante=0)
    assert particion_de(TABLA, "secuencia", filas[0].secuencia) == f"{TABLA}_p2061"
    assert "íntegra: 2 registros" in _verificar()


def test_retencion_ancla_y_verifica_desde_el_ancla(tres_anios, settings):
    settings.RETENCION_AUDITORIA_DIAS = 400
    resultado = {m.tabla: m for m in mantener(ahora=utc(2043, 7, 1), adelante=0)}

    assert f"{TABLA}_p2041" in resultado[TABLA].eliminadas
    assert f"{TABLA}_p2042" not in resultado[TABLA].eliminadas   # ends 2043-01-01 > limit
    ancla = AnclaAuditoria.objects.get(particion=f"{TABLA}_p2041")
    assert (ancla.desde_secuencia, ancla.hasta_secuencia, ancla.cantidad) == (1, 3, 3)
    assert ancla.ultimo_hash == tres_anios[2].hash
    # The drop itself is in the chain, with the anchor's values.
    registro = RegistroAuditoria.objects.get(accion=ACCION_PARTICION_ELIMINADA)
    assert registro.datos["hasta_secuencia"] == 3 and registro.datos["ultimo_hash"] == ancla.ultimo_hash
    assert not RegistroAuditoria.objects.filter(secuencia__lte=3).exists()
    # 6 remaining rows + the drop's own row, walked from the anchor.
    assert "Cadena de auditoría íntegra: 7 registros" in _verificar()


def test_tras_el_ancla_la_alteracion_se_detecta(tres_anios, settings):
    settings.RETENCION_AUDITORIA_DIAS = 400
    mantener(ahora=utc(2043, 7, 1), adelante=0)
    with como_atacante() as cursor:
        cursor.execute(f"UPDATE {TABLA} SET datos = '{{\"i\": 9}}' WHERE secuencia = 4")
    assert "secuencia 4: registro alterado" in _rota()


def test_ancla_falsificada_rompe_el_enlace(tres_anios, settings):
    settings.RETENCION_AUDITORIA_DIAS = 400
    mantener(ahora=utc(2043, 7, 1), adelante=0)
    AnclaAuditoria.objects.update(ultimo_hash="f" * 64)
    assert "secuencia 4: enlace roto" in _rota()


def test_ancla_inventada_sin_su_registro_no_se_acepta(tres_anios):
    # Someone deletes the oldest rows by SQL and writes an anchor to cover it up: no audit
    # row in the chain recorded that anchor.
    with como_atacante() as cursor:
        cursor.execute(f"DELETE FROM {TABLA} WHERE secuencia <= 3")
    AnclaAuditoria.objects.create(
        particion="inventada", desde_secuencia=1, hasta_secuencia=3,
        ultimo_hash=tres_anios[2].hash, cantidad=3, momento_desde=utc(2041, 6, 1),
        momento_hasta=utc(2041, 6, 1))
    assert "ancla no confirmada" in _rota()


def test_sin_ancla_las_filas_antiguas_borradas_se_detectan(tres_anios):
    with como_atacante() as cursor:
        cursor.execute(f"DELETE FROM {TABLA} WHERE secuencia <= 3")
    assert "registro faltante" in _rota()


def test_no_se_corta_la_cadena_si_la_default_guarda_filas_anteriores(db, monkeypatch, settings):
    # A row from a year that never got its partition sits in the DEFAULT; the years after it
    # must not go, or the chain would lose its middle instead of its beginning.
    _escribir_en(monkeypatch, utc(2039, 6, 1), 1)
    mantener(ahora=utc(2041, 3, 1), adelante=1)
    _escribir_en(monkeypatch, utc(2041, 6, 1), 2)
    monkeypatch.undo()
    settings.RETENCION_AUDITORIA_DIAS = 400
    resultado = {m.tabla: m for m in mantener(ahora=utc(2043, 7, 1), adelante=0)}
    assert f"{TABLA}_p2041" not in resultado[TABLA].eliminadas
    assert "íntegra: 3 registros" in _verificar()
