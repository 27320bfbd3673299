"""What one PISI form does is one service in one transaction: a failure anywhere inside
leaves nothing behind (no row, no history, no audit, no event, no stored file). And the
conformity summary is rendered from what was frozen at conformity, never from live data."""

import shutil
import subprocess

import pytest
from django.test import Client
from django.utils import timezone

from cgii import archivos
from cgii.auditoria.models import RegistroAuditoria
from cgii.errores import ErrorValidacion
from cgii.eventos.models import Evento
from planes_seguridad import pdf, services
from planes_seguridad.models import EntradaPlan, PeriodoSeguimiento
from planes_seguridad.services import soa
from tests.entidades.sesiones import ingresar

from .utiles import llevar_a, recargar
from .utiles import pdf as archivo_pdf

pytestmark = pytest.mark.django_db


def _cliente(usuario) -> Client:
    return ingresar(Client(), usuario)


def _accion(c, plan, nombre, datos):
    return c.post(f"/pisi/{plan.pk}/accion/{nombre}/", datos, follow=True)


def _mensajes(r) -> str:
    return " ".join(str(m) for m in r.context["messages"])


def _huella(plan) -> tuple:
    """Everything a write leaves: history, audit and outbox rows, and stored files."""
    carpeta = archivos.ruta_absoluta("pisi")
    ficheros = sorted(p.name for p in carpeta.rglob("*") if p.is_file()) \
        if carpeta.exists() else []
    return (EntradaPlan.objects.filter(plan=plan).count(), RegistroAuditoria.objects.count(),
            Evento.objects.count(), plan.evidencias.count(), ficheros)


def _falla_al_presentar(monkeypatch):
    def falla(*args, **kwargs):
        raise ErrorValidacion("Falla simulada al enviar a revisión.")
    monkeypatch.setattr(soa, "_cambiar_estado_en", falla)


def test_resolucion_rechazada_no_deja_el_documento(plan, rsi_a, mae_a, auditor):
    conforme = llevar_a(plan, "conforme", rsi_a, auditor)
    antes = _huella(conforme)
    ayer = (timezone.localdate() - timezone.timedelta(days=1)).isoformat()
    r = _accion(_cliente(mae_a), conforme, "transicion", {
        "transicion": "registrar_resolucion", "resolucion_cite": "RM-045/2027",
        "resolucion_fecha": ayer, "archivo": archivo_pdf("resolucion.pdf")})
    assert "anterior a la conformidad" in _mensajes(r)
    conforme = recargar(conforme)
    assert conforme.estado == "conforme"
    assert conforme.resolucion_ruta == "" and conforme.resolucion_nombre == ""
    assert _huella(conforme) == antes


def test_evidencia_que_no_llega_a_revision_no_queda(plan, rsi_a, auditor, monkeypatch):
    vigente = llevar_a(plan, "vigente", rsi_a, auditor)
    antes = _huella(vigente)
    _falla_al_presentar(monkeypatch)
    c = _cliente(rsi_a)
    r = _accion(c, vigente, "evidencia", {"archivo": archivo_pdf("acta.pdf"),
                                          "control": "5.1.1", "presentar": "1"})
    assert "Falla simulada" in _mensajes(r)
    r = _accion(c, vigente, "evidencia", {"url": "https://intranet.mpa.gob.bo/x",
                                          "titulo": "Enlace", "presentar": "1"})
    assert "Falla simulada" in _mensajes(r)
    assert _huella(vigente) == antes


def test_avance_con_evidencia_es_todo_o_nada(plan, rsi_a, auditor, monkeypatch):
    vigente = llevar_a(plan, "vigente", rsi_a, auditor)
    periodo = services.periodo_abrir(actor=auditor, plan_id=vigente.pk)
    fila = vigente.soa.get(control__numero="12.3.1")
    antes = _huella(vigente)
    _falla_al_presentar(monkeypatch)
    r = _accion(_cliente(rsi_a), vigente, "avance", {
        "periodo_id": periodo.pk, "fila_id": fila.pk, "estado_implementacion": "implementado",
        "madurez": "4", "comentario": "Respaldos diarios.", "archivo": archivo_pdf("bk.pdf")})
    assert "Falla simulada" in _mensajes(r)
    assert _huella(vigente) == antes
    fila.refresh_from_db()
    assert (fila.estado_implementacion, fila.madurez) == ("no_iniciado", 0)
    rev = PeriodoSeguimiento.objects.get(pk=periodo.pk).revisiones.get(aplicabilidad=fila)
    assert rev.reportado_en is None and rev.comentario_entidad == ""


def test_avance_con_evidencia_queda_en_una_sola_escritura(plan, rsi_a, auditor):
    vigente = llevar_a(plan, "vigente", rsi_a, auditor)
    periodo = services.periodo_abrir(actor=auditor, plan_id=vigente.pk)
    rev = services.avance_reportar(actor=rsi_a, plan_id=vigente.pk, periodo_id=periodo.pk,
                                   control="12.3.1", estado_implementacion="en_proceso",
                                   madurez=2, archivo=archivo_pdf("bk.pdf"),
                                   titulo_evidencia="Bitácora de respaldos")
    ev = vigente.evidencias.get()
    assert rev.evidencia_nueva == ev and ev.titulo == "Bitácora de respaldos"
    assert ev.estado == "en_revision" and ev.aplicabilidad.control.numero == "12.3.1"


sin_poppler = pytest.mark.skipif(shutil.which("pdftotext") is None,
                                 reason="poppler-utils (pdftotext) not installed")


@sin_poppler
def test_el_resumen_se_rinde_de_lo_congelado_en_la_conformidad(plan, rsi_a, auditor):
    """Regenerating a missing file gives the document the MAE cited, not today's plan."""
    conforme = llevar_a(plan, "conforme", rsi_a, auditor)
    assert conforme.resumen_conformidad["codigo"] == conforme.codigo_verificacion
    assert conforme.resumen_conformidad["plan"]["estado_display"] == "Conforme"
    # After conformity the plan moves on: new activities, a new RSI name, another state.
    hoy = timezone.localdate()
    services.plan_transicionar(actor=rsi_a, plan_id=conforme.pk,
                               transicion="registrar_resolucion",
                               resolucion=archivo_pdf("resolucion.pdf"),
                               datos={"resolucion_cite": "RM-1/2027", "resolucion_fecha": hoy})
    vigente = services.plan_transicionar(
        actor=auditor, plan_id=conforme.pk, transicion="poner_en_vigencia",
        datos={"vigencia_desde": hoy, "vigencia_hasta": hoy + timezone.timedelta(days=365)})
    services.actividad_crear(actor=rsi_a, plan_id=vigente.pk, titulo="Actividad posterior",
                             inicio_planificado="2027-01-01", fin_planificado="2027-02-01")
    rsi_a.first_name, rsi_a.last_name = "Nombre", "Cambiado"
    rsi_a.save()
    ruta = archivos.ruta_absoluta(pdf.ruta_resumen(vigente.codigo_verificacion))
    assert not ruta.exists()
    r = _cliente(rsi_a).get(f"/pisi/{vigente.pk}/resumen.pdf")
    assert r.status_code == 200
    texto = subprocess.run(["pdftotext", "-layout", str(ruta), "-"], check=True,
                           capture_output=True, text=True).stdout
    assert vigente.codigo_verificacion in texto
    assert "Actividad posterior" not in texto
    assert "Nombre Cambiado" not in texto
    assert "Conforme" in texto and "Vigente" not in texto


def test_un_plan_conforme_sin_resumen_congelado_lo_congela_una_vez(plan, rsi_a, auditor):
    """Plans that got conformity before the summary was frozen in the transition."""
    conforme = llevar_a(plan, "conforme", rsi_a, auditor)
    type(conforme).objects.filter(pk=conforme.pk).update(resumen_conformidad=None)
    datos = pdf._congelado_de(recargar(conforme))
    assert datos["codigo"] == conforme.codigo_verificacion
    assert recargar(conforme).resumen_conformidad == datos
