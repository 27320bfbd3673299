from django.utils.translation import gettext_lazy as _

from cgii.errores import ErrorDominio


class ClaveReutilizada(ErrorDominio):
    """The key's first request was a different one (IETF httpapi idempotency draft: 422)."""

    status = 422
    mensaje_por_defecto = _("Esta clave de idempotencia ya se usó con otra solicitud (otro "
                            "método, ruta o contenido). Use una clave nueva para cada "
                            "solicitud distinta.")


class ClaveEnProceso(ErrorDominio):
    """The key's first request is still running after the bounded wait (draft: 409)."""

    status = 409
    mensaje_por_defecto = _("Otra solicitud con la misma clave de idempotencia aún se está "
                            "procesando. Reintente en unos segundos.")
