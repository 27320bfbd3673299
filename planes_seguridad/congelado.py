"""The plan-level facts a closed period freezes beside its control snapshot
(``SnapshotPeriodo``): governance, schedule and findings as they stood at the close.

Written by the closing service (``services.seguimiento``) and read by the compliance report
(``reportes.cumplimiento``); both go through these two functions so the stored shape has one
definition. Values are JSON (dates and instants in ISO); ``leer`` turns them back into the
rows the report computes with.
"""

from datetime import date, datetime


def _iso(valor) -> str | None:
    return valor.isoformat() if valor is not None else None


def hechos_gobernanza(plan) -> dict:
    rsi = plan.rsi
    return {
        "rsi": (rsi.get_full_name() or rsi.get_username()) if rsi else "",
        "comite": len(plan.comite or []),
        "politica_presente": bool(plan.politica_ruta),
        "politica_aprobada_en": _iso(plan.politica_aprobada_en),
        "aprobado_en": _iso(plan.aprobado_en),
        "resolucion_cite": plan.resolucion_cite,
        "resolucion_fecha": _iso(plan.resolucion_fecha),
    }


def resumen(plan) -> dict:
    """The three frozen parts of ``plan`` now (two queries)."""
    return {
        "gobernanza": hechos_gobernanza(plan),
        "actividades": [
            {"titulo": a["titulo"], "fin_planificado": _iso(a["fin_planificado"]),
             "fin_real": _iso(a["fin_real"]), "avance": a["avance"]}
            for a in plan.actividades.order_by("fin_planificado", "id")
            .values("titulo", "fin_planificado", "fin_real", "avance")],
        "hallazgos": [
            {"grado": h["grado"], "creado": _iso(h["creado"]), "cerrado_en": _iso(h["cerrado_en"])}
            for h in plan.hallazgos.order_by("creado", "id").values("grado", "creado",
                                                                     "cerrado_en")],
    }


def _fecha(valor: str | None) -> date | None:
    return date.fromisoformat(valor) if valor else None


def _instante(valor: str | None) -> datetime | None:
    return datetime.fromisoformat(valor) if valor else None


def leer(gobernanza: dict, actividades: list, hallazgos: list) -> tuple[dict, list, list]:
    """(governance facts with dates, activity rows, finding rows) as the report uses them."""
    hechos = {**gobernanza,
              "politica_aprobada_en": _fecha(gobernanza.get("politica_aprobada_en")),
              "aprobado_en": _instante(gobernanza.get("aprobado_en")),
              "resolucion_fecha": _fecha(gobernanza.get("resolucion_fecha"))}
    filas_actividades = [{**a, "fin_planificado": _fecha(a["fin_planificado"]),
                          "fin_real": _fecha(a["fin_real"])} for a in actividades]
    filas_hallazgos = [{**h, "creado": _instante(h["creado"]),
                        "cerrado_en": _instante(h["cerrado_en"])} for h in hallazgos]
    return hechos, filas_actividades, filas_hallazgos
