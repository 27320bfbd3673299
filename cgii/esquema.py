"""The OpenAPI schema class of the API (``REST_FRAMEWORK["DEFAULT_SCHEMA_CLASS"]``).

Built on ``cgii.idempotencia.esquema.EsquemaAPI`` (the Idempotency-Key header and its
409/422). It adds what drf-spectacular cannot see in our views (issue 16, finding 8: a client
generated from the schema must work):

- the error responses every operation can give, each with the API's error body
  ``{"message", "extra"}`` (``cgii.api.manejador_excepciones``): 400 (invalid input, a NUL
  byte in a parameter: ``cgii.entrada``), 401 (no or a bad credential), 403 (not allowed, a
  read-only token writing), 404 (not found or not visible — another entity's object is a
  404), and for the methods that write 409 (state or concurrent change), 413 (body over the
  limit) and 415 (media type);
- pagination: our list views are ``APIView``s that page with ``cgii.api.Paginacion``; those
  declare ``pagination_class = Paginacion`` and their ``many=True`` responses are documented
  as ``{count, next, previous, results}`` with the ``page``/``page_size`` parameters.
"""

from drf_spectacular.extensions import OpenApiViewExtension
from drf_spectacular.utils import OpenApiResponse

from cgii.api import Paginacion
from cgii.idempotencia.esquema import ErrorSerializer, EsquemaAPI

ERRORES = {
    "400": "Datos no válidos: «extra» dice qué campo y por qué.",
    "401": "Sin credenciales, o un token desconocido, revocado o vencido.",
    "403": "No tiene permiso (o el token es de solo lectura y la operación modifica datos).",
    "404": "No existe o no es visible para usted (un objeto de otra entidad es un 404).",
}
ERRORES_ESCRITURA = {
    "409": "El estado actual no admite la operación, u otra persona lo cambió antes.",
    "413": "El cuerpo o el archivo supera el tamaño máximo («extra.maximo_bytes»).",
    "415": "Tipo de contenido no admitido.",
}
METODOS_ESCRITURA = ("POST", "PUT", "PATCH", "DELETE")


class EsquemaCGII(EsquemaAPI):
    def _get_response_bodies(self, direction="response"):
        respuestas = super()._get_response_bodies(direction)
        errores = dict(ERRORES)
        if self.method in METODOS_ESCRITURA:
            errores.update(ERRORES_ESCRITURA)
        for codigo, descripcion in errores.items():
            previa = respuestas.get(codigo)
            if previa is not None and previa.get("content"):
                continue
            # Missing, or declared by a view with a description only: the error body.
            respuesta = self._get_response_for_code(
                OpenApiResponse(ErrorSerializer, description=(previa or {}).get(
                    "description") or descripcion), codigo, direction=direction)
            respuestas[codigo] = respuesta
        return respuestas


class NotificacionesPaginadas(OpenApiViewExtension):
    """The notifications list pages with Paginacion (and adds ``no_leidas``); its view lives
    in cgii.eventos, so the schema learns it here."""

    target_class = "cgii.eventos.api.views.NotificacionesView"

    def view_replacement(self):
        from cgii.eventos.api.views import NotificacionesView

        class Paginada(self.target):
            pagination_class = Paginacion

        Paginada.__name__ = NotificacionesView.__name__
        return Paginada

