"""Panels read as JSON columns of their parent's row (cgii.bd.filas_json, issue 22) give the
same instances as the ORM's own queries: every column, the nested related rows, the types."""

import pytest
from django.db.models import F

from cgii.bd import filas_json
from cgii.entidades.backend import BackendUsuarios
from cgii.entidades.models import Membresia
from incidentes import selectors
from incidentes.models import Evidencia, Incidente
from protocolos.models import RelojSLA
from tests.incidentes.utiles import clasificar, reportar

pytestmark = [pytest.mark.django_db,
              pytest.mark.skipif("not __import__('cgii.bd.filas_json').bd.filas_json.disponible()",
                                 reason="PostgreSQL only: SQLite reads the panels apart")]


def _iguales(a, b, *relacionados):
    assert type(a) is type(b) and not a._state.adding
    for f in type(a)._meta.concrete_fields:
        assert getattr(a, f.attname) == getattr(b, f.attname), f.name
    for nombre in relacionados:
        ra, rb = getattr(a, nombre), getattr(b, nombre)
        if ra is None or rb is None:
            assert ra is rb is None, nombre
        else:
            _iguales(ra, rb)


def test_el_detalle_trae_tareas_relojes_y_evidencias_como_el_orm(
        catalogos, reportante_a, entidad_a, analista):
    inc = clasificar(reportar(reportante_a, entidad_a, titulo="Phishing", descripcion="x"),
                     analista)
    Evidencia.objects.create(incidente=inc, subido_por=reportante_a, nombre="a.png",
                             tipo_mime="image/png", tamano=3, sha256="0" * 64, ruta="r/a",
                             visible_entidad=True)
    Evidencia.objects.create(incidente=inc, subido_por=analista, nombre="interna.txt",
                             tipo_mime="text/plain", tamano=3, sha256="1" * 64, ruta="r/b",
                             visible_entidad=False)
    inc.tareas.filter(pk=inc.tareas.order_by("id").first().pk).update(asignado=analista)
    detalle = selectors.incidente_detalle(usuario=analista, incidente_id=inc.pk)
    tareas = selectors.tareas_de(inc)
    assert len(detalle._tareas_cache) == len(tareas) > 0
    for a, b in zip(detalle._tareas_cache, tareas, strict=True):
        _iguales(a, b, "asignado")
    relojes = list(RelojSLA.objects.filter(ambito="incidente", objeto_id=inc.pk)
                   .select_related("politica__calendario").order_by("id"))
    assert len(detalle._relojes_cache) == len(relojes) == 3
    for a, b in zip(detalle._relojes_cache, relojes, strict=True):
        _iguales(a, b, "politica")
        _iguales(a.politica, b.politica, "calendario")
    evidencias = list(Evidencia.objects.filter(incidente=inc).select_related("subido_por")
                      .order_by("id"))
    for a, b in zip(detalle._evidencias_cache, evidencias, strict=True):
        _iguales(a, b, "subido_por")
    # The entity's reporter: only the evidence shared with the entity.
    propio = selectors.incidente_detalle(usuario=reportante_a, incidente_id=inc.pk)
    assert [e.nombre for e in propio._evidencias_cache] == ["a.png"]


def test_el_usuario_de_la_sesion_trae_sus_membresias_activas(reportante_a, entidad_a):
    from tests.factories import crear_entidad

    inactiva = crear_entidad(sigla="INA", nombre="Entidad inactiva", activa=False)
    Membresia.objects.create(usuario=reportante_a, entidad=inactiva, rol="reportante")
    usuario = BackendUsuarios().get_user(reportante_a.pk)
    esperadas = list(Membresia.objects.filter(usuario=reportante_a, activa=True,
                                              entidad__activa=True)
                     .select_related("entidad").order_by("id"))
    assert [m.entidad.sigla for m in usuario._cgii_membresias] == [entidad_a.sigla]
    for a, b in zip(usuario._cgii_membresias, esperadas, strict=True):
        _iguales(a, b, "entidad")


def test_una_clave_foranea_vacia_no_inventa_la_fila(catalogos, reportante_a, entidad_a):
    inc = reportar(reportante_a, entidad_a, titulo="Sin evidencias", descripcion="x")
    Incidente.objects.filter(pk=inc.pk).update(actualizado=F("creado"))
    detalle = selectors.incidente_detalle(usuario=reportante_a, incidente_id=inc.pk)
    assert detalle._evidencias_cache == [] and detalle._tareas_cache == []
    assert filas_json.instancias(Evidencia, None) == []
