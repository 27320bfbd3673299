"""Deadlines as data, in working days with Bolivian holidays; the sweep warns and marks
overdue once, expires plans and evidence."""

from datetime import date, timedelta

import pytest
from django.utils import timezone

from cgii.eventos.models import Evento
from planes_seguridad import selectors, services
from planes_seguridad.models import ParametroPlazo, Plazo
from planes_seguridad.services import barrido, plazos
from protocolos.selectors import calendario

from .utiles import completar, llevar_a, pdf, recargar

pytestmark = pytest.mark.django_db


def test_parametros_por_defecto_son_datos():
    assert dict(ParametroPlazo.objects.values_list("tipo", "dias_habiles")) == {
        "revision_cgii": 30, "ajuste_entidad": 15, "aprobacion_mae": 10, "registro": 10}
    assert selectors.parametros_plazo()["revision_cgii"] == (30, 3)


def test_diez_dias_habiles_desde_el_5_de_febrero_de_2027_saltan_carnaval(catalogos):
    # Friday 5 Feb 2027; Carnaval is Monday 8 and Tuesday 9 February.
    cal = calendario("laboral")
    assert not cal.es_dia_habil(date(2027, 2, 8)) and not cal.es_dia_habil(date(2027, 2, 9))
    dias, vence, aviso = plazos.calcular_vencimiento("registro", date(2027, 2, 5))
    assert (dias, vence) == (10, date(2027, 2, 23))
    # Warned from the day 3 working days are left (Thursday 18 → 19, 22, 23).
    assert aviso == date(2027, 2, 18)
    assert cal.dias_habiles_entre(aviso, vence) == 3
    assert cal.dias_habiles_entre(aviso - timedelta(days=1), vence) == 4


def test_revision_de_30_dias_cruza_semana_santa(catalogos):
    # Submitted Monday 1 March 2027: Good Friday 26 March is a holiday.
    _d, vence, _a = plazos.calcular_vencimiento("revision_cgii", date(2027, 3, 1))
    assert vence == date(2027, 4, 13)
    assert calendario("laboral").dias_habiles_entre(date(2027, 3, 1), vence) == 30


def test_un_dia_no_laborable_decretado_corre_el_plazo(catalogos):
    from protocolos.models import DiaNoLaborable

    antes = plazos.calcular_vencimiento("registro", date(2027, 2, 5))[1]
    DiaNoLaborable.objects.create(fecha=date(2027, 2, 12), motivo="Feriado decretado")
    assert plazos.calcular_vencimiento("registro", date(2027, 2, 5))[1] == antes + timedelta(days=1)


def test_el_parametro_cambia_el_plazo(catalogos):
    ParametroPlazo.objects.filter(tipo="registro").update(dias_habiles=5, dias_advertencia=1)
    dias, vence, aviso = plazos.calcular_vencimiento("registro", date(2027, 2, 5))
    assert (dias, vence, aviso) == (5, date(2027, 2, 16), date(2027, 2, 15))


def test_cada_estado_corre_su_plazo(catalogos, plan, rsi_a, auditor):
    hoy = timezone.localdate()
    plan = llevar_a(plan, "presentado", rsi_a, auditor)
    revision = plan.plazos.get()
    assert (revision.tipo, revision.responsable, revision.inicio) == ("revision_cgii", "cgii", hoy)
    assert revision.vence == calendario("laboral").sumar_dias_habiles(hoy, 30)
    services.plan_transicionar(actor=auditor, plan_id=plan.pk, transicion="iniciar_revision")
    assert plan.plazos.filter(cumplido_en__isnull=True).get().pk == revision.pk  # same deadline
    services.plan_transicionar(actor=auditor, plan_id=plan.pk, transicion="observar",
                               comentario="Faltan activos.")
    abiertos = list(plan.plazos.filter(cumplido_en__isnull=True))
    assert [(p.tipo, p.responsable) for p in abiertos] == [("ajuste_entidad", "entidad")]
    assert Plazo.objects.get(pk=revision.pk).cumplido_en is not None
    services.plan_transicionar(actor=rsi_a, plan_id=plan.pk, transicion="presentar")
    services.plan_transicionar(actor=auditor, plan_id=plan.pk, transicion="iniciar_revision")
    services.plan_transicionar(actor=auditor, plan_id=plan.pk, transicion="dar_conformidad")
    assert plan.plazos.get(cumplido_en__isnull=True).tipo == "aprobacion_mae"
    services.plan_documento_subir(actor=rsi_a, plan_id=plan.pk, tipo="resolucion", archivo=pdf())
    services.plan_transicionar(actor=rsi_a, plan_id=plan.pk, transicion="registrar_resolucion",
                               datos={"resolucion_cite": "RM-9/2027", "resolucion_fecha": hoy})
    assert plan.plazos.get(cumplido_en__isnull=True).tipo == "registro"
    services.plan_transicionar(actor=auditor, plan_id=plan.pk, transicion="poner_en_vigencia",
                               datos={"vigencia_desde": hoy,
                                      "vigencia_hasta": hoy + timedelta(days=365)})
    assert not plan.plazos.filter(cumplido_en__isnull=True).exists()
    assert [p.tipo for p in plan.plazos.order_by("id")] == [
        "revision_cgii", "ajuste_entidad", "revision_cgii", "aprobacion_mae", "registro"]
    figuras = selectors.plazos_de(plan=plan)
    assert {f.estado for f in figuras} == {"cumplido"}


def test_barrido_advierte_y_vence_una_sola_vez(catalogos, plan, rsi_a, auditor, entidad_a):
    plan = llevar_a(plan, "presentado", rsi_a, auditor)
    p = plan.plazos.get()
    cal = calendario("laboral")
    # Before the warning window: nothing.
    assert barrido.plazos_barrido(hoy=p.advertir_desde - timedelta(days=1))["advertidos"] == 0
    # Inside it: warned once, with an event to the entity and CGII.
    r = barrido.plazos_barrido(hoy=p.advertir_desde)
    assert r["advertidos"] == 1 and r["vencidos"] == 0
    assert barrido.plazos_barrido(hoy=p.advertir_desde)["advertidos"] == 0
    evento = Evento.objects.filter(tipo="pisi.plazo_advertencia").get()
    assert evento.datos["plazo"]["tipo"] == "revision_cgii"
    assert evento.datos["plazo"]["dias_restantes"] == 3
    assert "Revisión del CGII" in evento.datos["texto"]
    assert f"cgii.entidad.{entidad_a.pk}" in evento.grupos
    figura = selectors.plazos_de(plan=plan, hoy=p.advertir_desde)[0]
    assert (figura.estado, figura.dias_restantes) == ("advertencia", 3)
    # The day after it is due: overdue, once.
    despues = cal.sumar_dias_habiles(p.vence, 2)
    r = barrido.plazos_barrido(hoy=despues)
    assert (r["advertidos"], r["vencidos"]) == (0, 1)
    assert barrido.plazos_barrido(hoy=despues + timedelta(days=7))["vencidos"] == 0
    assert Evento.objects.filter(tipo="pisi.plazo_vencido").count() == 1
    assert Plazo.objects.get(pk=p.pk).vencido_en is not None
    figura = selectors.plazos_de(plan=plan, hoy=despues)[0]
    assert (figura.estado, figura.dias_restantes) == ("vencido", -2)
    assert plan.historial.filter(tipo="plazo").count() == 2
    # Meeting it late is recorded as such.
    services.plan_transicionar(actor=auditor, plan_id=plan.pk, transicion="iniciar_revision")
    services.plan_transicionar(actor=auditor, plan_id=plan.pk, transicion="dar_conformidad")
    estado = selectors.plazos_de(plan=plan, hoy=despues)
    assert [f.estado for f in estado if f.tipo == "revision_cgii"] == ["cumplido"]


def test_un_plazo_cumplido_ya_no_se_advierte(catalogos, plan, rsi_a, auditor):
    plan = llevar_a(plan, "observado", rsi_a, auditor)
    p = plan.plazos.get(cumplido_en__isnull=True)
    plan = completar(plan, rsi_a)
    services.plan_transicionar(actor=rsi_a, plan_id=plan.pk, transicion="presentar")
    r = barrido.plazos_barrido(hoy=p.vence + timedelta(days=30))
    assert not Plazo.objects.get(pk=p.pk).vencido_en
    assert r["vencidos"] == 1  # only the new CGII review deadline, if 30 days passed
    assert Plazo.objects.get(plan=plan, tipo="revision_cgii",
                             cumplido_en__isnull=True).vencido_en is not None


def test_el_barrido_vence_planes_y_evidencias(catalogos, plan, rsi_a, auditor):
    plan = llevar_a(plan, "vigente", rsi_a, auditor)
    hoy = timezone.localdate()
    ev = services.evidencia_enlazar(actor=rsi_a, plan_id=plan.pk, url="https://intranet.mpa.gob.bo/x",
                                    titulo="Acta", control="5.1.1",
                                    fecha_vencimiento=hoy + timedelta(days=10))
    services.evidencia_cambiar_estado(actor=rsi_a, plan_id=plan.pk, evidencia_id=ev.pk,
                                      accion="presentar")
    services.evidencia_cambiar_estado(actor=auditor, plan_id=plan.pk, evidencia_id=ev.pk,
                                      accion="aprobar")
    r = barrido.plazos_barrido(hoy=hoy + timedelta(days=11))
    assert r["evidencias_vencidas"] == 1 and r["planes_vencidos"] == 0
    assert plan.evidencias.get().estado == "vencida"
    fin = recargar(plan).vigencia_hasta
    r = barrido.plazos_barrido(hoy=fin + timedelta(days=1))
    assert r["planes_vencidos"] == 1
    assert recargar(plan).estado == "vencido"
    assert barrido.plazos_barrido(hoy=fin + timedelta(days=2))["planes_vencidos"] == 0
    assert Evento.objects.filter(tipo="pisi.transicion", datos__a="vencido").count() == 1


def test_la_api_muestra_los_plazos_con_dias_restantes(api, catalogos, plan, rsi_a, auditor):
    plan = llevar_a(plan, "presentado", rsi_a, auditor)
    datos = api(rsi_a).get(f"/api/v1/pisi/planes/{plan.pk}/plazos/").json()
    assert len(datos) == 1
    assert datos[0]["tipo"] == "revision_cgii" and datos[0]["dias_restantes"] == 30
    assert datos[0]["estado"] == "en_plazo" and datos[0]["responsable"] == "cgii"
    lista = api(auditor).get("/api/v1/pisi/planes/?estado=presentado,en_revision").json()
    assert lista["results"][0]["proximo_vence"] == datos[0]["vence"]


def test_tareas_periodicas_registradas():
    from cgii import periodicas
    from cgii.celery import app

    declarada = {p.nombre: p for p in periodicas.declaradas()}["pisi.plazos"]
    assert declarada.funcion == "planes_seguridad.services.barrido.plazos_barrido"
    app.loader.import_default_modules()
    entrada = (app.conf.beat_schedule or {})["pisi.plazos"]
    assert entrada["task"] == "cgii.periodica" and entrada["args"] == ("pisi.plazos",)
