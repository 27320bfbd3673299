"""The PISI conformity summary approved through Aprobación de Documentos (Ciudadanía
Digital), end to end against the local simulator served by the live server: send, approve,
evidence recorded, deadlines, the MAE resolution citing the code; and the failure paths
(service down → retried, rejected, a returned hash that is not the document's)."""

import hashlib

import pytest
from django.test import Client

from cgii import archivos
from cgii.auditoria.models import RegistroAuditoria
from cgii.ciudadania import simulador_servicios
from cgii.ciudadania.aprobacion import ServicioNoDisponible
from cgii.errores import NoEncontrado, PermisoDenegado, TransicionInvalida
from planes_seguridad import services
from planes_seguridad.models import AprobacionDocumento, EntradaPlan, EstadoAprobacion
from planes_seguridad.services.aprobacion import HashDistinto
from planes_seguridad.tasks import aprobacion_enviar_tarea
from tests.entidades.sesiones import ingresar

from .utiles import llevar_a, pdf, recargar

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def simulador(settings, live_server):
    settings.CIUDADANIA_SIMULADOR = True
    settings.CIUDADANIA_APROBACION_URL = f"{live_server.url}/simulador-cd/aprobacion"
    settings.CIUDADANIA_APROBACION_TOKEN = "simulador"
    return live_server


@pytest.fixture
def conforme(simulador, plan, rsi_a, auditor):
    rsi_a.documento_identidad = "4567890"
    rsi_a.save(update_fields=["documento_identidad"])
    return llevar_a(plan, "conforme", rsi_a, auditor)


@pytest.fixture
def encolados(monkeypatch):
    """The Celery task ids queued (after commit: these tests commit for real, the live
    server reads what they wrote); the tests run the task's body themselves."""
    ids = []
    monkeypatch.setattr(aprobacion_enviar_tarea, "delay", ids.append)
    return ids


def _solicitar(plan, rsi, encolados):
    antes = len(encolados)
    a = services.aprobacion_solicitar(actor=rsi, plan_id=plan.pk)
    assert encolados[antes:] == [a.pk]  # the send is the Celery task's, after commit
    return a


def _decidir(a, decision: str, **extra):
    r = Client().post(f"/simulador-cd/aprobacion/{recargar_a(a).solicitud_id}/",
                      {"decision": decision, **extra})
    assert r.status_code == 200


def recargar_a(a) -> AprobacionDocumento:
    return AprobacionDocumento.objects.get(pk=a.pk)


def _plazos_abiertos(plan) -> set[str]:
    return set(plan.plazos.filter(cumplido_en__isnull=True).values_list("tipo", flat=True))


def _registrar_resolucion(plan, rsi, codigo: str):
    services.plan_documento_subir(actor=rsi, plan_id=plan.pk, tipo="resolucion",
                                  archivo=pdf("resolucion.pdf"))
    from django.utils import timezone

    return services.plan_transicionar(
        actor=rsi, plan_id=plan.pk, transicion="registrar_resolucion",
        datos={"resolucion_cite": "RM-045/2027", "resolucion_fecha": timezone.localdate(),
               "resolucion_codigo_aprobacion": codigo})


def test_flujo_completo(conforme, rsi_a, encolados):
    plan = conforme
    # Conformity opened the RSI's deadline to approve the document, not yet the MAE's.
    assert _plazos_abiertos(plan) == {"aprobacion_documento"}
    with pytest.raises(TransicionInvalida) as exc:
        _registrar_resolucion(plan, rsi_a, "AD-INVENTADO")
    assert "Aprobación de Documentos" in str(exc.value.extra)

    a = _solicitar(plan, rsi_a, encolados)
    assert a.estado == EstadoAprobacion.POR_ENVIAR
    documento = archivos.ruta_absoluta(a.documento_ruta).read_bytes()
    assert documento.startswith(b"%PDF") and a.sha256 == hashlib.sha256(documento).hexdigest()
    # Sending twice is one request (idempotent service and task).
    assert services.aprobacion_solicitar(actor=rsi_a, plan_id=plan.pk).pk == a.pk
    assert services.aprobacion_enviar(aprobacion_id=a.pk) == "enviada"
    assert services.aprobacion_enviar(aprobacion_id=a.pk) == "enviada"
    a = recargar_a(a)
    assert a.solicitud_id and a.url_aprobacion.endswith(f"/aprobacion/{a.solicitud_id}/")
    assert simulador_servicios.leer(a.solicitud_id)["hash_sha256"] == a.sha256

    # Not decided yet: the check changes nothing.
    assert services.aprobacion_consultar(actor=rsi_a, aprobacion_id=a.pk).estado == "enviada"
    _decidir(a, "aprobar", nombre="Marco Choque")
    a = services.aprobacion_consultar(actor=rsi_a, aprobacion_id=a.pk)
    assert a.estado == EstadoAprobacion.APROBADA and a.codigo.startswith("AD-")
    assert a.aprobado_por == "Marco Choque" and a.aprobado_en is not None
    assert a.sha256_devuelto == a.sha256
    plan = recargar(plan)
    # The RSI's deadline is met; the MAE's ten working days run from the approval.
    assert _plazos_abiertos(plan) == {"aprobacion_mae"}
    assert EntradaPlan.objects.filter(plan=plan, texto__contains=a.codigo).exists()
    assert RegistroAuditoria.objects.filter(accion="pisi.aprobacion_documento.aprobada").exists()

    # The resolution must cite that code.
    with pytest.raises(TransicionInvalida) as exc:
        _registrar_resolucion(plan, rsi_a, "AD-OTRO")
    assert "citar el código" in str(exc.value.extra)
    plan = _registrar_resolucion(plan, rsi_a, a.codigo.lower())
    assert plan.estado == "aprobado" and plan.resolucion_codigo_aprobacion == a.codigo


def test_la_evidencia_en_el_plan_y_en_verificar(conforme, rsi_a, client,
                                                encolados):
    a = _solicitar(conforme, rsi_a, encolados)
    services.aprobacion_enviar(aprobacion_id=a.pk)
    _decidir(a, "aprobar", nombre="Marco Choque")
    a = services.aprobacion_consultar(actor=rsi_a, aprobacion_id=a.pk)
    ingresar(client, rsi_a)
    pagina = client.get(f"/pisi/{conforme.pk}/").content.decode()
    assert a.codigo in pagina and a.sha256 in pagina and "Marco Choque" in pagina
    publica = Client().get(f"/verificar/{conforme.codigo_verificacion}/").content.decode()
    assert a.codigo in publica and a.sha256 in publica
    assert "Marco Choque" not in publica  # the approver's name is not public
    api = Client().get(f"/api/v1/pisi/verificacion/{conforme.codigo_verificacion}/")
    assert api.status_code == 200 and api.json()["aprobacion"]["codigo"] == a.codigo


def test_servicio_caido_mensaje_y_reintento(conforme, rsi_a, settings, simulador,
                                            encolados, monkeypatch):
    settings.CIUDADANIA_APROBACION_URL = "http://127.0.0.1:9/aprobacion"
    a = _solicitar(conforme, rsi_a, encolados)
    with pytest.raises(ServicioNoDisponible) as exc:
        services.aprobacion_enviar(aprobacion_id=a.pk)
    assert "no responde en este momento" in exc.value.message
    a = recargar_a(a)
    assert a.estado == "por_enviar" and a.intentos == 1 and "no responde" in a.ultimo_error

    # The task asks Celery to retry later (growing wait) instead of failing.
    pedidos = []

    def retry(exc=None, countdown=None, **kw):
        pedidos.append(countdown)
        return RuntimeError("retry")

    monkeypatch.setattr(aprobacion_enviar_tarea, "retry", retry)
    with pytest.raises(RuntimeError):
        aprobacion_enviar_tarea.run(a.pk)
    assert pedidos == [60]

    # The plan page says why and offers to retry now.
    cliente = Client()
    ingresar(cliente, rsi_a)
    r = cliente.post(f"/pisi/{conforme.pk}/accion/aprobacion_reintentar/",
                     {"aprobacion_id": a.pk}, follow=True)
    assert "no responde en este momento" in r.content.decode()

    settings.CIUDADANIA_APROBACION_URL = f"{simulador.url}/simulador-cd/aprobacion"
    assert aprobacion_enviar_tarea.run(a.pk) == "enviada"
    assert recargar_a(a).intentos == 4  # three refused attempts, then the one that went


def test_aprobacion_rechazada_y_nuevo_envio(conforme, rsi_a, encolados):
    a = _solicitar(conforme, rsi_a, encolados)
    services.aprobacion_enviar(aprobacion_id=a.pk)
    _decidir(a, "rechazar", motivo="El resumen no corresponde")
    a = services.aprobacion_consultar(actor=rsi_a, aprobacion_id=a.pk)
    assert a.estado == EstadoAprobacion.RECHAZADA and a.motivo == "El resumen no corresponde"
    assert "aprobacion_documento" in _plazos_abiertos(recargar(conforme))
    nueva = _solicitar(conforme, rsi_a, encolados)
    assert nueva.pk != a.pk and nueva.estado == "por_enviar"


def test_hash_devuelto_distinto_rechazado_y_auditado(conforme, rsi_a,
                                                     encolados):
    a = _solicitar(conforme, rsi_a, encolados)
    services.aprobacion_enviar(aprobacion_id=a.pk)
    a = recargar_a(a)
    registro = simulador_servicios.leer(a.solicitud_id)
    registro["hash_sha256"] = "0" * 64  # the service registered another document
    simulador_servicios.guardar(registro)
    _decidir(a, "aprobar")
    with pytest.raises(HashDistinto):
        services.aprobacion_consultar(actor=rsi_a, aprobacion_id=a.pk)
    a = recargar_a(a)
    assert a.estado == EstadoAprobacion.HASH_DISTINTO and a.sha256_devuelto == "0" * 64
    fila = RegistroAuditoria.objects.get(accion="pisi.aprobacion_documento.hash_distinto")
    assert fila.datos["sha256_devuelto"] == "0" * 64 and fila.datos["sha256"] == a.sha256
    # Nothing counts as approved: the MAE step stays blocked.
    assert recargar(conforme).aprobacion_documento() is None
    with pytest.raises(TransicionInvalida):
        _registrar_resolucion(recargar(conforme), rsi_a, a.codigo)


def test_solo_el_rsi_del_plan(conforme, auditor, rsi_b, entidad_a):
    from tests.factories import crear_usuario

    mae = crear_usuario(username="mae_x", entidad=entidad_a, rol_entidad="mae")
    with pytest.raises(PermisoDenegado):
        services.aprobacion_solicitar(actor=auditor, plan_id=conforme.pk)
    with pytest.raises(PermisoDenegado):
        services.aprobacion_solicitar(actor=mae, plan_id=conforme.pk)
    with pytest.raises(NoEncontrado):
        services.aprobacion_solicitar(actor=rsi_b, plan_id=conforme.pk)
    assert not AprobacionDocumento.objects.exists()


def test_sin_servicio_configurado_la_resolucion_no_lo_exige(settings, plan, rsi_a, auditor):
    settings.CIUDADANIA_APROBACION_URL = ""
    plan = llevar_a(plan, "aprobado", rsi_a, auditor)
    assert plan.estado == "aprobado"
