import re

from django import forms
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
