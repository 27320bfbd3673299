import pytest

from cgii.eventos.registro import manejadores_para, registrar_manejador


def _nada(evento):
    return None


def test_tipos_exactos_prefijo_y_todos():
    registrar_manejador(nombre="t.exacto", tipos=("incidente.creado",), funcion=_nada)
    registrar_manejador(nombre="t.prefijo", tipos=("incidente.*",), funcion=_nada)
    registrar_manejador(nombre="t.todos", tipos=("*",), funcion=_nada)

    def nombres(tipo):
        return {m.nombre for m in manejadores_para(tipo)} & {"t.exacto", "t.prefijo", "t.todos"}

    assert nombres("incidente.creado") == {"t.exacto", "t.prefijo", "t.todos"}
    assert nombres("incidente.actualizado") == {"t.prefijo", "t.todos"}
    # A prefix matches whole namespaces only.
    assert nombres("incidentes_x.creado") == {"t.todos"}


def test_registrar_dos_veces_lo_mismo_es_inocuo_pero_otro_con_el_mismo_nombre_no():
    registrar_manejador(nombre="t.doble", tipos=("a.b",), funcion=_nada)
    registrar_manejador(nombre="t.doble", tipos=("a.b",), funcion=_nada)
    with pytest.raises(ValueError):
        registrar_manejador(nombre="t.doble", tipos=("a.c",), funcion=_nada)


@pytest.mark.parametrize("tipos", ["a.b", ()])
def test_tipos_invalidos(tipos):
    with pytest.raises(ValueError):
        registrar_manejador(nombre="t.malo", tipos=tipos, funcion=_nada)
