"""PISI API serializers. The values a request may send for a transition or an action are
enums (issue 16: a client generated from the schema must not send values the API refuses);
their schema names are set in SPECTACULAR_SETTINGS["ENUM_NAME_OVERRIDES"]."""

from rest_framework import serializers

from ..models import (
    Actividad,
    Aplicabilidad,
    EntradaPlan,
    Evidencia,
    Hallazgo,
    PeriodoSeguimiento,
    PlanInstitucional,
    RevisionControl,
    SnapshotControl,
)
from ..states import Transicion, TransicionPeriodo


class PisiEntidadRef(serializers.Serializer):
    id = serializers.IntegerField()
    sigla = serializers.CharField()
    nombre = serializers.CharField()


class PisiUsuarioRef(serializers.Serializer):
    id = serializers.IntegerField()
    nombre = serializers.SerializerMethodField()

    def get_nombre(self, u) -> str:
        return u.get_full_name() or u.username


class CatalogoRef(serializers.Serializer):
    id = serializers.IntegerField()
    codigo = serializers.CharField()
    nombre = serializers.CharField()
    version = serializers.IntegerField()


class CatalogoSerializer(CatalogoRef):
    vigente = serializers.BooleanField()
    n_controles = serializers.IntegerField()
    atributos = serializers.JSONField()
    completo = serializers.BooleanField(help_text=(
        "False: el archivo lista solo parte de su fuente (el catálogo nacional trae lo que se "
        "pudo verificar); nunca es el catálogo por defecto."))
    minimos_verificados = serializers.BooleanField()


class ControlSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    numero = serializers.CharField()
    titulo = serializers.CharField()
    titulo_en = serializers.CharField()
    dominio = serializers.CharField(source="dominio.numero")
    dominio_titulo = serializers.CharField(source="dominio.titulo")
    objetivo = serializers.CharField(source="objetivo.numero", allow_null=True, default=None)
    atributos = serializers.JSONField()
    minimo = serializers.BooleanField(help_text=(
        "Control mínimo del lineamiento nacional (§6.2.3.2): no puede excluirse."))


class PlanListaSerializer(serializers.ModelSerializer):
    entidad = PisiEntidadRef()
    catalogo = CatalogoRef()
    rsi = PisiUsuarioRef(allow_null=True)
    estado = serializers.CharField(help_text="borrador | presentado | en_revision | observado | "
                                             "conforme | aprobado | vigente | en_actualizacion | "
                                             "reemplazado | vencido")
    estado_display = serializers.CharField(source="get_estado_display")
    proximo_vence = serializers.DateField(allow_null=True, read_only=True, default=None,
                                          help_text="Vencimiento del plazo abierto más cercano.")

    class Meta:
        model = PlanInstitucional
        fields = ["id", "entidad", "gestion", "version", "estado", "estado_display", "catalogo",
                  "rsi", "codigo_verificacion", "vigencia_desde", "vigencia_hasta",
                  "proximo_vence", "presentado_en", "conforme_en", "aprobado_en", "vigente_en",
                  "actualizado"]


class DocumentoSerializer(serializers.Serializer):
    nombre = serializers.CharField()
    tipo_mime = serializers.CharField()
    tamano = serializers.IntegerField(allow_null=True)
    sha256 = serializers.CharField()


class PlanDetalleSerializer(PlanListaSerializer):
    politica = serializers.SerializerMethodField()
    resolucion = serializers.SerializerMethodField()
    editable = serializers.BooleanField()
    anterior_id = serializers.IntegerField(allow_null=True)

    class Meta(PlanListaSerializer.Meta):
        fields = [*PlanListaSerializer.Meta.fields, "alcance", "comite", "inventario_activos",
                  "evaluacion_riesgos", "politica", "politica_aprobada_en", "resolucion",
                  "resolucion_cite", "resolucion_fecha", "observaciones", "anterior_id",
                  "editable", "creado"]

    def _doc(self, plan, tipo):
        if not getattr(plan, f"{tipo}_ruta"):
            return None
        return {k: getattr(plan, f"{tipo}_{k}") for k in ("nombre", "tipo_mime", "tamano",
                                                         "sha256")}

    def get_politica(self, plan) -> DocumentoSerializer(allow_null=True):
        return self._doc(plan, "politica")

    def get_resolucion(self, plan) -> DocumentoSerializer(allow_null=True):
        return self._doc(plan, "resolucion")


class TransicionOpcionPlanSerializer(serializers.Serializer):
    nombre = serializers.CharField()
    etiqueta = serializers.CharField()
    destino = serializers.CharField()
    disponible = serializers.BooleanField()
    motivos = serializers.ListField(child=serializers.CharField())
    campos = serializers.ListField(child=serializers.CharField(), help_text=(
        "Campos que se envían con la transición (observaciones, CITE y fecha, vigencia)."))


class PlazoSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    tipo = serializers.CharField(help_text="revision_cgii | ajuste_entidad | aprobacion_mae | "
                                           "registro")
    etiqueta = serializers.CharField()
    responsable = serializers.CharField(help_text="cgii | entidad")
    inicio = serializers.DateField()
    vence = serializers.DateField()
    dias_habiles = serializers.IntegerField()
    dias_restantes = serializers.IntegerField(help_text="Días hábiles restantes (negativo: de "
                                                        "retraso).")
    estado = serializers.CharField(help_text="en_plazo | advertencia | vencido | cumplido | "
                                             "cumplido_tarde")
    cumplido_en = serializers.DateTimeField(allow_null=True)


class EntradaPlanSerializer(serializers.ModelSerializer):
    actor = serializers.SerializerMethodField()
    tipo = serializers.CharField()

    class Meta:
        model = EntradaPlan
        fields = ["id", "tipo", "actor", "texto", "datos", "creado"]

    def get_actor(self, e) -> str:
        return (e.actor.get_full_name() or e.actor.username) if e.actor else "sistema"


class FilaSoASerializer(serializers.ModelSerializer):
    control = ControlSerializer()
    estado_implementacion = serializers.CharField(help_text="no_iniciado | en_proceso | "
                                                            "implementado")
    n_actividades = serializers.IntegerField(read_only=True, default=0)
    n_evidencias = serializers.IntegerField(read_only=True, default=0)

    class Meta:
        model = Aplicabilidad
        fields = ["id", "control", "aplica", "justificacion", "estado_implementacion",
                  "madurez", "responsable", "fecha_objetivo", "peso", "n_actividades",
                  "n_evidencias", "actualizado"]


class ActividadSerializer(serializers.ModelSerializer):
    controles = serializers.SerializerMethodField()
    atrasada = serializers.BooleanField(read_only=True, default=False)

    class Meta:
        model = Actividad
        fields = ["id", "titulo", "descripcion", "responsable", "inicio_planificado",
                  "fin_planificado", "inicio_real", "fin_real", "avance", "controles",
                  "atrasada", "creado", "actualizado"]

    def get_controles(self, act) -> list[str]:
        return [f.control.numero for f in act.controles.all()]


class EvidenciaPlanSerializer(serializers.ModelSerializer):
    tipo = serializers.CharField(help_text="archivo | enlace")
    estado = serializers.CharField(help_text="borrador | en_revision | aprobada | rechazada | "
                                             "vencida")
    control = serializers.SerializerMethodField()
    subido_por = PisiUsuarioRef()
    revisado_por = PisiUsuarioRef(allow_null=True)

    class Meta:
        model = Evidencia
        fields = ["id", "tipo", "titulo", "descripcion", "url", "nombre", "tipo_mime", "tamano",
                  "sha256", "estado", "fecha_vencimiento", "control", "actividad_id",
                  "subido_por", "revisado_por", "revisado_en", "motivo_rechazo", "creado"]

    def get_control(self, ev) -> str | None:
        return ev.aplicabilidad.control.numero if ev.aplicabilidad_id else None


class PeriodoSerializer(serializers.ModelSerializer):
    estado = serializers.CharField(help_text="abierto | en_revision | cerrado")
    n_controles = serializers.IntegerField(read_only=True, default=None)
    n_revisados = serializers.IntegerField(read_only=True, default=None)

    class Meta:
        model = PeriodoSeguimiento
        fields = ["id", "nombre", "fecha_corte", "estado", "creado", "presentado_en",
                  "cerrado_en", "n_controles", "n_revisados"]


class RevisionSerializer(serializers.ModelSerializer):
    control = serializers.CharField(source="aplicabilidad.control.numero")
    control_titulo = serializers.CharField(source="aplicabilidad.control.titulo")
    dominio = serializers.CharField(source="aplicabilidad.control.dominio.numero")
    aplica = serializers.BooleanField(source="aplicabilidad.aplica", allow_null=True)
    estado_implementacion = serializers.CharField(source="aplicabilidad.estado_implementacion")
    estado_reportado = serializers.CharField()
    resultado = serializers.CharField(help_text="'' (sin revisar) | cumple | "
                                                "cumple_parcialmente | no_cumple | no_aplica")
    reportado_por = PisiUsuarioRef(allow_null=True)
    revisado_por = PisiUsuarioRef(allow_null=True)

    class Meta:
        model = RevisionControl
        fields = ["id", "control", "control_titulo", "dominio", "aplica",
                  "estado_implementacion", "estado_reportado", "madurez_reportada",
                  "comentario_entidad", "reportado_por", "reportado_en", "resultado",
                  "comentario_auditor", "revisado_por", "revisado_en"]


class SnapshotSerializer(serializers.ModelSerializer):
    class Meta:
        model = SnapshotControl
        fields = ["control_numero", "control_titulo", "dominio_numero", "dominio_titulo",
                  "aplica", "estado_implementacion", "madurez", "resultado", "puntaje", "peso",
                  "evidencias_aprobadas", "evidencia_presente", "hallazgos_abiertos", "creado"]
        extra_kwargs = {"estado_implementacion": {"help_text": "no_iniciado | en_proceso | "
                                                               "implementado"}}


class HallazgoSerializer(serializers.ModelSerializer):
    grado = serializers.CharField(help_text="no_conformidad_mayor | no_conformidad_menor | "
                                            "observacion | oportunidad_mejora")
    estado = serializers.CharField(help_text="abierto | cerrado")
    origen = serializers.CharField(help_text="auditoria | incidente | autoevaluacion")
    atrasado = serializers.BooleanField(read_only=True, default=False)

    class Meta:
        model = Hallazgo
        fields = ["id", "periodo_id", "control_numero", "grado", "descripcion", "causa_raiz",
                  "accion_correctiva", "responsable", "fecha_compromiso", "estado", "origen",
                  "incidente_codigo", "atrasado", "creado", "cerrado_en", "comentario_cierre"]


class TendenciaSerializer(serializers.Serializer):
    periodo_id = serializers.IntegerField()
    nombre = serializers.CharField()
    fecha_corte = serializers.DateField()
    cerrado_en = serializers.DateTimeField()
    cumplimiento = serializers.FloatField(allow_null=True, help_text="% ponderado (N/A excluido)")
    evaluados = serializers.IntegerField()
    cumple = serializers.IntegerField()
    parcial = serializers.IntegerField()
    no_cumple = serializers.IntegerField()
    no_aplica = serializers.IntegerField()
    implementados = serializers.IntegerField()
    con_evidencia = serializers.IntegerField()
    madurez_promedio = serializers.FloatField(allow_null=True)
    por_dominio = serializers.DictField(child=serializers.FloatField(allow_null=True))


class AprobacionPublicaSerializer(serializers.Serializer):
    codigo = serializers.CharField()
    aprobado_en = serializers.DateTimeField()
    sha256 = serializers.CharField()


class VerificacionSerializer(serializers.Serializer):
    codigo = serializers.CharField()
    entidad = serializers.CharField()
    sigla = serializers.CharField()
    gestion = serializers.IntegerField()
    version = serializers.IntegerField()
    estado = serializers.CharField()
    estado_display = serializers.CharField()
    catalogo = serializers.CharField()
    conforme_en = serializers.DateTimeField()
    resolucion_cite = serializers.CharField(allow_null=True)
    resolucion_fecha = serializers.DateField(allow_null=True)
    vigencia_desde = serializers.DateField(allow_null=True)
    vigencia_hasta = serializers.DateField(allow_null=True)
    aprobacion = AprobacionPublicaSerializer(allow_null=True, help_text=(
        "Aprobación de Documentos de Ciudadanía Digital del resumen de conformidad, si hubo."))


# ---- input ------------------------------------------------------------------------------

class PlanEditarSerializer(serializers.Serializer):
    alcance = serializers.CharField(required=False, allow_blank=True)
    rsi_id = serializers.IntegerField(required=False, allow_null=True)
    comite = serializers.ListField(child=serializers.DictField(), required=False,
                                   help_text='[{"nombre", "cargo", "rol", "unidad", "correo"}]')
    inventario_activos = serializers.ListField(
        child=serializers.DictField(), required=False,
        help_text="Retirado: el inventario es de registros (…/activos/); enviarlo da 400.")
    evaluacion_riesgos = serializers.ListField(
        child=serializers.DictField(), required=False,
        help_text="Retirado: la evaluación es de registros (…/riesgos/); enviarlo da 400.")
    politica_aprobada_en = serializers.DateField(required=False, allow_null=True)
    vigencia_desde = serializers.DateField(required=False, allow_null=True)
    vigencia_hasta = serializers.DateField(required=False, allow_null=True)
    resolucion_cite = serializers.CharField(required=False, allow_blank=True, max_length=120)
    resolucion_fecha = serializers.DateField(required=False, allow_null=True)


class PlanCrearSerializer(PlanEditarSerializer):
    entidad = serializers.IntegerField(required=False, help_text=(
        "Id de la entidad; opcional si el usuario pertenece a una sola."))
    gestion = serializers.IntegerField(min_value=2000, max_value=2100)
    catalogo = serializers.CharField(required=False, default=None, allow_null=True, help_text=(
        "ctic-se-p1 | iso27002-2013 | iso27002-2022; por defecto el catálogo nacional si "
        "está completo, si no ISO/IEC 27002:2013"))
    resolucion_cite = None
    resolucion_fecha = None


# What people may fire through the API (replacing and expiring are the system's own).
TRANSICIONES_PLAN = [(t.value, t.label) for t in Transicion
                     if t not in (Transicion.REEMPLAZAR, Transicion.VENCER)]
TRANSICIONES_PERIODO = TransicionPeriodo.choices
ACCIONES_EVIDENCIA = [("presentar", "presentar (entidad)"), ("aprobar", "aprobar (CGII)"),
                      ("rechazar", "rechazar (CGII)")]
CATALOGOS = [("ctic-se-p1", "CTIC-SE-P1 (Anexo A, nacional)"),
             ("iso27002-2013", "ISO/IEC 27002:2013"), ("iso27002-2022", "ISO/IEC 27002:2022")]


class TransicionPlanSerializer(serializers.Serializer):
    transicion = serializers.ChoiceField(choices=TRANSICIONES_PLAN)
    comentario = serializers.CharField(required=False, allow_blank=True, default="")
    observaciones = serializers.CharField(required=False, allow_blank=True)
    resolucion_cite = serializers.CharField(required=False, allow_blank=True, max_length=120)
    resolucion_fecha = serializers.DateField(required=False)
    resolucion_codigo_aprobacion = serializers.CharField(
        required=False, allow_blank=True, max_length=80, help_text=(
            "Con «registrar_resolucion», cuando Aprobación de Documentos de Ciudadanía "
            "Digital está en uso: el código de la aprobación que la resolución cita."))
    vigencia_desde = serializers.DateField(required=False)
    vigencia_hasta = serializers.DateField(required=False)
    archivo = serializers.FileField(required=False, help_text=(
        "Con «registrar_resolucion» (multipart): el documento de la resolución, adjuntado en "
        "la misma transacción."))


class ComentarioPlanSerializer(serializers.Serializer):
    comentario = serializers.CharField(required=False, allow_blank=True, default="")


class MigrarCatalogoSerializer(serializers.Serializer):
    catalogo = serializers.ChoiceField(choices=CATALOGOS)


class DocumentoSubirSerializer(serializers.Serializer):
    archivo = serializers.FileField()


class FilaSoAEditarSerializer(serializers.Serializer):
    aplica = serializers.BooleanField(required=False, allow_null=True)
    justificacion = serializers.CharField(required=False, allow_blank=True)
    estado_implementacion = serializers.CharField(required=False, help_text=(
        "no_iniciado | en_proceso | implementado"))
    madurez = serializers.IntegerField(required=False, min_value=0, max_value=5)
    responsable = serializers.CharField(required=False, allow_blank=True, max_length=200)
    fecha_objetivo = serializers.DateField(required=False, allow_null=True)


class CambioSoASerializer(FilaSoAEditarSerializer):
    id = serializers.IntegerField(required=False)
    control = serializers.CharField(required=False)

    def validate(self, datos):
        if "id" not in datos and "control" not in datos:
            raise serializers.ValidationError("Indique «id» o «control».")
        return datos


class SoALoteSerializer(serializers.Serializer):
    cambios = CambioSoASerializer(many=True)


class ActividadEditarSerializer(serializers.Serializer):
    titulo = serializers.CharField(required=False, max_length=200)
    descripcion = serializers.CharField(required=False, allow_blank=True)
    responsable = serializers.CharField(required=False, allow_blank=True, max_length=200)
    inicio_planificado = serializers.DateField(required=False)
    fin_planificado = serializers.DateField(required=False)
    inicio_real = serializers.DateField(required=False, allow_null=True)
    fin_real = serializers.DateField(required=False, allow_null=True)
    avance = serializers.IntegerField(required=False, min_value=0, max_value=100)
    controles = serializers.ListField(child=serializers.CharField(), required=False,
                                      help_text='Números de control: ["5.1.1", "9.2.3"]')


class ActividadCrearSerializer(ActividadEditarSerializer):
    titulo = serializers.CharField(max_length=200)
    inicio_planificado = serializers.DateField()
    fin_planificado = serializers.DateField()


class EvidenciaCrearSerializer(serializers.Serializer):
    archivo = serializers.FileField(required=False, help_text="Archivo (multipart) o «url».")
    url = serializers.CharField(required=False, max_length=500)
    titulo = serializers.CharField(required=False, allow_blank=True, default="", max_length=255)
    descripcion = serializers.CharField(required=False, allow_blank=True, default="")
    control = serializers.CharField(required=False, allow_blank=True, allow_null=True)
    actividad_id = serializers.IntegerField(required=False, allow_null=True)
    fecha_vencimiento = serializers.DateField(required=False, allow_null=True)
    presentar = serializers.BooleanField(required=False, default=False,
                                         help_text="Enviarla a revisión en la misma operación.")

    def validate(self, datos):
        if bool(datos.get("archivo")) == bool(datos.get("url")):
            raise serializers.ValidationError("Envíe un archivo o un enlace (uno de los dos).")
        return datos


class EvidenciaEstadoSerializer(serializers.Serializer):
    accion = serializers.ChoiceField(choices=ACCIONES_EVIDENCIA)
    motivo = serializers.CharField(required=False, allow_blank=True, default="")


class PeriodoCrearSerializer(serializers.Serializer):
    fecha_corte = serializers.DateField(required=False, allow_null=True)
    nombre = serializers.CharField(required=False, allow_blank=True, default="", max_length=120)


class PeriodoTransicionSerializer(serializers.Serializer):
    transicion = serializers.ChoiceField(choices=TRANSICIONES_PERIODO)
    comentario = serializers.CharField(required=False, allow_blank=True, default="")


class AvanceSerializer(serializers.Serializer):
    control = serializers.CharField()
    estado_implementacion = serializers.CharField(required=False, help_text=(
        "no_iniciado | en_proceso | implementado"))
    madurez = serializers.IntegerField(required=False, min_value=0, max_value=5)
    comentario = serializers.CharField(required=False, allow_blank=True, default="")
    archivo = serializers.FileField(required=False, help_text=(
        "Evidencia del control (multipart), enviada a revisión en la misma operación."))
    titulo_evidencia = serializers.CharField(required=False, allow_blank=True, default="",
                                             max_length=255)


class RevisionItemSerializer(serializers.Serializer):
    control = serializers.CharField()
    resultado = serializers.CharField(help_text="cumple | cumple_parcialmente | no_cumple | "
                                                "no_aplica")
    comentario = serializers.CharField(required=False, allow_blank=True, default="")


class RevisionesSerializer(serializers.Serializer):
    revisiones = serializers.ListField(child=RevisionItemSerializer(), min_length=1)


class HallazgoEditarSerializer(serializers.Serializer):
    grado = serializers.CharField(required=False, help_text=(
        "no_conformidad_mayor | no_conformidad_menor | observacion | oportunidad_mejora"))
    descripcion = serializers.CharField(required=False)
    causa_raiz = serializers.CharField(required=False, allow_blank=True)
    accion_correctiva = serializers.CharField(required=False, allow_blank=True)
    responsable = serializers.CharField(required=False, allow_blank=True, max_length=200)
    fecha_compromiso = serializers.DateField(required=False, allow_null=True)


class HallazgoCrearSerializer(HallazgoEditarSerializer):
    grado = serializers.CharField(help_text=(
        "no_conformidad_mayor | no_conformidad_menor | observacion | oportunidad_mejora"))
    descripcion = serializers.CharField()
    control = serializers.CharField(required=False, allow_blank=True, allow_null=True)
    periodo_id = serializers.IntegerField(required=False, allow_null=True)


class CierreSerializer(serializers.Serializer):
    comentario = serializers.CharField()


class PlanCrearDocSerializer(PlanCrearSerializer):
    """The request as documented: ``entidad`` required (staff and users of several entities
    must send it; the server still takes a single-entity user's own when omitted)."""

    entidad = serializers.IntegerField(help_text=(
        "Id de la entidad. El servidor lo deduce si el usuario pertenece a una sola."))
