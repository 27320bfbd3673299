"""A real review (issue 23): rounds opened and closed by the transitions, observations per
section and per control answered by the entity and addressed or reopened by CGII, the diff
since the last round, and conformity refused by its checklist with every reason."""

import pytest

from cgii.entidades.models import Membresia
from cgii.errores import ErrorValidacion, PermisoDenegado, TransicionInvalida
from planes_seguridad import selectors, services
from tests.entidades.sesiones import ingresar
from tests.factories import crear_usuario

from .utiles import llevar_a, recargar

pytestmark = pytest.mark.django_db


def _transicionar(plan, actor, transicion, **kw):
    return services.plan_transicionar(actor=actor, plan_id=plan.pk, transicion=transicion, **kw)


def _observar_y_devolver(plan, auditor):
    """Round 1: one observation per section, one per control, then observar."""
    general = services.observacion_registrar(
        actor=auditor, plan_id=plan.pk, seccion="riesgos",
        texto="El registro no cubre los servicios en línea.")
    por_control = services.observacion_registrar(
        actor=auditor, plan_id=plan.pk, seccion="general", control="12.3.1",
        texto="La justificación no menciona las pruebas de restauración.")
    _transicionar(plan, auditor, "observar")
    return general, por_control


def test_las_rondas_se_abren_y_cierran_con_las_transiciones(plan, rsi_a, auditor):
    plan = llevar_a(plan, "en_revision", rsi_a, auditor)
    (ronda,) = selectors.rondas_de(plan=plan)
    assert (ronda.numero, ronda.cerrada_en, ronda.resultado) == (1, None, "")
    assert "12.3.1" in ronda.instantanea["soa"] and ronda.instantanea["riesgos"]
    general, por_control = _observar_y_devolver(plan, auditor)
    ronda = plan.rondas.get()
    assert ronda.resultado == "observado" and ronda.cerrada_en is not None
    # The per-control observation belongs to the SoA section and names its row.
    assert (por_control.seccion, por_control.aplicabilidad.control.numero) == ("soa", "12.3.1")
    for obs in (general, por_control):
        services.observacion_responder(actor=rsi_a, plan_id=plan.pk, observacion_id=obs.pk,
                                       respuesta="Corregido en la versión presentada.")
    _transicionar(plan, rsi_a, "presentar")
    _transicionar(plan, auditor, "iniciar_revision")
    for obs in (general, por_control):
        services.observacion_atender(actor=auditor, plan_id=plan.pk, observacion_id=obs.pk,
                                     atendida=True)
    plan = _transicionar(plan, auditor, "dar_conformidad")
    assert [(r.numero, r.resultado) for r in plan.rondas.all()] == [(1, "observado"),
                                                                    (2, "conforme")]


def test_quien_y_cuando_registra_responde_y_atiende(plan, rsi_a, auditor, reportante_a):
    with pytest.raises(TransicionInvalida, match="en revisión"):
        services.observacion_registrar(actor=auditor, plan_id=plan.pk, seccion="general",
                                       texto="x")
    plan = llevar_a(plan, "en_revision", rsi_a, auditor)
    with pytest.raises(PermisoDenegado):
        services.observacion_registrar(actor=rsi_a, plan_id=plan.pk, seccion="general",
                                       texto="x")
    with pytest.raises(ErrorValidacion):
        services.observacion_registrar(actor=auditor, plan_id=plan.pk, seccion="otra",
                                       texto="x")
    obs = services.observacion_registrar(actor=auditor, plan_id=plan.pk, seccion="alcance",
                                         texto="Incluya las sedes regionales.")
    # Observed with per-section observations only: the general text is optional now.
    with pytest.raises(TransicionInvalida, match="en revisión|CGII devolvió"):
        services.observacion_responder(actor=rsi_a, plan_id=plan.pk, observacion_id=obs.pk,
                                       respuesta="x")
    _transicionar(plan, auditor, "observar")
    with pytest.raises(PermisoDenegado):
        services.observacion_responder(actor=reportante_a, plan_id=plan.pk,
                                       observacion_id=obs.pk, respuesta="x")
    with pytest.raises(TransicionInvalida, match="sin responder: Alcance") as exc:
        _transicionar(plan, rsi_a, "presentar")
    assert any("sin responder" in c for c in exc.value.extra["condiciones"])
    services.observacion_responder(actor=rsi_a, plan_id=plan.pk, observacion_id=obs.pk,
                                   respuesta="Se agregaron las sedes de El Alto y Oruro.")
    _transicionar(plan, rsi_a, "presentar")
    _transicionar(plan, auditor, "iniciar_revision")
    # Reopening needs a reason; the entity answers again after the next observar.
    with pytest.raises(ErrorValidacion):
        services.observacion_atender(actor=auditor, plan_id=plan.pk, observacion_id=obs.pk,
                                     atendida=False)
    obs = services.observacion_atender(actor=auditor, plan_id=plan.pk, observacion_id=obs.pk,
                                       atendida=False, comentario="Falta la sede de Cobija.")
    assert obs.estado == "abierta"
    with pytest.raises(TransicionInvalida, match="sin responder"):
        _transicionar(plan, auditor, "dar_conformidad")


def test_conformidad_rechazada_con_todos_sus_motivos(plan, rsi_a, auditor, entidad_a, api,
                                                     client):
    otro_rsi = crear_usuario(username="rsi_dos", entidad=entidad_a, rol_entidad="rsi")
    plan = llevar_a(plan, "en_revision", rsi_a, auditor)
    _transicionar(plan, auditor, "observar", comentario="Ajustes menores.")
    services.plan_actualizar(actor=rsi_a, plan_id=plan.pk, rsi_id=otro_rsi.pk)
    # While observed the entity drops a treatment and the whole schedule…
    services.riesgo_actualizar(actor=rsi_a, plan_id=plan.pk,
                               riesgo_id=plan.riesgos.get().pk, tratamiento="")
    for act in plan.actividades.all():
        services.actividad_eliminar(actor=rsi_a, plan_id=plan.pk, actividad_id=act.pk)
    _transicionar(plan, rsi_a, "presentar")
    _transicionar(plan, auditor, "iniciar_revision")
    services.observacion_registrar(actor=auditor, plan_id=plan.pk, seccion="cronograma",
                                   texto="¿Dónde está el cronograma?")
    # …and the designated RSI is no longer the entity's RSI.
    Membresia.objects.filter(usuario=otro_rsi, entidad=entidad_a).update(rol="reportante")
    with pytest.raises(TransicionInvalida) as exc:
        _transicionar(plan, auditor, "dar_conformidad")
    condiciones = exc.value.extra["condiciones"]
    assert condiciones == [
        "Hay observaciones del CGII sin responder: Cronograma",
        "Falta el cronograma de implementación (al menos una actividad).",
        "La evaluación de riesgos está incompleta: Escenarios sin tratamiento: R-01.",
        "El RSI designado debe tener el rol de RSI en la entidad y no puede ser su Máxima "
        "Autoridad Ejecutiva (MAE)."]
    assert recargar(plan).estado == "en_revision"  # nothing moved, no code generated
    assert recargar(plan).codigo_verificacion is None
    # The checklist says the same, item by item, on the API and on the review page.
    lista = api(auditor).get(f"/api/v1/pisi/planes/{plan.pk}/conformidad/").json()
    assert [c["ok"] for c in lista] == [False, False, True, True, False, False]
    assert lista[4]["motivo"] == condiciones[2]
    pagina = ingresar(client, auditor).get(f"/pisi/{plan.pk}/revision/").content.decode()
    assert 'id="lista-conformidad"' in pagina
    assert "Escenarios sin tratamiento: R-01." in pagina and 'data-ok="0"' in pagina


def test_la_mae_no_puede_ser_rsi_ni_siquiera_despues(plan, rsi_a, mae_a, auditor, entidad_a):
    plan = llevar_a(plan, "en_revision", rsi_a, auditor)
    # The designated RSI became the entity's MAE after submission.
    Membresia.objects.filter(usuario=rsi_a, entidad=entidad_a).update(rol="mae")
    with pytest.raises(TransicionInvalida, match="no puede ser su Máxima"):
        _transicionar(plan, auditor, "dar_conformidad")


def test_diferencias_desde_la_ultima_ronda(plan, rsi_a, auditor, api):
    plan = llevar_a(plan, "en_revision", rsi_a, auditor)
    assert selectors.diferencias_de(plan=plan) is None
    assert api(auditor).get(f"/api/v1/pisi/planes/{plan.pk}/diferencias/").status_code == 404
    _transicionar(plan, auditor, "observar", comentario="Ajuste la SoA y los riesgos.")
    services.soa_actualizar(actor=rsi_a, plan_id=plan.pk, control="12.3.1",
                            justificacion="Respaldo diario con prueba de restauración mensual.")
    services.soa_actualizar(actor=rsi_a, plan_id=plan.pk, control="18.1.5", aplica=True,
                            justificacion="Se firma digitalmente la correspondencia.")
    services.riesgo_crear(actor=rsi_a, plan_id=plan.pk, activo="A-01", amenaza="A.24",
                          probabilidad=3, impacto=4)
    act = plan.actividades.first()
    services.actividad_actualizar(actor=rsi_a, plan_id=plan.pk, actividad_id=act.pk, avance=40)
    services.plan_actualizar(actor=rsi_a, plan_id=plan.pk, alcance="Toda la entidad y sus sedes.")
    dif = selectors.diferencias_de(plan=recargar(plan))
    secciones = {s["clave"]: s for s in dif["secciones"]}
    assert dif["ronda"] == 1 and dif["total"] == 5
    soa = {c["clave"]: {x["campo"]: (x["antes"], x["despues"]) for x in c["campos"]}
           for c in secciones["soa"]["cambiados"]}
    assert soa["18.1.5"]["aplica"] == ("No", "Sí")
    assert soa["12.3.1"]["justificacion"][1].startswith("Respaldo diario")
    assert [e["clave"] for e in secciones["riesgos"]["agregados"]] == ["R-02"]
    assert secciones["cronograma"]["cambiados"][0]["campos"] == [
        {"campo": "avance", "etiqueta": "Avance %", "antes": "0", "despues": "40"}]
    assert secciones["datos"]["cambiados"][0]["campos"][0]["campo"] == "alcance"
    assert secciones["activos"]["total"] == 0
    r = api(auditor).get(f"/api/v1/pisi/planes/{plan.pk}/diferencias/").json()
    assert r["total"] == 5 and r["secciones"][1]["cambiados"][0]["clave"] in ("12.3.1", "18.1.5")


def test_paginas_de_observaciones_y_diferencias(plan, rsi_a, auditor, client):
    plan = llevar_a(plan, "en_revision", rsi_a, auditor)
    c_aud = ingresar(client, auditor)
    r = c_aud.post(f"/pisi/{plan.pk}/accion/observacion_registrar/", {
        "seccion": "general", "control": "12.3.1", "texto": "Falta la prueba de restauración.",
        "volver": f"/pisi/{plan.pk}/revision/"}, follow=True)
    assert "Observación registrada en la ronda 1." in [str(m) for m in r.context["messages"]]
    _transicionar(plan, auditor, "observar")
    obs = plan.observaciones_revision.get()
    from django.test import Client

    c_rsi = ingresar(Client(), rsi_a)
    pagina = c_rsi.get(f"/pisi/{plan.pk}/observaciones/").content.decode()
    assert f'data-responder="{obs.pk}"' in pagina and "control 12.3.1" in pagina
    r = c_rsi.post(f"/pisi/{plan.pk}/accion/observacion_responder/", {
        "observacion_id": obs.pk, "respuesta": "Se agregó la prueba trimestral."}, follow=True)
    assert "Respuesta registrada." in [str(m) for m in r.context["messages"]]
    services.soa_actualizar(actor=rsi_a, plan_id=plan.pk, control="12.3.1",
                            justificacion="Con prueba trimestral de restauración.")
    _transicionar(plan, rsi_a, "presentar")
    _transicionar(plan, auditor, "iniciar_revision")
    pagina = c_aud.get(f"/pisi/{plan.pk}/revision/").content.decode()
    assert "Cambios desde la ronda 1" in pagina and "Con prueba trimestral" in pagina
    assert "Se agregó la prueba trimestral." in pagina and 'value="1"' in pagina
