"""Indicators on the incident detail page.

The POST actions are registered in the incident's ``accion`` endpoint
(``incidentes/views/acciones.py``): it calls one of the functions below, which call one
service, and turns the returned text or the domain error into a message on the detail page
(post/redirect/get; 404 for an incident the user may not see). The per-line report of a
bulk paste does not fit in a message: it is kept in the session for the next render of that
incident's page (``resultado_pegado``) and shown above the indicators panel.
"""

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET

from cgii.errores import ErrorValidacion, NoEncontrado
from incidentes import selectors as incidentes_selectors

from .. import exportacion, selectors, services
from ..models import OrigenIndicador, RolIndicador
from ..normalizacion import TipoIndicador
from .comun import contexto_menu, descarga_stix, puede_escribir

SESION_RESULTADO = "indicadores_resultado"
# Lines listed on the page after a paste (the total is always shown).
MAX_ERRORES_MOSTRADOS = 200


def _comunes(request) -> dict:
    p = request.POST
    return {"rol": p.get("rol") or RolIndicador.MALICIOSO, "nota": p.get("nota", "")}


def _guardar_resultado(request, pk: int, *, agregados: int, existentes: int,
                       errores: list[dict]) -> None:
    request.session[SESION_RESULTADO] = {
        "incidente": pk, "agregados": agregados, "existentes": existentes,
        "total_errores": len(errores), "errores": errores[:MAX_ERRORES_MOSTRADOS]}


def resultado_pegado(request, pk: int) -> dict | None:
    """The last paste's report for this incident, once (the next render of its page)."""
    resultado = request.session.get(SESION_RESULTADO)
    if not resultado or resultado.get("incidente") != pk:
        return None
    del request.session[SESION_RESULTADO]
    return resultado


def _texto_resultado(r: services.Resultado) -> str:
    partes = [ngettext("%(n)d indicador agregado", "%(n)d indicadores agregados",
                       len(r.agregados)) % {"n": len(r.agregados)}]
    if r.existentes:
        partes.append(ngettext("%(n)d ya estaba en el incidente",
                               "%(n)d ya estaban en el incidente",
                               len(r.existentes)) % {"n": len(r.existentes)})
    en_lista = sum(1 for v in r.agregados if v.indicador.lista_advertencia is not None)
    if en_lista:
        partes.append(ngettext(
            "%(n)d en una lista de advertencia: se registra, pero no se exporta ni se publica",
            "%(n)d en listas de advertencia: se registran, pero no se exportan ni se publican",
            en_lista) % {"n": en_lista})
    if r.errores:
        partes.append(ngettext("%(n)d línea con errores (ver el detalle)",
                               "%(n)d líneas con errores (ver el detalle)",
                               len(r.errores)) % {"n": len(r.errores)})
    return "; ".join(partes) + "."


def _pegar(request, pk: int, texto, origen: str) -> str:
    try:
        r = services.indicadores_pegar(actor=request.user, incidente_id=pk, texto=texto,
                                       tipo=request.POST.get("tipo") or None, origen=origen,
                                       **_comunes(request))
    except ErrorValidacion as exc:
        errores = (exc.extra or {}).get("errores")
        if errores is None:
            raise
        # Nothing valid: the page lists every line and why.
        _guardar_resultado(request, pk, agregados=0, existentes=0, errores=errores)
        raise ErrorValidacion(exc.message) from None
    _guardar_resultado(request, pk, agregados=len(r.agregados), existentes=len(r.existentes),
                       errores=r.errores)
    return _texto_resultado(r)


def accion_agregar(request, pk: int) -> str:
    vinculo, creado = services.indicador_agregar(
        actor=request.user, incidente_id=pk, valor=request.POST.get("valor", ""),
        tipo=request.POST.get("tipo") or None, **_comunes(request))
    datos = {"tipo": vinculo.indicador.get_tipo_display(), "valor": vinculo.indicador.valor}
    lista = vinculo.indicador.lista_advertencia
    if creado and lista is not None:
        return _("Indicador agregado: %(tipo)s %(valor)s. Está en la lista de advertencia "
                 "«%(lista)s»: no se exportará ni se publicará.") % {**datos,
                                                                     "lista": lista.nombre}
    if creado:
        return _("Indicador agregado: %(tipo)s %(valor)s.") % datos
    return _("El indicador %(tipo)s %(valor)s ya estaba en el incidente.") % datos


def accion_pegar(request, pk: int) -> str:
    return _pegar(request, pk, request.POST.get("valores", ""), OrigenIndicador.PEGADO)


def accion_extraidos(request, pk: int) -> str:
    valores = [v for v in request.POST.getlist("valores") if v.strip()]
    if not valores:
        raise ErrorValidacion(extra={"valores": [_("Marque al menos un candidato.")]})
    return _pegar(request, pk, valores, OrigenIndicador.EXTRACCION)


def accion_quitar(request, pk: int) -> str:
    services.indicador_desvincular(actor=request.user, incidente_id=pk,
                                   vinculo_id=int(request.POST.get("vinculo_id", "")))
    return _("Indicador quitado del incidente.")


# name → function, merged into incidentes.views.acciones.ACCIONES
ACCIONES = {
    "indicador": accion_agregar,
    "indicadores_pegar": accion_pegar,
    "indicadores_extraidos": accion_extraidos,
    "indicador_quitar": accion_quitar,
}


@login_required
@require_GET
def exportar_incidente(request, pk: int):
    """The incident as a STIX 2.1 bundle, downloaded (same function and rules as the API:
    whoever may see the incident; entity users get no texts written by others)."""
    try:
        bundle = exportacion.bundle_incidente(usuario=request.user, incidente_id=pk)
    except NoEncontrado:
        raise Http404 from None
    codigo = next((o["external_references"][0]["external_id"] for o in bundle["objects"]
                   if o["type"] == "incident"), str(pk))
    return descarga_stix(bundle, f"{codigo}.stix.json")


@login_required
@require_GET
def extraer(request, pk: int):
    """Candidates found in the title and description, for the user to confirm (nothing is
    written until the form posts to the ``indicadores_extraidos`` action)."""
    try:
        incidente = incidentes_selectors.incidente_obtener(usuario=request.user,
                                                           incidente_id=pk)
        candidatos = selectors.candidatos_de_incidente(usuario=request.user, incidente_id=pk)
    except NoEncontrado:
        raise Http404 from None
    tipos = dict(TipoIndicador.choices)
    for c in candidatos:
        c["tipo_texto"] = tipos.get(c["tipo"], c["tipo"])
    return render(request, "indicadores/extraer.html", {
        **contexto_menu(request.user), "incidente": incidente, "candidatos": candidatos,
        "puede_agregar": puede_escribir(request.user), "roles": RolIndicador.choices,
        "nuevos": sum(1 for c in candidatos if not c["ya_vinculado"]),
    })
