"""Report parameters and the background generation of large report files.

``reporte_solicitar`` validates and records the request, and schedules the Celery task on
commit (DESIGN §3.7). ``reporte_generar`` is the task's body: it re-reads the row, is
idempotent (a finished report is left alone), re-checks that the user may still see the
report, builds the document reporting progress as ``reporte.progreso`` outbox events to the
user's own group, renders, stores the file in private storage and emits ``reporte.listo``
with the download URL. Any failure leaves ``estado=error`` with a Spanish message and no file.
"""

from __future__ import annotations

import logging
import uuid
from datetime import timedelta
from functools import partial

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.http import Http404, QueryDict
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from cgii import archivos
from cgii.auditoria.services import auditoria_registrar
from cgii.bd.replica import leer_de_replica
from cgii.errores import ErrorDominio, ErrorValidacion, NoEncontrado
from cgii.eventos import grupos
from cgii.eventos.services import evento_emitir

from . import registro
from .models import EstadoReporte, FormatoArchivo, ReporteGenerado

log = logging.getLogger(__name__)
E = EstadoReporte
CARPETA = "reportes"
# Query parameters the generic views use themselves; never passed to a report's form.
RESERVADOS = frozenset({"tabla", "formato", "csrfmiddlewaretoken"})
# A progress event at most every this many percentage points (each one is a transaction
# and a websocket message; a bar needs no more).
PASO_PROGRESO = 5
# The builder's progress fills the bar up to here; rendering the file takes the rest.
TECHO_CONSTRUCCION = 90
TIPOS_MIME = {
    "pdf": "application/pdf",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "csv": "text/csv; charset=utf-8",
}


class ParametrosInvalidos(ErrorValidacion):
    """The report's form rejected the parameters; ``formulario`` holds the bound form."""

    def __init__(self, formulario):
        self.formulario = formulario
        super().__init__(_("Revise los parámetros del reporte."),
                         extra={"errores": formulario.errors.get_json_data()})


class ReporteNoDisponible(ErrorDominio):
    status = 404
    mensaje_por_defecto = _("Este reporte no está disponible para usted.")


class DemasiadosEnCurso(ErrorDominio):
    status = 429
    mensaje_por_defecto = _("Ya tiene reportes generándose; espere a que terminen.")


# ---- parameters -------------------------------------------------------------------------


def parametros_de(consulta) -> dict[str, list[str]]:
    """A QueryDict (or plain dict) → {name: [values]} without the views' own keys; this is
    what ReporteGenerado.parametros stores (JSON) and what the links carry."""
    if isinstance(consulta, QueryDict):
        pares = consulta.lists()
    else:
        pares = ((k, v if isinstance(v, list) else [v]) for k, v in (consulta or {}).items())
    return {k: [str(x) for x in v] for k, v in pares if k not in RESERVADOS}


def consulta_de(parametros: dict[str, list[str]]) -> QueryDict:
    consulta = QueryDict(mutable=True)
    for nombre, valores in parametros.items():
        consulta.setlist(nombre, list(valores))
    consulta._mutable = False
    return consulta


def parametros_iniciales(tipo: registro.TipoReporte, usuario) -> dict[str, list[str]]:
    """The form's initial values as query parameters (what the page shows when opened with
    no query: a report for the default period, not an empty page)."""
    formulario = tipo.formulario(None, usuario=usuario)
    parametros: dict[str, list[str]] = {}
    for nombre, campo in formulario.fields.items():
        valor = campo.prepare_value(formulario[nombre].initial)
        if valor is None or valor == "" or valor is False:
            continue
        valores = list(valor) if isinstance(valor, (list, tuple, set)) else [valor]
        parametros[nombre] = [str(campo.prepare_value(v)) for v in valores]
    return parametros


def validar(tipo: registro.TipoReporte, parametros: dict[str, list[str]], usuario):
    """The type's bound and valid form, or ParametrosInvalidos."""
    formulario = tipo.formulario(consulta_de(parametros), usuario=usuario)
    if not formulario.is_valid():
        raise ParametrosInvalidos(formulario)
    return formulario


def tipo_visible(clave: str, usuario) -> registro.TipoReporte:
    """The registered type if this user may see it; otherwise the same NoEncontrado as an
    unknown key (never confirm that a report exists)."""
    tipo = registro.obtener(clave)
    if tipo is None or not tipo.puede_ver(usuario):
        raise NoEncontrado()
    return tipo


# ---- request --------------------------------------------------------------------------


def reporte_solicitar(*, usuario, tipo: registro.TipoReporte | str, parametros,
                      formato: str) -> ReporteGenerado:
    """Record a background generation and schedule it after commit."""
    tipo = tipo_visible(tipo if isinstance(tipo, str) else tipo.clave, usuario)
    if formato not in FormatoArchivo.values:
        raise ErrorValidacion(_("Formato no disponible: elija PDF o XLSX."),
                              extra={"formato": formato})
    parametros = parametros_de(parametros)
    validar(tipo, parametros, usuario)
    from .tasks import generar_reporte

    with transaction.atomic():
        _exigir_cupo(usuario)
        reporte = ReporteGenerado.objects.create(usuario=usuario, tipo=tipo.clave,
                                                 parametros=parametros, formato=formato)
        auditoria_registrar(actor=usuario, accion="reporte.solicitar", objeto=reporte,
                            datos={"tipo": tipo.clave, "formato": formato,
                                   "parametros": parametros})
        _emitir_progreso(reporte)
        transaction.on_commit(partial(generar_reporte.delay, reporte.pk))
    return reporte


def _exigir_cupo(usuario) -> None:
    """At most REPORTES_MAX_EN_CURSO generations of one user waiting or running (each holds
    a worker for seconds). The user's row is locked so two requests at once cannot both pass
    the count. A generation older than an hour no longer counts: its worker was lost."""
    get_user_model().objects.select_for_update().filter(pk=usuario.pk).exists()
    en_curso = ReporteGenerado.objects.filter(
        usuario=usuario, estado__in=(E.PENDIENTE, E.GENERANDO),
        creado__gte=timezone.now() - timedelta(hours=1)).count()
    maximo = settings.REPORTES_MAX_EN_CURSO
    if en_curso >= maximo:
        raise DemasiadosEnCurso(
            _("Ya tiene %(n)d reportes generándose (máximo %(m)d); espere a que terminen.")
            % {"n": en_curso, "m": maximo}, extra={"en_curso": en_curso, "maximo": maximo})


def reportes_purgar(*, ahora=None) -> int:
    """Generated files older than REPORTES_DIAS_CONSERVAR days go, row and file (the
    periodic job; the request that made each one stays in the audit trail). Files are
    removed after the rows' deletion commits, so a failure never leaves a row without its
    file; a file left behind by a crash is only disk space."""
    limite = (ahora or timezone.now()) - timedelta(days=settings.REPORTES_DIAS_CONSERVAR)
    with transaction.atomic():
        viejos = list(ReporteGenerado.objects.select_for_update(skip_locked=True)
                      .filter(creado__lt=limite).values_list("pk", "ruta"))
        if not viejos:
            return 0
        ReporteGenerado.objects.filter(pk__in=[pk for pk, _r in viejos]).delete()
        auditoria_registrar(actor="reportes.purgar", accion="reporte.purgar",
                            datos={"reportes": len(viejos), "anteriores_a": limite.isoformat(),
                                   "ids": [pk for pk, _r in viejos][:1000]})
    for _pk, ruta in viejos:
        if ruta:
            archivos.borrar_archivo(ruta)
    log.info("Reportes generados purgados: %d (anteriores a %s)", len(viejos), limite)
    return len(viejos)


def descarga_registrar(*, usuario, tipo: registro.TipoReporte, formato: str,
                       parametros: dict[str, list[str]], tabla: str = "") -> None:
    """Audit a direct download (PDF, XLSX, CSV): who took which figures out of the system.
    Viewing the page is not recorded; a file that leaves is."""
    datos = {"tipo": tipo.clave, "formato": formato, "parametros": parametros}
    if tabla:
        datos["tabla"] = tabla
    with transaction.atomic():
        auditoria_registrar(actor=usuario, accion="reporte.descargar", datos=datos)


# ---- generation (the Celery task's body) ------------------------------------------------


def url_archivo(reporte: ReporteGenerado) -> str:
    return reverse("reportes:archivo", args=[reporte.pk])


def estado_json(reporte: ReporteGenerado) -> dict:
    return {
        "id": reporte.pk, "tipo": reporte.tipo, "formato": reporte.formato,
        "estado": reporte.estado, "progreso": reporte.progreso, "mensaje": reporte.mensaje,
        "nombre": reporte.nombre,
        "url": url_archivo(reporte) if reporte.estado == E.LISTO else None,
    }


def _emitir_progreso(reporte: ReporteGenerado) -> None:
    """Progress to the requesting user's own stream (call inside a transaction)."""
    evento_emitir(
        tipo="reporte.progreso",
        datos={"reporte": reporte.pk, "estado": reporte.estado, "progreso": reporte.progreso,
               "mensaje": reporte.mensaje},
        grupos=[grupos.grupo_usuario(reporte.usuario_id)],
    )


class _Avance:
    """The ``progreso`` callback handed to ``construir``: maps the builder's 0–100 onto
    0–TECHO_CONSTRUCCION, never goes back, and writes/emits only every PASO_PROGRESO points."""

    def __init__(self, reporte: ReporteGenerado):
        self.reporte = reporte
        self.emitido = reporte.progreso

    def __call__(self, porcentaje: int, texto: str = "") -> None:
        valor = max(0, min(100, int(porcentaje))) * TECHO_CONSTRUCCION // 100
        self.fijar(valor, texto)

    def fijar(self, valor: int, texto: str = "") -> None:
        valor = max(self.reporte.progreso, min(99, valor))
        self.reporte.progreso = valor
        if texto:
            self.reporte.mensaje = str(texto)[:2000]
        if valor - self.emitido < PASO_PROGRESO:
            return
        self.emitido = valor
        with transaction.atomic():
            ReporteGenerado.objects.filter(pk=self.reporte.pk).update(
                progreso=valor, mensaje=self.reporte.mensaje)
            _emitir_progreso(self.reporte)


def renderizar(documento, formato: str) -> bytes:
    if formato == "pdf":
        from .pdf import renderizar_pdf

        return renderizar_pdf(documento)
    from .xlsx import renderizar_xlsx

    return renderizar_xlsx(documento)


def _guardar(contenido: bytes, formato: str) -> str:
    ruta = f"{CARPETA}/{timezone.localdate():%Y/%m}/{uuid.uuid4().hex}.{formato}"
    archivos.escribir_archivo(ruta, contenido)
    return ruta


def reporte_generar(reporte_id: int) -> str:
    """Body of ``reportes.generar``: idempotent, re-reads state, safe to run twice."""
    with transaction.atomic():
        reporte = (ReporteGenerado.objects.select_for_update().select_related("usuario")
                   .filter(pk=reporte_id).first())
        if reporte is None or reporte.estado in (E.LISTO, E.ERROR):
            return "nada"
        # "generando" again is a redelivery after a worker died (acks_late): start over.
        reporte.estado = E.GENERANDO
        reporte.progreso = 0
        reporte.mensaje = ""
        reporte.save(update_fields=["estado", "progreso", "mensaje"])
        _emitir_progreso(reporte)
    try:
        documento = _construir(reporte)
        avance = _Avance(reporte)
        avance.fijar(TECHO_CONSTRUCCION, _("Preparando el archivo…"))
        contenido = renderizar(documento, reporte.formato)
        nombre = archivos.nombre_seguro(f"{documento.nombre_archivo}.{reporte.formato}")
        return _terminar(reporte, contenido, nombre)
    except (Http404, NoEncontrado):
        _fallar(reporte, _("Lo que pidió no existe o ya no tiene acceso a ello."))
    except ErrorDominio as exc:
        _fallar(reporte, exc.message)
    except Exception:
        log.exception("Reporte %s (%s) fallido", reporte_id, reporte.tipo)
        _fallar(reporte, _("No se pudo generar el reporte por un error interno. Intente de "
                           "nuevo más tarde; si persiste, avise al administrador."))
    return E.ERROR


@leer_de_replica(aunque_haya_escrito=True)
def _construir(reporte: ReporteGenerado):
    usuario = reporte.usuario
    if not usuario.is_active:
        raise ReporteNoDisponible()
    tipo = registro.obtener(reporte.tipo)
    if tipo is None or not tipo.puede_ver(usuario):
        raise ReporteNoDisponible()
    try:
        formulario = validar(tipo, reporte.parametros or {}, usuario)
    except ParametrosInvalidos as exc:
        errores = "; ".join(str(m) for lista in exc.formulario.errors.values() for m in lista)
        raise ErrorValidacion(_("Los parámetros ya no son válidos: %(errores)s")
                              % {"errores": errores}) from None
    return tipo.construir(usuario=usuario, parametros=formulario.cleaned_data,
                          progreso=_Avance(reporte))


def _terminar(reporte: ReporteGenerado, contenido: bytes, nombre: str) -> str:
    ruta = _guardar(contenido, reporte.formato)
    try:
        with transaction.atomic():
            actual = ReporteGenerado.objects.select_for_update().get(pk=reporte.pk)
            if actual.estado != E.GENERANDO:
                # Another delivery of the task finished first: keep its file, drop ours.
                transaction.on_commit(partial(archivos.borrar_archivo, ruta))
                return "nada"
            actual.estado = E.LISTO
            actual.progreso = 100
            actual.mensaje = ""
            actual.ruta = ruta
            actual.nombre = nombre
            actual.tamano = len(contenido)
            actual.terminado_en = timezone.now()
            actual.save(update_fields=["estado", "progreso", "mensaje", "ruta", "nombre",
                                       "tamano", "terminado_en"])
            _emitir_progreso(actual)
            evento_emitir(tipo="reporte.listo",
                          datos={**estado_json(actual), "reporte": actual.pk},
                          grupos=[grupos.grupo_usuario(actual.usuario_id)])
    except BaseException:
        archivos.borrar_archivo(ruta)
        raise
    log.info("Reporte %s listo: %s (%d bytes)", reporte.pk, ruta, len(contenido))
    return E.LISTO


def _fallar(reporte: ReporteGenerado, mensaje: str) -> None:
    with transaction.atomic():
        reporte.estado = E.ERROR
        reporte.mensaje = str(mensaje)[:2000]
        reporte.terminado_en = timezone.now()
        reporte.save(update_fields=["estado", "mensaje", "terminado_en"])
        _emitir_progreso(reporte)


def archivo_de(*, usuario, reporte_id: int) -> ReporteGenerado:
    """The user's own finished report; anything else (another user's, not ready) is 404."""
    reporte = ReporteGenerado.objects.filter(pk=reporte_id, usuario=usuario,
                                             estado=E.LISTO).first()
    if reporte is None or not reporte.ruta:
        raise NoEncontrado()
    return reporte


def generado_de(*, usuario, reporte_id: int) -> ReporteGenerado:
    reporte = ReporteGenerado.objects.filter(pk=reporte_id, usuario=usuario).first()
    if reporte is None:
        raise NoEncontrado()
    return reporte
