"""The printable PISI summary (A4, Spanish, WeasyPrint) with its verification code, the
public verification URL and a QR code of that URL.

It is generated when a plan reaches ``conforme``: the outbox sink below handles
``pisi.transicion`` events with ``a == "conforme"`` and stores the file in private storage
(``cgii.archivos``' root) under a name derived from the verification code, so the sink is
idempotent (an existing file is kept) and the download view can regenerate a missing file
from the same data (``resumen_plan``). What the file shows is frozen at conformity: the MAE's
resolution cites it.
"""

import base64
import logging

import qrcode
import qrcode.image.svg
from django.conf import settings
from django.db.models import Count, Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy

from cgii import archivos

from . import selectors
from .permisos import SISTEMA
from .states import Estado

logger = logging.getLogger(__name__)
# WeasyPrint logs every layout step at INFO; one line per generated summary is enough.
logging.getLogger("weasyprint.progress").setLevel(logging.WARNING)

NOMBRE_MANEJADOR = "pisi.resumen_pdf"
TIPOS = ("pisi.transicion",)
CARPETA = "pisi/resumenes"
NIVELES = {"critico": gettext_lazy("crítico"), "alto": gettext_lazy("alto"),
           "medio": gettext_lazy("medio"), "bajo": gettext_lazy("bajo"),
           "": gettext_lazy("sin nivel")}


def ruta_resumen(codigo: str) -> str:
    """Where the summary of a verification code lives (relative to private storage)."""
    return f"{CARPETA}/{codigo}.pdf"


def url_verificacion(codigo: str) -> str:
    return settings.CGII_URL_BASE.rstrip("/") + reverse("pisi_verificar", args=[codigo])


def qr_data_uri(texto: str) -> str:
    """The QR code of ``texto`` as an SVG data URI (vector: sharp when printed)."""
    imagen = qrcode.make(texto, image_factory=qrcode.image.svg.SvgPathImage, box_size=10,
                         border=2, error_correction=qrcode.constants.ERROR_CORRECT_M)
    return "data:image/svg+xml;base64," + base64.b64encode(imagen.to_string()).decode()


def contexto_resumen(plan_id: int, *, usuario=SISTEMA) -> dict:
    resumen = selectors.resumen_plan(usuario=usuario, plan_id=plan_id)
    plan = resumen.plan
    actividades = list(selectors.actividades_de(plan=plan))
    por_nivel: dict[str, int] = {}
    for r in plan.evaluacion_riesgos or []:
        nivel = str(r.get("nivel") or "").lower()
        por_nivel[nivel] = por_nivel.get(nivel, 0) + 1
    orden = list(NIVELES)
    riesgos = [(str(NIVELES.get(n, n)), c) for n, c in sorted(
        por_nivel.items(), key=lambda kv: orden.index(kv[0]) if kv[0] in orden else 99)]
    total = resumen.soa["total"]
    for d in [*resumen.soa["dominios"], total]:
        d["no_iniciados"] = d["aplican"] - d["implementados"] - d["en_proceso"]
    codigo = plan.codigo_verificacion or ""
    url = url_verificacion(codigo) if codigo else ""
    return {
        "plan": plan, "soa": resumen.soa, "total": total,
        "actividades": actividades, "resumen_actividades": resumen.actividades,
        "avance_cronograma": round(sum(a.avance for a in actividades) / len(actividades))
        if actividades else 0,
        "riesgos": riesgos, "activos": len(plan.inventario_activos or []),
        "codigo": codigo, "url": url, "qr": qr_data_uri(url) if url else "",
        "generado": timezone.localtime(),
        "conforme": plan.conforme_en is not None,
        "evidencias": plan.evidencias.aggregate(
            total=Count("id"), aprobadas=Count("id", filter=Q(estado="aprobada"))),
    }


def renderizar(plan_id: int, *, usuario=SISTEMA) -> bytes:
    from weasyprint import HTML

    html = render_to_string("planes_seguridad/pdf/resumen.html", contexto_resumen(
        plan_id, usuario=usuario))
    return HTML(string=html, base_url=str(settings.BASE_DIR)).write_pdf()


def asegurar_resumen(plan) -> str:
    """The stored summary of a plan with a verification code (generated if missing)."""
    ruta = ruta_resumen(plan.codigo_verificacion)
    if not archivos.ruta_absoluta(ruta).exists():
        archivos.escribir_archivo(ruta, renderizar(plan.pk))
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

    plan = PlanInstitucional.objects.filter(pk=plan_id).only("pk", "codigo_verificacion").first()
    if plan is None or not plan.codigo_verificacion:
        return
    asegurar_resumen(plan)
