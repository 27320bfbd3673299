"""Reading the intake mailbox over IMAP (IMAPClient; TLS always).

One reader at a time (a PostgreSQL advisory lock; a thread lock on SQLite). Each run takes
the messages still in the intake folder, oldest UID first, a bounded batch at a time:
sizes first (a message above CORREO_MAX_BYTES is refused from its headers alone), then the
bodies (``BODY.PEEK[]``: reading never sets \\Seen), each processed in its own transaction
(``services.procesar``, unique on folder + UIDVALIDITY + UID), then the batch is MOVEd to the
processed folder. A crash between the commit and the move leaves the message in the folder
with its row written: the next run finds the row and only moves it. A crash before the
commit leaves nothing: the next run processes the message from scratch.
"""

import logging
import socket
import ssl
from collections.abc import Iterator
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from imapclient import IMAPClient
from imapclient.exceptions import IMAPClientError

from cgii.eventos import cerrojos

from . import conf, services
from .models import CorreoEntrante, EstadoBuzon

logger = logging.getLogger(__name__)

# Advisory lock key (two int4): "cgii" and "mail".
_CLASE_CERROJO, _CLAVE_CERROJO = 0x63676969, 0x6D61696C
LOTE_BYTES = 20 * 1024 * 1024   # bodies fetched per IMAP round trip, at most
LOTE_MENSAJES = 50
ERRORES_DE_RED = (IMAPClientError, OSError, ssl.SSLError, socket.timeout)


def leer_buzon() -> int:
    """The periodic job (periodicas.py): read what is waiting; return how many messages
    were handled. Never raises a mailbox error: it is recorded for /salud/ and the next
    run tries again."""
    if not conf.activo():
        return 0
    with cerrojos.intentar("correo.buzon", _CLASE_CERROJO, _CLAVE_CERROJO) as obtenido:
        if not obtenido:
            return 0
        _anotar_intento()
        try:
            hechos = _leer()
        except ERRORES_DE_RED as exc:
            logger.warning("No se pudo leer el buzón de correo: %r", exc)
            _anotar_fallo(exc)
            return 0
        _anotar_exito(hechos)
        return hechos


def conectar() -> IMAPClient:
    contexto = ssl.create_default_context(cafile=settings.CORREO_IMAP_CA or None)
    tls_directo = settings.CORREO_IMAP_TLS != "starttls"
    cliente = IMAPClient(settings.CORREO_IMAP_HOST, port=settings.CORREO_IMAP_PUERTO,
                         ssl=tls_directo, ssl_context=contexto,
                         timeout=settings.CORREO_IMAP_TIMEOUT)
    try:
        if not tls_directo:
            cliente.starttls(contexto)  # refuses to go on in clear text if it fails
        cliente.login(settings.CORREO_IMAP_USUARIO, settings.CORREO_IMAP_CLAVE)
    except BaseException:
        cliente.shutdown()
        raise
    return cliente


def _asegurar_carpeta(cliente: IMAPClient, carpeta: str) -> None:
    if not cliente.folder_exists(carpeta):
        cliente.create_folder(carpeta)


def _lotes(uids: list[int], tamanos: dict[int, int]) -> Iterator[list[int]]:
    lote, peso = [], 0
    for uid in uids:
        if lote and (peso + tamanos[uid] > LOTE_BYTES or len(lote) >= LOTE_MENSAJES):
            yield lote
            lote, peso = [], 0
        lote.append(uid)
        peso += tamanos[uid]
    if lote:
        yield lote


def _leer() -> int:
    carpeta, procesados = settings.CORREO_CARPETA, settings.CORREO_CARPETA_PROCESADOS
    with conectar() as cliente:
        _asegurar_carpeta(cliente, procesados)
        uidvalidity = int(cliente.select_folder(carpeta)[b"UIDVALIDITY"])
        uids = sorted(cliente.search("ALL"))[:settings.CORREO_LOTE]
        if not uids:
            return 0
        tamanos = {uid: int(d[b"RFC822.SIZE"]) for uid, d in
                   cliente.fetch(uids, ["RFC822.SIZE"]).items()}
        uids = [u for u in uids if u in tamanos]  # expunged meanwhile by someone else
        hechos = 0
        for lote in _lotes(uids, tamanos):
            hechos += _procesar_lote(cliente, lote, tamanos, carpeta, uidvalidity)
            _marcar(cliente, lote, procesados)
        return hechos


def _procesar_lote(cliente: IMAPClient, lote: list[int], tamanos: dict[int, int],
                   carpeta: str, uidvalidity: int) -> int:
    # Recorded by an earlier run that died before moving them: only the move is left.
    hechos = set(CorreoEntrante.objects.filter(carpeta=carpeta, uidvalidity=uidvalidity,
                                               uid__in=lote).values_list("uid", flat=True))
    pendientes = [u for u in lote if u not in hechos]
    grandes = [u for u in pendientes if tamanos[u] > settings.CORREO_MAX_BYTES]
    normales = [u for u in pendientes if u not in grandes]
    cuerpos = cliente.fetch(normales, ["BODY.PEEK[]"]) if normales else {}
    cabeceras = cliente.fetch(grandes, ["BODY.PEEK[HEADER]"]) if grandes else {}
    for uid in pendientes:
        lectura = services.Lectura(carpeta=carpeta, uidvalidity=uidvalidity, uid=uid)
        if uid in cabeceras:
            services.rechazar_sin_leer(lectura=lectura, tamano=tamanos[uid],
                                       cabeceras=cabeceras[uid][b"BODY[HEADER]"])
        elif uid in cuerpos:
            services.procesar(crudo=cuerpos[uid][b"BODY[]"], lectura=lectura, nuevo=True)
    return len(lote)


def _marcar(cliente: IMAPClient, uids: list[int], procesados: str) -> None:
    """Out of the intake folder: MOVE (RFC 6851), else COPY + \\Deleted + expunge."""
    if cliente.has_capability("MOVE"):
        cliente.move(uids, procesados)
        return
    cliente.copy(uids, procesados)
    cliente.add_flags(uids, [b"\\Deleted"])
    if cliente.has_capability("UIDPLUS"):
        cliente.uid_expunge(uids)
    else:
        cliente.expunge()


# ---- the mailbox's state (/salud/) ------------------------------------------------------------

def _estado() -> EstadoBuzon:
    estado, _ = EstadoBuzon.objects.get_or_create(pk=1)
    return estado


def _anotar_intento() -> None:
    _estado()
    EstadoBuzon.objects.filter(pk=1).update(ultimo_intento=timezone.now())


def _anotar_exito(hechos: int) -> None:
    with transaction.atomic():
        EstadoBuzon.objects.filter(pk=1).update(
            ultima_lectura_ok=timezone.now(), ultimo_error="", fallos_seguidos=0,
            procesados=F("procesados") + hechos)


def _anotar_fallo(exc: BaseException) -> None:
    EstadoBuzon.objects.filter(pk=1).update(ultimo_error=repr(exc)[:1000],
                                            fallos_seguidos=F("fallos_seguidos") + 1)


def salud() -> dict:
    """The mailbox as /salud/ shows it (details for staff and monitors)."""
    from .periodicas import INTERVALO_SEGUNDOS

    if not conf.activo():
        return {"ok": True, "estado": "desactivado"}
    estado = EstadoBuzon.objects.filter(pk=1).first()
    if estado is None:
        return {"ok": True, "estado": "sin lecturas todavía"}
    ahora = timezone.now()
    # Healthy while the last read worked and is recent (a few periods: beat may lag).
    reciente = estado.ultima_lectura_ok is not None and (
        ahora - estado.ultima_lectura_ok < timedelta(seconds=max(5 * INTERVALO_SEGUNDOS, 300)))
    ok = estado.fallos_seguidos == 0 and reciente
    return {"ok": ok, "estado": "leyendo" if ok else "fallando",
            "ultima_lectura_ok": estado.ultima_lectura_ok.isoformat()
            if estado.ultima_lectura_ok else None,
            "ultimo_intento": estado.ultimo_intento.isoformat()
            if estado.ultimo_intento else None,
            "fallos_seguidos": estado.fallos_seguidos,
            "ultimo_error": estado.ultimo_error[:200],
            "procesados": estado.procesados,
            "triaje_pendientes": _pendientes_triaje()}


def _pendientes_triaje() -> int:
    from .models import EstadoTriaje

    return CorreoEntrante.objects.filter(estado_triaje=EstadoTriaje.PENDIENTE).count()
