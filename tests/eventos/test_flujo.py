"""Streams without silent gaps, revocation, token handshakes and the per-incident stream —
through the full ASGI app on the real Redis channel layer."""

import pytest
from asgiref.sync import async_to_sync
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from django.db import transaction

from cgii.asgi import application
from cgii.entidades.services import token_crear, token_revocar
from cgii.eventos import grupos
from cgii.eventos.despachador import despachar
from cgii.eventos.models import Evento
from cgii.eventos.services import evento_emitir
from tests.eventos.conftest import cabeceras_de, codigo_de_cierre, conectar

pytestmark = pytest.mark.django_db(transaction=True)


def _emitir(destino, n=1, tipo="incidente.actualizado"):
    ids = []
    for i in range(n):
        with transaction.atomic():
            ids.append(evento_emitir(tipo=tipo, datos={"n": i}, grupos=destino).pk)
    return ids


async def _recibir(ws, n):
    return [await ws.receive_json_from(timeout=5) for _ in range(n)]


def test_reconectar_con_la_ultima_secuencia_repite_exactamente_lo_perdido(
        reportante_a, entidad_a, entidad_b):
    cabeceras = cabeceras_de(reportante_a)
    propio = [grupos.grupo_entidad(entidad_a.pk)]
    ajeno = [grupos.grupo_entidad(entidad_b.pk)]

    async def escenario():
        emitir = database_sync_to_async(_emitir)
        ws = await conectar(cabeceras)
        vistos = await emitir(propio, 2)
        await database_sync_to_async(despachar)()
        recibidos = await _recibir(ws, 2)
        await ws.disconnect()
        # While disconnected: 3 for this entity, 2 for another one.
        perdidos = await emitir(propio, 3)
        await emitir(ajeno, 2)
        await database_sync_to_async(despachar)()
        ultima = recibidos[-1]["secuencia"]
        ws = WebsocketCommunicator(application, f"/ws/eventos/?desde={ultima}",
                                   headers=cabeceras)
        assert (await ws.connect(timeout=5))[0]
        repetidos = await _recibir(ws, 4)
        # Then live again, with nothing duplicated.
        nuevo = await emitir(propio, 1)
        await database_sync_to_async(despachar)()
        en_vivo = await _recibir(ws, 1)
        assert await ws.receive_nothing(timeout=0.3)
        await ws.disconnect()
        return vistos, recibidos, perdidos, repetidos, nuevo, en_vivo

    vistos, recibidos, perdidos, repetidos, nuevo, en_vivo = async_to_sync(escenario)()
    assert [m["id"] for m in recibidos] == vistos
    assert [m["id"] for m in repetidos[:3]] == perdidos
    assert repetidos[3]["tipo"] == "flujo.sincronizado" and repetidos[3]["completo"] is True
    # The position is the stream's head when replayed (past entity B's events too).
    assert repetidos[3]["secuencia"] >= repetidos[2]["secuencia"] + 2
    secuencias = [m["secuencia"] for m in recibidos + repetidos[:3] + en_vivo]
    assert secuencias == sorted(secuencias) and len(set(secuencias)) == len(secuencias)
    assert [m["id"] for m in en_vivo] == nuevo


def test_secuencias_siguen_el_orden_de_envio_aunque_los_ids_no():
    """An event with a lower id sent later (e.g. committed later) gets the later position, so
    "everything after my last position" never skips it."""
    from datetime import timedelta

    from django.utils import timezone

    rezagado = Evento.objects.create(tipo="x", grupos=[grupos.GRUPO_PERSONAL_CGII],
                                     disponible_desde=timezone.now() + timedelta(hours=1))
    adelantado = Evento.objects.create(tipo="y", grupos=[grupos.GRUPO_PERSONAL_CGII])
    despachar()
    Evento.objects.filter(pk=rezagado.pk).update(disponible_desde=timezone.now())
    despachar()
    rezagado.refresh_from_db()
    adelantado.refresh_from_db()
    assert rezagado.pk < adelantado.pk and rezagado.secuencia > adelantado.secuencia


def test_revocar_el_token_cierra_su_flujo_y_no_otros(reportante_a, entidad_a):
    token, clave = token_crear(usuario=reportante_a, actor=reportante_a, nombre="script",
                               entidad=entidad_a)
    por_token = [(b"authorization", f"Token {clave}".encode())]
    por_sesion = cabeceras_de(reportante_a)

    async def escenario():
        ws_token = WebsocketCommunicator(application, "/ws/eventos/", headers=por_token)
        assert (await ws_token.connect(timeout=5))[0]
        ws_sesion = await conectar(por_sesion)
        await database_sync_to_async(lambda: token_revocar(token=token, actor=reportante_a))()
        await database_sync_to_async(despachar)()
        cierre = await ws_token.receive_output(timeout=5)
        sigue = await ws_sesion.receive_nothing(timeout=0.3)
        await ws_sesion.disconnect()
        return cierre, sigue

    cierre, sigue = async_to_sync(escenario)()
    assert cierre == {"type": "websocket.close", "code": 4403}
    assert sigue


def test_desactivar_al_usuario_cierra_su_flujo(reportante_a):
    cabeceras = cabeceras_de(reportante_a)

    def desactivar():
        reportante_a.is_active = False
        reportante_a.save()

    async def escenario():
        ws = await conectar(cabeceras)
        await database_sync_to_async(desactivar)()
        await database_sync_to_async(despachar)()
        return await ws.receive_output(timeout=5)

    assert async_to_sync(escenario)() == {"type": "websocket.close", "code": 4403}


def test_token_invalido_o_en_la_url_no_autentica(reportante_a):
    async def intento(ruta, cabeceras):
        return await codigo_de_cierre(WebsocketCommunicator(application, ruta,
                                                            headers=cabeceras))

    malo = [(b"authorization", b"Token cgii_no-existe")]
    assert async_to_sync(intento)("/ws/eventos/", malo) == 4401
    # A token in the query string is ignored (no session, no origin): denied at handshake.
    async def en_la_url():
        ws = WebsocketCommunicator(application, "/ws/eventos/?token=cgii_x", headers=[])
        conectado, _ = await ws.connect(timeout=5)
        await ws.disconnect(timeout=5)
        return conectado

    assert async_to_sync(en_la_url)() is False


def test_flujo_por_incidente_filtra_lo_interno_y_lo_ajeno(catalogos, reportante_a, reportante_b,
                                                          entidad_a, analista):
    from incidentes import services
    from tests.incidentes.utiles import reportar

    incidente = reportar(reportante_a, entidad_a)
    despachar()
    cab_a, cab_b, cab_staff = (cabeceras_de(u) for u in (reportante_a, reportante_b, analista))
    ruta = f"/ws/incidentes/{incidente.pk}/"

    async def escenario():
        rechazo = await codigo_de_cierre(WebsocketCommunicator(application, ruta,
                                                               headers=cab_b))
        entidad = WebsocketCommunicator(application, ruta, headers=cab_a)
        staff = WebsocketCommunicator(application, ruta, headers=cab_staff)
        assert (await entidad.connect(timeout=5))[0] and (await staff.connect(timeout=5))[0]
        comentar = database_sync_to_async(services.incidente_comentar)
        await comentar(actor=analista, incidente_id=incidente.pk, texto="interno",
                       compartido=False)
        await comentar(actor=analista, incidente_id=incidente.pk, texto="compartido")
        await database_sync_to_async(despachar)()
        de_staff = await _recibir(staff, 2)
        de_entidad = await _recibir(entidad, 1)
        nada = await entidad.receive_nothing(timeout=0.3)
        await entidad.disconnect()
        await staff.disconnect()
        return rechazo, de_staff, de_entidad, nada

    rechazo, de_staff, de_entidad, nada = async_to_sync(escenario)()
    assert rechazo == 4404
    assert [m["datos"]["entrada"]["texto"] for m in de_staff] == ["interno", "compartido"]
    assert [m["datos"]["entrada"]["texto"] for m in de_entidad] == ["compartido"] and nada


@pytest.mark.parametrize("momento", ["antes_del_envio", "despues_del_envio"])
def test_cliente_que_entra_mientras_se_despacha_un_lote_no_lo_pierde(
        monkeypatch, momento, reportante_a, entidad_a):
    """The race of the issue: a client (re)connects while a batch is being dispatched —
    after it got its positions and before the live send, or after the send and before the
    dispatcher is done (the old dispatcher committed the positions only then, so such a
    client neither got the live copy nor could replay it). It replays the batch from the
    table and any live copy that follows is not a duplicate."""
    import threading

    from django.db import connection

    from cgii.eventos import despachador

    cabeceras = cabeceras_de(reportante_a)
    propio = [grupos.grupo_entidad(entidad_a.pk)]
    numerado, seguir = threading.Event(), threading.Event()
    enviar_original = despachador._difundir

    def difundir_con_pausa(eventos):
        if momento == "antes_del_envio":
            numerado.set()
            seguir.wait(10)
            return enviar_original(eventos)
        resultado = enviar_original(eventos)
        numerado.set()
        seguir.wait(10)
        return resultado

    def despachar_en_hilo(resultado):
        try:
            resultado.append(despachador.difundir_pendientes())
        finally:
            connection.close()

    async def escenario():
        emitir = database_sync_to_async(_emitir)
        antes = (await emitir(propio, 1))[0]
        await database_sync_to_async(despachar)()
        posicion = (await database_sync_to_async(Evento.objects.get)(pk=antes)).secuencia
        lote = await emitir(propio, 3)
        monkeypatch.setattr(despachador, "_difundir", difundir_con_pausa)
        resultado = []
        hilo = threading.Thread(target=despachar_en_hilo, args=(resultado,))
        hilo.start()
        assert await database_sync_to_async(numerado.wait)(10)
        ws = WebsocketCommunicator(application, f"/ws/eventos/?desde={posicion}",
                                   headers=cabeceras)
        assert (await ws.connect(timeout=5))[0]
        repetidos = await _recibir(ws, 4)
        seguir.set()
        await database_sync_to_async(hilo.join)(10)
        duplicado = await ws.receive_nothing(timeout=0.5)
        monkeypatch.setattr(despachador, "_difundir", enviar_original)
        siguiente = await emitir(propio, 1)
        await database_sync_to_async(despachar)()
        en_vivo = await _recibir(ws, 1)
        await ws.disconnect()
        return lote, repetidos, resultado, duplicado, siguiente, en_vivo

    lote, repetidos, resultado, duplicado, siguiente, en_vivo = async_to_sync(escenario)()
    assert [m["id"] for m in repetidos[:3]] == lote
    assert repetidos[3]["tipo"] == "flujo.sincronizado" and repetidos[3]["completo"] is True
    assert repetidos[3]["secuencia"] >= repetidos[2]["secuencia"]
    assert resultado == [3] and duplicado
    assert [m["id"] for m in en_vivo] == siguiente


def test_lo_que_se_pierde_en_vivo_llega_por_la_verificacion(
        monkeypatch, settings, reportante_a, entidad_a, entidad_b):
    """Live delivery can lose a message (Redis restarted, a channel over capacity). The
    stream checks itself against the table: the lost event arrives (after the next live
    one, or alone when idle), then the confirmed position; another entity's lost event is
    never sent, and a reconnect from the confirmed position replays nothing."""
    from cgii.eventos import despachador

    settings.EVENTOS_VERIFICACION_SEGUNDOS = 0.1
    settings.EVENTOS_VERIFICACION_REPOSO = 0.6
    cabeceras = cabeceras_de(reportante_a)
    propio = [grupos.grupo_entidad(entidad_a.pk)]
    ajeno = [grupos.grupo_entidad(entidad_b.pk)]
    enviar_original = despachador._difundir

    def perder(eventos):  # the layer "accepted" them, nobody got them
        return {}, False

    async def despachar_perdiendo():
        monkeypatch.setattr(despachador, "_difundir", perder)
        await database_sync_to_async(despachar)()
        monkeypatch.setattr(despachador, "_difundir", enviar_original)

    async def escenario():
        emitir = database_sync_to_async(_emitir)
        ws = WebsocketCommunicator(application, "/ws/eventos/?desde=0", headers=cabeceras)
        assert (await ws.connect(timeout=5))[0]
        inicial = await ws.receive_json_from(timeout=5)
        perdido = (await emitir(propio, 1))[0]
        await emitir(ajeno, 1)
        await despachar_perdiendo()
        vivo = (await emitir(propio, 1))[0]
        await database_sync_to_async(despachar)()
        tras_actividad = await _recibir(ws, 3)
        # Idle: lost with nothing after it.
        solo = (await emitir(propio, 1))[0]
        await despachar_perdiendo()
        en_reposo = await _recibir(ws, 2)
        await ws.disconnect()
        posicion = en_reposo[-1]["secuencia"]
        ws = WebsocketCommunicator(application, f"/ws/eventos/?desde={posicion}",
                                   headers=cabeceras)
        assert (await ws.connect(timeout=5))[0]
        reconexion = await ws.receive_json_from(timeout=5)
        await ws.disconnect()
        return inicial, perdido, vivo, tras_actividad, solo, en_reposo, reconexion

    inicial, perdido, vivo, tras_actividad, solo, en_reposo, reconexion = \
        async_to_sync(escenario)()
    assert inicial["tipo"] == "flujo.sincronizado"
    assert [m.get("id") for m in tras_actividad[:2]] == [vivo, perdido]
    assert tras_actividad[2]["tipo"] == "flujo.posicion"
    assert tras_actividad[2]["secuencia"] >= tras_actividad[0]["secuencia"]
    assert [m.get("id") for m in en_reposo[:1]] == [solo]
    assert en_reposo[1]["tipo"] == "flujo.posicion"
    assert en_reposo[1]["secuencia"] >= en_reposo[0]["secuencia"]
    assert reconexion == {"tipo": "flujo.sincronizado", "secuencia": en_reposo[1]["secuencia"],
                          "completo": True}


def _cliente_de(cabeceras):
    """A test client holding the same session cookie as a websocket handshake."""
    from django.conf import settings
    from django.test import Client

    galleta = dict(cabeceras)[b"cookie"].decode().split("=", 1)[1]
    cliente = Client()
    cliente.cookies[settings.SESSION_COOKIE_NAME] = galleta
    return cliente


def test_cerrar_sesion_cierra_los_flujos_de_esa_sesion_y_no_otros(reportante_a, entidad_a):
    """Issue 16, finding 2: after logging out, a socket opened with that session kept
    delivering the incident's messages. Now the logout closes it (4403); another session of
    the same user and an API token's stream stay open."""
    token, clave = token_crear(usuario=reportante_a, actor=reportante_a, nombre="script",
                               entidad=entidad_a)
    saliente, otra = cabeceras_de(reportante_a), cabeceras_de(reportante_a)
    por_token = [(b"authorization", f"Token {clave}".encode())]

    def salir():
        respuesta = _cliente_de(saliente).post("/cuenta/salir/")
        assert respuesta.status_code in (200, 302)
        despachar()

    async def escenario():
        ws_saliente, ws_otra = await conectar(saliente), await conectar(otra)
        ws_token = WebsocketCommunicator(application, "/ws/eventos/", headers=por_token)
        assert (await ws_token.connect(timeout=5))[0]
        await database_sync_to_async(salir)()
        cierre = await ws_saliente.receive_output(timeout=5)
        siguen = (await ws_otra.receive_nothing(timeout=0.3),
                  await ws_token.receive_nothing(timeout=0.3))
        await ws_otra.disconnect()
        await ws_token.disconnect()
        return cierre, siguen

    cierre, siguen = async_to_sync(escenario)()
    assert cierre == {"type": "websocket.close", "code": 4403}
    assert siguen == (True, True)


def test_cambiar_la_clave_cierra_los_flujos_de_sesion_y_no_los_de_token(reportante_a,
                                                                         entidad_a):
    token, clave = token_crear(usuario=reportante_a, actor=reportante_a, nombre="script",
                               entidad=entidad_a)
    por_sesion = cabeceras_de(reportante_a)
    por_token = [(b"authorization", f"Token {clave}".encode())]

    def cambiar_clave():
        reportante_a.set_password("Otra-clave-segura-2026")
        reportante_a.save()
        despachar()

    async def escenario():
        ws_sesion = await conectar(por_sesion)
        ws_token = WebsocketCommunicator(application, "/ws/eventos/", headers=por_token)
        assert (await ws_token.connect(timeout=5))[0]
        await database_sync_to_async(cambiar_clave)()
        cierre = await ws_sesion.receive_output(timeout=5)
        sigue = await ws_token.receive_nothing(timeout=0.3)
        await ws_token.disconnect()
        return cierre, sigue

    cierre, sigue = async_to_sync(escenario)()
    # Not final: this tab reconnects if its session is still the valid one.
    assert cierre == {"type": "websocket.close", "code": 4408}
    assert sigue


def test_la_repeticion_va_por_paginas_y_pide_recargar_solo_pasado_el_maximo(
        monkeypatch, settings, reportante_a, entidad_a):
    """A long outage (a 20 s Redis restart at 16 reports/s is ~700 events for staff) is
    replayed page after page; only past EVENTOS_REPETICION_MAXIMA is the client told to
    reload. A position ahead of the stream's head is not trusted."""
    from cgii.eventos import selectors

    monkeypatch.setattr(selectors, "LOTE_REPETICION", 2)
    cabeceras = cabeceras_de(reportante_a)
    propio = [grupos.grupo_entidad(entidad_a.pk)]

    async def repetir(desde, cuantos):
        ws = WebsocketCommunicator(application, f"/ws/eventos/?desde={desde}",
                                   headers=cabeceras)
        assert (await ws.connect(timeout=5))[0]
        mensajes = await _recibir(ws, cuantos)
        await ws.disconnect()
        return mensajes

    ids = _emitir(propio, 5)
    despachar()
    settings.EVENTOS_REPETICION_MAXIMA = 100
    todo = async_to_sync(repetir)(0, 6)
    settings.EVENTOS_REPETICION_MAXIMA = 3
    cortado = async_to_sync(repetir)(0, 5)
    adelantado = async_to_sync(repetir)(10**9, 1)
    assert [m["id"] for m in todo[:5]] == ids and todo[5]["completo"] is True
    assert [m.get("id") for m in cortado[:4]] == ids[:4]  # whole pages up to the maximum
    assert cortado[4]["tipo"] == "flujo.sincronizado" and cortado[4]["completo"] is False
    assert cortado[4]["secuencia"] == todo[5]["secuencia"]
    assert adelantado == [{"tipo": "flujo.sincronizado", "secuencia": todo[5]["secuencia"],
                           "completo": False}]
