"""Removing what a measuring run added, so that the next run measures the same data and
never reseeds because of it (the intake benches report real incidents over HTTP).

Import after ``_comun.preparar()``.
"""

from __future__ import annotations

from django.db import connection, transaction

from cgii.eventos.models import Evento
from incidentes.models import Incidente

LOTE = 1000


def borrar_incidentes(ids: list[int]) -> int:
    """Incidents by id, in dependency order: the crossings of their SLA clocks, the clocks
    (ámbito "incidente"; no foreign key, so nothing cascades to them), their outbox events
    (pending: no worker runs during the intake benches), then the incidents themselves with
    the ORM, which follows every cascade (timeline, tasks, evidence, indicator links).
    The audit rows stay: the chain is append-only. Returns the incidents deleted."""
    borrados = 0
    for desde in range(0, len(ids), LOTE):
        lote = list(ids[desde:desde + LOTE])
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(
                "DELETE FROM protocolos_crucesla WHERE reloj_id IN (SELECT id FROM "
                "protocolos_relojsla WHERE ambito = 'incidente' AND objeto_id = ANY(%s))",
                [lote])
            cursor.execute("DELETE FROM protocolos_relojsla WHERE ambito = 'incidente' "
                           "AND objeto_id = ANY(%s)", [lote])
            Evento.objects.filter(datos__incidente__id__in=lote).delete()
            borrados += Incidente.objects.filter(pk__in=lote).delete()[1].get(
                Incidente._meta.label, 0)
    return borrados
