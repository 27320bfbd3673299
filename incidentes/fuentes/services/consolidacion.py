"""Aggregations into the protocol: once an aggregation has been quiet for
``FUENTES_ESPERA_SEGUNDOS``, its feed's policy decides, in one transaction per aggregation:

- **incidente**: the entity's open incident for the same feed and classification takes the
  new hosts (a timeline entry); if the last one is resolved or closed, the feed says whether
  it is reopened (``reabrir_por_fuente``, through ``cgii.fsm``) or a new one starts; a new
  incident has origin "fuente externa" and the taxonomy type mapped from
  ``classification.type`` (``rsit.py``), classified by the system so the protocol's
  checklist is there when an analyst triages it;
- **aviso**: a notice the entity only acknowledges;
- **registro**: nothing beyond the stored events.

The entity hears once per aggregation: the new incident's own notification, the reopening's,
or ours (``fuentes.notificar`` → the sink in ``notificaciones.py``). Events arriving after
that only update the counters and, on an incident, add a timeline entry without notifying.
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cgii.auditoria.services import auditoria_registrar
from cgii.entidades.sistema import SISTEMA
from cgii.eventos import grupos
from cgii.eventos.services import evento_emitir
from protocolos import selectors as protocolos

from ... import services as incidentes
from ...models import Incidente, Nivel, Origen, TipoEntrada
from ...selectors import incidente_obtener
from ...services.comun import registrar
from ...states import ESTADOS_ABIERTOS, Estado, Transicion
from ..models import Agregacion, AlCerrado, Politica
from ..rsit import TIPO_CGII

LIMITE_POR_PASADA = 500
EVENTO_NOTIFICAR = "fuentes.notificar"


def espera() -> timedelta:
    return timedelta(seconds=settings.FUENTES_ESPERA_SEGUNDOS)


def consolidar_pendientes(*, ahora=None, espera_minima: timedelta | None = None,
                          limite: int = LIMITE_POR_PASADA) -> int:
    """The periodic job: every aggregation with new events and quiet for the wait, oldest
    first. Notices and records are consolidated set-based, in one transaction per pass
    (their one notification each is an outbox row); an aggregation that opens, reopens or
    updates an incident gets a transaction of its own (the incident services'). Idempotent
    and safe to overlap: rows are locked with SKIP LOCKED, nothing pending is left alone."""
    ahora = ahora or timezone.now()
    corte = ahora - (espera() if espera_minima is None else espera_minima)
    ids = list(Agregacion.objects.filter(pendientes__gt=0, recibido_en__lte=corte)
               .order_by("recibido_en", "id").values_list("id", flat=True)[:limite])
    if not ids:
        return 0
    hechas, de_incidente = _consolidar_sin_incidente(ids)
    claves: dict[tuple, list[int]] = {}
    for a in Agregacion.objects.filter(pk__in=de_incidente).values(
            "id", "entidad_id", "fuente_id", "clasificacion"):
        claves.setdefault((a["entidad_id"], a["fuente_id"], a["clasificacion"]), []).append(
            a["id"])
    return hechas + sum(_consolidar_clave(grupo) for grupo in claves.values())


def agregacion_consolidar(*, agregacion_id: int) -> int:
    """One aggregation now, whatever its policy (1 if it had something pending)."""
    hechas, de_incidente = _consolidar_sin_incidente([agregacion_id])
    return hechas + (_consolidar_clave(de_incidente) if de_incidente else 0)


def _consolidar_sin_incidente(ids: list[int]) -> tuple[int, list[int]]:
    """Notices and records in a few statements; returns (how many, the incident ones)."""
    with transaction.atomic():
        filas = list(Agregacion.objects.select_for_update(skip_locked=True, of=("self",))
                     .filter(pk__in=ids, pendientes__gt=0).select_related("fuente")
                     .order_by("id"))
        if not filas:
            return 0, []
        politica = {a.pk: a.politica or a.fuente.politica for a in filas}
        propias = [a for a in filas if politica[a.pk] != Politica.INCIDENTE]
        if not propias:
            return 0, [a.pk for a in filas]
        _contar_hosts([a.pk for a in propias])
        ahora = timezone.now()
        hosts = dict(Agregacion.objects.filter(pk__in=[a.pk for a in propias])
                     .values_list("id", "hosts"))
        for a in propias:
            a.hosts, a.politica = hosts[a.pk], politica[a.pk]
            if a.politica == Politica.AVISO and a.consolidado_en is None:
                _notificar(a, incidente=None)
            a.pendientes, a.consolidado_en = 0, a.consolidado_en or ahora
        Agregacion.objects.bulk_update(propias, ["politica", "pendientes", "consolidado_en"])
        auditoria_registrar(actor=None, accion="fuentes.consolidar",
                            datos={"agregaciones": [a.pk for a in propias],
                                   "avisos": sum(a.politica == Politica.AVISO
                                                 for a in propias)})
    return len(propias), [a.pk for a in filas if politica[a.pk] == Politica.INCIDENTE]


def _contar_hosts(ids: list[int]) -> None:
    with connection.cursor() as cursor:
        cursor.execute("""
            UPDATE fuentes_agregacion a SET hosts = c.hosts
            FROM (SELECT agregacion_id, count(DISTINCT host) AS hosts
                  FROM fuentes_eventofuente WHERE agregacion_id = ANY(%s)
                  GROUP BY agregacion_id) c
            WHERE a.id = c.agregacion_id""", [ids])


def _consolidar_clave(ids: list[int]) -> int:
    """The pending aggregations of one entity, feed and classification (policy
    "incidente"), in one transaction: one timeline entry on the incident, at most one
    notification (a backlog of several days is one update, not one per day)."""
    with transaction.atomic():
        grupo = list(Agregacion.objects.select_for_update(skip_locked=True, of=("self",))
                     .select_related("fuente", "entidad", "incidente")
                     .filter(pk__in=ids, pendientes__gt=0).order_by("periodo", "id"))
        if not grupo:
            return 0
        _contar_hosts([a.pk for a in grupo])
        hosts = dict(Agregacion.objects.filter(pk__in=[a.pk for a in grupo])
                     .values_list("id", "hosts"))
        nuevas = [a for a in grupo if a.consolidado_en is None]
        for a in grupo:
            a.hosts = hosts[a.pk]
            if a.consolidado_en is None:
                a.politica = a.fuente.politica  # kept for later events of the same day
        incidente = _al_incidente(grupo, nuevos=sum(a.pendientes for a in grupo),
                                  notificar=bool(nuevas))
        ahora = timezone.now()
        for a in grupo:
            a.incidente, a.pendientes = incidente, 0
            a.consolidado_en = a.consolidado_en or ahora
        Agregacion.objects.bulk_update(grupo, ["politica", "incidente", "pendientes",
                                               "consolidado_en"])
    return len(grupo)


# ---- policy "incidente" ----------------------------------------------------------------

def _texto(grupo: list[Agregacion], nuevos: int) -> str:
    dias = sorted({a.periodo for a in grupo})
    periodo = f"{dias[0]:%d/%m/%Y}" if len(dias) == 1 else f"{dias[0]:%d/%m/%Y}–{dias[-1]:%d/%m/%Y}"
    return _("%(n)d eventos nuevos de %(f)s (%(c)s), %(d)s: %(h)d hosts afectados. Vea la "
             "tabla de hosts afectados.") % {
        "n": nuevos, "f": grupo[-1].fuente, "c": grupo[-1].clasificacion, "d": periodo,
        "h": sum(a.hosts for a in grupo)}


def _anotar(incidente_id: int, grupo: list[Agregacion], nuevos: int) -> Incidente:
    """One timeline entry, visible to the entity (no notification of its own)."""
    incidente = incidente_obtener(usuario=SISTEMA, incidente_id=incidente_id,
                                  para_actualizar=True)
    incidente.save(update_fields=["actualizado"])
    registrar(incidente, actor=SISTEMA, tipo_entrada=TipoEntrada.FUENTE, accion="fuente",
              evento="incidente.actualizado", visible_entidad=True,
              texto=_texto(grupo, nuevos),
              datos={"agregaciones": [a.pk for a in grupo], "eventos": nuevos,
                     "hosts": sum(a.hosts for a in grupo), "fuente": str(grupo[-1].fuente),
                     "clasificacion": grupo[-1].clasificacion})
    return incidente


def _ultimo_incidente(grupo: list[Agregacion]) -> Incidente | None:
    """The incident of this entity, feed and classification: the group's own if one of its
    aggregations already has one, else the one of the latest earlier aggregation."""
    propios = [a.incidente for a in grupo if a.incidente_id]
    if propios:
        return propios[-1]
    ultima = grupo[-1]
    previa = (Agregacion.objects.filter(
        entidad_id=ultima.entidad_id, fuente_id=ultima.fuente_id,
        clasificacion=ultima.clasificacion, incidente__isnull=False)
        .exclude(pk__in=[a.pk for a in grupo]).select_related("incidente")
        .order_by("-periodo", "-id").first())
    return previa.incidente if previa else None


def _al_incidente(grupo: list[Agregacion], *, nuevos: int, notificar: bool) -> Incidente:
    ultima = grupo[-1]
    actual = _ultimo_incidente(grupo)
    if actual is not None and actual.estado in ESTADOS_ABIERTOS:
        incidente = _anotar(actual.pk, grupo, nuevos)
        if notificar:  # new aggregations on the open incident: our one notification
            _notificar(ultima, incidente=incidente, grupo=grupo)
        return incidente
    if (actual is not None and actual.estado in (Estado.RESUELTO, Estado.CERRADO)
            and ultima.fuente.al_cerrado == AlCerrado.REABRIR):
        # The reopening's own notification (incidente.transicion) tells the entity.
        incidentes.incidente_transicionar(
            actor=SISTEMA, incidente_id=actual.pk, transicion=Transicion.REABRIR_POR_FUENTE,
            comentario=_("Nuevos eventos de %(f)s sobre este incidente.")
            % {"f": ultima.fuente})
        return _anotar(actual.pk, grupo, nuevos)
    return _abrir(grupo, nuevos)  # its creation notifies the entity


def _abrir(grupo: list[Agregacion], nuevos: int) -> Incidente:
    ultima = grupo[-1]
    codigo = TIPO_CGII.get(ultima.clasificacion, "sin-determinar")
    tipo = protocolos.tipo_por_codigo(codigo)
    ahora = timezone.now()
    primero = min((a.primer_evento for a in grupo if a.primer_evento), default=ahora)
    hosts = sum(a.hosts for a in grupo)
    nombre_tipo = tipo.nombre if tipo else ultima.clasificacion
    incidente = incidentes.incidente_reportar(
        actor=SISTEMA, entidad=ultima.entidad,
        titulo=(_("%(t)s: %(h)d hosts según %(f)s")
                % {"t": nombre_tipo, "h": hosts, "f": ultima.fuente})[:200],
        descripcion=_("Incidente abierto a partir de los eventos de la fuente externa %(f)s "
                      "(clasificación %(c)s). Los hosts afectados (IP, puerto, momento, "
                      "identificador) están en la tabla del incidente, que puede filtrar y "
                      "descargar como CSV.") % {"f": ultima.fuente, "c": ultima.clasificacion},
        detectado_en=min(primero, ahora), origen=Origen.FUENTE_EXTERNA,
        origen_detalle=str(ultima.fuente)[:255], tlp=ultima.fuente.tlp,
        activos_afectados=_("%(h)d hosts de la entidad (ver la tabla de hosts afectados).")
        % {"h": hosts})
    if tipo is not None:
        incidentes.incidente_clasificar(actor=SISTEMA, incidente_id=incidente.pk,
                                        tipo_codigo=tipo.codigo, impacto=tipo.impacto or 2,
                                        urgencia=Nivel.MEDIO)
    _anotar(incidente.pk, grupo, nuevos)
    return Incidente.objects.get(pk=incidente.pk)


# ---- notices and the one notification ----------------------------------------------------

def _notificar(agregacion: Agregacion, *, incidente: Incidente | None,
               grupo: list[Agregacion] | None = None) -> None:
    grupo = grupo or [agregacion]
    evento_emitir(
        tipo=EVENTO_NOTIFICAR,
        datos={"agregacion": {"id": agregacion.pk, "entidad_id": agregacion.entidad_id,
                              "fuente": str(agregacion.fuente),
                              "clasificacion": agregacion.clasificacion,
                              "periodo": agregacion.periodo.isoformat(),
                              "hosts": sum(a.hosts for a in grupo),
                              "eventos": sum(a.eventos for a in grupo),
                              "politica": agregacion.politica,
                              "tlp": agregacion.fuente.tlp},
               "incidente": ({"id": incidente.pk, "codigo": incidente.codigo}
                             if incidente else None)},
        grupos=[grupos.GRUPO_PERSONAL_CGII, grupos.grupo_entidad(agregacion.entidad_id)],
        entidad_id=agregacion.entidad_id)
