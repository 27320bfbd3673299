import pytest

from .utiles import reportar


@pytest.fixture(autouse=True)
def _archivos_temporales(settings, tmp_path):
    settings.ARCHIVOS_PRIVADOS_DIR = tmp_path / "archivos"


@pytest.fixture
def incidente(catalogos, reportante_a, entidad_a):
    return reportar(reportante_a, entidad_a)
