"""Add indicators to an incident (one, pasted in bulk, or confirmed from the description),
remove them, and edit an indicator's sharing properties.

Recipe (DESIGN.md §3.2): atomic → lock the incident row (``incidente_obtener(…,
para_actualizar=True)``, which answers 404 for another entity's incident) → upsert the
indicators → links → one timeline row + one audit row + the outbox event (``registrar``).
Staff need a managing role (analyst, coordinator, administrator); entity users may add to
their own entity's incidents only.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cgii.auditoria.services import auditoria_registrar
from cgii.busqueda.services import solicitar_indexacion
from cgii.entidades.selectors import es_personal_cgii
from cgii.errores import ErrorValidacion, NoEncontrado
from incidentes.models import TLP, Incidente, TipoEntrada
from incidentes.selectors import incidente_obtener
from incidentes.services.comun import exigir_gestion, registrar

from .. import conf, stix
from ..escritura import Entrada, upsert_indicadores
from ..models import Indicador, IndicadorIncidente, OrigenIndicador, RolIndicador
from ..normalizacion import Normalizado, ValorInvalido, normalizar, tipo_de_alias
from ..vista import TIPOS_POR_ROL

MAX_NOTA = 5000
MAX_LISTA_TIMELINE = 50


def exigir_puede_agregar(actor) -> None:
    """Staff must hold a managing role (an auditor reads only); entity users are scoped by
    ``incidente_obtener`` (their own entity's incidents, else 404)."""
    if es_personal_cgii(actor):
        exigir_gestion(actor)


@dataclass
class Resultado:
    """Outcome of adding values to an incident."""

    agregados: list[IndicadorIncidente] = field(default_factory=list)
    existentes: list[IndicadorIncidente] = field(default_factory=list)
    errores: list[dict] = field(default_factory=list)
    indicadores_nuevos: int = 0


def _validar_contexto(*, rol: str, nota: str, tlp: str | None, confianza,
                      valido_hasta: datetime | None) -> None:
    errores = {}
    if rol not in RolIndicador.values:
        errores["rol"] = [_("Rol no válido.")]
    if len(nota or "") > MAX_NOTA:
        errores["nota"] = [_("Máximo %(n)d caracteres.") % {"n": MAX_NOTA}]
    if tlp is not None and stix.tlp_codigo(tlp) is None:
        errores["tlp"] = [_("TLP no válido.")]
    if confianza is not None and (isinstance(confianza, bool) or not isinstance(confianza, int)
                                  or not 0 <= confianza <= 100):
        errores["confianza"] = [_("La confianza va de 0 a 100.")]
    if valido_hasta is not None and timezone.is_naive(valido_hasta):
        errores["valido_hasta"] = [_("Indique la zona horaria.")]
    elif valido_hasta is not None and valido_hasta <= timezone.now():
        errores["valido_hasta"] = [_("Debe estar en el futuro.")]
    if errores:
        raise ErrorValidacion(extra=errores)


def _agregar(incidente: Incidente, *, actor, normalizados: list[tuple[str, Normalizado]],
             rol: str, nota: str, tlp: str | None, confianza: int | None,
             valido_hasta: datetime | None, tipos_stix: list | None, origen: str,
             resultado: Resultado) -> Resultado:
    """Inside the caller's atomic block, with the incident locked."""
    ahora = timezone.now()
    tlp = stix.tlp_codigo(tlp) or incidente.tlp
    entradas: dict[tuple[str, str], Entrada] = {}
    originales: dict[tuple[str, str], str] = {}
    for original, n in normalizados:
        clave = (n.tipo, n.valor)
        if clave in entradas:
            continue
        originales[clave] = original
        entradas[clave] = Entrada(
            tipo=n.tipo, valor=n.valor, original=original, tlp=tlp, confianza=confianza,
            tipos_stix=list(tipos_stix or TIPOS_POR_ROL.get(rol, ["unknown"])),
            valido_hasta=valido_hasta,
            primera_vez=ahora, ultima_vez=ahora)
    actor_id = None if getattr(actor, "es_sistema", False) else actor.pk
    ids, nuevos = upsert_indicadores(list(entradas.values()), origen=origen, actor_id=actor_id)
    resultado.indicadores_nuevos += nuevos
    ya = {v.indicador_id: v for v in IndicadorIncidente.objects.filter(
        incidente=incidente, indicador_id__in=ids.values()).select_related("indicador")}
    crear = []
    for clave, indicador_id in ids.items():
        if indicador_id in ya:
            resultado.existentes.append(ya[indicador_id])
            continue
        # The adder's own TLP, confidence and validity live on their sighting: an
        # existing national row keeps its values, and the adder is shown theirs (vista).
        crear.append(IndicadorIncidente(
            incidente=incidente, indicador_id=indicador_id, rol=rol, nota=nota,
            valor_original=originales[clave], origen=origen, agregado_por_id=actor_id,
            agregado_en=ahora, primera_vez=ahora, ultima_vez=ahora, tlp=tlp,
            confianza=confianza, valido_hasta=valido_hasta))
    IndicadorIncidente.objects.bulk_create(crear, batch_size=2000)
    if crear:
        por_id = Indicador.objects.in_bulk([v.indicador_id for v in crear])
        for v in crear:
            v.indicador = por_id[v.indicador_id]
        resultado.agregados.extend(crear)
        _registrar_en_timeline(incidente, actor=actor, vinculos=crear, origen=origen,
                               errores=len(resultado.errores))
        incidente.save(update_fields=["actualizado"])
    return resultado


def _registrar_en_timeline(incidente, *, actor, vinculos, origen, errores=0) -> None:
    n = len(vinculos)
    if n == 1:
        i = vinculos[0].indicador
        texto = _("Indicador agregado: %(tipo)s %(valor)s.") % {
            "tipo": i.get_tipo_display(), "valor": i.valor}
    else:
        texto = _("%(n)d indicadores agregados.") % {"n": n}
    tipos: dict[str, int] = {}
    for v in vinculos:
        tipos[v.indicador.tipo] = tipos.get(v.indicador.tipo, 0) + 1
    registrar(incidente, actor=actor, tipo_entrada=TipoEntrada.INDICADORES, accion="indicadores",
              evento="timeline.nuevo", visible_entidad=True, texto=texto,
              datos={"indicadores": [v.indicador_id for v in vinculos[:MAX_LISTA_TIMELINE]],
                     "total": n, "tipos": tipos, "origen": origen, "errores": errores})


def indicador_agregar(*, actor, incidente_id: int, valor: str, tipo: str | None = None,
                      rol: str = RolIndicador.MALICIOSO, nota: str = "", tlp: str | None = None,
                      confianza: int | None = None, valido_hasta: datetime | None = None,
                      tipos_stix: list | None = None,
                      origen: str = OrigenIndicador.MANUAL) -> tuple[IndicadorIncidente, bool]:
    """Add one value to an incident. Returns (link, created); an already linked value returns
    the existing link and False. Invalid value → ErrorValidacion on ``valor``."""
    exigir_puede_agregar(actor)
    _validar_contexto(rol=rol, nota=nota, tlp=tlp, confianza=confianza,
                      valido_hasta=valido_hasta)
    try:
        n = normalizar(valor, tipo_de_alias(tipo))
    except ValorInvalido as exc:
        raise ErrorValidacion(extra={"valor": [str(exc)]}) from None
    if origen not in OrigenIndicador.values:
        origen = OrigenIndicador.MANUAL
    with transaction.atomic():
        incidente = incidente_obtener(usuario=actor, incidente_id=incidente_id,
                                      para_actualizar=True)
        r = _agregar(incidente, actor=actor, normalizados=[(valor.strip(), n)], rol=rol,
                     nota=nota.strip(), tlp=tlp, confianza=confianza, valido_hasta=valido_hasta,
                     tipos_stix=tipos_stix, origen=origen, resultado=Resultado())
    if r.agregados:
        return r.agregados[0], True
    return r.existentes[0], False


def lineas_de(texto_o_lista) -> list[tuple[int, str]]:
    """(line number, text) of a pasted block or a list, without blanks and # comments."""
    if isinstance(texto_o_lista, str):
        lineas = texto_o_lista.splitlines()
    else:
        lineas = [str(x) for x in texto_o_lista or []]
    return [(i, linea.strip()) for i, linea in enumerate(lineas, start=1)
            if linea.strip() and not linea.strip().startswith("#")]


def indicadores_pegar(*, actor, incidente_id: int, texto, tipo: str | None = None,
                      rol: str = RolIndicador.MALICIOSO, nota: str = "", tlp: str | None = None,
                      confianza: int | None = None, valido_hasta: datetime | None = None,
                      origen: str = OrigenIndicador.PEGADO) -> Resultado:
    """One value per line (defanged forms refanged, type detected unless ``tipo``).

    Invalid lines come back in ``errores`` ({linea, valor, motivo}); the valid ones are added
    in one transaction. Nothing valid at all → ErrorValidacion carrying the per-line list.
    """
    exigir_puede_agregar(actor)
    _validar_contexto(rol=rol, nota=nota, tlp=tlp, confianza=confianza,
                      valido_hasta=valido_hasta)
    lineas = lineas_de(texto)
    maximo = conf.valor("INDICADORES_PEGADO_MAX_LINEAS")
    if not lineas:
        raise ErrorValidacion(extra={"valores": [_("No hay valores.")]})
    if len(lineas) > maximo:
        raise ErrorValidacion(extra={"valores": [_("Máximo %(n)d líneas por vez.")
                                                 % {"n": maximo}]})
    try:
        tipo = tipo_de_alias(tipo)
    except ValorInvalido as exc:
        raise ErrorValidacion(extra={"tipo": [str(exc)]}) from None
    resultado = Resultado()
    normalizados = []
    for numero, linea in lineas:
        try:
            normalizados.append((linea, normalizar(linea, tipo)))
        except ValorInvalido as exc:
            resultado.errores.append({"linea": numero, "valor": linea[:500], "motivo": str(exc)})
    if not normalizados:
        raise ErrorValidacion(_("Ningún valor es válido."), extra={"errores": resultado.errores})
    if origen not in OrigenIndicador.values:
        origen = OrigenIndicador.PEGADO
    with transaction.atomic():
        incidente = incidente_obtener(usuario=actor, incidente_id=incidente_id,
                                      para_actualizar=True)
        _agregar(incidente, actor=actor, normalizados=normalizados, rol=rol, nota=nota.strip(),
                 tlp=tlp, confianza=confianza, valido_hasta=valido_hasta, tipos_stix=None,
                 origen=origen, resultado=resultado)
    return resultado


def indicador_desvincular(*, actor, incidente_id: int, vinculo_id: int) -> None:
    """Staff remove an indicator from an incident (the indicator itself stays)."""
    exigir_gestion(actor)
    with transaction.atomic():
        incidente = incidente_obtener(usuario=actor, incidente_id=incidente_id,
                                      para_actualizar=True)
        vinculo = (IndicadorIncidente.objects.select_related("indicador")
                   .filter(incidente=incidente, pk=vinculo_id).first())
        if vinculo is None:
            raise NoEncontrado()
        i = vinculo.indicador
        vinculo.delete()
        incidente.save(update_fields=["actualizado"])
        registrar(incidente, actor=actor, tipo_entrada=TipoEntrada.INDICADORES,
                  accion="indicadores", evento="timeline.nuevo", visible_entidad=True,
                  texto=_("Indicador quitado: %(tipo)s %(valor)s.") % {
                      "tipo": i.get_tipo_display(), "valor": i.valor},
                  datos={"quitado": i.pk})


CAMPOS_EDITABLES = ("tlp", "confianza", "valido_hasta", "tipos_stix", "nombre", "descripcion",
                    "revocado")


def indicador_actualizar(*, actor, indicador_id: int, **campos) -> Indicador:
    """Staff edit an indicator's sharing properties. A change makes a new STIX version
    (``modificado`` moves forward, so feeds and TAXII clients pick it up)."""
    exigir_gestion(actor)
    desconocidos = set(campos) - set(CAMPOS_EDITABLES)
    if desconocidos:
        raise ErrorValidacion(extra={c: [_("No editable.")] for c in sorted(desconocidos)})
    errores = {}
    if "tlp" in campos:
        codigo = stix.tlp_codigo(campos["tlp"])
        if codigo is None or codigo not in TLP.values:
            errores["tlp"] = [_("TLP no válido.")]
        campos["tlp"] = codigo
    if "confianza" in campos and campos["confianza"] is not None:
        c = campos["confianza"]
        if isinstance(c, bool) or not isinstance(c, int) or not 0 <= c <= 100:
            errores["confianza"] = [_("La confianza va de 0 a 100.")]
    if "tipos_stix" in campos and not (isinstance(campos["tipos_stix"], list) and all(
            isinstance(t, str) and t for t in campos["tipos_stix"])):
        errores["tipos_stix"] = [_("Lista de textos.")]
    if errores:
        raise ErrorValidacion(extra=errores)
    with transaction.atomic():
        try:
            indicador = Indicador.objects.select_for_update().get(pk=indicador_id)
        except (Indicador.DoesNotExist, ValueError, TypeError):
            raise NoEncontrado() from None
        if "valido_hasta" in campos and campos["valido_hasta"] is not None \
                and campos["valido_hasta"] <= indicador.valido_desde:
            raise ErrorValidacion(extra={"valido_hasta": [
                _("Debe ser posterior a «válido desde».")]})
        antes = {c: getattr(indicador, c) for c in campos}
        cambios = [c for c, v in campos.items() if getattr(indicador, c) != v]
        if not cambios:
            return indicador
        for c in cambios:
            setattr(indicador, c, campos[c])
        indicador.modificado = max(timezone.now(), indicador.modificado)
        indicador.save(update_fields=[*cambios, "modificado"])
        auditoria_registrar(actor=actor, accion="indicador.actualizar", objeto=indicador,
                            antes={c: antes[c] for c in cambios},
                            despues={c: campos[c] for c in cambios})
        # The search document shows TLP, state (revoked/expired), name and description: an
        # edit must reach the index like a new sighting does (outbox event, same commit).
        solicitar_indexacion({"indicador": [indicador.pk]})
    return indicador
