"""/ws/eventos/ through the full cgii.asgi.application (origin check + session auth)."""

import pytest
from asgiref.sync import async_to_sync
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from django.db import transaction

from cgii.asgi import application
from cgii.eventos import grupos
from cgii.eventos.despachador import despachar
from cgii.eventos.models import Evento
from cgii.eventos.services import evento_emitir
from tests.eventos.conftest import cabeceras_de, codigo_de_cierre, conectar

pytestmark = pytest.mark.django_db(transaction=True)


def _emitir(tipo: str, destino: list[str], **datos) -> int:
    with transaction.atomic():
        return evento_emitir(tipo=tipo, datos=datos, grupos=destino).pk


async def _cierre(cabeceras) -> int | None:
    return await codigo_de_cierre(
        WebsocketCommunicator(application, "/ws/eventos/", headers=cabeceras))


def test_anonimo_se_cierra_con_4401():
    assert async_to_sync(_cierre)([(b"origin", b"http://testserver")]) == 4401


def test_personal_sin_segundo_factor_se_cierra_con_4401(analista):
    cabeceras = cabeceras_de(analista, segundo_factor=False)
    assert async_to_sync(_cierre)(cabeceras) == 4401


def test_origen_ajeno_se_rechaza(reportante_a):
    cabeceras = cabeceras_de(reportante_a, origen=b"https://malicioso.example")
    async def intento():
        ws = WebsocketCommunicator(application, "/ws/eventos/", headers=cabeceras)
        conectado, _ = await ws.connect(timeout=5)
        await ws.disconnect(timeout=5)
        return conectado

    assert not async_to_sync(intento)()  # denied at the handshake: never accepted


def test_cada_usuario_recibe_solo_los_eventos_de_sus_grupos(
        analista, reportante_a, reportante_b, entidad_a, entidad_b):
    cab_staff, cab_a, cab_b = (cabeceras_de(u) for u in (analista, reportante_a, reportante_b))

    async def escenario():
        staff, usuario_a, usuario_b = [await conectar(c) for c in (cab_staff, cab_a, cab_b)]
        emitir = database_sync_to_async(_emitir)
        de_a = await emitir("incidente.creado",
                            [grupos.GRUPO_PERSONAL_CGII, grupos.grupo_entidad(entidad_a.pk)],
                            codigo="A-1")
        de_b = await emitir("incidente.creado",
                            [grupos.GRUPO_PERSONAL_CGII, grupos.grupo_entidad(entidad_b.pk)],
                            codigo="B-1")
        interno = await emitir("incidente.actualizado", [grupos.GRUPO_PERSONAL_CGII])
        personal = await emitir("notificacion.nueva", [grupos.grupo_usuario(reportante_a.pk)])
        assert await database_sync_to_async(despachar)() == 4

        recibido = {}
        for nombre, ws, cantidad in (("staff", staff, 3), ("a", usuario_a, 2),
                                     ("b", usuario_b, 1)):
            recibido[nombre] = [await ws.receive_json_from(timeout=5) for _ in range(cantidad)]
            assert await ws.receive_nothing(timeout=0.3)
            await ws.disconnect()
        return de_a, de_b, interno, personal, recibido

    de_a, de_b, interno, personal, recibido = async_to_sync(escenario)()
    assert [m["id"] for m in recibido["staff"]] == [de_a, de_b, interno]
    assert [m["id"] for m in recibido["a"]] == [de_a, personal]
    assert [m["id"] for m in recibido["b"]] == [de_b]
    primero = recibido["a"][0]
    evento = Evento.objects.get(pk=de_a)
    assert primero == {"id": de_a, "secuencia": evento.secuencia,
                       "tipo": "incidente.creado", "datos": {"codigo": "A-1"},
                       "creado": evento.creado.isoformat()}


def test_un_evento_de_una_transaccion_revertida_nunca_llega(analista):
    cabeceras = cabeceras_de(analista)

    def revertir():
        with pytest.raises(RuntimeError), transaction.atomic():
            evento_emitir(tipo="incidente.creado", datos={}, grupos=[grupos.GRUPO_PERSONAL_CGII])
            raise RuntimeError("el servicio falla después de emitir")

    async def escenario():
        ws = await conectar(cabeceras)
        await database_sync_to_async(revertir)()
        entregados = await database_sync_to_async(despachar)()
        nada = await ws.receive_nothing(timeout=0.5)
        await ws.disconnect()
        return entregados, nada

    assert async_to_sync(escenario)() == (0, True)
    assert not Evento.objects.exists()
