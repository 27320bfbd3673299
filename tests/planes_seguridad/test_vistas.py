"""The PISI HTML pages: the entity's plans and its work on a plan (general data, SoA grid,
schedule, evidence, follow-up, findings), the CGII queue and review screen, the public
verification page. Tenant isolation (404 on every page and action), staff-only pages,
service errors as messages (never a 500), constant queries on lists."""

import re
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import URLPattern
from django.utils import timezone

from planes_seguridad import selectors, services
from planes_seguridad import urls as rutas
from planes_seguridad.models import Evidencia, Hallazgo, PeriodoSeguimiento
from planes_seguridad.views.acciones import ACCIONES
from tests.entidades.sesiones import ingresar
from tests.factories import crear_entidad, crear_usuario

from .test_seguimiento import cerrar
from .utiles import COMITE, crear_plan, llevar_a, pdf, recargar

pytestmark = pytest.mark.django_db


def _cliente(usuario=None) -> Client:
    c = Client()
    if usuario is None:
        return c
    return ingresar(c, usuario)


def _mensajes(respuesta) -> list[str]:
    return [str(m) for m in respuesta.context["messages"]]


def _botones(html: str) -> set[str]:
    return set(re.findall(r'data-transicion="([a-z_-]+)"', html))


def _accion(c, plan, nombre, datos=None, **kw):
    return c.post(f"/pisi/{plan.pk}/accion/{nombre}/", datos or {}, follow=True, **kw)


@pytest.fixture
def vigente(plan, rsi_a, auditor):
    return llevar_a(plan, "vigente", rsi_a, auditor)


@pytest.fixture
def completo(vigente, rsi_a, auditor):
    """A plan in force with something behind every nested route."""
    act = services.actividad_crear(actor=rsi_a, plan_id=vigente.pk, titulo="Inventario",
                                   inicio_planificado="2027-01-01", fin_planificado="2027-02-01",
                                   controles=["8.1.1"])
    ev = services.evidencia_subir(actor=rsi_a, plan_id=vigente.pk, archivo=pdf(),
                                  control="5.1.1")
    periodo = services.periodo_abrir(actor=auditor, plan_id=vigente.pk)
    h = services.hallazgo_registrar(actor=auditor, plan_id=vigente.pk, grado="observacion",
                                    descripcion="Sin registro de capacitaciones.",
                                    control="7.2.2")
    return {"pk": vigente.pk, "actividad_id": act.pk, "evidencia_id": ev.pk,
            "periodo_id": periodo.pk, "hallazgo_id": h.pk, "tipo": "politica",
            "plan": vigente}


def _paginas(ids):
    for patron in rutas.urlpatterns:
        assert isinstance(patron, URLPattern)
        plantilla = str(patron.pattern)
        if "<int:pk>" not in plantilla or "<str:nombre>" in plantilla:
            continue
        yield "/pisi/" + re.sub(r"<(?:int|str):(\w+)>", lambda m: str(ids[m.group(1)]),
                                plantilla)


# ---- lists ------------------------------------------------------------------------------------

def test_la_entidad_ve_sus_planes_con_su_plazo(plan, rsi_a, rsi_b, entidad_b, auditor):
    llevar_a(plan, "presentado", rsi_a, auditor)
    ajeno = crear_plan(rsi_b, entidad_b)
    r = _cliente(rsi_a).get("/pisi/")
    assert r.status_code == 200
    html = r.content.decode()
    assert [p.pk for p in r.context["filas"]] == [plan.pk]
    assert f'href="/pisi/{plan.pk}/"' in html and f'/pisi/{ajeno.pk}/' not in html
    assert "Revisión del CGII" in html and "quedan 30 días hábiles" in html
    assert 'class="sla ok"' in html
    # The national list (staff) shows both, with counters by state.
    r = _cliente(auditor).get("/pisi/")
    assert {p.pk for p in r.context["filas"]} == {plan.pk, ajeno.pk}
    contadores = {v: n for v, _e, n in r.context["contadores"]}
    assert contadores["presentado"] == 1 and contadores["borrador"] == 1
    r = _cliente(auditor).get("/pisi/", {"estado": "borrador"})
    assert [p.pk for p in r.context["filas"]] == [ajeno.pk]


def test_plazo_advertido_y_vencido_en_la_lista(plan, rsi_a, auditor):
    plan = llevar_a(plan, "presentado", rsi_a, auditor)
    plazo = plan.plazos.get(cumplido_en__isnull=True)
    plazo.advertir_desde = timezone.localdate() - timedelta(days=1)
    plazo.save()
    html = _cliente(auditor).get("/pisi/revision/").content.decode()
    assert 'class="sla advertencia"' in html and "Por vencer" in html
    plazo.vence = plazo.inicio = timezone.localdate() - timedelta(days=10)
    plazo.save()
    html = _cliente(rsi_a).get("/pisi/").content.decode()
    assert 'class="sla incumplido"' in html and "vencido hace" in html
    assert "plazo-incumplido" in html


@pytest.mark.parametrize("pagina", ["/pisi/", "/pisi/revision/"])
def test_listas_con_numero_constante_de_consultas(catalogos_pisi, auditor, pagina,
                                                  django_assert_max_num_queries):
    def poblar(n):
        for _i in range(n):
            entidad = crear_entidad()
            rsi = crear_usuario(entidad=entidad, rol_entidad="rsi")
            p = crear_plan(rsi, entidad)
            services.plan_actualizar(actor=rsi, plan_id=p.pk, alcance="Todo.", rsi_id=rsi.pk,
                                     comite=COMITE, politica_aprobada_en="2027-01-15")
            services.plan_documento_subir(actor=rsi, plan_id=p.pk, tipo="politica",
                                          archivo=pdf())
            services.soa_actualizar_lote(actor=rsi, plan_id=p.pk, cambios=[
                {"id": f, "aplica": True, "justificacion": "Riesgo evaluado."}
                for f in p.soa.values_list("pk", flat=True)])
            services.plan_transicionar(actor=rsi, plan_id=p.pk, transicion="presentar")

    c = _cliente(auditor)
    poblar(2)
    c.get(pagina)  # warm the per-process caches (calendar, parameters)
    with CaptureQueriesContext(connection) as con_2:
        r = c.get(pagina)
    assert r.status_code == 200 and len(r.context["filas"]) == 2
    poblar(4)
    with django_assert_max_num_queries(len(con_2.captured_queries)):
        r = c.get(pagina)
    assert r.status_code == 200 and len(r.context["filas"]) == 6


def test_pagina_de_aplicabilidad_con_consultas_constantes(vigente, rsi_a,
                                                           django_assert_max_num_queries):
    c = _cliente(rsi_a)
    c.get(f"/pisi/{vigente.pk}/aplicabilidad/?dominio=5")
    with CaptureQueriesContext(connection) as dominio_5:
        r = c.get(f"/pisi/{vigente.pk}/aplicabilidad/?dominio=5")
    assert len(r.context["filas"]) == 2
    with django_assert_max_num_queries(len(dominio_5.captured_queries)):
        r = c.get(f"/pisi/{vigente.pk}/aplicabilidad/")
    assert len(r.context["filas"]) == 114


# ---- tenant isolation and staff-only pages --------------------------------------------------

@pytest.mark.parametrize("quien", ["reportante_b", "rsi_b"])
def test_otro_plan_es_404_en_cada_pagina_y_accion(completo, quien, reportante_b, rsi_b):
    c = _cliente({"reportante_b": reportante_b, "rsi_b": rsi_b}[quien])
    probadas = 0
    for url in _paginas(completo):
        r = c.get(url)
        assert r.status_code == 404, (url, r.status_code)
        probadas += 1
    for nombre in ACCIONES:
        r = c.post(f"/pisi/{completo['pk']}/accion/{nombre}/", {
            "transicion": "presentar", "actividad_id": completo["actividad_id"],
            "evidencia_id": completo["evidencia_id"], "periodo_id": completo["periodo_id"],
            "hallazgo_id": completo["hallazgo_id"], "archivo": pdf()})
        assert r.status_code == 404, (nombre, r.status_code)
        probadas += 1
    assert probadas >= 28
    assert Evidencia.objects.filter(plan_id=completo["pk"]).count() == 1


def test_el_propio_plan_responde_en_cada_pagina(completo, rsi_a, reportante_a, auditor):
    for usuario in (rsi_a, reportante_a, auditor):
        c = _cliente(usuario)
        for url in _paginas(completo):
            if url.endswith("/revision/") and usuario != auditor:
                continue
            if url.endswith("/resumen.pdf"):
                continue  # test_pdf covers it (WeasyPrint is slow)
            r = c.get(url)
            assert r.status_code == 200, (usuario.username, url, r.status_code)


def test_paginas_del_cgii_rechazan_a_la_entidad(plan, rsi_a, rsi_b, reportante_a):
    c = _cliente(rsi_a)
    r = c.get("/pisi/revision/")
    assert r.status_code == 302 and r["Location"] == "/pisi/"
    r = c.get(f"/pisi/{plan.pk}/revision/", follow=True)
    assert r.redirect_chain[-1][0] == f"/pisi/{plan.pk}/"
    assert any("solo para el personal del CGII" in m for m in _mensajes(r))
    # Another entity's plan stays a 404 even on a staff-only page.
    assert _cliente(rsi_b).get(f"/pisi/{plan.pk}/revision/").status_code == 404
    # An entity user cannot give conformity by posting the form by hand.
    r = _accion(c, plan, "transicion", {"transicion": "dar_conformidad"})
    assert r.status_code == 200 and recargar(plan).estado == "borrador"
    assert any("rol" in m or "estado" in m for m in _mensajes(r))
    # The reporter reads the plan but the SoA grid has no inputs for it.
    html = _cliente(reportante_a).get(f"/pisi/{plan.pk}/aplicabilidad/").content.decode()
    assert 'name="a-' not in html and 'id="guardar-soa"' not in html


def test_sin_sesion_se_pide_ingresar(plan):
    r = _cliente().get(f"/pisi/{plan.pk}/")
    assert r.status_code == 302 and "/cuenta/ingresar/" in r["Location"]


# ---- errors are messages ------------------------------------------------------------------------

def test_errores_del_servicio_son_mensajes_nunca_500(plan, rsi_a):
    c = _cliente(rsi_a)
    r = _accion(c, plan, "transicion", {"transicion": "presentar"})
    assert r.status_code == 200
    texto = " ".join(_mensajes(r))
    assert "Falta el alcance" in texto and "Comité" in texto and "aplicabilidad" in texto
    assert recargar(plan).estado == "borrador"
    r = _accion(c, plan, "transicion", {"transicion": "inventada"})
    assert r.status_code == 200 and "Transición desconocida" in " ".join(_mensajes(r))
    # A refused upload (type sniffed from content) is a message too, and keeps nothing.
    r = _accion(c, plan, "evidencia", {"archivo": SimpleUploadedFile(
        "x.exe", b"MZ\x90\x00\x03" + b"\x00" * 200), "titulo": "Binario"})
    assert r.status_code == 200 and "tipo de archivo" in " ".join(_mensajes(r))
    assert not Evidencia.objects.exists()
    # Unknown nested objects and bad numbers: messages as well.
    for nombre, datos in [("actividad_editar", {"actividad_id": "999999"}),
                          ("evidencia_estado", {"evidencia_id": "x"}),
                          ("evidencia", {"url": "https://intranet.gob.bo/x", "titulo": "X",
                                         "control": "99.9"}),
                          ("hallazgo_cerrar", {"hallazgo_id": "1", "comentario": "x"}),
                          ("periodo_abrir", {}), ("avance", {"periodo_id": "1"})]:
        r = _accion(c, plan, nombre, datos)
        assert r.status_code == 200, nombre
        assert any(m for m in _mensajes(r)), nombre
    assert c.post(f"/pisi/{plan.pk}/accion/inexistente/").status_code == 404


def test_datos_generales_por_el_formulario(plan, rsi_a, mae_a, reportante_a):
    c = _cliente(rsi_a)
    r = c.get(f"/pisi/{plan.pk}/datos/")
    assert r.status_code == 200 and 'name="comite-0-nombre"' in r.content.decode()
    datos = {
        "alcance": "Procesos de la Dirección de Sistemas.", "rsi": rsi_a.pk,
        "politica_aprobada_en": "2027-01-15", "politica": pdf("politica.pdf"),
        "comite-TOTAL_FORMS": "3", "comite-INITIAL_FORMS": "0",
        "comite-0-nombre": "Elena Vargas", "comite-0-cargo": "Viceministra",
        "comite-0-rol": "presidente", "comite-1-nombre": "Marco Choque",
        "comite-1-rol": "secretario",
    }
    r = c.post(f"/pisi/{plan.pk}/datos/", datos, follow=True)
    assert r.status_code == 200 and "Datos del plan guardados." in _mensajes(r)
    plan = recargar(plan)
    assert plan.alcance == "Procesos de la Dirección de Sistemas." and plan.rsi_id == rsi_a.pk
    assert [m["nombre"] for m in plan.comite] == ["Elena Vargas", "Marco Choque"]
    assert plan.politica_nombre == "politica.pdf"
    # A row with data but without its name: the form shows the error, nothing is saved.
    r = c.post(f"/pisi/{plan.pk}/datos/", {**datos, "politica": "", "comite-2-cargo": "Vocal",
                                          "alcance": "Otro alcance"})
    assert r.status_code == 200 and "Obligatorio en una fila con datos." in r.content.decode()
    assert recargar(plan).alcance == "Procesos de la Dirección de Sistemas."
    # The reporter only reads.
    html = _cliente(reportante_a).get(f"/pisi/{plan.pk}/datos/").content.decode()
    assert 'name="alcance"' not in html and "Elena Vargas" in html


def test_grilla_de_aplicabilidad(plan, rsi_a):
    c = _cliente(rsi_a)
    url = f"/pisi/{plan.pk}/aplicabilidad/?dominio=10"
    r = c.get(url)
    filas = {f["f"].control.numero: f["f"] for f in r.context["filas"]}
    assert set(filas) == {"10.1.1", "10.1.2"}
    f1, f2 = filas["10.1.1"], filas["10.1.2"]
    base = {"filas": [f1.pk, f2.pk], f"e-{f1.pk}": "no_iniciado", f"m-{f1.pk}": "0",
            f"e-{f2.pk}": "no_iniciado", f"m-{f2.pk}": "0"}
    # "No aplica" without a justification: the grid comes back with the row marked.
    r = c.post(url, {**base, f"a-{f1.pk}": "si", f"a-{f2.pk}": "no", f"j-{f2.pk}": ""})
    assert r.status_code == 200 and r.context["filas"][1]["err"] == ["justificacion"]
    assert plan.soa.get(pk=f2.pk).aplica is None
    r = c.post(url, {**base, f"a-{f1.pk}": "si", f"m-{f1.pk}": "3", f"e-{f1.pk}": "en_proceso",
                     f"j-{f1.pk}": "Cifrado de respaldos.", f"r-{f1.pk}": "Unidad de Sistemas", f"f-{f1.pk}": "2027-06-30",
                     f"a-{f2.pk}": "no", f"j-{f2.pk}": "Sin claves propias."}, follow=True)
    assert "2 controles actualizados" in " ".join(_mensajes(r))
    f1 = plan.soa.get(pk=f1.pk)
    assert (f1.aplica, f1.madurez, f1.estado_implementacion, f1.responsable) == (
        True, 3, "en_proceso", "Unidad de Sistemas")
    assert str(f1.fecha_objetivo) == "2027-06-30"
    assert plan.soa.get(pk=f2.pk).justificacion == "Sin claves propias."
    # The bulk action decides the rest at once.
    r = _accion(c, plan, "soa_aplicar_pendientes", {"volver": url})
    assert "justificación" in " ".join(_mensajes(r))  # one justification for all is needed
    r = _accion(c, plan, "soa_aplicar_pendientes",
                {"volver": url, "justificacion": "Riesgos de la evaluación 2027."})
    assert "112 controles sin decidir" in " ".join(_mensajes(r))
    assert not plan.soa.filter(aplica__isnull=True).exists()
    # Filters.
    r = c.get(f"/pisi/{plan.pk}/aplicabilidad/", {"aplica": "no"})
    assert [f["f"].control.numero for f in r.context["filas"]] == ["10.1.2"]
    r = c.get(f"/pisi/{plan.pk}/aplicabilidad/", {"estado": "en_proceso"})
    assert [f["f"].control.numero for f in r.context["filas"]] == ["10.1.1"]


def test_del_borrador_a_vigente_por_las_paginas(plan, rsi_a, mae_a, auditor):
    from .utiles import completar

    completar(plan, rsi_a)
    ent, cgii = _cliente(rsi_a), _cliente(auditor)
    html = ent.get(f"/pisi/{plan.pk}/").content.decode()
    assert _botones(html) == {"presentar"}
    r = _accion(ent, plan, "transicion", {"transicion": "presentar"})
    assert recargar(plan).estado == "presentado" and "Presentado" in " ".join(_mensajes(r))
    assert _botones(ent.get(f"/pisi/{plan.pk}/").content.decode()) == set()
    # The auditor finds it in the queue and reviews it.
    r = cgii.get("/pisi/revision/")
    assert [p.pk for p in r.context["filas"]] == [plan.pk]
    html = cgii.get(f"/pisi/{plan.pk}/revision/").content.decode()
    assert _botones(html) == {"iniciar_revision"} and "18.1.5" in html
    _accion(cgii, plan, "transicion", {"transicion": "iniciar_revision"})
    html = cgii.get(f"/pisi/{plan.pk}/revision/").content.decode()
    assert _botones(html) == {"observar", "dar_conformidad"}
    r = _accion(cgii, plan, "transicion", {"transicion": "observar",
                                          "observaciones": "Complete el inventario."})
    assert recargar(plan).estado == "observado"
    html = ent.get(f"/pisi/{plan.pk}/").content.decode()
    assert "Complete el inventario." in html and "Ajuste de la entidad" in html
    _accion(ent, plan, "transicion", {"transicion": "presentar"})
    _accion(cgii, plan, "transicion", {"transicion": "iniciar_revision"})
    r = _accion(cgii, plan, "transicion", {"transicion": "dar_conformidad"})
    plan = recargar(plan)
    assert plan.estado == "conforme" and plan.codigo_verificacion in " ".join(_mensajes(r))
    # The MAE registers its resolution with the document in the same form.
    hoy = timezone.localdate().isoformat()
    r = _accion(_cliente(mae_a), plan, "transicion", {
        "transicion": "registrar_resolucion", "resolucion_cite": "RM-045/2027",
        "resolucion_fecha": hoy, "archivo": pdf("resolucion.pdf")})
    plan = recargar(plan)
    assert plan.estado == "aprobado", _mensajes(r)
    assert plan.resolucion_nombre == "resolucion.pdf"
    r = _accion(cgii, plan, "transicion", {"transicion": "poner_en_vigencia",
                                          "vigencia_desde": hoy})
    assert recargar(plan).estado == "aprobado"
    assert "periodo de vigencia" in " ".join(_mensajes(r))
    _accion(cgii, plan, "transicion", {"transicion": "poner_en_vigencia", "vigencia_desde": hoy,
                                      "vigencia_hasta": "2099-12-31"})
    assert recargar(plan).estado == "vigente"
    # The document downloads only through the authorised view.
    r = ent.get(f"/pisi/{plan.pk}/documentos/resolucion/")
    assert r.status_code == 200 and r["Content-Disposition"].startswith("attachment")


def test_cronograma_y_evidencias_por_las_paginas(vigente, rsi_a, auditor):
    ent, cgii = _cliente(rsi_a), _cliente(auditor)
    r = _accion(ent, vigente, "actividad_crear", {
        "nueva-titulo": "Campaña de concientización", "nueva-responsable": "RR. HH.",
        "nueva-inicio_planificado": "2020-01-01", "nueva-fin_planificado": "2020-03-31",
        "nueva-controles": "7.2.2, 16.1.2"})
    act = vigente.actividades.get(titulo="Campaña de concientización")
    assert [c.control.numero for c in act.controles.order_by("control__orden")] == [
        "7.2.2", "16.1.2"]
    html = r.content.decode()
    assert "Atrasada" in html, "planned end passed, not finished"
    r = _accion(ent, vigente, "actividad_editar", {
        "actividad_id": act.pk, f"act{act.pk}-titulo": act.titulo,
        f"act{act.pk}-inicio_planificado": "2020-01-01",
        f"act{act.pk}-fin_planificado": "2020-03-31", f"act{act.pk}-inicio_real": "2020-01-10",
        f"act{act.pk}-fin_real": "2020-03-20", f"act{act.pk}-avance": "100",
        f"act{act.pk}-controles": "7.2.2"})
    act.refresh_from_db()
    assert act.avance == 100 and "Atrasada" not in r.content.decode()
    r = _accion(ent, vigente, "actividad_crear", {"nueva-titulo": "Sin fechas"})
    assert "Inicio planificado" in " ".join(_mensajes(r))
    # Evidence: a link sent for review; CGII approves it; rejecting needs a reason.
    _accion(ent, vigente, "evidencia", {"url": "https://intranet.mpa.gob.bo/capacitacion",
                                        "titulo": "Registro de capacitación",
                                        "control": "7.2.2", "presentar": "1"})
    ev = vigente.evidencias.get()
    assert ev.estado == "en_revision" and ev.aplicabilidad.control.numero == "7.2.2"
    r = _accion(cgii, vigente, "evidencia_estado", {"evidencia_id": ev.pk,
                                                   "accion_evidencia": "rechazar"})
    assert "motivo" in " ".join(_mensajes(r)).lower()
    _accion(cgii, vigente, "evidencia_estado", {"evidencia_id": ev.pk,
                                               "accion_evidencia": "aprobar"})
    ev.refresh_from_db()
    assert ev.estado == "aprobada"
    _accion(ent, vigente, "evidencia", {"archivo": pdf("acta.pdf"), "control": "5.1.1"})
    archivo = vigente.evidencias.get(tipo="archivo")
    assert archivo.estado == "borrador"
    r = ent.get(f"/pisi/{vigente.pk}/evidencias/{archivo.pk}/descarga/")
    assert r.status_code == 200 and r["Content-Disposition"].startswith("attachment")
    r = ent.get(f"/pisi/{vigente.pk}/evidencias/", {"control": "7.2.2"})
    assert [e.pk for e in r.context["evidencias"]] == [ev.pk]


def test_seguimiento_por_las_paginas(vigente, rsi_a, auditor):
    ent, cgii = _cliente(rsi_a), _cliente(auditor)
    assert 'id="abrir-periodo"' not in ent.get(f"/pisi/{vigente.pk}/seguimiento/").content.decode()
    r = _accion(cgii, vigente, "periodo_abrir", {"nombre": "Seguimiento 2027",
                                                 "fecha_corte": "2027-12-31"})
    periodo = PeriodoSeguimiento.objects.get(plan=vigente)
    assert r.redirect_chain[-1][0] == f"/pisi/{vigente.pk}/seguimiento/{periodo.pk}/"
    fila = vigente.soa.get(control__numero="12.3.1")
    r = _accion(ent, vigente, "avance", {
        "periodo_id": periodo.pk, "fila_id": fila.pk, "estado_implementacion": "implementado",
        "madurez": "4", "comentario": "Respaldos diarios probados.", "archivo": pdf("bk.pdf")})
    assert "12.3.1" in " ".join(_mensajes(r))
    fila.refresh_from_db()
    assert (fila.estado_implementacion, fila.madurez) == ("implementado", 4)
    assert vigente.evidencias.get(aplicabilidad=fila).estado == "en_revision"
    _accion(ent, vigente, "periodo_transicion", {"periodo_id": periodo.pk,
                                                 "transicion": "presentar"})
    # The auditor's grid: one result per control, saved in one post.
    url = f"/pisi/{vigente.pk}/seguimiento/{periodo.pk}/"
    revisiones = cgii.get(url).context["revisiones"]
    datos = {"periodo_id": periodo.pk, "revisiones": [r.pk for r in revisiones]}
    for i, rev in enumerate(revisiones):
        if rev.aplicabilidad.aplica:
            datos[f"res-{rev.pk}"] = "cumple" if i % 2 else "cumple_parcialmente"
    r = _accion(cgii, vigente, "revisiones", datos)
    assert "113 control(es)" in " ".join(_mensajes(r))
    r = _accion(cgii, vigente, "hallazgo_registrar", {
        "periodo_id": periodo.pk, "nuevo-grado": "no_conformidad_menor",
        "nuevo-descripcion": "Respaldos sin prueba de restauración.", "nuevo-control": "12.3.1",
        "nuevo-fecha_compromiso": "2027-12-15"})
    h = Hallazgo.objects.get(plan=vigente)
    assert h.periodo_id == periodo.pk and h.grado == "no_conformidad_menor"
    # The entity answers the finding (it may not regrade it).
    _accion(ent, vigente, "hallazgo_actualizar", {
        "hallazgo_id": h.pk, f"h{h.pk}-causa_raiz": "No había procedimiento.",
        f"h{h.pk}-accion_correctiva": "Prueba trimestral.", f"h{h.pk}-responsable": "DGSI",
        f"h{h.pk}-fecha_compromiso": "2027-12-15"})
    h.refresh_from_db()
    assert h.causa_raiz == "No había procedimiento."
    r = _accion(ent, vigente, "hallazgo_actualizar", {"hallazgo_id": h.pk,
                                                      f"h{h.pk}-grado": "observacion"})
    assert "No puede cambiar" in " ".join(_mensajes(r))
    r = _accion(cgii, vigente, "periodo_transicion", {"periodo_id": periodo.pk,
                                                      "transicion": "cerrar"})
    assert "congelada" in " ".join(_mensajes(r))
    html = cgii.get(url).content.decode()
    assert "Instantánea congelada" in html and "name=\"res-" not in html
    r = ent.get(f"/pisi/{vigente.pk}/seguimiento/")
    assert r.context["tendencia"][0]["cumplimiento"] is not None
    assert "Tendencia de cumplimiento" in r.content.decode()
    _accion(cgii, vigente, "hallazgo_cerrar", {"hallazgo_id": h.pk, "comentario": "Verificado."})
    h.refresh_from_db()
    assert h.estado == "cerrado"


def test_tendencia_con_dos_periodos_cerrados(vigente, rsi_a, auditor):
    for i, corte in enumerate(("2027-06-30", "2027-12-31")):
        p = services.periodo_abrir(actor=auditor, plan_id=vigente.pk, fecha_corte=corte)
        cerrar(vigente, p, rsi_a, auditor,
               resultado=lambda j, i=i: "cumple" if j % (3 - i) == 0 else "no_cumple")
    r = _cliente(rsi_a).get(f"/pisi/{vigente.pk}/seguimiento/")
    valores = [t["cumplimiento"] for t in r.context["tendencia"]]
    assert len(valores) == 2 and valores[1] > valores[0]
    assert len(r.context["por_dominio"]) == 14


# ---- public verification ------------------------------------------------------------------------

def test_verificacion_publica(plan, rsi_a, auditor):
    plan = llevar_a(plan, "vigente", rsi_a, auditor)
    c = _cliente()
    r = c.get(f"/verificar/{plan.codigo_verificacion}/")
    assert r.status_code == 200
    html = r.content.decode()
    assert plan.entidad.nombre in html and "2027" in html and "Vigente" in html
    assert "Sí, es la versión actual" in html
    # Nothing else of the plan: no scope, no committee, no resolution number.
    assert "Toda la entidad." not in html and "Elena Vargas" not in html
    assert "RM-045/2027" not in html
    assert c.get(f"/verificar/{plan.codigo_verificacion.lower()}/").status_code == 200
    r = c.get("/verificar/PISI-XYZ-2027-AAAAAAAA/")
    assert r.status_code == 404 and "No encontramos un plan con este código" in r.content.decode()
    assert c.post(f"/verificar/{plan.codigo_verificacion}/").status_code == 405
    # A new version that gets conformity makes this one "not current".
    nuevo = services.plan_nueva_version(actor=rsi_a, plan_id=plan.pk)
    assert selectors.verificacion_publica(plan.codigo_verificacion)["es_version_actual"]
    for t in ("presentar", "iniciar_revision", "dar_conformidad"):
        services.plan_transicionar(actor=rsi_a if t == "presentar" else auditor,
                                   plan_id=nuevo.pk, transicion=t)
    html = c.get(f"/verificar/{plan.codigo_verificacion}/").content.decode()
    assert "existe una versión posterior" in html
