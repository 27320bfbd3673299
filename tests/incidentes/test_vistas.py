"""The incident HTML pages: report form, lists, detail with only the fireable transitions,
domain errors as messages (never a 500), tenant isolation and constant query counts."""

import re
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import include, path
from django.utils import timezone

from cgii import views as cgii_views
from incidentes import services
from incidentes.models import Evidencia, Incidente
from tests.entidades.sesiones import iniciar_sesion_verificada
from tests.factories import crear_usuario

from .utiles import cerrar_datos, clasificar, completar, llevar_a, reportar

pytestmark = pytest.mark.django_db


def _cliente(usuario) -> Client:
    c = Client()
    if usuario.groups.exists():
        iniciar_sesion_verificada(c, usuario)
    else:
        c.force_login(usuario)
    return c


def _url(incidente, accion=None) -> str:
    base = f"/incidentes/{incidente.pk}/"
    return f"{base}accion/{accion}/" if accion else base


def _mensajes(respuesta) -> list[str]:
    return [str(m) for m in respuesta.context["messages"]]


def _botones(html: str) -> set[str]:
    return set(re.findall(r'data-transicion="([a-z_]+)"', html))


def _estado(incidente) -> str:
    return Incidente.objects.get(pk=incidente.pk).estado


# ---- report form ---------------------------------------------------------------------------

def test_formulario_de_reporte_crea_el_incidente_y_redirige(catalogos, reportante_a, entidad_a):
    c = _cliente(reportante_a)
    r = c.get("/incidentes/nuevo/")
    assert r.status_code == 200
    html = r.content.decode()
    assert 'type="hidden" name="entidad"' in html, "one entity: nothing to choose"
    assert 'name="origen"' not in html, "only CGII staff set the origin"
    detectado = timezone.localtime() - timedelta(hours=2)
    r = c.post("/incidentes/nuevo/", {
        "entidad": entidad_a.pk, "titulo": "Correos de phishing al personal",
        "descripcion": "Piden la contraseña del correo institucional.",
        "detectado_en": detectado.strftime("%Y-%m-%dT%H:%M"), "tlp": "amber",
        "activos_afectados": "Correo institucional",
        "evidencias": [SimpleUploadedFile("correo.eml", b"From: a@b.c\nSubject: x\n\nhola\n",
                                          content_type="message/rfc822")],
    })
    incidente = Incidente.objects.get()
    assert r.status_code == 302 and r["Location"] == _url(incidente)
    assert incidente.entidad == entidad_a and incidente.reportante == reportante_a
    assert incidente.origen == "entidad" and incidente.estado == "reportado"
    assert Evidencia.objects.get(incidente=incidente).nombre == "correo.eml"
    r = c.get(r["Location"])
    assert r.status_code == 200
    assert any(incidente.codigo in m for m in _mensajes(r))
    assert "correo.eml" in r.content.decode()


def test_reporte_con_fecha_futura_muestra_el_error_junto_al_campo(catalogos, reportante_a,
                                                                   entidad_a):
    futuro = timezone.localtime() + timedelta(days=2)
    r = _cliente(reportante_a).post("/incidentes/nuevo/", {
        "entidad": entidad_a.pk, "titulo": "Algo", "descripcion": "Algo pasó.",
        "detectado_en": futuro.strftime("%Y-%m-%dT%H:%M"), "tlp": "amber"})
    assert r.status_code == 200
    assert "futuro" in " ".join(r.context["form"].errors["detectado_en"])
    assert not Incidente.objects.exists()


def test_reporte_sin_campos_obligatorios_no_crea_nada(catalogos, reportante_a):
    r = _cliente(reportante_a).post("/incidentes/nuevo/", {"tlp": "amber"})
    assert r.status_code == 200
    assert {"titulo", "descripcion", "detectado_en"} <= set(r.context["form"].errors)
    assert not Incidente.objects.exists()


# ---- lists and tenant isolation ------------------------------------------------------------

def test_lista_de_la_entidad_muestra_solo_sus_incidentes(catalogos, reportante_a, entidad_a,
                                                         reportante_b, entidad_b, analista):
    propio = reportar(reportante_a, entidad_a, titulo="Incidente propio de A")
    ajeno = reportar(reportante_b, entidad_b, titulo="Incidente ajeno de B")
    c = _cliente(reportante_a)
    html = c.get("/incidentes/").content.decode()
    assert propio.codigo in html and "Incidente propio de A" in html
    assert ajeno.codigo not in html and "Incidente ajeno de B" not in html
    # Another entity's incident does not exist for A: 404 everywhere, never 403.
    assert c.get(_url(ajeno)).status_code == 404
    assert c.post(_url(ajeno, "mensaje"), {"texto": "hola"}).status_code == 404
    ev = services.evidencia_subir(actor=reportante_b, incidente_id=ajeno.pk,
                                  archivo=SimpleUploadedFile("x.txt", b"registro\n"))
    assert c.get(f"{_url(ajeno)}evidencias/{ev.pk}/").status_code == 404
    # CGII staff sees both, with the entity column.
    html = _cliente(analista).get("/incidentes/").content.decode()
    assert propio.codigo in html and ajeno.codigo in html
    assert entidad_b.sigla in html


def test_filtros_de_la_lista(catalogos, reportante_a, entidad_a, analista):
    a = reportar(reportante_a, entidad_a, titulo="Portal desfigurado")
    b = reportar(reportante_a, entidad_a, titulo="Correos de phishing")
    services.incidente_asignar(actor=analista, incidente_id=b.pk, analista_id=analista.pk)
    c = _cliente(analista)
    html = c.get("/incidentes/", {"q": "portal"}).content.decode()
    assert a.codigo in html and b.codigo not in html
    html = c.get("/incidentes/", {"mios": "1"}).content.decode()
    assert b.codigo in html and a.codigo not in html
    html = c.get("/incidentes/", {"sin_asignar": "1"}).content.decode()
    assert a.codigo in html and b.codigo not in html


def _poblar(n, reportante, entidad, analista):
    for i in range(n):
        inc = reportar(reportante, entidad, titulo=f"Incidente {i}")
        if i % 3 == 0:
            clasificar(inc, analista)
        if i % 2 == 0:
            services.incidente_asignar(actor=analista, incidente_id=inc.pk,
                                       analista_id=analista.pk)


@pytest.mark.parametrize("quien", ["entidad", "cgii"])
def test_listas_con_numero_constante_de_consultas(catalogos, reportante_a, entidad_a, analista,
                                                  django_assert_max_num_queries, quien):
    c = _cliente(reportante_a if quien == "entidad" else analista)
    _poblar(5, reportante_a, entidad_a, analista)
    with CaptureQueriesContext(connection) as con_5:
        r = c.get("/incidentes/")
    assert r.status_code == 200 and len(r.context["filas"]) == 5
    _poblar(25, reportante_a, entidad_a, analista)
    with django_assert_max_num_queries(len(con_5.captured_queries)):
        r = c.get("/incidentes/")
    assert r.status_code == 200 and len(r.context["filas"]) == 30


# ---- detail: transition buttons ------------------------------------------------------------

def test_detalle_del_personal_muestra_solo_las_transiciones_permitidas(incidente, analista,
                                                                       coordinador,
                                                                       reportante_a):
    c = _cliente(analista)
    html = c.get(_url(incidente)).content.decode()
    # Reported, not yet classified (default roles): triage, reject or mark duplicate.
    assert _botones(html) == {"iniciar_triaje", "rechazar", "marcar_duplicado"}

    llevar_a(incidente, "en_triaje", analista)
    html = c.get(_url(incidente)).content.decode()
    assert "iniciar_analisis" not in _botones(html), "unclassified: not fireable"
    assert 'data-bloqueada="iniciar_analisis"' in html, "shown as blocked, with the reason"
    assert "clasificado" in html
    assert "solicitar_informacion" in _botones(html)

    clasificar(incidente, analista)
    completar(incidente, "triaje")
    html = c.get(_url(incidente)).content.decode()
    assert "iniciar_analisis" in _botones(html)
    # Phishing protocol: only coordinators reject.
    assert "rechazar" not in _botones(html)
    assert "rechazar" in _botones(_cliente(coordinador).get(_url(incidente)).content.decode())

    html = _cliente(reportante_a).get(_url(incidente)).content.decode()
    assert not _botones(html), "the entity fires no staff transition"
    assert 'id="clasificacion"' not in html and 'data-accion="tomar"' not in html


def test_resuelto_solo_el_coordinador_puede_cerrar(incidente, analista, coordinador):
    llevar_a(incidente, "resuelto", analista)
    completar(incidente, "cierre")
    assert "cerrar" not in _botones(_cliente(analista).get(_url(incidente)).content.decode())
    c = _cliente(coordinador)
    assert "cerrar" in _botones(c.get(_url(incidente)).content.decode())
    r = c.post(_url(incidente, "transicion"), {"transicion": "cerrar", **cerrar_datos(),
                                                 "controles_fallidos": "5.7, 8.23"}, follow=True)
    assert r.status_code == 200 and _estado(incidente) == "cerrado"
    assert Incidente.objects.get(pk=incidente.pk).controles_fallidos == ["5.7", "8.23"]


# ---- detail: errors as messages ------------------------------------------------------------

def test_transicion_invalida_muestra_el_motivo_como_mensaje(incidente, analista):
    c = _cliente(analista)
    r = c.post(_url(incidente, "transicion"), {"transicion": "contener"}, follow=True)
    assert r.status_code == 200
    assert any("No se puede" in m and "Reportado" in m for m in _mensajes(r))
    assert _estado(incidente) == "reportado"

    llevar_a(incidente, "en_triaje", analista)
    clasificar(incidente, analista)
    r = c.post(_url(incidente, "transicion"), {"transicion": "iniciar_analisis"}, follow=True)
    assert r.status_code == 200
    (texto,) = _mensajes(r)
    assert "Faltan pasos obligatorios" in texto and "Pasos pendientes:" in texto
    assert _estado(incidente) == "en_triaje"


def test_errores_de_dominio_y_datos_malos_son_mensajes_no_500(incidente, analista,
                                                              reportante_a):
    ent = _cliente(reportante_a)
    r = ent.post(_url(incidente, "transicion"), {"transicion": "iniciar_triaje"}, follow=True)
    assert r.status_code == 200 and any("rol" in m for m in _mensajes(r))
    r = ent.post(_url(incidente, "transicion"), {"transicion": "no_existe"}, follow=True)
    assert r.status_code == 200 and any("desconocida" in m for m in _mensajes(r))
    r = ent.post(_url(incidente, "clasificar"), {"tipo": "phishing"}, follow=True)
    assert r.status_code == 200 and _mensajes(r)

    c = _cliente(analista)
    r = c.post(_url(incidente, "tarea"), {"tarea_id": "abc", "estado": "hecha"}, follow=True)
    assert r.status_code == 200 and any("no válidos" in m for m in _mensajes(r))
    r = c.post(_url(incidente, "mensaje"), {"texto": "   "}, follow=True)
    assert r.status_code == 200 and any("obligatorio" in m for m in _mensajes(r))
    r = c.post(_url(incidente, "transicion"), {"transicion": "rechazar"}, follow=True)
    assert r.status_code == 200 and any("motivo" in m for m in _mensajes(r))
    assert c.post(_url(incidente, "no-existe")).status_code == 404
    assert c.get(_url(incidente, "tomar")).status_code == 405


def test_paso_con_nota_y_evidencia_obligatorias(incidente, analista):
    llevar_a(incidente, "en_analisis", analista)
    tarea = incidente.tareas.get(codigo_paso="phishing-analisis-1")
    c = _cliente(analista)
    r = c.post(_url(incidente, "tarea"), {"tarea_id": tarea.pk, "estado": "hecha", "nota": ""},
               follow=True)
    assert any("nota" in m for m in _mensajes(r))
    r = c.post(_url(incidente, "tarea"), {
        "tarea_id": tarea.pk, "estado": "hecha", "nota": "SPF y DMARC fallan.", "interna": "1",
        "archivo": SimpleUploadedFile("cabeceras.txt", b"Authentication-Results: spf=fail\n")},
        follow=True)
    assert r.status_code == 200, _mensajes(r)
    tarea.refresh_from_db()
    assert tarea.estado == "hecha" and tarea.evidencia.nombre == "cabeceras.txt"
    assert not tarea.evidencia.visible_entidad, "staff checklist evidence stays internal"


# ---- detail: what the entity sees --------------------------------------------------------------

def test_comentario_interno_no_aparece_en_la_pagina_de_la_entidad(incidente, analista,
                                                                    reportante_a):
    c = _cliente(analista)
    c.post(_url(incidente, "mensaje"), {"texto": "Sospechamos de un funcionario", "compartido": "0"})
    c.post(_url(incidente, "mensaje"), {"texto": "Estamos revisando su reporte", "compartido": "1"})
    interna = services.evidencia_subir(actor=analista, incidente_id=incidente.pk,
                                       archivo=SimpleUploadedFile("interno.txt", b"solo cgii\n"),
                                       visible_entidad=False)
    html_cgii = c.get(_url(incidente)).content.decode()
    assert "Sospechamos de un funcionario" in html_cgii and "interno.txt" in html_cgii
    assert "Estamos revisando su reporte" in html_cgii

    ent = _cliente(reportante_a)
    html = ent.get(_url(incidente)).content.decode()
    assert "Estamos revisando su reporte" in html
    assert "Sospechamos de un funcionario" not in html
    assert "interno.txt" not in html
    assert ent.get(f"{_url(incidente)}evidencias/{interna.pk}/").status_code == 404


def test_la_entidad_responde_la_solicitud_y_confirma_la_resolucion(incidente, analista,
                                                                    reportante_a):
    llevar_a(incidente, "en_analisis", analista)
    c = _cliente(analista)
    c.post(_url(incidente, "solicitar"), {"pregunta": "¿Qué cuentas cayeron?"})
    assert _estado(incidente) == "en_espera_entidad"

    ent = _cliente(reportante_a)
    html = ent.get(_url(incidente)).content.decode()
    assert 'id="solicitud"' in html and "¿Qué cuentas cayeron?" in html
    r = ent.post(_url(incidente, "responder"), {"respuesta": "Dos cuentas."}, follow=True)
    assert r.status_code == 200 and _estado(incidente) == "en_analisis"

    completar(incidente, "analisis", "contencion", "erradicacion", "recuperacion")
    r = c.post(_url(incidente, "transicion"), {"transicion": "resolver"}, follow=True)
    assert any("resumen de cierre" in m for m in _mensajes(r)), "resolving asks for the summary"
    r = c.post(_url(incidente, "transicion"), {"transicion": "resolver", **cerrar_datos()},
               follow=True)
    assert _estado(incidente) == "resuelto"

    html = ent.get(_url(incidente)).content.decode()
    assert 'id="confirmar"' in html and cerrar_datos()["resumen_cierre"] in html
    r = ent.post(_url(incidente, "confirmar"), follow=True)
    assert r.status_code == 200 and _estado(incidente) == "cerrado"


def test_el_auditor_lee_todo_y_no_ve_formularios(incidente, auditor, analista):
    llevar_a(incidente, "en_triaje", analista)
    c = _cliente(auditor)
    assert incidente.codigo in c.get("/incidentes/").content.decode()
    html = c.get(_url(incidente)).content.decode()
    assert not _botones(html)
    assert 'name="texto"' not in html and "form-tarea" not in html and 'name="archivo"' not in html
    assert 'id="clasificacion"' not in html and "/incidentes/nuevo/" not in html
    r = c.post(_url(incidente, "mensaje"), {"texto": "hola"}, follow=True)
    assert r.status_code == 200 and _mensajes(r), "refused with a message, not a 500"
    r = c.get("/incidentes/nuevo/", follow=True)
    assert r.redirect_chain and any("no registra" in m for m in _mensajes(r))


def test_duplicado_por_codigo_del_maestro(catalogos, reportante_a, entidad_a, analista):
    maestro = reportar(reportante_a, entidad_a, titulo="Original")
    copia = reportar(reportante_a, entidad_a, titulo="Copia")
    r = _cliente(analista).post(_url(copia, "transicion"), {
        "transicion": "marcar_duplicado", "maestro_id": maestro.codigo.lower()}, follow=True)
    assert r.status_code == 200, _mensajes(r)
    copia.refresh_from_db()
    assert copia.estado == "duplicado" and copia.maestro_id == maestro.pk


@pytest.mark.parametrize("maestro", ["999999", "CGII-1999-00001"])
def test_maestro_desconocido_es_un_mensaje(incidente, analista, maestro):
    r = _cliente(analista).post(_url(incidente, "transicion"), {
        "transicion": "marcar_duplicado", "maestro_id": maestro}, follow=True)
    assert r.status_code == 200 and any("maestro" in m for m in _mensajes(r))
    assert _estado(incidente) == "reportado"


def _poner_en(estado, incidente, analista, coordinador, otro):
    if estado in ("en_triaje", "en_analisis", "en_contencion", "en_erradicacion",
                  "en_recuperacion", "resuelto"):
        return llevar_a(incidente, estado, analista)
    if estado == "en_espera_entidad":
        llevar_a(incidente, "en_contencion", analista)
        return services.incidente_solicitar_info(actor=analista, incidente_id=incidente.pk,
                                                 pregunta="¿Qué equipos?")
    if estado == "cerrado":
        llevar_a(incidente, "resuelto", analista)
        completar(incidente, "cierre")
        return services.incidente_transicionar(actor=coordinador, incidente_id=incidente.pk,
                                               transicion="cerrar", datos=cerrar_datos())
    if estado == "rechazado":
        return services.incidente_transicionar(actor=coordinador, incidente_id=incidente.pk,
                                               transicion="rechazar",
                                               datos={"motivo_rechazo": "No es un incidente."})
    if estado == "duplicado":
        return services.incidente_transicionar(actor=analista, incidente_id=incidente.pk,
                                               transicion="marcar_duplicado",
                                               datos={"maestro_id": otro.pk})
    return incidente


@pytest.mark.parametrize("estado", [
    "reportado", "en_triaje", "en_analisis", "en_contencion", "en_erradicacion",
    "en_recuperacion", "en_espera_entidad", "resuelto", "cerrado", "rechazado", "duplicado"])
def test_el_detalle_se_muestra_en_cada_estado_para_cada_rol(incidente, estado, analista,
                                                             coordinador, auditor, reportante_a,
                                                             rsi_a, entidad_a):
    otro = reportar(reportante_a, entidad_a, titulo="Maestro")
    _poner_en(estado, incidente, analista, coordinador, otro)
    assert _estado(incidente) == estado
    for usuario in (analista, coordinador, auditor, reportante_a, rsi_a):
        r = _cliente(usuario).get(_url(incidente))
        assert r.status_code == 200, (estado, usuario.username)
        assert f'data-estado="{estado}"' in r.content.decode()


def test_el_rsi_reabre_un_incidente_cerrado(incidente, analista, coordinador, rsi_a,
                                            reportante_a, entidad_a):
    _poner_en("cerrado", incidente, analista, coordinador, None)
    c = _cliente(rsi_a)
    assert _botones(c.get(_url(incidente)).content.decode()) == {"reabrir"}
    assert not _botones(_cliente(reportante_a).get(_url(incidente)).content.decode())
    r = c.post(_url(incidente, "transicion"), {"transicion": "reabrir",
                                                "comentario": "Volvió a pasar."}, follow=True)
    assert r.status_code == 200 and _estado(incidente) == "en_analisis"
    assert "Volvió a pasar." in r.content.decode()


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
    r = _cliente(analista).get("/incidentes/consola/")
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
    assert "cgii/js/consola.js" in html and "<script>" not in html, "CSP: no inline scripts"


def test_la_consola_es_la_portada_del_personal_y_el_portal_la_de_la_entidad(
        catalogos, incidente, analista, reportante_a):
    r = _cliente(analista).get("/")
    assert r.status_code == 200 and "incidentes/consola/consola.html" in [
        t.name for t in r.templates]
    r = _cliente(reportante_a).get("/")
    assert r.status_code == 200 and "incidentes/portal/portal.html" in [t.name for t in r.templates]
    # The console is for staff only; the portal only for entity users.
    r = _cliente(reportante_a).get("/incidentes/consola/")
    assert r.status_code == 302 and r["Location"] == "/incidentes/portal/"
    assert _cliente(reportante_a).get("/incidentes/consola/filas/?ids=1").status_code == 302
    r = _cliente(analista).get("/incidentes/portal/")
    assert r.status_code == 302 and r["Location"] == "/incidentes/consola/"


def test_filtros_de_la_consola(catalogos, reportante_a, entidad_a, reportante_b, entidad_b,
                               analista):
    a = reportar(reportante_a, entidad_a, titulo="De A")
    b = reportar(reportante_b, entidad_b, titulo="De B")
    clasificar(b, analista)  # phishing, P1 for impact/urgency 3/3
    services.incidente_asignar(actor=analista, incidente_id=a.pk, analista_id=analista.pk)
    c = _cliente(analista)

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
    c = _cliente(analista)
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
    c = _cliente(coordinador)
    _poblar(5, reportante_a, entidad_a, analista)
    with CaptureQueriesContext(connection) as con_5:
        r = c.get("/incidentes/consola/")
    assert r.status_code == 200 and len(r.context["filas"]) == 5
    ids = ",".join(str(i) for i in Incidente.objects.values_list("pk", flat=True))
    with CaptureQueriesContext(connection) as filas_5:
        c.get("/incidentes/consola/filas/", {"ids": ids})
    _poblar(25, reportante_a, entidad_a, analista)
    with django_assert_max_num_queries(len(con_5.captured_queries)):
        r = c.get("/incidentes/consola/")
    assert r.status_code == 200 and len(r.context["filas"]) == 30
    ids = ",".join(str(i) for i in Incidente.objects.values_list("pk", flat=True))
    with django_assert_max_num_queries(len(filas_5.captured_queries)):
        r = c.get("/incidentes/consola/filas/", {"ids": ids})
    assert sum(1 for h in r.json()["filas"].values() if h) == 30


# ---- one-click actions answer JSON; forms can come back to the page they were on --------------

def test_tomar_en_un_clic_responde_json(incidente, analista, reportante_a):
    c = _cliente(analista)
    r = c.post(_url(incidente, "tomar"), HTTP_ACCEPT="application/json")
    assert r.status_code == 200 and r.json()["ok"] is True
    assert Incidente.objects.get(pk=incidente.pk).analista_id == analista.pk
    # An analyst may not assign someone else: the domain error comes back as JSON too.
    otro = crear_usuario(username="otro.analista", rol_cgii="analista")
    r = c.post(_url(incidente, "asignar"), {"analista_id": otro.pk},
               HTTP_ACCEPT="application/json")
    assert r.status_code == 403 and r.json()["ok"] is False and r.json()["mensaje"]
    r = c.post(_url(incidente, "tarea"), {"tarea_id": "x"}, HTTP_ACCEPT="application/json")
    assert r.status_code == 400 and r.json()["ok"] is False
    # The entity's role never takes incidents: the same refusal whether the id exists or not.
    ent = _cliente(reportante_a)
    for pk in (incidente.pk, 999999):
        r = ent.post(f"/incidentes/{pk}/accion/tomar/", HTTP_ACCEPT="application/json")
        assert r.status_code == 403 and r.json()["ok"] is False


def test_volver_lleva_a_la_pagina_de_origen_solo_si_es_del_sitio(incidente, analista):
    c = _cliente(analista)
    r = c.post(_url(incidente, "tomar"), {"volver": "/incidentes/consola/?mios=1"})
    assert r.status_code == 302 and r["Location"] == "/incidentes/consola/?mios=1"
    r = c.post(_url(incidente, "tomar"), {"volver": "https://malicioso.example/"})
    assert r["Location"] == _url(incidente)
    r = c.post(_url(incidente, "tomar"), {"volver": "//malicioso.example/"})
    assert r["Location"] == _url(incidente)


def test_coordinador_asigna_en_un_clic(incidente, coordinador, analista):
    r = _cliente(coordinador).post(_url(incidente, "asignar"), {"analista_id": analista.pk},
                                   HTTP_ACCEPT="application/json")
    assert r.status_code == 200 and r.json()["ok"]
    assert Incidente.objects.get(pk=incidente.pk).analista_id == analista.pk
    html = _cliente(coordinador).get("/incidentes/consola/").content.decode()
    assert "data-asignar=" in html and 'id="asignables"' in html


# ---- live detail: panels fragment ------------------------------------------------------------

def test_paneles_del_detalle(incidente, analista, reportante_a, reportante_b):
    c = _cliente(analista)
    html = c.get(_url(incidente)).content.decode()
    from cgii.eventos.selectors import secuencia_actual
    assert f'data-secuencia="{secuencia_actual()}"' in html
    assert f'data-url-paneles="{_url(incidente)}paneles/"' in html
    r = c.get(f"{_url(incidente)}paneles/")
    assert r.status_code == 200
    parcial = r.content.decode()
    assert "<html" not in parcial
    paneles = set(re.findall(r'data-panel="([a-z-]+)"', parcial))
    assert paneles == {"cabecera", "solicitud", "acciones", "resumen", "protocolo", "timeline",
                       "sla", "asignacion", "clasificacion", "evidencias", "indicadores"}
    assert paneles <= set(re.findall(r'data-panel="([a-z-]+)"', html)), "same panels as the page"
    assert _botones(parcial) == {"iniciar_triaje", "rechazar", "marcar_duplicado"}
    # After a transition the fragment offers what is fireable now.
    llevar_a(incidente, "en_triaje", analista)
    assert "iniciar_triaje" not in _botones(c.get(f"{_url(incidente)}paneles/").content.decode())
    # Same visibility as the page: another entity gets a 404; the entity no internal entry.
    services.incidente_comentar(actor=analista, incidente_id=incidente.pk,
                                texto="Nota solo para el CGII", compartido=False)
    assert _cliente(reportante_b).get(f"{_url(incidente)}paneles/").status_code == 404
    ent = _cliente(reportante_a).get(f"{_url(incidente)}paneles/").content.decode()
    assert "Nota solo para el CGII" not in ent and 'data-transicion=' not in ent


def test_los_paneles_no_consumen_los_mensajes_de_la_pagina(incidente, analista):
    c = _cliente(analista)
    c.post(_url(incidente, "tomar"))
    c.get(f"{_url(incidente)}paneles/")
    r = c.get(_url(incidente))
    assert any("asignado a usted" in m for m in _mensajes(r))


# ---- entity portal ------------------------------------------------------------------------------

def test_portal_destaca_lo_que_pidio_el_cgii(incidente, analista, reportante_a, reportante_b,
                                              entidad_b):
    ajeno = reportar(reportante_b, entidad_b, titulo="Incidente de otra entidad")
    llevar_a(incidente, "en_analisis", analista)
    services.incidente_solicitar_info(actor=analista, incidente_id=incidente.pk,
                                      pregunta="¿Qué cuentas ingresaron la contraseña?")
    services.incidente_comentar(actor=analista, incidente_id=incidente.pk,
                                texto="Nota interna secreta", compartido=False)
    c = _cliente(reportante_a)
    r = c.get("/incidentes/portal/")
    assert r.status_code == 200
    html = r.content.decode()
    assert f'data-solicitud="{incidente.pk}"' in html
    assert "¿Qué cuentas ingresaron la contraseña?" in html
    assert "El CGII espera su respuesta" in html
    assert ajeno.codigo not in html and "Nota interna secreta" not in html
    assert "data-secuencia=" in html and "cgii/js/portal.js" in html
    # The panels alone, for the live refresh.
    parcial = c.get("/incidentes/portal/", {"parcial": "1"}).content.decode()
    assert "<html" not in parcial and 'data-panel="solicitudes"' in parcial
    # Answering from the portal goes back to the portal and resumes the incident.
    r = c.post(_url(incidente, "responder"), {"respuesta": "Dos cuentas: jperez y mlopez.",
                                               "volver": "/incidentes/portal/"})
    assert r.status_code == 302 and r["Location"] == "/incidentes/portal/"
    assert _estado(incidente) == "en_analisis"
    html = c.get("/incidentes/portal/").content.decode()
    assert "data-solicitud=" not in html


def test_portal_lista_terminados_y_por_confirmar(incidente, analista, reportante_a):
    llevar_a(incidente, "resuelto", analista)
    html = _cliente(reportante_a).get("/incidentes/portal/").content.decode()
    assert "Confirme la resolución" in html and f"{_url(incidente)}#confirmar" in html


# ---- report form: JSON answers for the upload with progress -----------------------------------

def test_reporte_por_xhr_responde_json(catalogos, reportante_a, entidad_a):
    c = _cliente(reportante_a)
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
    assert r.status_code == 201 and r.json()["url"] == _url(incidente)
    assert r.json()["codigo"] == incidente.codigo
    # The success message waits for the page the script goes to.
    assert any(incidente.codigo in m for m in _mensajes(c.get(r.json()["url"])))


def test_reporte_demasiado_grande_responde_json_sin_guardar(catalogos, reportante_a, entidad_a,
                                                            settings):
    settings.EVIDENCIA_TAMANO_MAXIMO = 10
    detectado = timezone.localtime() - timedelta(hours=1)
    r = _cliente(reportante_a).post("/incidentes/nuevo/", {
        "entidad": entidad_a.pk, "titulo": "Grande", "descripcion": "Detalle.",
        "detectado_en": detectado.strftime("%Y-%m-%dT%H:%M"), "tlp": "amber",
        "evidencias": [SimpleUploadedFile("grande.txt", b"x" * 100)],
    }, HTTP_ACCEPT="application/json")
    assert r.status_code == 400 and r.json()["ok"] is False and r.json()["mensaje"]
    assert not Incidente.objects.exists()
    html = _cliente(reportante_a).get("/incidentes/nuevo/").content.decode()
    assert 'data-max-bytes="10"' in html and "cgii/js/reporte.js" in html


# ---- header: bell and live banner on every page --------------------------------------------------

def test_la_cabecera_tiene_campana_y_aviso_de_reconexion(incidente, reportante_a):
    html = _cliente(reportante_a).get(_url(incidente)).content.decode()
    assert 'id="campana"' in html and 'data-url-lista="/api/v1/notificaciones/"' in html
    assert 'id="estado-conexion"' in html and 'role="alert"' in html
    assert 'aria-live="polite"' in html and 'name="csrf-token"' in html
    assert "<script>" not in html and "onclick=" not in html, "CSP script-src 'self'"


# The notification preferences page lives in cgii/views.py; until the root URL config mounts
# it, this test mounts it the way it will be (path and name).
urlpatterns = [
    path("cuenta/notificaciones/", cgii_views.preferencias_notificaciones,
         name="preferencias_notificaciones"),
    path("", include("cgii.urls")),
]


@pytest.mark.urls(__name__)
def test_pagina_de_preferencias_de_notificacion(catalogos, incidente, reportante_a):
    c = _cliente(reportante_a)
    r = c.get("/cuenta/notificaciones/")
    assert r.status_code == 200
    html = r.content.decode()
    assert 'id="form-preferencias"' in html
    assert 'data-url="/api/v1/notificaciones/preferencias/"' in html
    assert "cgii/js/preferencias.js" in html and "<script>" not in html
    # Once mounted, the bell links to it from every page.
    assert 'href="/cuenta/notificaciones/"' in c.get(_url(incidente)).content.decode()
    assert Client().get("/cuenta/notificaciones/").status_code == 302, "login required"
