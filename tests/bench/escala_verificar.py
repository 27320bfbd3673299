"""Run by tests/bench/test_escala.py in a subprocess whose DATABASE_URL names the database
bench/escala.py just seeded at a tiny size: compares what the seed wrote with what the
application's own code would write, and prints one line ``VERIFICAR {json}``.

- search documents: a sample of incidents and indicators rebuilt with the registered
  ``construir`` of each type (incidentes/busqueda.py, incidentes/indicadores/busqueda.py),
  field by field against the rows the seed wrote in SQL, and the vectors against the
  backend's own expression over those fields;
- indicator values: already normalised (``normalizar(valor)`` gives them back), and the
  rebuild from their number (``valor(i)``) gives the stored value;
- counts: rows per table, sightings without a TLP, SLA clocks per open incident.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parents[2] / "bench"
sys.path.insert(0, str(BENCH))

import _comun  # noqa: E402

_comun.preparar()  # DATABASE_URL comes from the test

import _sembrar_escala as escala  # noqa: E402
from django.db import connection  # noqa: E402

from cgii.busqueda import registro  # noqa: E402
from cgii.busqueda.backends.basedatos import VECTOR_SQL  # noqa: E402
from cgii.busqueda.models import DocumentoBusqueda  # noqa: E402
from incidentes.indicadores.models import Indicador, IndicadorIncidente  # noqa: E402
from incidentes.indicadores.normalizacion import normalizar  # noqa: E402
from incidentes.models import Incidente  # noqa: E402
from incidentes.states import ESTADOS_ABIERTOS  # noqa: E402
from protocolos.models import RelojSLA  # noqa: E402

CAMPOS = ("entidad_id", "clave", "titulo", "texto", "mensajes", "interno", "estado",
          "prioridad", "categoria", "tlp", "anio", "fecha", "datos")


def diferencias(tipo: str, ids: list[int]) -> list[str]:
    salida = []
    filas = {d.objeto_id: d for d in DocumentoBusqueda.objects.filter(tipo=tipo,
                                                                      objeto_id__in=ids)}
    for doc in registro.tipo(tipo).construir(ids):
        fila = filas.get(doc.objeto_id)
        if fila is None:
            salida.append(f"{tipo}:{doc.objeto_id} missing")
            continue
        esperado = doc.limpio()
        for campo in CAMPOS:
            if getattr(fila, campo) != getattr(esperado, campo):
                salida.append(f"{tipo}:{doc.objeto_id}.{campo}: {getattr(fila, campo)!r} != "
                              f"{getattr(esperado, campo)!r}")
        if sorted(fila.entidades) != sorted(esperado.entidades):
            salida.append(f"{tipo}:{doc.objeto_id}.entidades: {fila.entidades} != "
                          f"{list(esperado.entidades)}")
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*) FROM busqueda_documento d WHERE tipo = %s AND "
                       f"objeto_id = ANY(%s) AND vector IS DISTINCT FROM "
                       f"({VECTOR_SQL.format(p='d.')})", [tipo, ids])
        distintos = cursor.fetchone()[0]
    if distintos:
        salida.append(f"{tipo}: {distintos} vector(s) differ from the backend's expression")
    return salida


def main() -> int:
    incidentes = list(Incidente.objects.order_by("?").values_list("pk", flat=True)[:150])
    indicadores = list(Indicador.objects.order_by("?").values_list("pk", flat=True)[:300])
    vistos = list(IndicadorIncidente.objects.values_list("indicador_id", flat=True)[:100])
    primero = Indicador.objects.order_by("pk").values_list("pk", flat=True).first()
    muestra = Indicador.objects.filter(pk__in=indicadores).values_list("pk", "tipo", "valor")
    valores_mal = [v for pk, t, v in muestra
                   if (t, v) != escala.valor(pk - primero) or normalizar(v, t).valor != v]
    abiertos = Incidente.objects.filter(estado__in=ESTADOS_ABIERTOS).count()
    resultado = {
        "incidentes": Incidente.objects.count(),
        "indicadores": Indicador.objects.count(),
        "avistamientos": IndicadorIncidente.objects.count(),
        "avistamientos_sin_tlp": IndicadorIncidente.objects.filter(tlp="").count(),
        "documentos": DocumentoBusqueda.objects.count(),
        "abiertos": abiertos,
        "relojes": RelojSLA.objects.filter(ambito="incidente").count(),
        "entidades_con_incidentes": Incidente.objects.values("entidad_id").distinct().count(),
        "valores_mal": valores_mal[:5],
        "diferencias": (diferencias("incidente", incidentes)
                        + diferencias("indicador", indicadores + vistos))[:10],
        "ultimo_incidente": Incidente.objects.order_by("-pk").values_list("pk", flat=True)
        .first(),
    }
    print("VERIFICAR " + json.dumps(resultado), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
