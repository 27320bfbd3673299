"""The incident management report (issue 8, §3): figures on a hand-built fixture whose expected
numbers are worked out by hand below, tenant scoping, constant queries, the form, the
dashboard figures and the document.

The fixture (report range 2026-01-01 … 2026-06-30, so the cut-off is 2026-07-01 00:00 La Paz).
Clocks are written as hand-made events and their columns computed by the clock service
(``reloj_refrescar``), exactly as the incident services leave them. P1/P2 run on 24×7, P3 on
working hours (Mon–Fri 08:30–16:30).

=====  ======  ====  ===================  ===========  ==========================================
inc    entity  prio  type / origin        state        clocks (acuse / contención / resolución)
=====  ======  ====  ===================  ===========  ==========================================
I1     A       P1    phishing             cerrado      20 min ok / 3 h ok / 22 h ok
I2     A       P1    phishing             resuelto     60 min BREACH (30) / 3 h ok /
                                                       35 h wall, 24 h paused → 11 h ok
I3     B       P2    sistema-vulnerable,  resuelto     30 min ok / 6 h ok / 72 h BREACH (48)
                     cgii_vulnerabilidad
I4     B       P3    phishing             en espera    Mon 15:00 → Tue 09:30 = 2.5 working h
                                                       BREACH (2) / paused / paused
I5     A       P2    phishing             rechazado    discarded (all stopped after 30 min)
I6     B       P2    (unclassified)       duplicado    discarded
I7     A       P1    phishing             contención   10 min ok / running / running
I8     A       P2    phishing             resuelto     40 min ok / 6 h ok / stopped 07-02, after
             (resolved after the cut-off: open at the cut-off, its 48 h deadline 06-27 passed)
I9     A       P2    phishing             cerrado      created 2025-12-30, resolved 2026-01-02
I10    B       P2    phishing             reportado    created 2026-07-03 (after the range)
I11    B       P2    phishing             en análisis  created 2025-11-03, still open
=====  ======  ====  ===================  ===========  ==========================================
"""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from cgii.entidades.selectors import roles_cgii
from incidentes.models import Incidente, Origen
from incidentes.reportes import figuras as modulo_figuras
from incidentes.reportes.documento import documento_gestion
from incidentes.reportes.figuras import figuras_gestion
from incidentes.reportes.forms import GestionIncidentesForm
from incidentes.reportes.tablero import tablero_incidentes
from incidentes.reportes.tiempos import Acumulado, tramos
from protocolos import selectors as protocolos_selectors
from protocolos.models import CruceSLA, PoliticaSLA, RelojSLA, TipoIncidente
from protocolos.services import reloj_refrescar

pytestmark = pytest.mark.django_db

LP = ZoneInfo("America/La_Paz")
DESDE, HASTA = date(2026, 1, 1), date(2026, 6, 30)
REFRESCO = datetime(2026, 7, 15, 12, 0, tzinfo=LP)  # when the clock columns were last computed


def t(texto: str) -> datetime:
    return datetime.fromisoformat(texto).replace(tzinfo=LP)


_n = iter(range(1, 10_000))


def crear(entidad, *, creado, prioridad, estado, tipo="phishing", origen=Origen.ENTIDAD,
          relojes=None, refresco=REFRESCO, **campos) -> Incidente:
    """An incident and its three clocks from hand-written events: ``relojes`` maps a measure
    to a list of (tipo, instant) after the implicit ("inicio", creado)."""
    tipo_obj = TipoIncidente.objects.get(codigo=tipo) if tipo else None
    inc = Incidente.objects.create(
        codigo=f"CGII-T-{next(_n):04d}", entidad=entidad, titulo="Incidente de prueba",
        descripcion="—", detectado_en=creado, creado=creado, prioridad=prioridad, estado=estado,
        tipo=tipo_obj, origen=origen, **campos)
    politica = PoliticaSLA.objects.get(prioridad=prioridad)
    for medida in ("acuse", "contencion", "resolucion"):
        eventos = [("inicio", creado), *(relojes or {}).get(medida, [])]
        reloj = RelojSLA(ambito="incidente", objeto_id=inc.pk, entidad_id=entidad.pk,
                         medida=medida, politica=politica,
                         objetivo_min=politica.objetivo_min(medida),
                         eventos=[{"tipo": k, "momento": m.isoformat()} for k, m in eventos])
        reloj_refrescar(reloj, refresco)
    return inc


def reloj(inc, medida) -> RelojSLA:
    return RelojSLA.objects.get(ambito="incidente", objeto_id=inc.pk, medida=medida)


@pytest.fixture
def datos(catalogos, entidad_a, entidad_b):
    A, B = entidad_a, entidad_b
    i = {}
    i[1] = crear(A, creado=t("2026-03-02 10:00"), prioridad="P1", estado="cerrado", relojes={
        "acuse": [("fin", t("2026-03-02 10:20"))],
        "contencion": [("fin", t("2026-03-02 13:00"))],
        "resolucion": [("fin", t("2026-03-03 08:00"))]})
    i[2] = crear(A, creado=t("2026-03-10 09:00"), prioridad="P1", estado="resuelto", relojes={
        "acuse": [("fin", t("2026-03-10 10:00"))],
        "contencion": [("fin", t("2026-03-10 12:00"))],
        "resolucion": [("pausa", t("2026-03-10 12:00")), ("reanudacion", t("2026-03-11 12:00")),
                       ("fin", t("2026-03-11 20:00"))]})
    i[3] = crear(B, creado=t("2026-04-06 14:00"), prioridad="P2", estado="resuelto",
                 tipo="sistema-vulnerable", origen=Origen.CGII_VULNERABILIDAD, relojes={
                     "acuse": [("fin", t("2026-04-06 14:30"))],
                     "contencion": [("fin", t("2026-04-06 20:00"))],
                     "resolucion": [("fin", t("2026-04-09 14:00"))]})
    i[4] = crear(B, creado=t("2026-05-04 15:00"), prioridad="P3", estado="en_espera_entidad",
                 refresco=t("2026-05-05 10:00"), relojes={
                     "acuse": [("fin", t("2026-05-05 09:30"))],
                     "contencion": [("pausa", t("2026-05-05 10:00"))],
                     "resolucion": [("pausa", t("2026-05-05 10:00"))]})
    stop5 = [("fin", t("2026-05-20 11:00"))]
    i[5] = crear(A, creado=t("2026-05-20 10:00"), prioridad="P2", estado="rechazado", relojes={
        "acuse": [("fin", t("2026-05-20 10:30"))], "contencion": stop5, "resolucion": stop5},
        motivo_rechazo="No es un incidente.")
    stop6 = [("fin", t("2026-06-01 10:15"))]
    i[6] = crear(B, creado=t("2026-06-01 10:00"), prioridad="P2", estado="duplicado", tipo=None,
                 relojes={"acuse": stop6, "contencion": stop6, "resolucion": stop6},
                 maestro=i[3])
    i[7] = crear(A, creado=t("2026-06-30 21:00"), prioridad="P1", estado="en_contencion",
                 refresco=t("2026-06-30 23:00"),
                 relojes={"acuse": [("fin", t("2026-06-30 21:10"))]})
    i[8] = crear(A, creado=t("2026-06-25 10:00"), prioridad="P2", estado="resuelto", relojes={
        "acuse": [("fin", t("2026-06-25 10:40"))],
        "contencion": [("fin", t("2026-06-25 16:00"))],
        "resolucion": [("fin", t("2026-07-02 10:00"))]})
    stop9 = [("fin", t("2026-01-02 10:00"))]
    i[9] = crear(A, creado=t("2025-12-30 10:00"), prioridad="P2", estado="cerrado", relojes={
        "acuse": [("fin", t("2025-12-30 10:30"))], "contencion": stop9, "resolucion": stop9})
    i[10] = crear(B, creado=t("2026-07-03 10:00"), prioridad="P2", estado="reportado")
    i[11] = crear(B, creado=t("2025-11-03 10:00"), prioridad="P2", estado="en_analisis",
                  relojes={"acuse": [("fin", t("2025-11-03 10:30"))]})
    # The sweep's history: I2's first-response breach was recorded with a reason; I8's
    # resolution breach without one (the report then explains it from the clock).
    CruceSLA.objects.create(reloj=reloj(i[2], "acuse"), tipo="incumplimiento",
                            umbral=t("2026-03-10 09:30"),
                            motivo="Analista de turno sin cobertura")
    CruceSLA.objects.create(reloj=reloj(i[8], "resolucion"), tipo="incumplimiento",
                            umbral=t("2026-06-27 10:00"))
    CruceSLA.objects.filter(reloj=reloj(i[2], "acuse")).update(
        detectado_en=t("2026-03-10 09:30:30"))
    CruceSLA.objects.filter(reloj=reloj(i[8], "resolucion")).update(
        detectado_en=t("2026-06-27 10:00:30"))
    # Denormalised queue columns (what incidentes.sla leaves; read by the dashboard only).
    Incidente.objects.filter(pk__in=[i[4].pk, i[11].pk]).update(estado_sla="incumplido")
    Incidente.objects.filter(pk=i[7].pk).update(estado_sla="ok",
                                                vence_sla=t("2026-07-01 01:00"))
    Incidente.objects.filter(pk=i[10].pk).update(estado_sla="ok",
                                                 vence_sla=t("2026-07-03 11:00"))
    Incidente.objects.filter(pk=i[11].pk).update(vence_sla=t("2025-11-05 10:00"))
    return i


def _figuras(usuario, **kw):
    return figuras_gestion(usuario=usuario, desde=DESDE, hasta=HASTA, **kw)


# ---- the clocks are what the fixture says ------------------------------------------------

def test_el_fixture_deja_los_relojes_como_se_describen(datos):
    assert reloj(datos[2], "acuse").estado == "incumplido"
    assert reloj(datos[4], "acuse").estado == "incumplido"
    assert reloj(datos[4], "acuse").vence == t("2026-05-05 09:00")  # 1.5 h Mon + 0.5 h Tue
    assert reloj(datos[4], "resolucion").estado == "pausado"
    # A paused clock's stored deadline is a projection (here before the cut-off): the report
    # must not count it as a breach.
    assert reloj(datos[4], "resolucion").vence < t("2026-07-01 00:00")
    assert reloj(datos[3], "resolucion").vence == t("2026-04-08 14:00")
    assert reloj(datos[8], "resolucion").estado == "incumplido"
    assert reloj(datos[7], "contencion").estado in ("ok", "advertencia")


# ---- headline figures ----------------------------------------------------------------------

def test_cifras_del_personal_cgii(datos, analista):
    f = _figuras(analista)
    assert f.corte == t("2026-07-01 00:00")
    assert (f.recibidos, f.recibidos_incidentes, f.recibidos_vulnerabilidades) == (8, 7, 1)
    assert (f.descartados, f.rechazados, f.duplicados) == (2, 1, 1)
    assert (f.resueltos, f.resueltos_vulnerabilidades) == (4, 1)  # I1, I2, I3, I9
    assert (f.abiertos, f.abiertos_vulnerabilidades) == (4, 0)  # I4, I7, I8, I11
    assert f.backlog == [("Menos de 7 días", 2), ("7 a 30 días", 0), ("30 a 90 días", 1),
                         ("Más de 90 días", 1)]


def test_cumplimiento_sla_por_medida(datos, analista):
    sla = _figuras(analista).sla
    a, c, r = sla["acuse"], sla["contencion"], sla["resolucion"]
    # Cohort: I1, I2, I3, I4, I7, I8 (received, not discarded).
    assert (a.total, a.cumplidos, a.incumplidos, a.en_curso, a.porcentaje) == (6, 4, 2, 0, 66.7)
    assert (c.total, c.cumplidos, c.incumplidos, c.en_curso, c.porcentaje) == (6, 4, 0, 2,
                                                                                100.0)
    assert (r.total, r.cumplidos, r.incumplidos, r.en_curso, r.porcentaje) == (6, 2, 2, 2, 50.0)


def test_sla_por_prioridad(datos, analista):
    p = _figuras(analista).sla_por_prioridad
    assert (p["P1"]["acuse"].cumplidos, p["P1"]["acuse"].incumplidos) == (2, 1)  # I1 I7 / I2
    assert p["P1"]["acuse"].porcentaje == 66.7
    assert (p["P2"]["resolucion"].total, p["P2"]["resolucion"].porcentaje) == (2, 0.0)
    assert (p["P3"]["acuse"].total, p["P3"]["acuse"].porcentaje) == (1, 0.0)
    assert p["P4"]["acuse"].total == 0 and p["P4"]["acuse"].porcentaje is None


def test_tiempos_medios_corridos_y_habiles(datos, analista):
    tiempos = _figuras(analista).tiempos
    # MTTA over 6 stopped first-response clocks: 20+60+30+1110+10+40 = 1270 wall minutes;
    # I4 is 2.5 working hours (Mon 15:00–16:30, Tue 08:30–09:30): 20+60+30+150+10+40 = 310.
    assert (tiempos["acuse"].n, tiempos["acuse"].pared_horas,
            tiempos["acuse"].laboral_horas) == (6, 3.53, 0.86)
    # MTTR over I1, I2, I3 (I8 stopped after the cut-off): wall (22+35+72)/3 = 43.0 h;
    # working (22+11+72)/3 = 35.0 h (I2's 24 h waiting for the entity do not count).
    assert (tiempos["resolucion"].n, tiempos["resolucion"].pared_horas,
            tiempos["resolucion"].laboral_horas) == (3, 43.0, 35.0)
    assert (tiempos["contencion"].n, tiempos["contencion"].pared_horas) == (4, 4.5)


def test_lista_de_incumplimientos_con_motivo(datos, analista):
    f = _figuras(analista)
    assert f.incumplimientos_total == 4
    filas = [(i.codigo, i.entidad, i.prioridad, i.medida, i.vence) for i in f.incumplimientos]
    assert filas == [  # latest first
        (datos[8].codigo, "MPA", "P2", "resolucion", t("2026-06-27 10:00")),
        (datos[4].codigo, "GMPB", "P3", "acuse", t("2026-05-05 09:00")),
        (datos[3].codigo, "GMPB", "P2", "resolucion", t("2026-04-08 14:00")),
        (datos[2].codigo, "MPA", "P1", "acuse", t("2026-03-10 09:30")),
    ]
    cuarto, _, segundo, primero = f.incumplimientos
    assert primero.motivo == "Analista de turno sin cobertura"
    assert primero.detectado_en == t("2026-03-10 09:30:30")
    assert segundo.detectado_en is None
    assert segundo.motivo == "Superó el objetivo de 48 h; atendido el 09/04/2026 14:00"
    assert f.incumplimientos[1].motivo == ("Superó el objetivo de 2 h hábiles; "
                                           "atendido el 05/05/2026 09:30")
    assert cuarto.detenido_en is None and cuarto.motivo.endswith("sin atender al corte")


def test_desgloses(datos, analista):
    f = _figuras(analista)
    assert f.por_categoria == [("Phishing", 6), ("Sistema vulnerable", 1),
                               ("Sin clasificar", 1)]
    pri = {x.clave: (x.recibidos, x.descartados, x.resueltos, x.abiertos) for x in f.prioridades}
    assert pri == {"P1": (3, 0, 2, 1), "P2": (4, 2, 2, 2), "P3": (1, 0, 0, 1)}
    niv = {x.clave: (x.recibidos, x.vulnerabilidades, x.descartados, x.resueltos, x.abiertos,
                     x.sla_resolucion.porcentaje) for x in f.niveles}
    assert niv == {"central": (5, 0, 1, 3, 2, 66.7), "municipal": (3, 1, 1, 1, 2, 0.0)}
    assert [x.etiqueta for x in f.niveles] == ["Nivel central", "Gobierno municipal"]
    assert [(x.etiqueta, x.recibidos) for x in f.entidades] == [("MPA", 5), ("GMPB", 3)]


def test_tendencia_mensual(datos, analista):
    meses = _figuras(analista).meses
    assert [(m.mes.month, m.recibidos, m.resueltos, m.sla_resolucion.porcentaje)
            for m in meses] == [(1, 0, 1, None), (2, 0, 0, None), (3, 2, 2, 100.0),
                                (4, 1, 1, 0.0), (5, 2, 0, None), (6, 3, 0, 0.0)]
    assert sum(m.recibidos for m in meses) == 8


def test_filtro_de_entidad_del_personal(datos, analista, entidad_a):
    f = _figuras(analista, entidad_id=entidad_a.pk)
    assert (f.recibidos, f.descartados, f.resueltos, f.abiertos) == (5, 1, 3, 2)
    assert f.sla["acuse"].porcentaje == 75.0  # I1, I7, I8 of I1, I2, I7, I8
    assert {i.entidad for i in f.incumplimientos} == {"MPA"}


# ---- tenant scoping ------------------------------------------------------------------------

def test_el_usuario_de_una_entidad_solo_ve_la_suya(datos, reportante_b, entidad_a):
    f = _figuras(reportante_b)
    assert (f.recibidos, f.recibidos_vulnerabilidades, f.descartados) == (3, 1, 1)
    assert (f.resueltos, f.abiertos) == (1, 2)  # I3 / I4, I11
    assert f.sla["acuse"].porcentaje == 50.0 and f.sla["resolucion"].porcentaje == 0.0
    assert [(i.codigo, i.medida) for i in f.incumplimientos] == [
        (datos[4].codigo, "acuse"), (datos[3].codigo, "resolucion")]
    assert [x.etiqueta for x in f.entidades] == ["GMPB"]
    assert [x.clave for x in f.niveles] == ["municipal"]
    # Asking for another entity gives nothing, not its figures.
    otra = _figuras(reportante_b, entidad_id=entidad_a.pk)
    assert (otra.recibidos, otra.resueltos, otra.abiertos, otra.incumplimientos_total) == (
        0, 0, 0, 0)
    # Nothing of entity A anywhere in the document.
    doc = documento_gestion(f, parametros=[])
    texto = repr(doc)
    codigos_a = [datos[k].codigo for k in (1, 2, 5, 7, 8, 9)]
    assert "MPA" not in texto and "Ministerio de Pruebas A" not in texto
    assert not any(c in texto for c in codigos_a)


def test_sin_entidad_no_ve_nada(datos):
    from tests.factories import crear_usuario

    f = _figuras(crear_usuario(username="sin_entidad"))
    assert (f.recibidos, f.resueltos, f.abiertos, f.incumplimientos_total) == (0, 0, 0, 0)
    assert f.sla["acuse"].porcentaje is None and f.tiempos["resolucion"].n == 0
    assert [m.recibidos for m in f.meses] == [0] * 6 and f.entidades == []


# ---- constant queries ----------------------------------------------------------------------

def _muchos(entidad, n, inicio):
    for k in range(n):
        creado = inicio + timedelta(days=k)
        crear(entidad, creado=creado, prioridad="P3" if k % 2 else "P2", estado="resuelto",
              relojes={"acuse": [("fin", creado + timedelta(minutes=30))],
                       "contencion": [("pausa", creado + timedelta(hours=1)),
                                      ("reanudacion", creado + timedelta(hours=3)),
                                      ("fin", creado + timedelta(hours=4))],
                       "resolucion": [("fin", creado + timedelta(hours=30))]})


def _consultas(usuario) -> int:
    protocolos_selectors.limpiar_cache_calendarios()
    roles_cgii(usuario)  # the user's roles are cached on the instance after the first read
    with CaptureQueriesContext(connection) as ctx:
        figuras_gestion(usuario=usuario, desde=DESDE, hasta=HASTA)
    return len(ctx.captured_queries)


def test_numero_de_consultas_constante(catalogos, analista, entidad_a, entidad_b,
                                       django_assert_max_num_queries):
    _muchos(entidad_a, 3, t("2026-02-02 10:00"))
    pocas = _consultas(analista)
    _muchos(entidad_b, 12, t("2026-03-02 10:00"))
    assert _consultas(analista) == pocas
    protocolos_selectors.limpiar_cache_calendarios()
    with django_assert_max_num_queries(12):
        f = _figuras(analista)
    assert f.recibidos == 15 and f.sla["acuse"].porcentaje == 100.0
    assert f.tiempos["contencion"].pared_horas == 4.0  # pause included in wall time


# ---- working time helper agrees with the calendar -----------------------------------------

def test_el_acumulado_coincide_con_el_calendario(catalogos):
    cal = protocolos_selectors.calendario("laboral")
    acc = Acumulado(cal, date(2026, 1, 1), date(2026, 12, 31))
    instantes = [t("2026-02-13 15:00"), t("2026-02-16 09:00"), t("2026-02-18 16:45"),
                 t("2026-04-03 08:00"), t("2026-05-01 12:00"), t("2026-06-22 07:00"),
                 t("2026-06-30 23:59"), t("2026-08-06 10:00")]
    for a in instantes:
        for b in instantes:
            assert acc.segundos(a.timestamp(), b.timestamp()) == \
                cal.transcurrido(a, b).total_seconds(), (a, b)
    # Outside the table it falls back to the calendar itself.
    a, b = t("2025-12-31 09:00"), t("2026-01-02 09:00")
    assert acc.segundos(a.timestamp(), b.timestamp()) == cal.transcurrido(a, b).total_seconds()


def test_tramos_ignora_eventos_redundantes():
    ev = [{"tipo": "inicio", "momento": "2026-01-05T10:00:00-04:00"},
          {"tipo": "pausa", "momento": "2026-01-05T11:00:00-04:00"},
          {"tipo": "pausa", "momento": "2026-01-05T11:30:00-04:00"},
          {"tipo": "reanudacion", "momento": "2026-01-05T12:00:00-04:00"},
          {"tipo": "fin", "momento": "2026-01-05T13:00:00-04:00"},
          {"tipo": "reanudacion", "momento": "2026-01-05T14:00:00-04:00"}]
    inicio, fin, runs = tramos(ev)
    def s(h):
        return t(f"2026-01-05 {h}").timestamp()

    assert (inicio, fin) == (s("10:00"), s("13:00"))
    assert runs == [(s("10:00"), s("11:00")), (s("12:00"), s("13:00"))]


# ---- the form ------------------------------------------------------------------------------

def test_formulario_valores_por_defecto_y_errores(analista, reportante_a, entidad_a):
    form = GestionIncidentesForm({}, usuario=analista)
    assert form.is_valid(), form.errors
    hoy = modulo_figuras.timezone.localdate()
    assert form.cleaned_data == {"desde": date(hoy.year, 1, 1), "hasta": hoy, "entidad": None}

    form = GestionIncidentesForm({"desde": "2026-05-01", "hasta": "2026-04-01"},
                                 usuario=analista)
    assert not form.is_valid()
    assert form.errors["hasta"] == ["La fecha final no puede ser anterior a la inicial."]

    form = GestionIncidentesForm({"desde": "2020-01-01", "hasta": "2026-01-01"},
                                 usuario=analista)
    assert not form.is_valid()
    assert form.errors["hasta"] == ["El rango no puede superar tres años."]

    form = GestionIncidentesForm({"desde": "2026-01-01", "hasta": "2026-06-30",
                                  "entidad": str(entidad_a.pk)}, usuario=analista)
    assert form.is_valid() and form.cleaned_data["entidad"] == entidad_a.pk

    # Entity users get no entity choice; a forged one is ignored (their scope applies).
    form = GestionIncidentesForm({"desde": "2026-01-01", "hasta": "2026-06-30",
                                  "entidad": "999"}, usuario=reportante_a)
    assert "entidad" not in form.fields
    assert form.is_valid() and form.cleaned_data["entidad"] is None


def test_registro_y_construccion(datos, analista, reportante_b, db):
    from cgii.reportes.registro import obtener
    from tests.factories import crear_usuario

    tipo = obtener("gestion-incidentes")
    assert tipo is not None and tipo.asincrono and tipo.orden == 30
    assert tipo.puede_ver(analista) and tipo.puede_ver(reportante_b)
    assert not tipo.puede_ver(crear_usuario(username="sin_entidad"))
    doc = tipo.construir(usuario=analista, parametros={"desde": DESDE, "hasta": HASTA,
                                                       "entidad": None}, progreso=None)
    assert doc.nombre_archivo == "gestion-incidentes-2026-01-01-2026-06-30"
    assert doc.tipo == "gestion-incidentes"
    assert ("Entidad", "Todas") in doc.parametros


# ---- the document --------------------------------------------------------------------------

def test_documento_lleva_las_cifras(datos, analista):
    doc = documento_gestion(_figuras(analista), parametros=[("Desde", "01/01/2026")])
    assert [s.clave for s in doc.secciones] == [
        "resumen", "categorias", "prioridades", "niveles", "entidades", "sla", "tiempos",
        "incumplimientos", "backlog", "tendencia"]
    resumen = doc.secciones[0]
    cifras = {c.titulo: (c.valor, c.formato, c.meta) for c in resumen.cifras}
    assert cifras["Recibidos"] == (8, "entero", None)
    assert cifras["Resueltos en el periodo"][0] == 4
    assert cifras["Abiertos al corte"][0] == 4
    assert cifras["% SLA primera respuesta"] == (66.7, "porcentaje", 100)
    assert cifras["% SLA resolución"] == (50.0, "porcentaje", 100)
    sla = doc.tabla("sla")
    assert sla.filas == [["Primera respuesta", 6, 4, 2, 0, 66.7],
                         ["Contención", 6, 4, 0, 2, 100.0],
                         ["Resolución", 6, 2, 2, 2, 50.0]]
    grafico = doc.secciones[5].graficos[0]
    assert (grafico.meta, grafico.maximo, grafico.formato) == (100, 100, "porcentaje")
    assert doc.tabla("tiempos").filas[2][1:] == [3, 43.0, 35.0]
    assert len(doc.tabla("incumplimientos").filas) == 4
    assert doc.tabla("por-categoria").total[2] == 8
    assert doc.tabla("tendencia").filas[2] == ["mar 2026", 2, 2, 100.0]
    assert doc.tabla("backlog").total == ["Total", 4]


# ---- dashboard figures ---------------------------------------------------------------------

def test_tablero_del_personal(datos, analista, django_assert_max_num_queries):
    ahora = t("2026-06-30 23:30")
    with django_assert_max_num_queries(6):
        tb = tablero_incidentes(usuario=analista, ahora=ahora)
    assert (tb.reportados_hoy, tb.reportados_semana) == (1, 1)  # I7
    # Open now (current state): I4, I7, I10, I11.
    assert tb.abiertos == 4
    assert tb.abiertos_por_estado_sla == {"incumplido": 2, "advertencia": 0, "ok": 2,
                                          "pausado": 0, "cumplido": 0, "sin_iniciar": 0}
    assert tb.abiertos_por_prioridad == {"P1": 1, "P2": 2, "P3": 1, "P4": 0}
    assert tb.incumplimientos_7_dias == 1  # I8's, detected 06-27
    assert tb.top_categorias_30_dias == [("Phishing", 2)]  # I7, I8 (I6 is a duplicate)
    assert tb.mis_abiertos == []


def test_tablero_de_una_entidad(datos, reportante_b, django_assert_max_num_queries):
    ahora = t("2026-06-30 23:30")
    with django_assert_max_num_queries(8):
        tb = tablero_incidentes(usuario=reportante_b, ahora=ahora)
    assert (tb.reportados_hoy, tb.reportados_semana, tb.abiertos) == (0, 0, 3)
    assert tb.abiertos_por_prioridad == {"P1": 0, "P2": 2, "P3": 1, "P4": 0}
    assert tb.incumplimientos_7_dias == 0
    assert [(x.codigo, x.estado, x.vence_sla) for x in tb.mis_abiertos] == [
        (datos[11].codigo, "en_analisis", t("2025-11-05 10:00")),
        (datos[10].codigo, "reportado", t("2026-07-03 11:00")),
        (datos[4].codigo, "en_espera_entidad", None)]


# ---- rendered formats: XLSX (openpyxl), PDF (pdftotext) and the HTML page -----------------

def _hojas(contenido: bytes) -> dict[str, list[list]]:
    import io

    from openpyxl import load_workbook

    libro = load_workbook(io.BytesIO(contenido), data_only=True)
    return {h.title: [list(fila) for fila in h.iter_rows(values_only=True)] for h in libro}


def _fila(hoja: list[list], primera) -> list:
    """The first row that starts with ``primera`` and has more (titles stand alone)."""
    return next(f for f in hoja if f and f[0] == primera and any(v is not None for v in f[1:]))


def _sin_nbsp(texto: str) -> str:
    return texto.replace("\u202f", " ").replace("\u00a0", " ").replace("&nbsp;", " ")


def _documento(usuario):
    from cgii.reportes.registro import obtener

    return obtener("gestion-incidentes").construir(
        usuario=usuario, parametros={"desde": DESDE, "hasta": HASTA, "entidad": None},
        progreso=None)


def test_xlsx_con_numeros_reales(datos, analista):
    from cgii.reportes.xlsx import renderizar_xlsx

    hojas = _hojas(renderizar_xlsx(_documento(analista)))
    resumen = hojas["Resumen"]
    assert _fila(resumen, "Recibidos")[1] == 8
    assert _fila(resumen, "Reportes de vulnerabilidad")[1] == 1
    assert _fila(resumen, "Resueltos en el periodo")[1] == 4
    assert _fila(resumen, "Abiertos al corte")[1] == 4
    assert _fila(resumen, "% SLA primera respuesta")[1] == pytest.approx(0.667)
    assert _fila(resumen, "% SLA resolución")[1] == pytest.approx(0.5)
    sla = hojas["Cumplimiento de SLA"]
    assert _fila(sla, "Primera respuesta")[1:5] == [6, 4, 2, 0]
    assert _fila(sla, "Primera respuesta")[5] == pytest.approx(0.667)
    assert _fila(sla, "Resolución")[1:6] == [6, 2, 2, 2, pytest.approx(0.5)]
    tiempos = hojas["Tiempos medios"]
    assert _fila(tiempos, "Resolución (MTTR)")[1:4] == [3, 43.0, 35.0]
    assert _fila(tiempos, "Primera respuesta (MTTA)")[1:4] == [6, 3.53, 0.86]
    assert _fila(hojas["Tendencia mensual"], "mar 2026")[1:4] == [2, 2, pytest.approx(1.0)]
    assert _fila(hojas["Por prioridad"], "P2")[1:6] == [4, 1, 2, 2, 2]
    assert isinstance(_fila(resumen, "Recibidos")[1], int)


def test_pdf_lleva_las_cifras(datos, analista, tmp_path):
    import subprocess

    from cgii.reportes.pdf import renderizar_pdf

    ruta = tmp_path / "gestion.pdf"
    ruta.write_bytes(renderizar_pdf(_documento(analista)))
    texto = _sin_nbsp(subprocess.run(["/usr/bin/pdftotext", "-layout", str(ruta), "-"],
                                     check=True, capture_output=True, text=True).stdout)
    # Narrow columns wrap an incident code after "CGII-": look for its tail.
    for esperado in ("Informe de gestión de incidentes y vulnerabilidades", "66,7 %", "50 %",
                     "43,0 h", "35,0 h", "Analista de turno sin cobertura",
                     datos[2].codigo.removeprefix("CGII-"), datos[8].codigo.removeprefix("CGII-"),
                     "Phishing", "Sistema vulnerable", "GMPB", "Menos de 7 días"):
        assert esperado in texto, esperado


def test_pagina_html_personal_y_entidad(datos, client, analista, reportante_b):
    from tests.entidades.sesiones import iniciar_sesion_verificada

    iniciar_sesion_verificada(client, analista)
    r = client.get("/reportes/gestion-incidentes/", {"desde": "2026-01-01",
                                                     "hasta": "2026-06-30"})
    assert r.status_code == 200
    html = _sin_nbsp(r.content.decode())
    for esperado in ("66,7 %", "50 %", "43,0 h", datos[2].codigo, "MPA", "GMPB"):
        assert esperado in html, esperado
    r = client.get("/reportes/gestion-incidentes/", {"desde": "2026-06-30",
                                                     "hasta": "2026-01-01"})
    assert r.status_code in (200, 400)
    assert "La fecha final no puede ser anterior a la inicial." in r.content.decode()

    client.force_login(reportante_b)
    assert client.get("/reportes/gestion-incidentes/").status_code == 200
    r = client.get("/reportes/gestion-incidentes/", {"desde": "2026-01-01",
                                                     "hasta": "2026-06-30"})
    assert r.status_code == 200
    html = _sin_nbsp(r.content.decode())
    assert datos[3].codigo in html and "GMPB" in html
    for ajeno in ("MPA", "Ministerio de Pruebas A", datos[2].codigo, datos[8].codigo):
        assert ajeno not in html, ajeno


def test_pdf_en_segundo_plano_solo_con_lo_que_ve_la_entidad(
        datos, client, reportante_b, settings, tmp_path, django_capture_on_commit_callbacks):
    """The report's PDF/XLSX are generated in the background (a year of incidents is a ~5 s
    PDF); the generation runs as the requesting entity user and carries only its incidents."""
    from openpyxl import load_workbook

    from cgii.reportes import services as reportes
    from cgii.reportes.models import ReporteGenerado

    settings.ARCHIVOS_PRIVADOS_DIR = tmp_path / "archivos"
    client.force_login(reportante_b)
    consulta = "desde=2026-01-01&hasta=2026-06-30"
    r = client.get(f"/reportes/gestion-incidentes/descargar/pdf/?{consulta}")
    assert r.status_code == 302  # a GET does not start work: back to the page's button
    with django_capture_on_commit_callbacks(execute=False):
        r = client.post(f"/reportes/gestion-incidentes/generar/?{consulta}",
                        {"formato": "xlsx"}, HTTP_ACCEPT="application/json")
    assert r.status_code == 202
    generado = ReporteGenerado.objects.get(pk=r.json()["id"])
    assert reportes.reporte_generar(generado.pk) == "listo"
    generado.refresh_from_db()
    libro = load_workbook(settings.ARCHIVOS_PRIVADOS_DIR / generado.ruta)
    texto = " ".join(str(c.value) for hoja in libro for fila in hoja.iter_rows() for c in fila
                     if c.value is not None)
    assert datos[3].codigo in texto and "GMPB" in texto
    for ajeno in ("MPA", datos[2].codigo, datos[8].codigo):
        assert ajeno not in texto, ajeno
