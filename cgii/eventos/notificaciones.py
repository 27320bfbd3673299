"""Per-user notifications: the bell (in-app) and e-mail, by each user's preferences.

Domain apps decide *who* should hear about something (they know the incident or the plan)
and call ``notificar`` from an outbox sink; this module stores the bell rows, pushes
``notificacion.nueva`` to each user's own stream and queues e-mails as outbox events, which
a sink here sends through Django's mail backend (console backend in the embedded profile).

Notifications people keep reading (issue 17):
- per type, the bell and e-mail can be turned off (``preferencias_guardar``);
- e-mail goes only to whom the domain app names in ``correo_ids`` (who did something or is
  asked to act), never to everyone who gets the bell;
- a burst on one subject (same link, still unread, within ``VENTANA_RAFAGA``) is one bell
  row with a count, and at most one e-mail;
- e-mail at once, or an hourly or daily digest (``PreferenciaCorreo``; the periodic job
  ``enviar_resumenes`` in ``cgii/eventos/periodicas.py``).
"""

from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import EmailMessage
from django.db import transaction
from django.db.models import Count
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from cgii import correo
from cgii.errores import ErrorValidacion
from cgii.eventos import grupos
from cgii.eventos.models import (
    CorreoPendiente,
    FrecuenciaCorreo,
    Notificacion,
    PreferenciaCorreo,
    PreferenciaNotificacion,
)
from cgii.eventos.registro import registrar_manejador
from cgii.eventos.services import evento_emitir

TIPO_EVENTO_BELL = "notificacion.nueva"
TIPO_EVENTO_CORREO = "notificacion.correo"
# News on one subject this close together are one notification (and one e-mail).
VENTANA_RAFAGA = timedelta(minutes=15)
HORA_RESUMEN_DIARIO = 7   # local time (America/La_Paz) of the daily digest


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
              confidencial: bool = False, texto_confidencial: str = "",
              correo_ids=None, pide_accion: bool = False) -> list[Notificacion]:
    """Inside the caller's transaction. ``confidencial`` (e.g. TLP:RED): e-mails carry only
    ``texto_confidencial`` and the link, never ``texto``. ``correo_ids``: who of
    ``usuarios_ids`` may get an e-mail (their preference still decides); None: all of them.
    ``pide_accion`` (CGII asks them for something with a deadline): a bell row and an
    e-mail of its own, never folded into a burst on the same subject.
    Returns the bell rows written or updated."""
    usuarios_ids = sorted(set(usuarios_ids))
    if not usuarios_ids:
        return []
    ahora = timezone.now()
    prefs = _preferencias(usuarios_ids, tipo)
    correo_ids = set(usuarios_ids if correo_ids is None else correo_ids)
    rafagas = {} if pide_accion else _rafagas([u for u in usuarios_ids if prefs[u][0]],
                                              enlace, ahora)
    filas = []
    for u in usuarios_ids:
        if not prefs[u][0]:
            continue
        fila = rafagas.get(u)
        if fila is None:
            fila = Notificacion(usuario_id=u, tipo=tipo, texto=texto[:300], enlace=enlace[:300],
                                creado=ahora)
        else:
            fila.tipo, fila.texto, fila.creado = tipo, texto[:300], ahora
            fila.cantidad += 1
        filas.append(fila)
    nuevas = Notificacion.objects.bulk_create([f for f in filas if f.pk is None])
    Notificacion.objects.bulk_update([f for f in filas if f.pk is not None],
                                     ["tipo", "texto", "creado", "cantidad"])
    pendientes = dict(Notificacion.objects.filter(
        usuario_id__in=[n.usuario_id for n in filas], leida_en__isnull=True)
        .values("usuario_id").annotate(n=Count("id")).values_list("usuario_id", "n"))
    for n in filas:
        evento_emitir(tipo=TIPO_EVENTO_BELL,
                      datos={"notificacion": n.como_dict(),
                             "no_leidas": pendientes.get(n.usuario_id, 1)},
                      grupos=[grupos.grupo_usuario(n.usuario_id)])
    _correos(usuarios=[u for u in usuarios_ids if prefs[u][1] and u in correo_ids],
             filas={n.usuario_id: n for n in filas}, tipo=tipo,
             texto=texto_confidencial if confidencial else texto, enlace=enlace, ahora=ahora)
    return nuevas + [f for f in filas if f not in nuevas]


def _rafagas(usuarios_ids, enlace: str, ahora) -> dict[int, Notificacion]:
    """Each user's unread notification on the same subject from the last minutes."""
    if not enlace or not usuarios_ids:
        return {}
    filas = (Notificacion.objects.select_for_update()
             .filter(usuario_id__in=usuarios_ids, enlace=enlace[:300], leida_en__isnull=True,
                     creado__gte=ahora - VENTANA_RAFAGA).order_by("usuario_id", "-id"))
    salida = {}
    for f in filas:
        salida.setdefault(f.usuario_id, f)
    return salida


def _correos(*, usuarios, filas: dict, tipo: str, texto: str, enlace: str, ahora) -> None:
    """At once (once per burst) or kept for the user's digest."""
    if not usuarios:
        return
    frecuencias = dict(PreferenciaCorreo.objects.filter(usuario_id__in=usuarios)
                       .values_list("usuario_id", "frecuencia"))
    enviados = []
    for u in usuarios:
        frecuencia = frecuencias.get(u, FrecuenciaCorreo.INMEDIATO)
        if frecuencia != FrecuenciaCorreo.INMEDIATO:
            CorreoPendiente.objects.create(usuario_id=u, tipo=tipo, texto=texto[:300],
                                           enlace=enlace[:300], creado=ahora)
            continue
        fila = filas.get(u)
        if fila is not None and fila.correo_en and ahora - fila.correo_en < VENTANA_RAFAGA:
            continue  # this burst was e-mailed already; the bell holds the rest
        evento_emitir(tipo=TIPO_EVENTO_CORREO,
                      datos={"usuario_id": u, "texto": texto, "enlace": enlace}, grupos=[])
        if fila is not None:
            enviados.append(fila.pk)
    if enviados:
        Notificacion.objects.filter(pk__in=enviados).update(correo_en=ahora)


def _enviar_correo(evento) -> None:
    """Sink: the mail itself (may repeat after a crash, like any external effect)."""
    from cgii.enlaces import absoluto

    datos = evento.datos
    usuario = get_user_model().objects.filter(pk=datos["usuario_id"], is_active=True).first()
    if usuario is None or not usuario.email:
        return
    pie = _("Este mensaje fue enviado automáticamente. Elija qué notificaciones recibe y "
            "con qué frecuencia: %(url)s") % {"url": absoluto(reverse("preferencias_notificaciones"))}
    if "resumen" in datos:
        lineas = [f"- {r['texto']}" + (f" ({r['cantidad']})" if r.get("cantidad", 1) > 1 else "")
                  + (f"\n  {absoluto(r['enlace'])}" if r.get("enlace") else "")
                  for r in datos["resumen"]]
        asunto = (_("[CGII] Resumen diario: %(n)d novedades") if datos.get("frecuencia") ==
                  FrecuenciaCorreo.DIARIO else _("[CGII] Resumen de la última hora: %(n)d novedades")
                  ) % {"n": sum(r.get("cantidad", 1) for r in datos["resumen"])}
        cuerpo = "\n".join(lineas) + "\n\n" + pie
        # A digest is about many subjects: no reply address, no thread.
        extras = {"headers": {}, "reply_to": None}
    else:
        enlace = absoluto(datos["enlace"]) if datos["enlace"] else ""
        cuerpo = _("%(texto)s\n\nVer en la plataforma del CGII: %(enlace)s") % {
            "texto": datos["texto"], "enlace": enlace} + "\n\n" + pie
        asunto = _("[CGII] %(t)s") % {"t": datos["texto"][:120]}
        # Reply address and threading headers from the apps that own the subject (cgii.correo).
        extras = correo.extras_para(datos=datos, destinatario=usuario)
    EmailMessage(subject=asunto, body=cuerpo, from_email=settings.DEFAULT_FROM_EMAIL,
                 to=[usuario.email], headers=extras["headers"], reply_to=extras["reply_to"]).send()


# ---- digests --------------------------------------------------------------------------------

def _toca_resumen(preferencia: PreferenciaCorreo, ahora) -> bool:
    ultimo = preferencia.ultimo_resumen
    if preferencia.frecuencia == FrecuenciaCorreo.HORA:
        # The job runs every few minutes: "an hour" allows for its own period.
        return ultimo is None or ahora - ultimo >= timedelta(minutes=55)
    if preferencia.frecuencia == FrecuenciaCorreo.DIARIO:
        local = timezone.localtime(ahora)
        return local.hour >= HORA_RESUMEN_DIARIO and (
            ultimo is None or timezone.localtime(ultimo).date() < local.date())
    return True


def _resumir(usuario_id: int, frecuencia: str, ahora) -> bool:
    """One digest e-mail with the user's pending news, one line per subject. Inside a
    transaction; False when there was nothing to send."""
    pendientes = list(CorreoPendiente.objects.select_for_update().filter(usuario_id=usuario_id))
    if not pendientes:
        return False
    por_tema: dict[str, dict] = {}
    for p in pendientes:  # oldest first: the latest text of a subject wins
        clave = p.enlace or f"#{p.pk}"
        linea = por_tema.setdefault(clave, {"texto": p.texto, "enlace": p.enlace, "cantidad": 0})
        linea["texto"] = p.texto
        linea["cantidad"] += 1
    evento_emitir(tipo=TIPO_EVENTO_CORREO,
                  datos={"usuario_id": usuario_id, "frecuencia": frecuencia,
                         "resumen": list(por_tema.values())}, grupos=[])
    CorreoPendiente.objects.filter(pk__in=[p.pk for p in pendientes]).delete()
    PreferenciaCorreo.objects.filter(usuario_id=usuario_id).update(ultimo_resumen=ahora)
    return True


def enviar_resumenes(ahora=None) -> int:
    """Periodic job (cgii/eventos/periodicas.py): the digests that are due. Idempotent: a
    user's rows are locked, sent once and deleted in one transaction."""
    ahora = ahora or timezone.now()
    usuarios = (CorreoPendiente.objects.values_list("usuario_id", flat=True)
                .distinct().order_by("usuario_id"))
    enviados = 0
    for usuario_id in list(usuarios):
        with transaction.atomic():
            preferencia = (PreferenciaCorreo.objects.select_for_update()
                           .filter(usuario_id=usuario_id).first())
            if preferencia is None:   # back to immediate: whatever waited goes now
                preferencia = PreferenciaCorreo(usuario_id=usuario_id)
            if _toca_resumen(preferencia, ahora) and _resumir(
                    usuario_id, preferencia.frecuencia, ahora):
                enviados += 1
    return enviados


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


def frecuencia_correo(usuario) -> str:
    return (PreferenciaCorreo.objects.filter(usuario=usuario).values_list("frecuencia", flat=True)
            .first() or FrecuenciaCorreo.INMEDIATO)


def frecuencia_guardar(usuario, frecuencia: str) -> str:
    """E-mail at once, hourly or daily. Back to "at once", what waited is sent now."""
    if frecuencia not in FrecuenciaCorreo.values:
        raise ErrorValidacion(extra={"frecuencia": [_("Frecuencia desconocida: %(f)s")
                                                    % {"f": frecuencia}]})
    with transaction.atomic():
        PreferenciaCorreo.objects.update_or_create(usuario=usuario,
                                                   defaults={"frecuencia": frecuencia})
        if frecuencia == FrecuenciaCorreo.INMEDIATO:
            _resumir(usuario.pk, frecuencia, timezone.now())
    return frecuencia


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


__all__ = ["conectar", "enviar_resumenes", "frecuencia_correo", "frecuencia_guardar",
           "marcar_leidas", "notificaciones_de", "notificar", "preferencias_de",
           "preferencias_guardar", "registrar_tipo", "tipos"]
