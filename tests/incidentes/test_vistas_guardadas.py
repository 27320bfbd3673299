"""Saved views, the list's entity and category filters, and the CSV/XLSX export (issue 18)."""

import io
from datetime import timedelta

import pytest
from django.utils import timezone
from openpyxl import load_workbook

from incidentes import services
from incidentes.models import Incidente, VistaGuardada

from .paginas import cliente
from .utiles import clasificar, reportar

pytestmark = pytest.mark.django_db


def test_vistas_del_equipo_sembradas_y_sus_cuentas(catalogos, reportante_a, entidad_a,
                                                   analista):
    a = reportar(reportante_a, entidad_a, titulo="Uno")
    b = reportar(reportante_a, entidad_a, titulo="Dos")
    reportar(reportante_a, entidad_a, titulo="Tres")
    for i in (a, b):
        services.incidente_asignar(actor=analista, incidente_id=i.pk, analista_id=analista.pk)
    services.incidente_fijar_prioridad(actor=analista, incidente_id=a.pk, prioridad="P1",
                                       motivo="Urgente")
    services.incidente_fijar_prioridad(actor=analista, incidente_id=b.pk, prioridad="P1",
                                       motivo="Urgente")
    # b got its first response: it leaves "sin respuesta".
    Incidente.objects.filter(pk=b.pk).update(primera_respuesta_en=timezone.now())
    # The only deadline of today: move a's to this evening (La Paz), the others to tomorrow.
    hoy = timezone.localtime().replace(hour=23, minute=0)
    Incidente.objects.update(vence_sla=hoy + timedelta(days=1))
    Incidente.objects.filter(pk=a.pk).update(vence_sla=hoy)
    nombres = dict(VistaGuardada.objects.filter(usuario=None).values_list("nombre", "pk"))
    assert set(nombres) >= {"Mis P1 sin respuesta", "Vencen hoy"}
    r = cliente(analista).get("/incidentes/vistas/cuentas/?pagina=consola")
    cuentas = r.json()["cuentas"]
    assert cuentas[str(nombres["Mis P1 sin respuesta"])] == 1
    assert cuentas[str(nombres["Vencen hoy"])] == 1
    html = cliente(analista).get("/incidentes/consola/").content.decode()
    assert "Mis P1 sin respuesta" in html and "data-cuenta-vista" in html


def test_cuentas_de_vistas_sin_consulta_por_fila(catalogos, reportante_a, entidad_a, analista,
                                                 django_assert_max_num_queries):
    for k in range(5):
        reportar(reportante_a, entidad_a, titulo=f"Inc {k}")
    for k in range(3):
        services.vista_guardar(actor=analista, nombre=f"Mía {k}", pagina="consola",
                               consulta=f"prioridad=P{k + 1}")
    c = cliente(analista)
    c.get("/incidentes/vistas/cuentas/")
    # Session + user + roles, one query to list the views, one COUNT per view (5 views).
    with django_assert_max_num_queries(12):
        r = c.get("/incidentes/vistas/cuentas/")
    assert len(r.json()["cuentas"]) == 5


def test_guardar_y_quitar_vistas_propias_y_del_equipo(catalogos, analista, coordinador,
                                                      reportante_a):
    c = cliente(analista)
    r = c.post("/incidentes/vistas/", {"nombre": "Mis phishing", "pagina": "consola",
                                       "consulta": "clase=fraude&page=3",
                                       "volver": "/incidentes/consola/"})
    assert r.status_code == 302
    vista = VistaGuardada.objects.get(nombre="Mis phishing")
    assert vista.usuario == analista and vista.consulta == "clase=fraude"
    # An analyst cannot share with the team; a coordinator can.
    r = c.post("/incidentes/vistas/", {"nombre": "Equipo", "pagina": "consola",
                                       "consulta": "", "compartida": "1"},
               HTTP_ACCEPT="application/json")
    assert r.status_code == 403
    r = cliente(coordinador).post("/incidentes/vistas/", {
        "nombre": "Equipo", "pagina": "lista", "consulta": "abiertos=1", "compartida": "1"},
        HTTP_ACCEPT="application/json")
    assert r.status_code == 200 and VistaGuardada.objects.get(nombre="Equipo").usuario is None
    # Someone else's view is not found; a team view is only removed by a coordinator.
    assert cliente(coordinador).post(f"/incidentes/vistas/{vista.pk}/borrar/",
                                     HTTP_ACCEPT="application/json").status_code == 404
    equipo = VistaGuardada.objects.get(nombre="Equipo")
    assert c.post(f"/incidentes/vistas/{equipo.pk}/borrar/",
                  HTTP_ACCEPT="application/json").status_code == 403
    assert c.post(f"/incidentes/vistas/{vista.pk}/borrar/",
                  HTTP_ACCEPT="application/json").status_code == 200
    assert not VistaGuardada.objects.filter(pk=vista.pk).exists()
    # Entities have no saved views.
    assert cliente(reportante_a).post("/incidentes/vistas/", {
        "nombre": "x", "pagina": "lista", "consulta": ""},
        HTTP_ACCEPT="application/json").status_code == 403


def test_lista_filtra_por_entidad_y_categoria(catalogos, reportante_a, entidad_a, reportante_b,
                                              entidad_b, analista):
    a = reportar(reportante_a, entidad_a, titulo="Del ministerio")
    b = reportar(reportante_b, entidad_b, titulo="Del municipio")
    clasificar(a, analista)  # phishing → its class
    clase = Incidente.objects.get(pk=a.pk).tipo.clase.codigo
    c = cliente(analista)
    html = c.get(f"/incidentes/?entidad={entidad_b.pk}").content.decode()
    assert b.codigo in html and a.codigo not in html
    html = c.get(f"/incidentes/?clase={clase}").content.decode()
    assert a.codigo in html and b.codigo not in html


def test_exportar_csv_y_xlsx_con_filtros_y_por_entidad(catalogos, reportante_a, entidad_a,
                                                       reportante_b, entidad_b, analista):
    a = reportar(reportante_a, entidad_a, titulo="=HYPERLINK(\"http://malo\")")
    reportar(reportante_a, entidad_a, titulo="Segundo del ministerio")
    b = reportar(reportante_b, entidad_b, titulo="Del municipio")
    services.incidente_fijar_prioridad(actor=analista, incidente_id=a.pk, prioridad="P1",
                                       motivo="x")
    c = cliente(analista)
    r = c.get("/incidentes/exportar.csv?prioridad=P1")
    assert r.status_code == 200 and r["Content-Type"].startswith("text/csv")
    texto = b"".join(r.streaming_content).decode("utf-8-sig")
    filas = texto.strip().splitlines()
    assert len(filas) == 2 and a.codigo in filas[1]
    assert "'=HYPERLINK" in filas[1], "a formula is neutralised"
    r = c.get(f"/incidentes/exportar.xlsx?pagina=consola&entidad={entidad_b.pk}")
    assert r.status_code == 200
    libro = load_workbook(io.BytesIO(b"".join(r.streaming_content)))
    hoja = libro.active
    codigos = [f[0] for f in hoja.iter_rows(min_row=2, values_only=True)]
    assert codigos == [b.codigo]
    # An entity user exports only its own incidents, whatever the filter says.
    r = cliente(reportante_b).get(f"/incidentes/exportar.csv?entidad={entidad_a.pk}")
    texto = b"".join(r.streaming_content).decode("utf-8-sig")
    assert a.codigo not in texto and len(texto.strip().splitlines()) == 1
    r = cliente(reportante_b).get("/incidentes/exportar.csv")
    texto = b"".join(r.streaming_content).decode("utf-8-sig")
    assert b.codigo in texto and a.codigo not in texto
    assert c.get("/incidentes/exportar.pdf").status_code == 404


def test_exportar_sin_consulta_por_fila(catalogos, reportante_a, entidad_a, analista,
                                        django_assert_max_num_queries):
    for k in range(6):
        i = reportar(reportante_a, entidad_a, titulo=f"Inc {k}")
        if k % 2:
            clasificar(i, analista)
            services.incidente_asignar(actor=analista, incidente_id=i.pk,
                                       analista_id=analista.pk)
    c = cliente(analista)
    with django_assert_max_num_queries(8):
        r = c.get("/incidentes/exportar.csv")
        filas = b"".join(r.streaming_content).decode("utf-8-sig").strip().splitlines()
    assert len(filas) == 7
