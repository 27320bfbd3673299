"""Reply tokens (HMAC) and the trimming of quoted history, without a mailbox."""

import pytest

from incidentes.correo import citas, tokens


@pytest.fixture(autouse=True)
def _direccion(settings):
    settings.CORREO_DIRECCION = "incidentes@cgii.gob.bo"


def test_el_token_identifica_el_incidente_y_no_se_puede_forjar(settings):
    direccion = tokens.direccion_respuesta(42)
    assert direccion.startswith("incidentes+i42-") and direccion.endswith("@cgii.gob.bo")
    assert tokens.buscar(direcciones=[direccion], ids_mensaje=[]).incidente_id == 42
    # Mail systems may fold case.
    assert tokens.buscar(direcciones=[direccion.upper()], ids_mensaje=[]).incidente_id == 42
    falso = direccion.replace("i42-", "i43-")
    assert tokens.buscar(direcciones=[falso], ids_mensaje=[]) == tokens.Referencia(
        forjado=True)
    assert tokens.buscar(direcciones=["incidentes+cualquiera@cgii.gob.bo"],
                         ids_mensaje=[]).forjado
    # Another key (another installation) signs differently.
    settings.SECRET_KEY = "otra-clave-" * 5
    assert tokens.buscar(direcciones=[direccion], ids_mensaje=[]).forjado


def test_el_hilo_se_reconoce_por_message_id_solo_en_nuestro_dominio():
    hilo = tokens.id_hilo(7)
    assert tokens.buscar(direcciones=[], ids_mensaje=["<x@otro.org>", hilo]).incidente_id == 7
    ajeno = hilo.replace("@cgii.gob.bo", "@atacante.org")
    assert tokens.buscar(direcciones=[], ids_mensaje=[ajeno]) == tokens.Referencia()
    assert tokens.buscar(direcciones=["otro@cgii.gob.bo"], ids_mensaje=[]) == \
        tokens.Referencia()


@pytest.mark.parametrize("texto, esperado", [
    ("Listo.\n\nEl lun, 3 mar 2026 a las 10:00, CGII <cgii@agetic.gob.bo> escribió:\n> viejo",
     "Listo."),
    ("Listo.\n\nEl 3/3/26 a las 10:00, Centro de Gestión de Incidentes\n<cgii@agetic.gob.bo> "
     "escribió:\n> viejo", "Listo."),
    ("Done.\n\nOn Mon, Mar 3, 2026 at 10:00 AM CGII <cgii@agetic.gob.bo> wrote:\n> old",
     "Done."),
    ("Ya lo hicimos.\n\nDe: CGII <cgii@agetic.gob.bo>\nEnviado: lunes\nPara: Juan\n"
     "Asunto: [CGII] x\n\nviejo", "Ya lo hicimos."),
    ("Corto\n\n-----Mensaje original-----\nDe: CGII\nEnviado: lunes\n\nviejo", "Corto"),
    ("Gracias.\nEl equipo revisó.\n\nEl lun, 3 mar 2026, CGII escribió:\n> viejo",
     "Gracias.\nEl equipo revisó."),
    ("Sin historia.\n\nSaludos,\nJuan", "Sin historia.\n\nSaludos,\nJuan"),
    ("> todo citado", "> todo citado"),
])
def test_la_historia_citada_se_recorta(texto, esperado):
    assert citas.recortar(texto) == esperado
