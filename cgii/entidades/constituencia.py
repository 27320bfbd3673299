"""Writes of the constituency registry (networks, ASNs, domains per entity; issue 19).

Entities propose (their RSI or MAE), CGII staff confirm or reject; an entry staff add is
confirmed at once. Only confirmed entries route feed events (``selectors.rutear_tabla``).
Every write leaves one audit row; a CSV import leaves one per imported file.
"""

import csv
import io
import re
from dataclasses import dataclass
from datetime import date

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _

from cgii.auditoria.services import auditoria_registrar
from cgii.errores import ErrorValidacion, NoEncontrado, PermisoDenegado, TransicionInvalida

from .campos import red_normalizada
from .models import Entidad, EstadoRegistro, RolEntidad
from .selectors import TIPOS_REGISTRO, entidad_visible, roles_en_entidad, tiene_rol_cgii

ROLES_CONFIRMAN = ("analista", "coordinador", "administrador")
ROLES_PROPONEN = (RolEntidad.RSI.value, RolEntidad.MAE.value)
ASN_MAXIMO = 2**32 - 1
_ETIQUETA = re.compile(r"^(?!-)[a-z0-9-]{1,63}(?<!-)$")
CAMPO = {"red": "red", "asn": "asn", "dominio": "dominio"}


def dominio_normalizado(texto: str) -> str:
    """Lower-case, IDNA (punycode), without the trailing dot; ValueError in Spanish."""
    valor = (texto or "").strip().rstrip(".").lower()
    if valor.startswith("*."):
        valor = valor[2:]  # "*.gob.bo" means what "gob.bo" already covers
    try:
        valor = valor.encode("idna").decode("ascii")
    except UnicodeError:
        raise ValueError(f"«{texto}» no es un dominio válido.") from None
    if not valor or len(valor) > 253 or not all(_ETIQUETA.match(e) for e in valor.split(".")):
        raise ValueError(f"«{texto}» no es un dominio válido.")
    return valor


def asn_normalizado(texto) -> int:
    valor = str(texto).strip().upper().removeprefix("AS")
    if not valor.isdigit() or not 0 < int(valor) <= ASN_MAXIMO:
        raise ValueError(f"«{texto}» no es un ASN válido (1 a {ASN_MAXIMO}).")
    return int(valor)


def valor_normalizado(tipo: str, valor) -> object:
    if tipo == "red":
        return red_normalizada(str(valor))
    if tipo == "asn":
        return asn_normalizado(valor)
    if tipo == "dominio":
        return dominio_normalizado(str(valor))
    raise ValueError(_("Tipo desconocido: use red, asn o dominio."))


def _modelo(tipo: str):
    if tipo not in TIPOS_REGISTRO:
        raise ErrorValidacion(extra={"tipo": [_("Tipo desconocido: use red, asn o dominio.")]})
    return TIPOS_REGISTRO[tipo]


def _fechas(desde: date | None, hasta: date | None) -> None:
    if desde and hasta and hasta < desde:
        raise ErrorValidacion(extra={"valido_hasta": [
            _("La fecha final de validez no puede ser anterior a la inicial.")]})


def puede_confirmar(actor) -> bool:
    return tiene_rol_cgii(actor, *ROLES_CONFIRMAN)


def _resumen(registro, tipo: str) -> dict:
    return {"tipo": tipo, "valor": str(getattr(registro, CAMPO[tipo])),
            "estado": registro.estado, "valido_desde": registro.valido_desde,
            "valido_hasta": registro.valido_hasta, "nota": registro.nota}


def registro_agregar(*, actor, entidad_id: int, tipo: str, valor, valido_desde=None,
                     valido_hasta=None, nota: str = ""):
    """Staff add a confirmed entry; an entity's RSI or MAE proposes one for staff to confirm.
    An entity the actor may not see is a 404."""
    modelo = _modelo(tipo)
    entidad = entidad_visible(actor, entidad_id)
    if entidad is None:
        raise NoEncontrado(_("Entidad no encontrada."))
    personal = puede_confirmar(actor)
    if not personal and not (roles_en_entidad(actor, entidad_id) & set(ROLES_PROPONEN)):
        raise PermisoDenegado(_("Solo el RSI o la MAE de la entidad pueden proponer "
                                "registros; el CGII los confirma."))
    try:
        normalizado = valor_normalizado(tipo, valor)
    except ValueError as exc:
        raise ErrorValidacion(extra={"valor": [str(exc)]}) from None
    _fechas(valido_desde, valido_hasta)
    ahora = timezone.now()
    registro = modelo(entidad=entidad, valido_desde=valido_desde, valido_hasta=valido_hasta,
                      nota=(nota or "").strip()[:255], propuesto_por=actor,
                      estado=EstadoRegistro.CONFIRMADO if personal else EstadoRegistro.PROPUESTO,
                      confirmado_por=actor if personal else None,
                      confirmado_en=ahora if personal else None)
    setattr(registro, CAMPO[tipo], normalizado)
    try:
        with transaction.atomic():
            registro.save()
            auditoria_registrar(actor=actor, accion=f"constituencia.{'agregar' if personal else 'proponer'}",
                                objeto=registro, despues=_resumen(registro, tipo))
    except IntegrityError:
        raise ErrorValidacion(extra={"valor": [
            _("La entidad ya tiene registrado %(v)s.") % {"v": normalizado}]}) from None
    return registro


def _bloquear(tipo: str, registro_id: int):
    try:
        return _modelo(tipo).objects.select_for_update().get(pk=registro_id)
    except (_modelo(tipo).DoesNotExist, ValueError, TypeError):
        raise NoEncontrado() from None


def registro_decidir(*, actor, tipo: str, registro_id: int, confirmar: bool,
                     motivo: str = ""):
    """Staff confirm (or reject, with a reason) an entry an entity proposed; a rejected one
    may be confirmed later, a confirmed one rejected (it then stops routing)."""
    if not puede_confirmar(actor):
        raise PermisoDenegado(_("Solo el personal CGII confirma el registro de una entidad."))
    destino = EstadoRegistro.CONFIRMADO if confirmar else EstadoRegistro.RECHAZADO
    if not confirmar and not (motivo or "").strip():
        raise ErrorValidacion(extra={"motivo": [_("Indique el motivo del rechazo.")]})
    with transaction.atomic():
        registro = _bloquear(tipo, registro_id)
        if registro.estado == destino:
            raise TransicionInvalida(_("El registro ya está en ese estado."))
        antes = _resumen(registro, tipo)
        registro.estado = destino
        registro.confirmado_por = actor if confirmar else None
        registro.confirmado_en = timezone.now() if confirmar else None
        if motivo:
            registro.nota = motivo.strip()[:255]
        registro.save(update_fields=["estado", "confirmado_por", "confirmado_en", "nota"])
        auditoria_registrar(actor=actor, accion=f"constituencia.{'confirmar' if confirmar else 'rechazar'}",
                            objeto=registro, antes=antes, despues=_resumen(registro, tipo))
    return registro


def registro_editar(*, actor, tipo: str, registro_id: int, valido_desde=None,
                    valido_hasta=None, nota: str | None = None):
    """Staff change an entry's validity dates or note (the admin goes through here)."""
    if not puede_confirmar(actor):
        raise PermisoDenegado()
    _fechas(valido_desde, valido_hasta)
    with transaction.atomic():
        registro = _bloquear(tipo, registro_id)
        antes = _resumen(registro, tipo)
        registro.valido_desde, registro.valido_hasta = valido_desde, valido_hasta
        if nota is not None:
            registro.nota = nota.strip()[:255]
        registro.save(update_fields=["valido_desde", "valido_hasta", "nota"])
        auditoria_registrar(actor=actor, accion="constituencia.editar", objeto=registro,
                            antes=antes, despues=_resumen(registro, tipo))
    return registro


def registro_eliminar(*, actor, tipo: str, registro_id: int) -> None:
    if not puede_confirmar(actor):
        raise PermisoDenegado()
    with transaction.atomic():
        registro = _bloquear(tipo, registro_id)
        auditoria_registrar(actor=actor, accion="constituencia.eliminar", objeto=registro,
                            antes=_resumen(registro, tipo))
        registro.delete()


# ---- CSV bulk import ------------------------------------------------------------------------

COLUMNAS_CSV = ("entidad", "tipo", "valor", "valido_desde", "valido_hasta", "nota")


@dataclass
class ResultadoImportacion:
    creados: int = 0
    actualizados: int = 0
    sin_cambios: int = 0


def _fecha(texto: str, linea: int, campo: str, errores: list) -> date | None:
    texto = (texto or "").strip()
    if not texto:
        return None
    try:
        valor = parse_date(texto)
    except ValueError:
        valor = None
    if valor is None:
        errores.append({"linea": linea, "campo": campo,
                        "error": _("Fecha no válida «%(f)s» (AAAA-MM-DD).") % {"f": texto}})
    return valor


def _leer_csv(contenido: str) -> tuple[list[dict], list[dict]]:
    """Rows ready to store and one error per bad line (line numbers as in the file)."""
    lector = csv.DictReader(io.StringIO(contenido.lstrip("\ufeff")))
    faltan = [c for c in COLUMNAS_CSV[:3] if c not in (lector.fieldnames or [])]
    if faltan:
        raise ErrorValidacion(_("Faltan columnas en el CSV: %(c)s.") % {"c": ", ".join(faltan)},
                              extra={"columnas": list(COLUMNAS_CSV)})
    siglas = {s.upper(): i for s, i in Entidad.objects.values_list("sigla", "id")}
    filas, errores, vistos = [], [], set()
    for linea, fila in enumerate(lector, start=2):
        sigla = (fila.get("entidad") or "").strip().upper()
        tipo = (fila.get("tipo") or "").strip().lower()
        antes = len(errores)
        if sigla not in siglas:
            errores.append({"linea": linea, "campo": "entidad",
                            "error": _("Entidad desconocida «%(s)s».") % {"s": sigla}})
        valor = None
        try:
            valor = valor_normalizado(tipo, fila.get("valor"))
        except ValueError as exc:
            errores.append({"linea": linea, "campo": "valor" if tipo in CAMPO else "tipo",
                            "error": str(exc)})
        desde = _fecha(fila.get("valido_desde"), linea, "valido_desde", errores)
        hasta = _fecha(fila.get("valido_hasta"), linea, "valido_hasta", errores)
        if desde and hasta and hasta < desde:
            errores.append({"linea": linea, "campo": "valido_hasta",
                            "error": _("La fecha final es anterior a la inicial.")})
        clave = (sigla, tipo, valor)
        if len(errores) == antes and clave in vistos:
            errores.append({"linea": linea, "campo": "valor",
                            "error": _("Repetido en el mismo archivo.")})
        vistos.add(clave)
        if len(errores) == antes:
            filas.append({"entidad_id": siglas[sigla], "tipo": tipo, "valor": valor,
                          "valido_desde": desde, "valido_hasta": hasta,
                          "nota": (fila.get("nota") or "").strip()[:255]})
    return filas, errores


def constituencia_importar_csv(*, actor, contenido: str) -> ResultadoImportacion:
    """Bulk import by staff: every line is checked first and, if any is wrong, nothing is
    stored and each bad line is reported (400). Imported entries are confirmed; an entry
    the entity already has gets the file's dates and note."""
    if not puede_confirmar(actor):
        raise PermisoDenegado()
    filas, errores = _leer_csv(contenido)
    if errores:
        raise ErrorValidacion(_("El archivo tiene %(n)d errores; no se importó nada.")
                              % {"n": len(errores)}, extra={"lineas": errores[:500]})
    resultado = ResultadoImportacion()
    ahora = timezone.now()
    with transaction.atomic():
        for f in filas:
            modelo, campo = TIPOS_REGISTRO[f["tipo"]], CAMPO[f["tipo"]]
            registro = modelo.objects.select_for_update().filter(
                entidad_id=f["entidad_id"], **{campo: f["valor"]}).first()
            nuevos = {"valido_desde": f["valido_desde"], "valido_hasta": f["valido_hasta"],
                      "nota": f["nota"], "estado": EstadoRegistro.CONFIRMADO}
            if registro is None:
                modelo.objects.create(entidad_id=f["entidad_id"], propuesto_por=actor,
                                      confirmado_por=actor, confirmado_en=ahora,
                                      **{campo: f["valor"]}, **nuevos)
                resultado.creados += 1
            elif any(getattr(registro, k) != v for k, v in nuevos.items()):
                for k, v in nuevos.items():
                    setattr(registro, k, v)
                if registro.confirmado_en is None:
                    registro.confirmado_por, registro.confirmado_en = actor, ahora
                registro.save()
                resultado.actualizados += 1
            else:
                resultado.sin_cambios += 1
        auditoria_registrar(actor=actor, accion="constituencia.importar_csv",
                            datos={"lineas": len(filas), **resultado.__dict__})
    return resultado
