"""Races on PostgreSQL with real threads and connections (transactional tests)."""

import threading

import pytest
from django.db import connection

from cgii.errores import ErrorDominio
from incidentes import services
from incidentes.models import EntradaTimeline, Incidente

from .utiles import reportar

pytestmark = pytest.mark.django_db(transaction=True)


def _en_hilos(funciones):
    barrera = threading.Barrier(len(funciones))
    resultados = [None] * len(funciones)

    def correr(i, f):
        try:
            barrera.wait()
            resultados[i] = ("ok", f())
        except ErrorDominio as exc:
            resultados[i] = (exc.status, exc.message)
        except Exception as exc:  # noqa: BLE001 - reported in the assertion
            resultados[i] = ("error", repr(exc))
        finally:
            connection.close()

    hilos = [threading.Thread(target=correr, args=(i, f)) for i, f in enumerate(funciones)]
    for h in hilos:
        h.start()
    for h in hilos:
        h.join(30)
    return resultados


def test_dos_transiciones_a_la_vez_una_gana_la_otra_409(catalogos, reportante_a, entidad_a,
                                                       analista, coordinador):
    incidente = reportar(reportante_a, entidad_a)

    def triaje(actor):
        return lambda: services.incidente_transicionar(
            actor=actor, incidente_id=incidente.pk, transicion="iniciar_triaje").estado

    resultados = _en_hilos([triaje(analista), triaje(coordinador)])
    assert sorted(str(r[0]) for r in resultados) == ["409", "ok"], resultados
    assert Incidente.objects.get(pk=incidente.pk).estado == "en_triaje"
    assert EntradaTimeline.objects.filter(incidente=incidente, tipo="transicion").count() == 1


def test_una_transicion_con_datos_viejos_pierde_con_409(catalogos, reportante_a, entidad_a,
                                                       analista):
    """The optimistic guard (ConcurrentTransitionMixin) catches a save from a stale copy."""
    from django_fsm import ConcurrentTransition

    incidente = reportar(reportante_a, entidad_a)
    viejo = Incidente.objects.get(pk=incidente.pk)
    services.incidente_transicionar(actor=analista, incidente_id=incidente.pk,
                                    transicion="iniciar_triaje")
    viejo.motivo_rechazo = "duplicado de prueba"
    viejo.rechazar()
    with pytest.raises(ConcurrentTransition):
        viejo.save()
    assert Incidente.objects.get(pk=incidente.pk).estado == "en_triaje"


def test_codigos_sin_huecos_con_reportes_concurrentes_y_uno_fallido(catalogos, reportante_a,
                                                                   entidad_a):
    def ok():
        return reportar(reportante_a, entidad_a).codigo

    def falla():
        return reportar(reportante_a, entidad_a, tlp="violeta").codigo

    resultados = _en_hilos([ok] * 8 + [falla])
    codigos = sorted(r[1] for r in resultados if r[0] == "ok")
    assert len(codigos) == 8 and [r[0] for r in resultados].count(400) == 1
    numeros = [int(c.rsplit("-", 1)[1]) for c in codigos]
    assert numeros == list(range(1, 9))
