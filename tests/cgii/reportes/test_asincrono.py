import io

import pytest
from django.test import Client
from openpyxl import load_workbook

from cgii.eventos.grupos import grupo_usuario
from cgii.eventos.models import Evento
from cgii.reportes import services
from cgii.reportes.models import ReporteGenerado
from cgii.reportes.tasks import generar_reporte
from tests.entidades.sesiones import iniciar_sesion_verificada

pytestmark = pytest.mark.django_db


@pytest.fixture
def eager():
    """Run the Celery task when the on-commit callback fires (as the embedded profile
    does), instead of publishing to the broker."""
    conf = generar_reporte.app.conf
    antes = conf.task_always_eager
    conf.task_always_eager = True
    yield
    conf.task_always_eager = antes


def _cliente(usuario):
    c = Client()
    iniciar_sesion_verificada(c, usuario)
    return c


def test_generar_progreso_listo_y_descarga_solo_del_dueno(
        analista, coordinador, registrar_tipo, archivos_privados, eager,
        django_capture_on_commit_callbacks):
    registrar_tipo("lento", asincrono=True)
    c = _cliente(analista)
    with django_capture_on_commit_callbacks(execute=True):
        r = c.post("/reportes/lento/generar/?gestion=2026&entidad=MINEDU", {"formato": "xlsx"},
                   HTTP_ACCEPT="application/json")
    assert r.status_code == 202
    datos = r.json()
    assert datos["estado"] == "pendiente" and datos["url_estado"] == f"/reportes/generados/{datos['id']}/"

    generado = ReporteGenerado.objects.get(pk=datos["id"])
    assert generado.usuario == analista and generado.parametros == {
        "gestion": ["2026"], "entidad": ["MINEDU"]}
    assert generado.estado == "listo" and generado.progreso == 100
    from cgii.auditoria.models import RegistroAuditoria

    auditado = RegistroAuditoria.objects.get(accion="reporte.solicitar")
    assert auditado.actor_id == analista.pk and auditado.objeto_id == str(generado.pk)
    assert auditado.datos["formato"] == "xlsx"
    assert generado.nombre == "prueba-2026.xlsx" and generado.tamano > 0
    assert (archivos_privados / generado.ruta).exists()

    estado = c.get(datos["url_estado"]).json()
    assert estado["estado"] == "listo" and estado["url"] == f"/reportes/generados/{generado.pk}/descarga/"

    r = c.get(estado["url"])
    assert r.status_code == 200
    assert 'filename="prueba-2026.xlsx"' in r["Content-Disposition"]
    libro = load_workbook(io.BytesIO(b"".join(r.streaming_content)))
    assert libro.sheetnames[0] == "Portada"

    otro = _cliente(coordinador)
    assert otro.get(estado["url"]).status_code == 404
    assert otro.get(datos["url_estado"]).status_code == 404

    eventos = list(Evento.objects.filter(tipo__startswith="reporte.").order_by("id"))
    assert all(e.grupos == [grupo_usuario(analista.pk)] for e in eventos)
    progreso = [e.datos["progreso"] for e in eventos if e.tipo == "reporte.progreso"]
    assert progreso == sorted(progreso) and progreso[-1] == 100
    # The builder reported 51 steps; the service throttles to ≥ 5-point steps.
    assert 5 <= len(progreso) <= 25
    assert all(b - a >= 5 for a, b in zip(progreso[1:-1], progreso[2:-1], strict=False))
    listo = [e for e in eventos if e.tipo == "reporte.listo"]
    assert len(listo) == 1 and listo[0].datos["url"] == estado["url"]
    assert listo[0].datos["reporte"] == generado.pk

    # Idempotent: a second delivery of the task changes nothing.
    assert services.reporte_generar(generado.pk) == "nada"
    assert Evento.objects.filter(tipo="reporte.listo").count() == 1


def test_formulario_sin_js_va_a_la_pagina_de_progreso(analista, registrar_tipo,
                                                      archivos_privados,
                                                      django_capture_on_commit_callbacks):
    registrar_tipo("lento", asincrono=True)
    c = _cliente(analista)
    with django_capture_on_commit_callbacks(execute=False) as llamadas:
        r = c.post("/reportes/lento/generar/?gestion=2026", {"formato": "pdf"})
    generado = ReporteGenerado.objects.get()
    assert r.status_code == 302 and r["Location"] == f"/reportes/generados/{generado.pk}/"
    assert any("generar_reporte" in repr(c) or "reportes" in repr(c) for c in llamadas)
    html = c.get(r["Location"], HTTP_ACCEPT="text/html").content.decode()
    assert "data-generacion" in html and 'http-equiv="refresh"' in html
    assert generado.estado == "pendiente"

    assert services.reporte_generar(generado.pk) == "listo"
    generado.refresh_from_db()
    assert generado.nombre == "prueba-2026.pdf"
    r = c.get(f"/reportes/generados/{generado.pk}/descarga/")
    assert r.status_code == 200 and b"".join(r.streaming_content).startswith(b"%PDF")
    html = c.get("/reportes/lento/?gestion=2026").content.decode()
    assert f"/reportes/generados/{generado.pk}/descarga/" in html  # recent files list


def test_generar_con_parametros_invalidos(analista, registrar_tipo):
    registrar_tipo("lento", asincrono=True)
    c = _cliente(analista)
    r = c.post("/reportes/lento/generar/?gestion=1900", {"formato": "pdf"},
               HTTP_ACCEPT="application/json")
    assert r.status_code == 400 and "gestion" in r.json()["extra"]["errores"]
    r = c.post("/reportes/lento/generar/?gestion=2026", {"formato": "docx"},
               HTTP_ACCEPT="application/json")
    assert r.status_code == 400
    assert not ReporteGenerado.objects.exists()


def test_tarea_con_error_no_deja_archivo(analista, registrar_tipo, archivos_privados,
                                         django_capture_on_commit_callbacks):
    registrar_tipo("lento", asincrono=True)
    with django_capture_on_commit_callbacks(execute=False):
        generado = services.reporte_solicitar(usuario=analista, tipo="lento",
                                              parametros={"gestion": "2003"}, formato="pdf")
    assert services.reporte_generar(generado.pk) == "error"
    generado.refresh_from_db()
    assert generado.estado == "error" and generado.ruta == ""
    assert "error interno" in generado.mensaje
    assert not (archivos_privados / "reportes").exists() or not any(
        p.is_file() for p in (archivos_privados / "reportes").rglob("*"))
    ultimo = Evento.objects.filter(tipo="reporte.progreso").latest("id")
    assert ultimo.datos["estado"] == "error" and ultimo.datos["mensaje"] == generado.mensaje
    c = _cliente(analista)
    assert c.get(f"/reportes/generados/{generado.pk}/").json()["estado"] == "error"
    assert c.get(f"/reportes/generados/{generado.pk}/descarga/").status_code == 404
    assert services.reporte_generar(generado.pk) == "nada"


def test_tarea_error_de_dominio_y_acceso_perdido(analista, registrar_tipo, archivos_privados,
                                                 django_capture_on_commit_callbacks):
    registrar_tipo("lento", asincrono=True)
    with django_capture_on_commit_callbacks(execute=False):
        sin_datos = services.reporte_solicitar(usuario=analista, tipo="lento",
                                               parametros={"gestion": "2001"}, formato="xlsx")
        perdido = services.reporte_solicitar(usuario=analista, tipo="lento",
                                             parametros={"gestion": "2026"}, formato="xlsx")
    services.reporte_generar(sin_datos.pk)
    sin_datos.refresh_from_db()
    assert sin_datos.estado == "error"
    assert sin_datos.mensaje == "No hay datos para la gestión 2001."

    analista.groups.clear()  # no longer staff when the task runs
    services.reporte_generar(perdido.pk)
    perdido.refresh_from_db()
    assert perdido.estado == "error" and "no está disponible" in perdido.mensaje


def test_admin_lista_los_generados(analista, registrar_tipo,
                                   django_capture_on_commit_callbacks):
    from tests.factories import crear_usuario

    registrar_tipo("lento", asincrono=True)
    with django_capture_on_commit_callbacks(execute=False):
        services.reporte_solicitar(usuario=analista, tipo="lento",
                                   parametros={"gestion": "2026"}, formato="pdf")
    raiz = crear_usuario(username="raiz", rol_cgii="administrador", is_staff=True,
                         is_superuser=True)
    r = _cliente(raiz).get("/admin/reportes/reportegenerado/")
    assert r.status_code == 200 and "lento" in r.content.decode()
