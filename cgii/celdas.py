"""Text bound for a spreadsheet cell. openpyxl refuses control characters that XML 1.0 cannot
carry (IllegalCharacterError: a 500 on export, found by schemathesis writing such a value
into a plan and exporting it), so they are dropped; the rest of the text is kept as is."""

from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE


def texto_celda(valor: str) -> str:
    return ILLEGAL_CHARACTERS_RE.sub("", valor)
