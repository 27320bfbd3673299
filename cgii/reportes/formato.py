"""Raw report values → the Spanish text shown in HTML and PDF (and in chart labels).

Bolivian Spanish conventions: decimal comma, thousands grouped with a narrow no-break space
(U+202F, so "12 345" never wraps and is not mistaken for a decimal point), "62,5 %" with a
no-break space before the sign, dates dd/mm/aaaa, and times in America/La_Paz whatever the
zone of the aware datetime the domain app passed. ``None`` is an em dash, never "None" or 0.
"""

import math
from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.utils import timezone
from django.utils.translation import gettext as _

ZONA = ZoneInfo("America/La_Paz")
VACIO = "—"
MILES = "\u202f"  # narrow no-break space
NBSP = "\u00a0"
# Formats whose values are numbers: right-aligned in tables, real numbers in XLSX.
NUMERICOS = frozenset({"entero", "decimal", "porcentaje", "dias", "horas"})


def es_numerico(formato: str) -> bool:
    return formato in NUMERICOS


def _vacio(valor) -> bool:
    if valor is None or valor == "":
        return True
    return isinstance(valor, float) and math.isnan(valor)


def numero(valor, decimales: int) -> str:
    """``1234.5, 1`` → "1 234,5"; rounding half away from zero like people do by hand."""
    cantidad = Decimal(str(valor)).quantize(Decimal(1).scaleb(-decimales),
                                            rounding="ROUND_HALF_UP")
    texto = f"{abs(cantidad):,.{decimales}f}"
    entero, _punto, fraccion = texto.partition(".")
    texto = entero.replace(",", MILES) + ("," + fraccion if fraccion else "")
    return ("−" if cantidad < 0 else "") + texto


def local(momento: datetime) -> datetime:
    """An aware datetime in La Paz time (naive ones are taken as already local)."""
    if timezone.is_naive(momento):
        return momento
    return momento.astimezone(ZONA)


def porcentaje(valor) -> str:
    """62.5 → "62,5 %"; whole numbers without decimals (100 → "100 %")."""
    decimales = 0 if float(valor) == round(float(valor)) else 1
    return f"{numero(valor, decimales)}{NBSP}%"


def formatear(valor, formato: str = "texto") -> str:
    if _vacio(valor):
        return VACIO
    if formato == "fecha":
        if isinstance(valor, datetime):
            valor = local(valor).date()
        return valor.strftime("%d/%m/%Y") if isinstance(valor, date) else str(valor)
    if formato == "fecha_hora":
        if isinstance(valor, datetime):
            return local(valor).strftime("%d/%m/%Y %H:%M")
        return valor.strftime("%d/%m/%Y") if isinstance(valor, date) else str(valor)
    if isinstance(valor, bool) or not isinstance(valor, (int, float, Decimal)):
        return str(valor)
    if formato == "entero":
        return numero(valor, 0)
    if formato == "decimal":
        return numero(valor, 2)
    if formato == "porcentaje":
        return porcentaje(valor)
    if formato == "dias":
        return _("%(n)s días") % {"n": numero(valor, 1)}
    if formato == "horas":
        return _("%(n)s h") % {"n": numero(valor, 1)}
    return str(valor)
