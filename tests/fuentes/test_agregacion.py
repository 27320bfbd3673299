"""Aggregation into the protocol (issue 19): one period's events of an entity, feed and
classification become one incident (origin "fuente externa", type mapped from
classification.type) or update the open one, or a notice, or only a record, per the feed's
policy; a resolved/closed incident is reopened or a new one starts; the entity is notified
once per aggregation; the "sin entidad" queue is fixed and re-routed in one action; the
entity acknowledges."""

from datetime import timedelta

import pytest
from django.utils import timezone

from cgii.errores import NoEncontrado, PermisoDenegado
from cgii.eventos.despachador import despachar_pendientes as _despachar
from cgii.eventos.models import Notificacion
from incidentes.fuentes import services
from incidentes.fuentes.models import Agregacion, AlCerrado, EventoFuente, Fuente, Politica
from incidentes.fuentes.services.ingesta import guardar
from incidentes.fuentes.validacion import validar_lote
from incidentes.models import Incidente, Origen, TipoEntrada
from tests.factories import crear_usuario
from tests.incidentes.utiles import llevar_a

from .utiles import AYER, evento

pytestmark = pytest.mark.django_db


@pytest.fixture
def gente_b(entidad_b):
    """Two people of entity B (who hear about its notices and incidents)."""
    return [crear_usuario(username="rsi_b", entidad=entidad_b, rol_entidad="rsi"),
            crear_usuario(username="rep_b", entidad=entidad_b, rol_entidad="reportante")]


def recibir(*eventos):
    validos, errores = validar_lote(list(eventos))
    assert not errores, errores
    return guardar(validos)


def consolidar():
    return services.consolidar_pendientes(espera_minima=timedelta(0))


def politica(valor, al_cerrado=AlCerrado.NUEVO):
    """The policy of the tests' feed (created as IntelMQ's first event would)."""
    Fuente.objects.update_or_create(proveedor="Shadowserver", nombre="Accessible-RDP",
                                    defaults={"politica": valor, "al_cerrado": al_cerrado})


def notificaciones(usuario):
    _despachar()
    _despachar()
    return list(Notificacion.objects.filter(usuario=usuario).order_by("id")
                .values_list("tipo", "texto"))


def test_politica_incidente_abre_uno_por_agregacion_y_notifica_una_vez(
        catalogos, registro, entidad_b, gente_b, analista):
    recibir(evento("200.87.12.7"))
    politica(Politica.INCIDENTE)
    recibir(evento("200.87.12.8"), evento("200.87.12.9"),
            evento("200.87.12.9", **{"classification.identifier": "rdp-2"}))
    assert consolidar() == 1
    incidente = Incidente.objects.get()
    assert (incidente.entidad_id, incidente.origen, incidente.tipo.codigo, incidente.estado) == (
        entidad_b.pk, Origen.FUENTE_EXTERNA, "servicio-expuesto-no-deseado", "reportado")
    assert incidente.protocolo is not None and incidente.tareas.exists()
    assert "3 hosts según Shadowserver · Accessible-RDP" in incidente.titulo
    agregacion = Agregacion.objects.get()
    assert (agregacion.incidente_id, agregacion.eventos, agregacion.hosts,
            agregacion.pendientes) == (incidente.pk, 4, 3, 0)
    assert incidente.timeline.filter(tipo=TipoEntrada.FUENTE, visible_entidad=True).exists()
    # Once per aggregation, not per event: each person of B heard exactly once.
    for persona in gente_b:
        assert [t for t, _ in notificaciones(persona)] == ["incidente.nuevo"]
    # Nothing pending: consolidating again does nothing.
    assert consolidar() == 0


def test_eventos_de_otro_dia_actualizan_el_incidente_abierto(catalogos, registro, gente_b):
    politica(Politica.INCIDENTE)
    recibir(evento("200.87.12.7", momento=AYER - timedelta(days=1)))
    consolidar()
    # A day apart in real life: the entity has read the first notice (unread notices on one
    # incident within 15 minutes would be one bell row with a count).
    notificaciones(gente_b[0])
    Notificacion.objects.filter(usuario=gente_b[0]).update(leida_en=timezone.now())
    recibir(evento("200.87.12.7"), evento("200.87.12.20"))
    consolidar()
    assert Incidente.objects.count() == 1
    incidente = Incidente.objects.get()
    assert set(Agregacion.objects.values_list("incidente_id", flat=True)) == {incidente.pk}
    entradas = list(incidente.timeline.filter(tipo=TipoEntrada.FUENTE)
                    .values_list("datos__hosts", flat=True))
    assert entradas == [1, 2]
    # Second aggregation: our own notice "new hosts in the open incident", once.
    assert [t for t, _ in notificaciones(gente_b[0])] == ["incidente.nuevo", "fuentes.hosts"]


def test_eventos_tardios_de_una_agregacion_ya_notificada_no_notifican(catalogos, registro,
                                                                       gente_b):
    politica(Politica.INCIDENTE)
    recibir(evento("200.87.12.7"))
    consolidar()
    recibir(evento("200.87.12.30"))   # same day, after the notification
    consolidar()
    incidente = Incidente.objects.get()
    assert incidente.timeline.filter(tipo=TipoEntrada.FUENTE).count() == 2
    assert Agregacion.objects.get().hosts == 2
    assert [t for t, _ in notificaciones(gente_b[0])] == ["incidente.nuevo"]


@pytest.mark.parametrize("al_cerrado", [AlCerrado.REABRIR, AlCerrado.NUEVO])
def test_incidente_resuelto_se_reabre_o_empieza_otro_segun_la_politica(
        catalogos, registro, gente_b, analista, al_cerrado):
    politica(Politica.INCIDENTE, al_cerrado)
    recibir(evento("200.87.12.7", momento=AYER - timedelta(days=1)))
    consolidar()
    primero = Incidente.objects.get()
    llevar_a(primero, "resuelto", analista)
    recibir(evento("200.87.12.7"))
    consolidar()
    primero.refresh_from_db()
    if al_cerrado == AlCerrado.REABRIR:
        assert Incidente.objects.count() == 1
        assert primero.estado == "en_analisis" and primero.resuelto_en is None
        transicion = primero.timeline.filter(tipo="transicion").last()
        assert transicion.datos["transicion"] == "reabrir_por_fuente"
    else:
        assert primero.estado == "resuelto"
        segundo = Incidente.objects.exclude(pk=primero.pk).get()
        assert segundo.origen == Origen.FUENTE_EXTERNA
        assert Agregacion.objects.order_by("periodo").last().incidente_id == segundo.pk


def test_politica_aviso_se_acusa_y_registro_no_avisa(catalogos, registro, gente_b, rsi_a,
                                                     analista):
    recibir(evento("200.87.12.7"))                                    # B, aviso (default)
    Fuente.objects.create(proveedor="CSIRTAmericas", nombre="Escaneos",
                          politica=Politica.REGISTRO)
    recibir(evento("200.87.12.8", **{"feed.provider": "CSIRTAmericas",
                                     "feed.name": "Escaneos", "classification.type": "scanner",
                                     "classification.identifier": "scan"}))
    assert consolidar() == 2
    assert not Incidente.objects.exists()
    aviso = Agregacion.objects.get(politica=Politica.AVISO)
    assert [t for t, _ in notificaciones(gente_b[0])] == ["fuentes.aviso"]
    # Only B's people acknowledge; another entity gets a 404, staff cannot do it for them.
    with pytest.raises(NoEncontrado):
        services.agregacion_acusar(actor=rsi_a, agregacion_id=aviso.pk)
    with pytest.raises(PermisoDenegado):
        services.agregacion_acusar(actor=analista, agregacion_id=aviso.pk)
    acusada = services.agregacion_acusar(actor=gente_b[1], agregacion_id=aviso.pk)
    assert acusada.acusado_por == gente_b[1] and acusada.acusado_en <= timezone.now()


def test_consolidacion_espera_a_que_la_agregacion_quede_quieta(catalogos, registro):
    recibir(evento("200.87.12.7"))
    assert services.consolidar_pendientes() == 0          # default wait: 5 minutes
    assert services.consolidar_pendientes(ahora=timezone.now() + timedelta(minutes=6)) == 1


def test_sin_entidad_se_corrige_y_reenruta_en_una_accion(catalogos, registro, entidad_a,
                                                         analista, rsi_a):
    recibir(evento("190.5.5.5"), evento("190.5.5.6"), evento("190.6.0.1"))
    assert EventoFuente.objects.filter(entidad__isnull=True).count() == 3
    with pytest.raises(PermisoDenegado):
        services.sin_entidad_reenrutar(actor=rsi_a, entidad_id=entidad_a.pk, tipo="red",
                                       valor="190.5.5.0/24")
    resultado = services.sin_entidad_reenrutar(actor=analista, entidad_id=entidad_a.pk,
                                               tipo="red", valor="190.5.5.0/24")
    assert (resultado.revisados, resultado.enrutados) == (3, 2)
    movidos = EventoFuente.objects.filter(entidad=entidad_a)
    assert movidos.count() == 2 and {e.via for e in movidos} == {"ip"}
    agregacion = Agregacion.objects.get(entidad=entidad_a)
    assert (agregacion.eventos, agregacion.pendientes) == (2, 2)
    assert consolidar() == 1


def test_varios_dias_pendientes_son_una_sola_actualizacion(catalogos, registro, gente_b):
    """A backlog (IntelMQ down for days, then catching up): one incident, one timeline
    entry and one notification for the three days, each day still its own aggregation."""
    politica(Politica.INCIDENTE)
    recibir(*[evento("200.87.12.7", momento=AYER - timedelta(days=d)) for d in range(3)])
    assert consolidar() == 3
    incidente = Incidente.objects.get()
    assert Agregacion.objects.filter(incidente=incidente).count() == 3
    entrada = incidente.timeline.get(tipo=TipoEntrada.FUENTE)
    assert (entrada.datos["eventos"], len(entrada.datos["agregaciones"])) == (3, 3)
    assert [t for t, _ in notificaciones(gente_b[0])] == ["incidente.nuevo"]
