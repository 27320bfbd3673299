"""Loading the versioned YAML catalogs: idempotent, newer updates, older refused."""

import shutil
from io import StringIO

import pytest
import yaml
from django.core.management import CommandError, call_command

from cgii.errores import ErrorValidacion
from protocolos import cargador
from protocolos.models import (
    ClaseIncidente,
    Paso,
    PoliticaSLA,
    Protocolo,
    ReglaPrioridad,
    TipoIncidente,
    VersionCatalogo,
)

pytestmark = pytest.mark.django_db

PROTOCOLOS_REQUERIDOS = {"phishing", "malware", "desfiguracion", "ddos", "intrusion",
                         "fuga-datos", "vulnerabilidad", "general"}


@pytest.fixture
def copia(tmp_path):
    destino = tmp_path / "catalogos"
    shutil.copytree(cargador.DIRECTORIO, destino)
    return destino


def _editar(ruta, cambio):
    datos = yaml.safe_load(ruta.read_text())
    cambio(datos)
    ruta.write_text(yaml.safe_dump(datos, allow_unicode=True, sort_keys=False))


def _conteos():
    return (ClaseIncidente.objects.count(), TipoIncidente.objects.count(),
            Protocolo.objects.count(), Paso.objects.count(), ReglaPrioridad.objects.count(),
            PoliticaSLA.objects.count())


def test_cargar_catalogos_dos_veces_no_cambia_nada_y_lo_dice():
    primera, segunda = StringIO(), StringIO()
    call_command("cargar_catalogos", stdout=primera)
    antes = _conteos()
    versiones = list(VersionCatalogo.objects.values_list("nombre", "version", "cargado_en"))
    call_command("cargar_catalogos", stdout=segunda)
    assert "cambio(s)" in primera.getvalue()
    assert "protocolos: sin cambios" in segunda.getvalue()
    assert "no se cambió nada" in segunda.getvalue()
    assert _conteos() == antes
    assert list(VersionCatalogo.objects.values_list("nombre", "version", "cargado_en")) == versiones


def test_lo_que_se_envia_cubre_la_taxonomia_enisa_y_los_protocolos_exigidos():
    cargador.cargar_todo()
    clases = set(ClaseIncidente.objects.values_list("nombre_en", flat=True))
    for en in ("Abusive content", "Malicious code", "Information gathering",
               "Intrusion attempts", "Intrusions", "Availability",
               "Information content security", "Fraud", "Vulnerable", "Other"):
        assert en in clases
    vigentes = set(Protocolo.objects.filter(vigente=True).values_list("codigo", flat=True))
    assert PROTOCOLOS_REQUERIDOS <= vigentes
    assert TipoIncidente.objects.get(codigo="phishing").protocolo_codigo == "phishing"
    assert ReglaPrioridad.objects.count() == 16
    assert set(PoliticaSLA.objects.values_list("prioridad", flat=True)) == {"P1", "P2", "P3", "P4"}
    for protocolo in Protocolo.objects.filter(vigente=True):
        fases = [f["codigo"] for f in protocolo.fases]
        assert fases == ["triaje", "analisis", "contencion", "erradicacion", "recuperacion",
                         "cierre"]
        obligatorias = set(protocolo.pasos.filter(obligatorio=True).values_list("fase", flat=True))
        assert {"triaje", "analisis", "contencion", "cierre"} <= obligatorias, protocolo.codigo
        assert protocolo.transiciones["autocerrar"] == ["sistema"]


def test_una_version_nueva_de_la_taxonomia_actualiza_en_su_lugar(copia):
    cargador.cargar_todo(directorio=copia)
    spam = TipoIncidente.objects.get(codigo="spam")
    quitado = {}

    def v2(datos):
        datos["version"] = 2
        for clase in datos["clases"]:
            for tipo in clase["tipos"]:
                if tipo["codigo"] == "spam":
                    tipo["nombre"] = "Correo masivo no solicitado"
        quitado["codigo"] = datos["clases"][-1]["tipos"].pop(0)["codigo"]

    _editar(copia / "taxonomia.yaml", v2)
    cambios = cargador.cargar_taxonomia(copia)
    assert cambios and "v2" in cambios[0] and "1 retirados" in cambios[0]
    actualizado = TipoIncidente.objects.get(codigo="spam")
    assert actualizado.pk == spam.pk  # same row, updated in place
    assert (actualizado.nombre, actualizado.version_catalogo) == ("Correo masivo no solicitado", 2)
    retirado = TipoIncidente.objects.get(codigo=quitado["codigo"])
    assert retirado.activo is False and retirado.version_catalogo == 1


def test_una_version_anterior_se_rechaza(copia):
    _editar(copia / "taxonomia.yaml", lambda d: d.update(version=3))
    cargador.cargar_todo(directorio=copia)
    _editar(copia / "taxonomia.yaml", lambda d: d.update(version=2))
    with pytest.raises(ErrorValidacion, match="anterior a la cargada"):
        cargador.cargar_taxonomia(copia)
    assert VersionCatalogo.objects.get(nombre="taxonomia").version == 3


def test_cambiar_el_contenido_sin_subir_la_version_se_rechaza(copia, settings):
    cargador.cargar_todo(directorio=copia)

    def cambio(datos):
        datos["matriz"][1][0] = "P1"

    _editar(copia / "prioridad.yaml", cambio)
    with pytest.raises(ErrorValidacion, match="suba la versión"):
        cargador.cargar_prioridad(copia)


def test_el_comando_informa_el_error_sin_traza(copia, monkeypatch):
    _editar(copia / "sla.yaml", lambda d: d.update(version=0))
    cargador.cargar_todo(directorio=copia)
    _editar(copia / "sla.yaml", lambda d: d.update(version=1, politicas=d["politicas"][:3]))
    monkeypatch.setattr(cargador, "DIRECTORIO", copia)
    with pytest.raises(CommandError, match="una política por prioridad"):
        call_command("cargar_catalogos", stdout=StringIO())


def test_un_protocolo_nuevo_es_otra_fila_y_el_anterior_queda(copia):
    cargador.cargar_todo(directorio=copia)
    v1 = Protocolo.objects.get(codigo="phishing", vigente=True)
    pasos_v1 = v1.pasos.count()

    def v2(datos):
        datos["version"] = 2
        datos["fases"][0]["pasos"].append({
            "codigo": "phishing-triaje-99", "titulo": "Paso nuevo", "instrucciones": "Hacer algo.",
            "obligatorio": False, "rol": "analista"})

    _editar(copia / "protocolos" / "phishing.yaml", v2)
    assert cargador.cargar_protocolos(copia) == [f"protocolo phishing v2 ({pasos_v1 + 1} pasos)"]
    v1.refresh_from_db()
    assert v1.vigente is False and v1.pasos.count() == pasos_v1
    assert Protocolo.objects.get(codigo="phishing", vigente=True).version == 2


@pytest.mark.parametrize("cambio, mensaje", [
    (lambda d: d["fases"].pop(), "las fases deben ser"),
    (lambda d: d["fases"][0]["pasos"][0].update(rol="jefe"), "rol de paso desconocido"),
    (lambda d: d["transiciones"].update(volar=["analista"]), "transiciones desconocidas"),
    (lambda d: d["transiciones"].update(cerrar=["rey"]), "roles desconocidos"),
])
def test_un_protocolo_invalido_dice_que_esta_mal(copia, cambio, mensaje):
    _editar(copia / "protocolos" / "ddos.yaml", cambio)
    with pytest.raises(ErrorValidacion, match=mensaje):
        cargador.cargar_protocolos(copia)
    assert not Protocolo.objects.filter(codigo="ddos").exists()


def test_un_tipo_con_protocolo_inexistente_se_rechaza(copia):
    _editar(copia / "taxonomia.yaml",
            lambda d: d["clases"][0]["tipos"][0].update(protocolo="inexistente"))
    with pytest.raises(ErrorValidacion, match="protocolo inexistente"):
        cargador.cargar_todo(directorio=copia)
