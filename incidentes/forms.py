from django import forms
from django.utils.translation import gettext_lazy as _

from .models import TLP, Nivel, Origen


class ArchivosMultiples(forms.ClearableFileInput):
    allow_multiple_selected = True


class CampoArchivos(forms.FileField):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", ArchivosMultiples())
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        if isinstance(data, list | tuple):
            return [super(CampoArchivos, self).clean(d, initial) for d in data]
        return [super().clean(data, initial)] if data else []


class ReporteForm(forms.Form):
    entidad = forms.ModelChoiceField(queryset=None, label=_("Entidad"))
    titulo = forms.CharField(label=_("Título"), max_length=200)
    descripcion = forms.CharField(label=_("¿Qué ocurrió?"), widget=forms.Textarea(attrs={"rows": 6}))
    detectado_en = forms.DateTimeField(
        label=_("Detectado el"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
        input_formats=["%Y-%m-%dT%H:%M"])
    ocurrido_en = forms.DateTimeField(
        label=_("Ocurrió el (si se sabe)"), required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}), input_formats=["%Y-%m-%dT%H:%M"])
    activos_afectados = forms.CharField(label=_("Activos o servicios afectados"), required=False,
                                        widget=forms.Textarea(attrs={"rows": 2}))
    tlp = forms.ChoiceField(label="TLP", choices=TLP.choices, initial=TLP.AMBER)
    origen = forms.ChoiceField(label=_("Origen"), choices=Origen.choices, initial=Origen.ENTIDAD)
    origen_detalle = forms.CharField(label=_("Detalle del origen"), required=False)
    evidencias = CampoArchivos(label=_("Evidencias"), required=False)

    def __init__(self, *args, entidades, personal: bool, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["entidad"].queryset = entidades
        if entidades.count() == 1:
            self.fields["entidad"].initial = entidades.first()
        if not personal:
            del self.fields["origen"], self.fields["origen_detalle"]


class ClasificacionForm(forms.Form):
    tipo = forms.ChoiceField(label=_("Tipo"))
    impacto = forms.TypedChoiceField(label=_("Impacto"), choices=Nivel.choices, coerce=int)
    urgencia = forms.TypedChoiceField(label=_("Urgencia"), choices=Nivel.choices, coerce=int)
    prioridad = forms.ChoiceField(label=_("Prioridad manual"), required=False,
                                  choices=[("", _("Calculada")), ("P1", "P1"), ("P2", "P2"),
                                           ("P3", "P3"), ("P4", "P4")])
    motivo_prioridad = forms.CharField(label=_("Motivo"), required=False)

    def __init__(self, *args, tipos, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["tipo"].choices = tipos
