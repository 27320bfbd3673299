"""The printable PISI summary (A4, Spanish, WeasyPrint) with its verification code, the
public verification URL and a QR code of that URL.

It is generated when a plan reaches ``conforme``: the outbox sink below handles
``pisi.transicion`` events with ``a == "conforme"`` and stores the file in private storage
(``cgii.archivos``' root) under a name derived from the verification code, so the sink is
idempotent (an existing file is kept). What the file shows is frozen at conformity, inside
the transition (``PlanInstitucional.resumen_conformidad``, ``congelado.resumen_conformidad``):
the MAE's resolution cites it, so a missing file is rendered again from that frozen data,
never from the plan as it is now.
"""

import base64
import logging
from datetime import date, datetime

import qrcode
import qrcode.image.svg
from django.conf import settings
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy

from cgii import archivos
from cgii.enlaces import absoluto

from . import congelado
from .states import Estado

logger = logging.getLogger(__name__)
# WeasyPrint logs every layout step at INFO; one line per generated summary is enough.
logging.getLogger("weasyprint.progress").setLevel(logging.WARNING)

NOMBRE_MANEJADOR = "pisi.resumen_pdf"
TIPOS = ("pisi.transicion",)
CARPETA = "pisi/resumenes"
TITULOS_MAPA = {"inherente": gettext_lazy("Riesgo inherente"),
               "residual": gettext_lazy("Riesgo residual")}
NIVELES = {"critico": gettext_lazy("crítico"), "alto": gettext_lazy("alto"),
           "medio": gettext_lazy("medio"), "bajo": gettext_lazy("bajo"),
           "": gettext_lazy("sin nivel")}


def ruta_resumen(codigo: str) -> str:
    """Where the summary of a verification code lives (relative to private storage)."""
    return f"{CARPETA}/{codigo}.pdf"


def url_verificacion(codigo: str) -> str:
    return absoluto(reverse("pisi_verificar", args=[codigo]))


def qr_data_uri(texto: str) -> str:
    """The QR code of ``texto`` as an SVG data URI (vector: sharp when printed)."""
    imagen = qrcode.make(texto, image_factory=qrcode.image.svg.SvgPathImage, box_size=10,
                         border=2, error_correction=qrcode.constants.ERROR_CORRECT_M)
    return "data:image/svg+xml;base64," + base64.b64encode(imagen.to_string()).decode()


def _instante(valor):
    return timezone.localtime(datetime.fromisoformat(valor)) if valor else None


def _dia(valor):
    return date.fromisoformat(valor) if valor else None


def contexto_resumen(datos: dict) -> dict:
    """The template's context from the summary frozen at conformity (JSON → dates, the
    verification URL and its QR code)."""
    plan = dict(datos["plan"])
    for campo in ("presentado_en", "conforme_en"):
        plan[campo] = _instante(plan.get(campo))
    plan["politica_aprobada_en"] = _dia(plan.get("politica_aprobada_en"))
    actividades = [{**a, "inicio_planificado": _dia(a["inicio_planificado"]),
                    "fin_planificado": _dia(a["fin_planificado"])}
                   for a in datos["actividades"]]
    soa = datos["soa"]
    total = soa["total"]
    for d in [*soa["dominios"], total]:
        d["no_iniciados"] = d["aplican"] - d["implementados"] - d["en_proceso"]
    codigo = datos.get("codigo") or ""
    url = url_verificacion(codigo) if codigo else ""
    gestion_riesgos = datos.get("gestion_riesgos")  # summaries frozen before issue 23: none
    if gestion_riesgos:
        gestion_riesgos = {**gestion_riesgos, "rondas": [
            {**r, "abierta_en": _instante(r["abierta_en"]),
             "cerrada_en": _instante(r["cerrada_en"])} for r in gestion_riesgos["rondas"]],
            "registro": [{**e, "aceptado_en": _instante(e["aceptado_en"])}
                         for e in gestion_riesgos["registro"]],
            "mapas_lista": [(str(TITULOS_MAPA[k]), gestion_riesgos["mapas"][k])
                            for k in ("inherente", "residual")]}
    return {
        "gr": gestion_riesgos,
        "plan": plan, "soa": soa, "total": total, "actividades": actividades,
        "resumen_actividades": {
            "total": len(actividades),
            "atrasadas": sum(a["atrasada"] for a in actividades),
            "terminadas": sum(a["avance"] == 100 for a in actividades)},
        "avance_cronograma": round(sum(a["avance"] for a in actividades) / len(actividades))
        if actividades else 0,
        "riesgos": [(str(NIVELES.get(n, n)), c) for n, c in datos["riesgos"]],
        "activos": datos["activos"], "evidencias": datos["evidencias"],
        "codigo": codigo, "url": url, "qr": qr_data_uri(url) if url else "",
        "generado": _instante(datos.get("generado")),
    }


def renderizar(datos: dict) -> bytes:
    from weasyprint import HTML

    html = render_to_string("planes_seguridad/pdf/resumen.html", contexto_resumen(datos))
    return HTML(string=html, base_url=str(settings.BASE_DIR)).write_pdf()


def _congelado_de(plan) -> dict:
    """The plan's frozen summary. A plan that got conformity before the summary was frozen
    in the transition has none: it is frozen once, now, and kept."""
    from .models import PlanInstitucional

    if plan.resumen_conformidad:
        return plan.resumen_conformidad
    with transaction.atomic():
        bloqueado = (PlanInstitucional.objects.select_for_update(of=("self",))
                     .select_related("entidad", "catalogo", "rsi", "conforme_por")
                     .get(pk=plan.pk))
        if not bloqueado.resumen_conformidad:
            bloqueado.resumen_conformidad = congelado.resumen_conformidad(
                bloqueado, momento=bloqueado.conforme_en or timezone.now())
            bloqueado.save(update_fields=["resumen_conformidad"])
    return bloqueado.resumen_conformidad


def asegurar_resumen(plan) -> str:
    """The stored summary of a plan with a verification code, rendered from what was
    frozen at conformity if the file is missing (the same document, byte for byte in what
    it says)."""
    ruta = ruta_resumen(plan.codigo_verificacion)
    if not archivos.ruta_absoluta(ruta).exists():
        archivos.escribir_archivo(ruta, renderizar(_congelado_de(plan)))
        logger.info("Resumen PISI generado: %s", ruta)
    return ruta


def resumen_al_conformar(evento) -> None:
    """Outbox sink: a plan reached ``conforme`` → its PDF summary. Idempotent (an existing
    file is kept), so a redelivered event changes nothing."""
    datos = evento.datos or {}
    if datos.get("a") != Estado.CONFORME:
        return
    plan_id = (datos.get("plan") or {}).get("id")
    if not plan_id:
        return
    from .models import PlanInstitucional

    plan = (PlanInstitucional.objects.filter(pk=plan_id)
            .only("pk", "codigo_verificacion", "resumen_conformidad").first())
    if plan is None or not plan.codigo_verificacion:
        return
    asegurar_resumen(plan)
