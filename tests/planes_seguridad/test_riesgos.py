"""Risk management as records (issue 23): the MAGERIT threat catalogue and the matrix as
versioned data, levels computed from the matrix, residual risk only after treatment, the
MAE's acceptance, completeness, the register page with its heat maps, the API."""

import shutil

import pytest
import yaml
from django.db import IntegrityError, transaction

from cgii.errores import ErrorValidacion, NoEncontrado, PermisoDenegado, TransicionInvalida
from planes_seguridad import cargador, cargador_riesgos, riesgo, selectors, services
from planes_seguridad.models import (
    CatalogoRiesgo,
    ElementoRiesgo,
    EscenarioRiesgo,
    MatrizRiesgo,
)
from tests.entidades.sesiones import ingresar

from .utiles import crear_plan, llevar_a, recargar

pytestmark = pytest.mark.django_db

ACTIVO = {"nombre": "Sistema de correspondencia", "tipo": "software",
          "propietario": "Dirección de Sistemas", "ubicacion": "Centro de datos",
          "clasificacion": "confidencial", "valor_c": 4, "valor_i": 4, "valor_d": 3}


@pytest.fixture
def con_activo(plan, rsi_a):
    return services.activo_crear(actor=rsi_a, plan_id=plan.pk, **ACTIVO)


def _riesgo(plan, actor, **campos):
    return services.riesgo_crear(actor=actor, plan_id=plan.pk, activo="A-01", amenaza="A.24",
                                 **campos)


# ---- catalogs and matrix --------------------------------------------------------------------

def test_catalogo_magerit_y_matriz_cargados_idempotentes(catalogos_pisi):
    amenazas = CatalogoRiesgo.objects.get(codigo=cargador_riesgos.AMENAZAS, vigente=True)
    assert amenazas.elementos.count() == 57
    por_grupo = {}
    for e in amenazas.elementos.all():
        por_grupo[e.grupo] = por_grupo.get(e.grupo, 0) + 1
    assert por_grupo == {"N": 3, "I": 12, "E": 18, "A": 24}
    titulos = dict(amenazas.elementos.values_list("codigo", "titulo"))
    assert titulos["A.24"] == "Denegación de servicio"
    assert titulos["E.25"] == "Pérdida de equipos"
    assert titulos["A.23"] == "Manipulación de los equipos"
    assert titulos["I.5"] == "Avería de origen físico o lógico"
    assert CatalogoRiesgo.objects.get(codigo=cargador_riesgos.VULNERABILIDADES).elementos \
        .count() == 18
    matriz = MatrizRiesgo.objects.get(vigente=True)
    assert riesgo.dimensiones(matriz) == (5, 5) and matriz.aceptacion_mae_desde == "alto"
    antes = (CatalogoRiesgo.objects.count(), ElementoRiesgo.objects.count(),
             MatrizRiesgo.objects.count())
    assert cargador.cargar_todo() == []
    assert (CatalogoRiesgo.objects.count(), ElementoRiesgo.objects.count(),
            MatrizRiesgo.objects.count()) == antes


@pytest.mark.parametrize("probabilidad,impacto,nivel", [
    (1, 1, "bajo"), (1, 5, "medio"), (5, 1, "medio"), (3, 3, "medio"), (2, 5, "alto"),
    (4, 4, "alto"), (4, 5, "critico"), (5, 5, "critico")])
def test_niveles_de_la_matriz(con_activo, plan, rsi_a, probabilidad, impacto, nivel):
    esc = _riesgo(plan, rsi_a, probabilidad=probabilidad, impacto=impacto)
    assert esc.nivel == nivel
    matriz = selectors.matriz_de(recargar(plan))
    assert riesgo.nivel(matriz, probabilidad, impacto) == nivel


def test_matriz_configurable_nueva_version_y_plan_conserva_la_suya(tmp_path, con_activo, plan,
                                                                   rsi_a, entidad_b):
    destino = tmp_path / "catalogos"
    shutil.copytree(cargador.DIRECTORIO, destino)
    ruta = destino / cargador_riesgos.ARCHIVOS[cargador_riesgos.MATRIZ]
    datos = yaml.safe_load(ruta.read_text())
    datos.update(version=2, probabilidad=["Baja", "Media", "Alta"],
                 impacto=["Bajo", "Medio", "Alto"],
                 niveles=[{"codigo": "tolerable", "nombre": "Tolerable"},
                          {"codigo": "importante", "nombre": "Importante"},
                          {"codigo": "extremo", "nombre": "Extremo"}],
                 celdas=[["tolerable", "tolerable", "importante"],
                         ["tolerable", "importante", "extremo"],
                         ["importante", "extremo", "extremo"]],
                 aceptacion_mae_desde="extremo")
    ruta.write_text(yaml.safe_dump(datos, allow_unicode=True))
    cargador.cargar_todo(directorio=destino)
    nueva = MatrizRiesgo.objects.get(vigente=True)
    assert nueva.version == 2
    # The plan keeps the 5 × 5 matrix it was created with…
    esc = _riesgo(plan, rsi_a, probabilidad=5, impacto=5)
    assert esc.nivel == "critico"
    # …a new plan takes the new one: 3 × 3, its own levels, its own range.
    from tests.factories import crear_usuario

    rsi_b = crear_usuario(username="rsi_b_matriz", entidad=entidad_b, rol_entidad="rsi")
    otro = crear_plan(rsi_b, entidad_b)
    assert otro.matriz_riesgo_id == nueva.pk
    services.activo_crear(actor=rsi_b, plan_id=otro.pk, **ACTIVO)
    assert _riesgo(otro, rsi_b, probabilidad=2, impacto=3).nivel == "extremo"
    with pytest.raises(ErrorValidacion) as exc:
        _riesgo(otro, rsi_b, codigo="R-09", probabilidad=4, impacto=1)
    assert "1 a 3" in str(exc.value.extra["probabilidad"])


def test_matriz_que_baja_de_nivel_se_rechaza(tmp_path):
    destino = tmp_path / "catalogos"
    shutil.copytree(cargador.DIRECTORIO, destino)
    ruta = destino / cargador_riesgos.ARCHIVOS[cargador_riesgos.MATRIZ]
    datos = yaml.safe_load(ruta.read_text())
    datos["celdas"][4][4] = "bajo"
    ruta.write_text(yaml.safe_dump(datos, allow_unicode=True))
    with pytest.raises(ErrorValidacion, match="baja de nivel"):
        cargador.cargar_todo(directorio=destino)
    assert MatrizRiesgo.objects.count() == 0


# ---- treatment, residual risk, acceptance ---------------------------------------------------

def test_residual_solo_despues_del_tratamiento(con_activo, plan, rsi_a):
    with pytest.raises(ErrorValidacion, match="después de elegir el tratamiento"):
        _riesgo(plan, rsi_a, probabilidad=4, impacto=4, probabilidad_residual=2,
                impacto_residual=2)
    assert not plan.riesgos.exists()  # nothing half-stored
    esc = _riesgo(plan, rsi_a, probabilidad=4, impacto=4)
    assert (esc.nivel, esc.nivel_residual) == ("alto", "")
    services.soa_actualizar(actor=rsi_a, plan_id=plan.pk, control="17.2.1", aplica=True,
                            justificacion="Redundancia del servicio.")
    esc = services.riesgo_actualizar(actor=rsi_a, plan_id=plan.pk, riesgo_id=esc.pk,
                                     tratamiento="mitigar", controles=["17.2.1"],
                                     probabilidad_residual=2, impacto_residual=3)
    assert (esc.nivel, esc.nivel_residual) == ("alto", "medio")
    with pytest.raises(ErrorValidacion, match="no puede superar"):
        services.riesgo_actualizar(actor=rsi_a, plan_id=plan.pk, riesgo_id=esc.pk,
                                   probabilidad_residual=5)
    # Dropping the treatment drops the residual risk with it.
    esc = services.riesgo_actualizar(actor=rsi_a, plan_id=plan.pk, riesgo_id=esc.pk,
                                     tratamiento="")
    assert (esc.probabilidad_residual, esc.nivel_residual) == (None, "")
    # The database refuses a residual risk without treatment too.
    with pytest.raises(IntegrityError), transaction.atomic():
        EscenarioRiesgo.objects.filter(pk=esc.pk).update(probabilidad_residual=1,
                                                         impacto_residual=1)


def test_aceptar_conserva_el_nivel_y_mitigar_exige_controles_aplicables(con_activo, plan, rsi_a):
    esc = _riesgo(plan, rsi_a, probabilidad=2, impacto=2, tratamiento="aceptar")
    assert (esc.probabilidad_residual, esc.impacto_residual, esc.nivel_residual) == (
        2, 2, "bajo")
    services.soa_actualizar(actor=rsi_a, plan_id=plan.pk, control="10.1.1", aplica=False,
                            justificacion="Sin criptografía propia.")
    with pytest.raises(ErrorValidacion) as exc:
        _riesgo(plan, rsi_a, codigo="R-05", probabilidad=3, impacto=3, tratamiento="mitigar",
                controles=["10.1.1"])
    assert "excluidos" in str(exc.value.extra["controles"])


def test_la_mae_acepta_el_residual_y_un_cambio_retira_la_aceptacion(con_activo, plan, rsi_a,
                                                                    mae_a):
    esc = _riesgo(plan, rsi_a, probabilidad=5, impacto=5, tratamiento="transferir",
                  detalle_tratamiento="Seguro de ciberriesgo.", probabilidad_residual=4,
                  impacto_residual=4)
    assert esc.nivel_residual == "alto"
    assert any("aceptación de la MAE" in m for m in recargar(plan).riesgos_faltantes())
    with pytest.raises(PermisoDenegado, match="MAE"):
        services.riesgos_aceptar(actor=rsi_a, plan_id=plan.pk, riesgo_ids=[esc.pk])
    sin_residual = _riesgo(plan, rsi_a, codigo="R-02", probabilidad=2, impacto=2)
    with pytest.raises(TransicionInvalida, match="R-02"):
        services.riesgos_aceptar(actor=mae_a, plan_id=plan.pk,
                                 riesgo_ids=[esc.pk, sin_residual.pk])
    assert EscenarioRiesgo.objects.get(pk=esc.pk).aceptado_por_id is None  # all or nothing
    (aceptado,) = services.riesgos_aceptar(actor=mae_a, plan_id=plan.pk, riesgo_ids=[esc.pk],
                                           comentario="Costo de mitigar mayor al impacto.")
    assert aceptado.aceptado_por_id == mae_a.pk and aceptado.aceptado_en is not None
    assert plan.historial.filter(tipo="riesgo", texto__contains="aceptó").exists()
    # The description may change; the values the MAE accepted may not, silently.
    esc = services.riesgo_actualizar(actor=rsi_a, plan_id=plan.pk, riesgo_id=esc.pk,
                                     descripcion="Caída del portal por saturación.")
    assert esc.aceptado_por_id == mae_a.pk
    esc = services.riesgo_actualizar(actor=rsi_a, plan_id=plan.pk, riesgo_id=esc.pk,
                                     probabilidad_residual=3)
    assert esc.aceptado_por_id is None
    assert "retiró" in plan.historial.filter(tipo="riesgo").last().texto


def test_evaluacion_completa_y_sus_faltantes(plan, rsi_a, mae_a):
    faltan = recargar(plan).riesgos_faltantes()
    assert faltan == ["No hay activos de información inventariados.",
                      "No hay escenarios de riesgo registrados."]
    services.activo_crear(actor=rsi_a, plan_id=plan.pk, **ACTIVO)
    esc = _riesgo(plan, rsi_a)
    faltan = recargar(plan).riesgos_faltantes()
    assert "Escenarios sin probabilidad e impacto: R-01." in faltan
    assert "Escenarios sin tratamiento: R-01." in faltan
    services.riesgo_actualizar(actor=rsi_a, plan_id=plan.pk, riesgo_id=esc.pk, probabilidad=4,
                               impacto=5, tratamiento="mitigar")
    assert any("sin controles" in m for m in recargar(plan).riesgos_faltantes())
    services.soa_actualizar(actor=rsi_a, plan_id=plan.pk, control="17.2.1", aplica=True,
                            justificacion="Redundancia.")
    services.riesgo_actualizar(actor=rsi_a, plan_id=plan.pk, riesgo_id=esc.pk,
                               controles=["17.2.1"], probabilidad_residual=3, impacto_residual=4)
    assert recargar(plan).riesgos_faltantes() == [
        "Riesgos que requieren la aceptación de la MAE y no la tienen: R-01."]
    services.riesgos_aceptar(actor=mae_a, plan_id=plan.pk, riesgo_ids=[esc.pk])
    assert recargar(plan).riesgos_faltantes() == []


def test_solo_en_borrador_u_observado_y_por_la_entidad(con_activo, plan, rsi_a, reportante_a,
                                                      auditor):
    with pytest.raises(PermisoDenegado):
        services.activo_crear(actor=reportante_a, plan_id=plan.pk, **{**ACTIVO, "codigo": "X"})
    with pytest.raises(PermisoDenegado):
        services.activo_crear(actor=auditor, plan_id=plan.pk, **{**ACTIVO, "codigo": "X"})
    with pytest.raises(TransicionInvalida, match="escenarios de riesgo"):
        _riesgo(plan, rsi_a) and services.activo_eliminar(actor=rsi_a, plan_id=plan.pk,
                                                          activo_id=con_activo.pk)
    plan = llevar_a(plan, "en_revision", rsi_a, auditor)
    with pytest.raises(TransicionInvalida, match="borrador u observado"):
        services.activo_crear(actor=rsi_a, plan_id=plan.pk, **{**ACTIVO, "codigo": "X"})


def test_nueva_version_copia_activos_y_riesgos_sin_la_aceptacion(plan, rsi_a, mae_a, auditor):
    services.activo_crear(actor=rsi_a, plan_id=plan.pk, **ACTIVO)
    esc = _riesgo(plan, rsi_a, probabilidad=3, impacto=3, tratamiento="aceptar")
    services.riesgos_aceptar(actor=mae_a, plan_id=plan.pk, riesgo_ids=[esc.pk])
    plan = llevar_a(plan, "vigente", rsi_a, auditor)
    nuevo = services.plan_nueva_version(actor=rsi_a, plan_id=plan.pk)
    copia = nuevo.riesgos.get()
    assert (copia.codigo, copia.nivel, copia.tratamiento, copia.activo.codigo) == (
        "R-01", "medio", "aceptar", "A-01")
    assert copia.activo.plan_id == nuevo.pk and copia.aceptado_por_id is None
    assert nuevo.matriz_riesgo_id == recargar(plan).matriz_riesgo_id


# ---- API and page ---------------------------------------------------------------------------

def test_api_registro_mapa_de_calor_y_aislamiento(plan, rsi_a, mae_a, rsi_b, api):
    c = api(rsi_a)
    base = f"/api/v1/pisi/planes/{plan.pk}/"
    r = c.post(base + "activos/", ACTIVO, format="json")
    assert r.status_code == 201 and r.json()["codigo"] == "A-01" and r.json()["valor"] == 4
    r = c.post(base + "riesgos/", {"activo": "A-01", "amenaza": "E.20",
                                   "vulnerabilidad": "V.TEC.1", "probabilidad": 4,
                                   "impacto": 5, "tratamiento": "aceptar"}, format="json")
    assert r.status_code == 201, r.json()
    riesgo_id = r.json()["id"]
    assert (r.json()["nivel"], r.json()["nivel_residual"]) == ("critico", "critico")
    assert r.json()["amenaza"]["titulo"] == "Vulnerabilidades de los programas (software)"
    r = c.post(base + "riesgos/", {"activo": "A-01", "amenaza": "Z.99"}, format="json")
    assert r.status_code == 400 and "Z.99" in str(r.json()["extra"])
    ev = c.get(base + "evaluacion-riesgos/").json()
    celda = ev["inherente"]["filas"][0]["celdas"][4]  # probability 4 is row 2; row 1 is 5
    assert ev["inherente"]["filas"][1]["celdas"][4] == {
        "impacto": 5, "nivel": "critico", "nivel_nombre": "Crítico", "n": 1,
        "codigos": ["R-01"]}
    assert celda["n"] == 0
    assert ev["faltantes"] == [
        "Riesgos que requieren la aceptación de la MAE y no la tienen: R-01."]
    r = api(mae_a).post(base + "riesgos/aceptacion/", {"riesgos": [riesgo_id]}, format="json")
    assert r.status_code == 200 and r.json()[0]["aceptado_por"]["id"] == mae_a.pk
    assert c.get(base + "evaluacion-riesgos/").json()["faltantes"] == []
    # Another entity's plan: 404 on every route and method.
    otro = api(rsi_b)
    assert otro.get(base + "riesgos/").status_code == 404
    assert otro.patch(f"{base}riesgos/{riesgo_id}/", {"descripcion": "x"},
                      format="json").status_code == 404
    assert otro.post(base + "activos/", ACTIVO, format="json").status_code == 404
    with pytest.raises(NoEncontrado):
        services.riesgo_eliminar(actor=rsi_b, plan_id=plan.pk, riesgo_id=riesgo_id)
    assert api(rsi_a).get("/api/v1/pisi/amenazas/").json()[0]["codigo"] == "N.1"
    assert api(rsi_a).get("/api/v1/pisi/matriz-riesgo/").json()["celdas"][4][4] == "critico"


def test_la_pagina_muestra_el_registro_y_los_mapas_de_calor(plan, rsi_a, client):
    c = ingresar(client, rsi_a)
    url = f"/pisi/{plan.pk}/riesgos/"
    r = c.post(f"/pisi/{plan.pk}/accion/activo_crear/", {
        "nuevo_activo-nombre": "Portal ciudadano", "nuevo_activo-tipo": "servicio",
        "nuevo_activo-propietario": "Comunicación", "nuevo_activo-clasificacion": "publica",
        "nuevo_activo-valor_c": "2", "nuevo_activo-valor_i": "4", "nuevo_activo-valor_d": "5",
        "volver": url}, follow=True)
    assert "Activo agregado: A-01 Portal ciudadano." in [str(m) for m in r.context["messages"]]
    r = c.post(f"/pisi/{plan.pk}/accion/riesgo_crear/", {
        "nuevo_riesgo-activo": "A-01", "nuevo_riesgo-amenaza": "A.24",
        "nuevo_riesgo-probabilidad": "4", "nuevo_riesgo-impacto": "4",
        "nuevo_riesgo-probabilidad_residual": "2", "nuevo_riesgo-impacto_residual": "2",
        "volver": url}, follow=True)
    errores = [str(m) for m in r.context["messages"] if m.level_tag == "error"]
    assert errores and "después de elegir el tratamiento" in errores[0]
    r = c.post(f"/pisi/{plan.pk}/accion/riesgo_crear/", {
        "nuevo_riesgo-activo": "A-01", "nuevo_riesgo-amenaza": "A.24",
        "nuevo_riesgo-probabilidad": "4", "nuevo_riesgo-impacto": "4", "volver": url},
        follow=True)
    assert "Riesgo R-01 registrado (nivel alto)." in [str(m) for m in r.context["messages"]]
    pagina = c.get(url).content.decode()
    assert 'id="mapa-inherente"' in pagina and 'id="mapa-residual"' in pagina
    assert ('data-probabilidad="4" data-impacto="4" data-n="1" title="R-01"' in pagina)
    assert "Escenarios sin tratamiento: R-01." in pagina
