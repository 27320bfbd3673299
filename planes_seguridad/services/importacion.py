"""Import an existing PISI from the XLSX template (``xlsx_plan``): assets, risks, SoA and
schedule, in one transaction — every row goes through the same code as the pages and the
API (the services' own validation), each in a savepoint so that every failing row is
reported with its sheet, row and column; if any row fails, nothing is stored.

Semantics (the template's «Instrucciones» say the same): assets and risks by code, and
activities by reference, are updated or created; those missing from a present sheet are
deleted; SoA rows are updated by control number (rows not listed are left as they are); a
sheet missing from the file leaves its part of the plan untouched. Only the entity's RSI or
MAE import, while the plan is borrador/observado. One history row for the whole import.
"""

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _

from cgii.errores import ArchivoDemasiadoGrande, ErrorDominio, ErrorValidacion

from .. import selectors, xlsx_plan
from ..models import Actividad, TipoEntrada
from .comun import exigir_editable, exigir_entidad, registrar
from .riesgos import (
    _aplicar_activo,
    _evaluar,
    _matriz,
    _retirar_aceptacion,
    _valores_riesgo,
    activo_crear_en,
    riesgo_crear_en,
)
from .soa import _aplicar_actividad, _validar_fila

GENERICO = {ErrorValidacion.mensaje_por_defecto}
CAMPOS_RIESGO_IMPORTADOS = ("codigo", "activo", "amenaza", "vulnerabilidad", "descripcion",
                            "probabilidad", "impacto", "tratamiento", "detalle_tratamiento",
                            "responsable", "controles", "probabilidad_residual",
                            "impacto_residual")


class _Filas:
    """Per-row errors, collected while the rows are applied."""

    def __init__(self):
        self.errores: list[dict] = []

    def agregar(self, hoja: str, numero: int | None, columna: str, mensaje: str) -> None:
        self.errores.append({"hoja": hoja, "fila": numero, "columna": columna,
                             "mensaje": mensaje})

    def correr(self, fila: xlsx_plan.FilaLeida, funcion):
        """``funcion()`` in a savepoint; a domain error becomes this row's error."""
        try:
            with transaction.atomic():
                return funcion()
        except ErrorDominio as exc:
            campos = {c: v for c, v in (exc.extra or {}).items() if isinstance(v, list | tuple)}
            columna = xlsx_plan.columna_de(fila.hoja, next(iter(campos), ""))
            if str(exc.message) in GENERICO and campos:
                mensaje = " ".join(str(m) for v in campos.values() for m in v)
            else:
                mensaje = str(exc.message)
            self.agregar(fila.hoja, fila.numero, columna if campos else "", mensaje)
            return None


def _leer_archivo(archivo) -> bytes:
    limite = getattr(settings, "PISI_IMPORTACION_MAX_BYTES", 10 * 1024 * 1024)
    if getattr(archivo, "size", 0) and archivo.size > limite:
        raise ArchivoDemasiadoGrande(extra={"maximo_bytes": limite})
    contenido = archivo.read(limite + 1)
    if len(contenido) > limite:
        raise ArchivoDemasiadoGrande(extra={"maximo_bytes": limite})
    return contenido


ORDEN_HOJAS = {"": 0, **{h: i for i, h in enumerate(xlsx_plan.HOJAS, start=1)}}


def _rechazo(errores: list[dict]) -> ErrorValidacion:
    """Every row's error, in the workbook's order (sheet, then row) as the person reads it."""
    errores = sorted(errores, key=lambda e: (ORDEN_HOJAS.get(e["hoja"], 99), e["fila"] or 0))
    return ErrorValidacion(
        _("El archivo tiene %(n)d error(es); no se guardó nada.") % {"n": len(errores)},
        extra={"filas": errores})


def _duplicados(filas, campo: str, hoja: str, registro: _Filas) -> None:
    vistos: dict[str, int] = {}
    for f in filas:
        clave = f.datos.get(campo)
        if not clave:
            continue
        if clave in vistos:
            registro.agregar(hoja, f.numero, xlsx_plan.columna_de(hoja, campo),
                             _("Repetido: también en la fila %(n)d.") % {"n": vistos[clave]})
        vistos.setdefault(clave, f.numero)


# ---- each sheet -----------------------------------------------------------------------------

def _activos(plan, actor, filas, registro: _Filas) -> set[str]:
    existentes = {a.codigo: a for a in plan.activos.select_for_update()}
    _duplicados(filas, "codigo", "Activos", registro)
    for f in filas:
        datos = {k: v for k, v in f.datos.items() if v is not None}
        activo = existentes.get(datos.get("codigo"))

        def aplicar(activo=activo, datos=datos):
            if activo is None:
                return activo_crear_en(plan, actor=actor, **datos)
            if _aplicar_activo(activo, datos):
                activo.save()
            return activo
        registro.correr(f, aplicar)
    return {f.datos.get("codigo") for f in filas}


def _cronograma(plan, actor, filas, registro: _Filas) -> dict[str, Actividad]:
    """Activities by reference: an existing activity's id updates it; any other reference
    creates one. Returns {reference: activity} for the risks' links."""
    existentes = {str(a.pk): a for a in plan.actividades.select_for_update()}
    _duplicados(filas, "ref", "Cronograma", registro)
    por_ref = {}
    for f in filas:
        ref = f.datos.get("ref") or f"fila {f.numero}"
        datos = {k: v for k, v in f.datos.items() if k != "ref"}
        datos["avance"] = datos.get("avance") or 0
        for campo in ("inicio_planificado", "fin_planificado", "inicio_real", "fin_real"):
            datos[campo] = datos[campo].isoformat() if datos.get(campo) else None
        datos["controles"] = datos.get("controles") or []
        actual = existentes.get(ref)

        def aplicar(act=actual, datos=datos):
            act = act or Actividad(plan=plan, titulo="")
            _c, filas_soa = _aplicar_actividad(act, datos, plan)
            act.save()
            act.controles.set(filas_soa or [])
            return act
        act = registro.correr(f, aplicar)
        if act is not None:
            por_ref[ref] = act
    return por_ref


def _aplicabilidad(plan, filas, registro: _Filas) -> int:
    por_numero = {f.control.numero: f for f in plan.soa.select_for_update(of=("self",))
                  .select_related("control")}
    _duplicados(filas, "control", "Aplicabilidad", registro)
    cambiadas = 0
    for f in filas:
        fila = por_numero.get(f.datos.get("control") or "")
        if fila is None:
            registro.agregar("Aplicabilidad", f.numero, "Control",
                             _("Control desconocido en el catálogo del plan: %(c)s.")
                             % {"c": f.datos.get("control") or "—"})
            continue
        campos = {k: v for k, v in f.datos.items() if k != "control"}
        campos["fecha_objetivo"] = (campos["fecha_objetivo"].isoformat()
                                    if campos.get("fecha_objetivo") else None)
        campos["madurez"] = campos.get("madurez") or 0
        campos["estado_implementacion"] = campos.get("estado_implementacion") or "no_iniciado"

        def aplicar(fila=fila, campos=campos):
            if _validar_fila(fila, campos, plan):
                fila.save()
                return True
            return False
        cambiadas += bool(registro.correr(f, aplicar))
    return cambiadas


def _riesgos(plan, actor, filas, actividades: dict, registro: _Filas) -> set[str]:
    matriz = _matriz(plan)
    existentes = {e.codigo: e for e in plan.riesgos.select_for_update(of=("self",))}
    _duplicados(filas, "codigo", "Riesgos", registro)
    for f in filas:
        refs = f.datos.get("actividades") or []
        desconocidas = [r for r in refs if r not in actividades]
        if desconocidas:
            registro.agregar("Riesgos", f.numero, "Actividades (ref.)",
                             _("Referencias que no están en la hoja Cronograma: %(r)s.")
                             % {"r": ", ".join(desconocidas)})
            continue
        datos = {k: f.datos.get(k) for k in CAMPOS_RIESGO_IMPORTADOS}
        datos["tratamiento"] = datos["tratamiento"] or ""
        datos["controles"] = datos["controles"] or []
        datos["actividades"] = [actividades[r].pk for r in refs]
        if not datos["codigo"]:
            datos.pop("codigo")
        esc = existentes.get(datos.get("codigo"))

        def aplicar(esc=esc, datos=datos):
            if esc is None:
                return riesgo_crear_en(plan, actor=actor, matriz=matriz, **datos)
            antes = {c: getattr(esc, c) for c in ("probabilidad", "impacto", "tratamiento",
                                                   "probabilidad_residual", "impacto_residual")}
            _c, relaciones = _valores_riesgo(esc, datos, plan, matriz)
            _evaluar(esc, matriz)
            if any(getattr(esc, c) != v for c, v in antes.items()):
                _retirar_aceptacion(esc)
            esc.save()
            for campo, valores in relaciones.items():
                getattr(esc, campo).set(valores)
            return esc
        registro.correr(f, aplicar)
    return {f.datos.get("codigo") for f in filas}


# ---- the service ----------------------------------------------------------------------------

def plan_importar_xlsx(*, actor, plan_id: int, archivo) -> dict:
    """Apply a filled template to an editable plan; returns what changed. Any error in any
    row: ``ErrorValidacion`` with ``extra["filas"]`` (sheet, Excel row, column, message) and
    nothing stored."""
    plan = selectors.plan_obtener(usuario=actor, plan_id=plan_id)  # 404 before reading
    exigir_entidad(plan, actor)
    exigir_editable(plan)
    lectura = xlsx_plan.leer(_leer_archivo(archivo))
    if lectura.errores:
        raise _rechazo(lectura.errores)
    registro = _Filas()
    with transaction.atomic():
        plan = selectors.plan_obtener(usuario=actor, plan_id=plan_id, para_actualizar=True)
        exigir_entidad(plan, actor)
        exigir_editable(plan)
        hojas = lectura.hojas
        resumen = {"activos": 0, "riesgos": 0, "controles": 0, "actividades": 0,
                   "eliminados": 0}
        if "Activos" in hojas:
            codigos_activos = _activos(plan, actor, hojas["Activos"], registro)
            resumen["activos"] = len(hojas["Activos"])
        actividades = {str(a.pk): a for a in plan.actividades.all()}
        if "Cronograma" in hojas:
            actividades = _cronograma(plan, actor, hojas["Cronograma"], registro)
            resumen["actividades"] = len(hojas["Cronograma"])
        if "Aplicabilidad" in hojas:
            resumen["controles"] = _aplicabilidad(plan, hojas["Aplicabilidad"], registro)
        if "Riesgos" in hojas:
            codigos_riesgos = _riesgos(plan, actor, hojas["Riesgos"], actividades, registro)
            resumen["riesgos"] = len(hojas["Riesgos"])
            borrados, _d = plan.riesgos.exclude(codigo__in=codigos_riesgos).delete()
            resumen["eliminados"] += borrados
        if "Cronograma" in hojas:
            borrados, _d = (plan.actividades.exclude(pk__in=[a.pk for a in actividades.values()])
                            .delete())
            resumen["eliminados"] += borrados
        if "Activos" in hojas:
            for activo in plan.activos.exclude(codigo__in=codigos_activos):
                usados = list(activo.riesgos.values_list("codigo", flat=True))
                if usados:
                    registro.agregar("Activos", None, "Código", _(
                        "El activo %(a)s no está en el archivo pero lo usan los riesgos %(r)s.")
                        % {"a": activo.codigo, "r": ", ".join(usados)})
                else:
                    activo.delete()
                    resumen["eliminados"] += 1
        if registro.errores:
            raise _rechazo(registro.errores)  # the whole transaction rolls back
        registrar(plan, actor=actor, tipo_entrada=TipoEntrada.IMPORTACION,
                  accion="importar_xlsx", evento="pisi.actualizado",
                  texto=_("Plan importado desde XLSX: %(a)d activos, %(r)d riesgos, %(c)d "
                          "controles cambiados, %(t)d actividades, %(e)d elementos "
                          "eliminados.") % {"a": resumen["activos"], "r": resumen["riesgos"],
                                           "c": resumen["controles"],
                                           "t": resumen["actividades"],
                                           "e": resumen["eliminados"]},
                  datos=resumen)
    return resumen
