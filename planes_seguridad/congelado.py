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


def _riesgos_conformidad(plan, momento) -> dict:
    """The risk register and its two heat maps, the asset inventory and the review rounds,
    as they stand at conformity (issue 23's pages of the summary)."""
    from . import riesgo
    from .selectors import activos_de, mapa_calor, matriz_de, riesgos_de, rondas_de

    matriz = matriz_de(plan)
    escenarios = list(riesgos_de(plan=plan))

    def nombre(codigo):
        return riesgo.nombre_nivel(matriz, codigo) if matriz and codigo else codigo

    return {
        "matriz": str(matriz) if matriz else "",
        "niveles": list(matriz.niveles) if matriz else [],
        "aceptacion_mae_desde": nombre(matriz.aceptacion_mae_desde) if matriz else "",
        "mapas": {"inherente": mapa_calor(matriz=matriz, escenarios=escenarios),
                  "residual": mapa_calor(matriz=matriz, escenarios=escenarios, residual=True)},
        "registro": [
            {"codigo": e.codigo, "activo": e.activo.codigo,
             "amenaza": f"[{e.amenaza.codigo}] {e.amenaza.titulo}",
             "vulnerabilidad": e.vulnerabilidad.codigo if e.vulnerabilidad else "",
             "pi": f"{e.probabilidad}×{e.impacto}" if e.probabilidad else "",
             "nivel": e.nivel, "nivel_nombre": nombre(e.nivel),
             "tratamiento": str(e.get_tratamiento_display()) if e.tratamiento else "",
             "controles": [f.control.numero for f in e.controles.all()],
             "pi_residual": (f"{e.probabilidad_residual}×{e.impacto_residual}"
                             if e.probabilidad_residual else ""),
             "nivel_residual": e.nivel_residual, "nivel_residual_nombre": nombre(e.nivel_residual),
             "aceptado": _nombre(e.aceptado_por), "aceptado_en": _iso(e.aceptado_en)}
            for e in escenarios],
        "activos": [
            {"codigo": a.codigo, "nombre": a.nombre, "tipo": str(a.get_tipo_display()),
             "propietario": a.propietario, "ubicacion": a.ubicacion,
             "clasificacion": str(a.get_clasificacion_display()),
             "c": a.valor_c, "i": a.valor_i, "d": a.valor_d, "riesgos": a.n_riesgos}
            for a in activos_de(plan=plan)],
        # Frozen inside the transition that gives conformity, before it closes the round
        # it ends: that round is shown as closed by this conformity.
        "rondas": [
            {"numero": r.numero, "observaciones": r.n_observaciones,
             "abierta_en": _iso(r.abierta_en),
             **({"resultado": r.resultado, "cerrada_en": _iso(r.cerrada_en)} if r.cerrada_en
                else {"resultado": "conforme", "cerrada_en": _iso(momento)})}
            for r in rondas_de(plan=plan)],
    }


def resumen_conformidad(plan, *, momento) -> dict:
    """Everything the conformity summary (PDF) shows, as JSON, taken inside the transition
    that gives conformity: the document is rendered from this, never from live data, so a
    file regenerated later says exactly what the MAE's resolution cited."""
    hoy = timezone.localtime(momento).date()
    actividades = list(actividades_de(plan=plan, hoy=hoy))
    gestion_riesgos = _riesgos_conformidad(plan, momento)
    # Scenarios by inherent level (the records; plans from before them: the JSON summary).
    por_nivel: dict[str, int] = {}
    for r in gestion_riesgos["registro"] or plan.evaluacion_riesgos or []:
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
            "riesgos_evaluados": len(gestion_riesgos["registro"]) or len(
                plan.evaluacion_riesgos or []),
        },
        "codigo": plan.codigo_verificacion or "",
        "soa": soa_resumen(plan=plan),
        "actividades": [
            {"titulo": a.titulo, "responsable": a.responsable, "atrasada": a.atrasada,
             "inicio_planificado": _iso(a.inicio_planificado),
             "fin_planificado": _iso(a.fin_planificado), "avance": a.avance,
             "controles": [c.control.numero for c in a.controles.all()]}
            for a in actividades],
        # Lists, not tuples: the value is stored as JSON and must read back equal.
        "riesgos": [list(kv) for kv in sorted(
            por_nivel.items(), key=lambda kv: NIVELES_RIESGO.index(kv[0])
            if kv[0] in NIVELES_RIESGO else 99)],
        "activos": len(gestion_riesgos["activos"]) or len(plan.inventario_activos or []),
        "gestion_riesgos": gestion_riesgos,
        "evidencias": {"total": len(evidencias),
                       "aprobadas": sum(e == "aprobada" for e in evidencias)},
        "generado": _iso(momento),
    }
