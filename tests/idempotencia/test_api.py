"""Idempotency-Key through HTTP on the intake and the other writing POSTs (issue 14)."""

import hashlib
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.client import encode_multipart
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from cgii.entidades.services import token_crear
from cgii.idempotencia.models import ClaveIdempotencia
from incidentes.api.views import IncidentesView
from incidentes.indicadores.models import ImportacionSTIX
from incidentes.models import EntradaTimeline, Evidencia, Incidente
from tests.incidentes.utiles import reportar
from tests.indicadores.utiles import bundle, indicador, json_de

from .conftest import clave, reporte

pytestmark = pytest.mark.django_db
URL = "/api/v1/incidentes/"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def test_la_misma_clave_dos_veces_crea_un_incidente_y_repite_la_respuesta(
        api, catalogos, reportante_a):
    c = api(reportante_a)
    datos = reporte()
    primera = c.post(URL, datos, format="json", **clave("a1b2-c3"))
    segunda = c.post(URL, datos, format="json", **clave("a1b2-c3"))
    assert primera.status_code == segunda.status_code == 201, primera.content
    assert Incidente.objects.count() == 1
    assert segunda.content == primera.content          # byte for byte
    assert segunda["Idempotent-Replayed"] == "true"
    assert not primera.has_header("Idempotent-Replayed")
    # JSON compared in canonical form: another key order is the same request.
    invertido = dict(reversed(list(datos.items())))
    tercera = c.post(URL, invertido, format="json", **clave("a1b2-c3"))
    assert tercera.status_code == 201 and tercera["Idempotent-Replayed"] == "true"
    assert Incidente.objects.count() == 1


def test_sin_cabecera_nada_cambia(api, catalogos, reportante_a):
    c = api(reportante_a)
    assert c.post(URL, reporte(), format="json").status_code == 201
    assert c.post(URL, reporte(), format="json").status_code == 201
    assert Incidente.objects.count() == 2
    assert not ClaveIdempotencia.objects.exists()


def test_la_clave_es_de_cada_usuario(api, catalogos, reportante_a, rsi_a):
    datos = reporte()
    a = api(reportante_a).post(URL, datos, format="json", **clave("compartida"))
    b = api(rsi_a).post(URL, datos, format="json", **clave("compartida"))
    assert a.status_code == b.status_code == 201
    assert not b.has_header("Idempotent-Replayed")
    assert Incidente.objects.count() == 2


def test_misma_clave_con_otra_solicitud_da_422_sin_crear_nada(api, catalogos, reportante_a):
    c = api(reportante_a)
    primero = c.post(URL, reporte(), format="json", **clave("k-1"))
    assert primero.status_code == 201
    timeline = EntradaTimeline.objects.count()
    r = c.post(URL, reporte(titulo="Otro título"), format="json", **clave("k-1"))
    assert r.status_code == 422
    assert set(r.json()) == {"message", "extra"}
    assert "otra solicitud" in r.json()["message"]
    assert r.json()["extra"] == {"metodo": "POST", "ruta": URL}
    # Another path (a comment) with the same key: also another request.
    otra_ruta = c.post(f"{URL}{primero.json()['id']}/comentarios/", {"texto": "hola"},
                       format="json", **clave("k-1"))
    assert otra_ruta.status_code == 422
    assert Incidente.objects.count() == 1 and EntradaTimeline.objects.count() == timeline


def test_un_primer_intento_rechazado_no_ocupa_la_clave(api, catalogos, reportante_a):
    c = api(reportante_a)
    r = c.post(URL, reporte(titulo=""), format="json", **clave("corregir"))
    assert r.status_code == 400
    assert not ClaveIdempotencia.objects.exists()
    r = c.post(URL, reporte(), format="json", **clave("corregir"))
    assert r.status_code == 201 and not r.has_header("Idempotent-Replayed")
    assert Incidente.objects.count() == 1


def test_un_error_inesperado_deshace_todo_clave_incluida(api, catalogos, reportante_a,
                                                          monkeypatch):
    """The report's writes succeed, then the view fails: nothing stays, the key is free."""
    from incidentes.api import views

    original = views.s.IncidenteDetalleSerializer

    class Roto(original):
        @property
        def data(self):
            raise RuntimeError("falla al serializar")

    monkeypatch.setattr(views.s, "IncidenteDetalleSerializer", Roto)
    c = api(reportante_a)
    c.raise_request_exception = False
    assert c.post(URL, reporte(), format="json", **clave("x-500")).status_code == 500
    assert not Incidente.objects.exists() and not ClaveIdempotencia.objects.exists()
    monkeypatch.setattr(views.s, "IncidenteDetalleSerializer", original)
    r = c.post(URL, reporte(), format="json", **clave("x-500"))
    assert r.status_code == 201 and Incidente.objects.count() == 1


def test_clave_vencida_se_ignora_y_se_reutiliza(api, catalogos, reportante_a):
    c = api(reportante_a)
    assert c.post(URL, reporte(), format="json", **clave("vieja")).status_code == 201
    ClaveIdempotencia.objects.update(creado=ClaveIdempotencia.objects.get().creado
                                     - timedelta(hours=24, minutes=1))
    r = c.post(URL, reporte(), format="json", **clave("vieja"))
    assert r.status_code == 201 and not r.has_header("Idempotent-Replayed")
    assert Incidente.objects.count() == 2
    fila = ClaveIdempotencia.objects.get()
    assert fila.cuerpo == r.content.decode()           # the key now answers for the new one
    # ...and reusable for another request once expired.
    ClaveIdempotencia.objects.update(creado=fila.creado - timedelta(hours=25))
    r = c.post(URL, reporte(titulo="Otro incidente"), format="json", **clave("vieja"))
    assert r.status_code == 201 and Incidente.objects.count() == 3


@pytest.mark.parametrize("valor", ["", " ", "x" * 256, "clave\x7f", "ñandú"])
def test_clave_invalida_da_400(api, catalogos, reportante_a, valor):
    r = api(reportante_a).post(URL, reporte(), format="json",
                               HTTP_IDEMPOTENCY_KEY=valor.encode().decode("latin-1"))
    assert r.status_code == 400
    assert "Idempotency-Key" in r.json()["message"]
    assert not Incidente.objects.exists()


def test_clave_entre_comillas_como_el_borrador_ietf(api, catalogos, reportante_a):
    c = api(reportante_a)
    datos = reporte()
    assert c.post(URL, datos, format="json", **clave('"8e03978e-40d5"')).status_code == 201
    r = c.post(URL, datos, format="json", **clave("8e03978e-40d5"))
    assert r["Idempotent-Replayed"] == "true" and Incidente.objects.count() == 1


def test_otro_token_del_mismo_usuario_no_recibe_la_respuesta(catalogos, reportante_a,
                                                               entidad_a):
    """A token is scoped to one entity: another token must not replay what this one got."""
    _t1, clave1 = token_crear(usuario=reportante_a, nombre="uno", entidad=entidad_a, alcance="escritura")
    _t2, clave2 = token_crear(usuario=reportante_a, nombre="dos", entidad=entidad_a, alcance="escritura")
    datos = reporte()
    r1 = APIClient().post(URL, datos, format="json", HTTP_AUTHORIZATION=f"Token {clave1}",
                          **clave("t"))
    r2 = APIClient().post(URL, datos, format="json", HTTP_AUTHORIZATION=f"Token {clave2}",
                          **clave("t"))
    assert (r1.status_code, r2.status_code) == (201, 422)
    r3 = APIClient().post(URL, datos, format="json", HTTP_AUTHORIZATION=f"Token {clave1}",
                          **clave("t"))
    assert r3["Idempotent-Replayed"] == "true" and Incidente.objects.count() == 1


def _multipart(datos: dict, frontera: str) -> dict:
    return {"data": encode_multipart(frontera, datos),
            "content_type": f"multipart/form-data; boundary={frontera}"}


def test_evidencia_reenviada_con_otra_frontera_multipart(api, catalogos, reportante_a,
                                                         entidad_a, settings):
    incidente = reportar(reportante_a, entidad_a)
    c = api(reportante_a)
    url = f"{URL}{incidente.pk}/evidencias/"

    def enviar(frontera, contenido=PNG):
        archivo = SimpleUploadedFile("captura.png", contenido, content_type="image/png")
        return c.post(url, **_multipart({"archivo": archivo, "descripcion": "pantalla"},
                                        frontera), **clave("ev-1"))

    primera = enviar("----frontera-uno")
    segunda = enviar("----otra-frontera-distinta")
    assert primera.status_code == segunda.status_code == 201, primera.content
    assert segunda["Idempotent-Replayed"] == "true" and segunda.content == primera.content
    assert Evidencia.objects.count() == 1
    assert primera.json()["sha256"] == hashlib.sha256(PNG).hexdigest()
    guardados = [p for p in settings.ARCHIVOS_PRIVADOS_DIR.rglob("*") if p.is_file()]
    assert len(guardados) == 1
    # Another file under the same key is another request.
    assert enviar("----tercera", PNG + b"\x01").status_code == 422
    assert Evidencia.objects.count() == 1


def test_evidencia_demasiado_grande_con_clave_413_antes_de_leerla(api, catalogos,
                                                                    reportante_a, entidad_a,
                                                                    settings, monkeypatch):
    from cgii.idempotencia import drf

    incidente = reportar(reportante_a, entidad_a)
    settings.EVIDENCIA_TAMANO_MAXIMO = 1024
    leidas = []
    monkeypatch.setattr(drf, "huella_de", lambda r: leidas.append(r) or "x")
    archivo = SimpleUploadedFile("grande.png", PNG * 2000)
    r = api(reportante_a).post(f"{URL}{incidente.pk}/evidencias/", {"archivo": archivo},
                               format="multipart", **clave("grande"))
    assert r.status_code == 413 and leidas == []
    assert not Evidencia.objects.exists() and not ClaveIdempotencia.objects.exists()


def test_importacion_stix_json_crudo_con_clave(api, catalogos, analista):
    contenido = json_de(bundle(indicador("[domain-name:value = 'idem.example']")))
    c = api(analista)
    r1 = c.post("/api/v1/stix/importar/?tlp=green", data=contenido,
                content_type="application/json", **clave("stix-1"))
    r2 = c.post("/api/v1/stix/importar/?tlp=green", data=contenido,
                content_type="application/json", **clave("stix-1"))
    assert r1.status_code == 201, r1.content[:500]
    assert r2["Idempotent-Replayed"] == "true" and r2.content == r1.content
    assert ImportacionSTIX.objects.count() == 1
    # The query string is part of the request.
    r3 = c.post("/api/v1/stix/importar/?tlp=amber", data=contenido,
                content_type="application/json", **clave("stix-1"))
    assert r3.status_code == 422 and ImportacionSTIX.objects.count() == 1


def test_importacion_rechazada_conserva_su_informe_y_libera_la_clave(api, catalogos, analista):
    """A 4xx keeps what the handler records on refusal (the rejected bundle's report), as
    without a key, and the key stays free for the retry."""
    malo = json_de(bundle(indicador("[ipv4-addr:value = '1.2.3']")))
    c = api(analista)
    r = c.post("/api/v1/stix/importar/", data=malo, content_type="application/json",
               **clave("stix-malo"))
    assert r.status_code == 400
    rechazada = ImportacionSTIX.objects.get(pk=r.json()["extra"]["importacion"])
    assert rechazada.estado == "rechazada"
    assert not ClaveIdempotencia.objects.exists()
    r = c.post("/api/v1/stix/importar/?solo_validos=true", data=malo,
               content_type="application/json", **clave("stix-malo"))
    assert r.status_code == 201


def test_comentario_repetido_no_se_duplica(api, catalogos, reportante_a, entidad_a):
    incidente = reportar(reportante_a, entidad_a)
    c = api(reportante_a)
    url = f"{URL}{incidente.pk}/comentarios/"
    antes = EntradaTimeline.objects.filter(incidente=incidente).count()
    r1 = c.post(url, {"texto": "Adjuntamos los encabezados."}, format="json", **clave("m1"))
    r2 = c.post(url, {"texto": "Adjuntamos los encabezados."}, format="json", **clave("m1"))
    assert r1.status_code == r2.status_code == 200 and r2["Idempotent-Replayed"] == "true"
    assert EntradaTimeline.objects.filter(incidente=incidente).count() == antes + 1


def test_camino_sin_cabecera_hace_las_mismas_consultas(api, catalogos, reportante_a,
                                                       monkeypatch):
    c = api(reportante_a)
    assert c.post(URL, reporte(), format="json").status_code == 201  # warm caches

    def consultas():
        with CaptureQueriesContext(connection) as ctx:
            assert c.post(URL, reporte(), format="json").status_code == 201
        return [q["sql"] for q in ctx.captured_queries]

    con_decorador = consultas()
    monkeypatch.setattr(IncidentesView, "post", IncidentesView.post.__wrapped__)
    sin_decorador = consultas()
    assert len(con_decorador) == len(sin_decorador)
    assert not any("idempotencia" in q for q in con_decorador)
