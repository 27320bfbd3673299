"""The incident list's rows without DRF's per-field machinery (issue 22): one ``.values()``
query (``selectors.incidentes_pagina``) turned into the dicts ``IncidenteListaSerializer``
documents — same keys, same types, same datetime text — with the state labels translated
once per request instead of once per row. tests/incidentes/test_listas_keyset.py compares
both outputs."""

from django.utils import timezone

from ..states import Estado

COLUMNAS = (
    "id", "codigo", "titulo", "estado", "prioridad", "tlp", "origen", "vence_sla", "estado_sla",
    "detectado_en", "creado", "actualizado", "tipo__codigo", "tipo__nombre", "entidad_id",
    "entidad__sigla", "entidad__nombre", "analista_id", "analista__first_name",
    "analista__last_name", "analista__username",
)


def _fecha(valor, zona) -> str | None:
    """What rest_framework.fields.DateTimeField gives (ISO 8601 in the current zone)."""
    if valor is None:
        return None
    texto = valor.astimezone(zona).isoformat()
    return texto[:-6] + "Z" if texto.endswith("+00:00") else texto


def filas_api(filas: list[dict]) -> list[dict]:
    zona = timezone.get_current_timezone()
    estados = {valor: str(etiqueta) for valor, etiqueta in Estado.choices}
    salida = []
    for f in filas:
        analista = None
        if f["analista_id"] is not None:
            nombre = f"{f['analista__first_name']} {f['analista__last_name']}".strip()
            analista = {"id": f["analista_id"], "nombre": nombre or f["analista__username"]}
        salida.append({
            "id": f["id"], "codigo": f["codigo"], "titulo": f["titulo"], "estado": f["estado"],
            "estado_display": estados.get(f["estado"], f["estado"]),
            "prioridad": f["prioridad"], "tlp": f["tlp"],
            "tipo": ({"codigo": f["tipo__codigo"], "nombre": f["tipo__nombre"]}
                     if f["tipo__codigo"] is not None else None),
            "entidad": {"id": f["entidad_id"], "sigla": f["entidad__sigla"],
                        "nombre": f["entidad__nombre"]},
            "analista": analista, "origen": f["origen"],
            "vence_sla": _fecha(f["vence_sla"], zona), "estado_sla": f["estado_sla"],
            "detectado_en": _fecha(f["detectado_en"], zona), "creado": _fecha(f["creado"], zona),
            "actualizado": _fecha(f["actualizado"], zona),
        })
    return salida
