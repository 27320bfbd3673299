"""Reads of mail intake, for CGII staff (the triage queue holds mail of unknown origin,
which no entity user may see)."""

from django.db.models import QuerySet

from cgii.entidades.selectors import es_personal_cgii
from cgii.errores import NoEncontrado, PermisoDenegado

from .models import Clase, CorreoEntrante, EstadoTriaje

FILTROS_TRIAJE = {"pendientes": [EstadoTriaje.PENDIENTE],
                  "resueltos": [EstadoTriaje.CONVERTIDO, EstadoTriaje.DESCARTADO]}


def _exigir_personal(usuario) -> None:
    if not es_personal_cgii(usuario):
        raise PermisoDenegado()


def cola_triaje(*, usuario, filtro: str = "pendientes") -> QuerySet[CorreoEntrante]:
    _exigir_personal(usuario)
    estados = FILTROS_TRIAJE.get(filtro, FILTROS_TRIAJE["pendientes"])
    return (CorreoEntrante.objects.filter(clase=Clase.SIN_ENTIDAD, estado_triaje__in=estados)
            .select_related("incidente", "resuelto_por", "usuario")
            .order_by("-recibido", "-id"))


def correo_obtener(*, usuario, correo_id: int) -> CorreoEntrante:
    _exigir_personal(usuario)
    correo = (CorreoEntrante.objects.select_related("incidente", "resuelto_por", "usuario")
              .filter(pk=correo_id).first()) if str(correo_id).isdigit() else None
    if correo is None:
        raise NoEncontrado()
    return correo


def correos_de_incidente(*, usuario, incidente_id: int) -> list[CorreoEntrante]:
    """The e-mails of an incident with their authentication results (staff only: the
    detail page's «Correo» panel)."""
    if not es_personal_cgii(usuario):
        return []
    return list(CorreoEntrante.objects.filter(incidente_id=incidente_id)
                .select_related("usuario").order_by("recibido", "id"))


def candidatos_de_correos(incidente_id: int) -> list[dict]:
    salida = []
    for lista in CorreoEntrante.objects.filter(incidente_id=incidente_id).values_list(
            "candidatos", flat=True):
        salida.extend(lista or [])
    return salida


def pendientes_de_triaje(*, usuario) -> int:
    if not es_personal_cgii(usuario):
        return 0
    return CorreoEntrante.objects.filter(estado_triaje=EstadoTriaje.PENDIENTE).count()
