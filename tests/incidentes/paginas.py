"""Helpers of the incident page tests (test_vistas*.py): a logged-in client, URLs, the
messages and transition buttons of a page."""

import re

from django.test import Client

from incidentes import services
from incidentes.models import Incidente
from tests.entidades.sesiones import ingresar

from .utiles import clasificar, reportar


def cliente(usuario) -> Client:
    c = Client()
    return ingresar(c, usuario)


def url(incidente, accion=None) -> str:
    base = f"/incidentes/{incidente.pk}/"
    return f"{base}accion/{accion}/" if accion else base


def mensajes(respuesta) -> list[str]:
    return [str(m) for m in respuesta.context["messages"]]


def botones(html: str) -> set[str]:
    return set(re.findall(r'data-transicion="([a-z_]+)"', html))


def estado_de(incidente) -> str:
    return Incidente.objects.get(pk=incidente.pk).estado


def poblar(n, reportante, entidad, analista):
    for i in range(n):
        inc = reportar(reportante, entidad, titulo=f"Incidente {i}")
        if i % 3 == 0:
            clasificar(inc, analista)
        if i % 2 == 0:
            services.incidente_asignar(actor=analista, incidente_id=inc.pk,
                                       analista_id=analista.pk)
