"""REST API: tenant isolation on every route, correlation only for staff, constant query
counts on lists, paste/lookup/import/export/feed through HTTP."""

import orjson
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from stix2validator import ValidationOptions, validate_instance

from incidentes.indicadores import services
from incidentes.indicadores.models import ImportacionSTIX, Indicador, IndicadorIncidente
from tests.incidentes.utiles import reportar

from .utiles import bundle, indicador, json_de

pytestmark = pytest.mark.django_db


def url(incidente, resto=""):
    return f"/api/v1/incidentes/{incidente.pk}/indicadores/{resto}"


def test_agregar_y_pegar_por_api(api, incidente, reportante_a):
    c = api(reportante_a)
    r = c.post(url(incidente), {"valor": "hxxp://malo[.]example/x", "rol": "distribucion"},
               format="json")
    assert r.status_code == 201, r.content
    assert r.json()["indicador"]["valor"] == "http://malo.example/x"
    r = c.post(url(incidente), {"valor": "HTTP://MALO.example/x"}, format="json")
    assert r.status_code == 200          # already linked
    r = c.post(url(incidente), {"valores": "203.0.113[.]9\nbasura\n45.33.32.156"},
               format="json")
    assert r.status_code == 201
    datos = r.json()
    assert [v["indicador"]["valor"] for v in datos["agregados"]] == ["203.0.113.9",
                                                                      "45.33.32.156"]
    assert datos["errores"] == [{"linea": 2, "valor": "basura", "motivo": datos["errores"][0][
        "motivo"]}]
    assert datos["agregados"][0]["indicador"]["lista_advertencia"]["codigo"] == \
        "rangos_reservados"
    r = c.post(url(incidente), {"valores": ["x", "y"]}, format="json")
    assert r.status_code == 400 and len(r.json()["extra"]["errores"]) == 2
    r = c.post(url(incidente), {"valor": "999.1.1.1", "tipo": "ipv4"}, format="json")
    assert r.status_code == 400 and "valor" in r.json()["extra"]
    assert c.post(url(incidente), {}, format="json").status_code == 400


def _consultas(cliente, ruta):
    with CaptureQueriesContext(connection) as ctx:
        r = cliente.get(ruta)
    assert r.status_code == 200, r.content
    return len(ctx.captured_queries), r.json()


def test_lista_con_numero_constante_de_consultas_y_correlacion_solo_personal(
        api, catalogos, incidente, reportante_a, reportante_b, entidad_b, analista):
    otro = reportar(reportante_b, entidad_b)
    services.indicadores_pegar(actor=analista, incidente_id=incidente.pk,
                               texto=[f"c{i}.malo.example" for i in range(5)])
    services.indicadores_pegar(actor=analista, incidente_id=otro.pk,
                               texto=[f"c{i}.malo.example" for i in range(5)])
    personal, entidad = api(analista), api(reportante_a)
    pocas, datos = _consultas(personal, url(incidente))
    assert datos["count"] == 5
    correlacion = datos["results"][0]["correlacion"]
    assert correlacion["total_incidentes"] == 1 and correlacion["total_entidades"] == 1
    assert correlacion["recientes"][0]["entidad"]["sigla"] == "GMPB"
    pocas_entidad, datos = _consultas(entidad, url(incidente))
    assert "correlacion" not in datos["results"][0]
    assert "GMPB" not in orjson.dumps(datos).decode()

    services.indicadores_pegar(actor=analista, incidente_id=incidente.pk,
                               texto=[f"d{i}.malo.example" for i in range(30)])
    services.indicadores_pegar(actor=analista, incidente_id=otro.pk,
                               texto=[f"d{i}.malo.example" for i in range(30)])
    muchas, datos = _consultas(personal, url(incidente))
    assert datos["count"] == 35 and len(datos["results"]) == 35
    assert muchas == pocas, "a query per row"
    assert muchas <= 10
    assert _consultas(entidad, url(incidente))[0] == pocas_entidad


def test_404_en_todas_las_rutas_de_otra_entidad(api, incidente, reportante_a, reportante_b):
    v, _ = services.indicador_agregar(actor=reportante_a, incidente_id=incidente.pk,
                                      valor="solo-a.example")
    c = api(reportante_b)
    assert c.get(url(incidente)).status_code == 404
    assert c.post(url(incidente), {"valor": "x.example"}, format="json").status_code == 404
    assert c.post(url(incidente), {"valores": "x.example"}, format="json").status_code == 404
    assert c.get(url(incidente, "extraer/")).status_code == 404
    assert c.delete(url(incidente, f"{v.pk}/")).status_code in (403, 404)
    assert c.get(f"/api/v1/incidentes/{incidente.pk}/stix/").status_code == 404
    assert c.get(f"/api/v1/indicadores/{v.indicador_id}/").status_code == 404
    assert c.patch(f"/api/v1/indicadores/{v.indicador_id}/", {"tlp": "clear"},
                   format="json").status_code == 404
    r = c.post(f"/api/v1/stix/importar/?incidente={incidente.pk}",
               data=json_de(bundle(indicador("[domain-name:value = 'x.example']"))),
               content_type="application/json")
    assert r.status_code == 404
    r = c.post("/api/v1/indicadores/buscar/", {"valores": ["solo-a.example"]}, format="json")
    assert r.json()["resultados"][0]["incidentes"] == []
    assert not IndicadorIncidente.objects.exclude(pk=v.pk).exists()


def test_detalle_del_indicador(api, incidente, reportante_a, analista, catalogos, entidad_b,
                               reportante_b):
    v, _ = services.indicador_agregar(actor=reportante_a, incidente_id=incidente.pk,
                                      valor="compartido.example")
    services.indicador_agregar(actor=reportante_b, incidente_id=reportar(
        reportante_b, entidad_b).pk, valor="compartido.example")
    propio = api(reportante_a).get(f"/api/v1/indicadores/{v.indicador_id}/").json()
    assert "correlacion" not in propio and "valor_original" not in propio
    assert [i["id"] for i in propio["incidentes"]] == [incidente.pk]
    assert propio["stix"]["id"] == v.indicador.stix_id
    personal = api(analista).get(f"/api/v1/indicadores/{v.indicador_id}/").json()
    assert personal["correlacion"]["total_entidades"] == 2
    r = api(analista).patch(f"/api/v1/indicadores/{v.indicador_id}/",
                            {"tlp": "green", "confianza": 90}, format="json")
    assert r.status_code == 200 and r.json()["tlp"] == "green"
    assert api(reportante_a).patch(f"/api/v1/indicadores/{v.indicador_id}/", {"tlp": "clear"},
                                   format="json").status_code == 403


def test_quitar_indicador(api, incidente, reportante_a, analista):
    v, _ = services.indicador_agregar(actor=reportante_a, incidente_id=incidente.pk,
                                      valor="malo.example")
    assert api(reportante_a).delete(url(incidente, f"{v.pk}/")).status_code == 403
    assert api(analista).delete(url(incidente, f"{v.pk}/")).status_code == 204
    assert api(analista).delete(url(incidente, f"{v.pk}/")).status_code == 404


def test_extraer_por_api(api, catalogos, reportante_a, entidad_a):
    inc = reportar(reportante_a, entidad_a, descripcion="C2 en c2.malo[.]example y 45.33.32.156")
    r = api(reportante_a).get(url(inc, "extraer/"))
    assert [c["valor"] for c in r.json()["candidatos"]] == ["c2.malo.example", "45.33.32.156"]
    assert not Indicador.objects.exists()


def test_buscar_por_api(api, incidente, reportante_a, analista):
    services.indicador_agregar(actor=reportante_a, incidente_id=incidente.pk,
                               valor="malo.example")
    r = api(analista).post("/api/v1/indicadores/buscar/",
                           {"valores": "malo[.]example\notro.example"}, format="json")
    resultados = r.json()["resultados"]
    assert [x["total"] for x in resultados] == [1, 0]
    assert resultados[0]["incidentes"][0]["codigo"] == incidente.codigo


def test_importar_json_crudo_mayor_que_el_limite_de_django(api, analista, settings):
    # Bigger than DATA_UPLOAD_MAX_MEMORY_SIZE (5 MB): read from the stream, our own limit.
    # (Answered in the request: above INDICADORES_STIX_FLUJO_DESDE_BYTES it would be queued.)
    settings.INDICADORES_STIX_FLUJO_DESDE_BYTES = 16 * 1024 * 1024
    relleno = "x" * 120_000
    objetos = [indicador(f"[domain-name:value = 'g{i}.example']", description=relleno)
               for i in range(50)]
    contenido = json_de(bundle(*objetos))
    assert len(contenido) > settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    r = api(analista).post("/api/v1/stix/importar/?tlp=green", data=contenido,
                           content_type="application/json")
    assert r.status_code == 201, r.content[:500]
    assert r.json()["contadores"]["indicadores_nuevos"] == 50
    assert set(Indicador.objects.values_list("tlp", flat=True)) == {"green"}
    settings.INDICADORES_STIX_MAX_BYTES = 1_000_000
    r = api(analista).post("/api/v1/stix/importar/", data=contenido,
                           content_type="application/json")
    assert r.status_code == 413
    assert ImportacionSTIX.objects.count() == 1


def test_importar_archivo_multipart_y_consultar(api, incidente, reportante_a, analista):
    b = bundle(indicador("[domain-name:value = 'subido.example']"),
               indicador("[ipv4-addr:value = '1.2.3']"))
    archivo = SimpleUploadedFile("informe.json", json_de(b), content_type="application/json")
    c = api(reportante_a)
    r = c.post("/api/v1/stix/importar/", {"archivo": archivo, "incidente": incidente.pk},
               format="multipart")
    assert r.status_code == 400
    informe = r.json()["extra"]
    assert informe["total_errores"] == 1 and informe["errores"][0]["indice"] == 1
    detalle = c.get(f"/api/v1/stix/importaciones/{informe['importacion']}/").json()
    assert detalle["estado"] == "rechazada" and detalle["errores"][0]["indice"] == 1
    archivo.seek(0)
    r = c.post("/api/v1/stix/importar/", {"archivo": archivo, "incidente": incidente.pk,
                                          "solo_validos": "true"}, format="multipart")
    assert r.status_code == 201 and r.json()["incidente"]["codigo"] == incidente.codigo
    assert IndicadorIncidente.objects.filter(incidente=incidente).count() == 1
    assert c.get("/api/v1/stix/importaciones/").json()["count"] == 2
    # Another user never sees these imports; staff do.
    assert api(analista).get(f"/api/v1/stix/importaciones/{informe['importacion']}/"
                             ).status_code == 200
    assert c.post("/api/v1/stix/importar/", data=json_de(b),
                  content_type="application/json").status_code == 403


def test_importar_grande_responde_202(api, analista, settings,
                                      django_capture_on_commit_callbacks):
    settings.INDICADORES_STIX_ASINCRONO_DESDE = 3
    b = bundle(*[indicador(f"[domain-name:value = 'q{i}.example']") for i in range(5)])
    with django_capture_on_commit_callbacks(execute=False):
        r = api(analista).post("/api/v1/stix/importar/", data=json_de(b),
                               content_type="application/json")
    assert r.status_code == 202 and r.json()["estado"] == "pendiente"


def test_exportar_y_feed_por_api(api, incidente, reportante_a, analista):
    services.indicadores_pegar(actor=analista, incidente_id=incidente.pk, tlp="clear",
                               texto=[f"f{i}.example" for i in range(3)])
    r = api(reportante_a).get(f"/api/v1/incidentes/{incidente.pk}/stix/?descargar=1")
    assert r.status_code == 200 and r["Content-Type"].startswith("application/stix+json")
    assert incidente.codigo in r["Content-Disposition"]
    assert validate_instance(orjson.loads(r.content), ValidationOptions(version="2.1")).is_valid
    c = api(reportante_a)
    r = c.get("/api/v1/stix/feed/?tlp=clear&limite=2")
    assert r.status_code == 200 and "X-CGII-Siguiente" in r
    r2 = c.get(f"/api/v1/stix/feed/?tlp=clear&limite=2&despues={r['X-CGII-Siguiente']}")
    indicadores = [o for o in orjson.loads(r2.content)["objects"] if o["type"] == "indicator"]
    assert len(indicadores) == 1 and "X-CGII-Siguiente" not in r2
    assert c.get("/api/v1/stix/feed/?tlp=morado").status_code == 400
    assert c.get("/api/v1/stix/feed/?despues=basura").status_code == 400
    assert c.get("/api/v1/stix/feed/?desde=ayer").status_code == 400


def test_el_esquema_openapi_documenta_los_endpoints(client):
    import yaml

    r = client.get("/api/schema/")
    assert r.status_code == 200
    rutas = yaml.safe_load(r.content)["paths"]
    for ruta in ("/api/v1/incidentes/{id}/indicadores/", "/api/v1/indicadores/buscar/",
                 "/api/v1/stix/importar/", "/api/v1/incidentes/{id}/stix/",
                 "/api/v1/stix/feed/", "/api/v1/stix/importaciones/{id}/"):
        assert ruta in rutas, ruta


def test_lista_de_importaciones_con_consultas_constantes(api, analista):
    c = api(analista)
    services.stix_importar(actor=analista, contenido=json_de(bundle(
        indicador("[domain-name:value = 'uno.example']"))))
    pocas, datos = _consultas(c, "/api/v1/stix/importaciones/")
    for i in range(6):
        services.stix_importar(actor=analista, contenido=json_de(bundle(
            indicador(f"[domain-name:value = 'n{i}.example']"))))
    muchas, datos = _consultas(c, "/api/v1/stix/importaciones/")
    assert datos["count"] == 7 and muchas == pocas


def test_tipos_stix_segun_el_rol(incidente, analista):
    v, _ = services.indicador_agregar(actor=analista, incidente_id=incidente.pk,
                                      valor="45.33.32.200", rol="victima")
    assert v.indicador.tipos_stix == ["compromised"]
    v, _ = services.indicador_agregar(actor=analista, incidente_id=incidente.pk,
                                      valor="c2.malo.example", rol="c2")
    assert v.indicador.tipos_stix == ["malicious-activity"]


def test_admin_de_indicadores(client, django_user_model, incidente, analista):
    from tests.entidades.sesiones import iniciar_sesion_verificada

    raiz = django_user_model.objects.create_superuser("raiz", "raiz@ejemplo.gob.bo", "x")

    v, _ = services.indicador_agregar(actor=analista, incidente_id=incidente.pk,
                                      valor="malo.example")
    services.stix_importar(actor=analista, contenido=json_de(bundle(
        indicador("[domain-name:value = 'otro.example']"))))
    iniciar_sesion_verificada(client, raiz)
    for ruta in ("/admin/indicadores/indicador/",
                 f"/admin/indicadores/indicador/{v.indicador_id}/change/",
                 "/admin/indicadores/importacionstix/",
                 f"/admin/indicadores/importacionstix/{ImportacionSTIX.objects.get().pk}/change/"):
        assert client.get(ruta).status_code == 200, ruta
