"""PISI compliance and national reports (issue 8 §1, §2) on a small hand-built fixture.

Entity A (MPA, central) has a plan in force with one closed follow-up period whose review is
chosen so that every figure is easy to compute by hand; all other applicable controls are
reviewed «no aplica» (excluded from the score):

    control  peso  resultado             evidencia aprobada
    5.1.1    2     cumple                sí
    5.1.2    1     cumple_parcialmente   no
    6.1.1    1     no_cumple             no
    6.1.2    1     cumple                no

    dominio 5: (2×1 + 1×0,5) / (2 + 1) = 2,5 / 3 = 83,3 %
    dominio 6: (1×0 + 1×1) / (1 + 1)   = 1 / 2   = 50,0 %
    total:     (2 + 0,5 + 0 + 1) / (2 + 1 + 1 + 1) = 3,5 / 5 = 70,0 %
    evidence coverage: 1 of 4 assessed = 25,0 %; «cumple» without evidence: 6.1.2

Schedule (cut-off C = 31 December of the current year; days before C):
    A1 end C−30, finished C−40 (on time)      A4 end C−15, progress 100 %, no actual end
    A2 end C−20, 50 %          → 20 days late   A5 end C+60 (not due)
    A3 end C−60, 0 %           → 60 days late   A6 end C−4, finished C−2 (late, by the cut-off)
    A7 end C−10, 0 %           → 10 days late
    due 6, completed 3 (50,0 %), on time 1, overdue 3: median 20, max 60 days.

Findings: a major non-conformity closed after 4 days, an observation closed after 10 days,
an observation open → 2 closed, 1 open, mean time to close 7,0 days.

National (gestión = current year): central entities MPA (vigente), MPC (vigente, no
follow-up period) and MPD (borrador) → 2 of 3 = 66,7 %; GMPB (municipal) has no plan.
"""

from datetime import date, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from cgii.errores import NoEncontrado, PermisoDenegado
from cgii.reportes import registro
from planes_seguridad import services
from planes_seguridad.models import Aplicabilidad, Hallazgo
from planes_seguridad.reportes import tablero
from planes_seguridad.reportes.cumplimiento import figuras_cumplimiento
from planes_seguridad.reportes.documentos import documento_cumplimiento, documento_nacional
from planes_seguridad.reportes.formularios import CumplimientoForm, NacionalForm
from planes_seguridad.reportes.nacional import figuras_nacional
from tests.factories import crear_entidad, crear_usuario

from .utiles import crear_plan, llevar_a, sin_cronograma_de_prueba

pytestmark = pytest.mark.django_db

RESULTADOS = {"5.1.1": "cumple", "5.1.2": "cumple_parcialmente", "6.1.1": "no_cumple",
              "6.1.2": "cumple"}


def gestion() -> int:
    return timezone.localdate().year


def corte() -> date:
    return date(gestion(), 12, 31)


def _revisar_y_cerrar(plan, periodo, rsi, auditor, resultados):
    services.periodo_transicionar(actor=rsi, plan_id=plan.pk, periodo_id=periodo.pk,
                                  transicion="presentar")
    aplicables = plan.soa.filter(aplica=True).select_related("control")
    services.controles_revisar(actor=auditor, plan_id=plan.pk, periodo_id=periodo.pk,
                               revisiones=[{"control": f.control.numero,
                                            "resultado": resultados.get(f.control.numero,
                                                                        "no_aplica")}
                                           for f in aplicables])
    return services.periodo_transicionar(actor=auditor, plan_id=plan.pk, periodo_id=periodo.pk,
                                         transicion="cerrar")


def _actividad(plan, rsi, titulo, fin, **campos):
    return services.actividad_crear(actor=rsi, plan_id=plan.pk, titulo=titulo,
                                    inicio_planificado=fin - timedelta(days=90),
                                    fin_planificado=fin, **campos)


@pytest.fixture
def escenario(catalogos_pisi, entidad_a, entidad_b, rsi_a, auditor):
    C = corte()
    plan = llevar_a(crear_plan(rsi_a, entidad_a, gestion=gestion()), "vigente", rsi_a, auditor)
    sin_cronograma_de_prueba(plan, rsi_a)  # the schedule below is the one counted
    # Weights are SoA data (setup only: the services do not edit them).
    Aplicabilidad.objects.filter(plan=plan, control__numero="5.1.1").update(peso=2)
    ev = services.evidencia_enlazar(actor=rsi_a, plan_id=plan.pk, titulo="Política publicada",
                                    url="https://intranet.mpa.gob.bo/politica", control="5.1.1")
    services.evidencia_cambiar_estado(actor=rsi_a, plan_id=plan.pk, evidencia_id=ev.pk,
                                      accion="presentar")
    services.evidencia_cambiar_estado(actor=auditor, plan_id=plan.pk, evidencia_id=ev.pk,
                                      accion="aprobar")
    d = timedelta
    _actividad(plan, rsi_a, "A1", C - d(30), inicio_real=C - d(100), fin_real=C - d(40),
               avance=100)
    _actividad(plan, rsi_a, "A2", C - d(20), avance=50)
    _actividad(plan, rsi_a, "A3", C - d(60))
    _actividad(plan, rsi_a, "A4", C - d(15), avance=100)
    _actividad(plan, rsi_a, "A5", C + d(60))
    _actividad(plan, rsi_a, "A6", C - d(4), inicio_real=C - d(50), fin_real=C - d(2),
               avance=100)
    _actividad(plan, rsi_a, "A7", C - d(10))
    periodo = services.periodo_abrir(actor=auditor, plan_id=plan.pk, fecha_corte=C,
                                     nombre="Seguimiento anual")
    h1 = services.hallazgo_registrar(actor=auditor, plan_id=plan.pk,
                                     grado="no_conformidad_mayor",
                                     descripcion="Sin respaldos probados.", control="6.1.1")
    h2 = services.hallazgo_registrar(actor=auditor, plan_id=plan.pk, grado="observacion",
                                     descripcion="Política sin revisión anual.")
    services.hallazgo_registrar(actor=auditor, plan_id=plan.pk, grado="observacion",
                                descripcion="Inventario desactualizado.")
    services.hallazgo_cerrar(actor=auditor, plan_id=plan.pk, hallazgo_id=h1.pk,
                             comentario="Respaldos probados.")
    services.hallazgo_cerrar(actor=auditor, plan_id=plan.pk, hallazgo_id=h2.pk,
                             comentario="Política revisada.")
    # Recorded instants chosen so that the durations are round (setup only).
    t0 = timezone.now() - d(30)
    Hallazgo.objects.filter(pk=h1.pk).update(creado=t0, cerrado_en=t0 + d(4))
    Hallazgo.objects.filter(pk=h2.pk).update(creado=t0, cerrado_en=t0 + d(10))
    periodo = _revisar_y_cerrar(plan, periodo, rsi_a, auditor, RESULTADOS)

    entidad_c = crear_entidad(nombre="Ministerio de Pruebas C", sigla="MPC")
    rsi_c = crear_usuario(username="rsi_c", entidad=entidad_c, rol_entidad="rsi")
    plan_c = llevar_a(crear_plan(rsi_c, entidad_c, gestion=gestion()), "vigente", rsi_c, auditor)
    entidad_d = crear_entidad(nombre="Ministerio de Pruebas D", sigla="MPD",
                              tipo="descentralizada")
    rsi_d = crear_usuario(username="rsi_d", entidad=entidad_d, rol_entidad="rsi")
    plan_d = crear_plan(rsi_d, entidad_d, gestion=gestion())
    return {"plan": plan, "periodo": periodo, "plan_c": plan_c, "plan_d": plan_d,
            "rsi_c": rsi_c}


# ---- entity compliance -------------------------------------------------------------------

def test_cumplimiento_por_dominio_y_total(escenario, rsi_a):
    f = figuras_cumplimiento(usuario=rsi_a, plan_id=escenario["plan"].pk)
    assert f.periodo.id == escenario["periodo"].pk  # default: the latest closed period
    dominios = {d.numero: d for d in f.dominios}
    assert dominios["5"].cumplimiento == 83.3
    assert (dominios["5"].evaluados, dominios["5"].cumple, dominios["5"].parcial) == (2, 1, 1)
    assert dominios["6"].cumplimiento == 50.0
    assert dominios["7"].cumplimiento is None  # every control «no aplica»
    assert f.cumplimiento == 70.0
    assert f.total.evaluados == 4
    # Evidence coverage: 1 of the 4 assessed controls.
    assert f.evidencia.porcentaje == 25.0
    assert (f.evidencia.evaluados, f.evidencia.con_evidencia) == (4, 1)
    assert [c.numero for c in f.evidencia.cumple_sin_evidencia] == ["6.1.2"]
    assert dominios["5"].cobertura == 50.0 and dominios["6"].cobertura == 0.0
    # SoA: 18.1.5 excluded with its justification.
    assert (f.total.controles, f.total.aplicables, f.total.excluidos) == (114, 113, 1)
    assert [(e.numero, e.justificacion) for e in f.exclusiones] == [
        ("18.1.5", "La entidad no usa criptografía propia.")]
    # Trend: one closed period, same score.
    assert [p["cumplimiento"] for p in f.tendencia] == [70.0]


def test_cronograma_al_corte(escenario, rsi_a):
    c = figuras_cumplimiento(usuario=rsi_a, plan_id=escenario["plan"].pk).cronograma
    assert c.corte == corte()
    assert (c.total, c.vencen, c.terminadas, c.terminadas_a_tiempo) == (7, 6, 3, 1)
    assert c.porcentaje == 50.0
    assert c.atrasadas == 3
    assert (c.mediana_dias, c.maximo_dias) == (20.0, 60)
    assert [(a.titulo, a.dias) for a in c.detalle] == [("A3", 60), ("A2", 20), ("A7", 10)]


def test_gobernanza_y_hallazgos(escenario, rsi_a):
    f = figuras_cumplimiento(usuario=rsi_a, plan_id=escenario["plan"].pk)
    items = {i.clave: i for i in f.gobernanza}
    assert all(i.ok for i in items.values())
    assert items["comite"].detalle == "2 miembro(s)"
    assert items["politica"].detalle == "Aprobada el 15/01/2027"
    assert "RM-045/2027" in items["aprobacion"].detalle
    assert f"corte 31/12/{gestion()}" in items["seguimiento"].detalle
    h = f.hallazgos
    assert (h.total, h.abiertos, h.cerrados) == (3, 1, 2)
    assert h.promedio_dias_cierre == 7.0
    grados = {g.grado: (g.abiertos, g.cerrados) for g in h.por_grado}
    assert grados["no_conformidad_mayor"] == (0, 1)
    assert grados["observacion"] == (1, 1)


def test_sin_periodo_cerrado_y_seguimiento_tardio(escenario, auditor):
    """MPC's plan has no closed period: no score, follow-up not on time; the SoA still
    shows. A period closed after its cut-off is «not on time»."""
    rsi_c = escenario["rsi_c"]
    f = figuras_cumplimiento(usuario=rsi_c, plan_id=escenario["plan_c"].pk)
    assert f.periodo is None and f.cumplimiento is None
    assert f.total.excluidos == 1
    assert {i.clave: i.ok for i in f.gobernanza}["seguimiento"] is False
    plan_c = escenario["plan_c"]
    ayer = timezone.localdate() - timedelta(days=1)
    periodo = services.periodo_abrir(actor=auditor, plan_id=plan_c.pk, fecha_corte=ayer)
    _revisar_y_cerrar(plan_c, periodo, rsi_c, auditor, {"5.1.1": "cumple"})
    f = figuras_cumplimiento(usuario=rsi_c, plan_id=plan_c.pk, periodo_id=periodo.pk)
    assert f.cumplimiento == 100.0
    item = {i.clave: i for i in f.gobernanza}["seguimiento"]
    assert item.ok is False and "Presentado el" in item.detalle


def test_otra_entidad_no_ve_el_plan(escenario, rsi_b, rsi_a):
    with pytest.raises(NoEncontrado):
        figuras_cumplimiento(usuario=rsi_b, plan_id=escenario["plan"].pk)
    # A period of another plan is not found either.
    with pytest.raises(NoEncontrado):
        figuras_cumplimiento(usuario=rsi_a, plan_id=escenario["plan"].pk,
                             periodo_id=escenario["periodo"].pk + 10_000)
    form = CumplimientoForm({"plan": escenario["plan"].pk}, usuario=rsi_b)
    assert not form.is_valid() and "plan" in form.errors


def test_formulario_cumplimiento(escenario, rsi_a, auditor):
    plan = escenario["plan"]
    form = CumplimientoForm({"plan": str(plan.pk)}, usuario=rsi_a)
    assert form.is_valid(), form.errors
    assert form.cleaned_data == {"plan": plan.pk, "periodo": None}
    form = CumplimientoForm({"plan": plan.pk, "periodo": escenario["periodo"].pk}, usuario=auditor)
    assert form.is_valid() and form.cleaned_data["periodo"] == escenario["periodo"].pk
    # A period of another plan (or an open one) is refused.
    otro = services.periodo_abrir(actor=auditor, plan_id=escenario["plan_c"].pk)
    form = CumplimientoForm({"plan": plan.pk, "periodo": otro.pk}, usuario=auditor)
    assert not form.is_valid() and "periodo" in form.errors
    form = CumplimientoForm({"plan": escenario["plan_c"].pk, "periodo": otro.pk},
                            usuario=auditor)
    assert not form.is_valid() and "periodo" in form.errors


def test_consultas_constantes_cumplimiento(escenario, rsi_a, django_assert_max_num_queries):
    figuras_cumplimiento(usuario=rsi_a, plan_id=escenario["plan"].pk)
    with CaptureQueriesContext(connection) as ctx:
        figuras_cumplimiento(usuario=rsi_a, plan_id=escenario["plan"].pk)
    assert len(ctx.captured_queries) <= 20


def test_documento_cumplimiento(escenario, rsi_a):
    doc = documento_cumplimiento(figuras_cumplimiento(usuario=rsi_a,
                                                      plan_id=escenario["plan"].pk))
    assert doc.nombre_archivo == f"cumplimiento-mpa-{gestion()}-{gestion()}1231"
    dominios = doc.tabla("dominios")
    fila5 = next(f for f in dominios.filas if f[0] == "5")
    assert fila5[7] == 83.3 and fila5[8] == 50.0
    assert dominios.total[7] == 70.0 and dominios.total[8] == 25.0
    assert doc.tabla("cumple-sin-evidencia").filas[0][0] == "6.1.2"
    assert [f[3] for f in doc.tabla("actividades-atrasadas").filas] == [60, 20, 10]


# ---- national ----------------------------------------------------------------------------

def test_nacional(escenario, auditor):
    progreso = []
    f = figuras_nacional(usuario=auditor, gestion=gestion(),
                         progreso=lambda p, t: progreso.append(p))
    assert progreso == sorted(progreso) and len(progreso) >= 4
    assert (f.centrales, f.centrales_aprobados, f.porcentaje_aprobados) == (3, 2, 66.7)
    niveles = {d.clave: (d.total, d.aprobados, d.porcentaje) for d in f.por_nivel}
    assert niveles == {"central": (3, 2, 66.7), "municipal": (1, 0, 0.0)}
    tipos = {d.clave: (d.total, d.aprobados) for d in f.por_tipo}
    assert tipos["ministerio"] == (2, 2) and tipos["descentralizada"] == (1, 0)
    assert dict((e, n) for e, _l, n in f.por_estado) == {"vigente": 2, "borrador": 1}
    assert f.sin_plan == 1
    # Distribution: MPA's 70,0 % in the 70–80 bucket.
    assert dict(f.distribucion)["70–80 %"] == 1 and f.con_puntaje == 1
    assert f.promedio_cumplimiento == 70.0
    (mapa,) = f.mapas
    assert mapa.codigo == "iso27002-2013"
    (fila,) = mapa.filas
    assert (fila.sigla, fila.por_dominio["5"], fila.por_dominio["6"]) == ("MPA", 83.3, 50.0)
    assert [(d.numero, d.promedio) for _c, d in f.debiles] == [("6", 50.0), ("5", 83.3)]
    assert [(s.sigla, s.fecha_corte) for s in f.sin_seguimiento] == [("MPC", None)]
    assert [(e.sigla, e.cumplimiento, e.cobertura) for e in f.ranking] == [("MPA", 70.0, 25.0)]
    doc = documento_nacional(f)
    assert doc.nombre_archivo == f"pisi-nacional-{gestion()}"
    cifra = doc.secciones[0].cifras[0]
    assert (cifra.valor, cifra.meta, cifra.formato) == (66.7, 100, "porcentaje")
    assert doc.tabla("ranking").filas[0][1:4] == ["MPA", 70.0, 25.0]
    (mapa_doc,) = [s for s in doc.secciones if s.clave == "mapa-iso27002-2013"]
    assert mapa_doc.graficos[0].series[0].nombre == "MPA"


def test_nacional_solo_personal_cgii(escenario, rsi_a, analista):
    tipo = registro.obtener("nacional")
    assert tipo.asincrono and not tipo.puede_ver(rsi_a)
    assert tipo.puede_ver(analista)
    with pytest.raises(PermisoDenegado):
        figuras_nacional(usuario=rsi_a, gestion=gestion())
    cumplimiento = registro.obtener("cumplimiento-entidad")
    assert cumplimiento.puede_ver(rsi_a) and cumplimiento.orden < tipo.orden


def test_formulario_nacional(auditor):
    form = NacionalForm(usuario=auditor)
    assert form["gestion"].value() == timezone.localdate().year
    form = NacionalForm({"gestion": "2026"}, usuario=auditor)
    assert form.is_valid() and form.cleaned_data == {"gestion": 2026}


def _sembrar(n: int, g: int, catalogo, desde: int = 0):
    """n central entities with a plan in force and one closed period with a 3-row snapshot
    (rows inserted directly: only the query count is under test here)."""
    from planes_seguridad.models import PeriodoSeguimiento, PlanInstitucional, SnapshotControl

    for i in range(desde, desde + n):
        ent = crear_entidad(sigla=f"QC{i}", nombre=f"Entidad de consultas {i}")
        plan = PlanInstitucional.objects.create(entidad=ent, gestion=g, catalogo=catalogo,
                                                estado="vigente")
        per = PeriodoSeguimiento.objects.create(plan=plan, nombre="P", estado="cerrado",
                                                fecha_corte=date(g, 6, 30))
        SnapshotControl.objects.bulk_create([SnapshotControl(
            periodo=per, control_numero=f"{dom}.1", control_titulo="t", dominio_numero=dom,
            dominio_titulo=f"D{dom}", orden=k, aplica=True, estado_implementacion="en_proceso",
            madurez=1, resultado="cumple", puntaje=1, peso=1, evidencias_aprobadas=0,
            evidencia_presente=False, hallazgos_abiertos=0) for k, dom in enumerate("567")])


def test_nacional_consultas_constantes(catalogos_pisi, auditor):
    from planes_seguridad.models import CatalogoControles

    cat = CatalogoControles.objects.get(codigo="iso27002-2013")
    g = gestion()
    _sembrar(2, g, cat)
    figuras_nacional(usuario=auditor, gestion=g)
    with CaptureQueriesContext(connection) as dos:
        f = figuras_nacional(usuario=auditor, gestion=g)
    assert f.con_puntaje == 2
    _sembrar(4, g, cat, desde=2)
    with CaptureQueriesContext(connection) as seis:
        f = figuras_nacional(usuario=auditor, gestion=g)
    assert f.con_puntaje == 6 and f.promedio_cumplimiento == 100.0
    # Five, plus the risk section's four (matrix, assets, scenarios, residual heat map).
    assert len(dos.captured_queries) == len(seis.captured_queries) <= 10


# ---- dashboard ---------------------------------------------------------------------------

def test_tablero(escenario, auditor, rsi_a, rsi_b):
    a = tablero.avance_pisi_nacional(usuario=auditor, gestion=gestion())
    assert (a.porcentaje_aprobados, a.meta, a.promedio_cumplimiento) == (66.7, 100, 70.0)
    assert dict((e, n) for e, _l, n in a.por_estado) == {"vigente": 2, "borrador": 1}
    with pytest.raises(PermisoDenegado):
        tablero.avance_pisi_nacional(usuario=rsi_a, gestion=gestion())
    (e,) = tablero.estado_plan_entidad(usuario=rsi_a)
    assert (e.plan_id, e.estado, e.en_vigencia) == (escenario["plan"].pk, "vigente", True)
    assert e.cumplimiento == 70.0 and e.hallazgos_abiertos == 1
    hoy = timezone.localdate()
    esperadas = sum(1 for fin, hecha in [(corte() - timedelta(30), True),
                                         (corte() - timedelta(20), False),
                                         (corte() - timedelta(60), False),
                                         (corte() - timedelta(15), True),
                                         (corte() + timedelta(60), False),
                                         (corte() - timedelta(4), True),
                                         (corte() - timedelta(10), False)]
                    if fin < hoy and not hecha)
    assert e.actividades_atrasadas == esperadas
    assert tablero.estado_plan_entidad(usuario=rsi_b) == []
    with CaptureQueriesContext(connection) as ctx:
        tablero.estado_plan_entidad(usuario=rsi_a)
    assert len(ctx.captured_queries) <= 8


# ---- the entity's incidents (incidentes.reportes.figuras) --------------------------------

def test_incidentes_de_la_entidad_en_el_periodo(escenario, catalogos, rsi_a, rsi_b, entidad_a,
                                                entidad_b, analista):
    from tests.incidentes.utiles import clasificar, reportar

    clasificar(reportar(rsi_a, entidad_a), analista)
    reportar(rsi_b, entidad_b)  # another entity: not counted
    f = figuras_cumplimiento(usuario=rsi_a, plan_id=escenario["plan"].pk)
    # The period runs from the plan's validity start (today) to its cut-off.
    assert (f.incidentes_desde, f.incidentes_hasta) == (timezone.localdate(), corte())
    assert f.incidentes.recibidos == 1
    assert sum(n for _c, n in f.incidentes.por_categoria) == 1
    assert set(f.incidentes.sla) == {"acuse", "contencion", "resolucion"}
    assert f.incidentes.sla["acuse"].total == 1
    doc = documento_cumplimiento(f)
    assert sum(fila[1] for fila in doc.tabla("incidentes-categoria").filas) == 1
    assert [fila[1] for fila in doc.tabla("incidentes-sla").filas] == [1, 1, 1]


# ---- rendered formats: XLSX (openpyxl), PDF (pdftotext) and the HTML page -----------------

def _hojas(contenido: bytes) -> dict[str, list[list]]:
    import io

    from openpyxl import load_workbook

    libro = load_workbook(io.BytesIO(contenido), data_only=True)
    return {h.title: [list(fila) for fila in h.iter_rows(values_only=True)] for h in libro}


def _fila(hoja: list[list], primera) -> list:
    """The first row that starts with ``primera`` and has more (sheet titles stand alone)."""
    return next(f for f in hoja if f and f[0] == primera and any(v is not None for v in f[1:]))


def _texto_pdf(contenido: bytes, tmp_path) -> str:
    import subprocess

    ruta = tmp_path / "informe.pdf"
    ruta.write_bytes(contenido)
    texto = subprocess.run(["/usr/bin/pdftotext", "-layout", str(ruta), "-"], check=True,
                           capture_output=True, text=True).stdout
    # Narrow/normal no-break spaces (thousands, "83,3 %") as plain spaces.
    return texto.replace("\u202f", " ").replace("\u00a0", " ")


def test_xlsx_cumplimiento(escenario, rsi_a):
    from cgii.reportes.xlsx import renderizar_xlsx

    doc = documento_cumplimiento(figuras_cumplimiento(usuario=rsi_a,
                                                      plan_id=escenario["plan"].pk))
    hojas = _hojas(renderizar_xlsx(doc))
    dominios = hojas["Implementación por dominio"]
    fila5 = _fila(dominios, "5")
    assert fila5[2:7] == [2, 1, 1, 0, 0]
    assert fila5[7] == pytest.approx(0.833) and fila5[8] == pytest.approx(0.5)
    assert _fila(dominios, "6")[7] == pytest.approx(0.5)
    total = _fila(dominios, "Total")
    assert total[7] == pytest.approx(0.70) and total[8] == pytest.approx(0.25)
    cronograma = hojas["Cumplimiento del cronograma"]
    assert _fila(cronograma, "Vencidas terminadas")[1] == pytest.approx(0.5)
    assert _fila(cronograma, "Mediana de días de atraso")[1] == 20.0
    assert _fila(cronograma, "Máximo de días de atraso")[1] == 60
    assert _fila(cronograma, "Actividades atrasadas")[1] == 3
    evidencia = hojas["Cobertura de evidencia"]
    assert _fila(evidencia, "Cobertura de evidencia")[1] == pytest.approx(0.25)
    assert _fila(evidencia, "6.1.2")[0] == "6.1.2"
    assert _fila(hojas["Hallazgos"], "Tiempo medio de cierre")[1] == 7.0


def test_xlsx_nacional(escenario, auditor):
    from cgii.reportes.xlsx import renderizar_xlsx

    hojas = _hojas(renderizar_xlsx(documento_nacional(
        figuras_nacional(usuario=auditor, gestion=gestion()))))
    aprobados = hojas["PISI aprobados"]
    fila = _fila(aprobados, "Entidades del nivel central con PISI aprobado")
    assert fila[1] == pytest.approx(0.667) and fila[2] == pytest.approx(1.0)
    assert _fila(aprobados, "Nivel central")[1:4] == [3, 2, pytest.approx(0.667)]
    # Ranking: the evidence coverage beside the score.
    ranking = hojas["Ranking de cumplimiento"]
    assert _fila(ranking, 1) == [1, "MPA", pytest.approx(0.70), pytest.approx(0.25)]
    # Heatmap values: total, then one column per domain (— when nothing was scored).
    mapa = next(h for nombre, h in hojas.items() if nombre.startswith("Mapa de calor"))
    cabecera = _fila(mapa, "Entidad")
    fila = dict(zip(cabecera, _fila(mapa, "MPA"), strict=True))
    assert fila["Total"] == pytest.approx(0.70)
    assert fila["5"] == pytest.approx(0.833) and fila["6"] == pytest.approx(0.5)
    assert fila["7"] is None


def test_pdf_cumplimiento_y_nacional(escenario, rsi_a, auditor, tmp_path):
    from cgii.reportes.pdf import renderizar_pdf

    doc = documento_cumplimiento(figuras_cumplimiento(usuario=rsi_a,
                                                      plan_id=escenario["plan"].pk))
    texto = _texto_pdf(renderizar_pdf(doc), tmp_path)
    for esperado in ("83,3 %", "70 %", "25 %", "6.1.2", "20,0 días", "60,0 días", "7,0 días",
                     "RM-045/2027", "18.1.5"):
        assert esperado in texto, esperado
    texto = _texto_pdf(renderizar_pdf(documento_nacional(
        figuras_nacional(usuario=auditor, gestion=gestion()))), tmp_path)
    for esperado in ("66,7 %", "MPA", "MPC", "83,3 %"):
        assert esperado in texto, esperado


def test_pagina_html(escenario, client, rsi_a, rsi_b, auditor):
    from tests.entidades.sesiones import iniciar_sesion_verificada

    client.force_login(rsi_a)
    r = client.get("/reportes/cumplimiento-entidad/", {"plan": escenario["plan"].pk})
    assert r.status_code == 200
    html = r.content.decode().replace("\u202f", " ").replace("\u00a0", " ").replace(
        "&nbsp;", " ")
    for esperado in ("83,3 %", "70 %", "25 %", "6.1.2", "20,0 días"):
        assert esperado in html, esperado
    # Opened with no query: the entity's plan in force is the default.
    assert client.get("/reportes/cumplimiento-entidad/").status_code == 200
    # The national report does not exist for an entity user.
    assert client.get("/reportes/nacional/").status_code == 404
    # Another entity's plan is not offered (the same answer as an unknown id).
    client.force_login(rsi_b)
    r = client.get("/reportes/cumplimiento-entidad/", {"plan": escenario["plan"].pk})
    assert r.status_code in (400, 404) and b"83,3" not in r.content
    iniciar_sesion_verificada(client, auditor)
    r = client.get("/reportes/nacional/", {"gestion": gestion()})
    assert r.status_code == 200
    html = r.content.decode().replace("\u202f", " ").replace("\u00a0", " ").replace(
        "&nbsp;", " ")
    assert "66,7 %" in html and "MPA" in html


def test_nacional_en_segundo_plano(escenario, auditor, django_capture_on_commit_callbacks):
    """The national report is asynchronous: the generic background generation builds it with
    a progress callback and stores the XLSX."""
    from cgii.reportes import services as reportes

    with django_capture_on_commit_callbacks(execute=False) as tareas:
        reporte = reportes.reporte_solicitar(usuario=auditor, tipo="nacional",
                                             parametros={"gestion": str(gestion())},
                                             formato="xlsx")
    # The Celery task is scheduled after commit (with the outbox dispatch).
    assert any("generar" in repr(t) for t in tareas)
    assert reportes.reporte_generar(reporte.pk) == "listo"
    reporte.refresh_from_db()
    assert (reporte.estado, reporte.progreso) == ("listo", 100)
    assert reporte.nombre == f"pisi-nacional-{gestion()}.xlsx" and reporte.tamano > 0
