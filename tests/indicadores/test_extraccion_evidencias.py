"""Issue 18 (part C): a URL proposes its host, and an uploaded .eml sample feeds the same
indicator proposal path (headers, sender, links of its text and HTML bodies)."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from incidentes import services as incidentes_services
from incidentes.indicadores import selectors
from incidentes.indicadores.models import Indicador
from incidentes.indicadores.normalizacion import TipoIndicador as T
from incidentes.indicadores.normalizacion import extraer

pytestmark = pytest.mark.django_db

EML = b"""Received: from mail.atacante.example (unknown [45.33.32.156])
\tby mx.entidad.gob.bo (Postfix) with ESMTP id 1; Mon, 7 Dec 2026 09:00:00 -0400
Received: from 185.220.101.4 by relay.example with SMTP
Received: from interno (localhost [127.0.0.1]) by mx (Postfix)
Received: from lan ([10.0.0.8]) by mx (Postfix)
From: "Soporte SIGEP" <soporte@sigep-falso.example>
Reply-To: cobros@recupera-cuenta.example
To: funcionario@entidad.gob.bo
Subject: Su cuenta sera suspendida
Date: Mon, 7 Dec 2026 09:00:00 -0400
Message-ID: <abc@atacante.example>
MIME-Version: 1.0
Content-Type: multipart/alternative; boundary="XX"

--XX
Content-Type: text/plain; charset=utf-8

Ingrese a https://login-sigep.malo.example/x para verificar.
--XX
Content-Type: text/html; charset=utf-8

<html><body><script>fetch('https://nunca.example/')</script>
<p>Ingrese <a href="https://oculto.phish.example/entrar?u=1">aqui</a></p>
<img src="https://rastreo.phish.example/p.gif"></body></html>
--XX--
"""


def test_una_url_propone_tambien_su_dominio():
    encontrados = [(n.tipo, n.valor) for _o, n in extraer(
        "El enlace era https://login-sigep.malo.example/x y luego http://45.33.32.156:8080/a")]
    assert encontrados == [
        (T.URL, "https://login-sigep.malo.example/x"), (T.DOMINIO, "login-sigep.malo.example"),
        (T.URL, "http://45.33.32.156:8080/a"), (T.IPV4, "45.33.32.156")]


def test_el_dominio_de_la_url_se_confirma_como_dominio(catalogos, reportante_a, entidad_a,
                                                      analista):
    from incidentes.indicadores import services
    from tests.incidentes.utiles import reportar

    inc = reportar(reportante_a, entidad_a,
                   descripcion="Phishing con enlace hxxps://login-sigep[.]malo[.]example/x")
    candidatos = selectors.candidatos_de_incidente(usuario=analista, incidente_id=inc.pk)
    dominio, = [c for c in candidatos if c["tipo"] == T.DOMINIO]
    assert dominio["valor"] == "login-sigep.malo.example"
    # The page posts the candidate's "original": it must add the domain, not the URL again.
    services.indicadores_pegar(actor=analista, incidente_id=inc.pk, texto=[dominio["original"]],
                               origen="extraccion")
    assert set(Indicador.objects.values_list("tipo", "valor")) == {
        (T.DOMINIO, "login-sigep.malo.example")}


def _subir_eml(actor, incidente, contenido=EML, nombre="muestra.eml"):
    return incidentes_services.evidencia_subir(
        actor=actor, incidente_id=incidente.pk,
        archivo=SimpleUploadedFile(nombre, contenido))


def test_un_eml_subido_como_evidencia_propone_sus_indicadores(incidente, reportante_a,
                                                               analista):
    _subir_eml(reportante_a, incidente)
    candidatos = selectors.candidatos_de_incidente(usuario=analista, incidente_id=incidente.pk)
    valores = {(c["tipo"], c["valor"]): c for c in candidatos}
    # Received: public hops only (bracketed or bare); loopback and private ones skipped.
    assert (T.IPV4, "45.33.32.156") in valores and (T.IPV4, "185.220.101.4") in valores
    assert "Received" in valores[(T.IPV4, "45.33.32.156")]["fuente"]
    assert not {(T.IPV4, "127.0.0.1"), (T.IPV4, "10.0.0.8")} & set(valores)
    # Sender and Reply-To: addresses and domains.
    assert {(T.EMAIL, "soporte@sigep-falso.example"), (T.DOMINIO, "sigep-falso.example"),
            (T.EMAIL, "cobros@recupera-cuenta.example"),
            (T.DOMINIO, "recupera-cuenta.example")} <= set(valores)
    # URLs of the text body and the HTML links (href/src), each with its domain.
    assert {(T.URL, "https://login-sigep.malo.example/x"),
            (T.DOMINIO, "login-sigep.malo.example"),
            (T.URL, "https://oculto.phish.example/entrar?u=1"),
            (T.DOMINIO, "oculto.phish.example"),
            (T.URL, "https://rastreo.phish.example/p.gif")} <= set(valores)
    assert valores[(T.URL, "https://oculto.phish.example/entrar?u=1")]["fuente"].startswith(
        "evidencia muestra.eml")
    # A script's content is not a link target: never proposed, never fetched.
    assert (T.URL, "https://nunca.example/") not in valores
    assert not Indicador.objects.exists()


def test_el_eml_interno_no_se_lee_para_la_entidad(incidente, reportante_a, analista):
    incidentes_services.evidencia_subir(
        actor=analista, incidente_id=incidente.pk,
        archivo=SimpleUploadedFile("interno.eml", EML), visible_entidad=False)
    del_personal = {c["valor"] for c in selectors.candidatos_de_incidente(
        usuario=analista, incidente_id=incidente.pk)}
    de_la_entidad = {c["valor"] for c in selectors.candidatos_de_incidente(
        usuario=reportante_a, incidente_id=incidente.pk)}
    assert "45.33.32.156" in del_personal and "45.33.32.156" not in de_la_entidad


def test_un_eml_roto_no_rompe_la_extraccion(incidente, reportante_a, analista):
    _subir_eml(reportante_a, incidente, nombre="roto.eml", contenido=(
        b"From: <<<@@\nReceived: [999.1.1.1]\nContent-Type: multipart/mixed\n\ntexto\n"))
    assert selectors.candidatos_de_incidente(usuario=analista, incidente_id=incidente.pk) \
        is not None
