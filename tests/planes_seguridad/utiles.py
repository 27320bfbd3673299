"""Helpers to put plans in a given state for tests (setup only: the behaviour under test
always goes through the services)."""

from datetime import date, timedelta

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from planes_seguridad import services
from planes_seguridad.models import PlanInstitucional

PDF = b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"

COMITE = [{"nombre": "Elena Vargas", "cargo": "Viceministra", "rol": "presidente"},
          {"nombre": "Marco Choque", "cargo": "RSI", "rol": "secretario"}]


def pdf(nombre="documento.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(nombre, PDF, content_type="application/pdf")


def crear_plan(rsi, entidad, gestion=2027, catalogo="iso27002-2013", **campos
               ) -> PlanInstitucional:
    # The ISO catalog by name: the tests' control numbers are 2013's, whatever the default.
    return services.plan_crear(actor=rsi, entidad_id=entidad.pk, gestion=gestion,
                               catalogo=catalogo, **campos)


def recargar(plan) -> PlanInstitucional:
    # The FSM field is protected: refresh_from_db would try to set it.
    return PlanInstitucional.objects.select_related("entidad").get(pk=plan.pk)


def completar(plan, rsi, *, no_aplican=("18.1.5",)) -> PlanInstitucional:
    """Everything ``presentar`` needs: scope, RSI, committee, policy, a decided SoA."""
    services.plan_actualizar(actor=rsi, plan_id=plan.pk, alcance="Toda la entidad.",
                             rsi_id=rsi.pk, comite=COMITE,
                             politica_aprobada_en=date(2027, 1, 15))
    services.plan_documento_subir(actor=rsi, plan_id=plan.pk, tipo="politica",
                                  archivo=pdf("politica.pdf"))
    cambios = []
    for fila in plan.soa.select_related("control"):
        if fila.control.numero in no_aplican:
            cambios.append({"id": fila.pk, "aplica": False,
                            "justificacion": "La entidad no usa criptografía propia."})
        else:
            cambios.append({"id": fila.pk, "aplica": True,
                            "justificacion": "Riesgo identificado en la evaluación."})
    services.soa_actualizar_lote(actor=rsi, plan_id=plan.pk, cambios=cambios)
    completar_revision(plan, rsi, no_aplican=no_aplican)
    return recargar(plan)


def completar_revision(plan, rsi, *, no_aplican=()) -> None:
    """What the conformity checklist adds (issue 23), when the plan has none yet: one
    schedule activity, one asset and one treated scenario whose residual risk needs no MAE
    acceptance, both linked to an applicable control."""
    control = (plan.soa.exclude(control__numero__in=no_aplican).exclude(aplica=False)
               .order_by("control__orden").values_list("control__numero", flat=True).first())
    if not plan.actividades.exists():
        services.actividad_crear(actor=rsi, plan_id=plan.pk, titulo="Implementación inicial",
                                 inicio_planificado="2027-02-01", fin_planificado="2027-12-15",
                                 controles=[control])
    if not plan.activos.exists():
        services.activo_crear(actor=rsi, plan_id=plan.pk, nombre="Sistema de correspondencia",
                              tipo="software", propietario="Dirección de Sistemas",
                              clasificacion="interna", valor_c=3, valor_i=3, valor_d=3)
    if not plan.riesgos.exists():
        services.riesgo_crear(actor=rsi, plan_id=plan.pk, activo=plan.activos.first().codigo,
                              amenaza="A.8", probabilidad=3, impacto=3, tratamiento="mitigar",
                              controles=[control], probabilidad_residual=1, impacto_residual=2)


CAMINO = ["presentar", "iniciar_revision", "dar_conformidad", "registrar_resolucion",
          "poner_en_vigencia"]
DESTINO = {"presentado": 1, "en_revision": 2, "conforme": 3, "aprobado": 4, "vigente": 5}


def llevar_a(plan, estado, rsi, auditor) -> PlanInstitucional:
    """From borrador along the main path to ``estado``."""
    if estado == "borrador":
        return recargar(plan)
    if estado == "observado":
        plan = llevar_a(plan, "en_revision", rsi, auditor)
        return services.plan_transicionar(actor=auditor, plan_id=plan.pk, transicion="observar",
                                          comentario="Falta el inventario de activos.")
    if estado == "en_actualizacion":
        plan = llevar_a(plan, "vigente", rsi, auditor)
        return services.plan_transicionar(actor=rsi, plan_id=plan.pk,
                                          transicion="iniciar_actualizacion")
    plan = completar(plan, rsi)
    for transicion in CAMINO[:DESTINO[estado]]:
        datos = {}
        actor = rsi if transicion in ("presentar", "registrar_resolucion") else auditor
        if transicion == "registrar_resolucion":
            services.plan_documento_subir(actor=rsi, plan_id=plan.pk, tipo="resolucion",
                                          archivo=pdf("resolucion.pdf"))
            datos = {"resolucion_cite": "RM-045/2027", "resolucion_fecha": timezone.localdate()}
        if transicion == "poner_en_vigencia":
            hoy = timezone.localdate()
            datos = {"vigencia_desde": hoy, "vigencia_hasta": hoy + timedelta(days=365)}
        plan = services.plan_transicionar(actor=actor, plan_id=plan.pk, transicion=transicion,
                                          datos=datos)
    return recargar(plan)


def nacional_completo(datos, version=2):
    """A synthetic complete national catalog (numbering of its own, «Control de prueba»
    titles: the shipped file is partial on purpose): two domains, four controls, 1.1.1 and
    2.1.1 minimum, each mapped to ISO/IEC 27002:2013 and 2022."""
    datos.update(version=version, completo=True, minimos_verificados=True, dominios=[
        {"numero": "1", "titulo": "Dominio de prueba 1", "objetivos": [
            {"numero": "1.1", "titulo": "Objetivo de prueba 1.1", "controles": [
                {"numero": "1.1.1", "titulo": "Control de prueba 1.1.1", "minimo": True,
                 "iso27002-2013": ["13.2.4"], "iso27002-2022": ["6.6"]},
                {"numero": "1.1.2", "titulo": "Control de prueba 1.1.2",
                 "iso27002-2013": ["7.2.2"], "iso27002-2022": ["6.3"]}]}]},
        {"numero": "2", "titulo": "Dominio de prueba 2", "objetivos": [
            {"numero": "2.1", "titulo": "Objetivo de prueba 2.1", "controles": [
                {"numero": "2.1.1", "titulo": "Control de prueba 2.1.1", "minimo": True,
                 "iso27002-2013": ["12.3.1"], "iso27002-2022": ["8.13"]},
                {"numero": "2.1.2", "titulo": "Control de prueba 2.1.2",
                 "iso27002-2013": ["10.1.1", "10.1.2"], "iso27002-2022": ["8.24"]}]}]},
    ])


def sin_cronograma_de_prueba(plan, rsi) -> None:
    """Remove the activity ``completar`` added for the conformity checklist, for tests that
    count the schedule they build themselves (after conformity it may go)."""
    for act in plan.actividades.filter(titulo="Implementación inicial"):
        services.actividad_eliminar(actor=rsi, plan_id=plan.pk, actividad_id=act.pk)
