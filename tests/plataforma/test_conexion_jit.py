"""Our PostgreSQL sessions run without JIT unless CGII_DB_JIT=1 (cgii/settings.py: the IOC
lookup paid 70-110 ms of compilation per call at 10 M indicators)."""

import pytest
from django.db import connection

from cgii import settings as ajustes


@pytest.mark.django_db
def test_sesion_sin_jit():
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL only")
    with connection.cursor() as cursor:
        cursor.execute("SHOW jit")
        assert cursor.fetchone()[0] == "off"


def test_jit_se_conserva_si_se_pide(monkeypatch):
    monkeypatch.setenv("CGII_DB_JIT", "1")
    base = ajustes._base_de_datos("postgres://postgres@127.0.0.1:5432/x")
    assert "options" not in base["OPTIONS"]
    monkeypatch.setenv("CGII_DB_JIT", "0")
    base = ajustes._base_de_datos("postgres://postgres@127.0.0.1:5432/x")
    assert base["OPTIONS"]["options"] == "-c jit=off"
