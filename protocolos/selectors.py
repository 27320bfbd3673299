"""Reads of the protocol catalog. Incidents (and PISI deadlines) only go through these."""

import time as _time
from zoneinfo import ZoneInfo

from django.db.models import Prefetch

from .calendario import Calendario, FeriadosBolivia
from .models import (
    CalendarioLaboral,
    ClaseIncidente,
    DiaNoLaborable,
    Parametro,
    Paso,
    PoliticaSLA,
    Protocolo,
    ReglaPrioridad,
    RelojSLA,
    TipoIncidente,
)

ORDEN = ("P1", "P2", "P3", "P4")


# Parameters and SLA policies change rarely and are read on every report: cached per process
# for a minute, cleared by saves in this process (apps.py); other processes within the minute.
_CACHE_DATOS_SEGUNDOS = 60
_datos: dict[str, tuple[float, object]] = {}


def _cacheado(clave: str, cargar):
    ahora = _time.monotonic()
    guardado = _datos.get(clave)
    if guardado and ahora - guardado[0] < _CACHE_DATOS_SEGUNDOS:
        return guardado[1]
    valor = cargar()
    _datos[clave] = (ahora, valor)
    return valor


def limpiar_cache_datos() -> None:
    _datos.clear()


def _parametros() -> dict:
    return dict(Parametro.objects.values_list("clave", "valor"))


def parametro(clave: str, defecto=None):
    valor = _cacheado("parametros", _parametros).get(clave)
    return defecto if valor is None else valor


def elevar(prioridad: str) -> str:
    return ORDEN[max(ORDEN.index(prioridad) - 1, 0)]


def prioridad_inicial(*, entidad_critica: bool) -> str:
    prioridad = parametro("prioridad_inicial", "P3")
    if entidad_critica and parametro("elevar_entidad_critica", True):
        prioridad = elevar(prioridad)
    return prioridad


def calcular_prioridad(*, impacto: int, urgencia: int, entidad_critica: bool) -> str:
    regla = ReglaPrioridad.objects.filter(impacto=impacto, urgencia=urgencia).first()
    prioridad = regla.prioridad if regla else "P3"
    if entidad_critica and parametro("elevar_entidad_critica", True):
        prioridad = elevar(prioridad)
    return prioridad


def matriz_prioridad() -> dict[int, dict[int, str]]:
    matriz: dict[int, dict[int, str]] = {}
    for r in ReglaPrioridad.objects.all():
        matriz.setdefault(r.impacto, {})[r.urgencia] = r.prioridad
    return matriz


def tipo_por_codigo(codigo: str) -> TipoIncidente | None:
    return (TipoIncidente.objects.select_related("clase")
            .filter(codigo=codigo, activo=True).first())


def codigos_tipos() -> list[str]:
    """Codes of the active incident types (what classification accepts: the API's enum).
    Cached like the parameters: every report through the API builds its serializer with
    them (issue 22: one query less per intake)."""
    return list(_cacheado("codigos_tipos", lambda: tuple(
        TipoIncidente.objects.filter(activo=True).order_by("codigo")
        .values_list("codigo", flat=True))))


def opciones_tipos() -> list[tuple[ClaseIncidente, list[TipoIncidente]]]:
    """Active classes with their active types, for grouped <select>s. Cached like the
    parameters (issue 22: the detail page's classification form asked two queries each
    time); the lists are copies, the instances are only read."""
    def cargar():
        activos = TipoIncidente.objects.filter(activo=True)
        clases = (ClaseIncidente.objects.filter(activa=True)
                  .prefetch_related(Prefetch("tipos", queryset=activos)))
        return [(c, list(c.tipos.all())) for c in clases]

    return [(c, list(tipos)) for c, tipos in _cacheado("opciones_tipos", cargar)]


def protocolo_vigente(codigo: str) -> Protocolo | None:
    return Protocolo.objects.filter(codigo=codigo, vigente=True).first()


def protocolo_para_tipo(tipo: TipoIncidente) -> Protocolo:
    """The type's protocol, or the general one when it has none loaded."""
    return protocolo_vigente(tipo.protocolo_codigo) or protocolo_vigente("general")


def pasos_de(protocolo: Protocolo) -> list[Paso]:
    return list(protocolo.pasos.order_by("orden"))


def roles_para_transicion(*, protocolo: Protocolo, transicion: str) -> tuple[str, ...]:
    return tuple(protocolo.transiciones.get(transicion, ()))


def _politicas() -> dict[str, PoliticaSLA]:
    return {p.prioridad: p for p in PoliticaSLA.objects.select_related("calendario")}


def politica_para(prioridad: str) -> PoliticaSLA:
    politica = _cacheado("politicas", _politicas).get(prioridad)
    if politica is None:  # just loaded, or a priority without policy: read (and fail) loudly
        limpiar_cache_datos()
        return PoliticaSLA.objects.select_related("calendario").get(prioridad=prioridad)
    return politica


# ---- business calendars --------------------------------------------------------------------
# Built calendars are cached per process for a minute: the SLA monitor builds one per clock
# otherwise. Saving a calendar or an extra holiday clears the cache (signals.py); other
# processes see the change within the minute.

_CACHE_SEGUNDOS = 60
_cache: dict[str, tuple[float, Calendario]] = {}


def limpiar_cache_calendarios() -> None:
    _cache.clear()


def _construir(cal: CalendarioLaboral) -> Calendario:
    if cal.continuo:
        return Calendario.continuo_24x7(cal.zona)
    extras = DiaNoLaborable.objects.values_list("fecha", flat=True)
    no_laborables = (FeriadosBolivia(extras) if cal.feriados_pais == "BO"
                     else frozenset(extras))
    return Calendario.laboral(zona=cal.zona, dias=tuple(cal.dias), desde=cal.desde,
                              hasta=cal.hasta, no_laborables=no_laborables)


def calendario(codigo: str = "laboral") -> Calendario:
    """The business calendar by code (PISI deadlines use ``laboral``)."""
    ahora = _time.monotonic()
    guardado = _cache.get(codigo)
    if guardado and ahora - guardado[0] < _CACHE_SEGUNDOS:
        return guardado[1]
    cal = CalendarioLaboral.objects.filter(codigo=codigo).first()
    construido = _construir(cal) if cal else Calendario.laboral(zona="America/La_Paz")
    if guardado and _misma_configuracion(guardado[1], construido):
        # Unchanged: keep the instance, and with it the running sums it has built
        # (``Calendario._dias_completos``), instead of recomputing them every minute.
        construido = guardado[1]
    _cache[codigo] = (ahora, construido)
    return construido


def _misma_configuracion(a: Calendario, b: Calendario) -> bool:
    def extras(cal: Calendario):
        dias = cal.no_laborables
        return (type(dias), getattr(dias, "extras", dias))

    return ((a.continuo, a.zona, a.dias, a.desde, a.hasta, extras(a))
            == (b.continuo, b.zona, b.dias, b.desde, b.hasta, extras(b)))


def calendario_de(politica: PoliticaSLA) -> Calendario:
    return calendario(politica.calendario.codigo)


def zona(politica: PoliticaSLA) -> ZoneInfo:
    return ZoneInfo(politica.calendario.zona)


# ---- clocks ---------------------------------------------------------------------------------

def relojes_que_cruzaron(*, hasta, limite: int | None = None):
    """Clocks whose next threshold (warning or deadline) is at or before ``hasta``: an index
    range scan on ``proximo_umbral``, never a scan of all clocks."""
    consulta = (RelojSLA.objects.select_related("politica__calendario")
                .filter(proximo_umbral__lte=hasta).order_by("proximo_umbral"))
    return consulta[:limite] if limite else consulta


def relojes_de(ambito: str, objeto_id: int) -> dict[str, RelojSLA]:
    return {r.medida: r for r in RelojSLA.objects.filter(ambito=ambito, objeto_id=objeto_id)}
