"""Parameters of the incident management report. The names are a contract with
``cgii.reportes`` and the benches: {"desde": date, "hasta": date, "entidad": int | None}.
The entity choice is offered to CGII staff only; entity users always get their own scope."""

from datetime import date, timedelta

from django import forms
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cgii.entidades.selectors import entidades_visibles, es_personal_cgii

MAX_DIAS = 3 * 366  # "at most three years"


def rango_por_defecto() -> tuple[date, date]:
    hoy = timezone.localdate()
    return date(hoy.year, 1, 1), hoy


class GestionIncidentesForm(forms.Form):
    desde = forms.DateField(label=gettext_lazy("Desde"),
                            widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    hasta = forms.DateField(label=gettext_lazy("Hasta"),
                            widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    entidad = forms.TypedChoiceField(label=gettext_lazy("Entidad"), coerce=int, required=False,
                                     empty_value=None)

    def __init__(self, data=None, *, usuario, **kw):
        desde, hasta = rango_por_defecto()
        if data is not None:
            # Missing dates take the default range so that the bare URL shows this year.
            data = data.copy()
            for nombre, valor in (("desde", desde), ("hasta", hasta)):
                if not data.get(nombre):
                    data[nombre] = valor.isoformat()
        super().__init__(data, **kw)
        self.usuario = usuario
        self.fields["desde"].initial = desde
        self.fields["hasta"].initial = hasta
        if es_personal_cgii(usuario):
            self.fields["entidad"].choices = [("", _("Todas las entidades"))] + [
                (pk, f"{sigla} — {nombre}") for pk, sigla, nombre in
                entidades_visibles(usuario).order_by("sigla").values_list("id", "sigla",
                                                                          "nombre")]
        else:
            del self.fields["entidad"]

    def clean(self):
        datos = super().clean()
        desde, hasta = datos.get("desde"), datos.get("hasta")
        if desde and hasta:
            if hasta < desde:
                self.add_error("hasta", _("La fecha final no puede ser anterior a la inicial."))
            elif hasta - desde > timedelta(days=MAX_DIAS):
                self.add_error("hasta", _("El rango no puede superar tres años."))
        datos.setdefault("entidad", None)
        return datos
