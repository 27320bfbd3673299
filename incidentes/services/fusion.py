"""«Fusionar en el maestro» (issue 18): one click that marks an incident duplicate (or takes
one already marked) and brings its messages, evidence, indicators and checklist progress to
the master, each with its origin («desde CGII-…») in the master's timeline.

Rules (all here, so the page, the API and the console's bulk action obey them alike):

- CGII management roles only; both incidents through the actor's tenant-scoped selector.
- Two entities' incidents are never joined unless the caller confirms it
  (``confirmar_otra_entidad``); then nothing of one entity becomes visible to the other:
  the duplicate keeps its own items (its entity still sees its whole report) and the master
  receives internal copies of its messages and evidence that only CGII staff see (indicator
  sightings stay on the duplicate, named in the master's internal timeline).
- Same entity: the items move (re-pointed, nothing copied), keeping their visibility.
- Nothing is lost: every message, evidence, indicator sighting and finished step of the
  duplicate ends up on the master (tests/incidentes/test_fusion.py counts them).
- The duplicate's SLA clocks stop as «descartado» (incidentes.sla), its entity is notified
  once (by the «marcar duplicado» transition; the merge rows emit no notice), and
  ``fusionado_en`` makes «quitar marca de duplicado» refuse with its reason afterwards
  (states.no_fusionado): the items already live on the master.

The console's bulk "mark duplicate" calls ``incidente_fusionar`` per incident.
"""

from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cgii.errores import ErrorValidacion, TransicionInvalida

from ..models import EntradaTimeline, EstadoTarea, Evidencia, Incidente, Tarea, TipoEntrada
from ..selectors import incidente_obtener
from ..states import Estado, Transicion
from .ciclo import _maestro, incidente_transicionar
from .comun import exigir_gestion, registrar, resumen

# Timeline rows that are conversation (what "messages/comments" means to people).
TIPOS_MENSAJE = (TipoEntrada.MENSAJE, TipoEntrada.COMENTARIO, TipoEntrada.SOLICITUD,
                 TipoEntrada.RESPUESTA)
HECHAS = (EstadoTarea.HECHA, EstadoTarea.NO_APLICA)


@dataclass(frozen=True)
class Fusion:
    duplicado: Incidente
    maestro: Incidente
    mensajes: int
    evidencias: int
    indicadores: int
    pasos: int
    entre_entidades: bool
    tareas: int = 0


def _desde(dup: Incidente) -> dict:
    return {"id": dup.pk, "codigo": dup.codigo, "entidad_id": dup.entidad_id}


def _fila(maestro: Incidente, *, tipo: str, texto: str, visible: bool, datos: dict,
          actor=None, creado=None) -> EntradaTimeline:
    fila = EntradaTimeline(incidente=maestro, tipo=tipo, texto=texto, visible_entidad=visible,
                           datos=datos, actor=actor)
    if creado is not None:
        fila.creado = creado
    return fila


def _mensajes(dup: Incidente, maestro: Incidente, *, mover: bool) -> int:
    """Conversation rows: moved (same entity) or copied as internal rows (two entities).
    They keep their author and time, and say where they came from."""
    filas = list(dup.timeline.filter(tipo__in=TIPOS_MENSAJE).order_by("id"))
    desde = _desde(dup)
    if mover:
        for f in filas:
            f.incidente = maestro
            f.datos = {**(f.datos or {}), "desde": desde}
        EntradaTimeline.objects.bulk_update(filas, ["incidente", "datos"])
    else:
        EntradaTimeline.objects.bulk_create([
            _fila(maestro, tipo=f.tipo, texto=f.texto, visible=False, actor=f.actor,
                  creado=f.creado, datos={**(f.datos or {}), "desde": desde})
            for f in filas])
    return len(filas)


def _evidencias(dup: Incidente, maestro: Incidente, *, mover: bool, actor) -> dict[int, int]:
    """Evidence rows (the stored file is shared, never duplicated on disk); one timeline row
    per item on the master. Returns {duplicate's evidence id: master's evidence id}."""
    mapa, filas = {}, []
    for ev in dup.evidencias.order_by("id"):
        if mover:
            Evidencia.objects.filter(pk=ev.pk).update(incidente=maestro)
            mapa[ev.pk] = ev.pk
        else:
            copia = Evidencia.objects.create(
                incidente=maestro, subido_por_id=ev.subido_por_id, nombre=ev.nombre,
                tipo_mime=ev.tipo_mime, tamano=ev.tamano, sha256=ev.sha256, ruta=ev.ruta,
                descripcion=ev.descripcion, visible_entidad=False, creado=ev.creado)
            mapa[ev.pk] = copia.pk
        filas.append(_fila(
            maestro, tipo=TipoEntrada.EVIDENCIA, actor=actor,
            visible=mover and ev.visible_entidad,
            texto=_("Evidencia «%(n)s» desde %(c)s.") % {"n": ev.nombre, "c": dup.codigo},
            datos={"evidencia_id": mapa[ev.pk], "desde": _desde(dup)}))
    EntradaTimeline.objects.bulk_create(filas)
    return mapa


def _indicadores(dup: Incidente, maestro: Incidente, *, mover: bool, actor) -> int:
    """Sightings (same entity): a value the master already has adds up its count and time
    span, a new one moves. Two entities: the sightings stay on the duplicate (an entity is
    only ever shown its own sightings; staff correlate the values across incidents anyway)
    and the master's timeline names them for staff."""
    from ..indicadores.models import IndicadorIncidente

    en_maestro = {v.indicador_id: v for v in IndicadorIncidente.objects.filter(
        incidente=maestro)}
    vinculos = list(IndicadorIncidente.objects.filter(incidente=dup)
                    .select_related("indicador").order_by("id"))
    for v in vinculos if mover else ():
        existente = en_maestro.get(v.indicador_id)
        if existente is not None:
            existente.conteo += v.conteo
            fechas = [f for f in (existente.primera_vez, v.primera_vez) if f]
            existente.primera_vez = min(fechas) if fechas else None
            fechas = [f for f in (existente.ultima_vez, v.ultima_vez) if f]
            existente.ultima_vez = max(fechas) if fechas else None
            existente.save(update_fields=["conteo", "primera_vez", "ultima_vez"])
            v.delete()
        else:
            IndicadorIncidente.objects.filter(pk=v.pk).update(incidente=maestro)
    if vinculos:
        valores = ", ".join(v.indicador.valor for v in vinculos[:20])
        mas = len(vinculos) - 20
        EntradaTimeline.objects.create(
            incidente=maestro, tipo=TipoEntrada.INDICADORES, actor=actor, visible_entidad=False,
            texto=_("%(n)d indicador(es) desde %(c)s: %(v)s") % {
                "n": len(vinculos), "c": dup.codigo, "v": valores + (f" (+{mas})" if mas > 0
                                                                       else "")},
            datos={"indicadores": [v.indicador_id for v in vinculos], "desde": _desde(dup)})
    return len(vinculos)


def _pasos(dup: Incidente, maestro: Incidente, *, evidencias: dict[int, int], actor) -> int:
    """Finished steps of the duplicate complete the master's same step if it is still open;
    steps the master's protocol lacks are named in the merge row (``datos.pasos_sin_par``)."""
    abiertas = {t.codigo_paso: t for t in maestro.tareas.exclude(estado__in=HECHAS)}
    llevadas, filas = 0, []
    for t in dup.tareas.filter(estado__in=HECHAS).order_by("orden", "id"):
        destino = abiertas.get(t.codigo_paso)
        if destino is None:
            continue
        destino.estado = t.estado
        destino.nota = "\n".join(x for x in (destino.nota, t.nota) if x).strip()
        destino.evidencia_id = destino.evidencia_id or evidencias.get(t.evidencia_id)
        destino.completada_por_id, destino.completada_en = t.completada_por_id, t.completada_en
        destino.save(update_fields=["estado", "nota", "evidencia", "completada_por",
                                    "completada_en"])
        llevadas += 1
        filas.append(_fila(
            maestro, tipo=TipoEntrada.TAREA, actor=actor, visible=False,
            texto=_("%(t)s: %(e)s (desde %(c)s)") % {"t": destino.titulo,
                                                     "e": destino.get_estado_display(),
                                                     "c": dup.codigo},
            datos={"tarea_id": destino.pk, "estado": destino.estado, "desde": _desde(dup)}))
    EntradaTimeline.objects.bulk_create(filas)
    return llevadas


def _tareas_propias(dup: Incidente, maestro: Incidente, *, mover: bool, actor) -> int:
    """Analysts' own tasks follow the work to the master (renumbered there); between two
    entities, the ones shared with the duplicate's entity stay with it."""
    from django.db.models import Max

    from .tareas import ORDEN_BASE

    tareas = dup.tareas.filter(propia=True).order_by("orden", "id")
    if not mover:
        tareas = tareas.filter(compartida=False)
    orden = maestro.tareas.filter(propia=True).aggregate(n=Max("orden"))["n"] or ORDEN_BASE
    filas = []
    for t in tareas:
        orden += 1
        Tarea.objects.filter(pk=t.pk).update(incidente=maestro, orden=orden,
                                             codigo_paso=f"propia-{orden - ORDEN_BASE}")
        filas.append(_fila(maestro, tipo=TipoEntrada.TAREA, actor=actor,
                           visible=mover and t.compartida,
                           texto=_("Tarea «%(t)s» desde %(c)s.") % {"t": t.titulo,
                                                                   "c": dup.codigo},
                           datos={"tarea_id": t.pk, "propia": True, "desde": _desde(dup)}))
    EntradaTimeline.objects.bulk_create(filas)
    return len(filas)


def _bloquear(actor, dup_id: int, maestro_id: int) -> tuple[Incidente, Incidente]:
    # Both rows locked in id order: two merges crossing each other never deadlock.
    filas = {pk: incidente_obtener(usuario=actor, incidente_id=pk, para_actualizar=True)
             for pk in sorted({dup_id, maestro_id})}
    return filas[dup_id], filas[maestro_id]


def _validar(dup: Incidente, maestro: Incidente, *, confirmar_otra_entidad: bool) -> None:
    if maestro.pk == dup.pk or maestro.estado == Estado.DUPLICADO:
        raise ErrorValidacion(extra={"maestro_id": [
            _("El maestro debe ser otro incidente que no sea a su vez duplicado.")]})
    if dup.fusionado_en is not None:
        raise TransicionInvalida(_("%(c)s ya fue fusionado en su maestro.") % {"c": dup.codigo})
    if dup.estado == Estado.DUPLICADO and dup.maestro_id != maestro.pk:
        raise ErrorValidacion(extra={"maestro_id": [
            _("%(c)s ya está marcado como duplicado de otro incidente; quite esa marca "
              "primero.") % {"c": dup.codigo}]})
    if dup.entidad_id != maestro.entidad_id and not confirmar_otra_entidad:
        raise ErrorValidacion(extra={"confirmar_otra_entidad": [
            _("%(d)s y %(m)s son de entidades distintas. Confirme que desea unirlos: cada "
              "entidad seguirá viendo solo su parte.") % {"d": dup.codigo, "m": maestro.codigo}]})


def incidente_fusionar(*, actor, incidente_id: int, maestro_id: int | str,
                       confirmar_otra_entidad: bool = False, comentario: str = "") -> Fusion:
    """Merge incident ``incidente_id`` into ``maestro_id`` (an id or a code). Marks it
    duplicate first unless it already is (of that same master)."""
    exigir_gestion(actor)
    with transaction.atomic():
        incidente_obtener(usuario=actor, incidente_id=incidente_id)  # 404 before the master
        maestro_pk = _maestro(maestro_id, actor).pk
        dup, maestro = _bloquear(actor, incidente_id, maestro_pk)
        _validar(dup, maestro, confirmar_otra_entidad=confirmar_otra_entidad)
        entre = dup.entidad_id != maestro.entidad_id
        if dup.estado != Estado.DUPLICADO:
            texto = comentario.strip() or (
                _("Se unió al incidente %(c)s, donde sigue la atención.") % {"c": maestro.codigo}
                if not entre else _("Se unió a un incidente que el CGII ya atiende."))
            dup = incidente_transicionar(actor=actor, incidente_id=dup.pk,
                                         transicion=Transicion.MARCAR_DUPLICADO,
                                         comentario=texto, datos={"maestro_id": maestro.pk})
        mover = not entre
        mensajes = _mensajes(dup, maestro, mover=mover)
        mapa = _evidencias(dup, maestro, mover=mover, actor=actor)
        indicadores = _indicadores(dup, maestro, mover=mover, actor=actor)
        pasos = _pasos(dup, maestro, evidencias=mapa, actor=actor)
        tareas = _tareas_propias(dup, maestro, mover=mover, actor=actor)
        dup.fusionado_en = timezone.now()
        dup.save(update_fields=["fusionado_en", "actualizado"])
        maestro.save(update_fields=["actualizado"])
        cifras = {"mensajes": mensajes, "evidencias": len(mapa), "indicadores": indicadores,
                  "pasos": pasos, "tareas": tareas, "entre_entidades": entre}
        # One merge row on each side (audit + outbox, no notice: the transition gave it).
        registrar(maestro, actor=actor, tipo_entrada=TipoEntrada.FUSION, accion="fusionar",
                  evento="incidente.actualizado", visible_entidad=mover,
                  texto=_("Se fusionó el duplicado %(c)s: %(m)d mensaje(s), %(e)d evidencia(s), "
                          "%(i)d indicador(es), %(p)d paso(s) del protocolo.") % {
                      "c": dup.codigo, "m": mensajes, "e": len(mapa), "i": indicadores,
                      "p": pasos},
                  datos={**cifras, "duplicado": _desde(dup)},
                  despues={"duplicado": resumen(dup)})
        registrar(dup, actor=actor, tipo_entrada=TipoEntrada.FUSION, accion="fusionar",
                  evento="incidente.actualizado", visible_entidad=True,
                  texto=(_("Fusionado en %(c)s: sus mensajes y evidencias siguen allí.")
                         % {"c": maestro.codigo}) if mover else
                  _("Unido a un incidente que el CGII ya atiende; su reporte se conserva aquí."),
                  datos={**cifras, **({"maestro": {"id": maestro.pk, "codigo": maestro.codigo}}
                                      if mover else {})})
    return Fusion(dup, maestro, mensajes, len(mapa), indicadores, pasos, entre, tareas)
