"""Wording and dead ends across the platform (issue 17): the admin in Spanish, one countdown
format, the quiet demo loader, the duplicate's link, the indicator timeline entries, the
STIX import's example code, e-mail links from the one base-address setting."""

import re
from io import StringIO

import pytest
from django.core import mail
from django.core.management import call_command
from django.test import Client

from incidentes.views.cola import _cuenta_regresiva
from tests.entidades.sesiones import ingresar
from tests.factories import crear_usuario
from tests.incidentes.utiles import reportar

pytestmark = pytest.mark.django_db


def test_el_admin_no_mezcla_ingles():
    admin = crear_usuario(username="admin_txt", rol_cgii="administrador")
    admin.is_staff = admin.is_superuser = True
    admin.save()
    html = ingresar(Client(), admin).get("/admin/").content.decode()
    for ingles in ("Access attempts", "Access failures", "Access logs", "TOTP devices",
                   ">Axes<", "Otp_Totp"):
        assert ingles not in html, ingles
    assert "Intentos de acceso" in html and "Dispositivos TOTP" in html


@pytest.mark.parametrize("segundos,texto", [
    (3522, "58 min 42 s"), (14280, "3 h 58 min"), (-65, "−1 min 05 s"), (190000, "2 d 4 h")])
def test_una_sola_forma_de_cuenta_regresiva(segundos, texto):
    assert _cuenta_regresiva(segundos) == texto


def test_cargar_demo_no_imprime_correos(catalogos, settings, tmp_path, capfd):
    from planes_seguridad import cargador

    settings.ARCHIVOS_PRIVADOS_DIR = tmp_path
    settings.EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
    cargador.cargar_todo()
    salida = StringIO()
    call_command("cargar_demo", stdout=salida)
    impreso = salida.getvalue() + "".join(capfd.readouterr())
    assert "Content-Type:" not in impreso and "Subject:" not in impreso
    assert "Usuarios de demostración" in salida.getvalue()
    assert len(salida.getvalue().splitlines()) < 40


def test_el_duplicado_nombra_y_enlaza_al_maestro(catalogos, reportante_a, entidad_a, analista):
    from incidentes import services

    maestro = reportar(reportante_a, entidad_a, titulo="Original")
    copia = reportar(reportante_a, entidad_a, titulo="Copia")
    services.incidente_transicionar(actor=analista, incidente_id=copia.pk,
                                    transicion="marcar_duplicado",
                                    datos={"maestro_id": maestro.pk})
    html = ingresar(Client(), reportante_a).get(f"/incidentes/{copia.pk}/").content.decode()
    assert "de el" not in html
    assert f'Duplicado del incidente <a href="/incidentes/{maestro.pk}/">{maestro.codigo}</a>' \
        in html


def test_los_indicadores_agregados_no_se_llaman_evidencia(catalogos, reportante_a, entidad_a):
    from incidentes.indicadores.services.vinculos import indicadores_pegar
    from incidentes.models import EntradaTimeline

    incidente = reportar(reportante_a, entidad_a)
    indicadores_pegar(actor=reportante_a, incidente_id=incidente.pk, texto="malo.example.com")
    entrada = EntradaTimeline.objects.filter(incidente=incidente).latest("id")
    assert entrada.get_tipo_display() == "Indicadores"
    assert "domain-name" not in entrada.texto and "Dominio malo.example.com" in entrada.texto


def test_el_ejemplo_de_codigo_tiene_la_forma_de_los_codigos(catalogos, reportante_a, entidad_a):
    html = ingresar(Client(), reportante_a).get("/indicadores/importar/").content.decode()
    ejemplo = re.search(r'placeholder="([A-Z]+-\d{4}-\d+)"', html).group(1)
    assert ejemplo == "CGII-2026-00007"
    assert re.fullmatch(r"CGII-\d{4}-\d{5}", reportar(reportante_a, entidad_a).codigo)


def test_los_enlaces_del_correo_usan_la_direccion_configurada(settings, catalogos, reportante_a,
                                                              entidad_a, analista):
    from cgii.eventos.despachador import despachar_pendientes
    from incidentes import services

    settings.CGII_URL_BASE = "http://127.0.0.1:8101"
    incidente = reportar(reportante_a, entidad_a)
    services.incidente_transicionar(actor=analista, incidente_id=incidente.pk,
                                    transicion="iniciar_triaje")
    despachar_pendientes()
    despachar_pendientes()
    cuerpo = next(m.body for m in mail.outbox if m.to == [reportante_a.email])
    assert f"http://127.0.0.1:8101/incidentes/{incidente.pk}/" in cuerpo
    assert "http://127.0.0.1:8101/cuenta/notificaciones/" in cuerpo
    assert ":8000" not in cuerpo
