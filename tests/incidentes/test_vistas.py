"""The incident HTML pages: report form, lists, detail with only the fireable transitions,
domain errors as messages (never a 500), tenant isolation and constant query counts."""

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from incidentes import services
from incidentes.models import Evidencia, Incidente

from .paginas import botones, cliente, estado_de, mensajes, poblar, url
from .utiles import cerrar_datos, clasificar, completar, llevar_a, reportar

pytestmark = pytest.mark.django_db



# ---- report form ---------------------------------------------------------------------------

def test_formulario_de_reporte_crea_el_incidente_y_redirige(catalogos, reportante_a, entidad_a):
    c = cliente(reportante_a)
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
    assert r.status_code == 302 and r["Location"] == url(incidente)
    assert incidente.entidad == entidad_a and incidente.reportante == reportante_a
    assert incidente.origen == "entidad" and incidente.estado == "reportado"
    assert Evidencia.objects.get(incidente=incidente).nombre == "correo.eml"
    r = c.get(r["Location"])
    assert r.status_code == 200
    assert any(incidente.codigo in m for m in mensajes(r))
    assert "correo.eml" in r.content.decode()


def test_reporte_con_fecha_futura_muestra_el_error_junto_al_campo(catalogos, reportante_a,
                                                                   entidad_a):
    futuro = timezone.localtime() + timedelta(days=2)
    r = cliente(reportante_a).post("/incidentes/nuevo/", {
        "entidad": entidad_a.pk, "titulo": "Algo", "descripcion": "Algo pasó.",
        "detectado_en": futuro.strftime("%Y-%m-%dT%H:%M"), "tlp": "amber"})
    assert r.status_code == 200
    assert "futuro" in " ".join(r.context["form"].errors["detectado_en"])
    assert not Incidente.objects.exists()


def test_reporte_sin_campos_obligatorios_no_crea_nada(catalogos, reportante_a):
    r = cliente(reportante_a).post("/incidentes/nuevo/", {"tlp": "amber"})
    assert r.status_code == 200
    assert {"titulo", "descripcion", "detectado_en"} <= set(r.context["form"].errors)
    assert not Incidente.objects.exists()


# ---- lists and tenant isolation ------------------------------------------------------------

def test_lista_de_la_entidad_muestra_solo_sus_incidentes(catalogos, reportante_a, entidad_a,
                                                         reportante_b, entidad_b, analista):
    propio = reportar(reportante_a, entidad_a, titulo="Incidente propio de A")
    ajeno = reportar(reportante_b, entidad_b, titulo="Incidente ajeno de B")
    c = cliente(reportante_a)
    html = c.get("/incidentes/").content.decode()
    assert propio.codigo in html and "Incidente propio de A" in html
    assert ajeno.codigo not in html and "Incidente ajeno de B" not in html
    # Another entity's incident does not exist for A: 404 everywhere, never 403.
    assert c.get(url(ajeno)).status_code == 404
    assert c.post(url(ajeno, "mensaje"), {"texto": "hola"}).status_code == 404
    ev = services.evidencia_subir(actor=reportante_b, incidente_id=ajeno.pk,
                                  archivo=SimpleUploadedFile("x.txt", b"registro\n"))
    assert c.get(f"{url(ajeno)}evidencias/{ev.pk}/").status_code == 404
    # CGII staff sees both, with the entity column.
    html = cliente(analista).get("/incidentes/").content.decode()
    assert propio.codigo in html and ajeno.codigo in html
    assert entidad_b.sigla in html


def test_filtros_de_la_lista(catalogos, reportante_a, entidad_a, analista):
    a = reportar(reportante_a, entidad_a, titulo="Portal desfigurado")
    b = reportar(reportante_a, entidad_a, titulo="Correos de phishing")
    services.incidente_asignar(actor=analista, incidente_id=b.pk, analista_id=analista.pk)
    c = cliente(analista)
    html = c.get("/incidentes/", {"q": "portal"}).content.decode()
    assert a.codigo in html and b.codigo not in html
    html = c.get("/incidentes/", {"mios": "1"}).content.decode()
    assert b.codigo in html and a.codigo not in html
    html = c.get("/incidentes/", {"sin_asignar": "1"}).content.decode()
    assert a.codigo in html and b.codigo not in html


@pytest.mark.parametrize("quien", ["entidad", "cgii"])
def test_listas_con_numero_constante_de_consultas(catalogos, reportante_a, entidad_a, analista,
                                                  django_assert_max_num_queries, quien):
    c = cliente(reportante_a if quien == "entidad" else analista)
    poblar(5, reportante_a, entidad_a, analista)
    with CaptureQueriesContext(connection) as con_5:
        r = c.get("/incidentes/")
    assert r.status_code == 200 and len(r.context["filas"]) == 5
    poblar(25, reportante_a, entidad_a, analista)
    with django_assert_max_num_queries(len(con_5.captured_queries)):
        r = c.get("/incidentes/")
    assert r.status_code == 200 and len(r.context["filas"]) == 30


# ---- detail: transition buttons ------------------------------------------------------------

def test_detalle_del_personal_muestra_solo_las_transiciones_permitidas(incidente, analista,
                                                                       coordinador,
                                                                       reportante_a):
    c = cliente(analista)
    html = c.get(url(incidente)).content.decode()
    # Reported, not yet classified (default roles): triage, reject or mark duplicate.
    assert botones(html) == {"iniciar_triaje", "rechazar", "marcar_duplicado"}

    llevar_a(incidente, "en_triaje", analista)
    html = c.get(url(incidente)).content.decode()
    assert "iniciar_analisis" not in botones(html), "unclassified: not fireable"
    assert 'data-bloqueada="iniciar_analisis"' in html, "shown as blocked, with the reason"
    assert "clasificado" in html
    assert "solicitar_informacion" in botones(html)

    clasificar(incidente, analista)
    completar(incidente, "triaje")
    html = c.get(url(incidente)).content.decode()
    assert "iniciar_analisis" in botones(html)
    # Phishing protocol: only coordinators reject.
    assert "rechazar" not in botones(html)
    assert "rechazar" in botones(cliente(coordinador).get(url(incidente)).content.decode())

    html = cliente(reportante_a).get(url(incidente)).content.decode()
    assert not botones(html), "the entity fires no staff transition"
    assert 'id="clasificacion"' not in html and 'data-accion="tomar"' not in html


def test_el_formulario_de_clasificacion_lista_cada_tipo_y_marca_el_del_incidente(
        incidente, analista):
    # The selects are written by cgii.widgets.SelectDirecto, not Django's templates (issue
    # 22): every active type under its class, the incident's values selected, names escaped.
    from protocolos.models import ClaseIncidente, TipoIncidente

    spam = TipoIncidente.objects.get(codigo="spam")
    spam.nombre = 'Spam <b>"masivo"</b>'
    spam.save()  # saves clear the per-process catalogue cache
    clasificar(incidente, analista, tipo="phishing", impacto=4, urgencia=1)
    html = cliente(analista).get(url(incidente)).content.decode()
    inicio = html.index('<select name="tipo"')
    select = html[inicio:html.index("</select>", inicio)]
    assert 'id="id_tipo" required' in select
    for clase in ClaseIncidente.objects.filter(activa=True):
        for tipo in clase.tipos.filter(activo=True):
            assert f'value="{tipo.codigo}"' in select, tipo.codigo
            assert select.index(f'label="{clase.nombre}"') < select.index(
                f'value="{tipo.codigo}"')
    assert select.count("<option") == 1 + TipoIncidente.objects.filter(
        activo=True, clase__activa=True).count()
    assert select.count(" selected") == 1 and '<option value="phishing" selected>' in select
    assert "Spam &lt;b&gt;&quot;masivo&quot;&lt;/b&gt;" in select and "<b>" not in select
    assert '<option value="4" selected>' in html[html.index('<select name="impacto"'):]
    assert '<option value="1" selected>' in html[html.index('<select name="urgencia"'):]
    assert '<option value="" selected>' in html[html.index('<select name="prioridad"'):]


@pytest.mark.parametrize("quien", ["coordinador", "reportante_a"])
def test_cada_formulario_y_enlace_del_detalle_lleva_a_su_vista(incidente, analista, quien,
                                                               request):
    # Action and evidence URLs are written from one reversal per page (views.detalle,
    # issue 22), not {% url %} each: every one must still resolve to its view.
    import re

    from django.urls import resolve, reverse

    from incidentes.views.acciones import ACCIONES

    clasificar(incidente, analista)
    llevar_a(incidente, "en_analisis", analista)
    ev = Evidencia.objects.create(incidente=incidente, subido_por=analista, nombre="a.png",
                                  tipo_mime="image/png", tamano=3, sha256="0" * 64,
                                  ruta="pruebas/a.png", visible_entidad=True)
    html = cliente(request.getfixturevalue(quien)).get(url(incidente)).content.decode()
    acciones = re.findall(r'<form method="post"[^>]* action="(/incidentes/[^"]*)"', html)
    assert len(acciones) >= (8 if quien == "coordinador" else 3)
    for destino in acciones:
        r = resolve(destino)
        assert r.url_name == "accion" and r.kwargs["pk"] == incidente.pk, destino
        assert r.kwargs["nombre"] in ACCIONES, destino
    assert reverse("incidentes:accion", args=[incidente.pk, "mensaje"]) in acciones
    for nombre in ("evidencia", "evidencia_vista"):
        assert f'href="{reverse(f"incidentes:{nombre}", args=[incidente.pk, ev.pk])}"' in html


def test_resuelto_solo_el_coordinador_puede_cerrar(incidente, analista, coordinador):
    llevar_a(incidente, "resuelto", analista)
    completar(incidente, "cierre")
    assert "cerrar" not in botones(cliente(analista).get(url(incidente)).content.decode())
    c = cliente(coordinador)
    assert "cerrar" in botones(c.get(url(incidente)).content.decode())
    r = c.post(url(incidente, "transicion"), {"transicion": "cerrar", **cerrar_datos(),
                                                 "controles_fallidos": "5.7, 8.23"}, follow=True)
    assert r.status_code == 200 and estado_de(incidente) == "cerrado"
    assert Incidente.objects.get(pk=incidente.pk).controles_fallidos == ["5.7", "8.23"]


# ---- detail: errors as messages ------------------------------------------------------------

def test_transicion_invalida_muestra_el_motivo_como_mensaje(incidente, analista):
    c = cliente(analista)
    r = c.post(url(incidente, "transicion"), {"transicion": "contener"}, follow=True)
    assert r.status_code == 200
    assert any("No se puede" in m and "Reportado" in m for m in mensajes(r))
    assert estado_de(incidente) == "reportado"

    llevar_a(incidente, "en_triaje", analista)
    clasificar(incidente, analista)
    r = c.post(url(incidente, "transicion"), {"transicion": "iniciar_analisis"}, follow=True)
    assert r.status_code == 200
    (texto,) = mensajes(r)
    assert "Faltan pasos obligatorios" in texto and "Pasos pendientes:" in texto
    assert estado_de(incidente) == "en_triaje"


def test_errores_de_dominio_y_datos_malos_son_mensajes_no_500(incidente, analista,
                                                              reportante_a):
    ent = cliente(reportante_a)
    r = ent.post(url(incidente, "transicion"), {"transicion": "iniciar_triaje"}, follow=True)
    assert r.status_code == 200 and any("rol" in m for m in mensajes(r))
    r = ent.post(url(incidente, "transicion"), {"transicion": "no_existe"}, follow=True)
    assert r.status_code == 200 and any("desconocida" in m for m in mensajes(r))
    r = ent.post(url(incidente, "clasificar"), {"tipo": "phishing"}, follow=True)
    assert r.status_code == 200 and mensajes(r)

    c = cliente(analista)
    r = c.post(url(incidente, "tarea"), {"tarea_id": "abc", "estado": "hecha"}, follow=True)
    assert r.status_code == 200 and any("no válidos" in m for m in mensajes(r))
    r = c.post(url(incidente, "mensaje"), {"texto": "   "}, follow=True)
    assert r.status_code == 200 and any("obligatorio" in m for m in mensajes(r))
    r = c.post(url(incidente, "transicion"), {"transicion": "rechazar"}, follow=True)
    assert r.status_code == 200 and any("motivo" in m for m in mensajes(r))
    assert c.post(url(incidente, "no-existe")).status_code == 404
    assert c.get(url(incidente, "tomar")).status_code == 405


def test_paso_con_nota_y_evidencia_obligatorias(incidente, analista):
    llevar_a(incidente, "en_analisis", analista)
    tarea = incidente.tareas.get(codigo_paso="phishing-analisis-1")
    c = cliente(analista)
    r = c.post(url(incidente, "tarea"), {"tarea_id": tarea.pk, "estado": "hecha", "nota": ""},
               follow=True)
    assert any("nota" in m for m in mensajes(r))
    r = c.post(url(incidente, "tarea"), {
        "tarea_id": tarea.pk, "estado": "hecha", "nota": "SPF y DMARC fallan.", "interna": "1",
        "archivo": SimpleUploadedFile("cabeceras.txt", b"Authentication-Results: spf=fail\n")},
        follow=True)
    assert r.status_code == 200, mensajes(r)
    tarea.refresh_from_db()
    assert tarea.estado == "hecha" and tarea.evidencia.nombre == "cabeceras.txt"
    assert not tarea.evidencia.visible_entidad, "staff checklist evidence stays internal"


# ---- detail: what the entity sees --------------------------------------------------------------

def test_comentario_interno_no_aparece_en_la_pagina_de_la_entidad(incidente, analista,
                                                                    reportante_a):
    c = cliente(analista)
    c.post(url(incidente, "mensaje"), {"texto": "Sospechamos de un funcionario", "compartido": "0"})
    c.post(url(incidente, "mensaje"), {"texto": "Estamos revisando su reporte", "compartido": "1"})
    interna = services.evidencia_subir(actor=analista, incidente_id=incidente.pk,
                                       archivo=SimpleUploadedFile("interno.txt", b"solo cgii\n"),
                                       visible_entidad=False)
    html_cgii = c.get(url(incidente)).content.decode()
    assert "Sospechamos de un funcionario" in html_cgii and "interno.txt" in html_cgii
    assert "Estamos revisando su reporte" in html_cgii

    ent = cliente(reportante_a)
    html = ent.get(url(incidente)).content.decode()
    assert "Estamos revisando su reporte" in html
    assert "Sospechamos de un funcionario" not in html
    assert "interno.txt" not in html
    assert ent.get(f"{url(incidente)}evidencias/{interna.pk}/").status_code == 404


def test_la_entidad_responde_la_solicitud_y_confirma_la_resolucion(incidente, analista,
                                                                    reportante_a):
    llevar_a(incidente, "en_analisis", analista)
    c = cliente(analista)
    c.post(url(incidente, "solicitar"), {"pregunta": "¿Qué cuentas cayeron?"})
    assert estado_de(incidente) == "en_espera_entidad"

    ent = cliente(reportante_a)
    html = ent.get(url(incidente)).content.decode()
    assert 'id="solicitud"' in html and "¿Qué cuentas cayeron?" in html
    r = ent.post(url(incidente, "responder"), {"respuesta": "Dos cuentas."}, follow=True)
    assert r.status_code == 200 and estado_de(incidente) == "en_analisis"

    completar(incidente, "analisis", "contencion", "erradicacion", "recuperacion")
    r = c.post(url(incidente, "transicion"), {"transicion": "resolver"}, follow=True)
    assert any("resumen de cierre" in m for m in mensajes(r)), "resolving asks for the summary"
    r = c.post(url(incidente, "transicion"), {"transicion": "resolver", **cerrar_datos()},
               follow=True)
    assert estado_de(incidente) == "resuelto"

    html = ent.get(url(incidente)).content.decode()
    assert 'id="confirmar"' in html and cerrar_datos()["resumen_cierre"] in html
    r = ent.post(url(incidente, "confirmar"), follow=True)
    assert r.status_code == 200 and estado_de(incidente) == "cerrado"


def test_el_auditor_lee_todo_y_no_ve_formularios(incidente, auditor, analista):
    llevar_a(incidente, "en_triaje", analista)
    c = cliente(auditor)
    assert incidente.codigo in c.get("/incidentes/").content.decode()
    html = c.get(url(incidente)).content.decode()
    assert not botones(html)
    assert 'name="texto"' not in html and "form-tarea" not in html and 'name="archivo"' not in html
    assert 'id="clasificacion"' not in html and "/incidentes/nuevo/" not in html
    r = c.post(url(incidente, "mensaje"), {"texto": "hola"}, follow=True)
    assert r.status_code == 200 and mensajes(r), "refused with a message, not a 500"
    r = c.get("/incidentes/nuevo/", follow=True)
    assert r.redirect_chain and any("no registra" in m for m in mensajes(r))


def test_duplicado_por_codigo_del_maestro(catalogos, reportante_a, entidad_a, analista):
    maestro = reportar(reportante_a, entidad_a, titulo="Original")
    copia = reportar(reportante_a, entidad_a, titulo="Copia")
    r = cliente(analista).post(url(copia, "transicion"), {
        "transicion": "marcar_duplicado", "maestro_id": maestro.codigo.lower()}, follow=True)
    assert r.status_code == 200, mensajes(r)
    copia.refresh_from_db()
    assert copia.estado == "duplicado" and copia.maestro_id == maestro.pk


@pytest.mark.parametrize("maestro", ["999999", "CGII-1999-00001"])
def test_maestro_desconocido_es_un_mensaje(incidente, analista, maestro):
    r = cliente(analista).post(url(incidente, "transicion"), {
        "transicion": "marcar_duplicado", "maestro_id": maestro}, follow=True)
    assert r.status_code == 200 and any("maestro" in m for m in mensajes(r))
    assert estado_de(incidente) == "reportado"


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
    assert estado_de(incidente) == estado
    for usuario in (analista, coordinador, auditor, reportante_a, rsi_a):
        r = cliente(usuario).get(url(incidente))
        assert r.status_code == 200, (estado, usuario.username)
        assert f'data-estado="{estado}"' in r.content.decode()


def test_el_rsi_reabre_un_incidente_cerrado(incidente, analista, coordinador, rsi_a,
                                            reportante_a, entidad_a):
    _poner_en("cerrado", incidente, analista, coordinador, None)
    c = cliente(rsi_a)
    assert botones(c.get(url(incidente)).content.decode()) == {"reabrir"}
    assert not botones(cliente(reportante_a).get(url(incidente)).content.decode())
    r = c.post(url(incidente, "transicion"), {"transicion": "reabrir",
                                                "comentario": "Volvió a pasar."}, follow=True)
    assert r.status_code == 200 and estado_de(incidente) == "en_analisis"
    assert "Volvió a pasar." in r.content.decode()


