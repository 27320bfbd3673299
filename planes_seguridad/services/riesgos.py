"""Risk management of a plan as records: information assets, risk scenarios (inherent risk
from the plan's matrix, treatment linked to SoA controls and schedule activities, residual
risk only once treated) and the MAE's acceptance of residual risk.

Assets and scenarios are the plan's content: the entity's RSI or MAE edit them while the plan
is borrador/observado; only the entity's MAE accepts risk. Each service is one transaction
with one history row + audit row + ``pisi.actualizado`` event (``comun.registrar``).
Inputs name things the way people and the XLSX template do: assets by code (``A-01``),
threats and vulnerabilities by catalog code (``A.24``, ``V.TEC.1``), controls by number,
activities by id.
"""

import re

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cgii.errores import ConflictoConcurrencia, ErrorValidacion, PermisoDenegado, TransicionInvalida

from .. import riesgo, selectors
from ..models import (
    ActivoInformacion,
    Clasificacion,
    EscenarioRiesgo,
    TipoActivo,
    TipoEntrada,
    Tratamiento,
)
from ..permisos import tiene_alguno
from .comun import exigir_editable, exigir_entidad, registrar, texto_limpio

CAMPOS_ACTIVO = ("codigo", "nombre", "tipo", "descripcion", "propietario", "ubicacion",
                 "clasificacion", "valor_c", "valor_i", "valor_d")
CAMPOS_RIESGO = ("codigo", "activo", "amenaza", "vulnerabilidad", "descripcion",
                 "probabilidad", "impacto", "tratamiento", "detalle_tratamiento", "responsable",
                 "controles", "actividades", "probabilidad_residual", "impacto_residual")
# What a scenario's MAE acceptance is about: changing any of these withdraws it.
CAMPOS_ACEPTADOS = ("probabilidad", "impacto", "tratamiento", "probabilidad_residual",
                    "impacto_residual")
CODIGO = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,19}$")


# ---- shared ---------------------------------------------------------------------------------

def _plan_para_escribir(actor, plan_id: int):
    plan = selectors.plan_obtener(usuario=actor, plan_id=plan_id, para_actualizar=True)
    exigir_entidad(plan, actor)
    exigir_editable(plan)
    return plan


def _matriz(plan):
    """The plan's matrix, binding a plan from before matrices existed to the one in force."""
    matriz = selectors.matriz_de(plan)
    if matriz is None:
        raise TransicionInvalida(_("No hay una matriz de riesgo cargada (cargar_catalogos)."))
    if plan.matriz_riesgo_id is None:
        plan.matriz_riesgo = matriz
        plan.save(update_fields=["matriz_riesgo", "actualizado"])
    return matriz


def _codigo(valor, campo: str) -> str:
    valor = texto_limpio(valor, campo, maximo=20, obligatorio=True)
    if not CODIGO.match(valor):
        raise ErrorValidacion(extra={campo: [
            _("Código no válido: letras, números, punto, guion o guion bajo (máx. 20).")]})
    return valor


def _siguiente_codigo(qs, prefijo: str) -> str:
    usados = set(qs.values_list("codigo", flat=True))
    n = len(usados) + 1
    while f"{prefijo}-{n:02d}" in usados:
        n += 1
    return f"{prefijo}-{n:02d}"


def _entero(valor, campo: str, maximo: int, *, nulo: bool = True) -> int | None:
    if valor in (None, "") and nulo:
        return None
    if isinstance(valor, str) and valor.strip().isdigit():
        valor = int(valor.strip())
    if isinstance(valor, bool) or not isinstance(valor, int) or not 1 <= valor <= maximo:
        raise ErrorValidacion(extra={campo: [_("Debe ser un entero de 1 a %(n)d.")
                                             % {"n": maximo}]})
    return valor


def _opcion(valor, campo: str, choices, *, vacio: bool = False) -> str:
    valor = (valor or "").strip() if isinstance(valor, str) else valor
    if vacio and valor in ("", None):
        return ""
    if valor not in choices.values:
        raise ErrorValidacion(extra={campo: [
            _("Valor no válido; use: %(v)s.") % {"v": ", ".join(choices.values)}]})
    return valor


# ---- assets ---------------------------------------------------------------------------------

def _aplicar_activo(activo: ActivoInformacion, campos: dict) -> list[str]:
    if ajenos := sorted(set(campos) - set(CAMPOS_ACTIVO)):
        raise ErrorValidacion(extra={c: [_("Campo desconocido.")] for c in ajenos})
    cambiados = []
    for campo, valor in campos.items():
        if campo == "codigo":
            valor = _codigo(valor, campo)
        elif campo in ("nombre", "propietario"):
            valor = texto_limpio(valor, campo, maximo=200, obligatorio=True)
        elif campo == "ubicacion":
            valor = texto_limpio(valor, campo, maximo=200)
        elif campo == "descripcion":
            valor = texto_limpio(valor, campo, maximo=4000)
        elif campo == "tipo":
            valor = _opcion(valor, campo, TipoActivo)
        elif campo == "clasificacion":
            valor = _opcion(valor, campo, Clasificacion)
        else:
            valor = _entero(valor, campo, 5, nulo=False)
        if getattr(activo, campo) != valor:
            setattr(activo, campo, valor)
            cambiados.append(campo)
    faltan = [c for c in ("nombre", "tipo", "propietario", "clasificacion", "valor_c",
                          "valor_i", "valor_d") if getattr(activo, c) in (None, "")]
    if faltan:
        raise ErrorValidacion(extra={c: [_("Este campo es obligatorio.")] for c in faltan})
    return cambiados


def activo_crear_en(plan, *, actor, **campos) -> ActivoInformacion:
    """On a locked, editable plan (the caller's transaction; the XLSX import uses it)."""
    activo = ActivoInformacion(plan=plan)
    if not campos.get("codigo"):
        campos["codigo"] = _siguiente_codigo(plan.activos, "A")
    _aplicar_activo(activo, campos)
    if plan.activos.filter(codigo=activo.codigo).exists():
        raise ErrorValidacion(extra={"codigo": [
            _("Ya existe el activo %(c)s en este plan.") % {"c": activo.codigo}]})
    activo.save()
    return activo


def activo_crear(*, actor, plan_id: int, **campos) -> ActivoInformacion:
    try:
        with transaction.atomic():
            plan = _plan_para_escribir(actor, plan_id)
            activo = activo_crear_en(plan, actor=actor, **campos)
            registrar(plan, actor=actor, tipo_entrada=TipoEntrada.RIESGO,
                      accion="activo.crear", evento="pisi.actualizado",
                      texto=_("Activo de información agregado: %(c)s %(n)s.")
                      % {"c": activo.codigo, "n": activo.nombre},
                      datos={"activo_id": activo.pk}, objeto=activo)
    except IntegrityError:
        raise ConflictoConcurrencia() from None
    return activo


def activo_actualizar(*, actor, plan_id: int, activo_id: int, **campos) -> ActivoInformacion:
    with transaction.atomic():
        plan = _plan_para_escribir(actor, plan_id)
        activo = selectors.activo_obtener(plan=plan, activo_id=activo_id, para_actualizar=True)
        antes = {c: getattr(activo, c) for c in campos if c in CAMPOS_ACTIVO}
        cambiados = _aplicar_activo(activo, campos)
        if "codigo" in cambiados and plan.activos.filter(codigo=activo.codigo).exclude(
                pk=activo.pk).exists():
            raise ErrorValidacion(extra={"codigo": [
                _("Ya existe el activo %(c)s en este plan.") % {"c": activo.codigo}]})
        if cambiados:
            activo.save(update_fields=[*cambiados, "actualizado"])
            registrar(plan, actor=actor, tipo_entrada=TipoEntrada.RIESGO,
                      accion="activo.editar", evento="pisi.actualizado",
                      texto=_("Activo de información actualizado: %(c)s.") % {"c": activo.codigo},
                      datos={"activo_id": activo.pk, "campos": cambiados},
                      antes={c: antes[c] for c in cambiados},
                      despues={c: getattr(activo, c) for c in cambiados}, objeto=activo)
    return activo


def activo_eliminar(*, actor, plan_id: int, activo_id: int) -> None:
    with transaction.atomic():
        plan = _plan_para_escribir(actor, plan_id)
        activo = selectors.activo_obtener(plan=plan, activo_id=activo_id, para_actualizar=True)
        escenarios = list(activo.riesgos.values_list("codigo", flat=True))
        if escenarios:
            raise TransicionInvalida(
                _("El activo %(a)s tiene escenarios de riesgo (%(r)s): elimínelos o cámbieles "
                  "el activo primero.") % {"a": activo.codigo, "r": ", ".join(escenarios)})
        datos = {"activo_id": activo.pk, "codigo": activo.codigo, "nombre": activo.nombre}
        activo.delete()
        registrar(plan, actor=actor, tipo_entrada=TipoEntrada.RIESGO, accion="activo.eliminar",
                  evento="pisi.actualizado",
                  texto=_("Activo de información eliminado: %(c)s %(n)s.") % {
                      "c": datos["codigo"], "n": datos["nombre"]}, datos=datos)


# ---- risk scenarios -------------------------------------------------------------------------

def _elemento(codigo, campo: str, qs, *, obligatorio: bool):
    codigo = texto_limpio(codigo, campo, maximo=20, obligatorio=obligatorio)
    if not codigo:
        return None
    elemento = qs.filter(codigo=codigo).first()
    if elemento is None:
        raise ErrorValidacion(extra={campo: [
            _("Código desconocido en el catálogo vigente: %(c)s.") % {"c": codigo}]})
    return elemento


def _controles(plan, numeros) -> list:
    from .soa import _filas_por_numero

    filas = _filas_por_numero(plan, numeros)
    excluidos = sorted(f.control.numero for f in filas if f.aplica is False)
    if excluidos:
        raise ErrorValidacion(extra={"controles": [
            _("Controles excluidos de la declaración no pueden tratar un riesgo: %(c)s.")
            % {"c": ", ".join(excluidos)}]})
    return filas


def _actividades(plan, ids) -> list:
    if not isinstance(ids, list | tuple) or not all(
            isinstance(i, int) and not isinstance(i, bool) for i in ids):
        raise ErrorValidacion(extra={"actividades": [_("Lista de ids de actividades.")]})
    actividades = list(plan.actividades.filter(pk__in=ids))
    if len(actividades) != len(set(ids)):
        raise ErrorValidacion(extra={"actividades": [
            _("Actividades que no están en el cronograma del plan.")]})
    return actividades


def _valores_riesgo(esc: EscenarioRiesgo, campos: dict, plan, matriz) -> tuple[list, dict]:
    """Validate and set the scalar fields; returns (changed fields, relations to set)."""
    if ajenos := sorted(set(campos) - set(CAMPOS_RIESGO)):
        raise ErrorValidacion(extra={c: [_("Campo desconocido.")] for c in ajenos})
    n_p, n_i = riesgo.dimensiones(matriz)
    relaciones, cambiados = {}, []
    for campo, valor in campos.items():
        if campo == "codigo":
            valor = _codigo(valor, campo)
        elif campo == "activo":
            codigo = texto_limpio(valor, campo, maximo=20, obligatorio=True)
            valor = plan.activos.filter(codigo=codigo).first()
            if valor is None:
                raise ErrorValidacion(extra={campo: [
                    _("El plan no tiene el activo %(c)s.") % {"c": codigo}]})
        elif campo == "amenaza":
            valor = _elemento(valor, campo, selectors.amenazas_vigentes(), obligatorio=True)
        elif campo == "vulnerabilidad":
            valor = _elemento(valor, campo, selectors.vulnerabilidades_vigentes(),
                              obligatorio=False)
        elif campo in ("probabilidad", "probabilidad_residual"):
            valor = _entero(valor, campo, n_p)
        elif campo in ("impacto", "impacto_residual"):
            valor = _entero(valor, campo, n_i)
        elif campo == "tratamiento":
            valor = _opcion(valor, campo, Tratamiento, vacio=True)
        elif campo in ("descripcion", "detalle_tratamiento"):
            valor = texto_limpio(valor, campo, maximo=4000)
        elif campo == "responsable":
            valor = texto_limpio(valor, campo, maximo=200)
        elif campo == "controles":
            relaciones[campo] = _controles(plan, valor)
            continue
        else:  # actividades
            relaciones[campo] = _actividades(plan, valor)
            continue
        if campo in ("activo", "amenaza", "vulnerabilidad"):
            # Compared by id: an unsaved scenario has no related object to read yet.
            igual = getattr(esc, f"{campo}_id") == (valor.pk if valor else None)
        else:
            igual = getattr(esc, campo) == valor
        if not igual:
            setattr(esc, campo, valor)
            cambiados.append(campo)
    return cambiados, relaciones


def _evaluar(esc: EscenarioRiesgo, matriz) -> list[str]:
    """Levels from the matrix and the rules between inherent risk, treatment and residual
    risk. Returns the derived fields it set."""
    if esc.activo_id is None or esc.amenaza_id is None:
        raise ErrorValidacion(extra={c: [_("Este campo es obligatorio.")]
                                     for c in ("activo", "amenaza")
                                     if getattr(esc, f"{c}_id") is None})
    errores = {}
    for p, i, campo in (("probabilidad", "impacto", "probabilidad"),
                        ("probabilidad_residual", "impacto_residual", "probabilidad_residual")):
        if (getattr(esc, p) is None) != (getattr(esc, i) is None):
            errores[campo] = [_("Indique la probabilidad y el impacto juntos.")]
    if errores:
        raise ErrorValidacion(extra=errores)
    if esc.tratamiento == Tratamiento.ACEPTAR and esc.probabilidad:
        # Accepting changes nothing: the residual risk is the inherent one.
        if esc.probabilidad_residual not in (None, esc.probabilidad) or \
                esc.impacto_residual not in (None, esc.impacto):
            raise ErrorValidacion(
                _("Un riesgo aceptado no cambia: el residual es igual al inherente."),
                extra={"probabilidad_residual": [_("Igual al inherente.")]})
        esc.probabilidad_residual, esc.impacto_residual = esc.probabilidad, esc.impacto
    if esc.probabilidad_residual is not None:
        if not esc.tratamiento:
            raise ErrorValidacion(
                _("El riesgo residual se evalúa después de elegir el tratamiento."),
                extra={"tratamiento": [_("Elija el tratamiento antes del riesgo residual.")]})
        if esc.probabilidad is None:
            raise ErrorValidacion(extra={"probabilidad": [
                _("Evalúe el riesgo inherente antes del residual.")]})
        if (esc.probabilidad_residual > esc.probabilidad
                or esc.impacto_residual > esc.impacto):
            raise ErrorValidacion(_("El riesgo residual no puede superar al inherente."),
                                  extra={"probabilidad_residual": [
                                      _("Debe ser menor o igual que el inherente.")]})
    esc.nivel = riesgo.nivel(matriz, esc.probabilidad, esc.impacto) if esc.probabilidad else ""
    esc.nivel_residual = (riesgo.nivel(matriz, esc.probabilidad_residual, esc.impacto_residual)
                          if esc.probabilidad_residual else "")
    return ["nivel", "nivel_residual", "probabilidad_residual", "impacto_residual"]


def _retirar_aceptacion(esc: EscenarioRiesgo) -> bool:
    if esc.aceptado_por_id is None:
        return False
    esc.aceptado_por, esc.aceptado_en, esc.aceptacion_comentario = None, None, ""
    return True


def riesgo_crear_en(plan, *, actor, matriz=None, **campos) -> EscenarioRiesgo:
    """On a locked, editable plan (the caller's transaction; the XLSX import uses it)."""
    matriz = matriz or _matriz(plan)
    esc = EscenarioRiesgo(plan=plan)
    if not campos.get("codigo"):
        campos["codigo"] = _siguiente_codigo(plan.riesgos, "R")
    _c, relaciones = _valores_riesgo(esc, campos, plan, matriz)
    _evaluar(esc, matriz)
    if plan.riesgos.filter(codigo=esc.codigo).exists():
        raise ErrorValidacion(extra={"codigo": [
            _("Ya existe el riesgo %(c)s en este plan.") % {"c": esc.codigo}]})
    esc.save()
    for campo, filas in relaciones.items():
        getattr(esc, campo).set(filas)
    return esc


def _texto_riesgo(esc: EscenarioRiesgo) -> str:
    partes = [f"{esc.codigo}: [{esc.amenaza.codigo}] {esc.amenaza.titulo} → {esc.activo.codigo}"]
    if esc.nivel:
        partes.append(_("inherente %(n)s") % {"n": esc.nivel})
    if esc.tratamiento:
        partes.append(esc.get_tratamiento_display())
    if esc.nivel_residual:
        partes.append(_("residual %(n)s") % {"n": esc.nivel_residual})
    return " · ".join(partes)


def riesgo_crear(*, actor, plan_id: int, **campos) -> EscenarioRiesgo:
    try:
        with transaction.atomic():
            plan = _plan_para_escribir(actor, plan_id)
            esc = riesgo_crear_en(plan, actor=actor, **campos)
            registrar(plan, actor=actor, tipo_entrada=TipoEntrada.RIESGO, accion="riesgo.crear",
                      evento="pisi.actualizado",
                      texto=_("Escenario de riesgo agregado: %(t)s.") % {"t": _texto_riesgo(esc)},
                      datos={"riesgo_id": esc.pk}, objeto=esc)
    except IntegrityError:
        raise ConflictoConcurrencia() from None
    return esc


def riesgo_actualizar(*, actor, plan_id: int, riesgo_id: int, **campos) -> EscenarioRiesgo:
    """Any field; levels recomputed. Clearing the treatment clears the residual risk; a
    change to what the MAE accepted (values, treatment) withdraws the acceptance."""
    with transaction.atomic():
        plan = _plan_para_escribir(actor, plan_id)
        matriz = _matriz(plan)
        esc = selectors.riesgo_obtener(plan=plan, riesgo_id=riesgo_id, para_actualizar=True)
        antes = {c: getattr(esc, c) for c in (*CAMPOS_ACEPTADOS, "nivel", "nivel_residual")}
        if campos.get("tratamiento", esc.tratamiento) in ("", None):
            campos.setdefault("probabilidad_residual", None)
            campos.setdefault("impacto_residual", None)
        cambiados, relaciones = _valores_riesgo(esc, campos, plan, matriz)
        if "codigo" in cambiados and plan.riesgos.filter(codigo=esc.codigo).exclude(
                pk=esc.pk).exists():
            raise ErrorValidacion(extra={"codigo": [
                _("Ya existe el riesgo %(c)s en este plan.") % {"c": esc.codigo}]})
        derivados = _evaluar(esc, matriz)
        retirada = False
        if any(getattr(esc, c) != antes[c] for c in CAMPOS_ACEPTADOS):
            retirada = _retirar_aceptacion(esc)
        esc.save(update_fields=[*dict.fromkeys([*cambiados, *derivados]), "aceptado_por",
                                "aceptado_en", "aceptacion_comentario", "actualizado"])
        for campo, filas in relaciones.items():
            getattr(esc, campo).set(filas)
        texto = _("Escenario de riesgo actualizado: %(t)s.") % {"t": _texto_riesgo(esc)}
        if retirada:
            texto += "\n" + _("La aceptación de la MAE se retiró: el riesgo cambió.")
        registrar(plan, actor=actor, tipo_entrada=TipoEntrada.RIESGO, accion="riesgo.editar",
                  evento="pisi.actualizado", texto=texto,
                  datos={"riesgo_id": esc.pk, "campos": [*cambiados, *relaciones],
                         "aceptacion_retirada": retirada},
                  antes=antes, despues={c: getattr(esc, c) for c in antes}, objeto=esc)
    return esc


def riesgo_eliminar(*, actor, plan_id: int, riesgo_id: int) -> None:
    with transaction.atomic():
        plan = _plan_para_escribir(actor, plan_id)
        esc = selectors.riesgo_obtener(plan=plan, riesgo_id=riesgo_id, para_actualizar=True)
        datos = {"riesgo_id": esc.pk, "codigo": esc.codigo}
        esc.delete()
        registrar(plan, actor=actor, tipo_entrada=TipoEntrada.RIESGO, accion="riesgo.eliminar",
                  evento="pisi.actualizado",
                  texto=_("Escenario de riesgo eliminado: %(c)s.") % {"c": datos["codigo"]},
                  datos=datos)


def riesgos_aceptar(*, actor, plan_id: int, riesgo_ids: list[int],
                    comentario: str = "") -> list[EscenarioRiesgo]:
    """The entity's MAE accepts the residual risk of one or more scenarios (ISO/IEC 27001
    6.1.3 f), in one transaction: each must have its residual risk evaluated."""
    comentario = texto_limpio(comentario, "comentario", maximo=4000)
    if not isinstance(riesgo_ids, list) or not riesgo_ids or not all(
            isinstance(i, int) and not isinstance(i, bool) for i in riesgo_ids):
        raise ErrorValidacion(extra={"riesgos": [_("Indique al menos un riesgo.")]})
    with transaction.atomic():
        plan = selectors.plan_obtener(usuario=actor, plan_id=plan_id, para_actualizar=True)
        if not tiene_alguno(plan.entidad_id, actor, ("mae",)):
            raise PermisoDenegado(_("Solo la Máxima Autoridad Ejecutiva (MAE) de la entidad "
                                    "acepta el riesgo residual."))
        exigir_editable(plan)
        escenarios = list(plan.riesgos.select_for_update().filter(pk__in=riesgo_ids)
                          .order_by("codigo"))
        if len(escenarios) != len(set(riesgo_ids)):
            raise ErrorValidacion(extra={"riesgos": [_("Riesgos que no son de este plan.")]})
        sin_residual = [e.codigo for e in escenarios if not e.nivel_residual]
        if sin_residual:
            raise TransicionInvalida(
                _("Solo se acepta un riesgo con su tratamiento y su riesgo residual evaluados: "
                  "%(c)s.") % {"c": ", ".join(sin_residual)})
        ahora = timezone.now()
        for e in escenarios:
            e.aceptado_por, e.aceptado_en, e.aceptacion_comentario = actor, ahora, comentario
        EscenarioRiesgo.objects.bulk_update(escenarios, ["aceptado_por", "aceptado_en",
                                                         "aceptacion_comentario"])
        codigos = [e.codigo for e in escenarios]
        texto = _("La MAE aceptó el riesgo residual de: %(c)s.") % {"c": ", ".join(codigos)}
        if comentario:
            texto += f"\n{comentario}"
        registrar(plan, actor=actor, tipo_entrada=TipoEntrada.RIESGO, accion="riesgo.aceptar",
                  evento="pisi.actualizado", texto=texto,
                  datos={"riesgos": codigos,
                         "niveles": {e.codigo: e.nivel_residual for e in escenarios}})
    return escenarios
