"""The bell (and e-mail) of whoever must act on a PISI: planes_seguridad.notificaciones, an
outbox sink, run here by delivering the outbox as the dispatcher does."""

from datetime import timedelta

import pytest

from cgii.eventos.despachador import despachar_pendientes
from cgii.eventos.models import Evento, Notificacion
from planes_seguridad import services
from planes_seguridad.services import barrido as plazos
from tests.factories import crear_usuario

from .utiles import llevar_a

pytestmark = pytest.mark.django_db


def avisos(tipo=None) -> dict[str, list[str]]:
    """username → texts of their notifications (of one type), after delivering the outbox."""
    despachar_pendientes()
    qs = Notificacion.objects.select_related("usuario").order_by("id")
    if tipo:
        qs = qs.filter(tipo=tipo)
    salida: dict[str, list[str]] = {}
    for n in qs:
        salida.setdefault(n.usuario.username, []).append(n.texto)
    return salida


def olvidar() -> None:
    """Deliver what is pending and forget the notifications so far."""
    despachar_pendientes()
    Notificacion.objects.all().delete()


@pytest.fixture
def personas(entidad_a, rsi_b, mae_a, coordinador):
    """Besides rsi_a (the plan's author) and the auditor: the entity's MAE, a reporter of the
    same entity (reads only), another entity's RSI, a coordinator and an analyst."""
    crear_usuario(username="reportante_pisi", entidad=entidad_a, rol_entidad="reportante")
    crear_usuario(username="analista_pisi", rol_cgii="analista")


def test_presentar_avisa_a_los_revisores_y_la_decision_a_la_entidad(
        catalogos, plan, rsi_a, auditor, personas):
    plan = llevar_a(plan, "presentado", rsi_a, auditor)
    recibidos = avisos("pisi.revision")
    # The reviewers (auditor, coordinator), not the RSI who submitted nor an analyst.
    assert set(recibidos) == {"auditor", "coordinador"}
    assert recibidos["auditor"] == [f"PISI {plan.entidad.sigla} 2027 pasó a «Presentado»."]

    olvidar()
    services.plan_transicionar(actor=auditor, plan_id=plan.pk, transicion="iniciar_revision")
    services.plan_transicionar(actor=auditor, plan_id=plan.pk, transicion="observar",
                               comentario="Falta el inventario de activos.")
    recibidos = avisos("pisi.revision")
    # The entity's RSI and MAE; not its reporter, not entity B, not the auditor who acted.
    assert set(recibidos) == {"rsi_a", "mae_a"}
    assert recibidos["mae_a"][-1].endswith("pasó a «Observado».")
    n = Notificacion.objects.filter(usuario__username="rsi_a").last()
    assert n.enlace == f"/pisi/{plan.pk}/"


def test_plazos_avisan_a_quien_debe_actuar(catalogos, plan, rsi_a, auditor, personas):
    plan = llevar_a(plan, "presentado", rsi_a, auditor)
    olvidar()
    revision = plan.plazos.get()  # CGII's review deadline
    plazos.plazos_barrido(hoy=revision.advertir_desde)
    recibidos = avisos("pisi.plazo")
    assert set(recibidos) == {"auditor", "coordinador"}
    assert "Revisión del CGII" in recibidos["coordinador"][0]

    # Observed: now the entity's adjustment deadline runs, and it is the entity's to meet.
    services.plan_transicionar(actor=auditor, plan_id=plan.pk, transicion="iniciar_revision")
    services.plan_transicionar(actor=auditor, plan_id=plan.pk, transicion="observar",
                               comentario="Falta el inventario de activos.")
    olvidar()
    ajuste = plan.plazos.get(cumplido_en__isnull=True)
    plazos.plazos_barrido(hoy=ajuste.vence + timedelta(days=10))
    recibidos = avisos("pisi.plazo")
    assert set(recibidos) == {"rsi_a", "mae_a"}
    assert recibidos["rsi_a"][0].startswith("Plazo vencido")
    # No bare "notificacion.nueva" without a notification row: every bell event has one.
    for evento in Evento.objects.filter(tipo="notificacion.nueva"):
        assert "notificacion" in evento.datos


def test_un_hallazgo_avisa_a_la_entidad(catalogos, plan, rsi_a, auditor, personas):
    plan = llevar_a(plan, "vigente", rsi_a, auditor)
    services.periodo_abrir(actor=auditor, plan_id=plan.pk, nombre="Primer seguimiento",
                           fecha_corte=plan.vigencia_desde + timedelta(days=90))
    olvidar()
    services.hallazgo_registrar(actor=auditor, plan_id=plan.pk, grado="no_conformidad_menor",
                                descripcion="Las copias de respaldo no se prueban.")
    recibidos = avisos("pisi.hallazgo")
    assert set(recibidos) == {"rsi_a", "mae_a"}
    assert Notificacion.objects.get(usuario__username="rsi_a").enlace == \
        f"/pisi/{plan.pk}/hallazgos/"


def test_preferencias_y_tipos_registrados(catalogos, plan, rsi_a, auditor, personas):
    from cgii.eventos.models import PreferenciaNotificacion
    from cgii.eventos.notificaciones import tipos

    assert {"pisi.revision", "pisi.plazo", "pisi.hallazgo", "pisi.seguimiento"} <= \
        {t.codigo for t in tipos()}
    PreferenciaNotificacion.objects.create(usuario=auditor, tipo="pisi.revision",
                                           en_app=False, email=False)
    llevar_a(plan, "presentado", rsi_a, auditor)
    assert set(avisos("pisi.revision")) == {"coordinador"}
