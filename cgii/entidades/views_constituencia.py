"""The constituency registry's pages (issue 19): staff see every entity's registry, the
overlaps and the CSV import/export; an entity's RSI or MAE proposes on its entity's page and
staff confirm there (or in the admin). Thin: every rule is in ``constituencia`` (writes)
and ``selectors`` (reads)."""

import csv

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count, Q
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from cgii.errores import ErrorDominio, NoEncontrado, texto_error

from . import constituencia, selectors
from .models import EstadoRegistro

MAX_CSV = 5 * 1024 * 1024


@login_required
@require_GET
def inicio(request):
    usuario = request.user
    if not selectors.es_personal_cgii(usuario):
        propias = sorted(selectors.ids_entidades_de(usuario))
        if not propias:
            raise Http404
        return redirect("constituencia:entidad", propias[0])
    pendientes = Q(estado=EstadoRegistro.PROPUESTO)
    filas = []
    conteos = {}
    for tipo, modelo in selectors.TIPOS_REGISTRO.items():
        for entidad_id, confirmados, propuestos in (
                modelo.objects.values_list("entidad_id")
                .annotate(c=Count("id", filter=Q(estado=EstadoRegistro.CONFIRMADO)),
                          p=Count("id", filter=pendientes)).order_by()):
            fila = conteos.setdefault(entidad_id, {"red": 0, "asn": 0, "dominio": 0,
                                                   "propuestos": 0})
            fila[tipo] += confirmados
            fila["propuestos"] += propuestos
    for entidad in selectors.entidades_visibles(usuario).filter(activa=True).order_by("sigla"):
        filas.append((entidad, conteos.get(entidad.pk, {})))
    return render(request, "entidades/constituencia/inicio.html", {
        "filas": filas, "puede_confirmar": constituencia.puede_confirmar(usuario),
        "solapamientos": selectors.solapamientos()})


@login_required
@require_GET
def entidad(request, pk: int):
    datos = selectors.constituencia_de(request.user, pk)
    if datos is None:
        raise Http404
    roles = selectors.roles_en_entidad(request.user, pk)
    return render(request, "entidades/constituencia/entidad.html", {
        **datos, "puede_confirmar": constituencia.puede_confirmar(request.user),
        "puede_proponer": bool(roles & set(constituencia.ROLES_PROPONEN)),
        "tipos": [("red", _("Red (CIDR)")), ("dominio", _("Dominio")), ("asn", "ASN")]})


def _fecha(valor: str):
    try:
        return parse_date(valor or "")
    except ValueError:
        return None


@login_required
@require_POST
def agregar(request, pk: int):
    datos = request.POST
    try:
        constituencia.registro_agregar(
            actor=request.user, entidad_id=pk, tipo=datos.get("tipo", ""),
            valor=datos.get("valor", ""), valido_desde=_fecha(datos.get("valido_desde")),
            valido_hasta=_fecha(datos.get("valido_hasta")), nota=datos.get("nota", ""))
    except NoEncontrado:
        raise Http404 from None
    except ErrorDominio as error:
        messages.error(request, texto_error(error))
    else:
        messages.success(request, _("Registro guardado."))
    return redirect("constituencia:entidad", pk)


@login_required
@require_POST
def decidir(request, tipo: str, registro_id: int):
    confirmar = request.POST.get("decision") == "confirmar"
    try:
        registro = constituencia.registro_decidir(
            actor=request.user, tipo=tipo, registro_id=registro_id, confirmar=confirmar,
            motivo=request.POST.get("motivo", ""))
    except NoEncontrado:
        raise Http404 from None
    except ErrorDominio as error:
        messages.error(request, texto_error(error))
        return redirect("constituencia:inicio")
    messages.success(request, _("Registro confirmado.") if confirmar else _("Registro rechazado."))
    return redirect("constituencia:entidad", registro.entidad_id)


@login_required
@require_GET
def exportar(request):
    entidad_id = request.GET.get("entidad")
    respuesta = HttpResponse(content_type="text/csv; charset=utf-8")
    respuesta["Content-Disposition"] = 'attachment; filename="constituencia.csv"'
    respuesta.write("\ufeff")
    escritor = csv.writer(respuesta)
    for fila in selectors.constituencia_exportar_filas(
            request.user, int(entidad_id) if (entidad_id or "").isdigit() else None):
        escritor.writerow(fila)
    return respuesta


@login_required
@require_POST
def importar(request):
    archivo = request.FILES.get("archivo")
    if archivo is None or archivo.size > MAX_CSV:
        messages.error(request, _("Elija un archivo CSV de hasta 5 MB."))
        return redirect("constituencia:inicio")
    try:
        contenido = archivo.read().decode("utf-8-sig")
        resultado = constituencia.constituencia_importar_csv(actor=request.user,
                                                              contenido=contenido)
    except UnicodeDecodeError:
        messages.error(request, _("El archivo debe estar en UTF-8."))
    except ErrorDominio as error:
        lineas = (error.extra or {}).get("lineas") or []
        messages.error(request, error.message)
        for e in lineas[:50]:
            messages.error(request, _("Línea %(l)s (%(c)s): %(e)s") % {
                "l": e["linea"], "c": e["campo"], "e": e["error"]})
    else:
        messages.success(request, _("Importados: %(c)d nuevos, %(a)d actualizados, %(s)d sin "
                                    "cambios.") % {"c": resultado.creados,
                                                   "a": resultado.actualizados,
                                                   "s": resultado.sin_cambios})
    return redirect("constituencia:inicio")
