"""Issue 18, must show: a coordinator triages 20 new incidents on the console with the
keyboard and the bulk bar only (select, assign, prioritise, mark 3 duplicates), and the
database holds the result; the keyboard map never fires while typing in a field; the
shortcut help is a modal dialog that gives the focus back.

Chromium (Debian) against a real daphne on the test PostgreSQL (fixture ``servidor_asgi``).
"""

import pytest

from tests.e2e.conftest import CLAVE, codigo_totp, ingresar

sync_api = pytest.importorskip("playwright.sync_api")
expect = sync_api.expect

pytestmark = pytest.mark.e2e


def _escenario(n=20):
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from tests.factories import crear_entidad, crear_usuario
    from tests.incidentes.utiles import reportar

    entidad = crear_entidad(nombre="Ministerio de Triaje", sigla="MTR")
    reportante = crear_usuario(username="reportante.triaje", entidad=entidad,
                               rol_entidad="reportante", password=CLAVE)
    coordinador = crear_usuario(username="coordinador.triaje", rol_cgii="coordinador",
                                password=CLAVE, first_name="Carla", last_name="Mamani")
    dispositivo = TOTPDevice.objects.create(user=coordinador, name="e2e", confirmed=True)
    analista = crear_usuario(username="analista.triaje", rol_cgii="analista",
                             first_name="Daniel", last_name="Apaza")
    incidentes = [reportar(reportante, entidad, titulo=f"Correo sospechoso número {k:02d}")
                  for k in range(n)]
    return incidentes, coordinador, dispositivo, analista


def _codigo_actual(pagina) -> str:
    return pagina.evaluate("document.activeElement.closest('tr').dataset.codigo")


def _elegir(pagina, cuantas: int) -> list[str]:
    """From the first row down: x selects, j moves. Returns the chosen codes."""
    teclado = pagina.keyboard
    elegidas = []
    if not pagina.evaluate("!!document.activeElement.closest('tr.fila-cola')"):
        teclado.press("j")  # after a reload nothing has the focus: j goes to the first row
    for k in range(cuantas):
        teclado.press("x")
        elegidas.append(_codigo_actual(pagina))
        if k < cuantas - 1:
            teclado.press("j")
    return elegidas


def _aplicar(pagina):
    """Submit the bulk bar from the keyboard and wait for the page to come back."""
    with pagina.expect_navigation():
        pagina.keyboard.press("Enter")
    pagina.wait_for_load_state()


def test_triaje_de_20_incidentes_solo_con_teclado_y_lote(servidor_asgi, navegador):
    from incidentes.models import Incidente

    incidentes, coordinador, dispositivo, analista = _escenario()
    base = servidor_asgi.url
    pagina = ingresar(navegador, base, "coordinador.triaje", codigo=codigo_totp(dispositivo),
                      siguiente="/incidentes/consola/", ancho=1440, alto=1000)
    pagina.goto(f"{base}/incidentes/consola/")
    expect(pagina.locator("tr.fila-cola")).to_have_count(20)
    teclado = pagina.keyboard

    # The first row is reachable at once: the skip link is the second Tab stop.
    teclado.press("Tab")
    teclado.press("Tab")
    expect(pagina.locator("a.saltar").nth(1)).to_be_focused()
    teclado.press("Enter")
    expect(pagina.locator("tr.fila-cola").first.locator(".codigo-fila")).to_be_focused()
    teclado.press("k")  # back to "no further up": stays on the first row

    # 1. All 20 to Daniel: select every row with x/j, "b" to the bar, type-ahead the action
    #    and the analyst, Tab to "Aplicar", Enter.
    todas = _elegir(pagina, 20)
    assert len(set(todas)) == 20
    expect(pagina.locator("[data-lote-cuenta]")).to_have_text("20")
    teclado.press("b")
    expect(pagina.locator("[data-lote-accion]")).to_be_focused()
    teclado.type("Asig")
    expect(pagina.locator("[data-lote-accion]")).to_have_value("asignar")
    teclado.press("Tab")
    expect(pagina.locator("select[name=analista_id]")).to_be_focused()
    teclado.type("Daniel")
    teclado.press("Tab")
    expect(pagina.locator("[data-lote-aplicar]")).to_be_focused()
    _aplicar(pagina)
    assert Incidente.objects.filter(analista=analista).count() == 20

    # 2. Five to P1 with a reason (Enter in the reason field submits the bar).
    p1 = _elegir(pagina, 5)
    teclado.press("b")
    teclado.type("Cambiar")
    expect(pagina.locator("[data-lote-accion]")).to_have_value("prioridad")
    teclado.press("Tab")
    teclado.type("P1")
    teclado.press("Tab")
    expect(pagina.locator("input[name=motivo]")).to_be_focused()
    teclado.type("Campaña activa contra el ministerio")
    _aplicar(pagina)
    assert set(Incidente.objects.filter(prioridad="P1").values_list("codigo", flat=True)) == \
        set(p1)

    # 3. Three duplicates of the first P1 (the master), by code.
    maestro = p1[0]
    teclado.press("j")
    while _codigo_actual(pagina) in p1:  # past the P1 rows, which now come first
        teclado.press("j")
    copias = []
    for _k in range(3):
        teclado.press("x")
        copias.append(_codigo_actual(pagina))
        teclado.press("j")
    teclado.press("b")
    teclado.type("Marcar")
    expect(pagina.locator("[data-lote-accion]")).to_have_value("duplicado")
    teclado.press("Tab")
    expect(pagina.locator("input[name=maestro]")).to_be_focused()
    teclado.type(maestro)
    teclado.press("Tab")
    teclado.type("El mismo correo reportado otra vez")
    _aplicar(pagina)
    for codigo in copias:
        copia = Incidente.objects.get(codigo=codigo)
        assert copia.estado == "duplicado" and copia.maestro.codigo == maestro
    expect(pagina.locator("tr.fila-cola")).to_have_count(17)  # duplicates left the queue

    # 4. "t" takes the focused row (one request, the row follows).
    teclado.press("j")
    tomado = _codigo_actual(pagina)
    teclado.press("t")
    expect(pagina.locator(f"tr[data-codigo='{tomado}'] .nombre-analista")).to_contain_text(
        "Carla", timeout=10_000)
    assert Incidente.objects.get(codigo=tomado).analista_id == coordinador.pk

    # 5. One of the duplicates is merged into its master from its page, keyboard only: the
    # merge form comes filled with the master's code.
    copia = Incidente.objects.get(codigo=copias[0])
    pagina.goto(f"{base}/incidentes/{copia.pk}/")
    pagina.locator("summary[data-abrir=fusionar]").focus()
    teclado.press("Enter")
    expect(pagina.locator("#fusion-maestro")).to_have_value(maestro)
    pagina.locator("button[data-fusionar=manual]").focus()
    with pagina.expect_navigation():
        teclado.press("Enter")
    copia.refresh_from_db()
    assert copia.fusionado_en is not None and copia.maestro.codigo == maestro
    pagina.goto(f"{base}/incidentes/{copia.maestro.pk}/")
    expect(pagina.locator("[data-duplicados]")).to_contain_text(copias[0])
    assert pagina.errores_js == []


def test_el_teclado_no_actua_mientras_se_escribe_y_la_ayuda_es_un_dialogo(servidor_asgi,
                                                                           navegador):
    incidentes, coordinador, dispositivo, _analista = _escenario(3)
    base = servidor_asgi.url
    pagina = ingresar(navegador, base, "coordinador.triaje", codigo=codigo_totp(dispositivo),
                      siguiente="/incidentes/consola/", ancho=1440, alto=900)
    pagina.goto(f"{base}/incidentes/consola/")
    teclado = pagina.keyboard
    # In the bulk bar's text field and in the search box: letters are text, not shortcuts.
    pagina.locator("[data-lote-accion]").focus()
    pagina.select_option("[data-lote-accion]", "etiqueta")
    campo = pagina.locator("input[name=etiqueta]")
    campo.focus()
    teclado.type("jjxxtag?/")
    expect(campo).to_have_value("jjxxtag?/")
    expect(pagina.locator("input[data-elegir]:checked")).to_have_count(0)
    expect(pagina.locator("tr.actual")).to_have_count(0)
    expect(pagina.locator("#atajos")).not_to_be_visible()
    # A select: type-ahead, not shortcuts.
    pagina.locator("select[name=prioridad]").first.evaluate("e => e.closest('label').hidden = false")
    # contenteditable too.
    pagina.evaluate("""() => { const d = document.createElement('div');
        d.contentEditable = 'true'; d.id = 'editable'; document.body.prepend(d); }""")
    pagina.locator("#editable").focus()
    teclado.type("jx?")
    expect(pagina.locator("#editable")).to_have_text("jx?")
    expect(pagina.locator("tr.actual")).to_have_count(0)
    expect(pagina.locator("#atajos")).not_to_be_visible()

    # Out of the fields the same keys act; "?" opens the help, Escape gives the focus back.
    pagina.locator("tr.fila-cola").first.locator(".codigo-fila").focus()
    teclado.press("x")
    expect(pagina.locator("input[data-elegir]:checked")).to_have_count(1)
    teclado.press("?")
    dialogo = pagina.locator("#atajos")
    expect(dialogo).to_be_visible()
    assert pagina.evaluate("document.getElementById('atajos').open")
    expect(dialogo.get_by_text("Fila siguiente / anterior")).to_be_visible()
    teclado.press("Escape")
    expect(dialogo).not_to_be_visible()
    expect(pagina.locator("tr.fila-cola").first.locator(".codigo-fila")).to_be_focused()
    # "/" goes to the search field and the typing there is a filter, not a shortcut.
    teclado.press("/")
    expect(pagina.locator("form[data-filtros-auto] input[name=q]")).to_be_focused()

    # "g i" to the incident list; there "t" takes the current row through the bulk bar.
    from incidentes.models import Incidente

    pagina.locator("tr.fila-cola").first.locator(".codigo-fila").focus()
    with pagina.expect_navigation():
        teclado.press("g")
        teclado.press("i")
    assert pagina.url.rstrip("/").endswith("/incidentes")
    teclado.press("j")
    codigo = pagina.evaluate("document.activeElement.closest('tr').querySelector('.codigo-fila')"
                             ".textContent.trim()")
    with pagina.expect_navigation():
        teclado.press("t")
    assert Incidente.objects.get(codigo=codigo).analista_id == coordinador.pk
    assert pagina.errores_js == []
