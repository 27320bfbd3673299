import json
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from protocolos.calendario import Calendario, FeriadosBolivia
from protocolos.reloj import EstadoReloj, EventoReloj, TipoEvento, calcular

LA_PAZ = ZoneInfo("America/La_Paz")
LABORAL = Calendario.laboral()
CONTINUO = Calendario.continuo_24x7()

INICIO, PAUSA, REANUDACION, FIN = (TipoEvento.INICIO, TipoEvento.PAUSA, TipoEvento.REANUDACION,
                                   TipoEvento.FIN)


def lp(*args: int) -> datetime:
    return datetime(*args, tzinfo=LA_PAZ)


def ev(tipo: TipoEvento, momento: datetime) -> EventoReloj:
    return EventoReloj(tipo, momento)


def horas(n: float) -> timedelta:
    return timedelta(hours=n)


# -- pinned examples on the business calendar -------------------------------------------------


def test_vence_salta_carnaval():
    figuras = calcular(
        [ev(INICIO, lp(2027, 2, 5, 15))],
        objetivo=horas(8),
        calendario=LABORAL,
        ahora=lp(2027, 2, 5, 16),
    )
    # Fri 15:00-16:30 = 1.5 h; Sat/Sun, Carnaval Mon 8 + Tue 9 skipped; Wed 08:30 + 6.5 h.
    assert figuras.vence == lp(2027, 2, 10, 15)
    # Warning at 6 h: 1.5 h on Friday + 4.5 h from Wed 08:30.
    assert figuras.advertencia_en == lp(2027, 2, 10, 13)
    assert figuras.estado is EstadoReloj.OK
    assert figuras.transcurrido == horas(1)
    assert figuras.proximo_umbral == figuras.advertencia_en


def test_vence_en_24x7():
    figuras = calcular(
        [ev(INICIO, lp(2027, 2, 5, 15))],
        objetivo=horas(8),
        calendario=CONTINUO,
        ahora=lp(2027, 2, 5, 16),
    )
    assert figuras.vence == lp(2027, 2, 5, 23)


def test_pausa_de_dos_horas_habiles_corre_el_vencimiento():
    eventos = [
        ev(INICIO, lp(2027, 2, 5, 15)),
        ev(PAUSA, lp(2027, 2, 10, 9)),
        ev(REANUDACION, lp(2027, 2, 10, 11)),
    ]
    figuras = calcular(eventos, objetivo=horas(8), calendario=LABORAL, ahora=lp(2027, 2, 10, 12))
    # Before the pause: Fri 15:00-16:30 (1.5 h) + Wed 08:30-09:00 (0.5 h) = 2 h; 6 h remain.
    # From Wed 11:00: 11:00-16:30 gives 5.5 h, the last 0.5 h is Thu 11 08:30-09:00.
    assert figuras.vence == lp(2027, 2, 11, 9)
    assert figuras.transcurrido == horas(3)
    assert figuras.estado is EstadoReloj.OK


def test_pausado_proyecta_desde_ahora():
    eventos = [ev(INICIO, lp(2027, 2, 5, 15)), ev(PAUSA, lp(2027, 2, 10, 9))]
    figuras = calcular(eventos, objetivo=horas(8), calendario=LABORAL, ahora=lp(2027, 2, 10, 12))
    # 2 h used, 6 h remain from Wed 12:00: 12:00-16:30 = 4.5 h, then Thu 08:30 + 1.5 h.
    assert figuras.vence == lp(2027, 2, 11, 10)
    assert figuras.estado is EstadoReloj.PAUSADO
    assert figuras.pausado is True
    assert figuras.proximo_umbral is None


# -- states (24x7 keeps the arithmetic obvious) -----------------------------------------------

T0 = lp(2027, 4, 5, 10)


def estado_en(eventos, ahora):
    """Figures of a 4-hour 24x7 clock (warning at 3 h)."""
    return calcular(eventos, objetivo=horas(4), calendario=CONTINUO, ahora=ahora)


def test_sin_iniciar():
    figuras = estado_en([], T0)
    assert figuras.estado is EstadoReloj.SIN_INICIAR
    assert figuras.vence is None
    assert figuras.restante == horas(4)
    assert figuras.proximo_umbral is None


def test_eventos_antes_del_inicio_se_ignoran():
    figuras = estado_en([ev(PAUSA, T0), ev(FIN, T0 + horas(1))], T0 + horas(2))
    assert figuras.estado is EstadoReloj.SIN_INICIAR
    figuras = estado_en(
        [ev(FIN, T0 - horas(1)), ev(PAUSA, T0 - horas(1)), ev(INICIO, T0)], T0 + horas(1)
    )
    assert figuras.estado is EstadoReloj.OK
    assert figuras.terminado_en is None


def test_ok_advertencia_incumplido():
    inicio = [ev(INICIO, T0)]
    ok = estado_en(inicio, T0 + horas(1))
    assert ok.estado is EstadoReloj.OK
    assert ok.advertencia_en == T0 + horas(3)
    assert ok.proximo_umbral == T0 + horas(3)
    assert ok.fraccion == 0.25

    advertencia = estado_en(inicio, T0 + horas(3))
    assert advertencia.estado is EstadoReloj.ADVERTENCIA
    assert advertencia.proximo_umbral == T0 + horas(4)

    incumplido = estado_en(inicio, T0 + horas(4))
    assert incumplido.estado is EstadoReloj.INCUMPLIDO
    assert incumplido.proximo_umbral is None

    tarde = estado_en(inicio, T0 + horas(5))
    assert tarde.restante == -horas(1)
    assert tarde.fraccion == 1.25
    assert tarde.vence == T0 + horas(4)


def test_detenido_a_tiempo_es_cumplido():
    figuras = estado_en([ev(INICIO, T0), ev(FIN, T0 + horas(2))], T0 + horas(9))
    assert figuras.estado is EstadoReloj.CUMPLIDO
    assert figuras.transcurrido == horas(2)
    assert figuras.terminado_en == T0 + horas(2)
    assert figuras.vence == T0 + horas(4)
    assert figuras.proximo_umbral is None
    assert figuras.pausado is False
    justo = estado_en([ev(INICIO, T0), ev(FIN, T0 + horas(4))], T0 + horas(9))
    assert justo.estado is EstadoReloj.CUMPLIDO


def test_detenido_tarde_es_incumplido():
    figuras = estado_en([ev(INICIO, T0), ev(FIN, T0 + horas(5))], T0 + horas(9))
    assert figuras.estado is EstadoReloj.INCUMPLIDO
    assert figuras.transcurrido == horas(5)
    assert figuras.vence == T0 + horas(4)


def test_detenido_en_pausa_conserva_la_proyeccion_del_fin():
    eventos = [ev(INICIO, T0), ev(PAUSA, T0 + horas(1)), ev(FIN, T0 + horas(3))]
    figuras = estado_en(eventos, T0 + horas(9))
    assert figuras.estado is EstadoReloj.CUMPLIDO
    assert figuras.pausado is False
    # 3 h were left when the clock stopped at T0 + 3 h.
    assert figuras.vence == T0 + horas(6)


def test_pausado():
    figuras = estado_en([ev(INICIO, T0), ev(PAUSA, T0 + horas(1))], T0 + horas(2))
    assert figuras.estado is EstadoReloj.PAUSADO
    assert figuras.pausado is True
    assert figuras.proximo_umbral is None
    assert figuras.vence == T0 + horas(5)  # 3 h left, as if resumed now


def test_pausado_tras_vencer_sigue_incumplido_y_no_mueve_el_vencimiento():
    figuras = estado_en([ev(INICIO, T0), ev(PAUSA, T0 + horas(5))], T0 + horas(7))
    assert figuras.estado is EstadoReloj.INCUMPLIDO
    assert figuras.pausado is True
    assert figuras.vence == T0 + horas(4)


def test_advertencia_alcanzada_antes_de_una_pausa_queda_fija():
    eventos = [
        ev(INICIO, T0),
        ev(PAUSA, T0 + horas(3) + timedelta(minutes=30)),
        ev(REANUDACION, T0 + horas(6)),
    ]
    figuras = estado_en(eventos, T0 + horas(6) + timedelta(minutes=10))
    assert figuras.advertencia_en == T0 + horas(3)
    assert figuras.estado is EstadoReloj.ADVERTENCIA
    # 3.5 h used before the pause, 0.5 h left after resuming.
    assert figuras.vence == T0 + horas(6) + timedelta(minutes=30)
    assert figuras.proximo_umbral == figuras.vence


def test_tolerante_a_orden_y_duplicados():
    ordenados = [
        ev(INICIO, T0),
        ev(PAUSA, T0 + horas(1)),
        ev(REANUDACION, T0 + horas(2)),
    ]
    ruido = [
        ev(REANUDACION, T0 + horas(2)),  # replayed
        ev(REANUDACION, T0 + timedelta(minutes=30)),  # while running
        ev(INICIO, T0 + horas(1) + timedelta(minutes=10)),  # second start
        ev(PAUSA, T0 + horas(1) + timedelta(minutes=20)),  # while paused
        ev(INICIO, T0),  # duplicate start
    ]
    ahora = T0 + horas(3)
    esperado = estado_en(ordenados, ahora)
    revuelto = estado_en(list(reversed(ordenados + ruido)), ahora)
    assert revuelto == esperado
    assert esperado.transcurrido == horas(2)
    assert esperado.vence == T0 + horas(5)


def test_eventos_tras_el_fin_y_futuros_se_ignoran():
    eventos = [
        ev(INICIO, T0),
        ev(FIN, T0 + horas(1)),
        ev(REANUDACION, T0 + horas(2)),
        ev(FIN, T0 + horas(6)),
    ]
    figuras = estado_en(eventos, T0 + horas(8))
    assert figuras.terminado_en == T0 + horas(1)
    assert figuras.transcurrido == horas(1)
    futuro = estado_en([ev(INICIO, T0), ev(FIN, T0 + horas(2))], T0 + horas(1))
    assert futuro.estado is EstadoReloj.OK
    assert futuro.terminado_en is None


def test_validaciones():
    eventos = [ev(INICIO, T0)]
    with pytest.raises(ValueError):
        calcular(eventos, objetivo=timedelta(0), calendario=CONTINUO, ahora=T0)
    for umbral in (0, -0.1, 1.01):
        with pytest.raises(ValueError):
            calcular(
                eventos,
                objetivo=horas(1),
                calendario=CONTINUO,
                ahora=T0,
                umbral_advertencia=umbral,
            )
    with pytest.raises(ValueError):
        calcular(eventos, objetivo=horas(1), calendario=CONTINUO, ahora=datetime(2027, 4, 5))
    with pytest.raises(ValueError):
        EventoReloj(INICIO, datetime(2027, 4, 5))
    with pytest.raises(ValueError):
        EventoReloj("arrancar", T0)
    umbral_completo = calcular(
        eventos, objetivo=horas(1), calendario=CONTINUO, ahora=T0, umbral_advertencia=1
    )
    assert umbral_completo.advertencia_en == umbral_completo.vence


def test_evento_ida_y_vuelta_por_json():
    evento = EventoReloj("pausa", lp(2027, 2, 10, 9, 15))
    assert evento.tipo is PAUSA
    datos = json.loads(json.dumps(evento.a_dict()))
    assert datos == {"tipo": "pausa", "momento": "2027-02-10T09:15:00-04:00"}
    assert EventoReloj.de_dict(datos) == evento


def test_figuras_a_dict():
    figuras = estado_en([ev(INICIO, T0)], T0 + horas(1) + timedelta(milliseconds=500))
    datos = json.loads(json.dumps(figuras.a_dict()))
    assert datos["estado"] == "ok"
    assert datos["objetivo_s"] == 4 * 3600
    assert datos["transcurrido_s"] == 3600
    assert datos["restante_s"] == 3 * 3600
    assert datos["vence"] == "2027-04-05T14:00:00-04:00"
    assert datos["terminado_en"] is None
    assert datos["pausado"] is False


# -- properties -------------------------------------------------------------------------------

instantes = st.datetimes(
    min_value=datetime(2026, 1, 1), max_value=datetime(2028, 12, 31), timezones=st.just(LA_PAZ)
)
objetivos = st.timedeltas(min_value=timedelta(minutes=1), max_value=horas(60))
huecos = st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=10))
calendarios = st.sampled_from([LABORAL, CONTINUO])
PROPIEDAD = settings(max_examples=200, deadline=None)


@PROPIEDAD
@given(
    calendario=calendarios,
    inicio=instantes,
    objetivo=objetivos,
    antes=huecos,
    pausa=huecos,
    despues=huecos,
    reanuda=st.booleans(),
)
def test_pausar_nunca_adelanta_el_vencimiento(
    calendario, inicio, objetivo, antes, pausa, despues, reanuda
):
    pausa_en = inicio + antes
    reanuda_en = pausa_en + pausa
    ahora = reanuda_en + despues
    sin_pausa = [ev(INICIO, inicio)]
    con_pausa = [*sin_pausa, ev(PAUSA, pausa_en)]
    if reanuda:
        con_pausa.append(ev(REANUDACION, reanuda_en))
    kwargs = {"objetivo": objetivo, "calendario": calendario, "ahora": ahora}
    assert calcular(con_pausa, **kwargs).vence >= calcular(sin_pausa, **kwargs).vence


eventos_al_azar = st.lists(
    st.builds(EventoReloj, st.sampled_from(TipoEvento), instantes), max_size=8
)


@PROPIEDAD
@given(calendario=calendarios, eventos=eventos_al_azar, ahora=instantes, objetivo=objetivos)
def test_transcurrido_acotado_por_el_reloj_de_pared(calendario, eventos, ahora, objetivo):
    figuras = calcular(eventos, objetivo=objetivo, calendario=calendario, ahora=ahora)
    inicios = [e.momento for e in eventos if e.tipo is INICIO and e.momento <= ahora]
    pared = ahora - min(inicios) if inicios else timedelta(0)
    assert timedelta(0) <= figuras.transcurrido <= pared
    assert (figuras.vence is None) == (figuras.estado is EstadoReloj.SIN_INICIAR)
    assert figuras.proximo_umbral is None or figuras.proximo_umbral > ahora
    assert figuras.restante == objetivo - figuras.transcurrido


@PROPIEDAD
@given(
    inicio=instantes,
    objetivo=objetivos,
    pausa=huecos,
    antes=huecos,
    feriado_tras=st.integers(min_value=0, max_value=20),
    hay_pausa=st.booleans(),
)
def test_un_feriado_mas_nunca_adelanta_el_vencimiento(
    inicio, objetivo, pausa, antes, feriado_tras, hay_pausa
):
    eventos = [ev(INICIO, inicio)]
    ahora = inicio + antes
    if hay_pausa:
        eventos += [ev(PAUSA, inicio + antes), ev(REANUDACION, inicio + antes + pausa)]
        ahora += pausa
    feriado = inicio.date() + timedelta(days=feriado_tras)
    con_feriado = Calendario.laboral(no_laborables=FeriadosBolivia(extras=[feriado]))
    kwargs = {"objetivo": objetivo, "ahora": ahora}
    assert (
        calcular(eventos, calendario=con_feriado, **kwargs).vence
        >= calcular(eventos, calendario=LABORAL, **kwargs).vence
    )


@PROPIEDAD
@given(
    inicio=instantes,
    objetivo=objetivos,
    tramos=st.lists(st.tuples(objetivos, huecos), max_size=5),
    termina_en_pausa=st.booleans(),
    extra=huecos,
)
def test_en_24x7_vence_es_aritmetica_simple(inicio, objetivo, tramos, termina_en_pausa, extra):
    # Alternate runs and pauses while the budget lasts, so the deadline is still ahead of every
    # pause and each paused wall-clock second pushes it exactly one second.
    eventos = [ev(INICIO, inicio)]
    t, usado, pausado = inicio, timedelta(0), timedelta(0)
    for corre, pausa in tramos:
        if usado + corre >= objetivo:
            break
        t += corre
        usado += corre
        eventos.append(ev(PAUSA, t))
        t += pausa
        pausado += pausa
        eventos.append(ev(REANUDACION, t))
    ahora = t + extra
    if termina_en_pausa and len(eventos) > 1:
        eventos.pop()  # the last pause never ends: it lasts until ahora
        pausado += extra
    figuras = calcular(eventos, objetivo=objetivo, calendario=CONTINUO, ahora=ahora)
    assert figuras.vence == inicio + objetivo + pausado


def test_descarte_detiene_el_reloj_como_descartado_no_cumplido():
    """A duplicate's clock (issue 18): stopped, neither met nor breached."""
    inicio = datetime(2027, 2, 10, 9, tzinfo=ZoneInfo("America/La_Paz"))
    eventos = [ev(INICIO, inicio), ev(TipoEvento.DESCARTE, inicio + timedelta(minutes=30))]
    figuras = calcular(eventos, objetivo=timedelta(hours=4), calendario=CONTINUO,
                       ahora=inicio + timedelta(days=3))
    assert figuras.estado is EstadoReloj.DESCARTADO
    assert figuras.transcurrido == timedelta(minutes=30) and figuras.proximo_umbral is None
