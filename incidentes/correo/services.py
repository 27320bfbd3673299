"""Every write of mail intake: one message read from the mailbox → what it causes.

``procesar`` takes the raw bytes of one IMAP message and its (folder, UIDVALIDITY, UID),
and in ONE transaction writes the ``CorreoEntrante`` row (unique on those three) with what
the message caused, through the incident services (report, message, evidence):

- automatic mail (auto-replies, bounces, lists) or a duplicate → recorded, nothing else;
- a reply carrying a valid token from a participant of that incident → a shared message on
  its timeline (quoted history trimmed), attachments as evidence, the .eml as evidence;
- from a registered user of one entity → a new incident (origin "correo"), attachments and
  the .eml as evidence, an acknowledgement with the code;
- an attachment the upload rules refuse (size, type) → nothing, and a reply saying why;
- anything else (unknown sender, forged token, failing authentication, an outsider's reply)
  → the triage queue, from which staff convert it into an incident or discard it.

Files (attachments, the .eml) are stored before the transaction and removed if it fails. A
second call for a message already recorded returns the row and does nothing: a crash after
the commit and before the message was moved re-processes nothing.
"""

import logging
import uuid
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cgii import archivos
from cgii.archivos import ArchivoGuardado
from cgii.auditoria.services import auditoria_registrar
from cgii.entidades.models import Entidad
from cgii.entidades.selectors import es_personal_cgii, membresias_activas
from cgii.errores import (
    ArchivoDemasiadoGrande,
    ErrorDominio,
    ErrorValidacion,
    NoEncontrado,
    TipoNoSoportado,
    TransicionInvalida,
)
from cgii.eventos import grupos
from cgii.eventos.services import evento_emitir

from .. import services as incidentes
from ..models import EntradaTimeline, Evidencia, Incidente, Origen
from ..services.comun import exigir_gestion
from ..states import Estado
from . import candidatos, citas, conf, mime, seguridad, tokens
from .models import Clase, CorreoEntrante, EstadoTriaje

logger = logging.getLogger(__name__)

EVENTO_RESPUESTA = "correo.respuesta"    # an e-mail to send back (sink: enviar.py)
EVENTO_TRIAJE = "correo.triaje"          # the staff's triage queue changed (live)
MAX_TEXTO = 20_000
TOLERANCIA_FECHA_SEGUNDOS = 300


@dataclass(frozen=True)
class Lectura:
    """Where one message came from in the mailbox."""

    carpeta: str
    uidvalidity: int
    uid: int


# ---- files ------------------------------------------------------------------------------

def _guardar_eml(crudo: bytes, sha256: str) -> ArchivoGuardado:
    ruta = f"correo/{timezone.localdate():%Y/%m}/{uuid.uuid4().hex}.eml"
    archivos.escribir_archivo(ruta, crudo)
    return ArchivoGuardado(ruta=ruta, nombre_original="mensaje-original.eml",
                           tipo_mime="message/rfc822", tamano=len(crudo), sha256=sha256)


def errores_de_adjuntos(adjuntos: list[mime.Adjunto]) -> list[str]:
    """The upload rules (cgii.archivos: size limit, sniffed type) applied to each
    attachment before anything is stored; one Spanish sentence per refused file."""
    errores = []
    limite = settings.EVIDENCIA_TAMANO_MAXIMO
    for a in adjuntos:
        nombre = archivos.nombre_seguro(a.nombre)
        if len(a.contenido) > limite:
            errores.append(_("El adjunto «%(n)s» pesa %(t).1f MB y el máximo es %(m).1f MB.")
                           % {"n": nombre, "t": len(a.contenido) / 2**20, "m": limite / 2**20})
            continue
        try:
            archivos.detectar_tipo(a.contenido[:archivos.TAMANO_MUESTRA], nombre)
        except TipoNoSoportado:
            errores.append(_("El adjunto «%(n)s» es de un tipo que no se admite como "
                             "evidencia (se admiten PDF, imágenes, documentos de oficina, "
                             "ZIP/7z/gz, capturas pcap y texto).") % {"n": nombre})
    return errores


def _guardar_adjuntos(adjuntos: list[mime.Adjunto]) -> list[ArchivoGuardado]:
    guardados: list[ArchivoGuardado] = []
    try:
        for a in adjuntos:
            if a.contenido:
                guardados.append(archivos.guardar_archivo(
                    ContentFile(a.contenido, name=archivos.nombre_seguro(a.nombre)),
                    carpeta="incidentes"))
    except (ArchivoDemasiadoGrande, TipoNoSoportado):
        _borrar(guardados)
        raise
    return guardados


def _borrar(guardados) -> None:
    for g in guardados:
        if g.ruta:
            archivos.borrar_archivo(g.ruta)


# ---- who wrote it ------------------------------------------------------------------------

def _usuario(direccion: str):
    """The one active user with this e-mail address (None when none or several)."""
    if not direccion:
        return None
    usuarios = list(get_user_model().objects.filter(email__iexact=direccion, is_active=True)[:2])
    return usuarios[0] if len(usuarios) == 1 else None


def _entidad_unica(usuario) -> Entidad | None:
    entidades = {m.entidad_id: m.entidad for m in membresias_activas(usuario)}
    return next(iter(entidades.values())) if len(entidades) == 1 else None


def _desconfianza(auth: seguridad.Autenticacion) -> str:
    """Why the sender's address cannot be taken at its word ('' when it can)."""
    if auth.falla:
        return _("La autenticación del remitente falló (SPF/DKIM/DMARC): no es confiable.")
    if settings.CORREO_EXIGIR_AUTENTICACION and not auth.aprobada:
        return _("Nuestro servidor no verificó al remitente (SPF/DKIM/DMARC) y la "
                 "plataforma exige esa verificación.")
    return ""


# ---- the one entry point ------------------------------------------------------------------

def procesar(*, crudo: bytes, lectura: Lectura, nuevo: bool = False) -> CorreoEntrante:
    """Process one message exactly once (see the module's docstring). ``nuevo``: the caller
    has just checked that no row exists (the reader checks a whole batch in one query);
    the unique constraint still settles a race."""
    existente = None if nuevo else _ya_procesado(lectura)
    if existente is not None:
        return existente
    m = mime.leer(crudo)
    auth = seguridad.autenticacion(m.correo)
    base = {
        "carpeta": lectura.carpeta, "uidvalidity": lectura.uidvalidity, "uid": lectura.uid,
        "message_id": m.message_id, "remitente": m.remitente,
        "remitente_nombre": m.remitente_nombre, "asunto": m.asunto, "fecha": m.fecha,
        "tamano": len(crudo), "sha256": m.sha256, "texto": m.texto[:MAX_TEXTO],
        "autenticacion": auth.como_dict(), "confiable": auth.aprobada,
        "adjuntos": [{"nombre": archivos.nombre_seguro(a.nombre), "tipo": a.tipo_declarado,
                      "tamano": len(a.contenido)} for a in m.adjuntos],
    }
    automatico = seguridad.automatico(m.correo, remitente=m.remitente,
                                      propias=conf.direcciones_propias())
    if automatico:
        return _registrar(base, crudo, clase=Clase.AUTOMATICO, motivo=automatico)
    if m.message_id and CorreoEntrante.objects.filter(
            message_id=m.message_id, remitente=m.remitente).exists():
        return _registrar(base, crudo, clase=Clase.DUPLICADO,
                          motivo=_("Mismo Message-ID y remitente que un correo ya leído."))
    errores = errores_de_adjuntos(m.adjuntos)
    desconfianza = _desconfianza(auth)
    if errores:
        return _rechazar(base, m, errores, contestar=not auth.falla)
    # Headers and attachments; the body's own candidates only where the body is not the
    # description of an incident (a reply, a triage item): see _triaje/_respuesta.
    base["candidatos"] = candidatos.de_mensaje(m, con_cuerpo=False)
    referencia = tokens.buscar(direcciones=m.destinatarios, ids_mensaje=m.referencias)
    usuario = _usuario(m.remitente)
    if referencia.incidente_id is not None:
        if desconfianza:
            return _triaje(base, m, usuario=usuario, motivo=desconfianza)
        return _respuesta(base, m, usuario=usuario, incidente_id=referencia.incidente_id)
    if referencia.forjado:
        return _triaje(base, m, usuario=usuario, motivo=_(
            "El correo lleva una referencia a un incidente que no es válida (token "
            "alterado o falsificado)."))
    if desconfianza:
        return _triaje(base, m, usuario=usuario, motivo=desconfianza)
    return _nuevo(base, m, usuario=usuario)


def _ya_procesado(lectura: Lectura) -> CorreoEntrante | None:
    return CorreoEntrante.objects.filter(carpeta=lectura.carpeta,
                                         uidvalidity=lectura.uidvalidity,
                                         uid=lectura.uid).first()


def _con_archivos(base: dict, crudo: bytes, escribir, adjuntos: list[mime.Adjunto] = (), *,
                  guardar_eml: bool = True):
    """Store the .eml (and attachments), run ``escribir(eml, guardados)`` in a transaction;
    remove the files if it fails. A lost race on the unique row returns the winner's."""
    eml = _guardar_eml(crudo, base["sha256"]) if guardar_eml else ArchivoGuardado(
        "", "", "", 0, base["sha256"])
    guardados: list[ArchivoGuardado] = []
    try:
        guardados = _guardar_adjuntos(list(adjuntos))
        with transaction.atomic():
            return escribir(eml, guardados)
    except IntegrityError:
        _borrar([eml, *guardados])
        existente = _ya_procesado(Lectura(base["carpeta"], base["uidvalidity"], base["uid"]))
        if existente is None:
            raise
        return existente
    except BaseException:
        _borrar([eml, *guardados])
        raise


def _registrar(base: dict, crudo: bytes, *, clase: str, motivo: str = "",
               **campos) -> CorreoEntrante:
    def escribir(eml, _guardados):
        return CorreoEntrante.objects.create(**base, clase=clase, motivo=motivo,
                                             ruta_eml=eml.ruta, **campos)
    return _con_archivos(base, crudo, escribir)


# ---- triage -----------------------------------------------------------------------------

def _triaje(base: dict, m: mime.Mensaje, *, usuario, motivo: str) -> CorreoEntrante:
    if "candidatos" in base:
        base = {**base, "candidatos": candidatos.de_mensaje(m)}

    def escribir(eml, _guardados):
        correo = CorreoEntrante.objects.create(
            **base, clase=Clase.SIN_ENTIDAD, motivo=motivo, ruta_eml=eml.ruta,
            usuario=usuario, estado_triaje=EstadoTriaje.PENDIENTE)
        _avisar_triaje(correo)
        return correo
    return _con_archivos(base, m.crudo, escribir)


def _avisar_triaje(correo: CorreoEntrante) -> None:
    evento_emitir(tipo=EVENTO_TRIAJE,
                  datos={"correo": {"id": correo.pk, "estado_triaje": correo.estado_triaje,
                                    "asunto": correo.asunto, "remitente": correo.remitente}},
                  grupos=[grupos.GRUPO_PERSONAL_CGII])


# ---- a new report -----------------------------------------------------------------------

def _detectado_en(m: mime.Mensaje):
    ahora = timezone.now()
    if m.fecha is None or (m.fecha - ahora).total_seconds() > TOLERANCIA_FECHA_SEGUNDOS:
        return ahora
    return m.fecha


def _titulo(m: mime.Mensaje) -> str:
    return (m.asunto.strip() or _("Reporte por correo de %(r)s") % {"r": m.remitente})[:200]


def _descripcion(texto: str) -> str:
    return (texto.strip() or _("(Correo sin texto: vea el mensaje original y sus "
                                "adjuntos en las evidencias.)"))[:MAX_TEXTO]


def _nuevo(base: dict, m: mime.Mensaje, *, usuario) -> CorreoEntrante:
    if usuario is None:
        return _triaje(base, m, usuario=None, motivo=_(
            "El remitente no es un usuario registrado de una entidad."))
    if es_personal_cgii(usuario):
        return _triaje(base, m, usuario=usuario, motivo=_(
            "Correo del personal del CGII sin referencia a un incidente."))
    entidad = _entidad_unica(usuario)
    if entidad is None:
        return _triaje(base, m, usuario=usuario, motivo=_(
            "El remitente pertenece a varias entidades (o a ninguna activa): elija la "
            "entidad."))

    def escribir(eml, guardados):
        # The attachments and the .eml are evidence of the report itself (one timeline row).
        incidente = incidentes.incidente_reportar(
            actor=usuario, entidad=entidad, titulo=_titulo(m),
            descripcion=_descripcion(m.texto), detectado_en=_detectado_en(m),
            por_correo=True, origen_detalle=m.remitente, guardados=(*guardados, eml))
        _acuse(m, incidente)
        # Same transaction: the unique row exists iff the incident does.
        return CorreoEntrante.objects.create(**base, clase=Clase.REPORTE, ruta_eml=eml.ruta,
                                             usuario=usuario, incidente=incidente)
    return _con_archivos(base, m.crudo, escribir, m.adjuntos)


def _evidencias(incidente_id: int, *, actor, eml, guardados, eml_visible=True) -> None:
    """A reply's attachments and raw message, as evidence of its incident."""
    for g in guardados:
        incidentes.evidencia_registrar_guardada(
            actor=actor, incidente_id=incidente_id, guardado=g,
            descripcion=_("Adjunto recibido por correo"))
    incidentes.evidencia_registrar_guardada(
        actor=actor, incidente_id=incidente_id, guardado=eml, visible_entidad=eml_visible,
        descripcion=_("Mensaje original (.eml), SHA-256 %(h)s") % {"h": eml.sha256})


def _acuse(m: mime.Mensaje, incidente: Incidente) -> None:
    enlace = settings.CGII_URL_BASE.rstrip("/") + f"/incidentes/{incidente.pk}/"
    responder(para=m.remitente, en_respuesta_a=m, incidente_id=incidente.pk,
              asunto=_("[%(c)s] Recibimos su reporte: %(t)s") % {"c": incidente.codigo,
                                                                 "t": incidente.titulo[:120]},
              cuerpo=_("El CGII registró su reporte con el código %(c)s.\n\n"
                       "Puede seguirlo en %(e)s. Para añadir información, responda a este "
                       "correo: su respuesta se agregará al incidente.\n\n"
                       "Este mensaje fue enviado automáticamente.")
              % {"c": incidente.codigo, "e": enlace})


def responder(*, para: str, asunto: str, cuerpo: str, en_respuesta_a: mime.Mensaje | None,
              incidente_id: int | None = None) -> None:
    """Queue an e-mail back to a sender (outbox: sent after commit by ``enviar.py``)."""
    referencias = list(en_respuesta_a.referencias) if en_respuesta_a else []
    original = en_respuesta_a.message_id if en_respuesta_a else ""
    if original:
        referencias.append(original)
    evento_emitir(tipo=EVENTO_RESPUESTA, grupos=[],
                  datos={"para": para, "asunto": asunto, "cuerpo": cuerpo,
                         "en_respuesta_a": original, "referencias": referencias[-10:],
                         "incidente_id": incidente_id})


# ---- refused ----------------------------------------------------------------------------

def _rechazar(base: dict, m: mime.Mensaje, errores: list[str], *,
              contestar: bool = True) -> CorreoEntrante:
    motivo = " ".join(errores)

    def escribir(eml, _guardados):
        correo = CorreoEntrante.objects.create(**base, clase=Clase.RECHAZADO, motivo=motivo,
                                               ruta_eml=eml.ruta, usuario=_usuario(m.remitente))
        if contestar:  # never to a sender whose authentication failed (backscatter)
            _respuesta_rechazo(m, errores)
        return correo
    # The refused message is not kept here (it stays in the mailbox's processed folder).
    return _con_archivos(base, m.crudo, escribir, guardar_eml=False)


def _respuesta_rechazo(m: mime.Mensaje, errores: list[str]) -> None:
    limite = settings.EVIDENCIA_TAMANO_MAXIMO / 2**20
    responder(para=m.remitente, en_respuesta_a=m,
              asunto=_("No registramos su correo: %(a)s") % {"a": (m.asunto or "")[:150]},
              cuerpo=_("El CGII no registró su correo por este motivo:\n\n%(e)s\n\n"
                       "Cada adjunto puede pesar hasta %(m).0f MB y debe ser de un tipo "
                       "admitido. Envíe de nuevo el correo sin ese adjunto (o comprimido en "
                       "ZIP), o súbalo en la plataforma.\n\n"
                       "Este mensaje fue enviado automáticamente.")
              % {"e": "\n".join(f"- {e}" for e in errores), "m": limite})


def rechazar_sin_leer(*, lectura: Lectura, tamano: int, cabeceras: bytes) -> CorreoEntrante:
    """A message above CORREO_MAX_BYTES: only its headers were fetched. Recorded as refused
    and (unless automatic) answered; the message itself stays in the processed folder."""
    existente = _ya_procesado(lectura)
    if existente is not None:
        return existente
    m = mime.leer(cabeceras)
    base = {"carpeta": lectura.carpeta, "uidvalidity": lectura.uidvalidity,
            "uid": lectura.uid, "message_id": m.message_id, "remitente": m.remitente,
            "remitente_nombre": m.remitente_nombre, "asunto": m.asunto, "fecha": m.fecha,
            "tamano": tamano, "sha256": m.sha256,
            "autenticacion": seguridad.autenticacion(m.correo).como_dict()}
    automatico = seguridad.automatico(m.correo, remitente=m.remitente,
                                      propias=conf.direcciones_propias())
    if automatico:
        return _registrar(base, cabeceras, clase=Clase.AUTOMATICO, motivo=automatico)
    error = _("El correo pesa %(t).1f MB y el máximo que se lee es %(m).1f MB.") % {
        "t": tamano / 2**20, "m": settings.CORREO_MAX_BYTES / 2**20}
    return _rechazar(base, m, [error], contestar=not base["autenticacion"].get("falla"))


# ---- a reply in an incident ---------------------------------------------------------------

def _respuesta(base: dict, m: mime.Mensaje, *, usuario, incidente_id: int) -> CorreoEntrante:
    texto = citas.recortar(m.texto)
    base = {**base, "candidatos": candidatos.de_mensaje(m)}
    if usuario is None:
        return _triaje(base, m, usuario=None, motivo=_(
            "Respuesta a un incidente de alguien que no es un usuario registrado."))

    def escribir(eml, guardados):
        entrada = _mensaje_en_incidente(usuario, incidente_id, texto)
        _evidencias(incidente_id, actor=usuario, eml=eml, guardados=guardados,
                    eml_visible=not es_personal_cgii(usuario))
        return CorreoEntrante.objects.create(**{**base, "texto": texto[:MAX_TEXTO]},
                                             clase=Clase.RESPUESTA, ruta_eml=eml.ruta,
                                             usuario=usuario, incidente_id=incidente_id,
                                             entrada_id=entrada.pk)
    try:
        return _con_archivos(base, m.crudo, escribir, m.adjuntos)
    except (NoEncontrado, ErrorDominio) as exc:
        # Not a participant allowed to write on that incident (another entity's user, an
        # auditor, an incident gone): nothing was written; staff look at it.
        logger.info("Respuesta por correo de %s al incidente %s rechazada: %s", m.remitente,
                    incidente_id, exc.message)
        return _triaje(base, m, usuario=usuario, motivo=_(
            "Respuesta a un incidente de alguien que no participa en él (%(e)s).")
            % {"e": exc.message})


def _mensaje_en_incidente(usuario, incidente_id: int, texto: str) -> EntradaTimeline:
    """The entity's answer while CGII waits for it resumes the incident (as the page's
    «Responder» does); anything else is a shared message."""
    texto = texto.strip()[:MAX_TEXTO] or _("(Respuesta por correo sin texto.)")
    incidente = Incidente.objects.only("estado").filter(pk=incidente_id).first()
    if incidente is None:
        raise NoEncontrado()
    if incidente.estado == Estado.EN_ESPERA_ENTIDAD and not es_personal_cgii(usuario):
        try:
            with transaction.atomic():
                incidentes.incidente_responder(actor=usuario, incidente_id=incidente_id,
                                               respuesta=texto)
                return EntradaTimeline.objects.filter(incidente_id=incidente_id).latest("id")
        except TransicionInvalida:
            pass
    return incidentes.incidente_comentar(actor=usuario, incidente_id=incidente_id, texto=texto,
                                         compartido=True)


# ---- staff actions on the triage queue ------------------------------------------------------

def _pendiente(correo_id: int) -> CorreoEntrante:
    correo = (CorreoEntrante.objects.select_for_update()
              .filter(pk=correo_id, clase=Clase.SIN_ENTIDAD).first())
    if correo is None:
        raise NoEncontrado()
    if correo.estado_triaje != EstadoTriaje.PENDIENTE:
        raise TransicionInvalida(_("Este correo ya fue %(e)s.")
                                 % {"e": correo.get_estado_triaje_display().lower()})
    return correo


def correo_convertir(*, actor, correo_id: int, entidad_id: int, titulo: str = "",
                     tlp: str = "amber") -> Incidente:
    """Staff turn a triage message into an incident of the chosen entity (origin
    "correo", the sender as detail); its attachments and the .eml become evidence."""
    exigir_gestion(actor)
    entidad = Entidad.objects.filter(pk=entidad_id).first() if str(entidad_id).isdigit() \
        else None
    if entidad is None:
        raise ErrorValidacion(extra={"entidad": [_("Elija una entidad.")]})
    correo = CorreoEntrante.objects.filter(pk=correo_id, clase=Clase.SIN_ENTIDAD).first()
    if correo is None:
        raise NoEncontrado()
    crudo = archivos.ruta_absoluta(correo.ruta_eml).read_bytes()
    m = mime.leer(crudo)
    eml = ArchivoGuardado(ruta=correo.ruta_eml, nombre_original="mensaje-original.eml",
                          tipo_mime="message/rfc822", tamano=len(crudo), sha256=correo.sha256)
    guardados = _guardar_adjuntos([a for a in m.adjuntos])
    try:
        with transaction.atomic():
            correo = _pendiente(correo_id)
            incidente = incidentes.incidente_reportar(
                actor=actor, entidad=entidad, titulo=(titulo.strip() or _titulo(m))[:200],
                descripcion=_descripcion(m.texto), detectado_en=_detectado_en(m),
                origen=Origen.CORREO, origen_detalle=correo.remitente[:255], tlp=tlp,
                guardados=(*guardados, eml))
            # An outsider's raw message (address, headers) is for CGII's eyes.
            Evidencia.objects.filter(incidente=incidente, ruta=eml.ruta).update(
                visible_entidad=False)
            antes = {"estado_triaje": correo.estado_triaje}
            correo.estado_triaje = EstadoTriaje.CONVERTIDO
            correo.incidente = incidente
            correo.resuelto_por, correo.resuelto_en = actor, timezone.now()
            correo.save(update_fields=["estado_triaje", "incidente", "resuelto_por",
                                       "resuelto_en"])
            auditoria_registrar(actor=actor, accion="correo.convertir", objeto=correo,
                                entidad_id=entidad.pk, antes=antes,
                                despues={"estado_triaje": correo.estado_triaje,
                                         "incidente": incidente.codigo},
                                datos={"remitente": correo.remitente, "sha256": correo.sha256})
            _avisar_triaje(correo)
    except BaseException:
        _borrar(guardados)
        raise
    return incidente


def correo_descartar(*, actor, correo_id: int, motivo: str) -> CorreoEntrante:
    """Staff discard a triage message, with the reason (audited)."""
    exigir_gestion(actor)
    motivo = (motivo or "").strip()
    if not motivo:
        raise ErrorValidacion(extra={"motivo": [_("Indique por qué se descarta.")]})
    with transaction.atomic():
        correo = _pendiente(correo_id)
        correo.estado_triaje = EstadoTriaje.DESCARTADO
        correo.nota_triaje = motivo[:2000]
        correo.resuelto_por, correo.resuelto_en = actor, timezone.now()
        correo.save(update_fields=["estado_triaje", "nota_triaje", "resuelto_por",
                                   "resuelto_en"])
        auditoria_registrar(actor=actor, accion="correo.descartar", objeto=correo,
                            antes={"estado_triaje": EstadoTriaje.PENDIENTE},
                            despues={"estado_triaje": correo.estado_triaje},
                            datos={"motivo": correo.nota_triaje, "remitente": correo.remitente,
                                   "asunto": correo.asunto, "sha256": correo.sha256})
        _avisar_triaje(correo)
    return correo
