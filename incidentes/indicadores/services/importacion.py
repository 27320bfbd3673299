"""Import a STIX 2.1 bundle into the national indicator store or into one incident.

``stix_importar`` (called by the API) checks who may import where and the size, then:

- small bundles (≤ ``INDICADORES_STIX_ASINCRONO_DESDE`` objects) are analysed and written in
  the request, in one transaction;
- larger ones are handed to the Celery task
  ``indicadores.stix_importar`` (scheduled on commit; eager in the embedded profile), which
  reports progress as ``stix.importacion.progreso`` events to the user's group and on the
  ``ImportacionSTIX`` row. The task writes in batches, each in its own transaction, and
  every batch is idempotent (upserts, raw objects replaced by position), so a retried task
  converges to the same result.

Either way the bundle file is kept in private storage with the import (``ruta``), as
received. If any object is bad the import is **rejected**: the row keeps the report of
every bad object (index, id, type, reason) and nothing else is written — unless the caller
asked for ``solo_validos``, in which case the bad objects are skipped and reported.
"""

from __future__ import annotations

import gc
import hashlib
import io
import logging
import time
import uuid
from contextlib import contextmanager
from functools import partial
from pathlib import Path

import orjson
from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cgii.auditoria.services import auditoria_registrar
from cgii.entidades.selectors import es_personal_cgii
from cgii.entrada import JSONNoAdmitido, revisar_json
from cgii.errores import ArchivoDemasiadoGrande, ErrorValidacion, PermisoDenegado
from cgii.eventos import grupos
from cgii.eventos.services import evento_emitir
from incidentes.models import TLP, TipoEntrada
from incidentes.selectors import incidente_obtener
from incidentes.services.comun import exigir_gestion, registrar

from .. import conf, flujo, stix
from ..analisis import (
    Analisis,
    BundleInvalido,
    analizar,
    sumar_avistamiento,
    verificar_documento,
)
from ..escritura import ayudante, guardar_objetos, upsert_indicadores
from ..models import (
    EstadoImportacion,
    ImportacionSTIX,
    Indicador,
    IndicadorIncidente,
    ObjetoSTIX,
    OrigenIndicador,
    RolIndicador,
)

log = logging.getLogger(__name__)
E = EstadoImportacion
CARPETA = "stix"


def _ruta_absoluta(relativa: str) -> Path:
    return Path(settings.ARCHIVOS_PRIVADOS_DIR) / relativa


@contextmanager
def sin_recolector():
    """Pause the cyclic garbage collector while a bundle is parsed and written.

    A bundle becomes hundreds of thousands of small dicts and lists that all stay alive
    until the end; every allocation burst triggers a collection that walks them again,
    which cost ~40 % of the analysis time. Nothing here creates reference cycles that need
    collecting early; the collector is re-enabled (and its state restored) afterwards.
    """
    activo = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if activo:
            gc.enable()


def stix_importar(*, actor, contenido: bytes, nombre_archivo: str = "",
                  incidente_id: int | None = None, solo_validos: bool = False,
                  tlp: str | None = None, forzar_orm: bool = False) -> ImportacionSTIX:
    """Import (or queue) a bundle. Raises ErrorValidacion with the per-object report when
    the bundle is rejected (the ImportacionSTIX row with that report is kept)."""
    with sin_recolector():
        return _importar(actor=actor, contenido=contenido, nombre_archivo=nombre_archivo,
                         incidente_id=incidente_id, solo_validos=solo_validos, tlp=tlp,
                         forzar_orm=forzar_orm)


def _importar(*, actor, contenido, nombre_archivo, incidente_id, solo_validos, tlp,
              forzar_orm) -> ImportacionSTIX:
    maximo = conf.valor("INDICADORES_STIX_MAX_BYTES")
    if len(contenido) > maximo:
        raise ArchivoDemasiadoGrande(extra={"maximo_bytes": maximo})
    incidente = None
    if es_personal_cgii(actor):
        exigir_gestion(actor)
    elif incidente_id is None:
        raise PermisoDenegado(_("Las entidades importan STIX en uno de sus incidentes."))
    if incidente_id is not None:
        incidente = incidente_obtener(usuario=actor, incidente_id=incidente_id)
    tlp_defecto = stix.tlp_codigo(tlp) if tlp else (incidente.tlp if incidente else TLP.AMBER)
    if tlp_defecto is None:
        raise ErrorValidacion(extra={"tlp": [_("TLP no válido.")]})
    datos, total = None, 0
    if len(contenido) > conf.valor("INDICADORES_STIX_FLUJO_DESDE_BYTES") \
            and connection.vendor == "postgresql":
        # A large bundle is never parsed whole here (memory): the document-level checks read
        # its head, the task streams the objects (and counts them).
        try:
            flujo.verificar_cabecera(io.BytesIO(contenido))
        except BundleInvalido as exc:
            raise ErrorValidacion(str(exc)) from None
    else:
        datos, total = _leer_pequeno(contenido)
    # The bundle is kept as received with the import (the per-object rows keep only what is
    # not represented elsewhere); removed again if nothing gets recorded. Hashing and
    # writing it happen on the helper thread (both release the GIL) during the analysis.
    relativa = f"{CARPETA}/{uuid.uuid4().hex}.json"
    destino = _ruta_absoluta(relativa)
    guardado = ayudante().submit(_guardar_bundle, destino, contenido)
    base = {"usuario": actor, "incidente": incidente,
            "entidad_id": incidente.entidad_id if incidente else None,
            "nombre_archivo": (nombre_archivo or "")[:255], "tamano": len(contenido),
            "solo_validos": solo_validos, "tlp_defecto": tlp_defecto, "total_objetos": total,
            "ruta": relativa}
    try:
        if datos is None or total > conf.valor("INDICADORES_STIX_ASINCRONO_DESDE"):
            return _encolar(actor, {**base, "sha256": guardado.result()}, total)
        try:
            analisis = analizar(datos, tlp_defecto=tlp_defecto)
        except BundleInvalido as exc:
            raise ErrorValidacion(str(exc)) from None
        importacion = ImportacionSTIX(**base, sha256=guardado.result(),
                                      iniciado=timezone.now())
        if analisis.errores and not solo_validos:
            _rechazar(importacion, analisis)
        with transaction.atomic():
            importacion.estado = E.PROCESANDO
            importacion.save()
            _aplicar(importacion, analisis, emitir=False, forzar_orm=forzar_orm)
        return importacion
    except BaseException:
        guardado.exception()          # wait for the writer before cleaning up
        if not ImportacionSTIX.objects.filter(ruta=relativa).exists():
            destino.unlink(missing_ok=True)
        raise


def _leer_pequeno(contenido: bytes) -> tuple[dict, int]:
    """(document, number of objects) of a bundle small enough to parse whole."""
    try:
        datos = orjson.loads(contenido)
    except orjson.JSONDecodeError as exc:
        raise ErrorValidacion(_("El archivo no es JSON válido: %(e)s") % {"e": exc}) from None
    if b"\\u0000" in contenido:
        # A NUL character can only be written as that escape; PostgreSQL stores none.
        # The (rare) bundles holding the text are walked to tell a NUL from "\\u0000".
        try:
            revisar_json(datos, profundidad_maxima=1024)
        except JSONNoAdmitido as exc:
            raise ErrorValidacion(str(exc)) from None
    try:
        total = len(verificar_documento(datos))
    except BundleInvalido as exc:
        raise ErrorValidacion(str(exc)) from None
    return datos, total


def _guardar_bundle(destino: Path, contenido: bytes) -> str:
    """Write the bundle as received and return its SHA-256."""
    destino.parent.mkdir(parents=True, exist_ok=True)
    destino.write_bytes(contenido)
    return hashlib.sha256(contenido).hexdigest()


def _encolar(actor, base: dict, total: int) -> ImportacionSTIX:
    with transaction.atomic():
        importacion = ImportacionSTIX.objects.create(**base)
        auditoria_registrar(actor=actor, accion="stix.importar", objeto=importacion,
                            datos={"objetos": total, "asincrona": True})
        _emitir(importacion)
        from ..tasks import stix_importar_tarea

        transaction.on_commit(partial(stix_importar_tarea.delay, importacion.pk))
    return importacion


def _errores_guardados(analisis: Analisis) -> list[dict]:
    return analisis.errores[:conf.valor("INDICADORES_STIX_ERRORES_MAX")]


def _rechazar(importacion: ImportacionSTIX, analisis: Analisis) -> None:
    """Keep the report, write nothing else, and answer 400 with it."""
    rechazar(importacion, _errores_guardados(analisis), len(analisis.errores),
             analisis.contadores())


def rechazar(importacion: ImportacionSTIX, errores: list, total_errores: int,
             contadores: dict) -> None:
    with transaction.atomic():
        importacion.estado = E.RECHAZADA
        importacion.errores = errores
        importacion.total_errores = total_errores
        importacion.contadores = contadores
        importacion.progreso = 100
        importacion.terminado = timezone.now()
        importacion.save()
        auditoria_registrar(actor=importacion.usuario, accion="stix.importar.rechazada",
                            objeto=importacion, datos={"errores": total_errores})
        _emitir(importacion)
    raise ErrorValidacion(
        _("El bundle tiene %(n)d objeto(s) con errores; no se importó nada. Corríjalos o "
          "importe solo los válidos.") % {"n": total_errores},
        extra={"importacion": importacion.pk, "total_errores": total_errores,
               "errores": importacion.errores})


def _emitir(importacion: ImportacionSTIX) -> None:
    """Progress event to the importing user's own stream (call inside a transaction)."""
    evento_emitir(
        tipo="stix.importacion.progreso",
        datos={"importacion": importacion.pk, "estado": importacion.estado,
               "progreso": importacion.progreso, "procesados": importacion.procesados,
               "total": importacion.total_objetos, "errores": importacion.total_errores},
        grupos=[grupos.grupo_usuario(importacion.usuario_id)],
        entidad_id=importacion.entidad_id,
    )


def _avance(importacion: ImportacionSTIX, progreso: int, *, procesados: int | None = None,
            emitir: bool) -> None:
    """Record progress; tell the user at most every INDICADORES_STIX_PROGRESO_SEGUNDOS (each
    event is a transaction and a websocket message: a bar needs a few per second at most)."""
    importacion.progreso = max(importacion.progreso, min(99, progreso))
    if procesados is not None:
        importacion.procesados = procesados
    ahora = time.monotonic()
    if emitir and ahora - getattr(importacion, "_ultimo_aviso", 0.0) >= conf.valor(
            "INDICADORES_STIX_PROGRESO_SEGUNDOS"):
        importacion._ultimo_aviso = ahora
        with transaction.atomic():
            ImportacionSTIX.objects.filter(pk=importacion.pk).update(
                progreso=importacion.progreso, procesados=importacion.procesados)
            _emitir(importacion)


def _resolver_externos(analisis: Analisis) -> None:
    """Sightings of indicators that are not in the bundle but already in our store (our own
    ids, or ids seen in an earlier import)."""
    if not analisis.externos:
        return
    refs = {ref for ref, *_ in analisis.externos}
    por_ref: dict[str, tuple[str, str]] = {}
    propios = stix.uuids_de_indicadores(refs)
    for u, tipo, valor in Indicador.objects.filter(stix_uuid__in=propios).values_list(
            "stix_uuid", "tipo", "valor"):
        por_ref[propios[u]] = (tipo, valor)
    for sid, tipo, valor in (ObjetoSTIX.objects.filter(stix_id__in=refs - set(por_ref),
                                                       indicador__isnull=False)
                             .values_list("stix_id", "indicador__tipo", "indicador__valor")):
        por_ref.setdefault(sid, (tipo, valor))
    for ref, primero, ultimo, cuenta in analisis.externos:
        clave = por_ref.get(ref)
        if clave is not None:
            sumar_avistamiento(analisis.avistamientos, clave, primero, ultimo, cuenta)


def _aplicar(importacion: ImportacionSTIX, analisis: Analisis, *, emitir: bool,
             forzar_orm: bool = False) -> None:
    """Write an analysed bundle. Each batch is its own transaction when ``emitir`` (task);
    inside the caller's transaction (savepoints) otherwise."""
    lote = conf.valor("INDICADORES_STIX_LOTE")
    actor = importacion.usuario
    entradas = list(analisis.entradas.values())
    ids: dict = {}
    nuevos = 0
    for i in range(0, len(entradas), lote):
        with transaction.atomic():
            parcial, n = upsert_indicadores(entradas[i:i + lote],
                                            origen=OrigenIndicador.IMPORTACION,
                                            actor_id=actor.pk, importacion_id=importacion.pk,
                                            forzar_orm=forzar_orm)
        ids.update(parcial)
        nuevos += n
        _avance(importacion, 30 + 40 * (i + lote) // max(1, len(entradas)), emitir=emitir)

    _resolver_externos(analisis)
    filas = analisis.filas
    for i in range(0, len(filas), lote):
        trozo = [(f[0], f[1], f[2], f[3], f[4], ids.get(f[5][0]) if f[5] else None, f[6])
                 for f in filas[i:i + lote]]
        with transaction.atomic():
            guardar_objetos(trozo, importacion_id=importacion.pk, forzar_orm=forzar_orm)
        _avance(importacion, 70 + 25 * (i + lote) // max(1, len(filas)),
                procesados=min(len(filas), i + lote), emitir=emitir)

    vinculados = 0
    with transaction.atomic():
        if importacion.incidente_id:
            vinculados = _vincular(importacion, analisis, ids)
        importacion.estado = E.COMPLETADA
        importacion.progreso = 100
        importacion.procesados = analisis.total
        importacion.errores = _errores_guardados(analisis)
        importacion.total_errores = len(analisis.errores)
        importacion.contadores = {**analisis.contadores(), "indicadores_nuevos": nuevos,
                                  "indicadores_existentes": len(ids) - nuevos,
                                  "vinculados": vinculados}
        importacion.terminado = timezone.now()
        importacion.save()
        auditoria_registrar(actor=actor, accion="stix.importar.completada", objeto=importacion,
                            datos=importacion.contadores)
        # Always, also for imports done in the request: sinks (the search index) and the
        # user's other tabs learn that it finished.
        _emitir(importacion)


def _vincular(importacion: ImportacionSTIX, analisis: Analisis, ids: dict) -> int:
    """Link every imported value to the target incident (sightings included)."""
    incidente = incidente_obtener(usuario=importacion.usuario,
                                  incidente_id=importacion.incidente_id, para_actualizar=True)
    crear = crear_vinculos(incidente, importacion, analisis, ids, timezone.now())
    anotar_vinculos(incidente, importacion, len(crear), [v.indicador_id for v in crear[:50]])
    return len(crear)


def crear_vinculos(incidente, importacion: ImportacionSTIX, analisis: Analisis, ids: dict,
                   ahora) -> list[IndicadorIncidente]:
    """The links of ``ids`` (one analysed batch) the incident does not have yet."""
    ya = set(IndicadorIncidente.objects.filter(
        incidente=incidente, indicador_id__in=list(ids.values())).values_list(
        "indicador_id", flat=True))
    crear = []
    for clave, indicador_id in ids.items():
        if indicador_id in ya:
            continue
        primero, ultimo, cuenta = analisis.avistamientos.get(clave, (None, None, 1))
        entrada = analisis.entradas[clave]
        crear.append(IndicadorIncidente(
            incidente=incidente, indicador_id=indicador_id,
            rol=RolIndicador.MALICIOSO if clave in analisis.claves_indicador
            else RolIndicador.RELACIONADO,
            valor_original=entrada.original[:10_000],
            origen=OrigenIndicador.IMPORTACION, agregado_por=importacion.usuario,
            agregado_en=ahora, primera_vez=primero, ultima_vez=ultimo, conteo=max(1, cuenta),
            # The bundle's own marking and confidence, kept with this sighting (vista).
            tlp=entrada.tlp, confianza=entrada.confianza, valido_hasta=entrada.valido_hasta))
    IndicadorIncidente.objects.bulk_create(crear, batch_size=2000)
    return crear


def anotar_vinculos(incidente, importacion: ImportacionSTIX, total: int,
                    primeros: list[int]) -> None:
    """One timeline entry for the links an import added."""
    if not total:
        return
    incidente.save(update_fields=["actualizado"])
    registrar(incidente, actor=importacion.usuario, tipo_entrada=TipoEntrada.INDICADORES,
              accion="indicadores", evento="timeline.nuevo", visible_entidad=True,
              texto=_("Importación STIX: %(n)d indicadores agregados.") % {"n": total},
              datos={"importacion": importacion.pk, "total": total,
                     "origen": OrigenIndicador.IMPORTACION, "indicadores": primeros[:50]})


def stix_importar_procesar(importacion_id: int) -> str:
    """Body of the Celery task: idempotent, re-reads state, safe to run twice."""
    with sin_recolector():
        return _procesar(importacion_id)


def _procesar(importacion_id: int) -> str:
    with transaction.atomic():
        importacion = (ImportacionSTIX.objects.select_for_update().select_related("usuario")
                       .filter(pk=importacion_id).first())
        if importacion is None or importacion.estado not in (E.PENDIENTE, E.PROCESANDO):
            return "nada"
        importacion.estado = E.PROCESANDO
        importacion.iniciado = importacion.iniciado or timezone.now()
        importacion.save(update_fields=["estado", "iniciado"])
        _emitir(importacion)
    ruta = _ruta_absoluta(importacion.ruta) if importacion.ruta else None
    try:
        if ruta is None or not ruta.exists():
            raise BundleInvalido(_("El archivo de la importación ya no existe."))
        if connection.vendor == "postgresql":
            from .flujo import procesar_en_flujo

            def rechazar_sin_excepcion(*args):
                try:
                    rechazar(*args)
                except ErrorValidacion:
                    pass

            procesar_en_flujo(importacion, ruta, avance=_avance,
                              rechazar=rechazar_sin_excepcion, fallar=_fallar)
            return importacion.estado
        contenido = ruta.read_bytes()

        def progreso(hechos, total):
            _avance(importacion, 30 * hechos // max(1, total), emitir=True)

        analisis = analizar(contenido, tlp_defecto=importacion.tlp_defecto, progreso=progreso,
                            cada=conf.valor("INDICADORES_STIX_LOTE"))
        if analisis.errores and not importacion.solo_validos:
            try:
                _rechazar(importacion, analisis)
            except ErrorValidacion:
                pass
        else:
            _aplicar(importacion, analisis, emitir=True)
    except BundleInvalido as exc:
        _fallar(importacion, str(exc))
    except Exception as exc:
        log.exception("Importación STIX %s fallida", importacion_id)
        _fallar(importacion, f"{type(exc).__name__}: {exc}")
        raise
    return importacion.estado


def _fallar(importacion: ImportacionSTIX, mensaje: str) -> None:
    with transaction.atomic():
        importacion.estado = E.FALLIDA
        importacion.mensaje = mensaje[:2000]
        importacion.terminado = timezone.now()
        importacion.save(update_fields=["estado", "mensaje", "terminado"])
        _emitir(importacion)
