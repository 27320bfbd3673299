"""Optional round-robin of new incidents per category (issue 18): the sink gives each newly
classified, unassigned incident to the next analyst in turn, through the assign service."""

import pytest

from cgii.auditoria.models import RegistroAuditoria
from cgii.eventos import sumideros
from cgii.eventos.despachador import despachar_pendientes
from incidentes import services
from incidentes.models import Incidente, RepartoCategoria
from incidentes.services.reparto import reparto_asignar
from protocolos.models import TipoIncidente
from tests.factories import crear_usuario

from .utiles import clasificar, reportar

pytestmark = pytest.mark.django_db


def _entregar():
    despachar_pendientes()
    sumideros.ejecutar("incidentes.reparto")


def test_turnos_por_categoria_al_clasificar(catalogos, reportante_a, entidad_a, coordinador):
    ana = crear_usuario(username="ana", rol_cgii="analista")
    beto = crear_usuario(username="beto", rol_cgii="analista")
    inactivo = crear_usuario(username="ido", rol_cgii="analista", is_active=False)
    regla = RepartoCategoria.objects.create(clase=TipoIncidente.objects.get(
        codigo="phishing").clase)
    regla.analistas.set([ana, beto, inactivo])
    incidentes = [reportar(reportante_a, entidad_a, titulo=f"Phishing {k}") for k in range(3)]
    _entregar()
    assert not Incidente.objects.filter(analista__isnull=False).exists(), \
        "unclassified: no category yet, no turn"
    for i in incidentes:
        clasificar(i, coordinador)
    _entregar()
    asignados = [Incidente.objects.get(pk=i.pk).analista for i in incidentes]
    assert asignados == [ana, beto, ana]  # the inactive one never gets a turn
    regla.refresh_from_db()
    assert regla.ultimo == ana
    assert RegistroAuditoria.objects.filter(accion="incidente.asignar").count() == 3
    # Delivered again (at least once): nothing changes.
    assert reparto_asignar(incidente_id=incidentes[0].pk) is None


def test_sin_regla_o_ya_asignado_no_toca_nada(catalogos, reportante_a, entidad_a, coordinador,
                                             analista):
    ana = crear_usuario(username="ana", rol_cgii="analista")
    a = reportar(reportante_a, entidad_a, titulo="Sin regla")
    clasificar(a, coordinador)
    _entregar()
    assert Incidente.objects.get(pk=a.pk).analista is None
    regla = RepartoCategoria.objects.create(clase=TipoIncidente.objects.get(
        codigo="phishing").clase, activo=False)
    regla.analistas.set([ana])
    b = reportar(reportante_a, entidad_a, titulo="Regla inactiva")
    clasificar(b, coordinador)
    _entregar()
    assert Incidente.objects.get(pk=b.pk).analista is None
    regla.activo = True
    regla.save()
    c = reportar(reportante_a, entidad_a, titulo="Tomado a mano")
    services.incidente_asignar(actor=analista, incidente_id=c.pk, analista_id=analista.pk)
    clasificar(c, coordinador)
    _entregar()
    assert Incidente.objects.get(pk=c.pk).analista == analista
