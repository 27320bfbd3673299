from django.db import DatabaseError
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field, extend_schema_serializer
from rest_framework import serializers

from cgii.api import CamposEnCache

from ..models import TLP, EntradaTimeline, Evidencia, Incidente, Nivel, Origen, Tarea
from ..services.reporte import TIPOS_REPORTE
from ..states import Transicion


class _Ref(serializers.Serializer):
    id = serializers.IntegerField()


class EntidadRef(_Ref):
    sigla = serializers.CharField()
    nombre = serializers.CharField()


class UsuarioRef(_Ref):
    nombre = serializers.SerializerMethodField()

    def get_nombre(self, u) -> str:
        return u.get_full_name() or u.username


class TipoRef(serializers.Serializer):
    codigo = serializers.CharField()
    nombre = serializers.CharField()


class IncidenteListaSerializer(CamposEnCache, serializers.ModelSerializer):
    entidad = EntidadRef()
    analista = UsuarioRef(allow_null=True)
    tipo = TipoRef(allow_null=True)
    estado_display = serializers.CharField(source="get_estado_display")

    class Meta:
        model = Incidente
        fields = ["id", "codigo", "titulo", "estado", "estado_display", "prioridad", "tlp",
                  "tipo", "entidad", "analista", "origen", "vence_sla", "estado_sla",
                  "detectado_en", "creado", "actualizado"]


class TareaSerializer(CamposEnCache, serializers.ModelSerializer):
    # Whether the requesting user may change this step (selectors.tareas_visibles sets it).
    editable = serializers.SerializerMethodField()

    class Meta:
        model = Tarea
        fields = ["id", "codigo_paso", "fase", "orden", "titulo", "instrucciones", "obligatoria",
                  "rol", "requiere_evidencia", "requiere_nota", "estado", "asignado",
                  "vence_en", "nota", "evidencia", "completada_por", "completada_en",
                  "editable"]

    def get_editable(self, tarea) -> bool | None:
        return getattr(tarea, "editable", None)


class EntradaSerializer(CamposEnCache, serializers.ModelSerializer):
    actor = serializers.SerializerMethodField()

    class Meta:
        model = EntradaTimeline
        fields = ["id", "tipo", "actor", "visible_entidad", "texto", "datos", "creado"]

    def get_actor(self, e) -> str:
        return (e.actor.get_full_name() or e.actor.username) if e.actor else "sistema"


class EvidenciaSerializer(CamposEnCache, serializers.ModelSerializer):
    class Meta:
        model = Evidencia
        fields = ["id", "nombre", "tipo_mime", "tamano", "sha256", "descripcion",
                  "visible_entidad", "creado"]


class TransicionOpcionSerializer(serializers.Serializer):
    nombre = serializers.CharField()
    etiqueta = serializers.CharField()
    destino = serializers.CharField()
    disponible = serializers.BooleanField()
    motivos = serializers.ListField(child=serializers.CharField())


class RelojSerializer(serializers.Serializer):
    metrica = serializers.CharField()
    etiqueta = serializers.CharField()
    objetivo_min = serializers.IntegerField()
    pausado = serializers.BooleanField()
    calendario = serializers.CharField()
    estado = serializers.CharField()
    vence_en = serializers.DateTimeField(allow_null=True)
    advertencia_en = serializers.DateTimeField(allow_null=True)
    transcurrido_min = serializers.FloatField()
    restante_min = serializers.FloatField(allow_null=True)
    fraccion = serializers.FloatField()


class PosibleDuplicadoSerializer(serializers.Serializer):
    """The «posible duplicado» suggestion (incidentes.duplicados)."""

    id = serializers.IntegerField()
    codigo = serializers.CharField()
    titulo = serializers.CharField()
    similitud = serializers.FloatField(allow_null=True, help_text=_(
        "0 a 1; 1 cuando comparten indicadores."))
    motivo = serializers.ChoiceField(choices=["texto", "indicadores", "registrado"],
                                     help_text=_("«registrado»: la sugerencia guardada al "
                                                 "recibir el reporte."))


class DuplicadoRefSerializer(serializers.Serializer):
    """One duplicate of a master incident (only those the requesting user may see)."""

    id = serializers.IntegerField()
    codigo = serializers.CharField()
    titulo = serializers.CharField()
    estado = serializers.CharField()
    fusionado_en = serializers.DateTimeField(allow_null=True)


def _sugerencia(obj) -> dict | None:
    sugerencia = getattr(obj, "sugerencia_duplicado", False)
    if sugerencia is False:   # not computed by the caller: the one stored at intake
        sugerido = obj.posible_duplicado if obj.posible_duplicado_id else None
        return sugerido and {"id": sugerido.pk, "codigo": sugerido.codigo,
                             "titulo": sugerido.titulo, "similitud": None,
                             "motivo": "registrado"}
    if sugerencia is None:
        return None
    return {"id": sugerencia.incidente.pk, "codigo": sugerencia.incidente.codigo,
            "titulo": sugerencia.incidente.titulo, "similitud": (None if sugerencia.similitud is None
                                         else round(sugerencia.similitud, 3)),
            "motivo": sugerencia.motivo}


class IncidenteDetalleSerializer(IncidenteListaSerializer):
    reportante = UsuarioRef(allow_null=True)
    posible_duplicado = serializers.SerializerMethodField(help_text=_(
        "Sugerencia de «posible duplicado»: un incidente anterior de la misma entidad, dentro "
        "de la ventana configurada, con título o descripción parecidos o indicadores en "
        "común. El reporte se acepta siempre; la sugerencia solo informa."))
    duplicados = serializers.SerializerMethodField(help_text=_(
        "Incidentes marcados como duplicados de este (los que el usuario puede ver)."))
    maestro = serializers.SerializerMethodField(help_text=_(
        "Id del incidente maestro; nulo si no lo hay o si es de otra entidad."))

    @extend_schema_field(serializers.IntegerField(allow_null=True))
    def get_maestro(self, obj):
        if not hasattr(obj, "maestro_visible"):
            return obj.maestro_id
        return obj.maestro_visible.pk if obj.maestro_visible else None

    @extend_schema_field(PosibleDuplicadoSerializer(allow_null=True))
    def get_posible_duplicado(self, obj):
        return _sugerencia(obj)

    @extend_schema_field(DuplicadoRefSerializer(many=True))
    def get_duplicados(self, obj) -> list:
        filas = getattr(obj, "duplicados_visibles", [])
        return DuplicadoRefSerializer(filas, many=True).data

    class Meta(IncidenteListaSerializer.Meta):
        fields = [*IncidenteListaSerializer.Meta.fields, "reportante", "descripcion",
                  "ocurrido_en", "activos_afectados", "activos", "origen_detalle", "impacto",
                  "urgencia", "prioridad_manual", "motivo_prioridad", "maestro",
                  "motivo_rechazo", "resumen_cierre", "lecciones_aprendidas",
                  "controles_fallidos", "resuelto_en", "cerrado_en",
                  "confirmado_por_entidad_en", "posible_duplicado", "duplicados"]


# ---- input -------------------------------------------------------------------------------

class IndicadorReportadoSerializer(serializers.Serializer):
    """One indicator the reporter knows (issue 18): normalised by the indicator module; a
    bad value is a 400 on ``indicadores`` and nothing is stored."""

    tipo = serializers.ChoiceField(choices=TIPOS_REPORTE, required=False, allow_blank=True,
                                   default="", help_text=_("Vacío: se detecta del valor."))
    valor = serializers.CharField(max_length=2048)


class ReporteSerializer(serializers.Serializer):
    entidad = serializers.IntegerField(required=False, help_text=_(
        "Id de la entidad; opcional si el usuario pertenece a una sola."))
    titulo = serializers.CharField(max_length=200)
    descripcion = serializers.CharField()
    detectado_en = serializers.DateTimeField()
    ocurrido_en = serializers.DateTimeField(required=False, allow_null=True)
    activos_afectados = serializers.CharField(required=False, allow_blank=True, default="")
    activos = serializers.ListField(child=serializers.DictField(), required=False, default=list)
    origen = serializers.ChoiceField(choices=Origen.choices, required=False, default=Origen.ENTIDAD)
    origen_detalle = serializers.CharField(required=False, allow_blank=True, default="")
    tlp = serializers.ChoiceField(choices=TLP.choices, required=False, default=TLP.AMBER)
    evidencias = serializers.ListField(child=serializers.FileField(), required=False, default=list)
    categoria = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=60, help_text=_(
            "Código de un tipo de la taxonomía que quien reporta cree que corresponde, o "
            "«no-se». El CGII clasifica el incidente al triarlo."))
    indicadores = IndicadorReportadoSerializer(many=True, required=False, default=list,
                                               help_text=_("Hasta 50 indicadores."))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # As ClasificacionSerializer: the taxonomy's active codes are the schema's enum.
        from protocolos import selectors as protocolos

        try:
            codigos = protocolos.codigos_tipos()
        except DatabaseError:  # the schema built before migrate (manage.py check --deploy)
            codigos = []
        if codigos:
            self.fields["categoria"] = serializers.ChoiceField(
                choices=[("no-se", "no-se"), *[(c, c) for c in codigos]], required=False,
                allow_blank=True, default="", help_text=self.fields["categoria"].help_text)


# What people may fire through the API: the automatic close is the system's own.
TRANSICIONES_API = [c for c in Transicion.choices if c[0] != Transicion.AUTOCERRAR]


class TransicionSerializer(serializers.Serializer):
    transicion = serializers.ChoiceField(choices=TRANSICIONES_API)
    comentario = serializers.CharField(required=False, allow_blank=True, default="")
    motivo_rechazo = serializers.CharField(required=False)
    maestro_id = serializers.IntegerField(required=False)
    resumen_cierre = serializers.CharField(required=False)
    lecciones_aprendidas = serializers.CharField(required=False)
    controles_fallidos = serializers.ListField(child=serializers.CharField(), required=False)


class ClasificacionSerializer(serializers.Serializer):
    tipo = serializers.ChoiceField(choices=(), help_text=_("Código de tipo de la taxonomía."))
    impacto = serializers.ChoiceField(choices=Nivel.choices)
    urgencia = serializers.ChoiceField(choices=Nivel.choices)
    prioridad = serializers.ChoiceField(choices=["P1", "P2", "P3", "P4"], required=False)
    motivo_prioridad = serializers.CharField(required=False, allow_blank=True, default="")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # The taxonomy's active codes (a versioned catalog): the schema lists them as an
        # enum, and a code outside it is a 400 on «tipo» like any other choice.
        from protocolos import selectors as protocolos

        try:
            codigos = protocolos.codigos_tipos()
        except DatabaseError:  # the schema built before migrate (manage.py check --deploy)
            codigos = []
        if codigos:
            self.fields["tipo"].choices = [(c, c) for c in codigos]
        else:   # no taxonomy loaded yet: any text, refused by the service
            self.fields["tipo"] = serializers.CharField(help_text=_("Código de tipo."))


class FusionSerializer(serializers.Serializer):
    maestro = serializers.CharField(max_length=30, help_text=_(
        "Incidente maestro: su número o su código (CGII-2026-00012)."))
    confirmar_otra_entidad = serializers.BooleanField(required=False, default=False, help_text=_(
        "Obligatorio para unir incidentes de entidades distintas."))
    comentario = serializers.CharField(required=False, allow_blank=True, default="")


class AsignacionSerializer(serializers.Serializer):
    analista_id = serializers.IntegerField(allow_null=True)


class ComentarioSerializer(serializers.Serializer):
    texto = serializers.CharField()
    compartido = serializers.BooleanField(required=False, default=True)


class SolicitudSerializer(serializers.Serializer):
    pregunta = serializers.CharField()


# «Respuesta» is also a PISI review answer (planes_seguridad.api.revision): one component
# name each, or drf-spectacular warns (a failed ``check --deploy``).
@extend_schema_serializer(component_name="RespuestaEntidad")
class RespuestaSerializer(serializers.Serializer):
    respuesta = serializers.CharField()


class ConfirmacionSerializer(serializers.Serializer):
    comentario = serializers.CharField(required=False, allow_blank=True, default="")


class TareaActualizarSerializer(serializers.Serializer):
    estado = serializers.ChoiceField(choices=["pendiente", "en_curso", "hecha", "no_aplica"],
                                     required=False)
    nota = serializers.CharField(required=False, allow_blank=True)
    evidencia_id = serializers.IntegerField(required=False)
    asignado_id = serializers.IntegerField(required=False)


class EvidenciaSubirSerializer(serializers.Serializer):
    archivo = serializers.FileField()
    descripcion = serializers.CharField(required=False, allow_blank=True, default="")
    visible_entidad = serializers.BooleanField(required=False, default=True)


class ReporteDocSerializer(ReporteSerializer):
    """The request as documented: ``entidad`` required (staff and users of several entities
    must send it; the server still takes a single-entity user's own when omitted)."""

    entidad = serializers.IntegerField(help_text=_(
        "Id de la entidad. El servidor lo deduce si el usuario pertenece a una sola."))
