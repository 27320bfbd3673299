"""Report parameters. The names are a contract with ``cgii.reportes`` and the benches:
"cumplimiento-entidad" → {"plan": int, "periodo": int | None}; "nacional" → {"gestion": int}.
Choices offered are scoped to what the user may see."""

from django import forms
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .. import selectors
from ..models import PeriodoSeguimiento
from ..states import ESTADOS_IMPLEMENTACION, EstadoPeriodo


class CumplimientoForm(forms.Form):
    plan = forms.TypedChoiceField(label=gettext_lazy("Plan (PISI)"), coerce=int)
    periodo = forms.IntegerField(
        label=gettext_lazy("Periodo de seguimiento cerrado"), required=False,
        help_text=gettext_lazy("Vacío: el último periodo cerrado del plan."))

    def __init__(self, data=None, *, usuario, **kw):
        super().__init__(data, **kw)
        self.usuario = usuario
        planes = (selectors.planes_visibles(usuario).select_related("entidad")
                  .order_by("entidad__sigla", "-gestion", "-version")
                  .values_list("id", "entidad__sigla", "gestion", "version", "estado"))
        planes = list(planes)
        self.fields["plan"].choices = [
            (pk, f"{sigla} — {gestion} v{version}") for pk, sigla, gestion, version, _e in planes]
        # Opened without a query: the first plan in force (an entity's usual single choice).
        en_vigencia = [p[0] for p in planes if p[4] in ESTADOS_IMPLEMENTACION]
        if en_vigencia or planes:
            self.fields["plan"].initial = (en_vigencia or [planes[0][0]])[0]

    def clean(self):
        datos = super().clean()
        plan_id, periodo_id = datos.get("plan"), datos.get("periodo")
        if plan_id is not None and periodo_id is not None:
            estado = (PeriodoSeguimiento.objects.filter(pk=periodo_id, plan_id=plan_id)
                      .values_list("estado", flat=True).first())
            if estado is None:
                self.add_error("periodo", _("El periodo no pertenece al plan elegido."))
            elif estado != EstadoPeriodo.CERRADO:
                self.add_error("periodo", _("El periodo aún no está cerrado."))
        return datos


class NacionalForm(forms.Form):
    gestion = forms.IntegerField(label=gettext_lazy("Gestión"), min_value=2000, max_value=2100)

    def __init__(self, data=None, *, usuario, **kw):
        super().__init__(data, **kw)
        self.usuario = usuario
        self.initial.setdefault("gestion", timezone.localdate().year)
        self.fields["gestion"].initial = timezone.localdate().year
