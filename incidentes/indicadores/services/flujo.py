"""The import task on PostgreSQL: the bundle file is streamed, analysed and written one
batch (``INDICADORES_STIX_LOTE`` objects) at a time, so memory does not grow with the bundle.

Each batch is analysed like a whole bundle (``analizar_lote``) and written in its own
transaction (indicators by COPY, raw objects by COPY, incident links), so progress is real
and a batch is never half-stored. What a batch would change in rows that existed before it
(first/last seen; the TLP of a value an earlier batch of this import created) is kept in a
session table and applied in the last transaction, when the import is accepted.

The import is all or nothing for what it leaves: if a bad object turns up (and the user did
not ask for ``solo_validos``), or the JSON breaks or holds a NUL mid-stream, writing stops,
the analysis goes on only to complete the report, and what earlier batches wrote is removed
(the raw objects, the links to the target incident, the indicators this import created that
nothing else links). Only a crash of the worker itself leaves batches behind; the task is
idempotent and a retry converges.

References between batches: observed-data and sightings pointing at an object of another
batch are resolved at the end through the import's own ``ObjetoSTIX`` rows (they keep the
object's indicator); what a batch cannot resolve is kept until then (memory proportional to
such cross-batch references, not to objects). A TLP marking-definition that a producer puts
*after* objects using it (producers put them first) makes the import start again with the
marking known (one more pass over the file).
"""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from django.db import connection, transaction
from django.utils import timezone

from cgii.auditoria.services import auditoria_registrar
from cgii.entrada import JSONNoAdmitido, revisar_json
from incidentes.selectors import incidente_obtener

from .. import conf, flujo, stix
from ..analisis import BundleInvalido, analizar_lote, sumar_avistamiento
from ..escritura import aplicar_diferidos, guardar_objetos, preparar_diferidos, upsert_indicadores
from ..models import (
    EstadoImportacion,
    ImportacionSTIX,
    Indicador,
    IndicadorIncidente,
    ObjetoSTIX,
    OrigenIndicador,
)

E = EstadoImportacion


class _MarcaTardia(Exception):  # noqa: N818 - internal signal: start again
    pass


@dataclass
class _Estado:
    """What is kept across batches (bounded: counters, the capped report, cross-batch refs)."""

    escribir: bool = True
    reiniciar: bool = False
    total: int = 0
    validos: int = 0
    errores: list = field(default_factory=list)
    total_errores: int = 0
    conteo_tipos: dict = field(default_factory=dict)
    no_interpretados: int = 0
    nuevos: int = 0
    existentes: int = 0
    vinculados: int = 0
    primeros_vinculos: list = field(default_factory=list)
    pendientes: list = field(default_factory=list)     # observed-data refs (ref, first, last)
    externos: list = field(default_factory=list)       # sightings (ref, first, last, count)

    def contadores(self) -> dict:
        return {"objetos": self.total, "validos": self.validos, "errores": self.total_errores,
                "valores_unicos": self.nuevos + self.existentes,
                "no_interpretados": self.no_interpretados,
                "por_tipo": dict(sorted(self.conteo_tipos.items())),
                "indicadores_nuevos": self.nuevos, "indicadores_existentes": self.existentes,
                "vinculados": self.vinculados}


def _tiene_nul(ruta: Path) -> bool:
    """Whether the file holds the escape ``\\u0000`` (read in blocks; a NUL character can
    only be written that way in JSON)."""
    aguja = b"\\u0000"
    cola = b""
    with ruta.open("rb") as f:
        while bloque := f.read(1 << 22):
            if aguja in cola + bloque[:len(aguja)] or aguja in bloque:
                return True
            cola = bloque[-len(aguja):]
    return False


def procesar_en_flujo(importacion: ImportacionSTIX, ruta: Path, *, avance, rechazar,
                      fallar) -> None:
    """Run the import; ``avance``/``rechazar``/``fallar`` are importacion.py's helpers."""
    marcas = dict(stix.TLP_POR_ID)
    momento = importacion.iniciado or timezone.now()
    incidente = None
    if importacion.incidente_id:
        incidente = incidente_obtener(usuario=importacion.usuario,
                                      incidente_id=importacion.incidente_id)
    while True:
        preparar_diferidos()
        try:
            estado = _pasada(importacion, ruta, marcas, incidente, momento, avance)
        except _MarcaTardia:
            _deshacer(importacion, momento)
            continue
        except BundleInvalido as exc:
            _deshacer(importacion, momento)
            fallar(importacion, str(exc))
            return
        except Exception:
            _deshacer(importacion, momento)
            raise
        break
    if estado.total_errores and not importacion.solo_validos:
        _deshacer(importacion, momento)
        rechazar(importacion, estado.errores, estado.total_errores, estado.contadores())
        return
    with transaction.atomic():
        _resolver_referencias(importacion, estado, incidente, momento)
        aplicar_diferidos(importacion.pk)
        if incidente is not None:
            incidente = incidente_obtener(usuario=importacion.usuario,
                                          incidente_id=importacion.incidente_id,
                                          para_actualizar=True)
            from .importacion import anotar_vinculos

            anotar_vinculos(incidente, importacion, estado.vinculados,
                            estado.primeros_vinculos)
        importacion.estado = E.COMPLETADA
        importacion.progreso = 100
        importacion.procesados = importacion.total_objetos = estado.total
        importacion.errores = estado.errores
        importacion.total_errores = estado.total_errores
        importacion.contadores = estado.contadores()
        importacion.terminado = timezone.now()
        importacion.save()
        auditoria_registrar(actor=importacion.usuario, accion="stix.importar.completada",
                            objeto=importacion, datos=importacion.contadores)
        from .importacion import _emitir

        _emitir(importacion)


_ANALISTA: tuple[int, ThreadPoolExecutor] | None = None


def _analista() -> ThreadPoolExecutor:
    """The thread that analyses batch k+1 while this one writes batch k (the analysis never
    touches the database; the writes wait for the server much of the time, which releases
    the GIL). Not escritura.ayudante(): the writer itself queues work there."""
    global _ANALISTA
    if _ANALISTA is None or _ANALISTA[0] != os.getpid():
        _ANALISTA = (os.getpid(), ThreadPoolExecutor(max_workers=1,
                                                     thread_name_prefix="stix-analisis"))
    return _ANALISTA[1]


def _analizar(objetos, base, marcas, sin_definir, tlp_defecto, revisar_nul):
    """(analysis, whether this batch defined a TLP marking an earlier one already used)."""
    if base == 0:
        flujo.verificar_primer_lote(objetos)
    if revisar_nul:
        try:
            revisar_json(objetos, profundidad_maxima=1024)
        except JSONNoAdmitido as exc:
            raise BundleInvalido(str(exc)) from None
    antes = set(marcas)
    a = analizar_lote(objetos, base=base, marcas=marcas, marcas_sin_definir=sin_definir,
                      tlp_defecto=tlp_defecto)
    return a, bool(sin_definir & (set(marcas) - antes))


def _pasada(importacion, ruta: Path, marcas: dict, incidente, momento, avance) -> _Estado:
    estado = _Estado()
    tamano_lote = conf.valor("INDICADORES_STIX_LOTE")
    sin_definir: set = set()
    revisar_nul = _tiene_nul(ruta)
    bytes_total = max(1, ruta.stat().st_size)
    estado.reiniciar = False
    leidos = 0
    with ruta.open("rb") as archivo:
        flujo.verificar_cabecera(archivo)
        previo = None
        for objetos in flujo.lotes(archivo, tamano_lote):
            futuro = _analista().submit(_analizar, objetos, leidos, marcas, sin_definir,
                                        importacion.tlp_defecto, revisar_nul)
            leidos += len(objetos)
            if previo is not None:
                _tratar(importacion, estado, previo.result(), incidente, momento)
                avance(importacion, 95 * archivo.tell() // bytes_total,
                       procesados=estado.total, emitir=True)
            previo = futuro
            del objetos
        if previo is not None:
            _tratar(importacion, estado, previo.result(), incidente, momento)
            avance(importacion, 95, procesados=estado.total, emitir=True)
    if estado.reiniciar:
        raise _MarcaTardia
    return estado


def _tratar(importacion, estado: _Estado, analizado, incidente, momento) -> None:
    """Count one analysed batch and write it (unless the import is already lost)."""
    a, tardia = analizado
    if tardia:
        estado.reiniciar, estado.escribir = True, False
    estado.total += a.total
    estado.validos += len(a.filas)
    estado.total_errores += len(a.errores)
    maximo = conf.valor("INDICADORES_STIX_ERRORES_MAX")
    estado.errores.extend(a.errores[:max(0, maximo - len(estado.errores))])
    estado.no_interpretados += a.no_interpretados
    for tipo, n in a.conteo_tipos.items():
        estado.conteo_tipos[tipo] = estado.conteo_tipos.get(tipo, 0) + n
    if a.errores and not importacion.solo_validos:
        estado.escribir = False
    if estado.escribir:
        _escribir_lote(importacion, a, estado, incidente, momento)


def _escribir_lote(importacion, a, estado: _Estado, incidente, momento) -> None:
    with transaction.atomic():
        ids, nuevos = upsert_indicadores(list(a.entradas.values()),
                                         origen=OrigenIndicador.IMPORTACION,
                                         actor_id=importacion.usuario_id,
                                         importacion_id=importacion.pk, diferir=True)
        guardar_objetos([(f[0], f[1], f[2], f[3], f[4], ids.get(f[5][0]) if f[5] else None,
                          f[6]) for f in a.filas], importacion_id=importacion.pk)
        if incidente is not None:
            from .importacion import crear_vinculos

            creados = crear_vinculos(incidente, importacion, a, ids, momento)
            estado.vinculados += len(creados)
            if len(estado.primeros_vinculos) < 50:
                estado.primeros_vinculos.extend(v.indicador_id for v in creados[:50])
    estado.nuevos += nuevos
    estado.existentes += len(ids) - nuevos
    estado.pendientes.extend(a.pendientes)
    estado.externos.extend(a.externos)


def _resolver_referencias(importacion, estado: _Estado, incidente, momento) -> None:
    """Observed-data and sightings of objects in other batches (through this import's raw
    object rows), and, for an incident import, sightings of values already stored."""
    refs = {r for r, *_ in estado.pendientes} | {r for r, *_ in estado.externos}
    if not refs:
        return
    propios = dict(ObjetoSTIX.objects.filter(
        importacion=importacion, stix_id__in=refs, indicador__isnull=False).values_list(
        "stix_id", "indicador_id"))
    visto = [(propios[r], p, u, None) for r, p, u in estado.pendientes if r in propios]
    visto += [(propios[r], p, u, None) for r, p, u, _c in estado.externos if r in propios]
    if visto:
        from ..escritura import diferir_visto

        with connection.cursor() as cursor:
            diferir_visto(cursor, visto)
    if incidente is None:
        return
    # Sightings add to the links this import created (the values' other sightings were
    # counted in their own batch).
    ajenos = {r for r, *_ in estado.externos if r not in propios}
    otros = {}
    if ajenos:
        nuestros = stix.uuids_de_indicadores(ajenos)
        otros.update({nuestros[u]: pk for u, pk in Indicador.objects.filter(
            stix_uuid__in=nuestros).values_list("stix_uuid", "id")})
        otros.update({sid: pk for sid, pk in ObjetoSTIX.objects.filter(
            stix_id__in=ajenos - set(otros), indicador__isnull=False).values_list(
            "stix_id", "indicador_id")})
    por_indicador: dict[int, list] = {}
    for ref, primero, ultimo, cuenta in estado.externos:
        pk = propios.get(ref) or otros.get(ref)
        if pk is not None:
            sumar_avistamiento(por_indicador, pk, primero, ultimo, cuenta)
    vinculos = list(IndicadorIncidente.objects.filter(
        incidente=incidente, indicador_id__in=list(por_indicador),
        origen=OrigenIndicador.IMPORTACION, agregado_en=momento))
    for vinculo in vinculos:
        primero, ultimo, cuenta = por_indicador[vinculo.indicador_id]
        if primero:
            vinculo.primera_vez = min(filter(None, [vinculo.primera_vez, primero]))
        if ultimo:
            vinculo.ultima_vez = max(filter(None, [vinculo.ultima_vez, ultimo]))
        vinculo.conteo += cuenta
    IndicadorIncidente.objects.bulk_update(vinculos, ["primera_vez", "ultima_vez", "conteo"],
                                           batch_size=2000)


def _deshacer(importacion: ImportacionSTIX, momento) -> None:
    """Remove what the batches of this import wrote (see the module docstring)."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {ObjetoSTIX._meta.db_table} WHERE importacion_id = %s",
                       [importacion.pk])
        if importacion.incidente_id:
            cursor.execute(
                f"DELETE FROM {IndicadorIncidente._meta.db_table} WHERE incidente_id = %s "
                f"AND origen = %s AND agregado_en = %s",
                [importacion.incidente_id, OrigenIndicador.IMPORTACION, momento])
        cursor.execute(
            f"DELETE FROM {Indicador._meta.db_table} i WHERE i.importacion_id = %s "
            f"AND NOT EXISTS (SELECT 1 FROM {IndicadorIncidente._meta.db_table} v "
            f"WHERE v.indicador_id = i.id) AND NOT EXISTS (SELECT 1 FROM "
            f"{ObjetoSTIX._meta.db_table} o WHERE o.indicador_id = i.id)",
            [importacion.pk])
        cursor.execute("TRUNCATE _stix_diferido")
