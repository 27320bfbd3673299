"""HTML pages of the feed intake: thin over the selectors and services (no rule here).

- ``inicio``: staff see the feeds and the "sin entidad" queue's size; an entity its notices;
- ``agregacion``: one aggregation's host table (filter, page, CSV) and the acknowledgement;
- ``hosts_incidente``: an incident's whole host table (the detail page shows its start);
- ``sin_entidad``: the CGII queue, with the closest registered network and the one-action
  "register and re-route" form.
"""

import csv

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from cgii.entidades.selectors import entidades_visibles, es_personal_cgii
from cgii.errores import ErrorDominio, NoEncontrado, PermisoDenegado, texto_error
from cgii.reportes.texto_csv import valor_csv

from . import selectors, services
from .models import EventoFuente

POR_PAGINA = 50


def _consulta(request) -> str:
    copia = request.GET.copy()
    copia.pop("page", None)
    return copia.urlencode()


def _pagina(request, qs):
    return Paginator(qs, POR_PAGINA).get_page(request.GET.get("page"))


def _pagina_hosts(request, qs, filtros, total: int):
    paginador = selectors.PaginadorPorIds(qs, POR_PAGINA,
                                          total=None if filtros.activos() else total)
    return paginador.get_page(request.GET.get("page"))


@login_required
@require_GET
def inicio(request):
    personal = es_personal_cgii(request.user)
    contexto = {"personal": personal,
                "pagina": _pagina(request, selectors.agregaciones_lista(request.user)),
                "consulta": _consulta(request)}
    if personal:
        contexto["fuentes"] = list(selectors.fuentes_lista(request.user))
        contexto["sin_entidad"] = EventoFuente.objects.filter(entidad__isnull=True).count()
    return render(request, "fuentes/inicio.html", contexto)


@login_required
@require_GET
def agregacion(request, pk: int):
    filtros = selectors.FiltrosHosts.de(request.GET)
    try:
        agregacion, hosts = selectors.hosts_de_agregacion(request.user, pk, filtros)
    except NoEncontrado:
        raise Http404 from None
    return render(request, "fuentes/agregacion.html", {
        "agregacion": agregacion,
        "pagina": _pagina_hosts(request, hosts, filtros, agregacion.eventos), "filtros": filtros,
        "consulta": _consulta(request), "personal": es_personal_cgii(request.user),
        "puede_acusar": (not es_personal_cgii(request.user) and agregacion.acusado_en is None),
    })


@login_required
@require_GET
def hosts_incidente(request, pk: int):
    filtros = selectors.FiltrosHosts.de(request.GET)
    try:
        incidente, agregaciones, hosts = selectors.hosts_de_incidente(request.user, pk, filtros)
    except NoEncontrado:
        raise Http404 from None
    return render(request, "fuentes/hosts_incidente.html", {
        "incidente": incidente, "resumen": selectors.resumen_agregaciones(agregaciones),
        "pagina": _pagina_hosts(request, hosts, filtros, sum(a.eventos for a in agregaciones)),
        "filtros": filtros,
        "consulta": _consulta(request), "personal": es_personal_cgii(request.user)})


class _Eco:
    def write(self, valor):
        return valor


def _csv(nombre: str, hosts) -> StreamingHttpResponse:
    """Every host of the (filtered) table, streamed: 100,000 rows never sit in memory."""
    escritor = csv.writer(_Eco())

    def filas():
        yield "\ufeff" + escritor.writerow(["ip", "fqdn", "puerto", "protocolo", "momento",
                                            "identificador", "clasificacion", "asn"])
        for h in hosts.iterator(chunk_size=2000):
            yield escritor.writerow([valor_csv(getattr(h, c))
                                     for c in selectors.COLUMNAS_HOSTS])

    respuesta = StreamingHttpResponse(filas(), content_type="text/csv; charset=utf-8")
    respuesta["Content-Disposition"] = f'attachment; filename="{nombre}.csv"'
    return respuesta


@login_required
@require_GET
def agregacion_csv(request, pk: int):
    try:
        agregacion, hosts = selectors.hosts_de_agregacion(
            request.user, pk, selectors.FiltrosHosts.de(request.GET))
    except NoEncontrado:
        raise Http404 from None
    return _csv(f"hosts-{agregacion.entidad.sigla}-{agregacion.periodo}-{agregacion.pk}", hosts)


@login_required
@require_GET
def hosts_incidente_csv(request, pk: int):
    try:
        incidente, _a, hosts = selectors.hosts_de_incidente(
            request.user, pk, selectors.FiltrosHosts.de(request.GET))
    except NoEncontrado:
        raise Http404 from None
    return _csv(f"hosts-{incidente.codigo}", hosts)


@login_required
@require_POST
def acusar(request, pk: int):
    try:
        agregacion = services.agregacion_acusar(actor=request.user, agregacion_id=pk)
    except NoEncontrado:
        raise Http404 from None
    except ErrorDominio as error:
        messages.error(request, texto_error(error))
    else:
        messages.success(request, _("Se registró su acuse de recibo."))
        if agregacion.incidente_id and request.POST.get("volver") == "incidente":
            return redirect("incidentes:detalle", agregacion.incidente_id)
    return redirect("fuentes:agregacion", pk)


@login_required
@require_GET
def sin_entidad(request):
    try:
        qs = selectors.sin_entidad(request.user)
    except PermisoDenegado:
        raise Http404 from None
    pagina = _pagina(request, qs)
    pagina.object_list = selectors.con_red_cercana(list(pagina.object_list))
    return render(request, "fuentes/sin_entidad.html", {
        "pagina": pagina, "consulta": _consulta(request), "personal": True,
        "entidades": entidades_visibles(request.user).filter(activa=True).order_by("sigla"),
        "ahora": timezone.now()})


@login_required
@require_POST
def reenrutar(request):
    datos = request.POST
    entidad = datos.get("entidad") or ""
    try:
        resultado = services.sin_entidad_reenrutar(
            actor=request.user, entidad_id=int(entidad) if entidad.isdigit() else None,
            tipo=datos.get("tipo", ""), valor=datos.get("valor", ""))
    except ErrorDominio as error:
        messages.error(request, texto_error(error))
    else:
        messages.success(request, _("Re-enrutados %(n)d de %(t)d eventos sin entidad; la "
                                    "próxima consolidación los agrega a sus incidentes o "
                                    "avisos.") % {"n": resultado.enrutados,
                                                  "t": resultado.revisados})
    return redirect("fuentes:sin_entidad")
