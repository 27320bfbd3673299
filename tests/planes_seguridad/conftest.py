import pytest
from rest_framework.test import APIClient

from planes_seguridad import cargador
from tests.entidades.sesiones import ingresar
from tests.factories import crear_usuario

from .utiles import crear_plan


@pytest.fixture(autouse=True)
def _archivos_temporales(settings, tmp_path):
    settings.ARCHIVOS_PRIVADOS_DIR = tmp_path / "archivos"


@pytest.fixture
def catalogos_pisi(db):
    """The shipped ISO/IEC 27002 catalogs (2013, 2022 and the mapping)."""
    ausentes = cargador.faltantes()
    if ausentes:
        pytest.skip(f"Faltan los catálogos YAML de controles: {', '.join(ausentes)}")
    cargador.cargar_todo()


@pytest.fixture
def catalogo_nacional(tmp_path):
    """Every catalog, with a synthetic COMPLETE national file (utiles.nacional_completo):
    two minimum controls to test the rules the shipped partial file cannot exercise."""
    import shutil

    import yaml

    from planes_seguridad import cargador_nacional

    from .utiles import nacional_completo

    if cargador.faltantes():
        pytest.skip("Faltan los catálogos YAML de controles")
    destino = tmp_path / "catalogos"
    shutil.copytree(cargador.DIRECTORIO, destino)
    ruta = destino / cargador_nacional.ARCHIVO
    datos = yaml.safe_load(ruta.read_text())
    nacional_completo(datos)
    ruta.write_text(yaml.safe_dump(datos, allow_unicode=True, sort_keys=False))
    cargador.cargar_todo(directorio=destino)
    return destino


@pytest.fixture
def mae_a(entidad_a):
    return crear_usuario(username="mae_a", entidad=entidad_a, rol_entidad="mae")


@pytest.fixture
def rsi_b(entidad_b):
    return crear_usuario(username="rsi_b", entidad=entidad_b, rol_entidad="rsi")


@pytest.fixture
def plan(catalogos_pisi, rsi_a, entidad_a):
    """Entity A's 2027 plan, borrador, on ISO/IEC 27002:2013."""
    return crear_plan(rsi_a, entidad_a)


@pytest.fixture
def api():
    def cliente(usuario=None):
        c = APIClient()
        if usuario is None:
            return c
        return ingresar(c, usuario)
    return cliente
