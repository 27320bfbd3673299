import pytest

from .utiles import llevar_a

pytestmark = pytest.mark.django_db


def test_camino_completo(plan, rsi_a, auditor):
    plan = llevar_a(plan, "vigente", rsi_a, auditor)
    assert plan.estado == "vigente"
    assert plan.codigo_verificacion.startswith("PISI-MPA-2027-")
