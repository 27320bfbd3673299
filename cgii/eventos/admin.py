from django.conf import settings
from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from cgii.admin_lectura import TablaGrandeAdmin
from cgii.eventos import services
from cgii.eventos.models import (
    EntregaSumidero,
    EstadoSumidero,
    Evento,
    Notificacion,
    PreferenciaNotificacion,
)


class EstadoFiltro(admin.SimpleListFilter):
    title = _("estado")
    parameter_name = "estado"

    def lookups(self, request, model_admin):
        return [
            ("pendiente", _("Pendiente")),
            ("agotado", _("Agotado (requiere revisión)")),
            ("entregado", _("Entregado")),
        ]

    def queryset(self, request, queryset):
        valor = self.value()
        if valor == "pendiente":
            return queryset.filter(entregado_en__isnull=True)
        if valor == "agotado":
            return queryset.filter(entregado_en__isnull=True,
                                   intentos__gte=settings.EVENTOS_MAX_INTENTOS)
        if valor == "entregado":
            return queryset.filter(entregado_en__isnull=False)
        return queryset


class EntregaSumideroInline(admin.TabularInline):
    """What the sinks still owe this event (done deliveries leave no row)."""

    model = EntregaSumidero
    extra = 0
    can_delete = False
    fields = readonly_fields = ("sumidero", "intentos", "disponible_desde", "ultimo_error")

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Evento)
class EventoAdmin(TablaGrandeAdmin):
    """Read-only: the outbox is written by services and the dispatcher only."""

    list_display = ("id", "tipo", "entidad_id", "creado", "estado", "intentos",
                    "disponible_desde", "entregado_en")
    list_filter = (EstadoFiltro, "tipo")
    search_fields = ("tipo", "=id", "=entidad_id")
    date_hierarchy = "creado"
    inlines = [EntregaSumideroInline]
    actions = ["reintentar_ahora"]

    @admin.display(description=_("estado"))
    def estado(self, obj: Evento) -> str:
        if not obj.pendiente:
            return _("entregado")
        return _("AGOTADO") if obj.agotado else _("pendiente")

    def has_reintentar_permission(self, request) -> bool:
        # The model's change permission grants the action, the form stays read-only.
        return request.user.has_perm("eventos.change_evento")

    @admin.action(description=_("Reintentar ahora"), permissions=["reintentar"])
    def reintentar_ahora(self, request, queryset):
        cantidad = services.eventos_reintentar(ids=list(queryset.values_list("id", flat=True)))
        self.message_user(request, ngettext(
            "%(n)d evento pendiente se reintentará ahora.",
            "%(n)d eventos pendientes se reintentarán ahora.", cantidad) % {"n": cantidad},
            messages.SUCCESS)


@admin.register(EstadoSumidero)
class EstadoSumideroAdmin(admin.ModelAdmin):
    """Read-only health of each sink: a paused one is waiting out a failure."""

    list_display = ("nombre", "fallos_seguidos", "pausado_hasta", "ultimo_exito", "ultimo_error")
    readonly_fields = [f.name for f in EstadoSumidero._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Notificacion)
class NotificacionAdmin(admin.ModelAdmin):
    list_display = ("usuario", "tipo", "texto", "leida_en", "creado")
    list_filter = ("tipo",)
    list_select_related = ("usuario",)
    show_full_result_count = False

    def has_add_permission(self, request):
        return False


@admin.register(PreferenciaNotificacion)
class PreferenciaNotificacionAdmin(admin.ModelAdmin):
    list_display = ("usuario", "tipo", "en_app", "email")
    list_select_related = ("usuario",)
