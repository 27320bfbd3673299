"""The plan (PISI) of one entity and gestión, its history, deadlines, Statement of
Applicability, schedule and evidence."""

from django.conf import settings
from django.db import models
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_fsm import ConcurrentTransitionMixin, FSMField, transition

from ..permisos import permiso_transicion
from ..states import (
    ESTADOS_EDITABLES,
    Estado,
    TipoPlazo,
    documento_aprobado,
    evaluacion_riesgos_completa,
    minimos_aplicables,
    observaciones_respondidas,
    resolucion_cita_aprobacion,
    resolucion_posterior_a_conformidad,
    rsi_con_rol,
    rsi_designado_con_rol,
    sin_version_en_curso,
    soa_completa,
    tiene_alcance,
    tiene_comite,
    tiene_cronograma,
    tiene_observaciones,
    tiene_politica,
    tiene_resolucion,
    tiene_rsi,
    tiene_vigencia,
    vigencia_terminada,
)

CHECKLIST_CONFORMIDAD = [observaciones_respondidas, tiene_cronograma, soa_completa,
                         minimos_aplicables, evaluacion_riesgos_completa, rsi_con_rol]


class PlanInstitucional(ConcurrentTransitionMixin, models.Model):
    entidad = models.ForeignKey("entidades.Entidad", on_delete=models.PROTECT,
                                related_name="planes_seguridad", verbose_name=_("entidad"))
    gestion = models.PositiveSmallIntegerField(_("gestión"))
    version = models.PositiveSmallIntegerField(_("versión"), default=1)
    anterior = models.OneToOneField("self", on_delete=models.PROTECT, null=True, blank=True,
                                    related_name="siguiente",
                                    verbose_name=_("versión anterior"))
    catalogo = models.ForeignKey("CatalogoControles", on_delete=models.PROTECT,
                                 related_name="planes", verbose_name=_("catálogo de controles"))

    alcance = models.TextField(_("alcance"), blank=True)
    rsi = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True,
                            blank=True, related_name="planes_como_rsi",
                            verbose_name=_("Responsable de Seguridad de la Información"))
    # [{"nombre": "…", "cargo": "…", "rol": "presidente|secretario|miembro", "unidad": "…"}]
    comite = models.JSONField(_("Comité de Seguridad de la Información"), default=list,
                              blank=True)
    politica_nombre = models.CharField(_("política: archivo"), max_length=255, blank=True)
    politica_ruta = models.CharField(_("política: ruta interna"), max_length=255, blank=True)
    politica_tipo_mime = models.CharField(_("política: tipo"), max_length=120, blank=True)
    politica_tamano = models.BigIntegerField(_("política: tamaño"), null=True, blank=True)
    politica_sha256 = models.CharField(_("política: SHA-256"), max_length=64, blank=True)
    politica_aprobada_en = models.DateField(_("política aprobada en"), null=True, blank=True)
    # Legacy JSON summaries, read-only since risk management became records (ActivoInformacion,
    # EscenarioRiesgo, issue 23): kept so plans written before still show what they said.
    # [{"nombre", "tipo", "propietario", "ubicacion", "clasificacion", "criticidad"}]
    inventario_activos = models.JSONField(_("inventario de activos (resumen anterior)"),
                                          default=list, blank=True)
    # [{"riesgo", "activo", "amenaza", "probabilidad", "impacto", "nivel", "tratamiento",
    #   "controles": ["5.1.1", …]}]
    evaluacion_riesgos = models.JSONField(_("evaluación de riesgos (resumen anterior)"),
                                          default=list, blank=True)
    # The probability × impact matrix the plan's risks are evaluated with (set on creation;
    # plans from before the matrix existed take the one in force on their first evaluation).
    matriz_riesgo = models.ForeignKey("MatrizRiesgo", on_delete=models.PROTECT, null=True,
                                      blank=True, related_name="planes",
                                      verbose_name=_("matriz de riesgo"))

    resolucion_cite = models.CharField(_("resolución: CITE"), max_length=120, blank=True)
    resolucion_fecha = models.DateField(_("resolución: fecha"), null=True, blank=True)
    resolucion_nombre = models.CharField(_("resolución: archivo"), max_length=255, blank=True)
    resolucion_ruta = models.CharField(_("resolución: ruta interna"), max_length=255,
                                       blank=True)
    resolucion_tipo_mime = models.CharField(_("resolución: tipo"), max_length=120, blank=True)
    resolucion_tamano = models.BigIntegerField(_("resolución: tamaño"), null=True, blank=True)
    resolucion_sha256 = models.CharField(_("resolución: SHA-256"), max_length=64, blank=True)
    # The Aprobación de Documentos code the resolution cites (issue 21).
    resolucion_codigo_aprobacion = models.CharField(
        _("resolución: código de Aprobación de Documentos citado"), max_length=80, blank=True)
    vigencia_desde = models.DateField(_("vigente desde"), null=True, blank=True)
    vigencia_hasta = models.DateField(_("vigente hasta"), null=True, blank=True)

    estado = FSMField(_("estado"), max_length=20, choices=Estado.choices,
                      default=Estado.BORRADOR, protected=True)
    observaciones = models.TextField(_("últimas observaciones del CGII"), blank=True)
    codigo_verificacion = models.CharField(_("código de verificación"), max_length=60,
                                           unique=True, null=True, blank=True)
    presentado_en = models.DateTimeField(_("presentado en"), null=True, blank=True)
    conforme_en = models.DateTimeField(_("conformidad en"), null=True, blank=True)
    conforme_por = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                     null=True, blank=True, related_name="+")
    # What the conformity summary (PDF) shows, frozen when the plan got conformity
    # (congelado.resumen_conformidad): the MAE's resolution cites that document.
    resumen_conformidad = models.JSONField(_("resumen congelado en la conformidad"), null=True,
                                           blank=True, editable=False)
    aprobado_en = models.DateTimeField(_("aprobado en"), null=True, blank=True)
    vigente_en = models.DateTimeField(_("registrado en"), null=True, blank=True)

    creado_por = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                   null=True, blank=True, related_name="+")
    creado = models.DateTimeField(_("creado"), default=timezone.now, editable=False)
    actualizado = models.DateTimeField(_("actualizado"), auto_now=True)

    class Meta:
        ordering = ["-gestion", "entidad__sigla", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["entidad", "gestion", "version"],
                                    name="pisi_plan_version_unica"),
        ]
        indexes = [models.Index(fields=["estado", "entidad"], name="pisi_plan_estado")]
        verbose_name = _("plan institucional de seguridad de la información")
        verbose_name_plural = _("planes institucionales de seguridad de la información")

    def __str__(self) -> str:
        return f"PISI {self.entidad.sigla} {self.gestion} v{self.version}"

    @property
    def editable(self) -> bool:
        return self.estado in ESTADOS_EDITABLES

    def soa_pendientes(self) -> int:
        """SoA rows still undecided, or decided without a justification — included controls
        too, ISO/IEC 27001 6.1.3 d (cached by the service for the duration of one
        transition)."""
        cache = getattr(self, "_soa_pendientes", None)
        if cache is not None:
            return cache
        return self.soa.filter(Q(aplica__isnull=True) | Q(justificacion="")).count()

    def riesgos_faltantes(self) -> list[str]:
        """What the risk assessment still lacks (``riesgo.faltantes``; cached by the service
        for one transition). Three queries: assets, scenarios with their control counts,
        and the matrix."""
        cache = getattr(self, "_riesgos_faltantes", None)
        if cache is not None:
            return cache
        from .. import riesgo
        from .riesgos import MatrizRiesgo

        escenarios = [
            {**e, "aceptado": e.pop("aceptado_por_id") is not None}
            for e in self.riesgos.order_by("codigo").values(
                "codigo", "nivel", "tratamiento", "nivel_residual", "aceptado_por_id")
            .annotate(n_controles=Count("controles", distinct=True),
                      n_controles_aplican=Count("controles", filter=Q(controles__aplica=True),
                                                distinct=True))]
        matriz = self.matriz_riesgo if self.matriz_riesgo_id else (
            MatrizRiesgo.objects.filter(vigente=True).order_by("codigo", "-version").first())
        return riesgo.faltantes(matriz, activos=self.activos.count(), escenarios=escenarios)

    def observaciones_sin_responder(self) -> list[str]:
        """Observations of any round still waiting for the entity's answer, as "section"
        or "control N" (cached by the service for one transition)."""
        cache = getattr(self, "_observaciones_sin_responder", None)
        if cache is not None:
            return cache
        from .revision import SeccionPlan

        etiquetas = dict(SeccionPlan.choices)
        return [(f"{etiquetas.get(seccion, seccion)} {numero}" if numero
                 else str(etiquetas.get(seccion, seccion)))
                for seccion, numero in self.observaciones_revision.filter(estado="abierta")
                .order_by("ronda__numero", "id")
                .values_list("seccion", "aplicabilidad__control__numero")]

    def observaciones_en_ronda(self) -> int:
        """Observations recorded in the review round now open."""
        cache = getattr(self, "_observaciones_en_ronda", None)
        if cache is not None:
            return cache
        return self.observaciones_revision.filter(ronda__cerrada_en__isnull=True).count()

    def n_actividades(self) -> int:
        cache = getattr(self, "_n_actividades", None)
        if cache is not None:
            return cache
        return self.actividades.count()

    def aprobacion_exigida(self) -> bool:
        """Aprobación de Documentos is configured (the real service or the simulator)."""
        if not hasattr(self, "_aprobacion_exigida"):
            from cgii.ciudadania import aprobacion

            self._aprobacion_exigida = aprobacion.configurada()
        return self._aprobacion_exigida

    def aprobacion_documento(self):
        """The approved Aprobación de Documentos request of this plan, if any (cached)."""
        if not hasattr(self, "_aprobacion"):
            self._aprobacion = self.aprobaciones_documento.filter(estado="aprobada").first()
        return self._aprobacion

    def rsi_valido(self) -> bool:
        """The designated RSI holds the entity's RSI role and is not its MAE."""
        cache = getattr(self, "_rsi_valido", None)
        if cache is not None:
            return cache
        if self.rsi_id is None:
            return False
        from cgii.entidades.selectors import roles_en_entidad

        roles = roles_en_entidad(self.rsi, self.entidad_id)
        return "rsi" in roles and "mae" not in roles

    def minimos_no_aplicables(self) -> list[str]:
        """Minimum controls (CTIC-SE-P1 §6.2.3.2) not declared applicable (cached by the
        service for one transition)."""
        cache = getattr(self, "_minimos_no_aplicables", None)
        if cache is not None:
            return cache
        return list(self.soa.filter(control__minimo=True).exclude(aplica=True)
                    .order_by("control__orden").values_list("control__numero", flat=True))

    # ---- transitions (called by services.plan_transicionar only) -------------------------

    @transition(field=estado, source=[Estado.BORRADOR, Estado.OBSERVADO],
                target=Estado.PRESENTADO,
                conditions=[tiene_alcance, tiene_rsi, rsi_designado_con_rol, tiene_comite,
                            tiene_politica, soa_completa, minimos_aplicables,
                            observaciones_respondidas],
                permission=permiso_transicion("presentar"))
    def presentar(self):
        pass

    @transition(field=estado, source=Estado.PRESENTADO, target=Estado.EN_REVISION,
                permission=permiso_transicion("iniciar_revision"))
    def iniciar_revision(self):
        pass

    @transition(field=estado, source=Estado.EN_REVISION, target=Estado.OBSERVADO,
                conditions=[tiene_observaciones], permission=permiso_transicion("observar"))
    def observar(self):
        pass

    @transition(field=estado, source=Estado.EN_REVISION, target=Estado.CONFORME,
                # The conformity checklist (issue 23), in the order the review screen shows it.
                conditions=CHECKLIST_CONFORMIDAD,
                permission=permiso_transicion("dar_conformidad"))
    def dar_conformidad(self):
        pass

    @transition(field=estado, source=Estado.CONFORME, target=Estado.APROBADO,
                conditions=[tiene_resolucion, resolucion_posterior_a_conformidad,
                            documento_aprobado, resolucion_cita_aprobacion],
                permission=permiso_transicion("registrar_resolucion"))
    def registrar_resolucion(self):
        pass

    @transition(field=estado, source=Estado.APROBADO, target=Estado.VIGENTE,
                conditions=[tiene_vigencia], permission=permiso_transicion("poner_en_vigencia"))
    def poner_en_vigencia(self):
        pass

    @transition(field=estado, source=Estado.VIGENTE, target=Estado.EN_ACTUALIZACION,
                permission=permiso_transicion("iniciar_actualizacion"))
    def iniciar_actualizacion(self):
        pass

    @transition(field=estado, source=Estado.EN_ACTUALIZACION, target=Estado.VIGENTE,
                conditions=[sin_version_en_curso], permission=permiso_transicion("cancelar_actualizacion"))
    def cancelar_actualizacion(self):
        pass

    @transition(field=estado, source=[Estado.VIGENTE, Estado.EN_ACTUALIZACION],
                target=Estado.REEMPLAZADO, permission=permiso_transicion("reemplazar"))
    def reemplazar(self):
        pass

    @transition(field=estado, source=[Estado.VIGENTE, Estado.EN_ACTUALIZACION],
                target=Estado.VENCIDO, conditions=[vigencia_terminada],
                permission=permiso_transicion("vencer"))
    def vencer(self):
        pass


class TipoEntrada(models.TextChoices):
    CREACION = "creacion", _("Creación")
    TRANSICION = "transicion", _("Cambio de estado")
    EDICION = "edicion", _("Edición")
    DOCUMENTO = "documento", _("Documento")
    SOA = "soa", _("Declaración de aplicabilidad")
    RIESGO = "riesgo", _("Gestión de riesgos")
    REVISION = "revision", _("Revisión del CGII")
    IMPORTACION = "importacion", _("Importación")
    ACTIVIDAD = "actividad", _("Cronograma")
    EVIDENCIA = "evidencia", _("Evidencia")
    SEGUIMIENTO = "seguimiento", _("Seguimiento")
    HALLAZGO = "hallazgo", _("Hallazgo")
    PLAZO = "plazo", _("Plazo")


class EntradaPlan(models.Model):
    """The plan's history as the entity and CGII see it (observations, decisions, changes).
    Written by services only, together with an audit row."""

    plan = models.ForeignKey(PlanInstitucional, on_delete=models.CASCADE,
                             related_name="historial")
    tipo = models.CharField(_("tipo"), max_length=15, choices=TipoEntrada.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True,
                              blank=True, related_name="+")
    texto = models.TextField(_("texto"), blank=True)
    datos = models.JSONField(_("datos"), default=dict, blank=True)
    creado = models.DateTimeField(_("creado"), default=timezone.now)

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["plan", "id"], name="pisi_historial_plan")]
        verbose_name = _("entrada del historial del plan")
        verbose_name_plural = _("historial de planes")

    def __str__(self) -> str:
        return f"{self.plan_id} {self.tipo}"


class ParametroPlazo(models.Model):
    """Deadlines as data: working days per kind (defaults in ``states.PLAZOS_POR_DEFECTO``)."""

    tipo = models.CharField(_("tipo"), max_length=20, choices=TipoPlazo.choices, unique=True)
    dias_habiles = models.PositiveSmallIntegerField(_("días hábiles"))
    dias_advertencia = models.PositiveSmallIntegerField(
        _("advertir con (días hábiles restantes)"), default=3)
    descripcion = models.CharField(_("descripción"), max_length=255, blank=True)

    class Meta:
        ordering = ["tipo"]
        verbose_name = _("parámetro de plazo PISI")
        verbose_name_plural = _("parámetros de plazos PISI")

    def __str__(self) -> str:
        return f"{self.get_tipo_display()}: {self.dias_habiles} días hábiles"


class Plazo(models.Model):
    """One running (or met) deadline of a plan. ``advertir_desde`` is precomputed so that the
    sweep selects due rows by index instead of scanning every open deadline."""

    plan = models.ForeignKey(PlanInstitucional, on_delete=models.CASCADE, related_name="plazos")
    tipo = models.CharField(_("tipo"), max_length=20, choices=TipoPlazo.choices)
    responsable = models.CharField(_("responsable"), max_length=10)  # "cgii" | "entidad"
    dias_habiles = models.PositiveSmallIntegerField(_("días hábiles"))
    inicio = models.DateField(_("inicio"))
    vence = models.DateField(_("vence"))
    advertir_desde = models.DateField(_("advertir desde"))
    cumplido_en = models.DateTimeField(_("cumplido en"), null=True, blank=True)
    advertido_en = models.DateTimeField(_("advertido en"), null=True, blank=True)
    vencido_en = models.DateTimeField(_("marcado vencido en"), null=True, blank=True)

    class Meta:
        ordering = ["plan", "inicio", "id"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "tipo"], condition=Q(cumplido_en__isnull=True),
                                    name="pisi_plazo_abierto_unico"),
        ]
        indexes = [
            models.Index(fields=["advertir_desde"], condition=Q(cumplido_en__isnull=True,
                                                                advertido_en__isnull=True),
                         name="pisi_plazo_por_advertir"),
            models.Index(fields=["vence"], condition=Q(cumplido_en__isnull=True,
                                                       vencido_en__isnull=True),
                         name="pisi_plazo_por_vencer"),
        ]
        verbose_name = _("plazo")
        verbose_name_plural = _("plazos")

    def __str__(self) -> str:
        return f"{self.get_tipo_display()} → {self.vence}"

    @property
    def abierto(self) -> bool:
        return self.cumplido_en is None


class EstadoImplementacion(models.TextChoices):
    NO_INICIADO = "no_iniciado", _("No iniciado")
    EN_PROCESO = "en_proceso", _("En proceso")
    IMPLEMENTADO = "implementado", _("Implementado")


class Aplicabilidad(models.Model):
    """One row of the Statement of Applicability: one control of the plan's catalog."""

    plan = models.ForeignKey(PlanInstitucional, on_delete=models.CASCADE, related_name="soa")
    control = models.ForeignKey("Control", on_delete=models.PROTECT, related_name="+")
    aplica = models.BooleanField(_("aplica"), null=True, blank=True)
    justificacion = models.TextField(_("justificación"), blank=True)
    estado_implementacion = models.CharField(_("estado de implementación"), max_length=15,
                                             choices=EstadoImplementacion.choices,
                                             default=EstadoImplementacion.NO_INICIADO)
    madurez = models.PositiveSmallIntegerField(_("madurez (0–5)"), default=0)
    responsable = models.CharField(_("responsable"), max_length=200, blank=True)
    fecha_objetivo = models.DateField(_("fecha objetivo"), null=True, blank=True)
    peso = models.PositiveSmallIntegerField(_("peso"), default=1)
    actualizado = models.DateTimeField(_("actualizado"), auto_now=True)

    class Meta:
        ordering = ["plan", "control__orden"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "control"], name="pisi_soa_control_unico"),
            models.CheckConstraint(condition=Q(madurez__lte=5), name="pisi_soa_madurez_0_5"),
            models.CheckConstraint(condition=~Q(aplica=False) | ~Q(justificacion=""),
                                   name="pisi_soa_justificacion"),
        ]
        verbose_name = _("fila de la declaración de aplicabilidad")
        verbose_name_plural = _("declaración de aplicabilidad")

    def __str__(self) -> str:
        return f"{self.plan_id} {self.control_id}"


class Actividad(models.Model):
    plan = models.ForeignKey(PlanInstitucional, on_delete=models.CASCADE,
                             related_name="actividades")
    titulo = models.CharField(_("título"), max_length=200)
    descripcion = models.TextField(_("descripción"), blank=True)
    responsable = models.CharField(_("responsable"), max_length=200, blank=True)
    inicio_planificado = models.DateField(_("inicio planificado"))
    fin_planificado = models.DateField(_("fin planificado"))
    inicio_real = models.DateField(_("inicio real"), null=True, blank=True)
    fin_real = models.DateField(_("fin real"), null=True, blank=True)
    avance = models.PositiveSmallIntegerField(_("avance %"), default=0)
    controles = models.ManyToManyField(Aplicabilidad, blank=True, related_name="actividades",
                                       verbose_name=_("controles"))
    creado = models.DateTimeField(_("creado"), default=timezone.now)
    actualizado = models.DateTimeField(_("actualizado"), auto_now=True)

    class Meta:
        ordering = ["plan", "inicio_planificado", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(avance__lte=100), name="pisi_actividad_avance"),
            models.CheckConstraint(condition=Q(fin_planificado__gte=models.F("inicio_planificado")),
                                   name="pisi_actividad_fechas"),
        ]
        verbose_name = _("actividad del cronograma")
        verbose_name_plural = _("cronograma")

    def __str__(self) -> str:
        return self.titulo


class TipoEvidencia(models.TextChoices):
    ARCHIVO = "archivo", _("Archivo")
    ENLACE = "enlace", _("Enlace")


class EstadoEvidencia(models.TextChoices):
    BORRADOR = "borrador", _("Borrador")
    EN_REVISION = "en_revision", _("En revisión")
    APROBADA = "aprobada", _("Aprobada")
    RECHAZADA = "rechazada", _("Rechazada")
    VENCIDA = "vencida", _("Vencida")


class Evidencia(models.Model):
    plan = models.ForeignKey(PlanInstitucional, on_delete=models.CASCADE,
                             related_name="evidencias")
    aplicabilidad = models.ForeignKey(Aplicabilidad, on_delete=models.SET_NULL, null=True,
                                      blank=True, related_name="evidencias",
                                      verbose_name=_("control"))
    actividad = models.ForeignKey(Actividad, on_delete=models.SET_NULL, null=True, blank=True,
                                  related_name="evidencias", verbose_name=_("actividad"))
    tipo = models.CharField(_("tipo"), max_length=10, choices=TipoEvidencia.choices)
    titulo = models.CharField(_("título"), max_length=255)
    descripcion = models.TextField(_("descripción"), blank=True)
    url = models.URLField(_("enlace"), max_length=500, blank=True)
    nombre = models.CharField(_("archivo"), max_length=255, blank=True)
    ruta = models.CharField(_("ruta interna"), max_length=255, blank=True)
    tipo_mime = models.CharField(_("tipo MIME"), max_length=120, blank=True)
    tamano = models.BigIntegerField(_("tamaño (bytes)"), null=True, blank=True)
    sha256 = models.CharField("SHA-256", max_length=64, blank=True)
    estado = models.CharField(_("estado"), max_length=12, choices=EstadoEvidencia.choices,
                              default=EstadoEvidencia.BORRADOR)
    fecha_vencimiento = models.DateField(_("vence"), null=True, blank=True)
    subido_por = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                   related_name="+")
    revisado_por = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                     null=True, blank=True, related_name="+")
    revisado_en = models.DateTimeField(_("revisado en"), null=True, blank=True)
    motivo_rechazo = models.TextField(_("motivo del rechazo"), blank=True)
    creado = models.DateTimeField(_("creado"), default=timezone.now)

    class Meta:
        ordering = ["plan", "-creado", "-id"]
        indexes = [
            models.Index(fields=["fecha_vencimiento"], condition=Q(estado="aprobada"),
                         name="pisi_evidencia_por_vencer"),
        ]
        verbose_name = _("evidencia del plan")
        verbose_name_plural = _("evidencias de planes")

    def __str__(self) -> str:
        return self.titulo
