"""Issue 18 (part C): the report form and the API take a category from the taxonomy (or
"No sé") and indicator rows, validated and normalised; a bad value stores nothing."""

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from cgii.auditoria.models import RegistroAuditoria
from incidentes.indicadores.models import Indicador, IndicadorIncidente
from incidentes.models import EntradaTimeline, Evidencia, Incidente

from .paginas import cliente, url

pytestmark = pytest.mark.django_db


def _datos(entidad, **extra) -> dict:
    detectado = timezone.localtime() - timedelta(hours=1)
    return {"entidad": entidad.pk, "titulo": "Correos falsos del SIGEP",
            "descripcion": "Llegó un correo con un enlace a un SIGEP falso.",
            "detectado_en": detectado.strftime("%Y-%m-%dT%H:%M"), "tlp": "amber", **extra}


def test_el_formulario_ofrece_categoria_en_palabras_y_filas_de_indicadores(catalogos,
                                                                          reportante_a):
    html = cliente(reportante_a).get("/incidentes/nuevo/").content.decode()
    assert 'name="categoria"' in html and '<option value="no-se" selected>No sé</option>' in html
    assert '<optgroup label="Fraude">' in html and 'value="phishing"' in html
    assert "¿Qué significa cada tipo?" in html   # each type's description, plain words
    assert html.count('name="indicador_valor"') == 3 and 'name="indicador_tipo"' in html


def test_reporte_con_categoria_e_indicadores(catalogos, reportante_a, entidad_a, analista):
    c = cliente(reportante_a)
    r = c.post("/incidentes/nuevo/", _datos(
        entidad_a, categoria="phishing",
        indicador_tipo=["url", "", "ipv4-addr"],
        indicador_valor=["hxxps://login-sigep[.]malo[.]example/x", "SOPORTE@Malo.Example",
                         ""]))
    incidente = Incidente.objects.get()
    assert r.status_code == 302 and r["Location"] == url(incidente)
    assert incidente.tipo is None   # the reporter suggests; CGII classifies
    vinculos = IndicadorIncidente.objects.filter(incidente=incidente)
    assert {(v.indicador.tipo, v.indicador.valor) for v in vinculos} == {
        ("url", "https://login-sigep.malo.example/x"), ("email-addr", "soporte@malo.example")}
    assert {v.rol for v in vinculos} == {"relacionado"}
    entrada = EntradaTimeline.objects.get(incidente=incidente,
                                          datos__categoria_reportada="phishing")
    assert entrada.visible_entidad and "Phishing" in entrada.texto
    assert RegistroAuditoria.objects.filter(accion="incidente.categoria_reportada").exists()
    # The analyst's classification form starts from the reporter's category.
    html = cliente(analista).get(url(incidente)).content.decode()
    assert '<option value="phishing" selected>' in html


def test_no_se_y_sin_indicadores_sigue_funcionando(catalogos, reportante_a, entidad_a):
    r = cliente(reportante_a).post("/incidentes/nuevo/", _datos(
        entidad_a, categoria="no-se", indicador_tipo=["", "", ""],
        indicador_valor=["", "", ""]))
    assert r.status_code == 302
    incidente = Incidente.objects.get()
    assert not IndicadorIncidente.objects.exists()
    assert not EntradaTimeline.objects.filter(incidente=incidente,
                                              datos__has_key="categoria_reportada").exists()


def test_un_indicador_malo_da_error_en_espanol_y_no_guarda_nada(catalogos, reportante_a,
                                                               entidad_a, settings, tmp_path):
    settings.ARCHIVOS_PRIVADOS_DIR = tmp_path / "privados"
    r = cliente(reportante_a).post("/incidentes/nuevo/", _datos(
        entidad_a, categoria="phishing",
        indicador_tipo=["ipv4-addr", "domain-name"],
        indicador_valor=["999.1.2.3", "malo.example"],
        evidencias=[SimpleUploadedFile("nota.txt", b"hola\n")]))
    assert r.status_code == 200
    errores = r.context["form"].errors["indicadores"]
    assert len(errores) == 1 and errores[0].startswith("Fila 1 («999.1.2.3»)")
    assert "no válid" in errores[0]
    html = r.content.decode()
    assert 'value="999.1.2.3"' in html and 'value="malo.example"' in html  # rows kept
    assert not Incidente.objects.exists() and not Indicador.objects.exists()
    assert not Evidencia.objects.exists()
    assert not [p for p in (tmp_path / "privados").rglob("*") if p.is_file()]


def test_una_categoria_inventada_es_un_error_de_campo(catalogos, reportante_a, entidad_a):
    r = cliente(reportante_a).post("/incidentes/nuevo/", _datos(entidad_a, categoria="ovni"))
    assert r.status_code == 200 and "categoria" in r.context["form"].errors
    assert not Incidente.objects.exists()


def test_api_acepta_categoria_e_indicadores(api, catalogos, reportante_a, entidad_a):
    r = api(reportante_a).post("/api/v1/incidentes/", {
        "titulo": "Phishing", "descripcion": "Enlace falso.",
        "detectado_en": (timezone.now() - timedelta(hours=1)).isoformat(),
        "categoria": "phishing",
        "indicadores": [{"tipo": "domain-name", "valor": "Login-SIGEP.malo.example."},
                        {"valor": "45.33.32.156"}]}, format="json")
    assert r.status_code == 201, r.content
    incidente = Incidente.objects.get()
    assert set(IndicadorIncidente.objects.filter(incidente=incidente).values_list(
        "indicador__tipo", "indicador__valor")) == {
        ("domain-name", "login-sigep.malo.example"), ("ipv4-addr", "45.33.32.156")}


def test_api_rechaza_indicador_malo_sin_guardar(api, catalogos, reportante_a, entidad_a):
    r = api(reportante_a).post("/api/v1/incidentes/", {
        "titulo": "Phishing", "descripcion": "Enlace falso.",
        "detectado_en": (timezone.now() - timedelta(hours=1)).isoformat(),
        "indicadores": [{"tipo": "url", "valor": "no es una url"}]}, format="json")
    assert r.status_code == 400
    assert r.json()["extra"]["indicadores"] == [
        "Fila 1 («no es una url»): Una URL no puede contener espacios."]
    assert not Incidente.objects.exists()
    r = api(reportante_a).post("/api/v1/incidentes/", {
        "titulo": "Phishing", "descripcion": "Enlace falso.",
        "detectado_en": (timezone.now() - timedelta(hours=1)).isoformat(),
        "categoria": "ovni"}, format="json")
    assert r.status_code == 400 and not Incidente.objects.exists()


def test_el_esquema_documenta_los_campos_nuevos(api, catalogos, analista):
    esquema = api(analista).get("/api/schema/", HTTP_ACCEPT="application/json")
    if esquema.status_code != 200:
        esquema = api(analista).get("/api/v1/schema/", HTTP_ACCEPT="application/json")
    texto = esquema.content.decode()
    assert "IndicadorReportado" in texto and "categoria" in texto
