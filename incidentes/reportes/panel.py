"""The incidents panel of the dashboard (``cgii.reportes.tablero``), registered from
``IncidentesConfig.ready()``: CGII staff see the national figures, an entity's users their
own (``tablero_incidentes`` scopes through ``incidentes_visibles``)."""

from django.utils.translation import gettext as _

from cgii.entidades.selectors import es_personal_cgii
from cgii.reportes.documento import Cifra, Columna, Grafico, Seccion, Serie, Tabla
from cgii.reportes.tablero import Panel

from .tablero import tablero_incidentes
from .tipos import puede_ver


def _etiquetas_sla() -> dict[str, str]:
    return {"incumplido": _("Vencido"), "advertencia": _("Por vencer"), "ok": _("En plazo"),
            "pausado": _("En pausa"), "cumplido": _("Cumplido"), "sin_iniciar": _("Sin reloj"),
            "descartado": _("Descartado")}


def secciones(*, usuario, ahora) -> list[Seccion]:
    t = tablero_incidentes(usuario=usuario, ahora=ahora)
    etiquetas = _etiquetas_sla()
    seccion = Seccion("incidentes", _("Incidentes"), cifras=[
        Cifra(_("Reportados hoy"), t.reportados_hoy),
        Cifra(_("Reportados esta semana"), t.reportados_semana),
        Cifra(_("Abiertos"), t.abiertos),
        Cifra(_("Incumplimientos de SLA (7 días)"), t.incumplimientos_7_dias),
    ])
    estados = [e for e, n in t.abiertos_por_estado_sla.items() if n]
    if estados:
        seccion.graficos.append(Grafico(
            "barras", _("Abiertos por estado del SLA"), [etiquetas.get(e, e) for e in estados],
            [Serie(_("Incidentes"), [t.abiertos_por_estado_sla[e] for e in estados])]))
    if t.abiertos:
        prioridades = list(t.abiertos_por_prioridad)
        seccion.graficos.append(Grafico(
            "barras", _("Abiertos por prioridad"), prioridades,
            [Serie(_("Incidentes"), [t.abiertos_por_prioridad[p] for p in prioridades])]))
    seccion.tablas.append(Tabla(
        "categorias-30-dias", _("Categorías más frecuentes (30 días)"),
        [Columna(_("Categoría")), Columna(_("Incidentes"), "entero")],
        [[nombre, n] for nombre, n in t.top_categorias_30_dias]))
    if not es_personal_cgii(usuario):
        seccion.tablas.append(Tabla(
            "mis-abiertos", _("Mis incidentes abiertos"),
            [Columna(_("Código")), Columna(_("Título")), Columna(_("Estado")),
             Columna(_("Prioridad")), Columna(_("SLA")),
             Columna(_("Próximo vencimiento"), "fecha_hora")],
            [[i.codigo, i.titulo, i.estado_etiqueta, i.prioridad,
              etiquetas.get(i.estado_sla or "sin_iniciar", i.estado_sla), i.vence_sla]
             for i in t.mis_abiertos]))
    return [seccion]


PANEL = Panel("incidentes", puede_ver, secciones, orden=10)  # declared in complemento.py
