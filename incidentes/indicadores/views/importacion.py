"""STIX import pages: the upload form, the status page of one ``ImportacionSTIX`` (progress
bar fed by the user's general websocket stream, ``stix.importacion.progreso``, with a small
JSON status view as polling fallback), its report, and "import the valid objects only".

Who may import where is the service's rule (``services.stix_importar``): staff with a
managing role into the national store or any incident; entity users only into one of their
own incidents. Who may see an import is the selector's (``importacion_obtener``: its author,
and staff): anyone else gets a 404.
"""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from cgii import archivos
from cgii.entidades.selectors import es_personal_cgii
from cgii.errores import ErrorDominio, ErrorValidacion, NoEncontrado
from cgii.eventos.selectors import secuencia_actual
from incidentes import selectors as incidentes_selectors
from incidentes.models import TLP

from .. import conf, selectors, services
from ..models import EstadoImportacion
from .comun import contexto_menu, puede_escribir, texto_error

E = EstadoImportacion
TERMINADAS = (E.COMPLETADA, E.RECHAZADA, E.FALLIDA)
ERRORES_POR_PAGINA = 200
RECIENTES = 20


class ImportarForm(forms.Form):
    archivo = forms.FileField(label=gettext_lazy("Bundle STIX 2.1 (archivo JSON)"))
    incidente = forms.CharField(
        label=gettext_lazy("Incidente de destino (código)"), required=False, max_length=40,
        widget=forms.TextInput(attrs={"placeholder": "CGII-2026-00007", "autocomplete": "off"}))
    tlp = forms.ChoiceField(
        label=gettext_lazy("TLP de los objetos sin marca"), required=False,
        choices=[("", gettext_lazy("El del incidente (sin incidente: TLP:AMBER)")),
                 *TLP.choices])
    solo_validos = forms.BooleanField(
        label=gettext_lazy("Importar solo los objetos válidos (los que tengan errores se "
                           "informan y se omiten)"), required=False)

    def __init__(self, *args, usuario, **kwargs):
        super().__init__(*args, **kwargs)
        self.usuario = usuario
        self.personal = es_personal_cgii(usuario)
        campo = self.fields["incidente"]
        if self.personal:
            campo.help_text = _("Vacío: el almacén nacional de indicadores.")
        else:
            campo.required = True
            campo.help_text = _("Uno de los incidentes de su entidad.")
            campo.error_messages["required"] = _(
                "Indique el código de uno de los incidentes de su entidad: las entidades "
                "importan STIX en sus incidentes.")

    def clean_archivo(self):
        archivo = self.cleaned_data["archivo"]
        maximo = conf.valor("INDICADORES_STIX_MAX_BYTES")
        if archivo.size > maximo:
            raise forms.ValidationError(
                _("El archivo pesa %(t)s; el máximo es %(m)s.")
                % {"t": filesizeformat(archivo.size), "m": filesizeformat(maximo)},
                code="demasiado_grande")
        if not archivo.size:
            raise forms.ValidationError(_("El archivo está vacío."))
        return archivo

    def clean_incidente(self):
        """The code (or id) → the incident's id, among those the user may see."""
        valor = self.cleaned_data["incidente"].strip()
        if not valor:
            return None
        buscar = {"incidente_id": int(valor)} if valor.isdigit() else {"codigo": valor.upper()}
        try:
            return incidentes_selectors.incidente_obtener(usuario=self.usuario, **buscar).pk
        except NoEncontrado:
            raise forms.ValidationError(
                _("No se encontró el incidente %(c)s entre los que usted puede ver.")
                % {"c": valor}) from None


def _recientes(usuario):
    return list(selectors.importaciones_visibles(usuario).filter(usuario=usuario)[:RECIENTES])


@login_required
@require_http_methods(["GET", "POST"])
def importar(request):
    usuario = request.user
    status = 200
    if request.method == "POST":
        form = ImportarForm(request.POST, request.FILES, usuario=usuario)
        if form.is_valid():
            d = form.cleaned_data
            try:
                importacion = services.stix_importar(
                    actor=usuario, contenido=d["archivo"].read(),
                    nombre_archivo=d["archivo"].name, incidente_id=d["incidente"],
                    solo_validos=d["solo_validos"], tlp=d["tlp"] or None)
            except ErrorValidacion as exc:
                rechazada = (exc.extra or {}).get("importacion")
                if rechazada:
                    # Rejected: nothing imported; its page lists every bad object.
                    return redirect("indicadores:importacion", rechazada)
                form.add_error(None, texto_error(exc))
            except ErrorDominio as exc:
                # Not allowed here (a read-only role, an entity without an incident), too
                # large: said on the form, as the API's 403/413.
                form.add_error(None, texto_error(exc))
                status = exc.status
            else:
                if importacion.estado == E.COMPLETADA:
                    messages.success(request, _("Importación terminada."))
                else:
                    messages.info(request, _("El bundle es grande: se importa en segundo "
                                             "plano. Esta página muestra el avance."))
                return redirect("indicadores:importacion", importacion.pk)
        if status == 200:
            status = 413 if any(e.code == "demasiado_grande"
                                for e in form.errors.as_data().get("archivo", ())) else 400
    else:
        form = ImportarForm(usuario=usuario, initial={"incidente": request.GET.get("incidente",
                                                                                    "")})
    return render(request, "indicadores/importar.html", {
        **contexto_menu(usuario), "form": form, "puede_importar": puede_escribir(usuario),
        "maximo": conf.valor("INDICADORES_STIX_MAX_BYTES"),
        "asincrono_desde": conf.valor("INDICADORES_STIX_ASINCRONO_DESDE"),
        "recientes": _recientes(usuario)}, status=status)


def _obtener(request, pk: int):
    try:
        return selectors.importacion_obtener(usuario=request.user, importacion_id=pk)
    except NoEncontrado:
        raise Http404 from None


def _estado(importacion) -> dict:
    return {"id": importacion.pk, "estado": importacion.estado,
            "estado_texto": importacion.get_estado_display(),
            "progreso": importacion.progreso, "procesados": importacion.procesados,
            "total": importacion.total_objetos, "errores": importacion.total_errores,
            "terminada": importacion.estado in TERMINADAS}


def _puede_reintentar(request, importacion) -> bool:
    """Rejected, its bundle still kept, and the user may import (the service decides the
    rest: the same target, this time skipping the bad objects)."""
    if importacion.estado != E.RECHAZADA or not importacion.ruta \
            or not puede_escribir(request.user):
        return False
    try:
        return archivos.ruta_absoluta(importacion.ruta).exists()
    except NoEncontrado:
        return False


@login_required
@require_GET
def importacion_detalle(request, pk: int):
    # The stream position first: a progress event committed while we read is replayed.
    secuencia = secuencia_actual()
    importacion = _obtener(request, pk)
    pagina = Paginator(importacion.errores or [], ERRORES_POR_PAGINA).get_page(
        request.GET.get("page"))
    return render(request, "indicadores/importacion.html", {
        **contexto_menu(request.user), "secuencia": secuencia, "importacion": importacion,
        "estado": _estado(importacion), "contadores": importacion.contadores or {},
        "estados_importacion": dict(E.choices),
        "errores": pagina, "omitidos": max(0, importacion.total_errores
                                           - len(importacion.errores or [])),
        "puede_reintentar": _puede_reintentar(request, importacion)})


@login_required
@require_GET
def importacion_estado(request, pk: int):
    """Polling fallback of the status page (when the websocket is down)."""
    return JsonResponse(_estado(_obtener(request, pk)))


@login_required
@require_POST
def importacion_solo_validos(request, pk: int):
    """Run a rejected import again from its kept bundle, importing the valid objects only."""
    importacion = _obtener(request, pk)
    if not _puede_reintentar(request, importacion):
        messages.error(request, _("Esta importación no se puede repetir."))
        return redirect("indicadores:importacion", pk)
    try:
        contenido = archivos.ruta_absoluta(importacion.ruta).read_bytes()
        nueva = services.stix_importar(
            actor=request.user, contenido=contenido, nombre_archivo=importacion.nombre_archivo,
            incidente_id=importacion.incidente_id, solo_validos=True,
            tlp=importacion.tlp_defecto)
    except ErrorDominio as exc:
        messages.error(request, texto_error(exc))
        return redirect("indicadores:importacion", pk)
    except OSError:
        messages.error(request, _("Esta importación no se puede repetir."))
        return redirect("indicadores:importacion", pk)
    messages.success(request, _("Se importan los objetos válidos; los que tienen errores "
                                "se omiten y se informan."))
    return redirect("indicadores:importacion", nueva.pk)
