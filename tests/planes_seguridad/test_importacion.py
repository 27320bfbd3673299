"""Import of an existing PISI from the XLSX template and export in the same format: a round
trip changes nothing, a filled template becomes records, every bad row is reported with its
sheet, row and column and nothing is half-stored; the API and the page say the same."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import load_workbook

from cgii.errores import ErrorValidacion, PermisoDenegado, TransicionInvalida
from planes_seguridad import diferencias, exportacion, services, xlsx_plan
from planes_seguridad.models import Actividad, ActivoInformacion, EscenarioRiesgo
from tests.entidades.sesiones import ingresar

from .utiles import llevar_a, recargar

pytestmark = pytest.mark.django_db

ACTIVO = {"nombre": "Correo institucional", "tipo": "servicio", "propietario": "Sistemas",
          "ubicacion": "Nube del Estado", "clasificacion": "interna", "valor_c": 3,
          "valor_i": 3, "valor_d": 4}


def _xlsx(contenido: bytes, nombre="plan.xlsx") -> SimpleUploadedFile:
    return SimpleUploadedFile(nombre, contenido, content_type=(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"))


def _importar(plan, actor, contenido: bytes) -> dict:
    return services.plan_importar_xlsx(actor=actor, plan_id=plan.pk, archivo=_xlsx(contenido))


@pytest.fixture
def lleno(plan, rsi_a, mae_a):
    """A plan with everything the workbook carries, one risk accepted by the MAE."""
    services.soa_actualizar_lote(actor=rsi_a, plan_id=plan.pk, cambios=[
        {"control": "12.3.1", "aplica": True, "justificacion": "Respaldo diario.",
         "estado_implementacion": "en_proceso", "madurez": 2, "responsable": "Sistemas",
         "fecha_objetivo": "2027-06-30"},
        {"control": "10.1.1", "aplica": False, "justificacion": "Sin criptografía propia."}])
    act = services.actividad_crear(actor=rsi_a, plan_id=plan.pk, titulo="Pruebas de respaldo",
                                   inicio_planificado="2027-02-01",
                                   fin_planificado="2027-05-31", avance=30,
                                   controles=["12.3.1"])
    services.activo_crear(actor=rsi_a, plan_id=plan.pk, **ACTIVO)
    esc = services.riesgo_crear(actor=rsi_a, plan_id=plan.pk, activo="A-01", amenaza="A.8",
                                vulnerabilidad="V.TEC.1", probabilidad=4, impacto=5,
                                tratamiento="mitigar", controles=["12.3.1"],
                                actividades=[act.pk], probabilidad_residual=3,
                                impacto_residual=4)
    services.riesgos_aceptar(actor=mae_a, plan_id=plan.pk, riesgo_ids=[esc.pk])
    return recargar(plan)


def test_exportar_e_importar_el_mismo_archivo_no_cambia_nada(lleno, rsi_a):
    antes = diferencias.instantanea(lleno)
    actividad = lleno.actividades.get().pk
    _nombre, contenido = exportacion.libro_del_plan(usuario=rsi_a, plan_id=lleno.pk)
    libro = load_workbook(io.BytesIO(contenido))
    assert libro.sheetnames == ["Instrucciones", "Listas", "Activos", "Riesgos",
                                "Aplicabilidad", "Cronograma"]
    assert libro["Riesgos"]["O2"].value == "Crítico"  # computed columns are written…
    resumen = _importar(lleno, rsi_a, contenido)        # …and ignored on the way back
    assert resumen == {"activos": 1, "riesgos": 1, "controles": 0, "actividades": 1,
                       "eliminados": 0}
    plan = recargar(lleno)
    assert diferencias.instantanea(plan) == antes
    assert plan.actividades.get().pk == actividad
    assert plan.riesgos.get().aceptado_por_id is not None  # nothing changed: still accepted
    assert plan.historial.filter(tipo="importacion").count() == 1


def test_una_plantilla_llena_crea_los_registros(plan, rsi_a):
    contenido = xlsx_plan.escribir({
        "Activos": [{**ACTIVO, "codigo": "SRV-1", "tipo": "Servicio"},
                    {"codigo": "BD-1", "nombre": "Base de datos de personal", "tipo": "informacion",
                     "propietario": "RR. HH.", "clasificacion": "Confidencial", "valor_c": 5,
                     "valor_i": 4, "valor_d": 3}],
        "Cronograma": [{"ref": "C1", "titulo": "Campaña anti-phishing",
                        "inicio_planificado": "2027-03-01", "fin_planificado": "2027-04-30",
                        "controles": ["7.2.2"]}],
        "Aplicabilidad": [{"control": "7.2.2", "aplica": True,
                           "justificacion": "Phishing frecuente."}],
        "Riesgos": [{"codigo": "R-10", "activo": "SRV-1", "amenaza": "A.30",
                     "probabilidad": 4, "impacto": 4, "tratamiento": "Mitigar",
                     "controles": ["7.2.2"], "actividades": ["C1"],
                     "probabilidad_residual": 2, "impacto_residual": 3}]})
    resumen = _importar(plan, rsi_a, contenido)
    assert (resumen["activos"], resumen["riesgos"], resumen["actividades"]) == (2, 1, 1)
    esc = EscenarioRiesgo.objects.get(plan=plan, codigo="R-10")
    assert (esc.activo.codigo, esc.nivel, esc.nivel_residual) == ("SRV-1", "alto", "medio")
    assert [a.titulo for a in esc.actividades.all()] == ["Campaña anti-phishing"]
    assert plan.soa.get(control__numero="7.2.2").justificacion == "Phishing frecuente."
    assert ActivoInformacion.objects.get(plan=plan, codigo="BD-1").clasificacion == "confidencial"


def test_cada_error_por_fila_y_nada_a_medias(lleno, rsi_a):
    antes = diferencias.instantanea(lleno)
    filas = exportacion.filas_del_plan(lleno)
    filas["Activos"].append({**ACTIVO, "codigo": "A-02", "valor_c": 7})             # fila 3
    filas["Riesgos"] += [
        {"codigo": "R-02", "activo": "A-01", "amenaza": "Z.99", "probabilidad": 2,
         "impacto": 2},                                                             # fila 3
        {"codigo": "R-03", "activo": "A-01", "amenaza": "A.24", "probabilidad": 3,
         "impacto": 3, "probabilidad_residual": 1, "impacto_residual": 1},         # fila 4
        {"codigo": "R-04", "activo": "A-01", "amenaza": "A.25", "probabilidad": 2,
         "impacto": 2, "actividades": ["NOEXISTE"]}]                                # fila 5
    filas["Aplicabilidad"] = [{"control": "18.1.5", "aplica": False, "justificacion": ""},
                              {"control": "99.9.9", "aplica": True, "justificacion": "x"}]
    filas["Cronograma"].append({"ref": "N1", "titulo": "Al revés",
                                "inicio_planificado": "2027-06-01",
                                "fin_planificado": "2027-01-01"})                   # fila 3
    with pytest.raises(ErrorValidacion, match="no se guardó nada") as exc:
        _importar(lleno, rsi_a, xlsx_plan.escribir(filas))
    errores = {(e["hoja"], e["fila"], e["columna"]): e["mensaje"]
               for e in exc.value.extra["filas"]}
    assert "1 a 5" in errores[("Activos", 3, "C (1-5)")]
    assert "Z.99" in errores[("Riesgos", 3, "Amenaza (código MAGERIT)")]
    assert "después de elegir el tratamiento" in errores[("Riesgos", 4, "Tratamiento")]
    assert "NOEXISTE" in errores[("Riesgos", 5, "Actividades (ref.)")]
    assert "exclusión" in errores[("Aplicabilidad", 2, "Justificación")]
    assert "99.9.9" in errores[("Aplicabilidad", 3, "Control")]
    assert "anterior al inicio" in errores[("Cronograma", 3, "Fin planificado")]
    assert len(errores) == 7
    plan = recargar(lleno)
    assert diferencias.instantanea(plan) == antes  # nothing half-stored
    assert not plan.historial.filter(tipo="importacion").exists()


def test_archivos_que_no_son_la_plantilla(plan, rsi_a):
    with pytest.raises(ErrorValidacion) as exc:
        _importar(plan, rsi_a, b"no es un libro")
    assert exc.value.extra["filas"][0]["mensaje"] == "El archivo no es un libro XLSX válido."
    contenido = xlsx_plan.escribir({})
    libro = load_workbook(io.BytesIO(contenido))
    libro["Activos"]["B1"] = "Otra cosa"
    salida = io.BytesIO()
    libro.save(salida)
    with pytest.raises(ErrorValidacion) as exc:
        _importar(plan, rsi_a, salida.getvalue())
    assert {"hoja": "Activos", "fila": 1, "columna": "Nombre",
            "mensaje": "Falta la columna."} in exc.value.extra["filas"]


def test_quien_y_cuando_importa(plan, rsi_a, reportante_a, auditor):
    with pytest.raises(PermisoDenegado):
        _importar(plan, reportante_a, xlsx_plan.escribir({}))
    plan = llevar_a(plan, "en_revision", rsi_a, auditor)
    with pytest.raises(TransicionInvalida, match="borrador u observado"):
        _importar(plan, rsi_a, xlsx_plan.escribir({}))


def test_la_api_y_la_pagina_dicen_lo_mismo(lleno, rsi_a, rsi_b, api, client):
    base = f"/api/v1/pisi/planes/{lleno.pk}/"
    r = api(rsi_a).get(base + "xlsx/")
    assert r.status_code == 200 and r["Content-Type"].startswith("application/vnd.openxml")
    assert api(rsi_b).get(base + "xlsx/").status_code == 404
    assert api(rsi_a).get("/api/v1/pisi/plantilla-xlsx/").status_code == 200
    filas = exportacion.filas_del_plan(lleno)
    filas["Riesgos"][0]["amenaza"] = "Z.99"
    malo = xlsx_plan.escribir(filas)
    r = api(rsi_a).post(base + "importacion/", {"archivo": _xlsx(malo)}, format="multipart")
    assert r.status_code == 400
    assert r.json()["message"] == "El archivo tiene 1 error(es); no se guardó nada."
    assert r.json()["extra"]["filas"][0]["fila"] == 2
    # The page: the same message, and the error table once on the import page.
    c = ingresar(client, rsi_a)
    r = c.post(f"/pisi/{lleno.pk}/accion/importar/", {"archivo": _xlsx(malo)}, follow=True)
    assert r.request["PATH_INFO"] == f"/pisi/{lleno.pk}/importar/"
    assert "El archivo tiene 1 error(es); no se guardó nada." in [
        str(m) for m in r.context["messages"]]
    pagina = r.content.decode()
    assert 'id="informe-importacion"' in pagina and "Z.99" in pagina
    assert 'id="informe-importacion"' not in c.get(f"/pisi/{lleno.pk}/importar/").content.decode()
    bueno = exportacion.libro_del_plan(usuario=rsi_a, plan_id=lleno.pk)[1]
    r = api(rsi_a).post(base + "importacion/", {"archivo": _xlsx(bueno)}, format="multipart")
    assert r.status_code == 200 and r.json()["riesgos"] == 1
    assert Actividad.objects.filter(plan=lleno).count() == 1


def test_un_caracter_de_control_no_rompe_la_exportacion(plan, rsi_a, api):
    """Found by schemathesis: an asset named with a control character (valid JSON, stored
    as sent) made openpyxl raise on export — a 500. The cell drops the character."""
    services.activo_crear(actor=rsi_a, plan_id=plan.pk, **{**ACTIVO, "nombre": "Correo\x01\x1f"})
    r = api(rsi_a).get(f"/api/v1/pisi/planes/{plan.pk}/xlsx/")
    assert r.status_code == 200
    libro = load_workbook(io.BytesIO(b"".join(r.streaming_content) if r.streaming
                                      else r.content))
    valores = {c.value for hoja in libro for fila in hoja.iter_rows() for c in fila}
    assert "Correo" in valores
