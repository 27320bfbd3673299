"""The two SoA rules of issue 23: a minimum control of the national guideline (§6.2.3.2)
cannot be excluded, and every decided SoA line carries its justification, included
controls too (ISO/IEC 27001 6.1.3 d). Services, the grid, the API and the transitions."""

import pytest

from cgii.errores import ErrorValidacion, TransicionInvalida
from planes_seguridad import services
from planes_seguridad.models import Aplicabilidad

from .utiles import completar, crear_plan, llevar_a, recargar

pytestmark = pytest.mark.django_db


@pytest.fixture
def plan_nacional(catalogo_nacional, rsi_a, entidad_a):
    return crear_plan(rsi_a, entidad_a, catalogo="ctic-se-p1")


def _decidir_todo(plan, rsi):
    services.soa_actualizar_lote(actor=rsi, plan_id=plan.pk, cambios=[
        {"id": f.pk, "aplica": True, "justificacion": "Riesgo evaluado."}
        for f in plan.soa.all()])


def test_un_control_minimo_no_puede_excluirse(plan_nacional, rsi_a):
    with pytest.raises(ErrorValidacion, match="control mínimo") as exc:
        services.soa_actualizar(actor=rsi_a, plan_id=plan_nacional.pk, control="1.1.1",
                                aplica=False, justificacion="No firmamos acuerdos.")
    assert exc.value.extra["control"] == "1.1.1"
    assert plan_nacional.soa.get(control__numero="1.1.1").aplica is None  # nothing stored
    # In a batch, one refused row keeps the whole batch out.
    with pytest.raises(ErrorValidacion):
        services.soa_actualizar_lote(actor=rsi_a, plan_id=plan_nacional.pk, cambios=[
            {"control": "1.1.2", "aplica": True, "justificacion": "Sí."},
            {"control": "2.1.1", "aplica": False, "justificacion": "No."}])
    assert plan_nacional.soa.get(control__numero="1.1.2").aplica is None
    # A control that is not minimum may be excluded (with its reason).
    fila = services.soa_actualizar(actor=rsi_a, plan_id=plan_nacional.pk, control="2.1.2",
                                   aplica=False, justificacion="Sin criptografía propia.")
    assert fila.aplica is False


def test_justificacion_obligatoria_tambien_para_los_incluidos(plan, rsi_a):
    with pytest.raises(ErrorValidacion, match="justificación de su inclusión"):
        services.soa_actualizar(actor=rsi_a, plan_id=plan.pk, control="5.1.1", aplica=True)
    with pytest.raises(ErrorValidacion, match="justificación de su exclusión"):
        services.soa_actualizar(actor=rsi_a, plan_id=plan.pk, control="5.1.1", aplica=False)
    fila = services.soa_actualizar(actor=rsi_a, plan_id=plan.pk, control="5.1.1", aplica=True,
                                   justificacion="Exigida por los lineamientos.")
    assert (fila.aplica, fila.justificacion) == (True, "Exigida por los lineamientos.")
    with pytest.raises(ErrorValidacion):  # nor may it be removed afterwards
        services.soa_actualizar(actor=rsi_a, plan_id=plan.pk, control="5.1.1", justificacion="")


def test_una_fila_anterior_sin_justificacion_deja_registrar_avance_pero_no_presentar(
        plan, rsi_a):
    plan = completar(plan, rsi_a)
    # A row decided before the rule existed (no justification): progress is still recorded…
    Aplicabilidad.objects.filter(plan=plan, control__numero="12.3.1").update(justificacion="")
    fila = services.soa_actualizar(actor=rsi_a, plan_id=plan.pk, control="12.3.1",
                                   estado_implementacion="en_proceso", madurez=2)
    assert fila.madurez == 2
    # …but the SoA is incomplete until it gets one.
    with pytest.raises(TransicionInvalida, match="inclusión o exclusión") as exc:
        services.plan_transicionar(actor=rsi_a, plan_id=plan.pk, transicion="presentar")
    assert len(exc.value.extra["condiciones"]) == 1
    services.soa_actualizar(actor=rsi_a, plan_id=plan.pk, control="12.3.1",
                            justificacion="Copias de respaldo de los sistemas.")
    assert services.plan_transicionar(actor=rsi_a, plan_id=plan.pk,
                                      transicion="presentar").estado == "presentado"


def test_un_minimo_sin_decidir_bloquea_presentar_y_dar_conformidad(plan_nacional, rsi_a,
                                                                  auditor):
    _decidir_todo(plan_nacional, rsi_a)
    plan = completar(plan_nacional, rsi_a, no_aplican=())
    services.soa_actualizar(actor=rsi_a, plan_id=plan.pk, control="2.1.1", aplica=None)
    with pytest.raises(TransicionInvalida) as exc:
        services.plan_transicionar(actor=rsi_a, plan_id=plan.pk, transicion="presentar")
    assert any("controles mínimos" in c for c in exc.value.extra["condiciones"])
    services.soa_actualizar(actor=rsi_a, plan_id=plan.pk, control="2.1.1", aplica=True)
    plan = llevar_a(recargar(plan), "en_revision", rsi_a, auditor)
    assert plan.estado == "en_revision"


def test_la_grilla_marca_el_minimo_y_la_justificacion_sin_guardar_nada(plan_nacional, rsi_a,
                                                                      client):
    from tests.entidades.sesiones import ingresar

    c = ingresar(client, rsi_a)
    url = f"/pisi/{plan_nacional.pk}/aplicabilidad/"
    pagina = c.get(url).content.decode()
    assert "Mínimo" in pagina  # the badge on the minimum controls
    filas = {f.control.numero: f for f in plan_nacional.soa.select_related("control")}
    f1, f2 = filas["1.1.1"], filas["1.1.2"]
    base = {"filas": [f1.pk, f2.pk], f"e-{f1.pk}": "no_iniciado", f"m-{f1.pk}": "0",
            f"e-{f2.pk}": "no_iniciado", f"m-{f2.pk}": "0"}
    r = c.post(url, {**base, f"a-{f1.pk}": "no", f"j-{f1.pk}": "No aplica.",
                     f"a-{f2.pk}": "si", f"j-{f2.pk}": ""})
    errores = {f["f"].control.numero: f["err"] for f in r.context["filas"]}
    assert errores == {"1.1.1": ["minimo"], "1.1.2": ["justificacion"]}
    assert not plan_nacional.soa.filter(aplica__isnull=False).exists()


def test_la_api_responde_400_con_el_mismo_motivo(plan_nacional, rsi_a, api):
    fila = plan_nacional.soa.get(control__numero="2.1.1")
    r = api(rsi_a).patch(f"/api/v1/pisi/planes/{plan_nacional.pk}/soa/{fila.pk}/",
                         {"aplica": False, "justificacion": "No."}, format="json")
    assert r.status_code == 400 and "control mínimo" in r.json()["message"]
    r = api(rsi_a).patch(f"/api/v1/pisi/planes/{plan_nacional.pk}/soa/",
                         {"cambios": [{"control": "1.1.2", "aplica": True}]}, format="json")
    assert r.status_code == 400 and "inclusión" in r.json()["message"]


def test_migrar_nunca_excluye_un_minimo(catalogo_nacional, rsi_a, entidad_a):
    plan = crear_plan(rsi_a, entidad_a)  # ISO/IEC 27002:2013
    services.soa_actualizar_lote(actor=rsi_a, plan_id=plan.pk, cambios=[
        {"control": "12.3.1", "aplica": False, "justificacion": "Respaldo tercerizado."},
        {"control": "7.2.2", "aplica": True, "justificacion": "Capacitación anual."}])
    services.plan_migrar_catalogo(actor=rsi_a, plan_id=plan.pk, catalogo="ctic-se-p1")
    filas = {f.control.numero: f for f in plan.soa.select_related("control")}
    # 2.1.1 is minimum: its only source was excluded, so it stays to be decided, with the
    # source's reason kept for whoever decides it.
    assert filas["2.1.1"].aplica is None and "Respaldo tercerizado" in filas["2.1.1"].justificacion
    assert filas["1.1.2"].aplica is True and "Capacitación anual" in filas["1.1.2"].justificacion
