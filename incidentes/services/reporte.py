"""A report with the reporter's structured extras (issue 18): the category they think it
is (from the taxonomy, or "no sé") and indicator rows (type + value). The same function
serves the web form and the API.

Everything is validated first (category code, each row normalised by the indicator module's
``normalizar``: one Spanish message per bad row); then, in one transaction, the incident is
reported (``incidente_reportar``), the category is written as a timeline entry (shared with
the entity; the analyst's classification form starts from it) and the indicators are linked
by ``indicadores.services.indicadores_pegar`` (its own timeline, audit and event). A bad
value stores nothing: not the incident, not its files.

Not re-exported by ``incidentes.services`` (its ``__init__``): the indicators' services
import ``incidentes.services.comun``, and this module imports them.
"""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from cgii.errores import ErrorValidacion
from protocolos.models import TipoIncidente

from ..indicadores.models import OrigenIndicador, RolIndicador
from ..indicadores.normalizacion import TipoIndicador, ValorInvalido, normalizar, tipo_de_alias
from ..models import Incidente, TipoEntrada
from .comun import registrar

NO_SE = "no-se"
MAX_INDICADORES = 50
# What a reporter may type in a row (a STIX pattern is an analyst's tool).
TIPOS_REPORTE = [c for c in TipoIndicador.choices if c[0] != TipoIndicador.PATRON]


def validar_categoria(categoria: str) -> TipoIncidente | None:
    codigo = (categoria or "").strip()
    if codigo in ("", NO_SE):
        return None
    tipo = TipoIncidente.objects.filter(codigo=codigo, activo=True).select_related(
        "clase").first()
    if tipo is None:
        raise ErrorValidacion(extra={"categoria": [_("Categoría desconocida: «%(c)s».")
                                                   % {"c": codigo[:60]}]})
    return tipo


def validar_indicadores(filas) -> list[tuple[str, str]]:
    """``filas``: [(tipo, valor)] or [{"tipo", "valor"}]; empty rows are skipped. Returns
    the (type, normalised value) pairs; ErrorValidacion on ``indicadores`` listing every bad
    row (1-based, as the reporter counts them)."""
    validas: list[tuple[str, str]] = []
    errores: list[str] = []
    filas = list(filas or [])
    for numero, fila in enumerate(filas, start=1):
        tipo, valor = (fila.get("tipo", ""), fila.get("valor", "")) if isinstance(fila, dict) \
            else fila
        tipo, valor = str(tipo or "").strip(), str(valor or "").strip()
        if not valor:
            if tipo and not isinstance(fila, dict):
                continue  # a type left selected on an empty row of the form
            if isinstance(fila, dict):
                errores.append(_("Fila %(n)d: falta el valor.") % {"n": numero})
            continue
        try:
            t = tipo_de_alias(tipo)
            if t == TipoIndicador.PATRON:
                raise ValorInvalido(_("Los patrones STIX los agrega el CGII."))
            n = normalizar(valor, t)
        except ValorInvalido as exc:
            errores.append(_("Fila %(n)d («%(v)s»): %(e)s")
                           % {"n": numero, "v": valor[:80], "e": exc})
            continue
        if (n.tipo, n.valor) not in validas:
            validas.append((n.tipo, n.valor))
    if len(validas) > MAX_INDICADORES:
        errores.append(_("Máximo %(n)d indicadores por reporte.") % {"n": MAX_INDICADORES})
    if errores:
        raise ErrorValidacion(extra={"indicadores": errores})
    return validas


def incidente_reportar_completo(*, actor, categoria: str = "", indicadores=(),
                                **reporte) -> Incidente:
    """``incidente_reportar`` plus the category and indicator rows (see the module doc)."""
    tipo = validar_categoria(categoria)
    pares = validar_indicadores(indicadores)
    # Through the package (incidentes.services.incidente_reportar), the one name callers and
    # tests (tests/idempotencia: a report held mid-way) know the intake by.
    from incidentes import services

    if tipo is None and not pares:
        # Nothing to add: the report's own transaction is the only one (issue 22: no
        # SAVEPOINT/RELEASE round trips inside it on the plain intake path).
        return services.incidente_reportar(actor=actor, **reporte)
    with transaction.atomic():
        incidente = services.incidente_reportar(actor=actor, **reporte)
        if tipo is not None:
            registrar(incidente, actor=actor, tipo_entrada=TipoEntrada.REPORTE,
                      accion="categoria_reportada", evento="timeline.nuevo",
                      visible_entidad=True,
                      texto=_("Categoría indicada al reportar: %(c)s / %(t)s.")
                      % {"c": tipo.clase.nombre, "t": tipo.nombre},
                      datos={"categoria_reportada": tipo.codigo})
        if pares:
            from ..indicadores.services import indicadores_pegar

            por_tipo: dict[str, list[str]] = {}
            for t, v in pares:
                por_tipo.setdefault(t, []).append(v)
            # Normalised values with their type: re-normalising gives the same pair, so
            # nothing can fail here that passed above. Unverified by CGII: "relacionado"
            # (exported as related-to) until an analyst says more.
            for t, valores in por_tipo.items():
                indicadores_pegar(actor=actor, incidente_id=incidente.pk, texto=valores, tipo=t,
                                  rol=RolIndicador.RELACIONADO, origen=OrigenIndicador.MANUAL,
                                  nota=_("Indicado por quien reportó el incidente."))
    return incidente


def categoria_reportada(timeline) -> str | None:
    """The category code the reporter chose, from the incident's timeline entries."""
    for e in timeline:
        if e.tipo == TipoEntrada.REPORTE and (e.datos or {}).get("categoria_reportada"):
            return e.datos["categoria_reportada"]
    return None
