"""Typed domain errors. Services raise them; one DRF handler (cgii.api) maps them to HTTP."""

from django.utils.translation import gettext_lazy as _


class ErrorDominio(Exception):
    status = 400
    mensaje_por_defecto = _("La operación no es válida.")

    def __init__(self, message=None, *, extra: dict | None = None):
        self.message = str(message or self.mensaje_por_defecto)
        self.extra = extra or {}
        super().__init__(self.message)


class ErrorValidacion(ErrorDominio):
    status = 400
    mensaje_por_defecto = _("Los datos enviados no son válidos.")


class PermisoDenegado(ErrorDominio):
    status = 403
    mensaje_por_defecto = _("No tiene permiso para realizar esta acción.")


class NoEncontrado(ErrorDominio):
    status = 404
    mensaje_por_defecto = _("No encontrado.")


class TransicionInvalida(ErrorDominio):
    status = 409
    mensaje_por_defecto = _("La transición no está permitida en el estado actual.")


class ConflictoConcurrencia(ErrorDominio):
    status = 409
    mensaje_por_defecto = _("El objeto fue modificado por otra persona; recargue e intente de nuevo.")


class ArchivoDemasiadoGrande(ErrorDominio):
    status = 413
    mensaje_por_defecto = _("El archivo supera el tamaño máximo permitido.")


class TipoNoSoportado(ErrorDominio):
    status = 415
    mensaje_por_defecto = _("El tipo de archivo no está permitido.")


# Extra keys that are data for clients, not words for people.
_EXTRA_NO_TEXTO = {"condiciones", "pasos_pendientes", "estado", "sin_revisar", "control",
                   "maximo_bytes", "tamano", "tipo_detectado", "extension"}


def texto_error(exc: ErrorDominio) -> str:
    """What a page shows for a refused action: the service's reason plus the details it
    attached (unmet conditions, pending steps, field errors), each once. The API returns the
    same ``message`` with ``extra`` as data."""
    from django.utils.translation import gettext as _

    partes = [exc.message]
    extra = exc.extra or {}
    partes.extend(str(c) for c in extra.get("condiciones") or [])
    pendientes = extra.get("pasos_pendientes") or []
    if pendientes:
        partes.append(_("Pasos pendientes: %(p)s.") % {"p": "; ".join(pendientes)})
    for campo, errores in extra.items():
        if campo in _EXTRA_NO_TEXTO:
            continue
        if isinstance(errores, list | tuple):
            partes.extend(str(e) for e in errores)
        elif isinstance(errores, str):
            partes.append(errores)
    return " ".join(dict.fromkeys(partes))
