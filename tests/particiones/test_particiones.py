"""Rows land in their partition, the DEFAULT catches the rest, maintenance is idempotent,
retention drops only partitions whose every row may go (docs/particiones.md)."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection

from cgii.bd.particiones import ANIO, MES, mantener, nombre_particion, periodo, periodos
from cgii.eventos.models import EntregaSumidero, Evento
from tests.particiones.conftest import nombres_particiones, particion_de, solo_postgresql, utc

EVENTOS = "eventos_evento"


def test_periodos_mensuales_y_anuales():
    assert periodo(utc(2026, 12, 31, 23, 59), MES) == (utc(2026, 12, 1), utc(2027, 1, 1))
    assert periodo(utc(2026, 2, 10), ANIO) == (utc(2026, 1, 1), utc(2027, 1, 1))
    assert [p[0].month for p in periodos(utc(2026, 11, 5), utc(2027, 2, 1), MES)] == [11, 12, 1, 2]
    assert nombre_particion("t", utc(2026, 3, 1), MES) == "t_p2026_03"
    assert nombre_particion("t", utc(2026, 3, 1), ANIO) == "t_p2026"


def test_en_sqlite_el_mantenimiento_no_hace_nada(db):
    if connection.vendor == "postgresql":
        pytest.skip("SQLite behaviour")
    assert mantener() == []
    salida = StringIO()
    call_command("mantener_particiones", stdout=salida)
    assert "nada que hacer" in salida.getvalue()


def _evento(creado, **campos) -> Evento:
    return Evento.objects.create(tipo="prueba", creado=creado, **campos)


@solo_postgresql
def test_las_tablas_quedan_particionadas(db):
    for tabla in ("eventos_evento", "auditoria_registroauditoria", "incidentes_entradatimeline",
                  "protocolos_crucesla"):
        partes = nombres_particiones(tabla)
        assert f"{tabla}_pdefault" in partes, tabla
        assert len(partes) >= 2, tabla


@solo_postgresql
def test_filas_en_su_particion_y_default_para_fuera_de_rango(db):
    mantener(ahora=utc(2030, 1, 15), adelante=1)
    enero = _evento(utc(2030, 1, 20))
    febrero = _evento(utc(2030, 2, 3))
    lejano = _evento(utc(2099, 5, 1))  # no partition for it: the DEFAULT takes it, no error
    assert particion_de(EVENTOS, "id", enero.pk) == "eventos_evento_p2030_01"
    assert particion_de(EVENTOS, "id", febrero.pk) == "eventos_evento_p2030_02"
    assert particion_de(EVENTOS, "id", lejano.pk) == "eventos_evento_pdefault"
    # The ORM still reads and writes them by id alone.
    Evento.objects.filter(pk=febrero.pk).update(intentos=2)
    assert Evento.objects.get(pk=febrero.pk).intentos == 2


@solo_postgresql
def test_mantenimiento_idempotente_y_rescata_filas_de_default(db):
    atrapado = _evento(utc(2031, 6, 10))
    assert particion_de(EVENTOS, "id", atrapado.pk) == "eventos_evento_pdefault"
    primera = {m.tabla: m for m in mantener(ahora=utc(2031, 5, 2), adelante=2)}
    assert primera[EVENTOS].creadas == ["eventos_evento_p2031_05", "eventos_evento_p2031_06",
                                        "eventos_evento_p2031_07"]
    assert "auditoria_registroauditoria_p2031" in primera["auditoria_registroauditoria"].creadas
    # The row the DEFAULT caught moved into its new partition.
    assert particion_de(EVENTOS, "id", atrapado.pk) == "eventos_evento_p2031_06"
    segunda = mantener(ahora=utc(2031, 5, 2), adelante=2)
    assert all(m.creadas == [] for m in segunda)


@solo_postgresql
def test_el_comando_informa(db):
    salida = StringIO()
    call_command("mantener_particiones", "--adelante", "1", stdout=salida)
    assert "eventos_evento: creadas" in salida.getvalue()


@solo_postgresql
def test_retencion_del_outbox_solo_meses_enteramente_entregados(db, settings):
    settings.RETENCION_EVENTOS_DIAS = 90
    mantener(ahora=utc(2032, 1, 1), adelante=5)  # 2032-01 .. 2032-06
    entregado = utc(2032, 1, 5)
    todo_entregado = _evento(utc(2032, 1, 3), entregado_en=entregado)
    pendiente = _evento(utc(2032, 2, 3))                             # never sent live
    _evento(utc(2032, 2, 4), entregado_en=entregado)
    con_sumidero = _evento(utc(2032, 3, 3), entregado_en=entregado)
    EntregaSumidero.objects.create(evento=con_sumidero, sumidero="busqueda")  # a sink owes it
    reciente = _evento(utc(2032, 6, 3), entregado_en=entregado)

    resultado = {m.tabla: m for m in mantener(ahora=utc(2032, 7, 10), adelante=0)}

    eliminadas = resultado[EVENTOS].eliminadas
    assert "eventos_evento_p2032_01" in eliminadas
    assert not {"eventos_evento_p2032_02", "eventos_evento_p2032_03"} & set(eliminadas)
    quedan = nombres_particiones(EVENTOS)
    assert "eventos_evento_p2032_01" not in quedan
    assert {"eventos_evento_p2032_02", "eventos_evento_p2032_03",
            "eventos_evento_p2032_06"} <= set(quedan)
    assert not Evento.objects.filter(pk=todo_entregado.pk).exists()
    assert set(Evento.objects.filter(pk__in=[pendiente.pk, con_sumidero.pk, reciente.pk])
               .values_list("pk", flat=True)) == {pendiente.pk, con_sumidero.pk, reciente.pk}
    # Legal evidence has no retention by default: nothing else was dropped.
    assert all(m.eliminadas == [] for t, m in resultado.items() if t != EVENTOS)


@solo_postgresql
def test_sin_retencion_configurada_nada_se_elimina(db, settings):
    settings.RETENCION_EVENTOS_DIAS = None
    mantener(ahora=utc(2033, 1, 1), adelante=0)
    _evento(utc(2033, 1, 3), entregado_en=utc(2033, 1, 3))
    resultado = mantener(ahora=utc(2040, 1, 1), adelante=0)
    assert all(m.eliminadas == [] for m in resultado)
    assert "eventos_evento_p2033_01" in nombres_particiones(EVENTOS)
