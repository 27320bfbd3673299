"""Who hears about feed aggregations (an outbox sink: at least once, effects once).

``fuentes.notificar`` — one per aggregation, when it becomes a notice or adds hosts to an
open incident — goes to the entity's active members. A new incident or a reopened one is
announced by the incidents app's own notification instead (never twice)."""

from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cgii.entidades.models import Membresia
from cgii.eventos.notificaciones import notificar

TIPOS = {
    "fuentes.aviso": (gettext_lazy("Aviso de una fuente externa sobre su entidad"), True),
    "fuentes.hosts": (gettext_lazy("Nuevos hosts afectados en un incidente abierto"), True),
}


def al_evento(evento) -> None:
    agregacion = evento.datos.get("agregacion") or {}
    if "id" not in agregacion:
        return
    usuarios = set(Membresia.objects.filter(
        entidad_id=agregacion["entidad_id"], activa=True, usuario__is_active=True)
        .values_list("usuario_id", flat=True))
    incidente = evento.datos.get("incidente")
    if incidente:
        tipo, enlace = "fuentes.hosts", reverse("incidentes:detalle", args=[incidente["id"]])
        texto = _("%(h)d hosts de su entidad en eventos de %(f)s (%(c)s): agregados al "
                  "incidente %(i)s.") % {"h": agregacion["hosts"], "f": agregacion["fuente"],
                                         "c": agregacion["clasificacion"],
                                         "i": incidente["codigo"]}
    else:
        tipo, enlace = "fuentes.aviso", reverse("fuentes:agregacion", args=[agregacion["id"]])
        texto = _("Aviso: %(h)d hosts de su entidad en eventos de %(f)s (%(c)s) del %(d)s. "
                  "Revise la tabla y acuse recibo.") % {
            "h": agregacion["hosts"], "f": agregacion["fuente"],
            "c": agregacion["clasificacion"], "d": agregacion["periodo"]}
    notificar(usuarios_ids=usuarios, tipo=tipo, texto=texto, enlace=enlace,
              confidencial=agregacion.get("tlp") == "red",
              texto_confidencial=_("Hay un aviso de una fuente externa sobre su entidad "
                                   "(TLP:RED: consulte la plataforma)."))
