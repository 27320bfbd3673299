"""The bulk bar of the console and the incident list (issue 18): one form post applies one
action to the checked rows, or to every incident matching the page's filter, through
``services.incidentes_en_lote``; JSON for the page's script, a message + redirect without JS.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import JsonResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from cgii.entidades.selectors import es_personal_cgii, tiene_rol_cgii
from cgii.errores import ErrorDominio, ErrorValidacion, texto_error
from protocolos import selectors as protocolos

from .. import selectores_consola, selectors
from ..services.comun import ROLES_GESTION
from ..services.lote import ACCIONES_LOTE, MAX_LOTE, incidentes_en_lote, resumen_lote
from ..services.triaje import PRIORIDADES
from .comun import quiere_json, volver
from .filtros import filtros_de, opciones_entidades


def contexto_lote(usuario, *, pagina: str, consulta: str, total: int | None,
                  exacto: bool = True, analistas: list | None = None) -> dict:
    """What the bulk bar template needs (empty for users who cannot act). ``total`` is
    the capped count (``exacto`` False: more than that match). ``analistas``: the staff
    with their workload when the caller already read them (the console does)."""
    if not tiene_rol_cgii(usuario, *ROLES_GESTION):
        return {"lote": None}
    coordina = tiene_rol_cgii(usuario, "coordinador", "administrador")
    if coordina and analistas is None:
        analistas = selectores_consola.analistas_con_carga(usuario)
    acciones = [(k, v) for k, v in ACCIONES_LOTE.items() if coordina or k != "asignar"]
    return {"lote": {
        "pagina": pagina, "consulta": consulta, "total": total, "exacto": exacto,
        "maximo": MAX_LOTE,
        "acciones": acciones, "prioridades": PRIORIDADES, "coordina": coordina,
        "analistas": analistas if coordina else [],
    }}


def contexto_lista_extra(request, filtros, pagina) -> dict:
    """The incident list's entity and category filters and its bulk bar."""
    personal = es_personal_cgii(request.user)
    consulta = request.GET.copy()
    for clave in ("page", "cursor"):
        consulta.pop(clave, None)
    return {
        "clases": [c for c, _tipos in protocolos.opciones_tipos()],
        "opciones_entidad": (opciones_entidades(request.user, request.GET.get("entidad"))
                             if personal else []),
        **contexto_lote(request.user, pagina="lista", consulta=consulta.urlencode(),
                        total=pagina.total, exacto=pagina.exacto),
    }


def _ids_elegidos(request) -> list[int]:
    p = request.POST
    if p.get("todos") == "1":
        pagina = p.get("pagina") if p.get("pagina") in ("consola", "lista") else "lista"
        filtros = filtros_de(pagina, p.get("filtro", ""), request.user)
        ids = list(selectors.incidentes_lista(usuario=request.user, filtros=filtros)
                   .values_list("pk", flat=True)[:MAX_LOTE + 1])
        if len(ids) > MAX_LOTE:
            raise ErrorValidacion(extra={"filtro": [_(
                "El filtro abarca más de %(n)d incidentes; acótelo.") % {"n": MAX_LOTE}]})
        return ids
    return [int(x) for x in p.getlist("ids") if x.isdigit()]


@login_required
@require_POST
def lote(request):
    p = request.POST
    como_json = quiere_json(request)
    destino = volver(request) or "incidentes:consola"
    try:
        analista = p.get("analista_id", "")
        resultados = incidentes_en_lote(
            actor=request.user, ids=_ids_elegidos(request), accion=p.get("accion", ""),
            analista_id=int(analista) if analista.isdigit() else None,
            prioridad=p.get("prioridad") or None, etiqueta=p.get("etiqueta") or None,
            maestro=p.get("maestro") or None, motivo=p.get("motivo", ""))
    except ErrorDominio as exc:
        if como_json:
            return JsonResponse({"ok": False, "mensaje": texto_error(exc),
                                 "errores": exc.extra}, status=exc.status)
        messages.error(request, texto_error(exc))
        return redirect(destino)
    texto = resumen_lote(resultados)
    hechos = sum(r.ok for r in resultados)
    if como_json:
        return JsonResponse({"ok": True, "mensaje": texto, "total": len(resultados),
                             "hechos": hechos, "rechazados": len(resultados) - hechos,
                             "resultados": [r.como_dict() for r in resultados]})
    (messages.success if hechos == len(resultados) else messages.warning)(request, texto)
    return redirect(destino)
