"""One dispatch request per commit, never fewer than the events need (issue 18: a bulk
action of 200 incidents used to ask Celery 800 times after its commit)."""

from functools import partial

from django.db import transaction

from cgii.eventos import grupos
from cgii.eventos.services import evento_emitir, solicitar_despacho


def _emitir(**campos):
    return evento_emitir(**{"tipo": "prueba.algo", "datos": {},
                            "grupos": [grupos.GRUPO_PERSONAL_CGII], **campos})


def _pedidos(callbacks):
    return [c for c in callbacks if isinstance(c, partial) and c.func is solicitar_despacho]


def test_varios_eventos_de_una_transaccion_piden_un_solo_despacho(
        db, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks:
        with transaction.atomic():
            for _ in range(5):
                _emitir()
    assert len(_pedidos(callbacks)) == 1


def test_filas_en_puntos_de_guardado_con_la_primera_deshecha(
        db, django_capture_on_commit_callbacks):
    """The first row's request goes with its savepoint: the next row asks again, once."""
    with django_capture_on_commit_callbacks() as callbacks:
        with transaction.atomic():
            for k in range(5):
                try:
                    with transaction.atomic():
                        _emitir()
                        if k in (0, 3):
                            raise ValueError("fila rechazada")
                except ValueError:
                    pass
    assert len(_pedidos(callbacks)) == 1


def test_un_pedido_sin_difusion_no_cubre_un_evento_en_vivo(
        db, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks:
        with transaction.atomic():
            _emitir(grupos=[])  # nobody live, no sink: no request at all
            _emitir()
            _emitir()
    pedidos = _pedidos(callbacks)
    assert len(pedidos) == 1 and pedidos[0].keywords["difusion"] is True
