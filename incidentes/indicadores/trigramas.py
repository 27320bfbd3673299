"""The ``indicadores.valores_buscables`` sink: copies new indicators' values into
``ValorBuscable`` (the staff list's "contains" search) after the transaction that created
them, so the trigram index is not maintained inside an import (see models.ValorBuscable).

Every indicator is created by ``escritura.upsert_indicadores`` under one of two events, the
same ones the search index follows (``busqueda.afectados``): an incident's timeline entry
(values added, pasted, extracted or imported into an incident) or a completed import (the
rows it created). Idempotent (``ON CONFLICT DO NOTHING``): the sink may run an event twice.
"""

from __future__ import annotations

from django.db import connection

from cgii.eventos.registro import registrar_manejador

from .models import Indicador, ValorBuscable

NOMBRE = "indicadores.valores_buscables"


def copiar(ids: list[int]) -> None:
    """Add the values of these indicators (those that still exist) to ``ValorBuscable``."""
    if not ids:
        return
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {ValorBuscable._meta.db_table} (indicador_id, valor) "
                f"SELECT id, valor FROM {Indicador._meta.db_table} WHERE id = ANY(%s) "
                f"ON CONFLICT (indicador_id) DO NOTHING", [list(ids)])
        return
    ValorBuscable.objects.bulk_create(
        [ValorBuscable(indicador_id=pk, valor=valor) for pk, valor in
         Indicador.objects.filter(pk__in=ids).values_list("pk", "valor")],
        ignore_conflicts=True, batch_size=1000)


def al_evento(evento) -> None:
    from .busqueda import afectados

    copiar(afectados(evento).get("indicador") or [])


def registrar() -> None:
    registrar_manejador(nombre=NOMBRE, tipos=("timeline.nuevo", "stix.importacion.progreso"),
                        funcion=al_evento)
