"""The plan as the XLSX workbook the import reads (``xlsx_plan``): assets, risks, SoA and
schedule of a visible plan, or the blank template with the catalogs in force. Reads only
(through the selectors), so any user who sees the plan may export it."""

import re

from django.utils import timezone

from . import riesgo, selectors, xlsx_plan


def _lista_codigos(elementos) -> list[str]:
    return [e.codigo for e in elementos]


def plantilla() -> bytes:
    """The blank template, its lists filled with the threats and vulnerabilities in force."""
    return xlsx_plan.escribir({}, amenazas=_lista_codigos(selectors.amenazas_vigentes()),
                              vulnerabilidades=_lista_codigos(
                                  selectors.vulnerabilidades_vigentes()))


def filas_del_plan(plan) -> dict[str, list[dict]]:
    matriz = selectors.matriz_de(plan)

    def nombre_nivel(codigo):
        return riesgo.nombre_nivel(matriz, codigo) if matriz and codigo else codigo

    activos = [{c: getattr(a, c) for c in ("codigo", "nombre", "tipo", "propietario",
                                           "ubicacion", "clasificacion", "valor_c", "valor_i",
                                           "valor_d", "descripcion")}
               for a in selectors.activos_de(plan=plan)]
    riesgos = []
    for e in selectors.riesgos_de(plan=plan):
        aceptado = ""
        if e.aceptado_por_id:
            quien = e.aceptado_por.get_full_name() or e.aceptado_por.get_username()
            aceptado = f"{quien} · {timezone.localtime(e.aceptado_en):%d/%m/%Y}"
        riesgos.append({
            "codigo": e.codigo, "activo": e.activo.codigo, "amenaza": e.amenaza.codigo,
            "vulnerabilidad": e.vulnerabilidad.codigo if e.vulnerabilidad else "",
            "descripcion": e.descripcion, "probabilidad": e.probabilidad, "impacto": e.impacto,
            "tratamiento": e.tratamiento, "detalle_tratamiento": e.detalle_tratamiento,
            "responsable": e.responsable,
            "controles": [f.control.numero for f in e.controles.all()],
            "actividades": [str(a.pk) for a in e.actividades.all()],
            "probabilidad_residual": e.probabilidad_residual,
            "impacto_residual": e.impacto_residual, "nivel": nombre_nivel(e.nivel),
            "nivel_residual": nombre_nivel(e.nivel_residual), "aceptado": aceptado})
    soa = [{"control": f.control.numero, "titulo": f.control.titulo, "minimo": f.control.minimo,
            "aplica": f.aplica, "justificacion": f.justificacion,
            "estado_implementacion": f.estado_implementacion, "madurez": f.madurez,
            "responsable": f.responsable, "fecha_objetivo": f.fecha_objetivo}
           for f in selectors.soa_de(plan=plan)]
    cronograma = [{"ref": str(a.pk), "titulo": a.titulo, "descripcion": a.descripcion,
                   "responsable": a.responsable, "inicio_planificado": a.inicio_planificado,
                   "fin_planificado": a.fin_planificado, "inicio_real": a.inicio_real,
                   "fin_real": a.fin_real, "avance": a.avance,
                   "controles": [c.control.numero for c in a.controles.all()]}
                  for a in selectors.actividades_de(plan=plan)]
    return {"Activos": activos, "Riesgos": riesgos, "Aplicabilidad": soa,
            "Cronograma": cronograma}


def nombre_archivo(plan) -> str:
    sigla = re.sub(r"[^A-Za-z0-9]", "", plan.entidad.sigla) or "ENT"
    return f"PISI-{sigla}-{plan.gestion}-v{plan.version}.xlsx"


def libro_del_plan(*, usuario, plan_id: int) -> tuple[str, bytes]:
    plan = selectors.plan_obtener(usuario=usuario, plan_id=plan_id)
    titulo = f"PISI {plan.entidad.sigla} · {plan.gestion} · v{plan.version} · {plan.catalogo}"
    contenido = xlsx_plan.escribir(
        filas_del_plan(plan), titulo=titulo,
        amenazas=_lista_codigos(selectors.amenazas_vigentes()),
        vulnerabilidades=_lista_codigos(selectors.vulnerabilidades_vigentes()))
    return nombre_archivo(plan), contenido
