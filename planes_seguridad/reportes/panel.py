"""The PISI panel of the dashboard (``cgii.reportes.tablero``), registered from
``PlanesSeguridadConfig.ready()``: CGII staff see the national progress of the gestión, an
entity's users the state of their own plan."""

from django.core.cache import cache
from django.utils.translation import gettext as _

from cgii.entidades.selectors import es_personal_cgii, membresias_activas
from cgii.reportes.documento import Cifra, Columna, Grafico, Seccion, Serie, Tabla
from cgii.reportes.tablero import Panel

from .tablero import avance_pisi_nacional, estado_plan_entidad

# The national figures read every entity's snapshots: computed at most once a minute for
# everyone (they move only when a period closes or a plan changes state).
CACHE_NACIONAL_S = 60


def _nacional(*, usuario, ahora) -> list[Seccion]:
    gestion = ahora.year
    clave = f"tablero:pisi:nacional:{gestion}"
    a = cache.get(clave)
    if a is None:
        a = avance_pisi_nacional(usuario=usuario, gestion=gestion)
        cache.set(clave, a, CACHE_NACIONAL_S)
    seccion = Seccion("pisi-nacional", _("PISI: avance nacional %(g)s") % {"g": gestion},
                      cifras=[
        Cifra(_("Entidades del nivel central con PISI aprobado"), a.porcentaje_aprobados,
              "porcentaje", meta=a.meta,
              nota=_("%(a)s de %(c)s") % {"a": a.centrales_aprobados, "c": a.centrales}),
        Cifra(_("Cumplimiento promedio"), a.promedio_cumplimiento, "porcentaje",
              nota=_("%(n)s entidades con seguimiento cerrado") % {"n": a.con_puntaje}),
        Cifra(_("Entidades sin PISI"), a.sin_plan),
    ])
    estados = [(etiqueta, n) for _e, etiqueta, n in a.por_estado if n]
    if estados:
        seccion.graficos.append(Grafico(
            "barras_horizontales", _("Entidades por estado de su PISI"),
            [str(e) for e, _n in estados], [Serie(_("Entidades"), [n for _e, n in estados])]))
    return [seccion]


def _entidad(*, usuario, ahora) -> list[Seccion]:
    planes = estado_plan_entidad(usuario=usuario)
    filas = []
    for p in planes:
        proximo = min(p.plazos, key=lambda f: f.vence, default=None)
        filas.append([f"{p.sigla} {p.gestion} v{p.version}", p.estado_etiqueta, p.cumplimiento,
                      p.periodo or "—", proximo.vence if proximo else None,
                      str(proximo.etiqueta) if proximo else "—",
                      p.actividades_atrasadas, p.hallazgos_abiertos])
    tabla = Tabla("mi-pisi", _("Mi PISI"), [
        Columna(_("Plan")), Columna(_("Estado")), Columna(_("Cumplimiento"), "porcentaje"),
        Columna(_("Último seguimiento")), Columna(_("Próximo plazo"), "fecha"),
        Columna(_("Plazo")), Columna(_("Actividades atrasadas"), "entero"),
        Columna(_("Hallazgos abiertos"), "entero")], filas)
    texto = "" if planes else _("Su entidad aún no registró su PISI.")
    return [Seccion("pisi-entidad", _("PISI"), texto=texto, tablas=[tabla] if planes else [])]


def secciones(*, usuario, ahora) -> list[Seccion]:
    if es_personal_cgii(usuario):
        return _nacional(usuario=usuario, ahora=ahora)
    return _entidad(usuario=usuario, ahora=ahora)


def puede_ver(usuario) -> bool:
    return es_personal_cgii(usuario) or bool(membresias_activas(usuario))


PANEL = Panel("pisi", puede_ver, secciones, orden=20)  # declared in complemento.py
