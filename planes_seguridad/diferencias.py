"""What changed in a plan between two review rounds.

``instantanea(plan)`` takes, when a review round opens, what the reviewer reviews: the
general data, the SoA (decision, justification, status, maturity), the asset inventory, the
risk register and the schedule — as JSON with stable keys (control numbers, asset and risk
codes, activity ids). ``comparar(antes, despues)`` is pure: per section, what was added,
removed and changed (field by field, values as people read them). The review screen compares
the last round the auditor closed with the plan as it is now.
"""

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .models import Clasificacion, EstadoImplementacion, TipoActivo, Tratamiento


def _iso(valor) -> str | None:
    return valor.isoformat() if valor is not None else None


def instantanea(plan) -> dict:
    """The plan's reviewable content now (five queries)."""
    rsi = plan.rsi
    soa = {f["control__numero"]: {
        "titulo": f["control__titulo"], "aplica": f["aplica"], "justificacion": f["justificacion"],
        "estado_implementacion": f["estado_implementacion"], "madurez": f["madurez"]}
        for f in plan.soa.order_by("control__orden").values(
            "control__numero", "control__titulo", "aplica", "justificacion",
            "estado_implementacion", "madurez")}
    activos = {a["codigo"]: {k: a[k] for k in a if k != "codigo"} for a in plan.activos.values(
        "codigo", "nombre", "tipo", "propietario", "ubicacion", "clasificacion", "valor_c",
        "valor_i", "valor_d")}
    riesgos = {}
    for e in plan.riesgos.select_related("activo", "amenaza", "vulnerabilidad").prefetch_related(
            "controles__control", "actividades"):
        riesgos[e.codigo] = {
            "titulo": f"[{e.amenaza.codigo}] {e.amenaza.titulo}", "activo": e.activo.codigo,
            "amenaza": e.amenaza.codigo,
            "vulnerabilidad": e.vulnerabilidad.codigo if e.vulnerabilidad else "",
            "probabilidad": e.probabilidad, "impacto": e.impacto, "nivel": e.nivel,
            "tratamiento": e.tratamiento,
            "controles": sorted(f.control.numero for f in e.controles.all()),
            "actividades": sorted(a.titulo for a in e.actividades.all()),
            "probabilidad_residual": e.probabilidad_residual,
            "impacto_residual": e.impacto_residual, "nivel_residual": e.nivel_residual,
            "aceptado": e.aceptado_por_id is not None}
    cronograma = {}
    for a in plan.actividades.prefetch_related("controles__control").order_by("id"):
        cronograma[str(a.pk)] = {
            "titulo": a.titulo, "responsable": a.responsable,
            "inicio_planificado": _iso(a.inicio_planificado),
            "fin_planificado": _iso(a.fin_planificado), "avance": a.avance,
            "controles": sorted(f.control.numero for f in a.controles.all())}
    return {
        "datos": {"alcance": plan.alcance,
                  "rsi": (rsi.get_full_name() or rsi.get_username()) if rsi else "",
                  "comite": ", ".join(m.get("nombre", "") for m in plan.comite or []),
                  "politica": plan.politica_sha256,
                  "politica_aprobada_en": _iso(plan.politica_aprobada_en)},
        "soa": soa, "activos": activos, "riesgos": riesgos, "cronograma": cronograma,
    }


SECCIONES = (
    ("datos", gettext_lazy("Datos generales")),
    ("soa", gettext_lazy("Declaración de aplicabilidad")),
    ("activos", gettext_lazy("Inventario de activos")),
    ("riesgos", gettext_lazy("Registro de riesgos")),
    ("cronograma", gettext_lazy("Cronograma")),
)
ETIQUETAS = {
    "alcance": gettext_lazy("Alcance"), "rsi": gettext_lazy("RSI"),
    "comite": gettext_lazy("Comité"), "politica": gettext_lazy("Política (SHA-256)"),
    "politica_aprobada_en": gettext_lazy("Política aprobada en"),
    "aplica": gettext_lazy("Aplica"), "justificacion": gettext_lazy("Justificación"),
    "estado_implementacion": gettext_lazy("Implementación"), "madurez": gettext_lazy("Madurez"),
    "nombre": gettext_lazy("Nombre"), "tipo": gettext_lazy("Tipo"),
    "propietario": gettext_lazy("Propietario"), "ubicacion": gettext_lazy("Ubicación"),
    "clasificacion": gettext_lazy("Clasificación"), "valor_c": "C", "valor_i": "I",
    "valor_d": "D", "activo": gettext_lazy("Activo"), "amenaza": gettext_lazy("Amenaza"),
    "vulnerabilidad": gettext_lazy("Vulnerabilidad"),
    "probabilidad": gettext_lazy("Probabilidad"), "impacto": gettext_lazy("Impacto"),
    "nivel": gettext_lazy("Nivel inherente"), "tratamiento": gettext_lazy("Tratamiento"),
    "controles": gettext_lazy("Controles"), "actividades": gettext_lazy("Actividades"),
    "probabilidad_residual": gettext_lazy("Probabilidad residual"),
    "impacto_residual": gettext_lazy("Impacto residual"),
    "nivel_residual": gettext_lazy("Nivel residual"),
    "aceptado": gettext_lazy("Aceptado por la MAE"), "titulo": gettext_lazy("Título"),
    "responsable": gettext_lazy("Responsable"),
    "inicio_planificado": gettext_lazy("Inicio planificado"),
    "fin_planificado": gettext_lazy("Fin planificado"), "avance": gettext_lazy("Avance %"),
}
OPCIONES = {"estado_implementacion": dict(EstadoImplementacion.choices),
            "tipo": dict(TipoActivo.choices), "clasificacion": dict(Clasificacion.choices),
            "tratamiento": dict(Tratamiento.choices)}


def legible(campo: str, valor) -> str:
    """A value as a person reads it in the diff."""
    if valor is None or valor == "" or valor == []:
        return "—"
    if isinstance(valor, bool):
        return _("Sí") if valor else _("No")
    if isinstance(valor, list):
        return ", ".join(map(str, valor))
    if campo in OPCIONES:
        return str(OPCIONES[campo].get(valor, valor))
    return str(valor)


def _titulo(clave: str, fila: dict) -> str:
    """«12.3.1 Respaldo…», «R-02 [A.24] …», «A-01 Correo»; activities (keyed by id) by title."""
    titulo = fila.get("titulo") or fila.get("nombre") or ""
    if clave.isdigit() or clave == "datos" or not titulo:
        return titulo or clave
    return f"{clave} {titulo}"


def _seccion(antes: dict, despues: dict) -> dict:
    agregados = [{"clave": k, "titulo": _titulo(k, despues[k])} for k in despues
                 if k not in antes]
    quitados = [{"clave": k, "titulo": _titulo(k, antes[k])} for k in antes if k not in despues]
    cambiados = []
    for k in despues:
        if k not in antes:
            continue
        campos = [{"campo": c, "etiqueta": str(ETIQUETAS.get(c, c)),
                   "antes": legible(c, antes[k].get(c)), "despues": legible(c, v)}
                  for c, v in despues[k].items() if c != "titulo" and antes[k].get(c) != v]
        if campos:
            cambiados.append({"clave": k, "titulo": _titulo(k, despues[k]), "campos": campos})
    return {"agregados": agregados, "quitados": quitados, "cambiados": cambiados,
            "total": len(agregados) + len(quitados) + len(cambiados)}


def comparar(antes: dict, despues: dict) -> list[dict]:
    """[{clave, titulo, agregados, quitados, cambiados, total}] per section, in order."""
    salida = []
    for clave, titulo in SECCIONES:
        if clave == "datos":
            a, d = {"datos": {"titulo": str(titulo), **antes.get(clave, {})}}, {
                "datos": {"titulo": str(titulo), **despues.get(clave, {})}}
        else:
            a, d = antes.get(clave, {}), despues.get(clave, {})
        salida.append({"clave": clave, "titulo": str(titulo), **_seccion(a, d)})
    return salida
