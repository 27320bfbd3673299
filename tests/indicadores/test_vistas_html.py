"""HTML side of indicators and STIX (issue 6): the detail page's indicator actions (one, bulk
paste with per-line errors, defanged values, extract + confirm, remove), the incident
export download, the import pages (good bundle, rejected bundle and "valid objects only",
background import and its status), the national list (constant query count) and feed, the
tenant and role rules (another entity → 404, staff-only pages refused), and the search
reindex when an indicator is edited or revoked (issue 9)."""

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from cgii.busqueda import backends, buscar
from cgii.eventos.despachador import despachar_pendientes
from cgii.eventos.models import Evento
from incidentes.indicadores import services
from incidentes.indicadores.models import (
    ImportacionSTIX,
    Indicador,
    IndicadorIncidente,
    OrigenIndicador,
)
from tests.entidades.sesiones import ingresar
from tests.incidentes.utiles import reportar

from .utiles import TLP2_RED, bundle, indicador, json_de, sco

pytestmark = pytest.mark.django_db


@pytest.fixture
def entrar():
    def cliente(usuario) -> Client:
        c = Client()
        return ingresar(c, usuario)
    return cliente


def _accion(pk: int, nombre: str) -> str:
    return reverse("incidentes:accion", args=[pk, nombre])


def _mensajes(respuesta) -> list[str]:
    return [str(m) for m in respuesta.context["messages"]]


def _valores(incidente) -> set[str]:
    return set(IndicadorIncidente.objects.filter(incidente=incidente)
               .values_list("indicador__valor", flat=True))


def _archivo(datos: bytes, nombre: str = "bundle.json") -> SimpleUploadedFile:
    return SimpleUploadedFile(nombre, datos, content_type="application/json")


# ---- the detail page's indicator actions ------------------------------------------------------


def test_panel_ofrece_los_formularios_segun_el_rol(entrar, incidente, analista, auditor,
                                                    reportante_a):
    url = reverse("incidentes:detalle", args=[incidente.pk])
    for usuario in (analista, reportante_a):
        html = entrar(usuario).get(url).content.decode()
        assert _accion(incidente.pk, "indicador") in html
        assert _accion(incidente.pk, "indicadores_pegar") in html
        assert reverse("indicadores:extraer", args=[incidente.pk]) in html
        assert reverse("indicadores:exportar_incidente", args=[incidente.pk]) in html
    # An auditor reads (and may export) but is offered no write form.
    html = entrar(auditor).get(url).content.decode()
    assert _accion(incidente.pk, "indicador") not in html
    assert reverse("indicadores:extraer", args=[incidente.pk]) not in html
    assert reverse("indicadores:exportar_incidente", args=[incidente.pk]) in html


def test_agregar_uno(entrar, incidente, analista):
    c = entrar(analista)
    r = c.post(_accion(incidente.pk, "indicador"),
               {"valor": "hxxps://sigep-gob-bo[.]com/login", "tipo": "", "rol": "distribucion",
                "nota": "enlace del correo"})
    assert r.status_code == 302 and r.url == reverse("incidentes:detalle", args=[incidente.pk])
    v = IndicadorIncidente.objects.select_related("indicador").get(incidente=incidente)
    assert v.indicador.valor == "https://sigep-gob-bo.com/login"
    assert (v.rol, v.nota, v.origen) == ("distribucion", "enlace del correo",
                                         OrigenIndicador.MANUAL)
    pagina = c.get(r.url)
    assert any("Indicador agregado" in m for m in _mensajes(pagina))
    assert "https://sigep-gob-bo.com/login" in pagina.content.decode()
    # The same value again: no second link, said so.
    r = c.post(_accion(incidente.pk, "indicador"), {"valor": "HXXPS://SIGEP-GOB-BO[.]COM/login",
                                                    "tipo": "url", "rol": "malicioso"},
               follow=True)
    assert IndicadorIncidente.objects.filter(incidente=incidente).count() == 1
    assert any("ya estaba" in m for m in _mensajes(r))


def test_agregar_uno_invalido_es_un_mensaje_no_un_500(entrar, incidente, analista):
    r = entrar(analista).post(_accion(incidente.pk, "indicador"),
                              {"valor": "esto no es un indicador", "rol": "malicioso"},
                              follow=True)
    assert r.status_code == 200
    assert [m.level_tag for m in r.context["messages"]] == ["error"]
    assert not IndicadorIncidente.objects.exists()


def test_pegar_mezcla_valida_e_invalida(entrar, incidente, analista):
    c = entrar(analista)
    texto = "45.33.32.156\nno es un valor\nmalo-c2[.]example\n\n999.1.1.1\n# comentario"
    r = c.post(_accion(incidente.pk, "indicadores_pegar"), {"valores": texto, "rol": "c2"})
    assert r.status_code == 302
    assert _valores(incidente) == {"45.33.32.156", "malo-c2.example"}
    assert set(IndicadorIncidente.objects.values_list("rol", flat=True)) == {"c2"}
    pagina = c.get(r.url)
    html = pagina.content.decode()
    assert any("2 indicadores agregados" in m and "2 líneas con errores" in m
               for m in _mensajes(pagina))
    # The per-line report: line number, value, reason.
    bloque = html[html.index('id="resultado-indicadores"'):html.index('data-panel="indicadores"')]
    assert "<td>2</td><td><code>no es un valor</code></td>" in bloque
    assert "<td>5</td><td><code>999.1.1.1</code></td>" in bloque
    # Shown once.
    assert 'id="resultado-indicadores"' not in c.get(r.url).content.decode()
    # ... and never in the live panels fragment.
    c.post(_accion(incidente.pk, "indicadores_pegar"), {"valores": "x y z\n45.33.32.157"})
    assert "resultado-indicadores" not in c.get(
        reverse("incidentes:paneles", args=[incidente.pk])).content.decode()


def test_pegar_nada_valido_lista_los_errores(entrar, incidente, analista):
    c = entrar(analista)
    r = c.post(_accion(incidente.pk, "indicadores_pegar"), {"valores": "uno\ndos"}, follow=True)
    assert r.status_code == 200 and not IndicadorIncidente.objects.exists()
    assert [m.level_tag for m in r.context["messages"]] == ["error"]
    html = r.content.decode()
    assert "0 indicadores agregados" in html
    assert "<td>1</td><td><code>uno</code></td>" in html
    assert "<td>2</td><td><code>dos</code></td>" in html


def test_pegar_refanguea_las_formas_desactivadas(entrar, incidente, reportante_a):
    # An entity user adds to their own incident, as the API allows.
    r = entrar(reportante_a).post(
        _accion(incidente.pk, "indicadores_pegar"),
        {"valores": "hxxp://evil[.]example/x\nsoporte(at)malo[.]example\n45.33.32[.]158\n"
                    "hxxps://descarga[.]example[/]a.exe", "rol": "distribucion"})
    assert r.status_code == 302
    assert _valores(incidente) == {"http://evil.example/x", "soporte@malo.example",
                                   "45.33.32.158", "https://descarga.example/a.exe"}
    assert set(IndicadorIncidente.objects.values_list("valor_original", flat=True)) >= {
        "hxxp://evil[.]example/x", "soporte(at)malo[.]example"}


def test_extraer_y_confirmar(entrar, catalogos, reportante_a, entidad_a, analista):
    incidente = reportar(reportante_a, entidad_a, descripcion=(
        "El correo enlazaba a hxxps://portal-sigep[.]example/ingreso y el adjunto conectaba "
        "con 45.33.32.156. Remitente: pagos(at)portal-sigep[.]example."))
    c = entrar(analista)
    pagina = c.get(reverse("indicadores:extraer", args=[incidente.pk]))
    assert pagina.status_code == 200
    candidatos = {x["valor"]: x for x in pagina.context["candidatos"]}
    assert {"https://portal-sigep.example/ingreso", "45.33.32.156",
            "pagos@portal-sigep.example"} <= set(candidatos)
    assert not IndicadorIncidente.objects.exists()   # nothing written before confirming
    html = pagina.content.decode()
    assert _accion(incidente.pk, "indicadores_extraidos") in html
    assert 'name="valores" value="hxxps://portal-sigep[.]example/ingreso"' in html
    # The analyst confirms two of them.
    r = c.post(_accion(incidente.pk, "indicadores_extraidos"),
               {"valores": [candidatos["45.33.32.156"]["original"],
                            candidatos["https://portal-sigep.example/ingreso"]["original"]],
                "rol": "distribucion"})
    assert r.status_code == 302
    assert _valores(incidente) == {"45.33.32.156", "https://portal-sigep.example/ingreso"}
    assert set(IndicadorIncidente.objects.values_list("origen", flat=True)) == {
        OrigenIndicador.EXTRACCION}
    # Already linked ones are no longer offered.
    pagina = c.get(reverse("indicadores:extraer", args=[incidente.pk]))
    html = pagina.content.decode()
    assert 'value="45.33.32.156"' not in html and "ya está en el incidente" in html
    # Confirming nothing is a message, not an error page.
    r = c.post(_accion(incidente.pk, "indicadores_extraidos"), {}, follow=True)
    assert [m.level_tag for m in r.context["messages"]] == ["error"]


def test_quitar_solo_personal_que_gestiona(entrar, incidente, analista, reportante_a):
    vinculo, _creado = services.indicador_agregar(actor=analista, incidente_id=incidente.pk,
                                                  valor="45.33.32.156")
    html = entrar(reportante_a).get(reverse("incidentes:detalle",
                                            args=[incidente.pk])).content.decode()
    assert _accion(incidente.pk, "indicador_quitar") not in html
    r = entrar(reportante_a).post(_accion(incidente.pk, "indicador_quitar"),
                                  {"vinculo_id": vinculo.pk}, follow=True)
    assert [m.level_tag for m in r.context["messages"]] == ["error"]
    assert IndicadorIncidente.objects.filter(pk=vinculo.pk).exists()
    r = entrar(analista).post(_accion(incidente.pk, "indicador_quitar"),
                              {"vinculo_id": vinculo.pk})
    assert r.status_code == 302 and not IndicadorIncidente.objects.filter(pk=vinculo.pk).exists()


def test_auditor_no_agrega(entrar, incidente, auditor):
    r = entrar(auditor).post(_accion(incidente.pk, "indicador"), {"valor": "45.33.32.156"},
                             follow=True)
    assert [m.level_tag for m in r.context["messages"]] == ["error"]
    assert not IndicadorIncidente.objects.exists()


# ---- export -------------------------------------------------------------------------------


def test_exportar_incidente_descarga_un_bundle(entrar, incidente, analista, reportante_a):
    services.indicadores_pegar(actor=analista, incidente_id=incidente.pk,
                               texto="45.33.32.156\nmalo-c2.example")
    for usuario in (analista, reportante_a):
        r = entrar(usuario).get(reverse("indicadores:exportar_incidente", args=[incidente.pk]))
        assert r.status_code == 200
        assert r["Content-Type"] == "application/stix+json;version=2.1"
        assert r["Content-Disposition"] == f'attachment; filename="{incidente.codigo}.stix.json"'
        datos = json.loads(r.content)
        assert datos["type"] == "bundle" and datos["id"].startswith("bundle--")
        tipos = [o["type"] for o in datos["objects"]]
        assert tipos.count("incident") == 1 and tipos.count("indicator") == 2
        assert {o["pattern"] for o in datos["objects"] if o["type"] == "indicator"} == {
            "[ipv4-addr:value = '45.33.32.156']", "[domain-name:value = 'malo-c2.example']"}


# ---- another entity: 404 everywhere -------------------------------------------------------------


def test_otra_entidad_recibe_404(entrar, incidente, analista, reportante_a, reportante_b):
    importacion = services.stix_importar(
        actor=reportante_a, incidente_id=incidente.pk,
        contenido=json_de(bundle(indicador("[ipv4-addr:value = '45.33.32.156']"))))
    vinculo = IndicadorIncidente.objects.get(incidente=incidente)
    c = entrar(reportante_b)
    for nombre, datos in (("indicador", {"valor": "45.33.32.157"}),
                          ("indicadores_pegar", {"valores": "45.33.32.157"}),
                          ("indicadores_extraidos", {"valores": ["45.33.32.157"]})):
        assert c.post(_accion(incidente.pk, nombre), datos).status_code == 404, nombre
    # Removing is for staff: refused by role before any incident is read (as the API's 403),
    # so the answer is the same whether the incident exists or not.
    r = c.post(_accion(incidente.pk, "indicador_quitar"), {"vinculo_id": vinculo.pk},
               follow=True)
    assert r.status_code == 404   # back to a detail page B may not see
    assert IndicadorIncidente.objects.filter(pk=vinculo.pk).exists()
    for url in (reverse("indicadores:exportar_incidente", args=[incidente.pk]),
                reverse("indicadores:extraer", args=[incidente.pk]),
                reverse("indicadores:importacion", args=[importacion.pk]),
                reverse("indicadores:importacion_estado", args=[importacion.pk])):
        assert c.get(url).status_code == 404, url
    assert c.post(reverse("indicadores:importacion_solo_validos",
                          args=[importacion.pk])).status_code == 404
    assert _valores(incidente) == {"45.33.32.156"}
    # Importing into A's incident by its code: "not found" on the form, nothing imported.
    r = c.post(reverse("indicadores:importar"), {
        "archivo": _archivo(json_de(bundle(indicador("[ipv4-addr:value = '45.33.32.160']")))),
        "incidente": incidente.codigo})
    assert r.status_code == 400 and "No se encontró el incidente" in r.content.decode()
    assert ImportacionSTIX.objects.count() == 1


def test_paginas_solo_personal(entrar, reportante_a, analista, auditor):
    c = entrar(reportante_a)
    assert c.get(reverse("indicadores:lista")).status_code == 403
    assert c.get(reverse("indicadores:feed"), {"tlp": "green"}).status_code == 403
    for usuario in (analista, auditor):
        assert entrar(usuario).get(reverse("indicadores:lista")).status_code == 200
    assert Client().get(reverse("indicadores:lista")).status_code == 302   # to the login


# ---- import pages ---------------------------------------------------------------------------------


def test_importar_bundle_bueno(entrar, analista):
    b = bundle(indicador("[ipv4-addr:value = '45.33.32.156']"),
               indicador("[domain-name:value = 'c2.malo.example']"),
               sco("url", value="http://malo.example/x"))
    c = entrar(analista)
    assert c.get(reverse("indicadores:importar")).status_code == 200
    r = c.post(reverse("indicadores:importar"), {"archivo": _archivo(json_de(b), "amigo.json"),
                                                 "incidente": "", "tlp": "green"})
    importacion = ImportacionSTIX.objects.get()
    assert r.status_code == 302
    assert r.url == reverse("indicadores:importacion", args=[importacion.pk])
    pagina = c.get(r.url)
    html = pagina.content.decode()
    assert importacion.estado == "completada"
    assert pagina.context["contadores"]["indicadores_nuevos"] == 3
    assert "indicadores nuevos (creados)" in html and 'value="100"' in html
    assert "amigo.json" in html and "Objetos con errores" not in html
    assert Indicador.objects.count() == 3
    assert set(Indicador.objects.values_list("tlp", flat=True)) == {"green"}
    estado = c.get(reverse("indicadores:importacion_estado", args=[importacion.pk])).json()
    assert estado["estado"] == "completada" and estado["terminada"] and estado["progreso"] == 100
    # The list of the user's recent imports.
    assert "amigo.json" in c.get(reverse("indicadores:importar")).content.decode()


def test_importar_bundle_con_errores_no_importa_nada(entrar, analista):
    malo = indicador("[ipv4-addr:value = ")
    b = bundle(indicador("[ipv4-addr:value = '45.33.32.156']"), malo,
               {"type": "indicator", "spec_version": "2.1", "id": "indicator--no-es-uuid"})
    c = entrar(analista)
    r = c.post(reverse("indicadores:importar"), {"archivo": _archivo(json_de(b))})
    importacion = ImportacionSTIX.objects.get()
    assert r.status_code == 302
    assert r.url == reverse("indicadores:importacion", args=[importacion.pk])
    assert importacion.estado == "rechazada" and importacion.total_errores == 2
    assert not Indicador.objects.exists()
    pagina = c.get(r.url)
    html = pagina.content.decode()
    assert "no se importó nada" in html
    assert f"<code>{malo['id']}</code>" in html and "indicator--no-es-uuid" in html
    assert [e["indice"] for e in pagina.context["errores"]] == [1, 2]
    boton = reverse("indicadores:importacion_solo_validos", args=[importacion.pk])
    assert boton in html
    # Re-run importing the valid objects only.
    r = c.post(boton)
    nueva = ImportacionSTIX.objects.exclude(pk=importacion.pk).get()
    assert r.status_code == 302 and r.url == reverse("indicadores:importacion", args=[nueva.pk])
    assert nueva.estado == "completada" and nueva.solo_validos and nueva.total_errores == 2
    assert list(Indicador.objects.values_list("valor", flat=True)) == ["45.33.32.156"]
    html = c.get(r.url).content.decode()
    assert "indicadores nuevos (creados)" in html and "indicator--no-es-uuid" in html


def test_importar_solo_validos_desde_el_formulario(entrar, analista):
    b = bundle(indicador("[ipv4-addr:value = '45.33.32.156']"), indicador("[x"))
    r = entrar(analista).post(reverse("indicadores:importar"),
                              {"archivo": _archivo(json_de(b)), "solo_validos": "on"})
    assert r.status_code == 302
    assert ImportacionSTIX.objects.get().estado == "completada"
    assert Indicador.objects.count() == 1


def test_importar_errores_del_formulario(entrar, analista, reportante_a, incidente, settings):
    c = entrar(analista)
    r = c.post(reverse("indicadores:importar"), {"archivo": _archivo(b"{no es json")})
    assert r.status_code == 400 and "no es JSON válido" in r.content.decode()
    settings.INDICADORES_STIX_MAX_BYTES = 100
    r = c.post(reverse("indicadores:importar"), {"archivo": _archivo(b" " * 150 + b"{}")})
    assert r.status_code == 413 and "el máximo es 100" in r.content.decode()
    assert not ImportacionSTIX.objects.exists()
    # Entity users import into one of their incidents only.
    r = entrar(reportante_a).post(reverse("indicadores:importar"),
                                  {"archivo": _archivo(json_de(bundle()))})
    assert r.status_code == 400 and "las entidades importan STIX en sus incidentes" in \
        r.content.decode()


def test_entidad_importa_en_su_incidente(entrar, reportante_a, incidente):
    b = bundle(indicador("[ipv4-addr:value = '45.33.32.156']"))
    c = entrar(reportante_a)
    r = c.post(reverse("indicadores:importar"), {"archivo": _archivo(json_de(b)),
                                                 "incidente": incidente.codigo.lower()})
    assert r.status_code == 302
    assert _valores(incidente) == {"45.33.32.156"}
    assert c.get(r.url).status_code == 200


def test_importacion_en_segundo_plano(entrar, analista, settings,
                                      django_capture_on_commit_callbacks):
    settings.INDICADORES_STIX_ASINCRONO_DESDE = 2
    b = bundle(*(indicador(f"[ipv4-addr:value = '45.33.32.{i}']") for i in range(1, 6)))
    c = entrar(analista)
    with django_capture_on_commit_callbacks(execute=False) as llamadas:
        r = c.post(reverse("indicadores:importar"), {"archivo": _archivo(json_de(b))})
    importacion = ImportacionSTIX.objects.get()
    assert r.status_code == 302 and importacion.estado == "pendiente" and llamadas
    html = c.get(r.url).content.decode()
    # The live page: the bar, the status URL for polling, the script, the stream position.
    assert '<progress class="barra-importacion" max="100" value="0"' in html
    assert f'data-url-estado="{reverse("indicadores:importacion_estado", args=[importacion.pk])}"' \
        in html
    assert "indicadores/js/importacion.js" in html and "data-secuencia=" in html
    url_estado = reverse("indicadores:importacion_estado", args=[importacion.pk])
    assert c.get(url_estado).json()["terminada"] is False
    services.stix_importar_procesar(importacion.pk)   # what the Celery task runs
    estado = c.get(url_estado).json()
    assert estado == {"id": importacion.pk, "estado": "completada",
                      "estado_texto": "Completada", "progreso": 100, "procesados": 5,
                      "total": 5, "errores": 0, "terminada": True}
    assert Evento.objects.filter(tipo="stix.importacion.progreso",
                                 datos__importacion=importacion.pk,
                                 datos__estado="completada").exists()
    html = c.get(r.url).content.decode()
    assert "indicadores nuevos (creados)" in html


# ---- national list and feed -----------------------------------------------------------------------


def _sembrar(analista, incidente, incidente_b, n: int) -> None:
    valores = "\n".join(f"45.33.{40 + i // 200}.{i % 200 + 1}" for i in range(n))
    services.indicadores_pegar(actor=analista, incidente_id=incidente.pk, texto=valores)
    services.indicadores_pegar(actor=analista, incidente_id=incidente_b.pk, texto=valores)


def _consultas(cliente, url) -> int:
    with CaptureQueriesContext(connection) as consultas:
        assert cliente.get(url).status_code == 200
    return len(consultas)


def test_lista_consultas_constantes(entrar, analista, incidente, incidente_b,
                                    django_assert_max_num_queries):
    c = entrar(analista)
    url = reverse("indicadores:lista")
    _sembrar(analista, incidente, incidente_b, 3)
    pocas = _consultas(c, url)
    _sembrar(analista, incidente, incidente_b, 20)
    with django_assert_max_num_queries(pocas):
        r = c.get(url)
    assert len(r.context["filas"]) == 20
    # Each row carries its correlation summary (both incidents saw every value).
    html = r.content.decode()
    assert html.count("2 incidentes, 2 entidades") == 20
    assert incidente.codigo in html and incidente_b.codigo in html


def test_lista_busca_por_valor_tipo_y_tlp(entrar, analista, incidente):
    services.indicadores_pegar(actor=analista, incidente_id=incidente.pk, tlp="red",
                               texto="45.33.32.156\nmalo-c2.example\nhttp://malo-c2.example/x")
    c = entrar(analista)
    url = reverse("indicadores:lista")

    def valores(**q):
        return {i.valor for i in c.get(url, q).context["filas"]}

    # Before the sink filled ValorBuscable: the exact (normalised) value only.
    assert valores(q="malo-c2[.]example") == {"malo-c2.example"}
    despachar_pendientes()
    assert valores(q="malo-c2[.]example") == {"malo-c2.example", "http://malo-c2.example/x"}
    assert valores(q="C2.EXAMPLE/") == {"http://malo-c2.example/x"}
    assert valores(q="45.33.32[.]156") == {"45.33.32.156"}
    assert valores(tipo="url") == {"http://malo-c2.example/x"}
    assert valores(tlp="red") == {"45.33.32.156", "malo-c2.example", "http://malo-c2.example/x"}
    assert valores(tlp="green") == set()


def test_exportar_feed(entrar, analista, incidente):
    services.indicadores_pegar(actor=analista, incidente_id=incidente.pk, tlp="amber",
                               texto="45.33.32.156")
    services.indicadores_pegar(actor=analista, incidente_id=incidente.pk, tlp="red",
                               texto="45.33.32.157")
    services.indicadores_pegar(actor=analista, incidente_id=incidente.pk, tlp="green",
                               texto="45.33.32.158")
    c = entrar(analista)
    r = c.get(reverse("indicadores:feed"), {"tlp": "amber", "desde": "2020-01-01"})
    assert r.status_code == 200
    assert r["Content-Type"] == "application/stix+json;version=2.1"
    assert r["Content-Disposition"] == \
        'attachment; filename="cgii-indicadores-amber-desde-20200101.stix.json"'
    patrones = {o["pattern"] for o in json.loads(r.content)["objects"]
                if o["type"] == "indicator"}
    assert patrones == {"[ipv4-addr:value = '45.33.32.156']",
                        "[ipv4-addr:value = '45.33.32.158']"}
    # A date in the future: nothing modified since then.
    r = c.get(reverse("indicadores:feed"), {"tlp": "red", "desde": "2099-01-01"})
    assert not [o for o in json.loads(r.content)["objects"] if o["type"] == "indicator"]
    r = c.get(reverse("indicadores:feed"), {"tlp": "negro"}, follow=True)
    assert [m.level_tag for m in r.context["messages"]] == ["error"]


# ---- issue 9: editing or revoking reaches the search index ------------------------------------------


def test_editar_o_revocar_reindexa(analista, incidente, settings):
    settings.BUSQUEDA_BACKEND = "database"
    backends.olvidar_backends()
    try:
        vinculo, _creado = services.indicador_agregar(actor=analista, incidente_id=incidente.pk,
                                                      valor="45.33.32.156")
        despachar_pendientes()
        acierto = buscar(analista, "45.33.32.156", tipos=["indicador"]).aciertos[0]
        assert (acierto.estado, acierto.tlp) == ("vigente", incidente.tlp)
        antes = Evento.objects.filter(tipo="busqueda.indexar").count()
        services.indicador_actualizar(actor=analista, indicador_id=vinculo.indicador_id,
                                      revocado=True, tlp="green")
        evento = Evento.objects.filter(tipo="busqueda.indexar").latest("id")
        assert Evento.objects.filter(tipo="busqueda.indexar").count() == antes + 1
        assert evento.datos == {"documentos": {"indicador": [vinculo.indicador_id]}}
        despachar_pendientes()
        acierto = buscar(analista, "45.33.32.156", tipos=["indicador"]).aciertos[0]
        assert (acierto.estado, acierto.tlp) == ("revocado", "green")
        # No change, no event.
        services.indicador_actualizar(actor=analista, indicador_id=vinculo.indicador_id,
                                      revocado=True)
        assert Evento.objects.filter(tipo="busqueda.indexar").count() == antes + 1
    finally:
        backends.olvidar_backends()


def test_tlp_red_no_sale_en_el_feed_de_ambar(entrar, analista, incidente):
    # Guard for the ceiling: RED is above AMBER+STRICT.
    services.indicador_agregar(actor=analista, incidente_id=incidente.pk, tlp="red",
                               valor="45.33.32.200")
    r = entrar(analista).get(reverse("indicadores:feed"), {"tlp": "amber+strict"})
    assert not [o for o in json.loads(r.content)["objects"] if o["type"] == "indicator"]
    assert TLP2_RED not in r.content.decode()


def test_lista_revocados_con_el_filtro(entrar, analista, incidente, reportante_a):
    services.indicadores_pegar(actor=analista, incidente_id=incidente.pk,
                               texto="45.33.32.156\n45.33.32.157")
    revocado = Indicador.objects.get(valor="45.33.32.157")
    services.indicador_actualizar(actor=analista, indicador_id=revocado.pk, revocado=True)
    c = entrar(analista)
    url = reverse("indicadores:lista")

    def valores(**q):
        return {i.valor for i in c.get(url, q).context["filas"]}

    assert valores() == {"45.33.32.156"}  # the default: what may still be shared
    assert valores(revocados="revocados") == {"45.33.32.157"}
    assert valores(revocados="todos") == {"45.33.32.156", "45.33.32.157"}
    assert valores(revocados="todos", q="45.33.32.157") == {"45.33.32.157"}
    html = c.get(url, {"revocados": "revocados"}).content.decode()
    assert "1 indicador revocado" in html and 'class="etiqueta revocado">revocado' in html
    # Still staff only, whatever the filter.
    assert entrar(reportante_a).get(url, {"revocados": "todos"}).status_code == 403
