"""Follow-up periods: progress, review, findings, and the immutable snapshot that trends are
computed from."""

from datetime import date, timedelta

import pytest
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from cgii.errores import ErrorValidacion, PermisoDenegado, TransicionInvalida
from planes_seguridad import selectors, services
from planes_seguridad.models import (
    Hallazgo,
    PeriodoSeguimiento,
    RevisionControl,
    SnapshotControl,
    SnapshotInmutable,
)

from .utiles import llevar_a

pytestmark = pytest.mark.django_db


@pytest.fixture
def vigente(plan, rsi_a, auditor):
    return llevar_a(plan, "vigente", rsi_a, auditor)


def _resultado_por_posicion(i: int) -> str:
    return ("cumple", "cumple_parcialmente", "no_cumple")[i % 3]


def revisar_todo(plan, periodo, auditor, resultado=_resultado_por_posicion):
    aplicables = list(plan.soa.filter(aplica=True).select_related("control")
                      .order_by("control__orden"))
    services.controles_revisar(actor=auditor, plan_id=plan.pk, periodo_id=periodo.pk,
                               revisiones=[{"control": f.control.numero, "resultado": resultado(i)}
                                           for i, f in enumerate(aplicables)])


def cerrar(plan, periodo, rsi, auditor, resultado=_resultado_por_posicion):
    services.periodo_transicionar(actor=rsi, plan_id=plan.pk, periodo_id=periodo.pk,
                                  transicion="presentar")
    revisar_todo(plan, periodo, auditor, resultado)
    return services.periodo_transicionar(actor=auditor, plan_id=plan.pk, periodo_id=periodo.pk,
                                         transicion="cerrar")


def test_abrir_periodo(vigente, plan, rsi_a, auditor, analista):
    with pytest.raises(PermisoDenegado):
        services.periodo_abrir(actor=rsi_a, plan_id=plan.pk)
    with pytest.raises(PermisoDenegado):
        services.periodo_abrir(actor=analista, plan_id=plan.pk)
    periodo = services.periodo_abrir(actor=auditor, plan_id=plan.pk)
    assert periodo.estado == "abierto"
    assert periodo.fecha_corte == date(timezone.localdate().year, 12, 31)
    assert periodo.revisiones.count() == 114
    with pytest.raises(TransicionInvalida, match="ya tiene"):
        services.periodo_abrir(actor=auditor, plan_id=plan.pk)


def test_solo_planes_vigentes_tienen_seguimiento(plan, rsi_a, auditor):
    plan = llevar_a(plan, "aprobado", rsi_a, auditor)
    with pytest.raises(TransicionInvalida, match="vigente"):
        services.periodo_abrir(actor=auditor, plan_id=plan.pk)


def test_la_entidad_reporta_y_el_auditor_revisa(vigente, plan, rsi_a, mae_a, auditor,
                                               reportante_a):
    periodo = services.periodo_abrir(actor=auditor, plan_id=plan.pk, fecha_corte="2027-11-30")
    rev = services.avance_reportar(actor=rsi_a, plan_id=plan.pk, periodo_id=periodo.pk,
                                   control="12.3.1", estado_implementacion="implementado",
                                   madurez=3, comentario="Respaldos diarios verificados.")
    assert (rev.estado_reportado, rev.madurez_reportada) == ("implementado", 3)
    fila = plan.soa.get(control__numero="12.3.1")
    assert (fila.estado_implementacion, fila.madurez) == ("implementado", 3)
    with pytest.raises(PermisoDenegado):
        services.avance_reportar(actor=reportante_a, plan_id=plan.pk, periodo_id=periodo.pk,
                                 control="12.3.1", madurez=1)
    with pytest.raises(PermisoDenegado):
        services.control_revisar(actor=rsi_a, plan_id=plan.pk, periodo_id=periodo.pk,
                                 control="12.3.1", resultado="cumple")
    with pytest.raises(ErrorValidacion):
        services.control_revisar(actor=auditor, plan_id=plan.pk, periodo_id=periodo.pk,
                                 control="12.3.1", resultado="excelente")
    rev = services.control_revisar(actor=auditor, plan_id=plan.pk, periodo_id=periodo.pk,
                                   control="12.3.1", resultado="cumple_parcialmente",
                                   comentario="Falta la prueba de restauración.")
    # The compliance result is kept apart from the implementation status.
    assert rev.resultado == "cumple_parcialmente"
    assert plan.soa.get(control__numero="12.3.1").estado_implementacion == "implementado"
    # Presented: the entity no longer reports; CGII may return it.
    services.periodo_transicionar(actor=mae_a, plan_id=plan.pk, periodo_id=periodo.pk,
                                  transicion="presentar")
    with pytest.raises(TransicionInvalida):
        services.avance_reportar(actor=rsi_a, plan_id=plan.pk, periodo_id=periodo.pk,
                                 control="12.3.1", madurez=4)
    with pytest.raises(PermisoDenegado):
        services.periodo_transicionar(actor=rsi_a, plan_id=plan.pk, periodo_id=periodo.pk,
                                      transicion="devolver")
    services.periodo_transicionar(actor=auditor, plan_id=plan.pk, periodo_id=periodo.pk,
                                  transicion="devolver", comentario="Adjunte evidencias.")
    assert PeriodoSeguimiento.objects.get(pk=periodo.pk).estado == "abierto"


def test_cerrar_exige_revisar_todos_los_controles_aplicables(vigente, plan, rsi_a, auditor):
    periodo = services.periodo_abrir(actor=auditor, plan_id=plan.pk)
    services.periodo_transicionar(actor=rsi_a, plan_id=plan.pk, periodo_id=periodo.pk,
                                  transicion="presentar")
    with pytest.raises(PermisoDenegado):
        services.periodo_transicionar(actor=rsi_a, plan_id=plan.pk, periodo_id=periodo.pk,
                                      transicion="cerrar")
    with pytest.raises(TransicionInvalida, match="Faltan controles") as exc:
        services.periodo_transicionar(actor=auditor, plan_id=plan.pk, periodo_id=periodo.pk,
                                      transicion="cerrar")
    assert exc.value.extra["sin_revisar"] == 113  # 18.1.5 does not apply
    revisar_todo(plan, periodo, auditor)
    cerrado = services.periodo_transicionar(actor=auditor, plan_id=plan.pk, periodo_id=periodo.pk,
                                            transicion="cerrar")
    assert cerrado.estado == "cerrado" and cerrado.cerrado_en is not None
    with pytest.raises(TransicionInvalida):
        services.periodo_transicionar(actor=auditor, plan_id=plan.pk, periodo_id=periodo.pk,
                                      transicion="devolver")


def test_la_instantanea_congela_estado_resultado_puntaje_y_evidencia(vigente, plan, rsi_a,
                                                                    auditor):
    ev = services.evidencia_enlazar(actor=rsi_a, plan_id=plan.pk, titulo="Política publicada",
                                    url="https://intranet.mpa.gob.bo/politica", control="5.1.1")
    services.evidencia_cambiar_estado(actor=rsi_a, plan_id=plan.pk, evidencia_id=ev.pk,
                                      accion="presentar")
    services.evidencia_cambiar_estado(actor=auditor, plan_id=plan.pk, evidencia_id=ev.pk,
                                      accion="aprobar")
    periodo = services.periodo_abrir(actor=auditor, plan_id=plan.pk)
    services.hallazgo_registrar(actor=auditor, plan_id=plan.pk, grado="no_conformidad_menor",
                                descripcion="No hay revisión anual de la política.",
                                control="5.1.2")
    cerrar(plan, periodo, rsi_a, auditor)
    fotos = {s.control_numero: s for s in selectors.snapshot_de(periodo=periodo)}
    assert len(fotos) == 114
    assert (fotos["5.1.1"].resultado, fotos["5.1.1"].puntaje) == ("cumple", 1)
    assert fotos["5.1.1"].evidencia_presente and fotos["5.1.1"].evidencias_aprobadas == 1
    assert (fotos["5.1.2"].resultado, float(fotos["5.1.2"].puntaje)) == ("cumple_parcialmente", 0.5)
    assert fotos["5.1.2"].hallazgos_abiertos == 1 and not fotos["5.1.2"].evidencia_presente
    assert (fotos["6.1.1"].resultado, fotos["6.1.1"].puntaje) == ("no_cumple", 0)
    # Not applicable: excluded from the score.
    assert (fotos["18.1.5"].aplica, fotos["18.1.5"].resultado, fotos["18.1.5"].puntaje) == (
        False, "no_aplica", None)


def test_editar_despues_del_cierre_no_cambia_la_instantanea_ni_la_tendencia(
        api, vigente, plan, rsi_a, auditor):
    periodo = services.periodo_abrir(actor=auditor, plan_id=plan.pk)
    cerrar(plan, periodo, rsi_a, auditor)
    foto = list(SnapshotControl.objects.filter(periodo=periodo).values())
    tendencia = selectors.tendencia(plan)
    respuesta_api = api(rsi_a).get(f"/api/v1/pisi/planes/{plan.pk}/tendencia/").json()
    # Everything the snapshot was made from changes afterwards…
    services.soa_actualizar_lote(actor=rsi_a, plan_id=plan.pk, cambios=[
        {"control": f.control.numero, "estado_implementacion": "implementado", "madurez": 5}
        for f in plan.soa.filter(aplica=True).select_related("control")])
    ev = services.evidencia_enlazar(actor=rsi_a, plan_id=plan.pk, titulo="Nueva",
                                    url="https://intranet.mpa.gob.bo/n", control="6.1.1")
    services.evidencia_cambiar_estado(actor=rsi_a, plan_id=plan.pk, evidencia_id=ev.pk,
                                      accion="presentar")
    services.evidencia_cambiar_estado(actor=auditor, plan_id=plan.pk, evidencia_id=ev.pk,
                                      accion="aprobar")
    # …the closed period's review cannot be changed…
    with pytest.raises(TransicionInvalida, match="cerrado"):
        services.control_revisar(actor=auditor, plan_id=plan.pk, periodo_id=periodo.pk,
                                 control="6.1.1", resultado="cumple")
    with pytest.raises(TransicionInvalida):
        services.hallazgo_registrar(actor=auditor, plan_id=plan.pk, periodo_id=periodo.pk,
                                    grado="observacion", descripcion="tarde")
    # …and a second period moves the trend forward without touching the first point.
    segundo = services.periodo_abrir(actor=auditor, plan_id=plan.pk)
    cerrar(plan, segundo, rsi_a, auditor, resultado=lambda i: "cumple")
    assert list(SnapshotControl.objects.filter(periodo=periodo).values()) == foto
    nueva = selectors.tendencia(plan)
    assert nueva[0] == tendencia[0]
    assert api(rsi_a).get(f"/api/v1/pisi/planes/{plan.pk}/tendencia/").json()[0] == \
        respuesta_api[0]
    assert nueva[1]["cumplimiento"] == 100.0 and nueva[1]["implementados"] == 113


def test_la_instantanea_rechaza_cambios_en_el_modelo_y_en_la_base(vigente, plan, rsi_a,
                                                                  auditor):
    periodo = services.periodo_abrir(actor=auditor, plan_id=plan.pk)
    cerrar(plan, periodo, rsi_a, auditor)
    foto = SnapshotControl.objects.filter(periodo=periodo).first()
    foto.resultado = "cumple"
    with pytest.raises(SnapshotInmutable):
        foto.save()
    with pytest.raises(SnapshotInmutable):
        foto.delete()
    with pytest.raises(SnapshotInmutable):
        SnapshotControl.objects.filter(periodo=periodo).update(resultado="cumple")
    with pytest.raises(SnapshotInmutable):
        SnapshotControl.objects.filter(periodo=periodo).delete()
    if connection.vendor != "postgresql":
        pytest.skip("los disparadores de inmutabilidad solo existen en PostgreSQL")
    sentencias = [
        ("UPDATE planes_seguridad_snapshotcontrol SET resultado = 'cumple' WHERE periodo_id = %s",
         "inmutable"),
        ("DELETE FROM planes_seguridad_snapshotcontrol WHERE periodo_id = %s", "inmutable"),
        ("UPDATE planes_seguridad_periodoseguimiento SET estado = 'abierto' WHERE id = %s",
         "cerrado no se modifica"),
        ("UPDATE planes_seguridad_revisioncontrol SET resultado = 'cumple' WHERE periodo_id = %s",
         "periodo cerrado"),
    ]
    for sql, mensaje in sentencias:
        with pytest.raises(DatabaseError, match=mensaje), transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute(sql, [periodo.pk])
    assert SnapshotControl.objects.filter(periodo=periodo, resultado="no_cumple").count() == 37


def test_tendencia_ponderada_sin_no_aplica_y_por_dominio(vigente, plan, rsi_a, auditor):
    periodo = services.periodo_abrir(actor=auditor, plan_id=plan.pk)
    # Weight 3 on one control the auditor finds non-compliant (setup through the ORM).
    plan.soa.filter(control__numero="5.1.1").update(peso=3)

    def resultado(i):
        return "no_cumple" if i == 0 else "cumple"

    cerrar(plan, periodo, rsi_a, auditor, resultado=resultado)
    [punto] = selectors.tendencia(plan)
    # 112 compliant of weight 1, one non-compliant of weight 3, 18.1.5 excluded.
    assert punto["evaluados"] == 113 and punto["no_aplica"] == 1
    assert punto["cumplimiento"] == round(100 * 112 / 115, 1)
    assert punto["por_dominio"]["5"] == 25.0 and punto["por_dominio"]["9"] == 100.0
    assert "18" in punto["por_dominio"]  # 18.1.5 excluded, the other seven count


def test_hallazgos_registro_edicion_y_cierre(api, vigente, plan, rsi_a, auditor, mae_a):
    with pytest.raises(TransicionInvalida, match="periodo"):
        services.hallazgo_registrar(actor=auditor, plan_id=plan.pk, grado="observacion",
                                    descripcion="x")
    periodo = services.periodo_abrir(actor=auditor, plan_id=plan.pk)
    with pytest.raises(PermisoDenegado):
        services.hallazgo_registrar(actor=rsi_a, plan_id=plan.pk, grado="observacion",
                                    descripcion="x")
    ayer = timezone.localdate() - timedelta(days=1)
    h = services.hallazgo_registrar(actor=auditor, plan_id=plan.pk, grado="no_conformidad_mayor",
                                    descripcion="Sin copias de respaldo fuera del sitio.",
                                    control="12.3.1", fecha_compromiso=ayer)
    assert (h.periodo_id, h.aplicabilidad.control.numero, h.origen) == (
        periodo.pk, "12.3.1", "auditoria")
    # The entity answers with cause and action, but may not regrade.
    services.hallazgo_actualizar(actor=rsi_a, plan_id=plan.pk, hallazgo_id=h.pk,
                                 causa_raiz="Sin presupuesto para un segundo sitio.",
                                 accion_correctiva="Convenio con otra entidad.",
                                 responsable="Jefe de Sistemas")
    with pytest.raises(PermisoDenegado):
        services.hallazgo_actualizar(actor=mae_a, plan_id=plan.pk, hallazgo_id=h.pk,
                                     grado="observacion")
    c = api(rsi_a)
    datos = c.get(f"/api/v1/pisi/planes/{plan.pk}/hallazgos/").json()["results"]
    assert datos[0]["atrasado"] is True and datos[0]["causa_raiz"].startswith("Sin presupuesto")
    assert c.post(f"/api/v1/pisi/planes/{plan.pk}/hallazgos/{h.pk}/cierre/",
                  {"comentario": "ok"}, format="json").status_code == 403
    r = api(auditor).post(f"/api/v1/pisi/planes/{plan.pk}/hallazgos/{h.pk}/cierre/",
                          {"comentario": "Convenio firmado y probado."}, format="json")
    assert r.status_code == 200 and r.json()["estado"] == "cerrado"
    assert r.json()["atrasado"] is False
    with pytest.raises(TransicionInvalida):
        services.hallazgo_actualizar(actor=rsi_a, plan_id=plan.pk, hallazgo_id=h.pk,
                                     causa_raiz="otra")
    assert Hallazgo.objects.get(pk=h.pk).estado == "cerrado"


def test_api_de_periodos(api, vigente, plan, rsi_a, auditor):
    a, c = api(auditor), api(rsi_a)
    base = f"/api/v1/pisi/planes/{plan.pk}/periodos/"
    assert c.post(base, {}, format="json").status_code == 403
    r = a.post(base, {"fecha_corte": "2027-12-15", "nombre": "Seguimiento 2027"}, format="json")
    assert r.status_code == 201, r.content
    pid = r.json()["id"]
    assert r.json()["n_controles"] == 114 and r.json()["n_revisados"] == 0
    r = c.post(f"{base}{pid}/avances/", {"control": "9.2.1", "estado_implementacion":
                                         "en_proceso", "madurez": 2}, format="json")
    assert r.status_code == 200 and r.json()["estado_reportado"] == "en_proceso"
    r = a.post(f"{base}{pid}/revisiones/", {"revisiones": [
        {"control": "9.2.1", "resultado": "cumple_parcialmente"}]}, format="json")
    assert r.status_code == 200
    pendientes = c.get(f"{base}{pid}/revisiones/?pendientes=true&page_size=200").json()
    assert pendientes["count"] == 112
    detalle = c.get(f"{base}{pid}/").json()
    assert [t["nombre"] for t in detalle["transiciones"]] == ["presentar"]
    r = c.post(f"{base}{pid}/transiciones/", {"transicion": "presentar"}, format="json")
    assert r.json()["estado"] == "en_revision"
    r = a.post(f"{base}{pid}/transiciones/", {"transicion": "cerrar"}, format="json")
    assert r.status_code == 409 and r.json()["extra"]["sin_revisar"] == 112
    revisar_todo(plan, PeriodoSeguimiento.objects.get(pk=pid), auditor)
    r = a.post(f"{base}{pid}/transiciones/", {"transicion": "cerrar"}, format="json")
    assert r.status_code == 200 and r.json()["estado"] == "cerrado"
    foto = c.get(f"{base}{pid}/snapshot/?page_size=200").json()
    assert foto["count"] == 114 and foto["results"][0]["control_numero"] == "5.1.1"
    assert RevisionControl.objects.filter(periodo_id=pid).exclude(resultado="").count() == 113


def test_resumen_para_el_pdf_y_cola_de_revision(vigente, plan, rsi_a, auditor, rsi_b,
                                               entidad_b, reportante_b):
    from cgii.errores import NoEncontrado

    from .utiles import crear_plan

    periodo = services.periodo_abrir(actor=auditor, plan_id=plan.pk)
    cerrar(plan, periodo, rsi_a, auditor)
    resumen = selectors.resumen_plan(usuario=rsi_a, plan_id=plan.pk)
    assert resumen.plan.codigo_verificacion and resumen.soa["total"]["total"] == 114
    # One activity: the schedule the conformity checklist requires (utiles.completar).
    assert len(resumen.tendencia) == 1 and resumen.actividades["total"] == 1
    assert {f.tipo for f in resumen.plazos} == {"revision_cgii", "aprobacion_mae", "registro"}
    with pytest.raises(NoEncontrado):
        selectors.resumen_plan(usuario=reportante_b, plan_id=plan.pk)
    presentado = llevar_a(crear_plan(rsi_b, entidad_b), "presentado", rsi_b, auditor)
    assert [p.pk for p in selectors.cola_revision(usuario=auditor)] == [presentado.pk]
    assert list(selectors.cola_revision(usuario=rsi_a)) == []
