"""Open websocket streams end when access is withdrawn.

Revoking a token, deactivating a user, ending/changing a membership, logging out or changing
the password writes a ``sesion.revocada`` outbox event to the user's own group; the stream
consumers it names close with 4403 (the client reconnects and gets whatever it may see now,
or is sent to the login page). Through the outbox, so it is not lost if Redis is down at
that moment. What a revocation names (``datos``):

- ``token_id``: the streams opened with that API token;
- ``sesion``: the streams opened with that browser session (its hash; logout);
- ``alcance="sesiones"``: every stream opened with a browser session (password change: the
  other sessions are no longer valid; the current tab reconnects with its renewed cookie);
- nothing of the above: every stream of the user (deactivation, membership change).
"""

from django.db import transaction

from cgii.eventos import grupos
from cgii.eventos.selectors import huella_sesion
from cgii.eventos.services import evento_emitir

TIPO = "sesion.revocada"


def avisar_revocacion(usuario_id: int, *, token_id: int | None = None, motivo: str,
                      sesion: str | None = None, alcance: str | None = None) -> None:
    datos = {"token_id": token_id, "motivo": motivo}
    if sesion:
        datos["sesion"] = sesion
    if alcance:
        datos["alcance"] = alcance
    with transaction.atomic():
        evento_emitir(tipo=TIPO, datos=datos, grupos=[grupos.grupo_usuario(usuario_id)])


def _usuario_por_guardar(sender, instance, update_fields=None, **kwargs):
    """Remember whether the password changes (last_login saves name their fields and are
    skipped without a query)."""
    instance._clave_cambia = False
    if instance.pk is None or (update_fields is not None and "password" not in update_fields):
        return
    anterior = sender.objects.filter(pk=instance.pk).values_list("password", flat=True).first()
    instance._clave_cambia = anterior is not None and anterior != instance.password


def _usuario_guardado(sender, instance, created, update_fields=None, **kwargs):
    if created:
        return
    if not instance.is_active:
        avisar_revocacion(instance.pk, motivo="usuario_inactivo")
    elif getattr(instance, "_clave_cambia", False):
        avisar_revocacion(instance.pk, motivo="cambio_de_clave", alcance="sesiones")


def _sesion_cerrada(sender, request, user, **kwargs):
    sesion = getattr(request, "session", None)
    huella = huella_sesion(sesion.session_key if sesion is not None else None)
    if user is not None and huella:
        avisar_revocacion(user.pk, motivo="cierre_de_sesion", sesion=huella)


def _membresia_cambiada(sender, instance, created=False, **kwargs):
    if not created:
        avisar_revocacion(instance.usuario_id, motivo="membresia")


def conectar_senales() -> None:
    from django.contrib.auth.signals import user_logged_out
    from django.db.models.signals import post_delete, post_save, pre_save

    from .models import Membresia, Usuario

    pre_save.connect(_usuario_por_guardar, sender=Usuario, dispatch_uid="revocacion.clave")
    post_save.connect(_usuario_guardado, sender=Usuario, dispatch_uid="revocacion.usuario")
    user_logged_out.connect(_sesion_cerrada, dispatch_uid="revocacion.salida")
    post_save.connect(_membresia_cambiada, sender=Membresia, dispatch_uid="revocacion.memb")
    post_delete.connect(_membresia_cambiada, sender=Membresia,
                        dispatch_uid="revocacion.memb_borrada")
