"""The report form with the reporter's structured extras (issue 18): a category in plain
words (the taxonomy's names grouped by class, with each type's description one click away;
"No sé" allowed) and indicator rows (type + value) validated by the service's own rules
(``services.reporte``), whose Spanish messages land on the ``indicadores`` field."""

from django import forms
from django.utils.translation import gettext_lazy as _

from cgii.errores import ErrorValidacion
from protocolos import selectors as protocolos

from .forms import ReporteForm
from .services.reporte import NO_SE, TIPOS_REPORTE, validar_indicadores

FILAS_INICIALES = 3
MAX_FILAS = 50


class ReporteCompletoForm(ReporteForm):
    categoria = forms.ChoiceField(
        label=_("¿Qué tipo de incidente cree que es?"), required=False, initial=NO_SE,
        help_text=_("Si no está seguro, deje «No sé»: el CGII lo clasificará."))
    # The rows are rendered by the template (indicador_tipo / indicador_valor, repeated);
    # this field carries their errors and their place in the form.
    indicadores = forms.CharField(
        label=_("Indicadores que conozca (opcional)"), required=False,
        help_text=_("Direcciones IP, dominios, URL, correos o hashes vistos en el incidente, "
                    "uno por fila. También puede escribirlos en la descripción."))

    field_order = ["entidad", "titulo", "descripcion", "categoria", "detectado_en",
                   "ocurrido_en", "activos_afectados", "indicadores", "tlp", "origen",
                   "origen_detalle", "evidencias"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.tipos_taxonomia = [(clase, lista) for clase, lista in protocolos.opciones_tipos()
                                if lista]
        self.fields["categoria"].choices = [(NO_SE, _("No sé"))] + [
            (clase.nombre, [(t.codigo, t.nombre) for t in lista])
            for clase, lista in self.tipos_taxonomia]
        self.tipos_indicador = [("", _("Detectar"))] + TIPOS_REPORTE
        self.filas_indicadores = self._filas()

    def _filas(self) -> list[dict]:
        if self.is_bound:
            tipos = self.data.getlist("indicador_tipo") if hasattr(self.data, "getlist") else []
            valores = self.data.getlist("indicador_valor") if hasattr(self.data, "getlist") \
                else []
            filas = [{"tipo": t, "valor": v} for t, v in zip(tipos, valores, strict=False)][
                :MAX_FILAS + 1]
        else:
            filas = []
        while len(filas) < FILAS_INICIALES:
            filas.append({"tipo": "", "valor": ""})
        return filas

    def clean(self):
        datos = super().clean()
        filas = [(f["tipo"], f["valor"]) for f in self.filas_indicadores]
        try:
            datos["filas_indicadores"] = validar_indicadores(filas)
        except ErrorValidacion as exc:
            for mensaje in (exc.extra or {}).get("indicadores", []):
                self.add_error("indicadores", mensaje)
        datos["filas_indicadores_crudas"] = [
            {"tipo": t, "valor": v} for t, v in filas if (v or "").strip()]
        return datos
