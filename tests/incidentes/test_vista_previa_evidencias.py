"""Issue 18 (part C): the evidence viewer previews images, PDF pages (as PNG), text and
.eml messages without ever running their content, with the download's tenant and
visibility rules."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from incidentes import services
from incidentes.evidencias import vista_previa
from incidentes.models import Evidencia

from .paginas import cliente

pytestmark = pytest.mark.django_db

SVG_HOSTIL = (b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" '
              b'onload="alert(document.cookie)"><script>alert(1)</script></svg>')
HTML_HOSTIL = b"<html><body><script>alert('xss')</script><img src=x onerror=alert(2)></body></html>"


def _png() -> bytes:
    b = io.BytesIO()
    Image.new("RGB", (40, 20), (200, 30, 30)).save(b, "PNG")
    return b.getvalue()


def _pdf(paginas: int = 2) -> bytes:
    import weasyprint

    cuerpo = "".join(f'<p style="page-break-before:always">Página {i}</p>'
                     for i in range(2, paginas + 1))
    html = ("<h1>Informe</h1><p>Página 1</p><script>app.alert('js del PDF')</script>"
            + cuerpo)
    return weasyprint.HTML(string=html).write_pdf()


def _subir(actor, incidente, nombre, contenido, **kw) -> Evidencia:
    return services.evidencia_subir(actor=actor, incidente_id=incidente.pk,
                                    archivo=SimpleUploadedFile(nombre, contenido), **kw)


def _vista(c, ev):
    return c.get(f"/incidentes/{ev.incidente_id}/evidencias/{ev.pk}/vista/")


def test_imagen_en_linea_con_sandbox_y_nosniff(incidente, reportante_a, analista):
    ev = _subir(reportante_a, incidente, "captura.png", _png())
    c = cliente(analista)
    r = _vista(c, ev)
    assert r.status_code == 200
    img = f"/incidentes/{incidente.pk}/evidencias/{ev.pk}/imagen/"
    assert f'src="{img}"' in r.content.decode()
    r = c.get(img)
    assert r.status_code == 200 and r["Content-Type"] == "image/png"
    assert "sandbox" in r["Content-Security-Policy"]
    assert "default-src 'none'" in r["Content-Security-Policy"]
    assert r["X-Content-Type-Options"] == "nosniff"
    assert b"".join(r.streaming_content) == _png()


def test_pdf_se_ve_como_paginas_png(incidente, reportante_a, analista):
    ev = _subir(reportante_a, incidente, "informe.pdf", _pdf(3))
    c = cliente(analista)
    html = _vista(c, ev).content.decode()
    for n in (1, 2, 3):
        assert f"/evidencias/{ev.pk}/pagina/{n}/" in html
    assert "/pagina/4/" not in html
    r = c.get(f"/incidentes/{incidente.pk}/evidencias/{ev.pk}/pagina/2/")
    assert r.status_code == 200 and r["Content-Type"] == "image/png"
    assert r.content.startswith(b"\x89PNG") and "sandbox" in r["Content-Security-Policy"]
    assert Image.open(io.BytesIO(r.content)).size[0] > 300
    # Cached by the file's hash: the second read does not run poppler again.
    assert c.get(f"/incidentes/{incidente.pk}/evidencias/{ev.pk}/pagina/2/").content \
        == r.content
    assert c.get(f"/incidentes/{incidente.pk}/evidencias/{ev.pk}/pagina/4/").status_code == 404


def test_un_pdf_danado_no_rompe_la_vista(incidente, reportante_a, analista):
    ev = _subir(reportante_a, incidente, "roto.pdf", b"%PDF-1.4\n1 0 obj<<>>endobj\n%%EOF\n")
    c = cliente(analista)
    r = _vista(c, ev)
    assert r.status_code == 200 and r.context["previa"].clase == "ninguna"
    assert "El PDF está dañado o protegido." in r.content.decode()
    assert c.get(f"/incidentes/{incidente.pk}/evidencias/{ev.pk}/pagina/1/").status_code == 404


def test_texto_hostil_se_muestra_escapado(incidente, reportante_a, analista):
    ev = _subir(reportante_a, incidente, "pagina.txt", HTML_HOSTIL)
    html = _vista(cliente(analista), ev).content.decode()
    assert "<script>alert(&#x27;xss&#x27;)</script>" not in html
    assert "&lt;script&gt;alert(&#x27;xss&#x27;)&lt;/script&gt;" in html
    assert "<img src=x" not in html


def test_svg_hostil_nunca_se_sirve_como_imagen(incidente, reportante_a, analista, settings):
    # An SVG cannot be uploaded (it is not an allowed type) ...
    with pytest.raises(Exception):  # noqa: B017 - TipoNoSoportado
        _subir(reportante_a, incidente, "logo.svg", SVG_HOSTIL)
    # ... and one that reached storage another way (a row typed image/svg+xml) is neither
    # served inline nor rendered: the viewer shows it as escaped text at most.
    ev = _subir(reportante_a, incidente, "logo.txt", SVG_HOSTIL)
    Evidencia.objects.filter(pk=ev.pk).update(nombre="logo.svg", tipo_mime="image/svg+xml")
    c = cliente(analista)
    assert c.get(f"/incidentes/{incidente.pk}/evidencias/{ev.pk}/imagen/").status_code == 404
    html = _vista(c, ev).content.decode()
    assert 'onload="alert' not in html and "<script>alert(1)" not in html
    assert "No hay vista previa" in html


def test_archivo_de_texto_grande_se_recorta(incidente, reportante_a, analista):
    grande = b"linea de registro 192.0.2.1\n" * (vista_previa.MAX_TEXTO // 20)
    ev = _subir(reportante_a, incidente, "acceso.log", grande)
    html = _vista(cliente(analista), ev).content.decode()
    assert "se muestra solo el comienzo" in html
    assert html.count("linea de registro") <= vista_previa.MAX_TEXTO // 27 + 1


def test_imagen_demasiado_grande_no_se_previsualiza(incidente, reportante_a, analista,
                                                    monkeypatch):
    ev = _subir(reportante_a, incidente, "captura.png", _png())
    monkeypatch.setattr(vista_previa, "MAX_IMAGEN", 10)
    c = cliente(analista)
    assert "demasiado grande" in _vista(c, ev).content.decode()
    assert c.get(f"/incidentes/{incidente.pk}/evidencias/{ev.pk}/imagen/").status_code == 404


def test_eml_cabeceras_y_cuerpo_sin_ejecutar(incidente, reportante_a, analista):
    from tests.indicadores.test_extraccion_evidencias import EML

    ev = _subir(reportante_a, incidente, "muestra.eml", EML)
    html = _vista(cliente(analista), ev).content.decode()
    assert "soporte@sigep-falso.example" in html and "Su cuenta sera suspendida" in html
    assert "45.33.32.156" in html                       # Received header
    assert "https://login-sigep.malo.example/x" in html  # text body
    assert "https://oculto.phish.example/entrar?u=1" in html  # link target, as text
    assert 'href="https://oculto' not in html and "<script>fetch" not in html
    assert "Proponer indicadores" in html


def test_eml_solo_html_se_muestra_como_texto(incidente, reportante_a, analista):
    eml = (b"From: x@malo.example\nSubject: hola\nContent-Type: text/html\n\n"
           b"<p>Pague <a href='https://pago.malo.example/'>aqui</a></p>"
           b"<script>alert(1)</script><iframe src='https://x.example'></iframe>")
    ev = _subir(reportante_a, incidente, "solo.eml", eml)
    html = _vista(cliente(analista), ev).content.decode()
    assert "Pague" in html and "<script>alert(1)" not in html and "<iframe" not in html
    assert "https://pago.malo.example/" in html


def test_otra_entidad_y_evidencia_interna_son_404(incidente, reportante_a, reportante_b,
                                                  analista):
    ev = _subir(reportante_a, incidente, "captura.png", _png())
    interna = _subir(analista, incidente, "interna.png", _png(), visible_entidad=False)
    ajeno = cliente(reportante_b)
    propio = cliente(reportante_a)
    for sufijo in ("vista/", "imagen/", "pagina/1/"):
        assert ajeno.get(f"/incidentes/{incidente.pk}/evidencias/{ev.pk}/{sufijo}"
                         ).status_code == 404
        assert propio.get(f"/incidentes/{incidente.pk}/evidencias/{interna.pk}/{sufijo}"
                          ).status_code == 404
    assert propio.get(f"/incidentes/{incidente.pk}/evidencias/{ev.pk}/vista/").status_code \
        == 200
    assert cliente(analista).get(
        f"/incidentes/{incidente.pk}/evidencias/{interna.pk}/imagen/").status_code == 200


def test_el_detalle_enlaza_la_vista_previa(incidente, reportante_a, analista):
    ev = _subir(reportante_a, incidente, "captura.png", _png())
    html = cliente(reportante_a).get(f"/incidentes/{incidente.pk}/").content.decode()
    assert f"/incidentes/{incidente.pk}/evidencias/{ev.pk}/vista/" in html


def test_una_pagina_gigante_se_acota(incidente, reportante_a, analista):
    import weasyprint

    pdf = weasyprint.HTML(string="<style>@page { size: 2000mm 3000mm }</style><p>x</p>"
                          ).write_pdf()
    ev = _subir(reportante_a, incidente, "enorme.pdf", pdf)
    r = cliente(analista).get(f"/incidentes/{incidente.pk}/evidencias/{ev.pk}/pagina/1/")
    assert r.status_code == 200
    assert max(Image.open(io.BytesIO(r.content)).size) == vista_previa.LADO_MAXIMO
