"""Plan content: creation, structured lists, documents, SoA, schedule, evidence, and the
explicit catalog migration."""

import hashlib
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from cgii.errores import (
    ArchivoDemasiadoGrande,
    ErrorValidacion,
    PermisoDenegado,
    TipoNoSoportado,
    TransicionInvalida,
)
from planes_seguridad import selectors, services
from planes_seguridad.models import Evidencia

from .utiles import PDF, completar, crear_plan, llevar_a, pdf, recargar

pytestmark = pytest.mark.django_db


# ---- plan -----------------------------------------------------------------------------------

def test_crear_por_api_con_una_fila_por_control(api, catalogos_pisi, rsi_a, entidad_a):
    r = api(rsi_a).post("/api/v1/pisi/planes/", {
        "gestion": 2027, "catalogo": "iso27002-2022", "alcance": "Sede central",
        "comite": [{"nombre": "Ana", "cargo": "Directora", "rol": "presidente"}]},
        format="json")
    assert r.status_code == 201, r.content
    datos = r.json()
    assert datos["estado"] == "borrador" and datos["version"] == 1
    assert datos["catalogo"]["codigo"] == "iso27002-2022"
    assert datos["soa_resumen"]["total"]["total"] == 93
    assert datos["soa_resumen"]["total"]["pendientes"] == 93
    assert [d["numero"] for d in datos["soa_resumen"]["dominios"]] == ["5", "6", "7", "8"]
    # One plan per entity and gestión; later ones are new versions.
    r = api(rsi_a).post("/api/v1/pisi/planes/", {"gestion": 2027}, format="json")
    assert r.status_code == 400 and "gestion" in r.json()["extra"]


def test_solo_rsi_o_mae_crean_y_editan(catalogos_pisi, plan, reportante_a, auditor, entidad_a,
                                       reportante_b):
    with pytest.raises(PermisoDenegado):
        crear_plan(reportante_a, entidad_a, gestion=2028)
    with pytest.raises(PermisoDenegado):
        services.plan_actualizar(actor=reportante_a, plan_id=plan.pk, alcance="x")
    with pytest.raises(PermisoDenegado):
        services.plan_actualizar(actor=auditor, plan_id=plan.pk, alcance="x")


def test_listas_estructuradas_se_validan(plan, rsi_a):
    with pytest.raises(ErrorValidacion) as exc:
        services.plan_actualizar(actor=rsi_a, plan_id=plan.pk,
                                 comite=[{"nombre": "Ana", "sueldo": 1}])
    assert "sueldo" in str(exc.value.extra["comite"])
    # The JSON summaries became records: a client still sending them is told where.
    for campo in ("evaluacion_riesgos", "inventario_activos"):
        with pytest.raises(ErrorValidacion) as exc:
            services.plan_actualizar(actor=rsi_a, plan_id=plan.pk, **{campo: [{"riesgo": "x"}]})
        assert "ahora son registros" in str(exc.value.extra[campo])


def test_rsi_debe_ser_de_la_entidad_con_rol_rsi_y_no_la_mae(plan, rsi_a, mae_a, reportante_b,
                                                           reportante_a):
    with pytest.raises(ErrorValidacion):
        services.plan_actualizar(actor=rsi_a, plan_id=plan.pk, rsi_id=reportante_b.pk)
    # A member of the entity without the RSI role, and the entity's MAE, are refused.
    with pytest.raises(ErrorValidacion) as exc:
        services.plan_actualizar(actor=rsi_a, plan_id=plan.pk, rsi_id=reportante_a.pk)
    assert "rol de RSI" in str(exc.value.extra["rsi_id"])
    with pytest.raises(ErrorValidacion) as exc:
        services.plan_actualizar(actor=rsi_a, plan_id=plan.pk, rsi_id=mae_a.pk)
    assert "MAE" in str(exc.value.extra["rsi_id"])
    services.plan_actualizar(actor=rsi_a, plan_id=plan.pk, rsi_id=rsi_a.pk)
    assert recargar(plan).rsi_id == rsi_a.pk


def test_contenido_bloqueado_fuera_de_borrador_u_observado(plan, rsi_a, auditor):
    plan = llevar_a(plan, "presentado", rsi_a, auditor)
    with pytest.raises(TransicionInvalida, match="borrador u observado"):
        services.plan_actualizar(actor=rsi_a, plan_id=plan.pk, alcance="otro")
    with pytest.raises(TransicionInvalida):
        services.plan_documento_subir(actor=rsi_a, plan_id=plan.pk, tipo="politica",
                                      archivo=pdf())
    with pytest.raises(TransicionInvalida):
        services.plan_actualizar(actor=rsi_a, plan_id=plan.pk, resolucion_cite="RM-1")


def test_documentos_por_api_y_descarga(api, plan, rsi_a, reportante_a):
    c = api(rsi_a)
    r = c.post(f"/api/v1/pisi/planes/{plan.pk}/documentos/politica/",
               {"archivo": pdf("Política SI.pdf")}, format="multipart")
    assert r.status_code == 200, r.content
    assert r.json()["politica"]["sha256"] == hashlib.sha256(PDF).hexdigest()
    r = api(reportante_a).get(f"/api/v1/pisi/planes/{plan.pk}/documentos/politica/descarga/")
    assert r.status_code == 200 and r["Content-Disposition"].startswith("attachment")
    assert b"".join(r.streaming_content) == PDF
    assert c.get(f"/api/v1/pisi/planes/{plan.pk}/documentos/resolucion/descarga/"
                 ).status_code == 404
    r = c.post(f"/api/v1/pisi/planes/{plan.pk}/documentos/resolucion/", {"archivo": pdf()},
               format="multipart")
    assert r.status_code == 409
    exe = SimpleUploadedFile("p.pdf", b"MZ\x90\x00" + b"\x00" * 200)
    r = c.post(f"/api/v1/pisi/planes/{plan.pk}/documentos/politica/", {"archivo": exe},
               format="multipart")
    assert r.status_code == 415


# ---- Statement of Applicability ------------------------------------------------------------

def test_no_aplica_exige_justificacion(plan, rsi_a):
    with pytest.raises(ErrorValidacion, match="justificación"):
        services.soa_actualizar(actor=rsi_a, plan_id=plan.pk, control="10.1.1", aplica=False)
    fila = services.soa_actualizar(actor=rsi_a, plan_id=plan.pk, control="10.1.1", aplica=False,
                                   justificacion="No se cifra información propia.")
    assert fila.aplica is False
    # Removing the justification later is refused too.
    with pytest.raises(ErrorValidacion):
        services.soa_actualizar(actor=rsi_a, plan_id=plan.pk, control="10.1.1", justificacion="")


def test_lote_atomico_y_validaciones(plan, rsi_a):
    with pytest.raises(ErrorValidacion):
        services.soa_actualizar_lote(actor=rsi_a, plan_id=plan.pk, cambios=[
            {"control": "5.1.1", "aplica": True},
            {"control": "5.1.2", "madurez": 7}])
    assert plan.soa.get(control__numero="5.1.1").aplica is None  # nothing applied
    with pytest.raises(ErrorValidacion):
        services.soa_actualizar(actor=rsi_a, plan_id=plan.pk, control="5.1.1",
                                estado_implementacion="terminado")
    from cgii.errores import NoEncontrado

    with pytest.raises(NoEncontrado):
        services.soa_actualizar(actor=rsi_a, plan_id=plan.pk, control="99.9", aplica=True)


def test_en_vigencia_solo_cambia_el_avance(plan, rsi_a, auditor, reportante_a):
    plan = llevar_a(plan, "vigente", rsi_a, auditor)
    with pytest.raises(TransicionInvalida):
        services.soa_actualizar(actor=rsi_a, plan_id=plan.pk, control="5.1.1", aplica=False,
                                justificacion="x")
    fila = services.soa_actualizar(actor=rsi_a, plan_id=plan.pk, control="5.1.1",
                                   estado_implementacion="implementado", madurez=4,
                                   responsable="Unidad de Sistemas",
                                   fecha_objetivo="2027-06-30")
    assert (fila.estado_implementacion, fila.madurez) == ("implementado", 4)
    with pytest.raises(PermisoDenegado):
        services.soa_actualizar(actor=reportante_a, plan_id=plan.pk, control="5.1.2", madurez=1)
    historial = plan.historial.filter(tipo="soa").last()
    assert historial.datos["controles"] == ["5.1.1"]


def test_soa_filtros_y_resumen(api, plan, rsi_a):
    plan = completar(plan, rsi_a)
    services.soa_actualizar(actor=rsi_a, plan_id=plan.pk, control="9.1.1",
                            estado_implementacion="en_proceso", madurez=2)
    c = api(rsi_a)
    base = f"/api/v1/pisi/planes/{plan.pk}/soa/"
    assert c.get(base + "?dominio=9&page_size=200").json()["count"] == 14
    assert c.get(base + "?aplica=false").json()["results"][0]["control"]["numero"] == "18.1.5"
    assert c.get(base + "?estado=en_proceso").json()["count"] == 1
    assert c.get(base + "?pendientes=true").json()["count"] == 0
    assert c.get(base + "?q=12.6").json()["count"] == 2
    resumen = selectors.soa_resumen(plan=plan)
    assert resumen["total"]["aplican"] == 113 and resumen["total"]["no_aplican"] == 1
    dominio_9 = next(d for d in resumen["dominios"] if d["numero"] == "9")
    assert dominio_9["en_proceso"] == 1 and dominio_9["total"] == 14
    # PATCH one row and a batch.
    fila = c.get(base + "?q=5.1.1").json()["results"][0]
    r = c.patch(f"{base}{fila['id']}/", {"madurez": 3}, format="json")
    assert r.status_code == 200 and r.json()["madurez"] == 3
    r = c.patch(base, {"cambios": [{"control": "5.1.2", "responsable": "RSI"},
                                   {"control": "6.1.1", "madurez": 1}]}, format="json")
    assert r.status_code == 200 and len(r.json()) == 2


# ---- schedule --------------------------------------------------------------------------------

def test_actividades_con_controles_y_atraso(api, plan, rsi_a, auditor):
    hoy = timezone.localdate()
    vieja = services.actividad_crear(actor=rsi_a, plan_id=plan.pk, titulo="Inventario de activos",
                                     inicio_planificado=hoy - timedelta(days=60),
                                     fin_planificado=hoy - timedelta(days=1),
                                     controles=["8.1.1", "8.1.2"], avance=40)
    services.actividad_crear(actor=rsi_a, plan_id=plan.pk, titulo="Política de contraseñas",
                             inicio_planificado=hoy, fin_planificado=hoy + timedelta(days=30))
    c = api(rsi_a)
    base = f"/api/v1/pisi/planes/{plan.pk}/actividades/"
    datos = c.get(base).json()["results"]
    assert [a["atrasada"] for a in datos] == [True, False]
    assert datos[0]["controles"] == ["8.1.1", "8.1.2"]
    assert c.get(base + "?atrasadas=true").json()["count"] == 1
    r = c.patch(f"{base}{vieja.pk}/", {"avance": 100, "inicio_real": str(hoy - timedelta(days=50)),
                                      "fin_real": str(hoy)}, format="json")
    assert r.status_code == 200 and r.json()["atrasada"] is False
    r = c.patch(f"{base}{vieja.pk}/", {"controles": ["77.1"]}, format="json")
    assert r.status_code == 400
    r = c.post(base, {"titulo": "x", "inicio_planificado": "2027-05-01",
                      "fin_planificado": "2027-04-01"}, format="json")
    assert r.status_code == 400 and "fin_planificado" in r.json()["extra"]
    assert api(auditor).post(base, {"titulo": "x", "inicio_planificado": "2027-05-01",
                                    "fin_planificado": "2027-05-02"},
                             format="json").status_code == 403
    assert c.delete(f"{base}{vieja.pk}/").status_code == 204
    assert c.get(f"{base}{vieja.pk}/").status_code == 404


# ---- evidence --------------------------------------------------------------------------------

def test_evidencia_archivo_y_enlace_con_su_ciclo(api, plan, rsi_a, auditor, reportante_a):
    act = services.actividad_crear(actor=rsi_a, plan_id=plan.pk, titulo="Capacitación",
                                   inicio_planificado="2027-03-01", fin_planificado="2027-03-31")
    c = api(rsi_a)
    base = f"/api/v1/pisi/planes/{plan.pk}/evidencias/"
    r = c.post(base, {"archivo": pdf("acta.pdf"), "control": "7.2.2", "actividad_id": act.pk,
                      "titulo": "Acta de capacitación"}, format="multipart")
    assert r.status_code == 201, r.content
    ev = r.json()
    assert (ev["tipo"], ev["estado"], ev["control"], ev["actividad_id"]) == (
        "archivo", "borrador", "7.2.2", act.pk)
    assert ev["sha256"] == hashlib.sha256(PDF).hexdigest()
    r = api(reportante_a).get(f"{base}{ev['id']}/descarga/")
    assert r.status_code == 200 and b"".join(r.streaming_content) == PDF
    r = c.post(base, {"url": "javascript:alert(1)", "titulo": "x"}, format="json")
    assert r.status_code == 400
    r = c.post(base, {"url": "https://intranet.mpa.gob.bo/politicas", "titulo": "Intranet",
                      "control": "5.1.1"}, format="json")
    assert r.status_code == 201 and r.json()["tipo"] == "enlace"
    assert c.get(f"{base}{r.json()['id']}/descarga/").status_code == 404
    # Workflow: the entity submits, CGII approves or rejects with a reason.
    estado = f"{base}{ev['id']}/estado/"
    assert c.post(estado, {"accion": "aprobar"}, format="json").status_code == 403
    assert c.post(estado, {"accion": "presentar"}, format="json").json()["estado"] == "en_revision"
    a = api(auditor)
    r = a.post(estado, {"accion": "rechazar"}, format="json")
    assert r.status_code == 400
    r = a.post(estado, {"accion": "rechazar", "motivo": "Ilegible"}, format="json")
    assert r.json()["estado"] == "rechazada" and r.json()["motivo_rechazo"] == "Ilegible"
    assert c.post(estado, {"accion": "presentar"}, format="json").status_code == 200
    assert a.post(estado, {"accion": "aprobar"}, format="json").json()["estado"] == "aprobada"
    assert a.post(estado, {"accion": "aprobar"}, format="json").status_code == 409
    assert c.get(base + "?estado=aprobada").json()["count"] == 1
    assert c.get(base + "?control=7.2.2").json()["count"] == 1
    assert c.delete(f"{base}{ev['id']}/").status_code == 409  # approved stays


def test_evidencia_rechazada_por_tamano_o_tipo_no_deja_nada(plan, rsi_a, settings):
    settings.EVIDENCIA_TAMANO_MAXIMO = 100
    with pytest.raises(ArchivoDemasiadoGrande):
        services.evidencia_subir(actor=rsi_a, plan_id=plan.pk, archivo=SimpleUploadedFile(
            "a.pdf", PDF + b"0" * 200))
    settings.EVIDENCIA_TAMANO_MAXIMO = 10_000
    with pytest.raises(TipoNoSoportado):
        services.evidencia_subir(actor=rsi_a, plan_id=plan.pk, archivo=SimpleUploadedFile(
            "a.exe", b"MZ\x90\x00" + b"\x00" * 100))
    assert not Evidencia.objects.exists()
    privados = settings.ARCHIVOS_PRIVADOS_DIR
    assert not [p for p in privados.rglob("*") if p.is_file()]


def test_eliminar_borra_el_archivo_tras_el_commit(plan, rsi_a, settings,
                                                  django_capture_on_commit_callbacks):
    ev = services.evidencia_subir(actor=rsi_a, plan_id=plan.pk, archivo=pdf())
    ruta = settings.ARCHIVOS_PRIVADOS_DIR / ev.ruta
    assert ruta.exists()
    with django_capture_on_commit_callbacks(execute=True):
        services.evidencia_eliminar(actor=rsi_a, plan_id=plan.pk, evidencia_id=ev.pk)
    assert not ruta.exists()


# ---- catalog migration -----------------------------------------------------------------------

def test_migrar_de_2013_a_2022_con_el_mapeo(plan, rsi_a):
    plan = completar(plan, rsi_a, no_aplican=("14.2.7",))  # outsourced development
    services.soa_actualizar_lote(actor=rsi_a, plan_id=plan.pk, cambios=[
        {"control": "12.2.1", "estado_implementacion": "implementado", "madurez": 4},
        {"control": "9.1.1", "estado_implementacion": "implementado", "madurez": 3},
        {"control": "9.1.2", "estado_implementacion": "en_proceso", "madurez": 2}])
    act = services.actividad_crear(actor=rsi_a, plan_id=plan.pk, titulo="Antimalware",
                                   inicio_planificado="2027-03-01",
                                   fin_planificado="2027-03-31", controles=["12.2.1"])
    plan = services.plan_migrar_catalogo(actor=rsi_a, plan_id=plan.pk, catalogo="iso27002-2022")
    assert plan.catalogo.codigo == "iso27002-2022" and plan.soa.count() == 93
    # 12.2.1 → 8.7 keeps its status; 9.1.1 + 9.1.2 → 5.15 takes the lower one.
    assert plan.soa.get(control__numero="8.7").estado_implementacion == "implementado"
    fusion = plan.soa.get(control__numero="5.15")
    assert (fusion.aplica, fusion.estado_implementacion, fusion.madurez) == (True, "en_proceso", 2)
    # 14.2.7 → 8.30 did not apply: the justification travels, prefixed by its source.
    assert plan.soa.get(control__numero="8.30").justificacion.startswith("14.2.7:")
    # Controls new in 2022 must be decided again.
    pendientes = set(plan.soa.filter(aplica__isnull=True).values_list("control__numero", flat=True))
    assert pendientes == {"5.7", "5.23", "5.30", "7.4", "8.9", "8.10", "8.11", "8.12", "8.16",
                          "8.23", "8.28"}
    assert [f.control.numero for f in act.controles.all()] == ["8.7"]
    with pytest.raises(ErrorValidacion):
        services.plan_migrar_catalogo(actor=rsi_a, plan_id=plan.pk, catalogo="iso27002-2022")
