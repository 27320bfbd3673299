"""Per-user notifications: the bell (in-app) and e-mail, by each user's preferences.

Domain apps decide *who* should hear about something (they know the incident or the plan)
and call ``notificar`` from an outbox sink; this module stores the bell rows, pushes
``notificacion.nueva`` to each user's own stream and queues e-mails as outbox events, which
a sink here sends through Django's mail backend (console backend in the embedded profile).
"""

from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import EmailMessage
from django.db import transaction
from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext as _

from cgii import correo
from cgii.errores import ErrorValidacion
from cgii.eventos import grupos
from cgii.eventos.models import Notificacion, PreferenciaNotificacion
from cgii.eventos.registro import registrar_manejador
from cgii.eventos.services import evento_emitir

TIPO_EVENTO_BELL = "notificacion.nueva"
TIPO_EVENTO_CORREO = "notificacion.correo"


@dataclass(frozen=True)
class TipoNotificacion:
    codigo: str
    etiqueta: str
    email_por_defecto: bool = False


_tipos: dict[str, TipoNotificacion] = {}


def registrar_tipo(codigo: str, etiqueta: str, *, email_por_defecto: bool = False) -> None:
    _tipos[codigo] = TipoNotificacion(codigo, etiqueta, email_por_defecto)


def tipos() -> list[TipoNotificacion]:
    return sorted(_tipos.values(), key=lambda t: t.codigo)


def _preferencias(usuarios_ids, tipo: str) -> dict[int, tuple[bool, bool]]:
    defecto = (True, _tipos[tipo].email_por_defecto if tipo in _tipos else False)
    propias = {p.usuario_id: (p.en_app, p.email) for p in
               PreferenciaNotificacion.objects.filter(usuario_id__in=usuarios_ids, tipo=tipo)}
    return {u: propias.get(u, defecto) for u in usuarios_ids}


def no_leidas(usuario_id: int) -> int:
    return Notificacion.objects.filter(usuario_id=usuario_id, leida_en__isnull=True).count()


def notificar(*, usuarios_ids, tipo: str, texto: str, enlace: str = "",
              confidencial: bool = False, texto_confidencial: str = "") -> list[Notificacion]:
    """Inside the caller's transaction. ``confidencial`` (e.g. TLP:RED): e-mails carry only
    ``texto_confidencial`` and the link, never ``texto``."""
    usuarios_ids = sorted(set(usuarios_ids))
    if not usuarios_ids:
        return []
    prefs = _preferencias(usuarios_ids, tipo)
    creadas = Notificacion.objects.bulk_create([
        Notificacion(usuario_id=u, tipo=tipo, texto=texto[:300], enlace=enlace[:300])
        for u in usuarios_ids if prefs[u][0]])
    pendientes = dict(Notificacion.objects.filter(
        usuario_id__in=[n.usuario_id for n in creadas], leida_en__isnull=True)
        .values("usuario_id").annotate(n=Count("id")).values_list("usuario_id", "n"))
    for n in creadas:
        evento_emitir(tipo=TIPO_EVENTO_BELL,
                      datos={"notificacion": n.como_dict(),
                             "no_leidas": pendientes.get(n.usuario_id, 1)},
                      grupos=[grupos.grupo_usuario(n.usuario_id)])
    correo = texto_confidencial if confidencial else texto
    for u in usuarios_ids:
        if prefs[u][1]:
            evento_emitir(tipo=TIPO_EVENTO_CORREO,
                          datos={"usuario_id": u, "texto": correo, "enlace": enlace},
                          grupos=[])
    return creadas


def _enviar_correo(evento) -> None:
    """Sink: the mail itself (may repeat after a crash, like any external effect)."""
    datos = evento.datos
    usuario = get_user_model().objects.filter(pk=datos["usuario_id"], is_active=True).first()
    if usuario is None or not usuario.email:
        return
    enlace = settings.CGII_URL_BASE.rstrip("/") + datos["enlace"] if datos["enlace"] else ""
    cuerpo = _("%(texto)s\n\nVer en la plataforma del CGII: %(enlace)s\n\n"
               "Este mensaje fue enviado automáticamente; puede cambiar sus preferencias de "
               "notificación en la plataforma.") % {"texto": datos["texto"], "enlace": enlace}
    # Reply address and threading headers from the apps that own the subject (cgii.correo).
    extras = correo.extras_para(datos=datos, destinatario=usuario)
    EmailMessage(subject=_("[CGII] %(t)s") % {"t": datos["texto"][:120]}, body=cuerpo,
                 from_email=settings.DEFAULT_FROM_EMAIL, to=[usuario.email],
                 headers=extras["headers"], reply_to=extras["reply_to"]).send()


def conectar() -> None:
    registrar_manejador(nombre="eventos.correo_notificaciones", tipos=(TIPO_EVENTO_CORREO,),
                        funcion=_enviar_correo)


# ---- reads and user actions (API) -----------------------------------------------------------

def notificaciones_de(usuario, *, solo_no_leidas: bool = False):
    qs = Notificacion.objects.filter(usuario=usuario)
    return qs.filter(leida_en__isnull=True) if solo_no_leidas else qs


def marcar_leidas(usuario, *, ids=None, todas: bool = False) -> int:
    if not todas and not ids:
        raise ErrorValidacion(extra={"ids": [_("Indique ids o todas=true.")]})
    qs = notificaciones_de(usuario, solo_no_leidas=True)
    if not todas:
        qs = qs.filter(pk__in=ids)
    qs.update(leida_en=timezone.now())
    return no_leidas(usuario.pk)


def preferencias_de(usuario) -> list[dict]:
    propias = {p.tipo: p for p in PreferenciaNotificacion.objects.filter(usuario=usuario)}
    salida = []
    for t in tipos():
        p = propias.get(t.codigo)
        salida.append({"tipo": t.codigo, "etiqueta": t.etiqueta,
                       "en_app": p.en_app if p else True,
                       "email": p.email if p else t.email_por_defecto})
    return salida


def preferencias_guardar(usuario, filas: list[dict]) -> list[dict]:
    conocidos = {t.codigo for t in tipos()}
    desconocidos = [f.get("tipo") for f in filas if f.get("tipo") not in conocidos]
    if desconocidos:
        raise ErrorValidacion(extra={"tipo": [_("Tipos desconocidos: %(t)s")
                                              % {"t": ", ".join(map(str, desconocidos))}]})
    with transaction.atomic():
        for f in filas:
            PreferenciaNotificacion.objects.update_or_create(
                usuario=usuario, tipo=f["tipo"],
                defaults={"en_app": bool(f.get("en_app", True)),
                          "email": bool(f.get("email", False))})
    return preferencias_de(usuario)


__all__ = ["conectar", "marcar_leidas", "notificaciones_de", "notificar",
           "preferencias_de", "preferencias_guardar", "registrar_tipo", "tipos"]
