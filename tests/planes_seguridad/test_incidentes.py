"""Closing an incident that names failed controls creates findings in the entity's plan."""

import pytest

from cgii.eventos.despachador import despachar
from cgii.eventos.models import EntregaSumidero, Evento
from incidentes import services as incidentes
from planes_seguridad import services
from planes_seguridad.models import Hallazgo
from planes_seguridad.services.incidentes import NOMBRE_MANEJADOR, hallazgos_de_incidente
from tests.factories import crear_usuario
from tests.incidentes.utiles import cerrar_datos, completar, reportar
from tests.incidentes.utiles import llevar_a as llevar_incidente

from .utiles import crear_plan, llevar_a

pytestmark = pytest.mark.django_db


def _cerrar(incidente, analista, controles):
    """The incident's own path (as the incident tests drive it); a coordinator closes."""
    incidente = llevar_incidente(incidente, "resuelto", analista)
    completar(incidente, "cierre")
    coordinador = crear_usuario(rol_cgii="coordinador")
    return incidentes.incidente_transicionar(
        actor=coordinador, incidente_id=incidente.pk, transicion="cerrar",
        datos={**cerrar_datos(), "controles_fallidos": controles})


@pytest.fixture
def vigente(catalogos, plan, rsi_a, auditor):
    return llevar_a(plan, "vigente", rsi_a, auditor)


def test_el_cierre_crea_hallazgos_en_el_periodo_abierto(vigente, rsi_a, reportante_a,
                                                       entidad_a, analista, auditor):
    periodo = services.periodo_abrir(actor=auditor, plan_id=vigente.pk)
    incidente = _cerrar(reportar(reportante_a, entidad_a), analista, ["12.2.1", "7.2.2"])
    evento = Evento.objects.get(tipo="incidente.cerrado_con_controles")
    assert EntregaSumidero.objects.filter(evento=evento, sumidero=NOMBRE_MANEJADOR).exists()
    despachar()
    # The sink did its work: its queue row is gone (deleted with the effects).
    assert not EntregaSumidero.objects.filter(evento=evento, sumidero=NOMBRE_MANEJADOR).exists()
    hallazgos = {h.control_numero: h for h in Hallazgo.objects.filter(plan=vigente)}
    assert set(hallazgos) == {"12.2.1", "7.2.2"}
    h = hallazgos["12.2.1"]
    assert h.periodo_id == periodo.pk and h.origen == "incidente"
    assert h.incidente_codigo == incidente.codigo and h.aplicabilidad.control.numero == "12.2.1"
    assert h.descripcion.startswith(f"Del incidente {incidente.codigo}")
    assert h.grado == "no_conformidad_menor" and h.estado == "abierto"
    assert Evento.objects.filter(tipo="pisi.hallazgo").count() == 2
    # Redelivery is harmless: the receipt and the unique constraint both hold.
    assert hallazgos_de_incidente(evento) == 0
    assert Hallazgo.objects.filter(plan=vigente).count() == 2


def test_numeros_2022_se_enlazan_al_control_2013_del_plan(vigente, reportante_a, entidad_a,
                                                         analista):
    _cerrar(reportar(reportante_a, entidad_a), analista, ["8.7", "5.7"])
    hallazgos_de_incidente(Evento.objects.get(tipo="incidente.cerrado_con_controles"))
    por_numero = {h.control_numero: h for h in Hallazgo.objects.filter(plan=vigente)}
    # 8.7 (protection against malware) ← 12.2.1; 5.7 (threat intelligence) is new in 2022.
    assert por_numero["8.7"].aplicabilidad.control.numero == "12.2.1"
    assert "12.2.1" in por_numero["8.7"].descripcion
    assert por_numero["5.7"].aplicabilidad is None
    # No open period yet: they wait, and the next period adopts them.
    assert {h.periodo_id for h in por_numero.values()} == {None}


def test_el_periodo_siguiente_adopta_los_hallazgos_pendientes(vigente, reportante_a, entidad_a,
                                                             analista, auditor):
    _cerrar(reportar(reportante_a, entidad_a), analista, ["9.4.2"])
    hallazgos_de_incidente(Evento.objects.get(tipo="incidente.cerrado_con_controles"))
    periodo = services.periodo_abrir(actor=auditor, plan_id=vigente.pk)
    assert Hallazgo.objects.get(plan=vigente).periodo_id == periodo.pk


def test_sin_plan_vigente_no_hay_hallazgo(catalogos, catalogos_pisi, rsi_a, entidad_a,
                                          reportante_a, analista):
    crear_plan(rsi_a, entidad_a)  # a draft is not followed up
    _cerrar(reportar(reportante_a, entidad_a), analista, ["12.2.1"])
    assert hallazgos_de_incidente(Evento.objects.get(
        tipo="incidente.cerrado_con_controles")) == 0
    assert not Hallazgo.objects.exists()


def test_solo_el_plan_de_la_entidad_del_incidente(vigente, reportante_b, entidad_b, analista,
                                                  rsi_b, auditor):
    plan_b = llevar_a(crear_plan(rsi_b, entidad_b), "vigente", rsi_b, auditor)
    _cerrar(reportar(reportante_b, entidad_b), analista, ["12.2.1"])
    hallazgos_de_incidente(Evento.objects.get(tipo="incidente.cerrado_con_controles"))
    assert list(Hallazgo.objects.values_list("plan_id", flat=True)) == [plan_b.pk]
