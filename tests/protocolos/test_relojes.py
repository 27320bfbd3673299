"""SLA clocks stored in PostgreSQL: the pinned examples through the loaded policies, the
sweep (warning, breach, idempotent) and administrator-declared holidays."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from protocolos import selectors, services
from protocolos.models import CruceSLA, DiaNoLaborable, PoliticaSLA, RelojSLA
from protocolos.reloj import TipoEvento

LA_PAZ = ZoneInfo("America/La_Paz")
pytestmark = pytest.mark.django_db


def lp(*args):
    return datetime(*args, tzinfo=LA_PAZ)


def _reloj(prioridad="P3", medida="resolucion", momento=None, objeto_id=1):
    return services.reloj_iniciar(ambito="prueba", objeto_id=objeto_id, medida=medida,
                                  politica=PoliticaSLA.objects.get(prioridad=prioridad),
                                  momento=momento or lp(2027, 2, 5, 15))


def test_p3_de_ocho_horas_habiles_salta_el_carnaval(catalogos):
    reloj = _reloj("P3")
    assert reloj.objetivo_min == 480
    assert reloj.vence == lp(2027, 2, 10, 15)
    # Warning at 75 % = 6 working hours: 1.5 h on Friday + 4.5 h on Wednesday.
    assert reloj.advertencia_en == lp(2027, 2, 10, 13)
    assert reloj.proximo_umbral == reloj.advertencia_en


def test_la_misma_meta_en_24x7_es_aritmetica(catalogos):
    politica = PoliticaSLA.objects.get(prioridad="P3")
    politica.calendario = PoliticaSLA.objects.get(prioridad="P1").calendario
    politica.save()
    assert _reloj("P3").vence == lp(2027, 2, 5, 23)


def test_una_pausa_de_dos_horas_habiles_mueve_el_vencimiento_dos_horas_habiles(catalogos):
    reloj = _reloj("P3")
    services.reloj_evento(reloj, TipoEvento.PAUSA, lp(2027, 2, 10, 9))
    figuras = services.reloj_evento(reloj, TipoEvento.REANUDACION, lp(2027, 2, 10, 11))
    # 15:00 Wednesday + 2 working hours = 16:30 Wednesday (1.5 h) + 0.5 h Thursday.
    assert figuras.vence == lp(2027, 2, 11, 9)
    reloj.refresh_from_db()
    assert reloj.vence == lp(2027, 2, 11, 9)


def test_un_dia_no_laborable_declarado_corre_el_vencimiento(catalogos):
    DiaNoLaborable.objects.create(fecha=lp(2027, 2, 10).date(), motivo="Feriado decretado")
    assert _reloj("P3").vence == lp(2027, 2, 11, 15)


def test_mientras_esta_pausado_no_tiene_umbral_y_el_barrido_no_lo_toca(catalogos):
    reloj = _reloj("P3")
    services.reloj_evento(reloj, TipoEvento.PAUSA, lp(2027, 2, 5, 16))
    reloj.refresh_from_db()
    assert reloj.estado == "pausado" and reloj.proximo_umbral is None
    assert services.sla_barrer(ahora=lp(2027, 3, 1, 12)) == []


def test_el_barrido_registra_advertencia_e_incumplimiento_una_sola_vez(catalogos):
    vistos = []
    services.registrar_manejador_cruce("prueba", lambda r, c, f: vistos.append((c.tipo, f.estado)))
    reloj = _reloj("P3")
    assert services.sla_barrer(ahora=lp(2027, 2, 10, 12)) == []
    cruces = services.sla_barrer(ahora=lp(2027, 2, 10, 13, 5))
    assert [c.tipo for c in cruces] == ["advertencia"]
    assert services.sla_barrer(ahora=lp(2027, 2, 10, 13, 6)) == []
    reloj.refresh_from_db()
    assert reloj.proximo_umbral == lp(2027, 2, 10, 15)
    cruces = services.sla_barrer(ahora=lp(2027, 2, 10, 15, 1))
    assert [(c.tipo, c.umbral) for c in cruces] == [("incumplimiento", lp(2027, 2, 10, 15))]
    assert cruces[0].escalado_a == ["coordinador", "administrador"]
    # Twice more: nothing new, and the clock no longer waits on any threshold.
    assert services.sla_barrer(ahora=lp(2027, 2, 10, 15, 2)) == []
    reloj.refresh_from_db()
    assert reloj.estado == "incumplido" and reloj.proximo_umbral is None
    assert CruceSLA.objects.filter(reloj=reloj).count() == 2
    assert vistos == [("advertencia", "advertencia"), ("incumplimiento", "incumplido")]


def test_un_barrido_tardio_registra_ambos_cruces(catalogos):
    reloj = _reloj("P3")
    cruces = services.sla_barrer(ahora=lp(2027, 2, 12, 9))
    assert sorted(c.tipo for c in cruces) == ["advertencia", "incumplimiento"]
    assert CruceSLA.objects.filter(reloj=reloj).count() == 2


def test_detener_a_tiempo_es_cumplido_y_sin_umbral(catalogos):
    reloj = _reloj("P3")
    services.reloj_evento(reloj, TipoEvento.FIN, lp(2027, 2, 10, 9))
    reloj.refresh_from_db()
    assert (reloj.estado, reloj.proximo_umbral) == ("cumplido", None)
    assert services.sla_barrer(ahora=lp(2027, 3, 1)) == []


def test_cambiar_de_politica_conserva_la_historia(catalogos):
    reloj = _reloj("P3", momento=lp(2027, 3, 1, 9))
    figuras = services.reloj_cambiar_politica(reloj, selectors.politica_para("P1"),
                                              lp(2027, 3, 1, 10))
    # P1 resolution: 1440 min on 24x7 from the original start.
    assert figuras.vence == lp(2027, 3, 1, 9) + timedelta(minutes=1440)
    assert RelojSLA.objects.get(pk=reloj.pk).objetivo_min == 1440


def test_la_consulta_del_barrido_usa_el_indice(catalogos):
    from django.db import connection

    for i in range(50):
        _reloj("P3", objeto_id=i)
    consulta = selectors.relojes_que_cruzaron(hasta=lp(2027, 2, 10, 14)).values("pk")
    sql, params = consulta.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("EXPLAIN " + sql, params)
        plan = "\n".join(fila[0] for fila in cursor.fetchall())
    assert "reloj_proximo_umbral" in plan
