"""«Fusionar en el maestro»: nothing lost, origins kept, clocks discarded, one notice,
tenant rules (issue 18)."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from cgii.errores import ErrorValidacion, PermisoDenegado, TransicionInvalida
from cgii.eventos.despachador import despachar_pendientes
from cgii.eventos.models import Notificacion
from incidentes import services, sla
from incidentes.indicadores.models import IndicadorIncidente
from incidentes.indicadores.services.vinculos import indicador_agregar
from incidentes.models import EntradaTimeline, EstadoTarea, Evidencia, Incidente, Tarea
from incidentes.services import tareas as tareas_servicio
from incidentes.services.fusion import TIPOS_MENSAJE
from tests.factories import crear_usuario

from .paginas import cliente
from .utiles import clasificar, reportar

pytestmark = pytest.mark.django_db
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def _poblar(incidente, *, autor_entidad, analista, ip: str, nombre: str):
    """A report with the kinds of items a merge must carry: messages both ways, an internal
    note, evidence, indicators and a finished protocol step."""
    services.incidente_comentar(actor=autor_entidad, incidente_id=incidente.pk,
                                texto=f"Más datos sobre {nombre}")
    services.incidente_comentar(actor=analista, incidente_id=incidente.pk,
                                texto=f"Nota interna {nombre}", compartido=False)
    services.evidencia_subir(actor=autor_entidad, incidente_id=incidente.pk,
                             archivo=SimpleUploadedFile(f"{nombre}.png", PNG))
    indicador_agregar(actor=analista, incidente_id=incidente.pk, valor=ip)
    indicador_agregar(actor=analista, incidente_id=incidente.pk, valor="login-sigep.malo.example")
    clasificar(incidente, analista)


def _cuenta(*incidentes) -> dict:
    ids = [i.pk for i in incidentes]
    return {
        "mensajes": EntradaTimeline.objects.filter(incidente_id__in=ids,
                                                   tipo__in=TIPOS_MENSAJE).count(),
        "evidencias": Evidencia.objects.filter(incidente_id__in=ids).count(),
        "indicadores": set(IndicadorIncidente.objects.filter(incidente_id__in=ids)
                           .values_list("indicador__valor", flat=True)),
    }


@pytest.fixture
def par(catalogos, reportante_a, analista):
    maestro = reportar(reportante_a, reportante_a.membresias.first().entidad,
                       titulo="Phishing SIGEP")
    dup = reportar(reportante_a, maestro.entidad, titulo="Phishing SIGEP otra vez")
    _poblar(maestro, autor_entidad=reportante_a, analista=analista, ip="203.0.113.1",
            nombre="maestro")
    _poblar(dup, autor_entidad=reportante_a, analista=analista, ip="203.0.113.2", nombre="dup")
    return maestro, dup


def test_fusionar_mueve_todo_al_maestro_y_nada_se_pierde(par, analista, reportante_a):
    maestro, dup = par
    paso = Tarea.objects.filter(incidente=dup, fase="triaje").order_by("orden").first()
    propia = tareas_servicio.tarea_crear(actor=analista, incidente_id=dup.pk, titulo="Logs")
    tareas_servicio.tarea_crear(actor=analista, incidente_id=maestro.pk, titulo="Otra")
    Tarea.objects.filter(pk=paso.pk).update(estado=EstadoTarea.HECHA, nota="hecho en el dup")
    antes = _cuenta(maestro, dup)
    antes_dup = _cuenta(dup)
    despachar_pendientes()
    avisos_antes = Notificacion.objects.filter(usuario=reportante_a).count()

    fusion = services.incidente_fusionar(actor=analista, incidente_id=dup.pk,
                                         maestro_id=maestro.codigo)

    assert (fusion.mensajes, fusion.evidencias, fusion.indicadores, fusion.pasos) == (
        antes_dup["mensajes"], antes_dup["evidencias"], len(antes_dup["indicadores"]), 1)
    despues = _cuenta(maestro)
    assert despues["mensajes"] == antes["mensajes"]         # every message, now on the master
    assert despues["evidencias"] == antes["evidencias"]
    assert despues["indicadores"] == antes["indicadores"]   # the union, shared value once
    assert _cuenta(dup) == {"mensajes": 0, "evidencias": 0, "indicadores": set()}
    # The shared value's sighting adds up on the master.
    compartido = IndicadorIncidente.objects.get(incidente=maestro,
                                                indicador__valor="login-sigep.malo.example")
    assert compartido.conteo == 2
    # Each moved item says where it came from, in the master's timeline.
    desde = EntradaTimeline.objects.filter(incidente=maestro, datos__desde__codigo=dup.codigo)
    assert desde.filter(tipo__in=TIPOS_MENSAJE).count() == antes_dup["mensajes"]
    assert desde.filter(tipo="evidencia").count() == antes_dup["evidencias"]
    assert desde.filter(tipo="indicadores").count() == 1
    assert desde.filter(tipo="tarea").count() == 2   # the step and the own task
    propia.refresh_from_db()
    assert propia.incidente_id == maestro.pk and propia.codigo_paso == "propia-2"
    assert desde.filter(tipo="tarea", datos__propia=True).count() == 1
    tarea = Tarea.objects.get(incidente=maestro, codigo_paso=paso.codigo_paso)
    assert tarea.estado == EstadoTarea.HECHA and "hecho en el dup" in tarea.nota
    # The duplicate: marked, merged, clocks discarded (never «cumplido»).
    dup.refresh_from_db()
    assert dup.estado == "duplicado" and dup.maestro_id == maestro.pk and dup.fusionado_en
    relojes = sla.figuras_de([dup.pk], ahora=dup.fusionado_en).get(dup.pk)
    assert {r["estado"] for r in relojes} <= {"descartado"}, relojes
    assert dup.estado_sla == "descartado"
    # The entity hears of it once (the state change), the merge rows add no notice.
    despachar_pendientes()
    assert Notificacion.objects.filter(usuario=reportante_a).count() == avisos_antes + 1


def test_quitar_la_marca_tras_fusionar_se_rechaza_con_su_motivo(par, analista, coordinador,
                                                               api):
    maestro, dup = par
    services.incidente_fusionar(actor=analista, incidente_id=dup.pk, maestro_id=maestro.pk)
    with pytest.raises(TransicionInvalida) as exc:
        services.incidente_transicionar(actor=coordinador, incidente_id=dup.pk,
                                        transicion="desmarcar_duplicado")
    assert "fusionado" in str(exc.value)
    r = api(coordinador).post(f"/api/v1/incidentes/{dup.pk}/transiciones/",
                           {"transicion": "desmarcar_duplicado"}, format="json")
    assert r.status_code == 409 and "fusionado" in r.content.decode()
    # A second merge is refused too.
    with pytest.raises(TransicionInvalida):
        services.incidente_fusionar(actor=analista, incidente_id=dup.pk, maestro_id=maestro.pk)


def test_desmarcar_sin_fusionar_sigue_funcionando_y_reanuda_los_relojes(
        catalogos, reportante_a, entidad_a, analista, coordinador):
    maestro = reportar(reportante_a, entidad_a)
    dup = reportar(reportante_a, entidad_a)
    services.incidente_transicionar(actor=analista, incidente_id=dup.pk,
                                    transicion="marcar_duplicado",
                                    datos={"maestro_id": maestro.pk})
    dup.refresh_from_db()
    assert dup.estado_sla == "descartado"
    services.incidente_transicionar(actor=coordinador, incidente_id=dup.pk,
                                    transicion="desmarcar_duplicado")
    dup.refresh_from_db()
    assert dup.estado == "en_triaje" and dup.estado_sla not in ("descartado", "cumplido")


def test_la_entidad_no_fusiona_y_el_auditor_tampoco(par, reportante_a, auditor):
    maestro, dup = par
    for actor in (reportante_a, auditor):
        with pytest.raises(PermisoDenegado):
            services.incidente_fusionar(actor=actor, incidente_id=dup.pk, maestro_id=maestro.pk)


def test_entre_entidades_exige_confirmacion_y_cada_una_ve_solo_lo_suyo(
        catalogos, entidad_a, entidad_b, reportante_a, reportante_b, analista, api):
    maestro = reportar(reportante_a, entidad_a, titulo="Campaña de phishing SIGEP")
    dup = reportar(reportante_b, entidad_b, titulo="Phishing SIGEP en el municipio")
    _poblar(maestro, autor_entidad=reportante_a, analista=analista, ip="198.51.100.1",
            nombre="ministerio")
    _poblar(dup, autor_entidad=reportante_b, analista=analista, ip="198.51.100.2",
            nombre="municipio")
    antes_dup = _cuenta(dup)

    with pytest.raises(ErrorValidacion) as exc:
        services.incidente_fusionar(actor=analista, incidente_id=dup.pk, maestro_id=maestro.pk)
    assert "confirmar_otra_entidad" in exc.value.extra
    assert Incidente.objects.get(pk=dup.pk).estado == "reportado"   # nothing half-done
    r = api(analista).post(f"/api/v1/incidentes/{dup.pk}/fusion/",
                           {"maestro": maestro.codigo}, format="json")
    assert r.status_code == 400 and "confirmar_otra_entidad" in r.json()["extra"]

    r = api(analista).post(f"/api/v1/incidentes/{dup.pk}/fusion/",
                           {"maestro": maestro.codigo, "confirmar_otra_entidad": True},
                           format="json")
    assert r.status_code == 200, r.content
    # Nothing lost: the duplicate keeps its part, the master holds internal copies of it.
    assert _cuenta(dup) == antes_dup
    copias = EntradaTimeline.objects.filter(incidente=maestro, datos__desde__id=dup.pk)
    assert copias.filter(tipo__in=TIPOS_MENSAJE).count() == antes_dup["mensajes"]
    assert not copias.filter(visible_entidad=True).exists()
    assert not Evidencia.objects.filter(incidente=maestro, nombre="municipio.png",
                                        visible_entidad=True).exists()

    # Entity A (the master's) through the API: none of B's items, no duplicate listed.
    datos = api(reportante_a).get(f"/api/v1/incidentes/{maestro.pk}/").json()
    texto = str(datos)
    assert "municipio" not in texto and dup.codigo not in texto
    assert datos["duplicados"] == []
    # Entity B (the duplicate's): its whole report, no master code or id, the master is 404.
    datos = api(reportante_b).get(f"/api/v1/incidentes/{dup.pk}/").json()
    assert datos["maestro"] is None and maestro.codigo not in str(datos)
    assert "Más datos sobre municipio" in str(datos["timeline"])
    assert [e["nombre"] for e in datos["evidencias"]] == ["municipio.png"]
    assert api(reportante_b).get(f"/api/v1/incidentes/{maestro.pk}/").status_code == 404
    # Staff see the duplicate listed on the master.
    datos = api(analista).get(f"/api/v1/incidentes/{maestro.pk}/").json()
    assert [d["codigo"] for d in datos["duplicados"]] == [dup.codigo]

    # The pages say the same.
    pagina = cliente(reportante_a).get(f"/incidentes/{maestro.pk}/").content.decode()
    assert "municipio" not in pagina and dup.codigo not in pagina
    pagina = cliente(reportante_b).get(f"/incidentes/{dup.pk}/").content.decode()
    assert "Más datos sobre municipio" in pagina and maestro.codigo not in pagina


def test_la_pagina_fusiona_con_un_clic_desde_la_sugerencia(catalogos, entidad_a, reportante_a,
                                                           analista):
    maestro = reportar(reportante_a, entidad_a)
    dup = reportar(reportante_a, entidad_a)
    assert dup.posible_duplicado_id == maestro.pk
    client = cliente(analista)
    pagina = client.get(f"/incidentes/{dup.pk}/").content.decode()
    assert "data-posible-duplicado" in pagina and maestro.codigo in pagina
    r = client.post(f"/incidentes/{dup.pk}/accion/fusionar/", {"maestro_id": maestro.pk})
    assert r.status_code == 302
    dup.refresh_from_db()
    assert dup.fusionado_en and dup.maestro_id == maestro.pk
    pagina = client.get(f"/incidentes/{maestro.pk}/").content.decode()
    assert "data-duplicados" in pagina and dup.codigo in pagina


def test_una_persona_de_otra_entidad_no_ve_el_incidente_a_fusionar(par, reportante_b, api):
    maestro, dup = par
    otro = crear_usuario(username="analista_b", entidad=reportante_b.membresias.first().entidad,
                         rol_entidad="rsi")
    r = api(otro).post(f"/api/v1/incidentes/{dup.pk}/fusion/", {"maestro": maestro.codigo},
                       format="json")
    assert r.status_code in (403, 404)
