"""Reads of the outbox."""

from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import connection
from django.db.models import Count, Max, Min, Q
from django.utils import timezone
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.models import Device

from cgii.entidades.selectors import es_personal_cgii, ids_entidades_de
from cgii.eventos import grupos
from cgii.eventos.models import Evento


@dataclass(frozen=True)
class Backlog:
    pendientes: int
    agotados: int  # pending and past EVENTOS_MAX_INTENTOS: needs a human look
    antiguedad_pendiente: timedelta | None  # age of the oldest pending event

    @property
    def sano(self) -> bool:
        return self.agotados == 0


def backlog() -> Backlog:
    """Outbox health in one query (uses the partial index of pending rows)."""
    fila = Evento.objects.filter(entregado_en__isnull=True).aggregate(
        pendientes=Count("id"),
        agotados=Count("id", filter=Q(intentos__gte=settings.EVENTOS_MAX_INTENTOS)),
        mas_antiguo=Min("creado"),
    )
    antiguedad = timezone.now() - fila["mas_antiguo"] if fila["mas_antiguo"] else None
    return Backlog(pendientes=fila["pendientes"], agotados=fila["agotados"],
                   antiguedad_pendiente=antiguedad)


def grupos_de_usuario(usuario) -> list[str]:
    """The Channels groups a user's general stream may join (checked on subscribe).

    Staff → every CGII event; entity users → their entities' events; everyone → their
    own notifications. Per-incident groups are joined by the console's own endpoint after
    checking that the user may see that incident.
    """
    if not getattr(usuario, "is_authenticated", False):
        return []
    resultado = []
    if es_personal_cgii(usuario):
        resultado.append(grupos.GRUPO_PERSONAL_CGII)
    resultado += [grupos.grupo_entidad(i) for i in sorted(ids_entidades_de(usuario))]
    resultado.append(grupos.grupo_usuario(usuario.pk))
    return resultado


def segundo_factor_cumplido(usuario, sesion) -> bool:
    """CGII staff must have passed TOTP in this session, as on HTTP.

    The websocket stack (AuthMiddlewareStack) does not run django-otp's OTPMiddleware, so
    without this a password-only staff session would receive every entity's events. Same
    rule as OTPMiddleware: the session's device is confirmed and belongs to the user.
    """
    if not es_personal_cgii(usuario):
        return True
    persistent_id = sesion.get(DEVICE_ID_SESSION_KEY) if sesion is not None else None
    if not persistent_id:
        return False
    dispositivo = Device.from_persistent_id(persistent_id)
    return (dispositivo is not None and dispositivo.user_id == usuario.pk
            and dispositivo.confirmed)


REPETICION_MAXIMA = 500


def eventos_desde(*, grupos_permitidos: list[str], desde: int,
                  limite: int = REPETICION_MAXIMA) -> tuple[list[dict], bool]:
    """Messages a client that saw stream position ``desde`` missed, in order, limited to the
    groups it may see now. Returns (messages, complete); ``complete`` is False when more
    than ``limite`` were missed — the client should then reload its state."""
    # Only fanned-out events have a position (a sink may still be retrying them).
    consulta = Evento.objects.filter(secuencia__gt=desde).order_by("secuencia")
    permitidos = set(grupos_permitidos)
    if connection.vendor == "postgresql":
        # jsonb ?| : the event's group list shares a name with the caller's.
        consulta = consulta.filter(grupos__has_any_keys=sorted(permitidos))
        filas = list(consulta[: limite + 1])
    else:  # SQLite's JSON lookups do not match array elements; embedded volumes are small
        filas = [e for e in consulta.iterator() if permitidos & set(e.grupos)][: limite + 1]
    completo = len(filas) <= limite
    return [e.como_mensaje() for e in filas[:limite]], completo


def secuencia_actual() -> int:
    """The stream position now: pages embed it so their socket resumes from there."""
    return Evento.objects.aggregate(m=Max("secuencia"))["m"] or 0
