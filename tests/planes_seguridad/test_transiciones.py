"""Every plan transition: allowed, refused (state and conditions, with Spanish reasons) and
role-gated; the recipe's side effects (history, audit, outbox) and their rollback."""

import re
from datetime import date, timedelta

import pytest
from django.utils import timezone
from django_fsm import ConcurrentTransition

from cgii.auditoria.models import RegistroAuditoria
from cgii.errores import ErrorValidacion, NoEncontrado, PermisoDenegado, TransicionInvalida
from cgii.eventos import grupos
from cgii.eventos.models import Evento
from planes_seguridad import selectors, services
from planes_seguridad.models import PlanInstitucional
from planes_seguridad.permisos import SISTEMA

from .utiles import completar, llevar_a, pdf, recargar

pytestmark = pytest.mark.django_db

ENTIDAD = ("rsi_a", "mae_a")
REVISORES = ("auditor", "coordinador", "administrador")
TODOS = ("rsi_a", "mae_a", "reportante_a", "analista", "auditor", "coordinador",
         "administrador")

# transition, state it leaves, state it reaches, who may fire it
MATRIZ = [
    ("presentar", "borrador", "presentado", ENTIDAD),
    ("presentar", "observado", "presentado", ENTIDAD),
    ("iniciar_revision", "presentado", "en_revision", REVISORES),
    ("observar", "en_revision", "observado", REVISORES),
    ("dar_conformidad", "en_revision", "conforme", REVISORES),
    ("registrar_resolucion", "conforme", "aprobado", ENTIDAD),
    ("poner_en_vigencia", "aprobado", "vigente", REVISORES),
    ("iniciar_actualizacion", "vigente", "en_actualizacion", ENTIDAD),
    ("cancelar_actualizacion", "en_actualizacion", "vigente", ENTIDAD),
]


@pytest.fixture
def personas(request, rsi_a, mae_a, reportante_a, analista, auditor, coordinador,
             administrador, reportante_b):
    return {"rsi_a": rsi_a, "mae_a": mae_a, "reportante_a": reportante_a, "analista": analista,
            "auditor": auditor, "coordinador": coordinador, "administrador": administrador,
            "reportante_b": reportante_b}


def _preparar(plan, transicion, rsi) -> dict:
    """Data the transition needs to succeed."""
    hoy = timezone.localdate()
    if transicion == "observar":
        return {"observaciones": "El inventario de activos está vacío."}
    if transicion == "registrar_resolucion":
        services.plan_documento_subir(actor=rsi, plan_id=plan.pk, tipo="resolucion",
                                      archivo=pdf("resolucion.pdf"))
        return {"resolucion_cite": "RM-045/2027", "resolucion_fecha": hoy}
    if transicion == "poner_en_vigencia":
        return {"vigencia_desde": hoy, "vigencia_hasta": hoy + timedelta(days=365)}
    return {}


@pytest.mark.parametrize("transicion,desde,hacia,permitidos", MATRIZ,
                         ids=[f"{t}-desde-{d}" for t, d, _h, _p in MATRIZ])
def test_matriz_de_roles(plan, personas, transicion, desde, hacia, permitidos):
    rsi, auditor = personas["rsi_a"], personas["auditor"]
    plan = llevar_a(plan, desde, rsi, auditor)
    if desde in ("borrador", "observado"):
        plan = completar(plan, rsi)
    datos = _preparar(plan, transicion, rsi)
    # Another entity's user does not even see the plan.
    with pytest.raises(NoEncontrado):
        services.plan_transicionar(actor=personas["reportante_b"], plan_id=plan.pk,
                                   transicion=transicion, datos=dict(datos))
    for nombre in TODOS:
        usuario = personas[nombre]
        opciones = {o.nombre: o for o in selectors.transiciones_para(usuario=usuario, plan=plan)}
        if nombre in permitidos:
            # Listed for the role; fields sent with the transition may still be missing.
            opcion = opciones[transicion]
            assert opcion.disponible or set(opcion.campos) >= set(datos), (nombre, opcion)
            continue
        assert transicion not in opciones, nombre
        with pytest.raises(PermisoDenegado):
            services.plan_transicionar(actor=usuario, plan_id=plan.pk, transicion=transicion,
                                       datos=dict(datos))
        assert recargar(plan).estado == desde
    for nombre in permitidos:  # each allowed role fires it on a plan in the same state
        if nombre != permitidos[0]:
            plan = llevar_a(services.plan_crear(
                actor=rsi, entidad_id=plan.entidad_id, gestion=recargar(plan).gestion + 1),
                desde, rsi, auditor)
            if desde in ("borrador", "observado"):
                plan = completar(plan, rsi)
            datos = _preparar(plan, transicion, rsi)
        hecho = services.plan_transicionar(actor=personas[nombre], plan_id=plan.pk,
                                           transicion=transicion, datos=dict(datos))
        assert hecho.estado == hacia, nombre


@pytest.mark.parametrize("transicion,desde", [
    ("presentar", "en_revision"), ("iniciar_revision", "borrador"), ("observar", "presentado"),
    ("dar_conformidad", "presentado"), ("registrar_resolucion", "en_revision"),
    ("poner_en_vigencia", "conforme"), ("iniciar_actualizacion", "aprobado"),
    ("cancelar_actualizacion", "vigente"),
])
def test_estado_equivocado_da_409(plan, rsi_a, auditor, transicion, desde):
    plan = llevar_a(plan, desde, rsi_a, auditor)
    actor = rsi_a if transicion in ("presentar", "registrar_resolucion", "iniciar_actualizacion",
                                    "cancelar_actualizacion") else auditor
    with pytest.raises(TransicionInvalida, match="No se puede"):
        services.plan_transicionar(actor=actor, plan_id=plan.pk, transicion=transicion,
                                   datos=_preparar(plan, transicion, rsi_a) if transicion in (
                                       "observar",) else {})
    assert recargar(plan).estado == desde


def test_presentar_exige_alcance_rsi_comite_politica_y_soa(plan, rsi_a):
    with pytest.raises(TransicionInvalida) as exc:
        services.plan_transicionar(actor=rsi_a, plan_id=plan.pk, transicion="presentar")
    condiciones = exc.value.extra["condiciones"]
    assert len(condiciones) == 5
    for palabra in ("alcance", "RSI", "Comité", "política", "aplicabilidad"):
        assert any(palabra in c for c in condiciones), palabra
    plan = completar(plan, rsi_a)
    # One control left undecided is enough to refuse.
    fila = plan.soa.get(control__numero="12.6.2")
    services.soa_actualizar(actor=rsi_a, plan_id=plan.pk, fila_id=fila.pk, aplica=None)
    with pytest.raises(TransicionInvalida, match="aplicabilidad está incompleta") as exc:
        services.plan_transicionar(actor=rsi_a, plan_id=plan.pk, transicion="presentar")
    assert len(exc.value.extra["condiciones"]) == 1
    services.soa_actualizar(actor=rsi_a, plan_id=plan.pk, fila_id=fila.pk, aplica=True)
    assert services.plan_transicionar(actor=rsi_a, plan_id=plan.pk,
                                      transicion="presentar").estado == "presentado"


def test_observar_exige_observaciones_y_las_guarda(plan, rsi_a, auditor):
    plan = llevar_a(plan, "en_revision", rsi_a, auditor)
    with pytest.raises(TransicionInvalida, match="observaciones"):
        services.plan_transicionar(actor=auditor, plan_id=plan.pk, transicion="observar")
    plan = services.plan_transicionar(actor=auditor, plan_id=plan.pk, transicion="observar",
                                      comentario="Complete la evaluación de riesgos.")
    assert plan.estado == "observado"
    assert recargar(plan).observaciones == "Complete la evaluación de riesgos."
    # Observed: the entity edits again and resubmits.
    services.plan_actualizar(actor=rsi_a, plan_id=plan.pk, alcance="Toda la entidad y sus sedes.")
    assert services.plan_transicionar(actor=rsi_a, plan_id=plan.pk,
                                      transicion="presentar").estado == "presentado"


def test_conformidad_genera_codigo_de_verificacion_unico(plan, rsi_a, auditor, api):
    plan = llevar_a(plan, "conforme", rsi_a, auditor)
    assert re.fullmatch(r"PISI-MPA-2027-[A-Z2-7]{8}", plan.codigo_verificacion)
    assert plan.conforme_en is not None and plan.conforme_por_id == auditor.pk
    historial = plan.historial.filter(tipo="transicion").last()
    assert plan.codigo_verificacion in historial.texto
    # The public verification answers without login, and only for a known code.
    r = api().get(f"/api/v1/pisi/verificacion/{plan.codigo_verificacion.lower()}/")
    assert r.status_code == 200
    assert r.json()["sigla"] == "MPA" and r.json()["estado"] == "conforme"
    assert "alcance" not in r.json()
    assert api().get("/api/v1/pisi/verificacion/PISI-MPA-2027-AAAAAAAA/").status_code == 404
    # The code never changes afterwards.
    codigo = plan.codigo_verificacion
    plan = llevar_a(plan, "borrador", rsi_a, auditor)
    assert recargar(plan).codigo_verificacion == codigo


def test_registrar_resolucion_exige_cite_fecha_documento_y_fecha_no_anterior(plan, rsi_a,
                                                                             mae_a, auditor):
    plan = llevar_a(plan, "conforme", rsi_a, auditor)
    with pytest.raises(TransicionInvalida) as exc:
        services.plan_transicionar(actor=mae_a, plan_id=plan.pk,
                                   transicion="registrar_resolucion")
    assert "CITE" in exc.value.message
    services.plan_documento_subir(actor=mae_a, plan_id=plan.pk, tipo="resolucion",
                                  archivo=pdf("rm.pdf"))
    antes = timezone.localdate() - timedelta(days=3)
    with pytest.raises(TransicionInvalida, match="anterior a la conformidad"):
        services.plan_transicionar(actor=mae_a, plan_id=plan.pk,
                                   transicion="registrar_resolucion",
                                   datos={"resolucion_cite": "RM-1/2027",
                                          "resolucion_fecha": antes})
    assert recargar(plan).resolucion_cite == ""  # the refused transition rolled back
    plan = services.plan_transicionar(actor=mae_a, plan_id=plan.pk,
                                      transicion="registrar_resolucion",
                                      datos={"resolucion_cite": "RM-1/2027",
                                             "resolucion_fecha": timezone.localdate()})
    assert plan.estado == "aprobado" and plan.aprobado_en is not None


def test_poner_en_vigencia_exige_periodo(plan, rsi_a, auditor):
    plan = llevar_a(plan, "aprobado", rsi_a, auditor)
    with pytest.raises(TransicionInvalida, match="vigencia"):
        services.plan_transicionar(actor=auditor, plan_id=plan.pk, transicion="poner_en_vigencia")
    with pytest.raises(ErrorValidacion):
        services.plan_transicionar(actor=auditor, plan_id=plan.pk, transicion="poner_en_vigencia",
                                   datos={"vigencia_desde": "2027-03-01",
                                          "vigencia_hasta": "2027-02-01"})
    plan = services.plan_transicionar(actor=auditor, plan_id=plan.pk,
                                      transicion="poner_en_vigencia",
                                      datos={"vigencia_desde": "2027-03-01",
                                             "vigencia_hasta": "2028-02-29"})
    assert plan.estado == "vigente" and plan.vigencia_hasta == date(2028, 2, 29)


def test_transiciones_del_sistema_no_las_pide_un_usuario(plan, rsi_a, auditor, administrador):
    plan = llevar_a(plan, "vigente", rsi_a, auditor)
    for t in ("reemplazar", "vencer"):
        for actor in (rsi_a, administrador):
            with pytest.raises(ErrorValidacion) as exc:
                services.plan_transicionar(actor=actor, plan_id=plan.pk, transicion=t)
            assert "desconocida" in str(exc.value.extra["transicion"])
    # The system may expire it only once its validity ended.
    with pytest.raises(TransicionInvalida, match="aún no terminó"):
        services.plan_transicionar(actor=SISTEMA, plan_id=plan.pk, transicion="vencer")
    despues = recargar(plan).vigencia_hasta + timedelta(days=1)
    assert services.plan_transicionar(actor=SISTEMA, plan_id=plan.pk, transicion="vencer",
                                      hoy=despues).estado == "vencido"


def test_nueva_version_reemplaza_a_la_anterior_al_entrar_en_vigencia(plan, rsi_a, auditor):
    v1 = llevar_a(plan, "vigente", rsi_a, auditor)
    services.actividad_crear(actor=rsi_a, plan_id=v1.pk, titulo="Capacitación",
                             inicio_planificado="2027-03-01", fin_planificado="2027-04-30",
                             controles=["7.2.2"])
    v2 = services.plan_nueva_version(actor=rsi_a, plan_id=v1.pk)
    assert (v2.version, v2.estado, v2.anterior_id) == (2, "borrador", v1.pk)
    assert recargar(v1).estado == "en_actualizacion"
    assert v2.soa.count() == 114 and v2.soa.filter(aplica=True).count() == 113
    assert v2.actividades.get(titulo="Capacitación").controles.get().control.numero == "7.2.2"
    assert v2.politica_sha256 == recargar(v1).politica_sha256
    with pytest.raises(TransicionInvalida, match="Ya existe"):
        services.plan_nueva_version(actor=rsi_a, plan_id=v1.pk)
    # While a new version is being written, the update cannot be cancelled.
    with pytest.raises(TransicionInvalida, match="nueva versión"):
        services.plan_transicionar(actor=rsi_a, plan_id=v1.pk,
                                   transicion="cancelar_actualizacion")
    v2 = llevar_a(v2, "vigente", rsi_a, auditor)
    assert v2.estado == "vigente"
    v1 = recargar(v1)
    assert v1.estado == "reemplazado"
    assert "Reemplazado por la versión 2" in v1.historial.last().texto
    # A replaced plan accepts no more changes.
    with pytest.raises(TransicionInvalida):
        services.actividad_crear(actor=rsi_a, plan_id=v1.pk, titulo="x",
                                 inicio_planificado="2027-03-01", fin_planificado="2027-03-02")


def test_cada_transicion_deja_historial_auditoria_y_evento(plan, rsi_a, entidad_a):
    plan = completar(plan, rsi_a)
    eventos_antes = Evento.objects.count()
    auditoria_antes = RegistroAuditoria.objects.count()
    services.plan_transicionar(actor=rsi_a, plan_id=plan.pk, transicion="presentar",
                               comentario="Presentamos el PISI 2027.")
    evento = Evento.objects.filter(tipo="pisi.transicion").latest("id")
    assert set(evento.grupos) == {grupos.GRUPO_PERSONAL_CGII, grupos.grupo_entidad(entidad_a.pk)}
    assert evento.datos["de"] == "borrador" and evento.datos["a"] == "presentado"
    assert "Borrador → Presentado" in evento.datos["texto"]
    assert "Presentamos el PISI 2027." in evento.datos["texto"]
    registro = RegistroAuditoria.objects.filter(accion="pisi.transicion").latest("secuencia")
    assert registro.entidad_id == entidad_a.pk and registro.actor_id == rsi_a.pk
    assert registro.antes == {"estado": "borrador"} and registro.despues == {"estado": "presentado"}
    assert Evento.objects.count() == eventos_antes + 1
    assert RegistroAuditoria.objects.count() == auditoria_antes + 1
    assert plan.historial.filter(tipo="transicion").count() == 1


def test_un_rechazo_no_deja_rastro(plan, rsi_a):
    eventos, auditoria = Evento.objects.count(), RegistroAuditoria.objects.count()
    with pytest.raises(TransicionInvalida):
        services.plan_transicionar(actor=rsi_a, plan_id=plan.pk, transicion="presentar")
    assert (Evento.objects.count(), RegistroAuditoria.objects.count()) == (eventos, auditoria)


def test_carrera_perdida_es_conflicto(plan, rsi_a):
    plan = completar(plan, rsi_a)
    a = PlanInstitucional.objects.get(pk=plan.pk)
    b = PlanInstitucional.objects.get(pk=plan.pk)
    a.presentar()
    a.save()
    b.presentar()
    with pytest.raises(ConcurrentTransition):
        b.save()


def test_el_campo_estado_esta_protegido(plan):
    with pytest.raises(AttributeError):
        plan.estado = "vigente"


def test_api_409_con_motivos_y_400_transicion_desconocida(api, plan, rsi_a):
    c = api(rsi_a)
    r = c.post(f"/api/v1/pisi/planes/{plan.pk}/transiciones/", {"transicion": "presentar"},
               format="json")
    assert r.status_code == 409
    assert len(r.json()["extra"]["condiciones"]) == 5
    r = c.post(f"/api/v1/pisi/planes/{plan.pk}/transiciones/", {"transicion": "volar"},
               format="json")
    assert r.status_code == 400 and "transicion" in r.json()["extra"]
    detalle = c.get(f"/api/v1/pisi/planes/{plan.pk}/").json()
    presentar = next(t for t in detalle["transiciones"] if t["nombre"] == "presentar")
    assert presentar["disponible"] is False and len(presentar["motivos"]) == 5
