"""«Posible duplicado» at intake (API, web form) and on the detail and console (issue 18):
the report is always accepted, the suggestion is recorded, returned and shown."""

from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from incidentes import duplicados
from incidentes.indicadores.services.vinculos import indicador_agregar
from incidentes.models import EntradaTimeline, Incidente

from .paginas import cliente
from .utiles import reportar

pytestmark = pytest.mark.django_db
REPORTE = {"titulo": "Correos de phishing al personal",
           "descripcion": "Llegan correos que piden la contraseña del correo institucional."}


def _api_reportar(c, **extra):
    datos = {**REPORTE, "detectado_en": (timezone.now() - timedelta(minutes=5)).isoformat(),
             **extra}
    return c.post("/api/v1/incidentes/", datos, format="json")


def test_dos_reportes_iguales_por_api_se_aceptan_y_el_segundo_trae_la_sugerencia(
        api, catalogos, reportante_a):
    c = api(reportante_a)
    primero = _api_reportar(c)
    assert primero.status_code == 201 and primero.json()["posible_duplicado"] is None
    segundo = _api_reportar(c)
    assert segundo.status_code == 201, segundo.content   # never refused
    sugerencia = segundo.json()["posible_duplicado"]
    assert sugerencia["codigo"] == primero.json()["codigo"]
    assert sugerencia["motivo"] == "texto" and sugerencia["similitud"] > 0.9
    inc = Incidente.objects.get(pk=segundo.json()["id"])
    assert inc.posible_duplicado_id == primero.json()["id"]
    reporte = EntradaTimeline.objects.get(incidente=inc, tipo="reporte")
    assert reporte.datos["posible_duplicado"]["codigo"] == primero.json()["codigo"]
    # The detail keeps saying it (live), for the analyst and the entity alike.
    detalle = c.get(f"/api/v1/incidentes/{inc.pk}/").json()
    assert detalle["posible_duplicado"]["id"] == primero.json()["id"]


def test_fuera_de_la_ventana_o_de_otra_entidad_no_se_sugiere(catalogos, reportante_a,
                                                             reportante_b, entidad_a, entidad_b):
    viejo = reportar(reportante_a, entidad_a, **REPORTE)
    Incidente.objects.filter(pk=viejo.pk).update(creado=timezone.now() - timedelta(days=4))
    assert reportar(reportante_a, entidad_a, **REPORTE).posible_duplicado_id is None
    # Another entity's identical report is never suggested (nor revealed).
    otro = reportar(reportante_b, entidad_b, **REPORTE)
    assert otro.posible_duplicado_id is None


def test_la_ventana_es_configurable(catalogos, reportante_a, entidad_a):
    from protocolos import selectors
    from protocolos.models import Parametro

    viejo = reportar(reportante_a, entidad_a, **REPORTE)
    Incidente.objects.filter(pk=viejo.pk).update(creado=timezone.now() - timedelta(days=4))
    assert Parametro.objects.filter(clave="duplicados_ventana_horas").update(valor=24 * 7) == 1
    selectors.limpiar_cache_datos()
    assert reportar(reportante_a, entidad_a, **REPORTE).posible_duplicado_id == viejo.pk


def test_un_reporte_distinto_no_se_sugiere(catalogos, reportante_a, entidad_a):
    reportar(reportante_a, entidad_a, **REPORTE)
    otro = reportar(reportante_a, entidad_a, titulo="Certificado vencido en el portal",
                    descripcion="El navegador advierte que el certificado TLS expiró.")
    assert otro.posible_duplicado_id is None


def test_el_formulario_avisa_al_reportante_y_acepta_el_reporte(catalogos, reportante_a,
                                                               entidad_a):
    primero = reportar(reportante_a, entidad_a, **REPORTE)
    c = cliente(reportante_a)
    detectado = timezone.localtime() - timedelta(hours=1)
    r = c.post("/incidentes/nuevo/", {
        "entidad": entidad_a.pk, **REPORTE, "tlp": "amber",
        "detectado_en": detectado.strftime("%Y-%m-%dT%H:%M")}, follow=True)
    assert r.status_code == 200
    avisos = [str(m) for m in r.context["messages"]]
    assert any(primero.codigo in a and "parecido" in a for a in avisos), avisos
    assert Incidente.objects.filter(entidad=entidad_a).count() == 2


def test_indicadores_compartidos_sugieren_aunque_el_texto_difiera(catalogos, reportante_a,
                                                                  entidad_a, analista, api):
    primero = reportar(reportante_a, entidad_a, **REPORTE)
    segundo = reportar(reportante_a, entidad_a, titulo="Alerta del antivirus",
                       descripcion="Bloqueó una conexión saliente sospechosa.")
    assert segundo.posible_duplicado_id is None
    indicador_agregar(actor=analista, incidente_id=primero.pk, valor="203.0.113.9")
    indicador_agregar(actor=analista, incidente_id=segundo.pk, valor="203.0.113.9")
    sugerencia = api(analista).get(f"/api/v1/incidentes/{segundo.pk}/").json()[
        "posible_duplicado"]
    assert sugerencia["id"] == primero.pk and sugerencia["motivo"] == "indicadores"


def test_la_consola_marca_la_fila_sin_consultas_por_fila(catalogos, reportante_a, entidad_a,
                                                         analista, django_assert_max_num_queries):
    for _i in range(3):
        reportar(reportante_a, entidad_a, **REPORTE)
    c = cliente(analista)
    c.get("/incidentes/consola/")  # warm the session and catalog caches
    with django_assert_max_num_queries(30):
        html = c.get("/incidentes/consola/").content.decode()
    assert html.count("data-posible-duplicado") == 2
    for _i in range(6):
        reportar(reportante_a, entidad_a, **REPORTE)
    with django_assert_max_num_queries(30):
        html = c.get("/incidentes/consola/").content.decode()
    assert html.count("data-posible-duplicado") == 8


def test_el_respaldo_sin_pg_trgm_sugiere_igual(catalogos, reportante_a, entidad_a,
                                               monkeypatch):
    """The embedded profile's path (SQLite has no pg_trgm): Python trigrams over the
    entity's recent incidents give the same answer."""
    primero = reportar(reportante_a, entidad_a, **REPORTE)
    monkeypatch.setattr(connection, "vendor", "sqlite")
    sugerencia = duplicados.por_texto(entidad_id=entidad_a.pk, titulo=REPORTE["titulo"],
                                      descripcion=REPORTE["descripcion"],
                                      momento=timezone.now())
    assert sugerencia.incidente.pk == primero.pk and sugerencia.similitud == pytest.approx(1.0)
    assert duplicados.por_texto(entidad_id=entidad_a.pk, titulo="Disco lleno",
                                descripcion="Sin espacio.", momento=timezone.now()) is None


def test_solo_los_ultimos_de_la_ventana_se_comparan_por_texto(catalogos, reportante_a,
                                                              entidad_a, monkeypatch):
    # Issue 22: the text signal reads the entity's latest MAX_CANDIDATOS reports of the
    # window, so an integration reporting all day does not make each report dearer.
    monkeypatch.setattr(duplicados, "MAX_CANDIDATOS", 3)
    igual = reportar(reportante_a, entidad_a, **REPORTE)
    for i in range(3):
        reportar(reportante_a, entidad_a, titulo=f"Escaneo de puertos {i}",
                 descripcion=f"Tráfico de escaneo desde la red {i} hacia el portal.")
    assert reportar(reportante_a, entidad_a, **REPORTE).posible_duplicado_id is None
    monkeypatch.setattr(duplicados, "MAX_CANDIDATOS", 4)
    assert reportar(reportante_a, entidad_a, **REPORTE).posible_duplicado_id is not None
    assert igual.pk


def test_la_sugerencia_del_detalle_prefiere_indicadores_en_una_consulta(
        catalogos, reportante_a, entidad_a, analista, django_assert_num_queries):
    # An incident sharing an indicator wins over a newer one with the very same text, in
    # one query (the text is not scored then).
    comparte = reportar(reportante_a, entidad_a, titulo="Alerta del antivirus",
                        descripcion="Bloqueó una conexión saliente sospechosa.")
    mismo_texto = reportar(reportante_a, entidad_a, **REPORTE)
    nuevo = reportar(reportante_a, entidad_a, **REPORTE)
    indicador_agregar(actor=analista, incidente_id=comparte.pk, valor="203.0.113.9")
    indicador_agregar(actor=analista, incidente_id=nuevo.pk, valor="203.0.113.9")
    nuevo.refresh_from_db()
    with django_assert_num_queries(1):
        sugerencia = duplicados.sugerencia_para(nuevo)
    assert (sugerencia.incidente.pk, sugerencia.motivo) == (comparte.pk, "indicadores")
    # Without the shared indicator the text decides: the same report.
    from incidentes.indicadores.models import IndicadorIncidente

    IndicadorIncidente.objects.filter(incidente=comparte).delete()
    sugerencia = duplicados.sugerencia_para(nuevo)
    assert (sugerencia.incidente.pk, sugerencia.motivo) == (mismo_texto.pk, "texto")


def test_el_detalle_muestra_la_sugerencia_guardada_mientras_pueda_ser_maestro(
        api, catalogos, reportante_a, entidad_a, analista):
    # Issue 22: the detail reads the text suggestion stored at intake (with its score) in
    # the incident's own row; a candidate since rejected is not offered any more.
    primero = reportar(reportante_a, entidad_a, **REPORTE)
    segundo = reportar(reportante_a, entidad_a, **REPORTE)
    assert segundo.posible_duplicado_id == primero.pk and segundo.similitud_duplicado > 0.9
    c = api(analista)
    sugerencia = c.get(f"/api/v1/incidentes/{segundo.pk}/").json()["posible_duplicado"]
    assert (sugerencia["id"], sugerencia["motivo"]) == (primero.pk, "texto")
    assert sugerencia["similitud"] == round(segundo.similitud_duplicado, 3)
    Incidente.objects.filter(pk=primero.pk).update(estado="rechazado")
    assert c.get(f"/api/v1/incidentes/{segundo.pk}/").json()["posible_duplicado"] is None
