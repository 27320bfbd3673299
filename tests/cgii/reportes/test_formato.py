from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from cgii.reportes.formato import es_numerico, formatear

UTC = ZoneInfo("UTC")


@pytest.mark.parametrize(("valor", "formato", "esperado"), [
    (None, "entero", "—"),
    (float("nan"), "decimal", "—"),
    (1234567, "entero", "1\u202f234\u202f567"),
    (12, "entero", "12"),
    (2.5, "entero", "3"),
    (Decimal("1234.5"), "decimal", "1\u202f234,50"),
    (62.5, "porcentaje", "62,5\u00a0%"),
    (100, "porcentaje", "100\u00a0%"),
    (33.333, "porcentaje", "33,3\u00a0%"),
    (3.25, "dias", "3,3 días"),
    (5, "horas", "5,0 h"),
    (date(2026, 3, 5), "fecha", "05/03/2026"),
    # 02:30 UTC is still the previous day in La Paz (UTC−4).
    (datetime(2026, 3, 5, 2, 30, tzinfo=UTC), "fecha", "04/03/2026"),
    (datetime(2026, 3, 5, 2, 30, tzinfo=UTC), "fecha_hora", "04/03/2026 22:30"),
    ("MINEDU", "texto", "MINEDU"),
    (-1500, "entero", "−1\u202f500"),
])
def test_formatear(valor, formato, esperado):
    assert formatear(valor, formato) == esperado


def test_formatos_numericos():
    assert es_numerico("porcentaje") and es_numerico("dias") and es_numerico("entero")
    assert not es_numerico("fecha") and not es_numerico("texto")
