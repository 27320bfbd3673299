"""The only writers of the outbox."""

import json
import logging
import re
import time
from functools import partial

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, transaction
from django.utils import timezone
from kombu.exceptions import OperationalError as ErrorBroker

from cgii.eventos import despachador, embebido, registro, solicitudes
from cgii.eventos import grupos as nombres_grupos
from cgii.eventos.models import EntregaSumidero, Evento
from cgii.eventos.tasks import despachar_eventos, ejecutar_sumidero, ejecutar_sumideros

logger = logging.getLogger(__name__)

# "incidente.actualizado", "sla.advertencia", "notificacion.nueva": namespace.name, lower case.
_TIPO_VALIDO = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+$")


# After the broker refused a publish, later commits skip it for a while: kombu spends up
# to CELERY_BROKER_CONNECTION_TIMEOUT retrying, which each write would otherwise wait.
PAUSA_BROKER_SEGUNDOS = 10.0
_broker_caido_hasta = 0.0


class EventoFueraDeTransaccion(RuntimeError):
    """evento_emitir was called in autocommit mode.

    The outbox promise is "the event exists if and only if the change it describes
    committed": that needs the caller's ``transaction.atomic()`` around both writes.
    """


def evento_emitir(
    *, tipo: str, datos: dict, grupos: list[str], entidad_id: int | None = None
) -> Evento:
    """Write one outbox row in the caller's transaction; ask for a dispatch after commit.

    ``grupos``: names from ``cgii.eventos.grupos`` (may be empty when only registered
    sinks care). ``datos`` must be JSON-serialisable with DjangoJSONEncoder; it is stored
    (and returned) in its JSON form, exactly what clients will receive.
    """
    if not connection.in_atomic_block:
        raise EventoFueraDeTransaccion(
            "evento_emitir debe llamarse dentro de transaction.atomic() del servicio que "
            "hace el cambio; fuera de una transacción el evento podría describir un cambio "
            "que no se guardó, o perderse."
        )
    if not isinstance(tipo, str) or len(tipo) > 100 or not _TIPO_VALIDO.match(tipo):
        raise ValueError(f"Tipo de evento inválido: {tipo!r} (esperado 'espacio.nombre').")
    if isinstance(grupos, str):
        raise ValueError("grupos debe ser una lista de nombres, no un texto.")
    invalidos = [g for g in grupos if not nombres_grupos.es_nombre_valido(g)]
    if invalidos:
        raise ValueError(f"Nombres de grupo inválidos: {invalidos!r}")
    if not isinstance(datos, dict):
        raise ValueError("datos debe ser un diccionario.")

    grupos = list(dict.fromkeys(grupos))
    ahora = timezone.now()
    evento = Evento.objects.create(
        tipo=tipo,
        # Round-trip through JSON now: an unserialisable value fails in the caller's
        # transaction (not later in the dispatcher) and the returned row equals the stored one.
        datos=json.loads(json.dumps(datos, cls=DjangoJSONEncoder)),
        grupos=grupos,
        entidad_id=entidad_id,
        creado=ahora,
        disponible_desde=ahora,
        # Nothing to send live: only the sinks care.
        entregado_en=None if grupos else ahora,
    )
    # Each sink's own queue, written with the event: it exists iff the change committed.
    sumideros = [m.nombre for m in registro.manejadores_para(tipo)]
    EntregaSumidero.objects.bulk_create(
        [EntregaSumidero(evento=evento, sumidero=nombre, disponible_desde=ahora)
         for nombre in sumideros])
    if (grupos or sumideros) and not _ya_solicitado(bool(grupos), sumideros):
        transaction.on_commit(partial(solicitar_despacho, difusion=bool(grupos),
                                      sumideros=tuple(sumideros)), robust=True)
    return evento


def _ya_solicitado(difusion: bool, sumideros) -> bool:
    """A dispatch request already registered in this transaction covers this event: one
    per commit is enough (the dispatcher and each sink drain everything due). Any request
    still in the commit hooks is safe to rely on: a savepoint rollback removes the hooks
    registered inside it, and one that could still remove that request (a savepoint open
    when it was registered and still open now) is open now too, so it would undo this
    event as well. A bulk action's hundreds of events thus make one request, not hundreds."""
    for _sids, funcion, _robusto in transaction.get_connection().run_on_commit:
        if (isinstance(funcion, partial) and funcion.func is solicitar_despacho
                and (funcion.keywords.get("difusion") or not difusion)
                and set(sumideros) <= set(funcion.keywords.get("sumideros", ()))):
            return True
    return False


def solicitar_despacho(*, difusion: bool = True, sumideros: tuple[str, ...] = ()) -> None:
    """Ask for delivery as soon as possible (runs after commit): the live send, and one run
    of each named sink (several sinks: one message, fanned out by the worker). Never raises; a dead broker costs one connect timeout per
    PAUSA_BROKER_SEGUNDOS, and the request is simply lost: the periodic sweep (beat, or
    the ticker) delivers the event later."""
    global _broker_caido_hasta
    try:
        if settings.EMBEBIDO:
            if not embebido.despertar(difusion=difusion, para_sumideros=bool(sumideros)):
                despachador.despachar_en_linea()
            return
        if time.monotonic() < _broker_caido_hasta:
            return
        # Only the targets with no run already waiting in the queue (cgii.eventos.solicitudes).
        reservados = solicitudes.reservar([solicitudes.VIVO] * difusion + list(sumideros))
        try:
            if solicitudes.VIVO in reservados:
                despachar_eventos.delay()
            nombres = [n for n in reservados if n != solicitudes.VIVO]
            if len(nombres) == 1:
                ejecutar_sumidero.delay(nombres[0])
            elif nombres:
                ejecutar_sumideros.delay(nombres)  # fanned out on the worker
        except BaseException:
            solicitudes.liberar(*reservados)
            raise
    except (ErrorBroker, OSError) as exc:
        _broker_caido_hasta = time.monotonic() + PAUSA_BROKER_SEGUNDOS
        logger.warning("No se pudo encolar el despacho de eventos (lo hará el barrido): %r",
                       exc)
    except Exception:  # the write already committed: a dispatch problem must not surface
        logger.exception("Falló la solicitud de despacho de eventos (lo hará el barrido)")


def eventos_reintentar(*, ids: list[int]) -> int:
    """Make the given events' pending work — their live send and what their sinks still
    owe — due now, lifting those sinks' pause (admin "reintentar ahora"). Returns how many
    of the events had something pending."""
    from cgii.eventos import sumideros as runner

    ahora = timezone.now()
    with transaction.atomic():
        vivos = set(Evento.objects.filter(pk__in=ids, entregado_en__isnull=True)
                    .values_list("pk", flat=True))
        Evento.objects.filter(pk__in=vivos).update(disponible_desde=ahora)
        entregas = EntregaSumidero.objects.filter(evento_id__in=ids)
        pares = set(entregas.values_list("evento_id", "sumidero"))
        entregas.update(disponible_desde=ahora)
        nombres = tuple(sorted({nombre for _, nombre in pares}))
        for nombre in nombres:
            runner.reanudar(nombre)
        if vivos or pares:
            transaction.on_commit(partial(solicitar_despacho, difusion=bool(vivos),
                                          sumideros=nombres), robust=True)
    return len(vivos | {evento_id for evento_id, _ in pares})
