"""The closing step as people expect it: the entity confirms (with an optional comment) or
answers «no está resuelto» with its reason, which reopens the incident to analysis and tells
the analyst; meanwhile the analyst sees that it waits for the entity and when it closes by
itself, and can still write or reopen."""

import pytest

from cgii.eventos.despachador import despachar_pendientes
from cgii.eventos.models import Notificacion
from incidentes import selectors, services
from incidentes.models import EntradaTimeline, Incidente

from .paginas import botones, cliente, estado_de, mensajes, url
from .utiles import llevar_a

pytestmark = pytest.mark.django_db


@pytest.fixture
def resuelto(incidente, analista):
    inc = llevar_a(incidente, "resuelto", analista)
    services.incidente_asignar(actor=analista, incidente_id=inc.pk, analista_id=analista.pk)
    return Incidente.objects.get(pk=inc.pk)


def test_la_entidad_dice_que_no_esta_resuelto_y_vuelve_a_analisis(resuelto, analista,
                                                                   reportante_a):
    ent = cliente(reportante_a)
    html = ent.get(url(resuelto)).content.decode()
    assert 'id="confirmar"' in html and "data-no-resuelto" in html
    fecha = selectors.cierre_automatico_el(resuelto.resuelto_en).strftime("%d/%m/%Y")
    assert f"se cerrará automáticamente el {fecha}" in html
    r = ent.post(url(resuelto, "no_resuelto"),
                 {"motivo": "Siguen llegando correos al personal."}, follow=True)
    assert r.status_code == 200, mensajes(r)
    inc = Incidente.objects.get(pk=resuelto.pk)
    assert inc.estado == "en_analisis" and inc.resuelto_en is None
    entrada = EntradaTimeline.objects.filter(incidente=inc, tipo="transicion").last()
    assert entrada.actor_id == reportante_a.pk and entrada.visible_entidad
    assert "no está resuelto: Siguen llegando correos al personal." in entrada.texto
    despachar_pendientes()
    aviso = Notificacion.objects.get(usuario=analista, tipo="incidente.no_resuelto")
    assert "Siguen llegando correos" in aviso.texto
    assert not Notificacion.objects.filter(usuario=reportante_a,
                                           tipo="incidente.no_resuelto").exists()


def test_no_esta_resuelto_exige_el_motivo_por_la_pagina_y_por_la_api(api, resuelto,
                                                                      reportante_a):
    r = cliente(reportante_a).post(url(resuelto, "no_resuelto"), {"motivo": "  "},
                                   HTTP_ACCEPT="application/json")
    assert r.status_code == 400 and "qué sigue sin resolverse" in r.json()["mensaje"]
    r = api(reportante_a).post(f"/api/v1/incidentes/{resuelto.pk}/transiciones/",
                               {"transicion": "objetar_resolucion"}, format="json")
    assert r.status_code == 400
    assert "qué sigue sin resolverse" in r.json()["extra"]["comentario"][0]
    r = api(reportante_a).post(f"/api/v1/incidentes/{resuelto.pk}/transiciones/",
                               {"transicion": "objetar_resolucion",
                                "comentario": "El portal sigue caído."}, format="json")
    assert r.status_code == 200 and r.json()["estado"] == "en_analisis"


def test_el_cgii_no_objeta_por_la_entidad(api, resuelto, analista):
    r = api(analista).post(f"/api/v1/incidentes/{resuelto.pk}/transiciones/",
                           {"transicion": "objetar_resolucion", "comentario": "x"},
                           format="json")
    assert r.status_code == 403


def test_la_entidad_confirma_con_un_comentario(resuelto, reportante_a):
    r = cliente(reportante_a).post(url(resuelto, "confirmar"),
                                   {"comentario": "Gracias por la ayuda."}, follow=True)
    assert r.status_code == 200 and estado_de(resuelto) == "cerrado"
    entrada = EntradaTimeline.objects.get(incidente=resuelto, tipo="confirmacion")
    assert "Gracias por la ayuda." in entrada.texto and entrada.actor_id == reportante_a.pk


def test_la_confirmacion_por_la_api_acepta_el_comentario(api, resuelto, reportante_a):
    r = api(reportante_a).post(f"/api/v1/incidentes/{resuelto.pk}/confirmacion/",
                               {"comentario": "Todo en orden."}, format="json")
    assert r.status_code == 200 and r.json()["estado"] == "cerrado"
    assert any("Todo en orden." in e["texto"] for e in r.json()["timeline"])


def test_el_analista_ve_que_espera_a_la_entidad_y_puede_escribir_o_reabrir(resuelto,
                                                                           analista):
    c = cliente(analista)
    html = c.get(url(resuelto)).content.decode()
    fecha = selectors.cierre_automatico_el(resuelto.resuelto_en).strftime("%d/%m/%Y")
    assert f"Esperando confirmación de la entidad — cierre automático el {fecha}" in html
    assert "reabrir" in botones(html), "the actions panel stays, with «Reabrir»"
    assert 'name="texto"' in html, "and the message box"
    r = c.post(url(resuelto, "mensaje"), {"texto": "¿Pudieron verificar?", "compartido": "1"},
               follow=True)
    assert r.status_code == 200 and estado_de(resuelto) == "resuelto"
    r = c.post(url(resuelto, "transicion"), {"transicion": "reabrir",
                                             "comentario": "Falta revisar un buzón."},
               follow=True)
    assert estado_de(resuelto) == "en_analisis", mensajes(r)


def test_el_cierre_automatico_de_la_pagina_es_el_del_barrido(resuelto):
    from django.utils import timezone

    from incidentes.services import monitor

    fecha = selectors.cierre_automatico_el(resuelto.resuelto_en)
    un_dia_antes = timezone.make_aware(
        timezone.datetime.combine(fecha - timezone.timedelta(days=1),
                                  timezone.datetime.min.time()).replace(hour=12))
    assert monitor.autocerrar_resueltos(ahora=un_dia_antes) == 0
    ese_dia = timezone.make_aware(
        timezone.datetime.combine(fecha, timezone.datetime.min.time()).replace(hour=12))
    assert monitor.autocerrar_resueltos(ahora=ese_dia) == 1
    assert estado_de(resuelto) == "cerrado"
