"""Open websocket streams end when access is withdrawn.

Revoking a token, deactivating a user, or ending/changing a membership writes a
``sesion.revocada`` outbox event to the user's own group; the stream consumers close on it
(the client reconnects and gets whatever it may see now). Through the outbox, so it is not
lost if Redis is down at that moment.
"""

from django.db import transaction

from cgii.eventos import grupos
from cgii.eventos.services import evento_emitir

TIPO = "sesion.revocada"


def avisar_revocacion(usuario_id: int, *, token_id: int | None = None, motivo: str) -> None:
    with transaction.atomic():
        evento_emitir(tipo=TIPO, datos={"token_id": token_id, "motivo": motivo},
                      grupos=[grupos.grupo_usuario(usuario_id)])


def _usuario_guardado(sender, instance, created, update_fields=None, **kwargs):
    if not created and not instance.is_active:
        avisar_revocacion(instance.pk, motivo="usuario_inactivo")


def _membresia_cambiada(sender, instance, created=False, **kwargs):
    if not created:
        avisar_revocacion(instance.usuario_id, motivo="membresia")


def conectar_senales() -> None:
    from django.db.models.signals import post_delete, post_save

    from .models import Membresia, Usuario

    post_save.connect(_usuario_guardado, sender=Usuario, dispatch_uid="revocacion.usuario")
    post_save.connect(_membresia_cambiada, sender=Membresia, dispatch_uid="revocacion.memb")
    post_delete.connect(_membresia_cambiada, sender=Membresia,
                        dispatch_uid="revocacion.memb_borrada")
