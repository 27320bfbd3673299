"""The incident pages that live (issue 5): the analysts' console and its row fragment,
one-click actions, the detail's panels fragment, the entity portal, the report form's JSON
answers for the upload with progress, and the header every page carries."""

import re
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from incidentes import services
from incidentes.models import Incidente
from tests.factories import crear_usuario

from .paginas import botones, cliente, estado_de, mensajes, poblar, url
from .utiles import clasificar, llevar_a, reportar

pytestmark = pytest.mark.django_db


# ---- live console (issue 5) ---------------------------------------------------------------------

def _fila_ids(html: str) -> list[int]:
    """Incident ids of the console's rows, in page order."""
    return [int(x) for x in re.findall(r'<tr id="fila-(\d+)"', html)]


def test_la_consola_lista_los_abiertos_por_urgencia_sla(catalogos, reportante_a, entidad_a,
                                                        analista, coordinador):
    primero = reportar(reportante_a, entidad_a, titulo="Primero")
    segundo = reportar(reportante_a, entidad_a, titulo="Segundo")
    cerrado = reportar(reportante_a, entidad_a, titulo="Rechazado")
    services.incidente_transicionar(actor=coordinador, incidente_id=cerrado.pk,
                                    transicion="rechazar", datos={"motivo_rechazo": "No aplica."})
    # The second one's deadline comes first: it heads the queue.
    Incidente.objects.filter(pk=segundo.pk).update(
        vence_sla=timezone.now() + timedelta(minutes=5), estado_sla="advertencia")
    r = cliente(analista).get("/incidentes/consola/")
    assert r.status_code == 200
    html = r.content.decode()
    assert _fila_ids(html) == [segundo.pk, primero.pk]
    assert cerrado.codigo not in html
    # What the live client needs: the stream position, each row's deadline, the counters.
    from cgii.eventos.selectors import secuencia_actual
    assert f'data-secuencia="{secuencia_actual()}"' in html
    assert re.search(rf'id="fila-{segundo.pk}" class="fila-cola sla-advertencia"[^>]*data-vence=',
                     html)
    contadores = r.context["contadores"]
    assert contadores["total"] == 2 and contadores["advertencia"] == 1
    assert contadores["incumplido"] == 0 and contadores["sin_asignar"] == 2
    assert contadores["mios"] == 0
    assert sum(contadores[p] for p in ("p1", "p2", "p3", "p4")) == 2
    assert 'data-accion="tomar"' in html
    assert "incidentes/js/consola.js" in html and "<script>" not in html, "CSP: no inline scripts"


def test_la_consola_es_la_portada_del_personal_y_el_portal_la_de_la_entidad(
        catalogos, incidente, analista, reportante_a):
    r = cliente(analista).get("/")
    assert r.status_code == 200 and "incidentes/consola/consola.html" in [
        t.name for t in r.templates]
    r = cliente(reportante_a).get("/")
    assert r.status_code == 200 and "incidentes/portal/portal.html" in [t.name for t in r.templates]
    # The console is for staff only; the portal only for entity users.
    r = cliente(reportante_a).get("/incidentes/consola/")
    assert r.status_code == 302 and r["Location"] == "/incidentes/portal/"
    assert cliente(reportante_a).get("/incidentes/consola/filas/?ids=1").status_code == 302
    r = cliente(analista).get("/incidentes/portal/")
    assert r.status_code == 302 and r["Location"] == "/incidentes/consola/"


def test_filtros_de_la_consola(catalogos, reportante_a, entidad_a, reportante_b, entidad_b,
                               analista):
    a = reportar(reportante_a, entidad_a, titulo="De A")
    b = reportar(reportante_b, entidad_b, titulo="De B")
    clasificar(b, analista)  # phishing, P1 for impact/urgency 3/3
    services.incidente_asignar(actor=analista, incidente_id=a.pk, analista_id=analista.pk)
    c = cliente(analista)

    def ids(**q):
        return set(_fila_ids(c.get("/incidentes/consola/", q).content.decode()))

    assert ids() == {a.pk, b.pk}
    assert ids(entidad=entidad_b.pk) == {b.pk}
    assert ids(mios="1") == {a.pk}
    assert ids(sin_asignar="1") == {b.pk}
    assert ids(prioridad=Incidente.objects.get(pk=b.pk).prioridad) == {b.pk}
    assert ids(clase=Incidente.objects.get(pk=b.pk).tipo.clase.codigo) == {b.pk}
    assert ids(analista=analista.pk) == {a.pk}
    assert ids(estado="reportado") == {a.pk, b.pk}
    assert ids(estado_sla="incumplido") == set()
    # Unknown values are ignored, never an error; a closed state is not a queue filter.
    assert ids(estado="cerrado", prioridad="P9", entidad="x", estado_sla="raro") == {a.pk, b.pk}


def test_filas_de_la_consola_respetan_el_filtro_activo(catalogos, reportante_a, entidad_a,
                                                      analista, coordinador):
    mio = reportar(reportante_a, entidad_a, titulo="Mío")
    ajeno = reportar(reportante_a, entidad_a, titulo="Sin asignar")
    services.incidente_asignar(actor=analista, incidente_id=mio.pk, analista_id=analista.pk)
    c = cliente(analista)
    r = c.get("/incidentes/consola/filas/", {"ids": f"{mio.pk},{ajeno.pk},999999", "mios": "1"})
    assert r.status_code == 200
    datos = r.json()
    assert set(datos["filas"]) == {str(mio.pk), str(ajeno.pk), "999999"}
    assert datos["filas"][str(mio.pk)].startswith(f'<tr id="fila-{mio.pk}"')
    assert "Mío" in datos["filas"][str(mio.pk)]
    assert datos["filas"][str(ajeno.pk)] is None, "does not match the filter: the row goes"
    assert datos["filas"]["999999"] is None
    assert datos["contadores"]["total"] == 2 and datos["contadores"]["mios"] == 1
    assert datos["ahora"]
    # Once closed it leaves the queue whatever the filter.
    services.incidente_transicionar(actor=coordinador, incidente_id=mio.pk,
                                    transicion="rechazar", datos={"motivo_rechazo": "No aplica."})
    datos = c.get("/incidentes/consola/filas/", {"ids": str(mio.pk)}).json()
    assert datos["filas"][str(mio.pk)] is None and datos["contadores"]["total"] == 1
    assert c.get("/incidentes/consola/filas/", {"ids": "a,b"}).json()["filas"] == {}


def test_consola_y_filas_con_numero_constante_de_consultas(catalogos, reportante_a, entidad_a,
                                                          analista, coordinador,
                                                          django_assert_max_num_queries):
    c = cliente(coordinador)
    poblar(5, reportante_a, entidad_a, analista)
    with CaptureQueriesContext(connection) as con_5:
        r = c.get("/incidentes/consola/")
    assert r.status_code == 200 and len(r.context["filas"]) == 5
    ids = ",".join(str(i) for i in Incidente.objects.values_list("pk", flat=True))
    with CaptureQueriesContext(connection) as filas_5:
        c.get("/incidentes/consola/filas/", {"ids": ids})
    poblar(25, reportante_a, entidad_a, analista)
    with django_assert_max_num_queries(len(con_5.captured_queries)):
        r = c.get("/incidentes/consola/")
    assert r.status_code == 200 and len(r.context["filas"]) == 30
    ids = ",".join(str(i) for i in Incidente.objects.values_list("pk", flat=True))
    with django_assert_max_num_queries(len(filas_5.captured_queries)):
        r = c.get("/incidentes/consola/filas/", {"ids": ids})
    assert sum(1 for h in r.json()["filas"].values() if h) == 30


# ---- one-click actions answer JSON; forms can come back to the page they were on --------------

def test_tomar_en_un_clic_responde_json(incidente, analista, reportante_a):
    c = cliente(analista)
    r = c.post(url(incidente, "tomar"), HTTP_ACCEPT="application/json")
    assert r.status_code == 200 and r.json()["ok"] is True
    assert Incidente.objects.get(pk=incidente.pk).analista_id == analista.pk
    # An analyst may not assign someone else: the domain error comes back as JSON too.
    otro = crear_usuario(username="otro.analista", rol_cgii="analista")
    r = c.post(url(incidente, "asignar"), {"analista_id": otro.pk},
               HTTP_ACCEPT="application/json")
    assert r.status_code == 403 and r.json()["ok"] is False and r.json()["mensaje"]
    r = c.post(url(incidente, "tarea"), {"tarea_id": "x"}, HTTP_ACCEPT="application/json")
    assert r.status_code == 400 and r.json()["ok"] is False
    # The entity's role never takes incidents: the same refusal whether the id exists or not.
    ent = cliente(reportante_a)
    for pk in (incidente.pk, 999999):
        r = ent.post(f"/incidentes/{pk}/accion/tomar/", HTTP_ACCEPT="application/json")
        assert r.status_code == 403 and r.json()["ok"] is False


def test_volver_lleva_a_la_pagina_de_origen_solo_si_es_del_sitio(incidente, analista):
    c = cliente(analista)
    r = c.post(url(incidente, "tomar"), {"volver": "/incidentes/consola/?mios=1"})
    assert r.status_code == 302 and r["Location"] == "/incidentes/consola/?mios=1"
    r = c.post(url(incidente, "tomar"), {"volver": "https://malicioso.example/"})
    assert r["Location"] == url(incidente)
    r = c.post(url(incidente, "tomar"), {"volver": "//malicioso.example/"})
    assert r["Location"] == url(incidente)


def test_coordinador_asigna_en_un_clic(incidente, coordinador, analista):
    r = cliente(coordinador).post(url(incidente, "asignar"), {"analista_id": analista.pk},
                                   HTTP_ACCEPT="application/json")
    assert r.status_code == 200 and r.json()["ok"]
    assert Incidente.objects.get(pk=incidente.pk).analista_id == analista.pk
    html = cliente(coordinador).get("/incidentes/consola/").content.decode()
    assert "data-asignar=" in html and 'id="asignables"' in html


# ---- live detail: panels fragment ------------------------------------------------------------

def test_paneles_del_detalle(incidente, analista, reportante_a, reportante_b):
    c = cliente(analista)
    html = c.get(url(incidente)).content.decode()
    from cgii.eventos.selectors import secuencia_actual
    assert f'data-secuencia="{secuencia_actual()}"' in html
    assert f'data-url-paneles="{url(incidente)}paneles/"' in html
    r = c.get(f"{url(incidente)}paneles/")
    assert r.status_code == 200
    parcial = r.content.decode()
    assert "<html" not in parcial
    paneles = set(re.findall(r'data-panel="([a-z-]+)"', parcial))
    assert paneles == {"cabecera", "solicitud", "acciones", "resumen", "protocolo", "timeline",
                       "sla", "asignacion", "clasificacion", "evidencias", "indicadores",
                       "duplicados", "tareas-propias"}
    assert paneles <= set(re.findall(r'data-panel="([a-z-]+)"', html)), "same panels as the page"
    assert botones(parcial) == {"iniciar_triaje", "rechazar", "marcar_duplicado"}
    # After a transition the fragment offers what is fireable now.
    llevar_a(incidente, "en_triaje", analista)
    assert "iniciar_triaje" not in botones(c.get(f"{url(incidente)}paneles/").content.decode())
    # Same visibility as the page: another entity gets a 404; the entity no internal entry.
    services.incidente_comentar(actor=analista, incidente_id=incidente.pk,
                                texto="Nota solo para el CGII", compartido=False)
    assert cliente(reportante_b).get(f"{url(incidente)}paneles/").status_code == 404
    ent = cliente(reportante_a).get(f"{url(incidente)}paneles/").content.decode()
    assert "Nota solo para el CGII" not in ent and 'data-transicion=' not in ent


def test_los_paneles_no_consumen_los_mensajes_de_la_pagina(incidente, analista):
    c = cliente(analista)
    c.post(url(incidente, "tomar"))
    c.get(f"{url(incidente)}paneles/")
    r = c.get(url(incidente))
    assert any("asignado a usted" in m for m in mensajes(r))


# ---- entity portal ------------------------------------------------------------------------------

def test_portal_destaca_lo_que_pidio_el_cgii(incidente, analista, reportante_a, reportante_b,
                                              entidad_b):
    ajeno = reportar(reportante_b, entidad_b, titulo="Incidente de otra entidad")
    llevar_a(incidente, "en_analisis", analista)
    services.incidente_solicitar_info(actor=analista, incidente_id=incidente.pk,
                                      pregunta="¿Qué cuentas ingresaron la contraseña?")
    services.incidente_comentar(actor=analista, incidente_id=incidente.pk,
                                texto="Nota interna secreta", compartido=False)
    c = cliente(reportante_a)
    r = c.get("/incidentes/portal/")
    assert r.status_code == 200
    html = r.content.decode()
    assert f'data-solicitud="{incidente.pk}"' in html
    assert "¿Qué cuentas ingresaron la contraseña?" in html
    assert "El CGII espera su respuesta" in html
    assert ajeno.codigo not in html and "Nota interna secreta" not in html
    assert "data-secuencia=" in html and "incidentes/js/portal.js" in html
    # The panels alone, for the live refresh.
    parcial = c.get("/incidentes/portal/", {"parcial": "1"}).content.decode()
    assert "<html" not in parcial and 'data-panel="solicitudes"' in parcial
    # Answering from the portal goes back to the portal and resumes the incident.
    r = c.post(url(incidente, "responder"), {"respuesta": "Dos cuentas: jperez y mlopez.",
                                               "volver": "/incidentes/portal/"})
    assert r.status_code == 302 and r["Location"] == "/incidentes/portal/"
    assert estado_de(incidente) == "en_analisis"
    html = c.get("/incidentes/portal/").content.decode()
    assert "data-solicitud=" not in html


def test_portal_lista_terminados_y_por_confirmar(incidente, analista, reportante_a):
    llevar_a(incidente, "resuelto", analista)
    html = cliente(reportante_a).get("/incidentes/portal/").content.decode()
    assert "Confirme la resolución" in html and f"{url(incidente)}#confirmar" in html


# ---- report form: JSON answers for the upload with progress -----------------------------------

def test_reporte_por_xhr_responde_json(catalogos, reportante_a, entidad_a):
    c = cliente(reportante_a)
    r = c.post("/incidentes/nuevo/", {"entidad": entidad_a.pk, "tlp": "amber"},
               HTTP_ACCEPT="application/json")
    assert r.status_code == 400
    assert {"titulo", "descripcion", "detectado_en"} <= set(r.json()["errores"])
    detectado = timezone.localtime() - timedelta(hours=1)
    r = c.post("/incidentes/nuevo/", {
        "entidad": entidad_a.pk, "titulo": "Correo sospechoso", "descripcion": "Detalle.",
        "detectado_en": detectado.strftime("%Y-%m-%dT%H:%M"), "tlp": "amber",
        "evidencias": [SimpleUploadedFile("correo.eml", b"From: a@b.c\nSubject: x\n\nhola\n")],
    }, HTTP_ACCEPT="application/json")
    incidente = Incidente.objects.get()
    assert r.status_code == 201 and r.json()["url"] == url(incidente)
    assert r.json()["codigo"] == incidente.codigo
    # The success message waits for the page the script goes to.
    assert any(incidente.codigo in m for m in mensajes(c.get(r.json()["url"])))


def test_reporte_demasiado_grande_responde_json_sin_guardar(catalogos, reportante_a, entidad_a,
                                                            settings):
    settings.EVIDENCIA_TAMANO_MAXIMO = 10
    detectado = timezone.localtime() - timedelta(hours=1)
    r = cliente(reportante_a).post("/incidentes/nuevo/", {
        "entidad": entidad_a.pk, "titulo": "Grande", "descripcion": "Detalle.",
        "detectado_en": detectado.strftime("%Y-%m-%dT%H:%M"), "tlp": "amber",
        "evidencias": [SimpleUploadedFile("grande.txt", b"x" * 100)],
    }, HTTP_ACCEPT="application/json")
    assert r.status_code == 400 and r.json()["ok"] is False and r.json()["mensaje"]
    assert not Incidente.objects.exists()
    html = cliente(reportante_a).get("/incidentes/nuevo/").content.decode()
    assert 'data-max-bytes="10"' in html and "cgii/js/reporte.js" in html


# ---- header: bell and live banner on every page --------------------------------------------------

def test_la_cabecera_tiene_campana_y_aviso_de_reconexion(incidente, reportante_a):
    html = cliente(reportante_a).get(url(incidente)).content.decode()
    assert 'id="campana"' in html and 'data-url-lista="/api/v1/notificaciones/"' in html
    assert 'id="estado-conexion"' in html and 'role="alert"' in html
    assert 'aria-live="polite"' in html and 'name="csrf-token"' in html
    assert "<script>" not in html and "onclick=" not in html, "CSP script-src 'self'"


def test_pagina_de_preferencias_de_notificacion(catalogos, incidente, reportante_a):
    c = cliente(reportante_a)
    r = c.get("/cuenta/notificaciones/")
    assert r.status_code == 200
    html = r.content.decode()
    assert 'id="form-preferencias"' in html and 'method="post"' in html
    assert 'name="email:incidente.estado"' in html and 'name="frecuencia"' in html
    assert "<script>" not in html
    # Once mounted, the bell links to it from every page.
    assert 'href="/cuenta/notificaciones/"' in c.get(url(incidente)).content.decode()
    assert Client().get("/cuenta/notificaciones/").status_code == 302, "login required"
