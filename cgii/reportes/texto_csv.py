"""One table of a report as CSV, for people who feed it to another tool.

Raw values, not the Spanish display: percentages on the 0–100 scale with a "." decimal,
ISO dates, datetimes in ISO 8601 with the La Paz offset, empty for no value. Comma
separated and RFC 4180 quoted; the view prepends a UTF-8 BOM so Excel reads the accents.
"""

import csv
import io
from datetime import date, datetime
from decimal import Decimal

from django.utils import timezone

from .documento import Documento, Tabla
from .formato import ZONA


class TablaInexistente(LookupError):
    """The document has no table with that key."""


def valor_csv(valor) -> str:
    if valor is None:
        return ""
    if isinstance(valor, bool):
        return "1" if valor else "0"
    if isinstance(valor, datetime):
        return (valor.astimezone(ZONA) if timezone.is_aware(valor) else valor).isoformat(
            timespec="seconds")
    if isinstance(valor, date):
        return valor.isoformat()
    if isinstance(valor, float):
        if valor != valor:  # NaN
            return ""
        return str(int(valor)) if valor.is_integer() else repr(valor)
    if isinstance(valor, Decimal):
        return format(valor, "f")
    return str(valor)


def filas_csv(tabla: Tabla) -> list[list[str]]:
    filas = [[str(c.titulo) for c in tabla.columnas]]
    ancho = len(tabla.columnas)
    for valores in [*tabla.filas, *([tabla.total] if tabla.total is not None else [])]:
        completos = list(valores[:ancho]) + [None] * (ancho - len(valores))
        filas.append([valor_csv(v) for v in completos])
    return filas


def renderizar_csv(documento: Documento, clave_tabla: str) -> str:
    tabla = documento.tabla(clave_tabla)
    if tabla is None:
        raise TablaInexistente(clave_tabla)
    salida = io.StringIO()
    escritor = csv.writer(salida, lineterminator="\r\n")
    escritor.writerows(filas_csv(tabla))
    return salida.getvalue()
