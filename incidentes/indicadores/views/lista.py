"""The national indicator list (CGII staff) and the national feed download.

Reads go through ``selectors.indicadores_compartibles`` (for staff: every indicator that is
not revoked) and ``selectors.correlacion_resumen`` (two queries for the whole page), so the
page costs the same number of queries for 3 or 50 rows.
"""

from datetime import datetime, time
from urllib.parse import urlencode

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET

from cgii.entidades.selectors import es_personal_cgii
from incidentes.models import TLP

from .. import conf, exportacion, selectors, stix
from ..normalizacion import TipoIndicador
from .comun import contexto_menu, descarga_stix, puede_escribir

POR_PAGINA = 50


class FiltrosForm(forms.Form):
    q = forms.CharField(label=gettext_lazy("Valor"), required=False, max_length=2000)
    tipo = forms.ChoiceField(label=gettext_lazy("Tipo"), required=False,
                             choices=[("", gettext_lazy("Todos")), *TipoIndicador.choices])
    tlp = forms.ChoiceField(label="TLP", required=False,
                            choices=[("", gettext_lazy("Todos")), *TLP.choices])
    revocados = forms.ChoiceField(
        label=gettext_lazy("Revocados"), required=False,
        choices=[("", gettext_lazy("No incluir")), ("revocados", gettext_lazy("Solo revocados")),
                 ("todos", gettext_lazy("Incluir"))])


class FeedForm(forms.Form):
    tlp = forms.ChoiceField(label=gettext_lazy("TLP hasta (incluido)"), choices=TLP.choices,
                            initial=TLP.GREEN)
    desde = forms.DateField(label=gettext_lazy("Modificados desde"), required=False,
                            widget=forms.DateInput(attrs={"type": "date"}))


def _exigir_personal(usuario) -> None:
    if not es_personal_cgii(usuario):
        raise PermissionDenied


@login_required
@require_GET
def lista(request):
    usuario = request.user
    _exigir_personal(usuario)
    filtros = FiltrosForm(request.GET)
    d = filtros.cleaned_data if filtros.is_valid() else {}
    qs = selectors.indicadores_del_personal(usuario, revocados=d.get("revocados") or "")
    texto = (d.get("q") or "").strip()
    if texto:
        qs = qs.filter(selectors.condicion_valor(texto))
    if d.get("tipo"):
        qs = qs.filter(tipo=d["tipo"])
    if d.get("tlp"):
        qs = qs.filter(tlp=d["tlp"])
    pagina = Paginator(qs.order_by("-modificado", "-id"), POR_PAGINA).get_page(
        request.GET.get("page"))
    filas = list(pagina.object_list)
    correlacion = selectors.correlacion_resumen(usuario=usuario, indicadores=filas)
    for indicador in filas:
        indicador.correlacion = correlacion.get(indicador.pk)
    consulta = urlencode({k: v for k, v in d.items() if v})
    return render(request, "indicadores/lista.html", {
        **contexto_menu(usuario), "filtros": filtros, "pagina": pagina, "filas": filas,
        "consulta": consulta, "hay_filtros": bool(consulta), "ahora": timezone.now(),
        "revocados": d.get("revocados") or "",
        "feed": FeedForm(), "limite_feed": conf.valor("INDICADORES_FEED_LIMITE"),
        "puede_importar": puede_escribir(usuario)})


@login_required
@require_GET
def exportar_feed(request):
    """The national feed as a downloaded bundle: every TLP level up to the one chosen,
    modified since the date (``exportacion.bundle_feed``: current, not revoked, no
    warninglisted values; one page of INDICADORES_FEED_LIMITE, the next page's cursor in
    ``X-CGII-Siguiente`` as in the API)."""
    _exigir_personal(request.user)
    form = FeedForm(request.GET)
    if not form.is_valid():
        messages.error(request, _("Revise el TLP y la fecha del feed."))
        return redirect("indicadores:lista")
    techo = form.cleaned_data["tlp"]
    tlps = set(stix.ORDEN_TLP[:stix.RANGO_TLP[techo] + 1])
    dia = form.cleaned_data["desde"]
    desde = timezone.make_aware(datetime.combine(dia, time.min)) if dia else None
    bundle, siguiente = exportacion.bundle_feed(usuario=request.user, tlps=tlps, desde=desde)
    nombre = f"cgii-indicadores-{techo.replace('+', '-')}"
    if dia:
        nombre += f"-desde-{dia:%Y%m%d}"
    respuesta = descarga_stix(bundle, f"{nombre}.stix.json")
    if siguiente is not None:
        respuesta["X-CGII-Siguiente"] = siguiente.token()
    return respuesta
