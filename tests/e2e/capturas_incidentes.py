"""Drive the whole incident flow by hand in Chromium and refresh docs/screenshots/incidentes-*.

Not a test (pytest does not collect it): run it against a demo server, e.g.

    createdb cgii_vistas; export DATABASE_URL=postgres://postgres@127.0.0.1:5432/cgii_vistas
    manage.py migrate && manage.py cargar_catalogos && manage.py cargar_demo
    daphne -b 127.0.0.1 -p 8077 cgii.asgi:application &
    python tests/e2e/capturas_incidentes.py [http://127.0.0.1:8077]

The entity reports with evidence; the analyst takes, triages, classifies as phishing, works
the checklist (notes and evidence), asks the entity; the RSI completes its step and answers;
the analyst goes through the phases and resolves; the coordinator closes. Any 5xx fails it.
"""

import re
import sys
import tempfile
from pathlib import Path

import _capturas
from _capturas import BASE, CAPTURAS, lanzar
from playwright.sync_api import sync_playwright

errores: list[str] = []


def ingresar(browser, usuario: str, personal: bool = False):
    pagina = _capturas.ingresar(browser, usuario, personal=personal, siguiente="/incidentes/",
                                ancho=1440, alto=900, errores=errores)
    assert pagina.url.endswith("/incidentes/"), (usuario, pagina.url)
    return pagina


def informar(pagina, texto: str) -> None:
    mensajes = [m.inner_text() for m in pagina.locator(".mensajes li").all()]
    print(f"  {texto}: {mensajes}")
    assert not pagina.locator(".mensajes li.error").count(), mensajes


def transicion(pagina, nombre: str, **campos) -> None:
    pagina.click(f"summary[data-abrir={nombre}]")
    form = pagina.locator(f"form:has(button[data-transicion={nombre}])")
    for campo, valor in campos.items():
        form.locator(f"[name={campo}]").fill(valor)
    form.locator(f"button[data-transicion={nombre}]").click()
    pagina.wait_for_load_state()
    informar(pagina, nombre)


def completar(pagina, fase: str, archivo: Path | None = None, solo: list[str] | None = None):
    """Complete the open mandatory steps of a phase (or just the steps in ``solo``)."""
    if solo:
        selector = ",".join(f"li.tarea[data-tarea={c}]:not(.hecha)" for c in solo)
    else:
        # Only the steps this user's role does have a form (the role a step names does it).
        selector = (f"details[data-fase={fase}] li.tarea:not(.hecha):not(.no_aplica)"
                    ":has(.etiqueta.obligatoria):has(form.form-tarea)")
    while (fila := pagina.locator(selector).first).count():
        codigo = fila.get_attribute("data-tarea")
        if not fila.is_visible():
            pagina.locator(f"details:has(li[data-tarea={codigo}]) > summary").click()
        form = fila.locator("form.form-tarea")
        form.locator("input[name=nota]").fill(f"Paso {codigo}: revisado y documentado.")
        if archivo and form.locator("input[name=archivo]").count():
            form.locator("input[name=archivo]").set_input_files(str(archivo))
        form.locator("button[value=hecha]").click()
        pagina.wait_for_load_state()
        informar(pagina, codigo)


def archivos(carpeta: Path) -> dict[str, Path]:
    textos = {
        "correo-sospechoso.eml": "From: \"Soporte MEFP\" <soporte@mefp-gob.bo.example>\n"
                                 "Subject: Su buzón será suspendido hoy\n\nValide su contraseña.\n",
        "analisis-cabeceras.txt": "Authentication-Results: spf=fail dkim=none dmarc=fail\n",
        "analisis-url.csv": "url,redirecciones\nhttps://mefp-gob-bo.example/login,2\n",
    }
    for nombre, texto in textos.items():
        (carpeta / nombre).write_text(texto)
    return {n: carpeta / n for n in textos}


def main() -> int:
    CAPTURAS.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp, sync_playwright() as p:
        a = archivos(Path(tmp))
        browser = lanzar(p)

        ent = ingresar(browser, "reportante.mefp")
        ent.goto(f"{BASE}/incidentes/nuevo/")
        ent.fill("#id_titulo", "Correos de phishing que suplantan a Soporte MEFP")
        ent.fill("#id_descripcion", "Desde las 09:00 varios funcionarios recibieron un correo "
                 "«Su buzón será suspendido hoy» que pide validar la contraseña en un sitio "
                 "parecido al del Ministerio. Al menos dos personas ingresaron sus credenciales.")
        ent.fill("#id_activos_afectados",
                 "Correo institucional (mx.mefp.gob.bo), cuentas de 2 funcionarios")
        ent.set_input_files("#id_evidencias", str(a["correo-sospechoso.eml"]))
        ent.locator("#id_titulo").focus()
        ent.locator("#id_titulo").blur()
        ent.screenshot(path=CAPTURAS / "incidentes-reportar.png", full_page=True)
        ent.click("form.tarjeta button[type=submit]")
        ent.wait_for_url(re.compile(r"/incidentes/\d+/$"))  # sent with XMLHttpRequest
        informar(ent, "reportado")
        pk = re.search(r"/incidentes/(\d+)/", ent.url).group(1)
        detalle = f"{BASE}/incidentes/{pk}/"

        an = ingresar(browser, "analista", personal=True)
        assert an.locator(f"a[href='/incidentes/{pk}/']").count()
        an.goto(detalle)
        an.click("button[data-accion=tomar]")
        an.wait_for_load_state()
        transicion(an, "iniciar_triaje", comentario="Recibido; lo revisamos ahora.")
        an.select_option("#clasificacion select[name=tipo]", "phishing")
        an.select_option("#clasificacion select[name=impacto]", "3")
        an.select_option("#clasificacion select[name=urgencia]", "3")
        an.click("#clasificacion button[type=submit]")
        an.wait_for_load_state()
        informar(an, "clasificado")
        completar(an, "triaje")
        transicion(an, "iniciar_analisis")
        completar(an, "analisis", a["analisis-cabeceras.txt"],
                  solo=["phishing-analisis-1", "phishing-analisis-2"])
        an.fill("#texto", "Nota interna: el dominio se registró hace 2 días; coordinar con "
                "NIC Bolivia.")
        an.click("form.mensaje button[type=submit]")
        an.wait_for_load_state()
        an.click("summary[data-abrir=solicitar_informacion]")
        an.fill("#pregunta", "¿Qué cuentas ingresaron credenciales y a qué hora? Adjunten el "
                "registro del proxy si lo tienen.")
        an.click("button[data-transicion=solicitar_informacion]")
        an.wait_for_load_state()
        informar(an, "solicitud")

        rsi = ingresar(browser, "rsi.mefp")
        rsi.goto(detalle)
        assert "Nota interna" not in rsi.content()
        rsi.screenshot(path=CAPTURAS / "incidentes-detalle-entidad.png", full_page=True)
        completar(rsi, "analisis", solo=["phishing-analisis-4"])
        rsi.fill("#respuesta", "Fueron jperez (09:14) y mlopez (09:40). Adjuntamos el registro "
                 "del proxy.")
        rsi.click("#solicitud button[type=submit]")
        rsi.wait_for_load_state()
        informar(rsi, "respuesta")

        an.goto(detalle)
        an.screenshot(path=CAPTURAS / "incidentes-detalle-cgii.png", full_page=True)
        completar(an, "analisis", a["analisis-url.csv"])
        rsi.goto(detalle)
        completar(rsi, "analisis")
        an.goto(detalle)
        transicion(an, "contener", comentario="Se inicia la contención.")
        completar(an, "contencion")
        rsi.goto(detalle)
        completar(rsi, "contencion")
        an.goto(detalle)
        transicion(an, "erradicar")
        completar(an, "erradicacion")
        rsi.goto(detalle)
        completar(rsi, "erradicacion")
        an.goto(detalle)
        transicion(an, "recuperar")
        completar(an, "recuperacion")
        rsi.goto(detalle)
        completar(rsi, "recuperacion")
        an.goto(detalle)
        transicion(an, "resolver",
                   resumen_cierre="Se bloqueó el dominio falso, se purgaron 214 mensajes y se "
                                  "restablecieron las 2 cuentas afectadas con segundo factor.",
                   lecciones_aprendidas="Publicar DMARC con p=reject y repetir la capacitación "
                                        "anual sobre phishing.")
        completar(an, "cierre")

        co = ingresar(browser, "coordinador", personal=True)
        co.goto(detalle)
        transicion(co, "cerrar", comentario="Cierre revisado por coordinación.")
        estado = co.locator("#estado-actual").get_attribute("data-estado")

        ent.goto(f"{BASE}/incidentes/")
        ent.screenshot(path=CAPTURAS / "incidentes-lista-entidad.png", full_page=True)
        an.goto(f"{BASE}/incidentes/")
        an.screenshot(path=CAPTURAS / "incidentes-lista-cgii.png", full_page=True)
        browser.close()
    print("estado final:", estado, "· errores 5xx:", errores)
    return 1 if errores or estado != "cerrado" else 0


if __name__ == "__main__":
    sys.exit(main())
