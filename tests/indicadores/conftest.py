import pytest
from rest_framework.test import APIClient

from tests.entidades.sesiones import ingresar
from tests.incidentes.utiles import reportar


@pytest.fixture(autouse=True)
def _archivos_temporales(settings, tmp_path):
    settings.ARCHIVOS_PRIVADOS_DIR = tmp_path / "archivos"


@pytest.fixture
def incidente(catalogos, reportante_a, entidad_a):
    return reportar(reportante_a, entidad_a)


@pytest.fixture
def incidente_b(catalogos, reportante_b, entidad_b):
    return reportar(reportante_b, entidad_b, titulo="Malware en servidores del municipio")


@pytest.fixture
def api():
    def cliente(usuario):
        c = APIClient()
        return ingresar(c, usuario)
    return cliente
