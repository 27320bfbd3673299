import pytest
from channels.layers import BaseChannelLayer

from cgii.eventos import grupos


def test_nombres_validos_para_channels():
    capa = BaseChannelLayer()
    nombres = [grupos.GRUPO_PERSONAL_CGII, grupos.grupo_entidad(7), grupos.grupo_usuario(8),
               grupos.grupo_incidente(2**63 - 1)]
    for nombre in nombres:
        assert nombre.isascii() and len(nombre) < 100
        assert capa.require_valid_group_name(nombre)
        assert grupos.es_nombre_valido(nombre)
    assert len(set(nombres)) == len(nombres)


def test_cada_tipo_de_grupo_tiene_su_espacio():
    assert grupos.grupo_entidad(5) != grupos.grupo_usuario(5) != grupos.grupo_incidente(5)


@pytest.mark.parametrize("malo", [0, -1, "5", True, None, 1.5])
def test_ids_invalidos(malo):
    with pytest.raises(ValueError):
        grupos.grupo_entidad(malo)


@pytest.mark.parametrize("malo", ["", "con espacio", "ñ", "x" * 100, None, 5])
def test_nombres_invalidos(malo):
    assert not grupos.es_nombre_valido(malo)
