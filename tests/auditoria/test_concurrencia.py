import threading

import pytest
from django.core.management import call_command
from django.db import connection, transaction

from cgii.auditoria.cadena import HASH_INICIAL
from cgii.auditoria.models import RegistroAuditoria
from cgii.auditoria.services import auditoria_registrar
from tests.auditoria.conftest import solo_postgresql

HILOS = 8
POR_HILO = 12


class Revertir(Exception):
    pass


@solo_postgresql
@pytest.mark.django_db(transaction=True)
def test_ocho_hilos_dejan_una_sola_cadena_contigua():
    """Real concurrent transactions; every third one rolls back after writing its row."""
    salida = threading.Barrier(HILOS)
    errores: list[BaseException] = []

    def trabajar(hilo: int) -> None:
        try:
            salida.wait()
            for i in range(POR_HILO):
                try:
                    with transaction.atomic():
                        auditoria_registrar(actor=f"hilo-{hilo}", accion="prueba.concurrencia",
                                            datos={"hilo": hilo, "i": i})
                        # Some work after auditing, while the chain lock is held.
                        RegistroAuditoria.objects.count()
                        if i % 3 == 2:
                            raise Revertir
                except Revertir:
                    pass
        except BaseException as exc:  # noqa: BLE001 - reported to the main thread below
            errores.append(exc)
        finally:
            connection.close()

    hilos = [threading.Thread(target=trabajar, args=(n,)) for n in range(HILOS)]
    for hilo in hilos:
        hilo.start()
    for hilo in hilos:
        hilo.join(timeout=120)
    assert not errores, errores

    confirmadas = HILOS * (POR_HILO - POR_HILO // 3)
    filas = list(RegistroAuditoria.objects.order_by("secuencia").values_list(
        "secuencia", "hash_anterior", "hash", "datos"))
    assert [f[0] for f in filas] == list(range(1, confirmadas + 1))  # no gap, no fork
    assert filas[0][1] == HASH_INICIAL
    assert all(actual[1] == previa[2] for previa, actual in zip(filas, filas[1:], strict=False))
    assert not any(f[3]["i"] % 3 == 2 for f in filas)  # rolled-back rows left nothing
    assert {f[3]["hilo"] for f in filas} == set(range(HILOS))
    call_command("verificar_auditoria")


@pytest.mark.django_db(transaction=True)
def test_fuera_de_un_bloque_atomic_abre_su_propia_transaccion():
    assert connection.get_autocommit() and not connection.in_atomic_block
    primero = auditoria_registrar(actor=None, accion="tarea.sin_transaccion")
    segundo = auditoria_registrar(actor=None, accion="tarea.sin_transaccion")
    assert (primero.secuencia, segundo.secuencia) == (1, 2)
    call_command("verificar_auditoria")
