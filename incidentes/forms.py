"""HTML forms: they parse and pre-validate input; the services decide (DESIGN.md §3.1)."""

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cgii.widgets import SelectDirecto

from .models import TLP, Nivel, Origen

FORMATO_LOCAL = "%Y-%m-%dT%H:%M"


class ArchivosMultiples(forms.ClearableFileInput):
    allow_multiple_selected = True


class CampoArchivos(forms.FileField):
    """Several files in one input; always cleans to a list (empty when none)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", ArchivosMultiples())
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        if isinstance(data, list | tuple):
            return [super(CampoArchivos, self).clean(d, initial) for d in data if d]
        return [super().clean(data, initial)] if data else []


class FechaHoraLocal(forms.DateTimeField):
    """``<input type="datetime-local">``: the browser sends local time without zone; Django
    makes it aware in the active time zone (America/La_Paz)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", forms.DateTimeInput(attrs={"type": "datetime-local"},
                                                        format=FORMATO_LOCAL))
        kwargs.setdefault("input_formats", [FORMATO_LOCAL, "%Y-%m-%dT%H:%M:%S"])
        super().__init__(*args, **kwargs)


class ReporteForm(forms.Form):
    entidad = forms.ModelChoiceField(queryset=None, label=_("Entidad afectada"),
                                     empty_label=_("— Seleccione —"))
    titulo = forms.CharField(
        label=_("Título"), max_length=200,
        widget=forms.TextInput(attrs={"placeholder": _(
            "p. ej. Correos falsos que piden la contraseña del correo institucional")}))
    descripcion = forms.CharField(
        label=_("¿Qué ocurrió?"), widget=forms.Textarea(attrs={"rows": 7}),
        help_text=_("Qué se observó, cómo se detectó, a quién afecta y qué se hizo hasta ahora."))
    detectado_en = FechaHoraLocal(label=_("Detectado el"))
    ocurrido_en = FechaHoraLocal(label=_("Ocurrió el (si se sabe)"), required=False)
    activos_afectados = forms.CharField(
        label=_("Activos o servicios afectados"), required=False,
        widget=forms.Textarea(attrs={"rows": 2, "placeholder": _(
            "Sistemas, servidores, cuentas, direcciones IP o URL involucrados")}))
    tlp = forms.ChoiceField(
        label=_("Nivel de confidencialidad (TLP)"), choices=TLP.choices, initial=TLP.AMBER,
        help_text=_("TLP:AMBER: solo el CGII y su entidad. TLP:RED: solo las personas "
                    "nombradas. TLP:GREEN/CLEAR: se puede compartir más ampliamente."))
    origen = forms.ChoiceField(label=_("Origen"), choices=Origen.choices, initial=Origen.ENTIDAD)
    origen_detalle = forms.CharField(label=_("Detalle del origen"), required=False)
    evidencias = CampoArchivos(
        label=_("Evidencias"), required=False,
        help_text=_("Puede adjuntar varios archivos: capturas, correos .eml, registros, "
                    "PDF, pcap o ZIP."))

    def __init__(self, *args, entidades, personal: bool, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["entidad"].queryset = entidades
        self.fields["detectado_en"].initial = timezone.localtime().replace(second=0,
                                                                          microsecond=0)
        unicas = list(entidades[:2])
        if len(unicas) == 1:
            # An entity user with one membership reports for it; no choice to make.
            self.fields["entidad"].initial = unicas[0]
            self.fields["entidad"].widget = forms.HiddenInput()
        self.entidad_unica = unicas[0] if len(unicas) == 1 else None
        if not personal:
            del self.fields["origen"], self.fields["origen_detalle"]


class ClasificacionForm(forms.Form):
    # Rendered on every staff detail page: SelectDirecto writes the ~45 options without a
    # template render each (issue 22).
    tipo = forms.ChoiceField(label=_("Tipo de incidente"), widget=SelectDirecto)
    impacto = forms.TypedChoiceField(label=_("Impacto"), choices=Nivel.choices, coerce=int,
                                     widget=SelectDirecto)
    urgencia = forms.TypedChoiceField(label=_("Urgencia"), choices=Nivel.choices, coerce=int,
                                      widget=SelectDirecto)
    prioridad = forms.ChoiceField(label=_("Prioridad"), required=False, widget=SelectDirecto,
                                  choices=[("", _("Calculada (matriz)")), ("P1", "P1"),
                                           ("P2", "P2"), ("P3", "P3"), ("P4", "P4")])
    motivo_prioridad = forms.CharField(label=_("Motivo de la prioridad manual"), required=False)

    def __init__(self, *args, tipos, **kwargs):
        """``tipos`` is ``protocolos.selectors.opciones_tipos()``: classes with their types,
        shown as a grouped select."""
        super().__init__(*args, **kwargs)
        self.fields["tipo"].choices = [("", _("— Seleccione —"))] + [
            (clase.nombre, [(t.codigo, t.nombre) for t in lista]) for clase, lista in tipos if lista
        ]
