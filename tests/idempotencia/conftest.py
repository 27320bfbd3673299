import pytest
from django.utils import timezone


@pytest.fixture(autouse=True)
def _archivos_temporales(settings, tmp_path):
    settings.ARCHIVOS_PRIVADOS_DIR = tmp_path / "archivos"


def reporte(**campos) -> dict:
    datos = {"titulo": "Correos de phishing suplantando al SIGEP",
             "descripcion": "Llegan correos que piden credenciales del SIGEP.",
             "detectado_en": timezone.now().isoformat(), "tlp": "amber"}
    datos.update(campos)
    return datos


def clave(valor: str) -> dict:
    return {"HTTP_IDEMPOTENCY_KEY": valor}
