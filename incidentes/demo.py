"""Demo incidents for `cargar_demo`: a realistic queue in several states, made through the
services (so timelines, clocks, audit and events are real). Idempotent: runs once."""

from datetime import timedelta

from django.utils import timezone

from .models import EstadoTarea, Incidente, Tarea

CASOS = [
    # (entity, reporter, title, description, type, impact, urgency, target state)
    ("MEFP", "reportante.mefp", "Correos de phishing que suplantan al SIGEP",
     "Desde las 08:10 varios funcionarios recibieron correos que piden validar la cuenta del "
     "SIGEP en sigep-gob-bo[.]com. Dos personas ingresaron su contraseña.",
     "phishing", 3, 3, "en_contencion"),
    ("MEFP", "rsi.mefp", "Equipo con archivos cifrados en la Dirección de Presupuesto",
     "Un equipo muestra una nota de rescate y archivos con extensión .lockbit. Se desconectó "
     "de la red.", "ransomware", 4, 4, "en_analisis"),
    ("GAMLP", "reportante.gamlp", "Portal municipal desfigurado",
     "La portada del portal de trámites muestra un mensaje de un grupo hacktivista.",
     "desfiguracion-web", 3, 4, "en_triaje"),
    ("GAMLP", "rsi.gamlp", "Lentitud extrema del sistema de recaudaciones",
     "Desde las 10:00 el sistema de recaudaciones no responde; el proveedor reporta tráfico "
     "anómalo hacia el servidor.", None, None, None, "reportado"),
    ("ENDE", "rsi.ende", "Escaneo de puertos desde el exterior",
     "El firewall registró un escaneo masivo de puertos hacia la DMZ desde 198.51.100.23.",
     None, None, None, "reportado"),
]
RUTA = ["iniciar_triaje", "iniciar_analisis", "contener"]
FASE_PREVIA = {"iniciar_analisis": "triaje", "contener": "analisis"}


def _completar(incidente, fase):
    Tarea.objects.filter(incidente=incidente, fase=fase, obligatoria=True).update(
        estado=EstadoTarea.HECHA, nota="Realizado (demostración).", completada_en=timezone.now())


def crear_incidentes_demo(contexto) -> list[str]:
    from . import services

    if Incidente.objects.exists():
        return []
    usuarios, entidades = contexto["usuarios"], contexto["entidades"]
    analista = usuarios["analista"]
    for sigla, quien, titulo, descripcion, tipo, impacto, urgencia, meta in CASOS:
        incidente = services.incidente_reportar(
            actor=usuarios[quien], entidad=entidades[sigla], titulo=titulo,
            descripcion=descripcion, detectado_en=timezone.now() - timedelta(minutes=45))
        if meta == "reportado":
            continue
        services.incidente_asignar(actor=analista, incidente_id=incidente.pk,
                                   analista_id=analista.pk)
        for transicion in RUTA:
            if transicion == "iniciar_analisis":
                services.incidente_clasificar(actor=analista, incidente_id=incidente.pk,
                                              tipo_codigo=tipo, impacto=impacto,
                                              urgencia=urgencia)
            if transicion in FASE_PREVIA:
                _completar(incidente, FASE_PREVIA[transicion])
            services.incidente_transicionar(actor=analista, incidente_id=incidente.pk,
                                            transicion=transicion)
            if Incidente.objects.get(pk=incidente.pk).estado == meta:
                break
        services.incidente_comentar(actor=analista, incidente_id=incidente.pk,
                                    texto="Recibido; el CGII está trabajando en el caso.")
    return [f"{len(CASOS)} incidentes de demostración"]
