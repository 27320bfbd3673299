"""Per-incident websocket stream: ``/ws/incidentes/<id>/?desde=<secuencia>``.

Anyone who may see the incident may subscribe. Staff join the internal group (every entry);
entity users join the shared one (only what is visible to the entity).
"""

from channels.db import database_sync_to_async

from cgii.entidades.selectors import es_personal_cgii
from cgii.errores import NoEncontrado
from cgii.eventos import grupos
from cgii.eventos.consumers import CODIGO_NO_ENCONTRADO, FlujoConsumer, _grupos_permitidos

from .selectors import incidente_obtener


def _grupos_incidente(usuario, sesion, token, incidente_id: int) -> list[str] | None:
    if _grupos_permitidos(usuario, sesion, token) is None:
        return None
    try:
        incidente = incidente_obtener(usuario=usuario, incidente_id=incidente_id)
    except NoEncontrado:
        return None
    if es_personal_cgii(usuario):
        return [grupos.grupo_incidente_interno(incidente.pk)]
    return [grupos.grupo_incidente(incidente.pk)]


class IncidenteConsumer(FlujoConsumer):
    codigo_rechazo = CODIGO_NO_ENCONTRADO

    async def grupos_para(self, usuario):
        return await database_sync_to_async(_grupos_incidente)(
            usuario, self.scope.get("session"), self.scope.get("token_api"),
            int(self.scope["url_route"]["kwargs"]["pk"]))
