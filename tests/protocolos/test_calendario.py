from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from protocolos.calendario import Calendario, FeriadosBolivia

LA_PAZ = ZoneInfo("America/La_Paz")
MADRID = ZoneInfo("Europe/Madrid")

LABORAL = Calendario.laboral()
CONTINUO = Calendario.continuo_24x7()


def lp(*args: int) -> datetime:
    return datetime(*args, tzinfo=LA_PAZ)


# -- holidays ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "dia",
    [date(2027, 2, 8), date(2027, 2, 9), date(2027, 3, 26), date(2027, 5, 27), date(2027, 6, 21)],
)
def test_feriados_nacionales_2027(dia):
    assert dia in FeriadosBolivia()
    assert not LABORAL.es_dia_habil(dia)


def test_nombre_en_espanol():
    feriados = FeriadosBolivia()
    assert feriados.nombre(date(2027, 2, 8)) == "Carnaval"
    assert feriados.nombre(date(2027, 3, 26)) == "Viernes Santo"
    assert feriados.nombre(date(2027, 2, 10)) is None


def test_extras_son_no_laborables():
    decretado = date(2027, 3, 15)
    feriados = FeriadosBolivia(extras=[decretado])
    assert decretado in feriados
    assert decretado not in FeriadosBolivia()
    assert feriados.nombre(decretado) == "Día no laborable"
    assert not Calendario.laboral(no_laborables=feriados).es_dia_habil(decretado)


def test_contiene_ignora_lo_que_no_es_fecha():
    assert "2027-02-08" not in FeriadosBolivia()


def test_fin_de_semana_no_es_habil_salvo_en_continuo():
    sabado = date(2027, 2, 6)
    assert not LABORAL.es_dia_habil(sabado)
    assert LABORAL.es_dia_habil(date(2027, 2, 10))
    assert CONTINUO.es_dia_habil(sabado)
    assert CONTINUO.es_dia_habil(date(2027, 2, 8))


@pytest.mark.parametrize(
    "kwargs",
    [
        {"desde": time(17, 0), "hasta": time(9, 0)},
        {"desde": time(9, 0), "hasta": time(9, 0)},
        {"dias": ()},
        {"dias": (0, 7)},
        {"desde": time(8, 0, tzinfo=LA_PAZ)},
    ],
)
def test_laboral_valida_configuracion(kwargs):
    with pytest.raises(ValueError):
        Calendario.laboral(**kwargs)


# -- working days ----------------------------------------------------------------------------


def test_sumar_dias_habiles_salta_carnaval():
    viernes = date(2027, 2, 5)
    assert LABORAL.sumar_dias_habiles(viernes, 0) == viernes
    assert LABORAL.sumar_dias_habiles(viernes, 1) == date(2027, 2, 10)
    # Thu 4 -> Fri 5 (1), [weekend, Carnaval Mon 8 + Tue 9], Wed 10 (2), Thu 11 (3).
    assert LABORAL.sumar_dias_habiles(date(2027, 2, 4), 3) == date(2027, 2, 11)
    assert CONTINUO.sumar_dias_habiles(viernes, 3) == date(2027, 2, 8)


def test_dias_habiles_entre_es_el_inverso():
    assert LABORAL.dias_habiles_entre(date(2027, 2, 5), date(2027, 2, 10)) == 1
    assert LABORAL.dias_habiles_entre(date(2027, 2, 4), date(2027, 2, 11)) == 3
    assert LABORAL.dias_habiles_entre(date(2027, 2, 10), date(2027, 2, 5)) == 0
    assert LABORAL.dias_habiles_entre(date(2027, 2, 5), date(2027, 2, 5)) == 0
    assert CONTINUO.dias_habiles_entre(date(2027, 2, 5), date(2027, 2, 8)) == 3


def test_sumar_dias_habiles_rechaza_negativos():
    with pytest.raises(ValueError):
        LABORAL.sumar_dias_habiles(date(2027, 2, 5), -1)


def test_calendario_sin_dias_habiles_no_cuelga():
    todo_feriado = Calendario.laboral(dias=(5,), no_laborables=_TodoFeriado())
    with pytest.raises(ValueError):
        todo_feriado.sumar_dias_habiles(date(2027, 1, 1), 1)
    with pytest.raises(ValueError):
        todo_feriado.sumar(lp(2027, 1, 1, 9), timedelta(hours=1))


class _TodoFeriado:
    def __contains__(self, dia):
        return True


# -- working time -----------------------------------------------------------------------------


def test_transcurrido_nocturno():
    # Tue 16:00-16:30 + Wed 08:30-09:00.
    assert LABORAL.transcurrido(lp(2027, 2, 2, 16), lp(2027, 2, 3, 9)) == timedelta(hours=1)
    assert CONTINUO.transcurrido(lp(2027, 2, 2, 16), lp(2027, 2, 3, 9)) == timedelta(hours=17)


def test_transcurrido_fin_de_semana():
    # Fri 12 16:00-16:30 + Mon 15 08:30-09:00.
    assert LABORAL.transcurrido(lp(2027, 2, 12, 16), lp(2027, 2, 15, 9)) == timedelta(hours=1)


def test_transcurrido_feriado():
    # Thu 25 16:00-16:30, Good Friday 26 and the weekend skipped, Mon 29 08:30-09:00.
    assert LABORAL.transcurrido(lp(2027, 3, 25, 16), lp(2027, 3, 29, 9)) == timedelta(hours=1)
    assert LABORAL.transcurrido(lp(2027, 3, 25, 6), lp(2027, 3, 25, 20)) == timedelta(hours=8)
    assert LABORAL.transcurrido(lp(2027, 3, 26, 8), lp(2027, 3, 26, 18)) == timedelta(0)


def test_transcurrido_invertido_es_cero():
    assert LABORAL.transcurrido(lp(2027, 2, 3, 12), lp(2027, 2, 3, 10)) == timedelta(0)
    assert CONTINUO.transcurrido(lp(2027, 2, 3, 12), lp(2027, 2, 3, 10)) == timedelta(0)


def test_transcurrido_acepta_otras_zonas():
    utc = ZoneInfo("UTC")
    # 12:30 UTC is 08:30 in La Paz.
    desde = datetime(2027, 2, 3, 12, 30, tzinfo=utc)
    assert LABORAL.transcurrido(desde, lp(2027, 2, 3, 9, 30)) == timedelta(hours=1)


def test_sumar_carnaval():
    # Fri 15:00-16:30 = 1.5 h; weekend and Carnaval Mon/Tue skipped; Wed 08:30 + 6.5 h = 15:00.
    vence = LABORAL.sumar(lp(2027, 2, 5, 15), timedelta(hours=8))
    assert vence == lp(2027, 2, 10, 15)
    assert vence.tzinfo == LA_PAZ


def test_sumar_desde_fuera_de_horario():
    assert LABORAL.sumar(lp(2027, 2, 10, 7), timedelta(hours=1)) == lp(2027, 2, 10, 9, 30)
    # From Saturday noon the next working window is Wednesday's (Carnaval Mon/Tue).
    assert LABORAL.sumar(lp(2027, 2, 6, 12), timedelta(hours=1)) == lp(2027, 2, 10, 9, 30)


def test_sumar_termina_en_el_cierre_y_no_al_dia_siguiente():
    assert LABORAL.sumar(lp(2027, 2, 10, 8, 30), timedelta(hours=8)) == lp(2027, 2, 10, 16, 30)


def test_sumar_cero_y_negativo():
    inicio = lp(2027, 2, 6, 12)  # a Saturday: zero working time still ends where it started
    assert LABORAL.sumar(inicio, timedelta(0)) == inicio
    with pytest.raises(ValueError):
        LABORAL.sumar(inicio, timedelta(seconds=-1))


def test_instantes_naive_rechazados():
    with pytest.raises(ValueError):
        LABORAL.sumar(datetime(2027, 2, 10, 9), timedelta(hours=1))
    with pytest.raises(ValueError):
        CONTINUO.sumar(datetime(2027, 2, 10, 9), timedelta(hours=1))
    with pytest.raises(ValueError):
        LABORAL.transcurrido(datetime(2027, 2, 10, 9), lp(2027, 2, 10, 10))


def test_continuo_suma_tiempo_absoluto():
    assert CONTINUO.sumar(lp(2027, 2, 5, 15), timedelta(hours=8)) == lp(2027, 2, 5, 23)


# -- DST (La Paz has none; the code must not depend on that) ---------------------------------

NOCTURNO_MADRID = Calendario.laboral(
    zona="Europe/Madrid", dias=range(7), desde=time(1, 0), hasta=time(4, 0), no_laborables=()
)
CONTINUO_MADRID = Calendario.continuo_24x7("Europe/Madrid")


def test_cambio_de_hora_acorta_y_alarga_la_ventana():
    # 2027-03-28 02:00 CET jumps to 03:00 CEST: the 01:00-04:00 window lasts 2 real hours.
    primavera = (datetime(2027, 3, 28, 0, tzinfo=MADRID), datetime(2027, 3, 28, 12, tzinfo=MADRID))
    assert NOCTURNO_MADRID.transcurrido(*primavera) == timedelta(hours=2)
    # 2027-10-31 03:00 CEST falls back to 02:00 CET: the window lasts 4 real hours.
    otono = (datetime(2027, 10, 31, 0, tzinfo=MADRID), datetime(2027, 10, 31, 12, tzinfo=MADRID))
    assert NOCTURNO_MADRID.transcurrido(*otono) == timedelta(hours=4)


def test_sumar_atraviesa_el_cambio_de_hora():
    inicio = datetime(2027, 3, 28, 1, 0, tzinfo=MADRID)
    assert NOCTURNO_MADRID.sumar(inicio, timedelta(hours=2)) == datetime(
        2027, 3, 28, 4, 0, tzinfo=MADRID
    )
    assert CONTINUO_MADRID.sumar(inicio, timedelta(hours=2)) == datetime(
        2027, 3, 28, 4, 0, tzinfo=MADRID
    )


# -- properties -------------------------------------------------------------------------------

instantes = st.datetimes(
    min_value=datetime(2026, 1, 1), max_value=datetime(2028, 12, 31), timezones=st.just(LA_PAZ)
)
instantes_madrid = st.datetimes(
    min_value=datetime(2026, 1, 1), max_value=datetime(2028, 12, 31), timezones=st.just(MADRID)
)
duraciones = st.timedeltas(min_value=timedelta(0), max_value=timedelta(hours=60))
calendarios = st.sampled_from([LABORAL, CONTINUO])


@settings(max_examples=200, deadline=None)
@given(calendario=calendarios, inicio=instantes, duracion=duraciones)
def test_ida_y_vuelta(calendario, inicio, duracion):
    fin = calendario.sumar(inicio, duracion)
    assert fin >= inicio
    assert calendario.transcurrido(inicio, fin) == duracion


@settings(max_examples=200, deadline=None)
@given(
    calendario=st.sampled_from([NOCTURNO_MADRID, CONTINUO_MADRID]),
    inicio=instantes_madrid,
    duracion=duraciones,
)
def test_ida_y_vuelta_con_cambio_de_hora(calendario, inicio, duracion):
    assert calendario.transcurrido(inicio, calendario.sumar(inicio, duracion)) == duracion


@settings(max_examples=200, deadline=None)
@given(calendario=calendarios, inicio=instantes, a=duraciones, b=duraciones)
def test_sumar_es_monotona(calendario, inicio, a, b):
    menor, mayor = sorted((a, b))
    assert calendario.sumar(inicio, menor) <= calendario.sumar(inicio, mayor)


@settings(max_examples=200, deadline=None)
@given(calendario=calendarios, a=instantes, b=instantes)
def test_transcurrido_acotado_por_el_reloj_de_pared(calendario, a, b):
    trabajo = calendario.transcurrido(a, b)
    assert timedelta(0) <= trabajo <= max(b - a, timedelta(0))


@settings(max_examples=200, deadline=None)
@given(
    calendario=calendarios,
    dia=st.dates(min_value=date(2026, 1, 1), max_value=date(2028, 12, 31)),
    n=st.integers(min_value=0, max_value=40),
)
def test_dias_habiles_ida_y_vuelta(calendario, dia, n):
    destino = calendario.sumar_dias_habiles(dia, n)
    assert calendario.dias_habiles_entre(dia, destino) == n
    assert n == 0 or calendario.es_dia_habil(destino)


def _transcurrido_dia_por_dia(calendario, desde, hasta):
    """The plain definition (the loop ``transcurrido`` used before its running sums)."""
    inicio, fin = desde.astimezone(UTC), hasta.astimezone(UTC)
    if fin <= inicio:
        return timedelta(0)
    total, dia = timedelta(0), calendario._dia_local(inicio)
    while dia <= calendario._dia_local(fin):
        ventana = calendario._ventana(dia)
        if ventana is not None:
            total += max(timedelta(0), min(fin, ventana[1]) - max(inicio, ventana[0]))
        dia += timedelta(days=1)
    return total


instantes_largos = st.datetimes(min_value=datetime(2016, 1, 1), max_value=datetime(2030, 12, 31),
                                timezones=st.sampled_from([LA_PAZ, MADRID]))


@settings(max_examples=300, deadline=None)
@given(calendario=st.sampled_from([LABORAL, NOCTURNO_MADRID]), a=instantes_largos,
       b=instantes_largos)
def test_transcurrido_por_sumas_acumuladas_es_el_de_dia_por_dia(calendario, a, b):
    # Years apart, across holidays and DST changes, in either order of first use: the
    # memo grows in both directions and must agree with the day-by-day definition.
    assert calendario.transcurrido(a, b) == _transcurrido_dia_por_dia(calendario, a, b)


@pytest.mark.django_db
def test_el_calendario_sin_cambios_conserva_sus_sumas(catalogos, monkeypatch):
    from protocolos import selectors as protocolos
    from protocolos.models import DiaNoLaborable

    protocolos.limpiar_cache_calendarios()
    primero = protocolos.calendario("laboral")
    monkeypatch.setattr(protocolos, "_CACHE_SEGUNDOS", 0)  # every call rebuilds
    assert protocolos.calendario("laboral") is primero     # same rows: the same instance
    DiaNoLaborable.objects.create(fecha=date(2027, 6, 7), motivo="Decretado")
    otro = protocolos.calendario("laboral")
    assert otro is not primero and date(2027, 6, 7) in otro.no_laborables
