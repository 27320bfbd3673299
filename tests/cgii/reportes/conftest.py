import pytest
from django import forms
from django.http import Http404

from cgii.entidades.selectors import es_personal_cgii
from cgii.errores import ErrorValidacion
from cgii.reportes import registro
from cgii.reportes.registro import TipoReporte

from .ejemplo import documento_prueba


class FormularioPrueba(forms.Form):
    gestion = forms.IntegerField(label="Gestión", min_value=2000, max_value=2100, initial=2026)
    entidad = forms.CharField(label="Entidad", required=False)

    def __init__(self, data=None, *, usuario=None):
        super().__init__(data)
        self.usuario = usuario


def construir_prueba(*, usuario, parametros, progreso=None):
    gestion = parametros["gestion"]
    if gestion == 2001:
        raise ErrorValidacion("No hay datos para la gestión 2001.")
    if gestion == 2002:
        raise Http404()
    if gestion == 2003:
        raise RuntimeError("fallo interno de prueba")
    if progreso is not None:
        for paso in range(0, 101, 2):  # many small steps: the service must throttle them
            progreso(paso, f"Paso {paso}")
    return documento_prueba()


def _tipo(clave, *, asincrono=False, puede_ver=es_personal_cgii):
    return TipoReporte(clave=clave, titulo=f"Reporte {clave}", descripcion="Para pruebas.",
                       formulario=FormularioPrueba, puede_ver=puede_ver,
                       construir=construir_prueba, asincrono=asincrono)


@pytest.fixture
def registrar_tipo():
    """registrar_tipo(clave, asincrono=..., puede_ver=...) → a registered fake type, removed
    from the registry after the test."""
    registrados = []

    def registrar(clave="prueba", **kwargs):
        tipo = _tipo(clave, **kwargs)
        registro.registrar_reporte(tipo)
        registrados.append(clave)
        return tipo

    yield registrar
    for clave in registrados:
        registro._tipos.pop(clave, None)


@pytest.fixture
def archivos_privados(settings, tmp_path):
    settings.ARCHIVOS_PRIVADOS_DIR = tmp_path / "archivos"
    return settings.ARCHIVOS_PRIVADOS_DIR


@pytest.fixture
def sin_tipos():
    """An empty registry for the test (the domain apps register theirs at start-up)."""
    originales = dict(registro._tipos)
    registro._tipos.clear()
    yield
    registro._tipos.clear()
    registro._tipos.update(originales)
