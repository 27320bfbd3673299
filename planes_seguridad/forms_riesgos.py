"""Forms of the risk register page: they parse and type what a person typed into the
service's keyword arguments; every rule (who, when, levels from the matrix, residual only
after treatment, the MAE's acceptance) is the services'."""

from django import forms
from django.utils.translation import gettext_lazy

from .forms import numeros_control
from .models import Clasificacion, TipoActivo, Tratamiento

VACIO = [("", "—")]


def _escala(etiquetas: list[str]) -> list[tuple[str, str]]:
    return VACIO + [(str(i), f"{i} · {e}") for i, e in enumerate(etiquetas, start=1)]


class ActivoInformacionForm(forms.Form):
    codigo = forms.CharField(label=gettext_lazy("Código"), required=False, max_length=20,
                             help_text=gettext_lazy("Vacío: A-01, A-02…"))
    nombre = forms.CharField(label=gettext_lazy("Activo"), max_length=200)
    tipo = forms.ChoiceField(label=gettext_lazy("Tipo"), choices=VACIO + TipoActivo.choices)
    propietario = forms.CharField(label=gettext_lazy("Propietario"), max_length=200)
    ubicacion = forms.CharField(label=gettext_lazy("Ubicación"), required=False, max_length=200)
    clasificacion = forms.ChoiceField(label=gettext_lazy("Clasificación"),
                                      choices=VACIO + Clasificacion.choices)
    valor_c = forms.TypedChoiceField(label=gettext_lazy("C"), coerce=int,
                                     choices=VACIO + [(str(i), str(i)) for i in range(1, 6)],
                                     help_text=gettext_lazy("Confidencialidad 1–5"))
    valor_i = forms.TypedChoiceField(label=gettext_lazy("I"), coerce=int,
                                     choices=VACIO + [(str(i), str(i)) for i in range(1, 6)],
                                     help_text=gettext_lazy("Integridad 1–5"))
    valor_d = forms.TypedChoiceField(label=gettext_lazy("D"), coerce=int,
                                     choices=VACIO + [(str(i), str(i)) for i in range(1, 6)],
                                     help_text=gettext_lazy("Disponibilidad 1–5"))
    descripcion = forms.CharField(label=gettext_lazy("Descripción"), required=False,
                                  max_length=4000, widget=forms.Textarea(attrs={"rows": 2}))

    def campos(self) -> dict:
        d = dict(self.cleaned_data)
        if not d.get("codigo"):
            d.pop("codigo", None)
        return d


class ListaEnteros(forms.Field):
    """Several ids from a <select multiple> (the service checks they are the plan's)."""

    widget = forms.SelectMultiple

    def to_python(self, value):
        try:
            return [int(v) for v in value or []]
        except (TypeError, ValueError):
            raise forms.ValidationError(gettext_lazy("Dato no válido.")) from None


def _lista(**kwargs):
    """A <select> whose options the view fills: the value is passed on as typed (codes are
    the service's to check, with its own messages)."""
    return forms.CharField(widget=forms.Select, **kwargs)


def _nivel(etiqueta):
    return forms.IntegerField(label=etiqueta, required=False, min_value=1, max_value=10,
                              widget=forms.Select)


class EscenarioForm(forms.Form):
    """One risk scenario. Options come from the catalogs in force, the plan's assets,
    activities and matrix (passed in by the view)."""

    codigo = forms.CharField(label=gettext_lazy("Código"), required=False, max_length=20,
                             help_text=gettext_lazy("Vacío: R-01, R-02…"))
    activo = _lista(label=gettext_lazy("Activo"), max_length=20)
    amenaza = _lista(label=gettext_lazy("Amenaza (MAGERIT)"), max_length=20)
    vulnerabilidad = _lista(label=gettext_lazy("Vulnerabilidad"), required=False, max_length=20)
    descripcion = forms.CharField(label=gettext_lazy("Escenario"), required=False,
                                  max_length=4000, widget=forms.Textarea(attrs={"rows": 2}))
    probabilidad = _nivel(gettext_lazy("Probabilidad"))
    impacto = _nivel(gettext_lazy("Impacto"))
    tratamiento = forms.ChoiceField(label=gettext_lazy("Tratamiento"), required=False,
                                    choices=VACIO + Tratamiento.choices)
    detalle_tratamiento = forms.CharField(label=gettext_lazy("Detalle del tratamiento"),
                                          required=False, max_length=4000,
                                          widget=forms.Textarea(attrs={"rows": 2}))
    responsable = forms.CharField(label=gettext_lazy("Responsable del riesgo"), required=False,
                                  max_length=200)
    controles = forms.CharField(label=gettext_lazy("Controles que lo tratan"), required=False,
                                max_length=1000,
                                help_text=gettext_lazy("Números separados por coma"))
    actividades = ListaEnteros(label=gettext_lazy("Actividades del cronograma"), required=False)
    probabilidad_residual = _nivel(gettext_lazy("Probabilidad residual"))
    impacto_residual = _nivel(gettext_lazy("Impacto residual"))

    def __init__(self, *args, activos=(), amenazas=(), vulnerabilidades=(), actividades=(),
                 matriz=None, **kwargs):
        super().__init__(*args, **kwargs)
        opciones = {
            "activo": VACIO + [(a.codigo, f"{a.codigo} · {a.nombre}") for a in activos],
            "amenaza": VACIO + _agrupar(amenazas),
            "vulnerabilidad": VACIO + _agrupar(vulnerabilidades),
            "actividades": [(str(a.pk), a.titulo) for a in actividades],
        }
        if matriz is not None:
            for campo in ("probabilidad", "probabilidad_residual"):
                opciones[campo] = _escala(matriz.probabilidad)
            for campo in ("impacto", "impacto_residual"):
                opciones[campo] = _escala(matriz.impacto)
        for campo, valores in opciones.items():
            self.fields[campo].widget.choices = valores

    def campos(self) -> dict:
        d = dict(self.cleaned_data)
        if not d.get("codigo"):
            d.pop("codigo", None)
        d["controles"] = numeros_control(d.get("controles", ""))
        d["actividades"] = d.get("actividades") or []
        return d


def _agrupar(elementos) -> list:
    """Catalog elements as <optgroup>s by group (N, I, E, A…)."""
    grupos: dict[str, list] = {}
    for e in elementos:
        grupos.setdefault(f"[{e.grupo}] {e.grupo_titulo}", []).append(
            (e.codigo, f"{e.codigo} {e.titulo}"))
    return list(grupos.items())


def iniciales_escenario(e) -> dict:
    return {"codigo": e.codigo, "activo": e.activo.codigo, "amenaza": e.amenaza.codigo,
            "vulnerabilidad": e.vulnerabilidad.codigo if e.vulnerabilidad else "",
            "descripcion": e.descripcion, "probabilidad": e.probabilidad or "",
            "impacto": e.impacto or "", "tratamiento": e.tratamiento,
            "detalle_tratamiento": e.detalle_tratamiento, "responsable": e.responsable,
            "controles": ", ".join(f.control.numero for f in e.controles.all()),
            "actividades": [str(a.pk) for a in e.actividades.all()],
            "probabilidad_residual": e.probabilidad_residual or "",
            "impacto_residual": e.impacto_residual or ""}


def iniciales_activo(a) -> dict:
    return {c: getattr(a, c) for c in ("codigo", "nombre", "tipo", "propietario", "ubicacion",
                                       "clasificacion", "valor_c", "valor_i", "valor_d",
                                       "descripcion")}
