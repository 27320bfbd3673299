"""Reads of the outbox."""

import hashlib
from dataclasses import dataclass, field
from datetime import timedelta

from django.conf import settings
from django.db import connection
from django.db.models import Count, Max, Min, Q
from django.utils import timezone
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.models import Device

from cgii.entidades.selectors import es_personal_cgii, ids_entidades_de
from cgii.eventos import grupos
from cgii.eventos.models import EntregaSumidero, EstadoSumidero, Evento


@dataclass(frozen=True)
class Backlog:
    pendientes: int  # events not yet sent live
    agotados: int  # pending (live or in a sink) past EVENTOS_MAX_INTENTOS: needs a look
    antiguedad_pendiente: timedelta | None  # age of the oldest event not yet sent live
    sumideros: dict[str, int] = field(default_factory=dict)  # rows each sink still owes
    sumideros_pausados: tuple[str, ...] = ()

    @property
    def sano(self) -> bool:
        return self.agotados == 0


def backlog() -> Backlog:
    """Outbox health: the live backlog in one query (the partial index of pending rows),
    the sinks' queues in one more, and the paused sinks."""
    fila = Evento.objects.filter(entregado_en__isnull=True).aggregate(
        pendientes=Count("id"),
        agotados=Count("id", filter=Q(intentos__gte=settings.EVENTOS_MAX_INTENTOS)),
        mas_antiguo=Min("creado"),
    )
    por_sumidero = {
        f["sumidero"]: f for f in EntregaSumidero.objects.values("sumidero").annotate(
            n=Count("id"),
            agotados=Count("id", filter=Q(intentos__gte=settings.EVENTOS_MAX_INTENTOS)))
    }
    pausados = tuple(EstadoSumidero.objects.filter(pausado_hasta__gt=timezone.now())
                     .order_by("nombre").values_list("nombre", flat=True))
    antiguedad = timezone.now() - fila["mas_antiguo"] if fila["mas_antiguo"] else None
    return Backlog(
        pendientes=fila["pendientes"],
        agotados=fila["agotados"] + sum(f["agotados"] for f in por_sumidero.values()),
        antiguedad_pendiente=antiguedad,
        sumideros={nombre: f["n"] for nombre, f in sorted(por_sumidero.items())},
        sumideros_pausados=pausados)


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


def huella_sesion(clave: str | None) -> str | None:
    """What a revocation names a session by: never the session key itself, which would
    then sit in the outbox table and travel through Redis."""
    if not clave:
        return None
    return hashlib.sha256(f"cgii-sesion:{clave}".encode()).hexdigest()[:32]


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


# Rows read per query of a replay or a gap check; a replay goes on page after page up to
# settings.EVENTOS_REPETICION_MAXIMA events (past that the client reloads its state).
LOTE_REPETICION = 500


def _visibles(grupos_permitidos: list[str], desde: int, hasta: int):
    """Events at positions (desde, hasta] that share a group with the caller's."""
    consulta = Evento.objects.filter(secuencia__gt=desde, secuencia__lte=hasta)
    if connection.vendor == "postgresql":
        # jsonb ?| : the event's group list shares a name with the caller's.
        return consulta.filter(grupos__has_any_keys=sorted(set(grupos_permitidos)))
    return consulta


def _filtrar_sqlite(filas, grupos_permitidos):
    # SQLite's JSON lookups do not match array elements; embedded volumes are small.
    if connection.vendor == "postgresql":
        return filas
    permitidos = set(grupos_permitidos)
    return [f for f in filas if permitidos & set(f.grupos)]


@dataclass(frozen=True)
class Repeticion:
    mensajes: list[dict]
    completo: bool  # False: there is more after the last message (or too much to send)
    hasta: int  # with completo, every visible event up to this position is in mensajes


def eventos_desde(*, grupos_permitidos: list[str], desde: int, hasta: int | None = None,
                  limite: int | None = None) -> Repeticion:
    """One page of what a client that has everything visible up to stream position
    ``desde`` is missing, in order, limited to the groups it may see now. Page on with
    ``desde`` = the last message's position and the same ``hasta``.

    ``hasta`` is read first (when not given): committed positions always form a gapless
    prefix (they are committed before they are sent), so the events at or below it are all
    in the table and the answer is exact up to it.
    """
    limite = limite or LOTE_REPETICION
    if hasta is None:
        hasta = secuencia_actual()
    if hasta < desde:
        # A position this stream never handed out (another installation, a made-up URL):
        # trusting it would drop every live event up to it. The client reloads instead.
        return Repeticion([], False, hasta)
    if hasta == desde:
        return Repeticion([], True, hasta)
    consulta = _visibles(grupos_permitidos, desde, hasta).order_by("secuencia")
    if connection.vendor == "postgresql":
        filas = list(consulta[: limite + 1])
    else:
        filas = _filtrar_sqlite(list(consulta), grupos_permitidos)[: limite + 1]
    return Repeticion([e.como_mensaje() for e in filas[:limite]], len(filas) <= limite, hasta)


def faltantes(*, grupos_permitidos: list[str], desde: int, enviados: set[int],
              limite: int | None = None) -> Repeticion:
    """The gap check of a connected stream: events visible to it at positions after
    ``desde`` that it was not sent live (``enviados``). Reads positions only, and whole
    rows only for what is missing — normally nothing."""
    limite = limite or settings.EVENTOS_REPETICION_MAXIMA
    hasta = secuencia_actual()
    if hasta <= desde:
        return Repeticion([], True, desde)
    consulta = _visibles(grupos_permitidos, desde, hasta)
    if connection.vendor == "postgresql":
        posiciones = set(consulta.values_list("secuencia", flat=True))
    else:
        posiciones = {e.secuencia for e in _filtrar_sqlite(list(consulta), grupos_permitidos)}
    faltan = sorted(posiciones - enviados)
    if not faltan:
        return Repeticion([], True, hasta)
    mensajes = []
    for i in range(0, min(len(faltan), limite), LOTE_REPETICION):
        trozo = faltan[i:min(i + LOTE_REPETICION, limite)]
        mensajes += [e.como_mensaje() for e in
                     Evento.objects.filter(secuencia__in=trozo).order_by("secuencia")]
    return Repeticion(mensajes, len(faltan) <= limite, hasta)


def secuencia_actual() -> int:
    """The stream position now: pages embed it (read before any data) so their socket
    resumes from there."""
    return Evento.objects.aggregate(m=Max("secuencia"))["m"] or 0
