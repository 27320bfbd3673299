from django.db import transaction

from cgii.celery import app
from cgii.eventos import grupos
from cgii.eventos.models import Evento
from cgii.eventos.services import evento_emitir
from cgii.eventos.tasks import BARRIDO_CADA_SEGUNDOS, NOMBRE_BARRIDO, despachar_eventos


def test_la_tarea_entrega_lo_pendiente_y_repetirla_no_hace_nada(db):
    with transaction.atomic():
        for i in range(3):
            evento_emitir(tipo="prueba.algo", datos={"n": i}, grupos=[grupos.GRUPO_PERSONAL_CGII])
    assert despachar_eventos.apply().get() == 3
    assert despachar_eventos.apply().get() == 0
    assert not Evento.objects.filter(entregado_en__isnull=True).exists()


def test_la_tarea_no_recibe_objetos_y_confirma_al_terminar():
    assert despachar_eventos.name == "eventos.despachar"
    assert despachar_eventos.acks_late is True
    assert despachar_eventos.ignore_result is True


def test_el_barrido_periodico_esta_en_el_calendario_de_beat():
    app.loader.import_default_modules()  # what beat does at start-up
    entrada = app.conf.beat_schedule[NOMBRE_BARRIDO]
    assert entrada["task"] == "eventos.barrido"
    assert entrada["schedule"] == BARRIDO_CADA_SEGUNDOS <= 10


def test_varios_sumideros_son_un_mensaje_que_el_trabajador_reparte(enviados):
    # Issue 22: the web process publishes one message for all the sinks of a commit; the
    # worker publishes one run per sink, as the web process did before.
    from cgii.eventos import services, tasks

    services.solicitar_despacho(sumideros=("notificaciones", "busqueda", "reparto"))
    assert enviados == ["vivo", ("juntos", ("notificaciones", "busqueda", "reparto"))]
    enviados.clear()
    assert tasks.ejecutar_sumideros.run(["notificaciones", "busqueda"]) == 2
    assert enviados == ["notificaciones", "busqueda"]
