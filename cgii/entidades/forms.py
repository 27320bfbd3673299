import re

from django import forms
from django.core.validators import MaxValueValidator
from django.utils.translation import gettext_lazy as _

_CODIGO = re.compile(r"^\d{6,8}$")


def _limpiar_codigo(valor: str) -> str:
    # Authenticator apps show "123 456"; people copy it that way.
    valor = re.sub(r"\s+", "", valor or "")
    if valor and not _CODIGO.match(valor):
        raise forms.ValidationError(_("El código de verificación tiene 6 dígitos."))
    return valor


class FormularioIngreso(forms.Form):
    username = forms.CharField(
        label=_("Usuario"), max_length=150,
        widget=forms.TextInput(attrs={"autocomplete": "username", "autofocus": True}),
    )
    password = forms.CharField(
        label=_("Contraseña"), strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )
    codigo = forms.CharField(
        label=_("Código de verificación"), required=False, max_length=12,
        help_text=_("Obligatorio para el personal del CGII: el código de 6 dígitos de su "
                    "aplicación autenticadora."),
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )

    def clean_codigo(self) -> str:
        return _limpiar_codigo(self.cleaned_data.get("codigo", ""))


class FormularioCodigo(forms.Form):
    codigo = forms.CharField(
        label=_("Código de verificación"), max_length=12,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric",
                                      "autofocus": True}),
    )

    def clean_codigo(self) -> str:
        return _limpiar_codigo(self.cleaned_data.get("codigo", ""))


class FormularioToken(forms.Form):
    """A new API token from the account page (the service checks everything again)."""

    nombre = forms.CharField(label=_("Nombre"), max_length=100,
                             help_text=_("Para reconocerlo después, p. ej. «Integración SIEM»."))
    alcance = forms.ChoiceField(label=_("Alcance"), choices=(), initial="lectura")
    dias = forms.IntegerField(label=_("Vigencia (días)"), min_value=1)
    entidad = forms.TypedChoiceField(label=_("Entidad"), required=False, coerce=int,
                                     empty_value=None)

    def __init__(self, *args, entidades=(), alcances=(), dias_defecto: int, dias_maximo: int,
                 **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["alcance"].choices = alcances
        self.fields["dias"].initial = dias_defecto
        self.fields["dias"].max_value = dias_maximo
        self.fields["dias"].widget.attrs.update({"min": 1, "max": dias_maximo})
        self.fields["dias"].validators.append(MaxValueValidator(dias_maximo))
        if len(entidades) > 1:
            self.fields["entidad"].choices = [(e.pk, f"{e.sigla} — {e.nombre}") for e in entidades]
            self.fields["entidad"].required = True
        else:
            del self.fields["entidad"]
