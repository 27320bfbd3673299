from datetime import timedelta

from django.contrib import admin
from django.contrib.messages.storage.fallback import FallbackStorage
from django.db import transaction
from django.test import RequestFactory, override_settings
from django.utils import timezone

from cgii.eventos import grupos
from cgii.eventos.models import Evento
from cgii.eventos.selectors import backlog, grupos_de_usuario
from cgii.eventos.services import evento_emitir
from tests.factories import crear_usuario


def _eventos():
    with transaction.atomic():
        creados = [evento_emitir(tipo="prueba.algo", datos={"n": i},
                                 grupos=[grupos.GRUPO_PERSONAL_CGII]) for i in range(3)]
    entregado, pendiente, agotado = creados
    Evento.objects.filter(pk=entregado.pk).update(entregado_en=timezone.now())
    Evento.objects.filter(pk=pendiente.pk).update(
        disponible_desde=timezone.now() + timedelta(minutes=5), intentos=2)
    Evento.objects.filter(pk=agotado.pk).update(
        disponible_desde=timezone.now() + timedelta(minutes=5), intentos=20,
        creado=timezone.now() - timedelta(hours=1))
    return entregado, pendiente, agotado


def _request(usuario, **params):
    request = RequestFactory().get("/admin/eventos/evento/", params)
    request.user = usuario
    request.session = {}
    request._messages = FallbackStorage(request)
    return request


@override_settings(EVENTOS_MAX_INTENTOS=20)
def test_admin_de_solo_lectura_con_filtros_de_estado(db):
    entregado, pendiente, agotado = _eventos()
    modelo_admin = admin.site._registry[Evento]
    raiz = crear_usuario(username="raiz", is_staff=True, is_superuser=True)
    request = _request(raiz)
    assert not modelo_admin.has_add_permission(request)
    assert not modelo_admin.has_change_permission(request, entregado)
    assert not modelo_admin.has_delete_permission(request, entregado)
    assert list(modelo_admin.get_actions(request)) == ["reintentar_ahora"]

    for estado, esperados in (("pendiente", {pendiente.pk, agotado.pk}),
                              ("agotado", {agotado.pk}), ("entregado", {entregado.pk})):
        respuesta = modelo_admin.changelist_view(_request(raiz, estado=estado))
        respuesta.render()
        assert respuesta.status_code == 200
        assert {e.pk for e in respuesta.context_data["cl"].result_list} == esperados
        if estado == "agotado":
            assert "AGOTADO" in respuesta.rendered_content
    for busqueda in ("prueba", str(agotado.pk)):  # text and the "=id" exact match
        respuesta = modelo_admin.changelist_view(_request(raiz, q=busqueda))
        respuesta.render()
        assert respuesta.status_code == 200


@override_settings(EVENTOS_MAX_INTENTOS=20)
def test_reintentar_ahora_vuelve_a_poner_en_cola_solo_lo_pendiente(
        db, django_capture_on_commit_callbacks):
    entregado, pendiente, agotado = _eventos()
    modelo_admin = admin.site._registry[Evento]
    raiz = crear_usuario(username="raiz", is_staff=True, is_superuser=True)
    with django_capture_on_commit_callbacks() as callbacks:
        modelo_admin.reintentar_ahora(_request(raiz), Evento.objects.all())
    assert len(callbacks) == 1
    ahora = timezone.now()
    for evento in (pendiente, agotado):
        evento.refresh_from_db()
        assert evento.disponible_desde <= ahora
    entregado_antes = entregado.disponible_desde
    entregado.refresh_from_db()
    assert entregado.disponible_desde == entregado_antes


def test_la_accion_requiere_permiso_de_cambio(db):
    modelo_admin = admin.site._registry[Evento]
    mirador = crear_usuario(username="mirador", is_staff=True)
    assert "reintentar_ahora" not in modelo_admin.get_actions(_request(mirador))


@override_settings(EVENTOS_MAX_INTENTOS=20)
def test_backlog(db, django_assert_num_queries):
    assert backlog().pendientes == 0 and backlog().antiguedad_pendiente is None
    _eventos()
    # The live backlog, the sinks' queues, the paused sinks.
    with django_assert_num_queries(3):
        estado = backlog()
    assert (estado.pendientes, estado.agotados, estado.sano) == (2, 1, False)
    assert timedelta(minutes=59) < estado.antiguedad_pendiente < timedelta(minutes=61)


def test_grupos_de_usuario(analista, reportante_a, entidad_a, entidad_b):
    assert grupos_de_usuario(analista) == [grupos.GRUPO_PERSONAL_CGII,
                                           grupos.grupo_usuario(analista.pk)]
    assert grupos_de_usuario(reportante_a) == [grupos.grupo_entidad(entidad_a.pk),
                                               grupos.grupo_usuario(reportante_a.pk)]
    multi = crear_usuario(username="multi", entidad=entidad_b)
    from cgii.entidades.models import Membresia

    Membresia.objects.create(usuario=multi, entidad=entidad_a, rol="rsi")
    esperados = sorted([entidad_a.pk, entidad_b.pk])
    assert grupos_de_usuario(multi) == [grupos.grupo_entidad(i) for i in esperados] + [
        grupos.grupo_usuario(multi.pk)]
