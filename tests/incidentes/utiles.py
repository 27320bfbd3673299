"""Helpers to put incidents in a given state for tests (setup only: the behaviour under test
always goes through the services)."""

from datetime import timedelta

from django.utils import timezone

from incidentes import services
from incidentes.models import EstadoTarea, Incidente, Tarea

CAMINO = ["iniciar_triaje", "iniciar_analisis", "contener", "erradicar", "recuperar", "resolver"]
DESTINO = {"en_triaje": 1, "en_analisis": 2, "en_contencion": 3, "en_erradicacion": 4,
           "en_recuperacion": 5, "resuelto": 6}


def reportar(actor, entidad, **campos) -> Incidente:
    datos = {"titulo": "Correos de phishing al personal",
             "descripcion": "Llegan correos que piden la contraseña del correo institucional.",
             "detectado_en": timezone.now() - timedelta(hours=1)}
    datos.update(campos)
    return services.incidente_reportar(actor=actor, entidad=entidad, **datos)


def clasificar(incidente, analista, tipo="phishing", impacto=3, urgencia=3) -> Incidente:
    return services.incidente_clasificar(actor=analista, incidente_id=incidente.pk,
                                         tipo_codigo=tipo, impacto=impacto, urgencia=urgencia)


def completar(incidente, *fases) -> int:
    return Tarea.objects.filter(incidente=incidente, fase__in=fases).update(
        estado=EstadoTarea.HECHA, nota="hecho en la prueba")


def triar(incidente, analista, *, nota_interna: str) -> None:
    """Triage as the browser tests stage it: start triage, classify (phishing), the triage
    steps done, and an internal note the entity must never see."""
    services.incidente_transicionar(actor=analista, incidente_id=incidente.pk,
                                    transicion="iniciar_triaje")
    clasificar(incidente, analista)
    completar(incidente, "triaje")
    services.incidente_comentar(actor=analista, incidente_id=incidente.pk, texto=nota_interna,
                                compartido=False)


def llevar_a(incidente, estado, analista, coordinador=None) -> Incidente:
    """From reportado along the main path to ``estado`` (classified as phishing)."""
    pasos = CAMINO[:DESTINO[estado]]
    for i, transicion in enumerate(pasos):
        if transicion == "iniciar_analisis":
            clasificar(incidente, analista)
        if i >= 1:
            fase = ["triaje", "analisis", "contencion", "erradicacion", "recuperacion"][i - 1]
            completar(incidente, fase)
        incidente = services.incidente_transicionar(
            actor=analista, incidente_id=incidente.pk, transicion=transicion,
            datos=cerrar_datos() if transicion == "resolver" else None)
    return Incidente.objects.get(pk=incidente.pk)


def cerrar_datos() -> dict:
    return {"resumen_cierre": "Se bloqueó el dominio y se purgaron los buzones.",
            "lecciones_aprendidas": "Activar DMARC p=reject y capacitar al personal."}
