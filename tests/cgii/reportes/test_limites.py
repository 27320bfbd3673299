"""Background report generation has limits: a few at a time per user (429 beyond), and
generated files are purged after REPORTES_DIAS_CONSERVAR days."""

from datetime import timedelta

import pytest
from django.utils import timezone

from cgii.auditoria.models import RegistroAuditoria
from cgii.reportes import services
from cgii.reportes.models import ReporteGenerado
from tests.entidades.sesiones import iniciar_sesion_verificada

pytestmark = pytest.mark.django_db


def _solicitar(usuario, gestion="2026"):
    return services.reporte_solicitar(usuario=usuario, tipo="lento",
                                      parametros={"gestion": gestion}, formato="xlsx")


def test_cupo_de_generaciones_en_curso_por_usuario(
        settings, client, analista, coordinador, registrar_tipo,
        django_capture_on_commit_callbacks):
    settings.REPORTES_MAX_EN_CURSO = 2
    registrar_tipo("lento", asincrono=True)
    with django_capture_on_commit_callbacks(execute=False):  # the worker has not run them
        primero = _solicitar(analista)
        _solicitar(analista)
        with pytest.raises(services.DemasiadosEnCurso):
            _solicitar(analista)
        _solicitar(coordinador)  # another user's quota is their own
    iniciar_sesion_verificada(client, analista)
    r = client.post("/reportes/lento/generar/?gestion=2026", {"formato": "xlsx"},
                    HTTP_ACCEPT="application/json")
    assert r.status_code == 429
    assert "máximo 2" in r.json()["message"]
    r = client.post("/reportes/lento/generar/?gestion=2026", {"formato": "xlsx"})
    assert r.status_code == 429 and "espere a que terminen" in r.content.decode()
    assert ReporteGenerado.objects.filter(usuario=analista).count() == 2

    # A finished one frees a place; one stuck for more than an hour (its worker was lost)
    # no longer counts.
    services.reporte_generar(primero.pk)
    with django_capture_on_commit_callbacks(execute=False):
        atascado = _solicitar(analista)
    ReporteGenerado.objects.filter(pk=atascado.pk).update(
        creado=timezone.now() - timedelta(hours=2))
    with django_capture_on_commit_callbacks(execute=False):
        _solicitar(analista)


def test_purga_de_archivos_viejos(settings, analista, registrar_tipo, archivos_privados,
                                  django_capture_on_commit_callbacks):
    settings.REPORTES_DIAS_CONSERVAR = 30
    registrar_tipo("lento", asincrono=True)
    with django_capture_on_commit_callbacks(execute=False):
        viejo, reciente = _solicitar(analista), _solicitar(analista, "2025")
    for r in (viejo, reciente):
        assert services.reporte_generar(r.pk) == "listo"
    viejo.refresh_from_db()
    reciente.refresh_from_db()
    ReporteGenerado.objects.filter(pk=viejo.pk).update(
        creado=timezone.now() - timedelta(days=31))
    assert (archivos_privados / viejo.ruta).exists()

    assert services.reportes_purgar() == 1
    assert list(ReporteGenerado.objects.values_list("pk", flat=True)) == [reciente.pk]
    assert not (archivos_privados / viejo.ruta).exists()
    assert (archivos_privados / reciente.ruta).exists()
    purga = RegistroAuditoria.objects.get(accion="reporte.purgar")
    assert purga.datos["reportes"] == 1 and purga.datos["ids"] == [viejo.pk]
    assert services.reportes_purgar() == 0  # nothing left to purge
    assert RegistroAuditoria.objects.filter(accion="reporte.purgar").count() == 1
