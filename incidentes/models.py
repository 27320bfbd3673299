"""Incidents, their protocol checklist, timeline and evidence.

The state field is protected: only the transition methods below change it, and only the
services in ``services/`` call them (permission + conditions + timeline + audit + outbox).
"""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_fsm import RETURN_VALUE, ConcurrentTransitionMixin, FSMField, transition

from cgii.etiquetas import EtiquetasEnCache

from .permisos import permiso_transicion
from .states import (
    ESTADOS_ABIERTOS,
    ESTADOS_DE_TRABAJO,
    FASE_DE_ESTADO,
    Estado,
    esta_clasificado,
    fase_actual_completa,
    no_fusionado,
    tiene_cierre,
    tiene_maestro,
    tiene_motivo,
    trabajo_completo,
)


class TLP(models.TextChoices):
    CLEAR = "clear", "TLP:CLEAR"
    GREEN = "green", "TLP:GREEN"
    AMBER = "amber", "TLP:AMBER"
    AMBER_STRICT = "amber+strict", "TLP:AMBER+STRICT"
    RED = "red", "TLP:RED"


class Nivel(models.IntegerChoices):
    BAJO = 1, _("Bajo")
    MEDIO = 2, _("Medio")
    ALTO = 3, _("Alto")
    CRITICO = 4, _("Crítico")


class Origen(models.TextChoices):
    ENTIDAD = "entidad", _("Reportado por la entidad")
    CGII_MONITOREO = "cgii_monitoreo", _("Detectado por el CGII (monitoreo)")
    CGII_VULNERABILIDAD = "cgii_vulnerabilidad", _("Vulnerabilidad detectada por el CGII")
    TERCERO_CSIRT = "tercero_csirt", _("Reportado por otro CSIRT")
    TERCERO_CIUDADANO = "tercero_ciudadano", _("Reportado por un ciudadano")
    # Aggregated from IntelMQ feed events by incidentes.fuentes (issue 19).
    FUENTE_EXTERNA = "fuente_externa", _("Fuente externa")
    CORREO = "correo", _("Reportado por correo electrónico")


class ContadorIncidente(models.Model):
    """Last code number per year; incremented by an UPSERT in the reporting transaction."""

    anio = models.PositiveIntegerField(primary_key=True)
    ultimo = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("contador de incidentes")
        verbose_name_plural = _("contadores de incidentes")

    def __str__(self) -> str:
        return f"{self.anio}: {self.ultimo}"


class Incidente(EtiquetasEnCache, ConcurrentTransitionMixin, models.Model):
    codigo = models.CharField(_("código"), max_length=20, unique=True)
    entidad = models.ForeignKey("entidades.Entidad", on_delete=models.PROTECT,
                                related_name="incidentes", verbose_name=_("entidad"))
    reportante = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True,
                                   blank=True, related_name="incidentes_reportados",
                                   verbose_name=_("reportante"))
    origen = models.CharField(_("origen"), max_length=25, choices=Origen.choices,
                              default=Origen.ENTIDAD)
    origen_detalle = models.CharField(_("detalle del origen"), max_length=255, blank=True)
    titulo = models.CharField(_("título"), max_length=200)
    descripcion = models.TextField(_("descripción"))
    detectado_en = models.DateTimeField(_("detectado en"))
    ocurrido_en = models.DateTimeField(_("ocurrido en"), null=True, blank=True)
    activos_afectados = models.TextField(_("activos y servicios afectados"), blank=True)
    # [{"nombre": "portal web", "tipo": "servicio", "direccion": "203.0.113.7"}, …]
    activos = models.JSONField(_("activos (estructurado)"), default=list, blank=True)

    tipo = models.ForeignKey("protocolos.TipoIncidente", on_delete=models.PROTECT, null=True,
                             blank=True, verbose_name=_("tipo"))
    version_taxonomia = models.PositiveIntegerField(_("versión de la taxonomía"), null=True,
                                                    blank=True)
    protocolo = models.ForeignKey("protocolos.Protocolo", on_delete=models.PROTECT, null=True,
                                  blank=True, verbose_name=_("protocolo"))
    impacto = models.PositiveSmallIntegerField(_("impacto"), choices=Nivel.choices, null=True,
                                               blank=True)
    urgencia = models.PositiveSmallIntegerField(_("urgencia"), choices=Nivel.choices, null=True,
                                                blank=True)
    prioridad = models.CharField(_("prioridad"), max_length=2, default="P3")
    prioridad_manual = models.BooleanField(_("prioridad fijada a mano"), default=False)
    motivo_prioridad = models.TextField(_("motivo de la prioridad manual"), blank=True)
    tlp = models.CharField("TLP", max_length=12, choices=TLP.choices, default=TLP.AMBER)
    analista = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True,
                                 blank=True, related_name="incidentes_asignados",
                                 verbose_name=_("analista asignado"))

    estado = FSMField(_("estado"), max_length=20, choices=Estado.choices,
                      default=Estado.REPORTADO, protected=True)
    estado_previo = models.CharField(_("estado previo a la espera"), max_length=20, blank=True)
    maestro = models.ForeignKey("self", on_delete=models.PROTECT, null=True, blank=True,
                                related_name="duplicados", verbose_name=_("incidente maestro"))
    # Intake's "posible duplicado" (incidentes.duplicados): an earlier incident of the same
    # entity with a similar title/description or shared indicators; only a suggestion.
    posible_duplicado = models.ForeignKey("self", on_delete=models.SET_NULL, null=True,
                                          blank=True, related_name="+",
                                          verbose_name=_("posible duplicado de"))
    # Its text score at intake: the detail shows the stored suggestion (issue 22).
    similitud_duplicado = models.FloatField(_("similitud con el posible duplicado"), null=True,
                                            blank=True)
    # Set by services.fusion: its items moved to the master, so unmarking is refused.
    fusionado_en = models.DateTimeField(_("fusionado en el maestro"), null=True, blank=True)
    motivo_rechazo = models.TextField(_("motivo del rechazo"), blank=True)
    resumen_cierre = models.TextField(_("resumen de cierre"), blank=True)
    lecciones_aprendidas = models.TextField(_("lecciones aprendidas"), blank=True)
    controles_fallidos = models.JSONField(_("controles que fallaron"), default=list, blank=True)

    primera_respuesta_en = models.DateTimeField(_("primera respuesta"), null=True, blank=True)
    resuelto_en = models.DateTimeField(_("resuelto en"), null=True, blank=True)
    cerrado_en = models.DateTimeField(_("cerrado en"), null=True, blank=True)
    confirmado_por_entidad_en = models.DateTimeField(_("confirmado por la entidad"), null=True,
                                                     blank=True)
    # Denormalised from the SLA clocks (nearest running deadline, worst state) so that the
    # queue sorts and filters by index.
    vence_sla = models.DateTimeField(_("próximo vencimiento SLA"), null=True, blank=True)
    estado_sla = models.CharField(_("estado SLA"), max_length=12, blank=True)

    # Free labels the analysts add (bulk "añadir etiqueta", issue 18): lower-case words.
    etiquetas = models.JSONField(_("etiquetas"), default=list, blank=True)

    creado = models.DateTimeField(_("creado"), default=timezone.now, editable=False)
    actualizado = models.DateTimeField(_("actualizado"), auto_now=True)

    class Meta:
        ordering = ["-creado"]
        indexes = [
            # PostgreSQL btree ASC puts NULLs last, which is the queue's order (and SQLite,
            # for the embedded profile, refuses NULLS LAST in an index).
            models.Index(fields=["vence_sla", "-creado", "-id"], name="incidente_urgencia"),
            # Issue 22: one index per keyset order (selectors.ORDENES_KEYSET), each ending in
            # the unique id so a cursor's segments are pure index ranges (docs/listas.md);
            # the entity's lists lead with entidad_id.
            models.Index(fields=["entidad", "vence_sla", "-creado", "-id"],
                         name="incidente_entidad_urgencia"),
            models.Index(fields=["estado", "prioridad"], name="incidente_estado_prioridad"),
            models.Index(fields=["analista", "estado"], name="incidente_analista"),
            models.Index(fields=["creado", "id"], name="incidente_creado_id"),
            # Issue 22: also the «posible duplicado» candidates of an intake and of a detail
            # (one entity's latest reports of the window, read backwards by this index).
            models.Index(fields=["entidad", "creado", "id"], name="incidente_entidad_creado"),
            models.Index(fields=["prioridad", "vence_sla", "-id"],
                         name="incidente_prioridad_urgencia"),
            # Issue 18: the live counts of the console's saved views (open incidents by
            # priority, SLA state, analyst, first response) answer from this small partial
            # index alone (index-only scans), whatever the closed history weighs.
            models.Index(fields=["prioridad", "estado_sla", "analista", "primera_respuesta_en"],
                         condition=models.Q(estado__in=[e.value for e in ESTADOS_ABIERTOS]),
                         name="incidente_abiertos_cuentas"),
        ]
        verbose_name = _("incidente")
        verbose_name_plural = _("incidentes")

    def __str__(self) -> str:
        return f"{self.codigo} {self.titulo}"

    # ---- checklist helpers read by the conditions ----------------------------------------

    def _tareas(self):
        cache = getattr(self, "_tareas_cache", None)
        return cache if cache is not None else list(self.tareas.all())

    def pasos_obligatorios_pendientes(self, fases: set[str] | None = None):
        """Mandatory tasks not done: of the current phase, or of the given phases."""
        if fases is None:
            fase = FASE_DE_ESTADO.get(self.estado)
            fases = {fase} if fase else set()
        return [t for t in self._tareas()
                if t.fase in fases and t.obligatoria and t.estado != EstadoTarea.HECHA]

    # ---- transitions (fired through cgii.fsm by services.incidente_transicionar only) -----

    @transition(field=estado, source=Estado.REPORTADO, target=Estado.EN_TRIAJE,
                permission=permiso_transicion("iniciar_triaje"))
    def iniciar_triaje(self):
        pass

    @transition(field=estado, source=Estado.EN_TRIAJE, target=Estado.EN_ANALISIS,
                conditions=[esta_clasificado, fase_actual_completa],
                permission=permiso_transicion("iniciar_analisis"))
    def iniciar_analisis(self):
        pass

    @transition(field=estado, source=Estado.EN_ANALISIS, target=Estado.EN_CONTENCION,
                conditions=[fase_actual_completa], permission=permiso_transicion("contener"))
    def contener(self):
        pass

    @transition(field=estado, source=Estado.EN_CONTENCION, target=Estado.EN_ERRADICACION,
                conditions=[fase_actual_completa], permission=permiso_transicion("erradicar"))
    def erradicar(self):
        pass

    @transition(field=estado, source=Estado.EN_ERRADICACION, target=Estado.EN_RECUPERACION,
                conditions=[fase_actual_completa], permission=permiso_transicion("recuperar"))
    def recuperar(self):
        pass

    # Resolving may skip phases the protocol leaves optional (e.g. a vulnerability report
    # needs no eradication), but never a mandatory step of any earlier phase.
    @transition(field=estado,
                source=[Estado.EN_ANALISIS, Estado.EN_CONTENCION, Estado.EN_ERRADICACION,
                        Estado.EN_RECUPERACION],
                target=Estado.RESUELTO,
                conditions=[esta_clasificado, trabajo_completo, tiene_cierre],
                permission=permiso_transicion("resolver"))
    def resolver(self):
        self.resuelto_en = timezone.now()

    @transition(field=estado, source=Estado.RESUELTO, target=Estado.CERRADO,
                conditions=[tiene_cierre, fase_actual_completa],
                permission=permiso_transicion("cerrar"))
    def cerrar(self):
        self.cerrado_en = timezone.now()

    @transition(field=estado, source=Estado.RESUELTO, target=Estado.CERRADO,
                conditions=[tiene_cierre], permission=permiso_transicion("autocerrar"))
    def autocerrar(self):
        self.cerrado_en = timezone.now()

    @transition(field=estado, source=[Estado.REPORTADO, Estado.EN_TRIAJE],
                target=Estado.RECHAZADO, conditions=[tiene_motivo],
                permission=permiso_transicion("rechazar"))
    def rechazar(self):
        pass

    @transition(field=estado, source=[Estado.REPORTADO, Estado.EN_TRIAJE, Estado.EN_ANALISIS],
                target=Estado.DUPLICADO, conditions=[tiene_maestro],
                permission=permiso_transicion("marcar_duplicado"))
    def marcar_duplicado(self):
        pass

    @transition(field=estado, source=Estado.DUPLICADO, target=Estado.EN_TRIAJE,
                conditions=[no_fusionado], permission=permiso_transicion("desmarcar_duplicado"))
    def desmarcar_duplicado(self):
        self.maestro = None

    @transition(field=estado, source=list(ESTADOS_DE_TRABAJO), target=Estado.EN_ESPERA_ENTIDAD,
                permission=permiso_transicion("solicitar_informacion"))
    def solicitar_informacion(self):
        self.estado_previo = self.estado  # where the answer brings it back

    @transition(field=estado, source=Estado.EN_ESPERA_ENTIDAD,
                target=RETURN_VALUE(*ESTADOS_DE_TRABAJO),
                permission=permiso_transicion("responder_entidad"))
    def responder_entidad(self):
        previo = self.estado_previo or Estado.EN_ANALISIS
        self.estado_previo = ""
        return previo

    @transition(field=estado, source=[Estado.RESUELTO, Estado.CERRADO, Estado.RECHAZADO],
                target=RETURN_VALUE(Estado.EN_TRIAJE, Estado.EN_ANALISIS),
                permission=permiso_transicion("reabrir"))
    def reabrir(self):
        # A rejected report was never triaged to the end; a resolved one goes back to work.
        destino = Estado.EN_TRIAJE if self.estado == Estado.RECHAZADO else Estado.EN_ANALISIS
        self.resuelto_en = self.cerrado_en = self.confirmado_por_entidad_en = None
        return destino

    # New feed events about a resolved or closed incident whose feed policy says "reopen"
    # (incidentes.fuentes): the system takes it back to analysis (issue 19).
    @transition(field=estado, source=[Estado.RESUELTO, Estado.CERRADO], target=Estado.EN_ANALISIS,
                permission=permiso_transicion("reabrir_por_fuente"))
    def reabrir_por_fuente(self):
        self.resuelto_en = self.cerrado_en = self.confirmado_por_entidad_en = None

    # The entity answers "it is not fixed" (with its reason, in the timeline): back to work.
    @transition(field=estado, source=Estado.RESUELTO, target=Estado.EN_ANALISIS,
                permission=permiso_transicion("objetar_resolucion"))
    def objetar_resolucion(self):
        self.resuelto_en = self.confirmado_por_entidad_en = None


class EstadoTarea(models.TextChoices):
    PENDIENTE = "pendiente", _("Pendiente")
    EN_CURSO = "en_curso", _("En curso")
    HECHA = "hecha", _("Hecha")
    NO_APLICA = "no_aplica", _("No aplica")


class Tarea(EtiquetasEnCache, models.Model):
    """A protocol step instantiated on one incident (the checklist), or an analyst's own
    task (``propia``)."""

    incidente = models.ForeignKey(Incidente, on_delete=models.CASCADE, related_name="tareas")
    paso = models.ForeignKey("protocolos.Paso", on_delete=models.SET_NULL, null=True, blank=True)
    codigo_paso = models.SlugField(_("paso"), max_length=80)
    fase = models.SlugField(_("fase"), max_length=30)
    orden = models.PositiveSmallIntegerField(_("orden"))
    titulo = models.CharField(_("título"), max_length=200)
    instrucciones = models.TextField(_("instrucciones"), blank=True)
    obligatoria = models.BooleanField(_("obligatoria"), default=True)
    rol = models.CharField(_("rol"), max_length=20)
    requiere_evidencia = models.BooleanField(_("requiere evidencia"), default=False)
    requiere_nota = models.BooleanField(_("requiere nota"), default=False)
    estado = models.CharField(_("estado"), max_length=12, choices=EstadoTarea.choices,
                              default=EstadoTarea.PENDIENTE)
    asignado = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True,
                                 blank=True, related_name="+", verbose_name=_("asignado"))
    vence_en = models.DateTimeField(_("vence"), null=True, blank=True)
    nota = models.TextField(_("nota"), blank=True)
    evidencia = models.ForeignKey("Evidencia", on_delete=models.SET_NULL, null=True, blank=True,
                                  related_name="+")
    completada_por = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL,
                                       null=True, blank=True, related_name="+")
    completada_en = models.DateTimeField(_("completada en"), null=True, blank=True)
    # An analyst's own task beside the protocol steps (issue 18, services/tareas.py): never
    # mandatory, never part of the checklist; shared ones are seen by the incident's entity.
    propia = models.BooleanField(_("tarea propia (no del protocolo)"), default=False)
    compartida = models.BooleanField(_("compartida con la entidad"), default=False)
    creada_por = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL,
                                   null=True, blank=True, related_name="+",
                                   verbose_name=_("creada por"))

    class Meta:
        ordering = ["orden", "id"]
        constraints = [
            models.UniqueConstraint(fields=["incidente", "codigo_paso"], name="tarea_paso_unico"),
        ]
        indexes = [
            # «Mis tareas»: a person's open tasks by due date.
            models.Index(fields=["asignado", "estado", "vence_en"], name="tarea_asignado"),
        ]
        verbose_name = _("tarea")
        verbose_name_plural = _("tareas")

    def __str__(self) -> str:
        return self.titulo


class TipoEntrada(models.TextChoices):
    REPORTE = "reporte", _("Reporte")
    TRANSICION = "transicion", _("Cambio de estado")
    CLASIFICACION = "clasificacion", _("Clasificación")
    ASIGNACION = "asignacion", _("Asignación")
    COMENTARIO = "comentario", _("Comentario interno")
    MENSAJE = "mensaje", _("Mensaje")
    SOLICITUD = "solicitud", _("Solicitud de información")
    RESPUESTA = "respuesta", _("Respuesta de la entidad")
    CONFIRMACION = "confirmacion", _("Confirmación de la entidad")
    TAREA = "tarea", _("Tarea")  # protocol steps and analysts' own tasks
    EVIDENCIA = "evidencia", _("Evidencia")
    INDICADORES = "indicadores", _("Indicadores")
    SLA = "sla", _("SLA")
    FUENTE = "fuente", _("Eventos de fuente externa")
    FUSION = "fusion", _("Fusión de duplicados")


class EntradaTimeline(EtiquetasEnCache, models.Model):
    """Everything that happened to an incident, in order. Written by services only."""

    incidente = models.ForeignKey(Incidente, on_delete=models.CASCADE, related_name="timeline")
    tipo = models.CharField(_("tipo"), max_length=15, choices=TipoEntrada.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True,
                              blank=True, related_name="+")
    visible_entidad = models.BooleanField(_("visible para la entidad"), default=False)
    texto = models.TextField(_("texto"), blank=True)
    datos = models.JSONField(_("datos"), default=dict, blank=True)
    creado = models.DateTimeField(_("creado"), default=timezone.now)

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["incidente", "id"], name="timeline_incidente")]
        verbose_name = _("entrada de la línea de tiempo")
        verbose_name_plural = _("línea de tiempo")

    def __str__(self) -> str:
        return f"{self.incidente_id} {self.tipo}"


class Evidencia(models.Model):
    incidente = models.ForeignKey(Incidente, on_delete=models.CASCADE, related_name="evidencias")
    subido_por = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                   related_name="+")
    nombre = models.CharField(_("nombre"), max_length=255)
    tipo_mime = models.CharField(_("tipo"), max_length=120)
    tamano = models.BigIntegerField(_("tamaño (bytes)"))
    sha256 = models.CharField("SHA-256", max_length=64, db_index=True)
    ruta = models.CharField(_("ruta interna"), max_length=255)
    descripcion = models.CharField(_("descripción"), max_length=255, blank=True)
    visible_entidad = models.BooleanField(_("visible para la entidad"), default=True)
    creado = models.DateTimeField(_("creado"), default=timezone.now)

    class Meta:
        ordering = ["creado", "id"]
        verbose_name = _("evidencia")
        verbose_name_plural = _("evidencias")

    def __str__(self) -> str:
        return self.nombre


class VistaGuardada(models.Model):
    """A named filter of the console or the incident list (issue 18): a user's own view, or
    a team view (``usuario`` empty) every CGII staff member sees. ``consulta`` is the query
    string of the filters, parsed by the same code as the page's own filters."""

    class Pagina(models.TextChoices):
        CONSOLA = "consola", _("Consola")
        LISTA = "lista", _("Incidentes")

    usuario = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, null=True,
                                blank=True, related_name="vistas_incidentes",
                                verbose_name=_("usuario"))
    nombre = models.CharField(_("nombre"), max_length=80)
    pagina = models.CharField(_("página"), max_length=10, choices=Pagina.choices,
                              default=Pagina.CONSOLA)
    consulta = models.CharField(_("filtros (query string)"), max_length=500)
    orden = models.PositiveSmallIntegerField(_("orden"), default=0)
    creado = models.DateTimeField(_("creado"), default=timezone.now)

    class Meta:
        ordering = ["orden", "nombre", "id"]
        constraints = [
            models.UniqueConstraint(fields=["usuario", "pagina", "nombre"],
                                    name="vista_nombre_unico"),
        ]
        verbose_name = _("vista guardada")
        verbose_name_plural = _("vistas guardadas")

    def __str__(self) -> str:
        return self.nombre


class RepartoCategoria(models.Model):
    """Optional round-robin of new incidents of one category among chosen analysts
    (issue 18): when an unassigned incident gets this class, the next analyst in turn takes
    it (``incidentes.services.reparto``)."""

    clase = models.OneToOneField("protocolos.ClaseIncidente", on_delete=models.CASCADE,
                                 related_name="+", verbose_name=_("categoría"))
    analistas = models.ManyToManyField(settings.AUTH_USER_MODEL, related_name="+",
                                       verbose_name=_("analistas"))
    activo = models.BooleanField(_("activo"), default=True)
    ultimo = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True,
                               blank=True, related_name="+", verbose_name=_("último asignado"))

    class Meta:
        verbose_name = _("reparto por categoría")
        verbose_name_plural = _("repartos por categoría")

    def __str__(self) -> str:
        return str(self.clase)
