"""``buscar``: the one search entry point (HTML, API, console box), scoped to the caller."""

from __future__ import annotations

import logging

from django.utils.translation import gettext as _

from cgii.entidades.models import Entidad
from cgii.entidades.selectors import es_personal_cgii, ids_entidades_de

from . import conf, registro
from .backends import obtener_backend
from .documentos import FACETAS, Alcance, Consulta, Resultados, ValorFaceta
from .errores import BusquedaNoDisponible

logger = logging.getLogger(__name__)

MAX_TEXTO_CONSULTA = 500


def alcance_de(usuario) -> Alcance:
    """Staff see every document (internal fields too); entity users their entities' ones
    (an entity-scoped API token has already narrowed ``ids_entidades_de``)."""
    if not getattr(usuario, "is_authenticated", False):
        return Alcance(personal=False)
    if es_personal_cgii(usuario):
        return Alcance(personal=True)
    return Alcance(personal=False, entidades=frozenset(ids_entidades_de(usuario)))


def _filtros_limpios(filtros: dict | None) -> dict[str, tuple[str, ...]]:
    salida = {}
    for faceta, valores in (filtros or {}).items():
        if faceta not in FACETAS or valores in (None, "", [], ()):
            continue
        if isinstance(valores, str | int):
            valores = [valores]
        limpios = tuple(dict.fromkeys(str(v)[:80] for v in valores if str(v).strip()))[:50]
        if limpios:
            salida[faceta] = limpios
    return salida


def buscar(usuario, texto: str = "", *, tipos=None, filtros: dict | None = None,
           pagina: int = 1, por_pagina: int = 20) -> Resultados:
    """Documents ``usuario`` may see that match ``texto`` (websearch syntax: "phrase",
    -exclude, OR), with highlights and facets. The caller's visibility is part of the query
    the backend runs, so hits, total, facet counts and highlights never include anything
    else. ``tipos``: registered type names; ``filtros``: facet → values."""
    texto = (texto or "").strip()[:MAX_TEXTO_CONSULTA]
    conocidos = {t.nombre for t in registro.tipos()}
    tipos_pedidos = tuple(t for t in (tipos or ()) if t in conocidos)
    try:
        pagina = max(1, min(int(pagina), conf.PAGINA_MAXIMA))
        por_pagina = max(1, min(int(por_pagina), conf.POR_PAGINA_MAXIMO))
    except (TypeError, ValueError):
        pagina, por_pagina = 1, 20
    claves, reconocida = registro.analizar_claves(texto) if texto else ((), False)
    consulta = Consulta(texto=texto, alcance=alcance_de(usuario), tipos=tipos_pedidos,
                        filtros=_filtros_limpios(filtros), pagina=pagina, por_pagina=por_pagina,
                        claves=claves, clave_reconocida=reconocida)
    backend = obtener_backend()
    try:
        resultados = backend.buscar(consulta)
    except BusquedaNoDisponible:
        raise
    except Exception as exc:
        if _es_error_de_conexion(exc):
            logger.warning("Búsqueda no disponible (%s): %r", backend.nombre, exc)
            raise BusquedaNoDisponible() from exc
        raise
    _decorar(resultados, consulta)
    return resultados


def _es_error_de_conexion(exc: Exception) -> bool:
    try:
        from elastic_transport import TransportError
    except ImportError:  # pragma: no cover
        return False
    return isinstance(exc, TransportError | ConnectionError | TimeoutError)


def _decorar(resultados: Resultados, consulta: Consulta) -> None:
    """URLs, type labels and facet labels (entity acronyms read once)."""
    por_tipo = {t.nombre: t for t in registro.tipos()}
    for a in resultados.aciertos:
        t = por_tipo.get(a.tipo)
        a.etiqueta_estado = a.estado
        if t is not None:
            a.etiqueta_tipo = str(t.etiqueta)
            a.etiqueta_estado = str(t.etiquetas.get("estado", {}).get(a.estado, a.estado))
            try:
                a.url = t.url(a.objeto_id, a.datos)
            except Exception:  # noqa: BLE001 - a missing route must not break the page
                a.url = ""
    etiquetas: dict[str, dict[str, str]] = {"tipo": {n: str(t.etiqueta)
                                                     for n, t in por_tipo.items()}}
    for t in por_tipo.values():
        for faceta, valores in t.etiquetas.items():
            etiquetas.setdefault(faceta, {}).update({k: str(v) for k, v in valores.items()})
    ids_entidad = {int(v.valor) for v in resultados.facetas.get("entidad", [])
                   if v.valor.isdigit()}
    ids_entidad |= {a.entidad_id for a in resultados.aciertos if a.entidad_id}
    if ids_entidad:
        siglas = dict(Entidad.objects.filter(pk__in=ids_entidad).values_list("pk", "sigla"))
        etiquetas["entidad"] = {str(k): v for k, v in siglas.items()}
        for a in resultados.aciertos:
            if a.entidad_id:
                a.datos.setdefault("entidad_sigla", siglas.get(a.entidad_id, ""))
    orden = {"tipo": {n: t.orden for n, t in por_tipo.items()}}
    for faceta, valores in resultados.facetas.items():
        activos = set(consulta.filtros.get(faceta, ()))
        for v in valores:
            v.etiqueta = etiquetas.get(faceta, {}).get(v.valor, v.valor)
            v.activo = v.valor in activos
        if faceta == "anio":
            valores.sort(key=lambda v: v.valor, reverse=True)
        elif faceta in orden:
            valores.sort(key=lambda v: orden[faceta].get(v.valor, 999))
        # active filter values stay visible even when the engine returned no bucket
        presentes = {v.valor for v in valores}
        for valor in sorted(activos - presentes):
            valores.append(ValorFaceta(valor=valor, cuenta=0, activo=True,
                                       etiqueta=etiquetas.get(faceta, {}).get(valor, valor)))
        del valores[conf.VALORES_POR_FACETA + len(activos):]


def etiqueta_campo(campo: str) -> str:
    return {"titulo": _("Título"), "texto": _("Descripción"), "mensajes": _("Mensajes"),
            "interno": _("Comentario interno")}.get(campo, campo)
