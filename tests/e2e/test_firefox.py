"""The live console and the entity portal in Firefox (Debian's firefox-esr, driven over
WebDriver BiDi by tests/e2e/firefox.py): the same path as the Chromium test of
test_consola_en_vivo.py, from the report form (with an evidence upload) to the entity's
page following the analyst's work without a reload, and no JavaScript error on any page.

``CGII_CAPTURAS_FIREFOX=DIR`` also saves the console and the entity's page as PNG there.
"""

import json
import os
import re
import shutil
import time
from pathlib import Path

import pytest

from tests.e2e.conftest import (
    CLAVE,
    MENSAJE_SIN_CONEXION,
    codigo_totp,
    escenario_flujo,
    escenario_reconexion,
    mientras_sin_conexion,
)
from tests.e2e.firefox import FIREFOX, Firefox


@pytest.fixture
def firefox():
    if not Path(FIREFOX).exists():
        if os.environ.get("CI") == "true":
            pytest.fail(f"{FIREFOX} is missing: .ci/run installs firefox-esr")
        pytest.skip(f"{FIREFOX} is not installed (apt-get install firefox-esr)")
    with Firefox() as ff:
        yield ff


def ingresar(ff, base: str, usuario: str, *, codigo: str | None = None, siguiente: str = "/",
             ancho: int = 1440, alto: int = 900):
    pestana = ff.pestana(ancho=ancho, alto=alto)
    pestana.ir(f"{base}/cuenta/ingresar/?next={siguiente}")
    campos = {"#id_username": usuario, "#id_password": CLAVE}
    if codigo:
        campos["#id_codigo"] = codigo
    pestana.evaluar(f"""(() => {{
        for (const [selector, valor] of Object.entries({json.dumps(campos)})) {{
            document.querySelector(selector).value = valor;
        }}
        document.querySelector("form button[type=submit]").click();
        return true;
    }})()""")
    pestana.esperar("location.pathname !== '/cuenta/ingresar/' "
                    "&& document.readyState === 'complete'", timeout=10,
                    mensaje=f"{usuario} could not log in")
    return pestana


def en_vivo(pestana) -> None:
    pestana.esperar("document.querySelector('[data-indicador-vivo]')?.dataset.estado "
                    "=== 'conectado'", timeout=10, mensaje="the live stream did not connect")
    pestana.evaluar("window.__sin_recarga = true")


def estado(pestana) -> str:
    return pestana.evaluar("document.querySelector('#estado-actual')?.dataset.estado")


def clic(pestana, selector: str) -> None:
    pestana.evaluar(f"document.querySelector({json.dumps(selector)}).click() ?? true")


def guardar_captura(pestana, nombre: str, tmp_path: Path) -> None:
    ruta = tmp_path / nombre
    pestana.captura(ruta)
    destino = os.environ.get("CGII_CAPTURAS_FIREFOX")
    if destino:
        shutil.copy(ruta, Path(destino) / nombre)


def test_consola_y_portal_en_vivo_en_firefox(servidor_asgi, despachador, firefox, tmp_path):
    from incidentes.models import Incidente
    from tests.incidentes.utiles import triar

    base = servidor_asgi.url
    analista, dispositivo = escenario_flujo("ff", "MPF", "Ministerio de Pruebas en Firefox")

    an = ingresar(firefox, base, "analista.ff", codigo=codigo_totp(dispositivo),
                  ancho=1920, alto=1080)
    assert an.texto("h1") == "Consola de incidentes"
    en_vivo(an)

    # The entity reports through the form, with an evidence file (XMLHttpRequest upload).
    evidencia = tmp_path / "correo.eml"
    evidencia.write_text("From: soporte@falso.example\nSubject: Valide su cuenta\n\nhola\n")
    ent = ingresar(firefox, base, "reportante.ff", siguiente="/incidentes/nuevo/")
    ent.evaluar("""(() => {
        document.querySelector("#id_titulo").value = "Correos falsos que piden la contraseña";
        document.querySelector("#id_descripcion").value =
            "Varios funcionarios recibieron un correo que suplanta a soporte.";
        return true;
    })()""")
    ent.archivos("#id_evidencias", [evidencia])
    clic(ent, "[data-enviar]")
    ent.esperar(r"/\/incidentes\/\d+\/$/.test(location.pathname) "
                "&& document.readyState === 'complete'", timeout=10,
                mensaje="the report form did not lead to the new incident")
    enviado = time.monotonic()  # the 201 came back: the report is committed
    incidente = Incidente.objects.get()
    assert incidente.evidencias.count() == 1
    assert incidente.codigo in ent.texto(".mensajes")

    # Within 2 s it is on the analyst's console, highlighted, without a reload.
    fila = f"#fila-{incidente.pk}"
    an.esperar(f"document.querySelector('{fila}') !== null",
               timeout=max(0.0, 2 - (time.monotonic() - enviado)),
               mensaje="the new incident did not reach the console in 2 s")
    demora = time.monotonic() - enviado
    print(f"Firefox: report → console row {demora:.2f} s")
    assert demora < 2, demora
    assert an.evaluar(f"document.querySelector('{fila}').classList.contains('nueva')")
    assert "MPF" in an.texto(fila) and "sin asignar" in an.texto(fila)
    assert re.fullmatch(r"\d+ min \d\d s|.*\d+ h.*", an.texto(f"{fila} [data-cuenta]"))
    guardar_captura(an, "firefox-consola.png", tmp_path)

    # The entity's page follows triage and classification done by CGII.
    en_vivo(ent)
    assert estado(ent) == "reportado"
    triar(incidente, analista, nota_interna="Nota interna: dominio registrado ayer.")
    ent.esperar("document.querySelector('#estado-actual')?.dataset.estado === 'en_triaje'",
                mensaje="the entity's page did not show en_triaje")

    # The analyst takes it in one click, moves it to analysis and writes to the entity.
    clic(an, f"{fila} button[data-accion=tomar]")
    an.esperar(f"document.querySelector('{fila} .nombre-analista')?.innerText"
               ".includes('Daniel Apaza')", mensaje="taking the incident did not show")
    assert an.evaluar("window.__sin_recarga === true")
    an.ir(f"{base}/incidentes/{incidente.pk}/")
    clic(an, "summary[data-abrir=iniciar_analisis]")
    clic(an, "button[data-transicion=iniciar_analisis]")
    an.esperar("document.querySelector('#estado-actual')?.dataset.estado === 'en_analisis' "
               "&& document.readyState === 'complete'", mensaje="the transition did not apply")
    an.evaluar("""(() => {
        document.querySelector("#texto").value =
            "Confirmamos el phishing. Por favor no abran el enlace.";
        document.querySelector("input[name=compartido][value='1']").checked = true;
        document.querySelector("form.mensaje button[type=submit]").click();
        return true;
    })()""")

    # The entity's open page shows the new state and the message, without a reload.
    ent.esperar("document.querySelector('#estado-actual')?.dataset.estado === 'en_analisis'",
                mensaje="the entity's page did not show en_analisis")
    assert ent.texto(".barra-estados li.actual") == "En análisis"
    ent.esperar("[...document.querySelectorAll('#timeline .entrada.tipo-mensaje')].some("
                "e => e.innerText.includes('Confirmamos el phishing'))",
                mensaje="the shared message did not reach the entity's page")
    assert "Nota interna" not in ent.texto("#timeline")
    assert ent.evaluar("window.__sin_recarga === true")
    ent.esperar("document.querySelector('[data-contador-campana]')?.offsetParent !== null",
                mensaje="the bell shows no unread count")
    guardar_captura(ent, "firefox-portal-incidente.png", tmp_path)
    assert not firefox.errores_js, firefox.errores_js


def test_reconexion_en_firefox(servidor_asgi, despachador, firefox):
    """The server goes away: Firefox shows "Reconectando…"; what happened meanwhile arrives
    once the stream resumes (?desde=), without a reload."""
    incidente, analista = escenario_reconexion("rf", "MRF")

    ent = ingresar(firefox, servidor_asgi.url, "reportante.rf",
                   siguiente=f"/incidentes/{incidente.pk}/")
    en_vivo(ent)
    assert ent.evaluar("document.querySelector('#estado-conexion').hidden")

    servidor_asgi.detener()
    ent.esperar("!document.querySelector('#estado-conexion').hidden", timeout=5,
                mensaje="no reconnecting banner")
    assert "Reconectando" in ent.texto("#estado-conexion")
    mientras_sin_conexion(incidente, analista)

    servidor_asgi.iniciar()
    ent.esperar("document.querySelector('#estado-conexion').hidden", timeout=30,
                mensaje="the banner stayed after the server came back")
    ent.esperar("document.querySelector('#timeline').innerText.includes("
                f"{json.dumps(MENSAJE_SIN_CONEXION)})",
                mensaje="the message sent while offline did not arrive")
    ent.esperar("document.querySelector('#estado-actual')?.dataset.estado === 'en_triaje'",
                mensaje="the state change made while offline did not arrive")
    assert ent.evaluar("window.__sin_recarga === true")
    # Firefox logs each refused reconnect attempt; nothing else may have gone wrong.
    otros = [e for e in firefox.errores_js
             if "establish a connection to the server at ws://" not in e]
    assert not otros, otros
