"""What is frozen so that it never changes afterwards.

The plan-level facts a closed period freezes beside its control snapshot
(``SnapshotPeriodo``): governance, schedule and findings as they stood at the close.

Written by the closing service (``services.seguimiento``) and read by the compliance report
(``reportes.cumplimiento``); both go through these two functions so the stored shape has one
definition. Values are JSON (dates and instants in ISO); ``leer`` turns them back into the
rows the report computes with.

The conformity summary (``resumen_conformidad``): what the PISI summary PDF shows, frozen by
the transition that gives conformity (``services.planes``) and rendered by ``pdf``.
"""

from datetime import date, datetime

from django.utils import timezone

from .selectors import actividades_de, soa_resumen


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


# ---- the conformity summary -------------------------------------------------------------------

NIVELES_RIESGO = ("critico", "alto", "medio", "bajo", "")


def _nombre(usuario) -> str:
    return (usuario.get_full_name() or usuario.get_username()) if usuario else ""


def resumen_conformidad(plan, *, momento) -> dict:
    """Everything the conformity summary (PDF) shows, as JSON, taken inside the transition
    that gives conformity: the document is rendered from this, never from live data, so a
    file regenerated later says exactly what the MAE's resolution cited."""
    hoy = timezone.localtime(momento).date()
    actividades = list(actividades_de(plan=plan, hoy=hoy))
    por_nivel: dict[str, int] = {}
    for r in plan.evaluacion_riesgos or []:
        nivel = str(r.get("nivel") or "").lower()
        por_nivel[nivel] = por_nivel.get(nivel, 0) + 1
    evidencias = list(plan.evidencias.values_list("estado", flat=True))
    return {
        "plan": {
            "entidad": {"nombre": plan.entidad.nombre, "sigla": plan.entidad.sigla},
            "gestion": plan.gestion, "version": plan.version,
            "catalogo": {"codigo": plan.catalogo.codigo, "nombre": plan.catalogo.nombre,
                         "version": plan.catalogo.version},
            "estado": plan.estado, "estado_display": str(plan.get_estado_display()),
            "presentado_en": _iso(plan.presentado_en), "conforme_en": _iso(plan.conforme_en),
            "conforme_por": _nombre(plan.conforme_por),
            "rsi": _nombre(plan.rsi), "rsi_email": plan.rsi.email if plan.rsi else "",
            "politica_nombre": plan.politica_nombre,
            "politica_aprobada_en": _iso(plan.politica_aprobada_en),
            "politica_sha256": plan.politica_sha256,
            "alcance": plan.alcance, "comite": list(plan.comite or []),
            "riesgos_evaluados": len(plan.evaluacion_riesgos or []),
        },
        "codigo": plan.codigo_verificacion or "",
        "soa": soa_resumen(plan=plan),
        "actividades": [
            {"titulo": a.titulo, "responsable": a.responsable, "atrasada": a.atrasada,
             "inicio_planificado": _iso(a.inicio_planificado),
             "fin_planificado": _iso(a.fin_planificado), "avance": a.avance,
             "controles": [c.control.numero for c in a.controles.all()]}
            for a in actividades],
        "riesgos": sorted(por_nivel.items(), key=lambda kv: NIVELES_RIESGO.index(kv[0])
                          if kv[0] in NIVELES_RIESGO else 99),
        "activos": len(plan.inventario_activos or []),
        "evidencias": {"total": len(evidencias),
                       "aprobadas": sum(e == "aprobada" for e in evidencias)},
        "generado": _iso(momento),
    }
