from django.contrib import admin, messages
from django.contrib.auth import REDIRECT_FIELD_NAME
from django.contrib.auth.admin import UserAdmin
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from cgii.errores import PermisoDenegado

from .models import Entidad, Membresia, TokenAPI, Usuario
from .services import PREFIJO_CLAVE, token_revocar

# --- The admin goes through our login (password + TOTP), never through its own form ------


def _ingreso_admin(request, extra_context=None):
    if request.user.is_authenticated:
        # Logged in but not allowed here; redirecting would loop between the two logins.
        raise PermissionDenied
    destino = request.GET.get(REDIRECT_FIELD_NAME) or reverse("admin:index")
    return redirect_to_login(destino, reverse("entidades:login"))


_permiso_admin_original = admin.site.has_permission


def _permiso_admin(request) -> bool:
    # Second line behind SegundoFactorPersonalMiddleware: no admin page without TOTP.
    verificado = getattr(request.user, "is_verified", None)
    return bool(_permiso_admin_original(request) and verificado and verificado())


admin.site.login = _ingreso_admin
admin.site.has_permission = _permiso_admin
admin.site.site_header = _("Administración del CGII")
admin.site.site_title = _("CGII")
admin.site.index_title = _("Administración")


class MembresiaEnLinea(admin.TabularInline):
    model = Membresia
    extra = 0
    autocomplete_fields = ["entidad"]
    fields = ["entidad", "rol", "activa"]


@admin.register(Usuario)
class UsuarioAdmin(UserAdmin):
    inlines = [MembresiaEnLinea]
    list_display = ["username", "first_name", "last_name", "email", "is_staff", "is_active"]
    list_filter = ["is_staff", "is_active", "groups", "membresias__entidad__nivel"]
    fieldsets = [
        *UserAdmin.fieldsets,
        (_("Datos de contacto"), {"fields": ["telefono", "cargo"]}),
    ]


@admin.register(Entidad)
class EntidadAdmin(admin.ModelAdmin):
    list_display = ["sigla", "nombre", "nivel", "tipo", "sector", "critica", "activa"]
    list_filter = ["nivel", "tipo", "critica", "activa"]
    search_fields = ["nombre", "sigla", "sector"]
    ordering = ["nombre"]


@admin.register(Membresia)
class MembresiaAdmin(admin.ModelAdmin):
    list_display = ["usuario", "entidad", "rol", "activa", "creado"]
    list_filter = ["rol", "activa", "entidad__nivel"]
    search_fields = ["usuario__username", "usuario__first_name", "usuario__last_name",
                     "entidad__sigla", "entidad__nombre"]
    autocomplete_fields = ["usuario", "entidad"]
    list_select_related = ["usuario", "entidad"]


class ActivoFiltro(admin.SimpleListFilter):
    title = _("estado")
    parameter_name = "activo"

    def lookups(self, request, model_admin):
        return [("si", _("Activo")), ("no", _("Revocado"))]

    def queryset(self, request, queryset):
        if self.value() == "si":
            return queryset.filter(revocado_en__isnull=True)
        if self.value() == "no":
            return queryset.filter(revocado_en__isnull=False)
        return queryset


@admin.register(TokenAPI)
class TokenAPIAdmin(admin.ModelAdmin):
    """Tokens are created only where the key can be shown once (API, ``token_api``); here
    they are looked at and revoked. The stored hash is shown abbreviated, never in full."""

    list_display = ["nombre", "prefijo_visible", "usuario", "entidad", "creado", "ultimo_uso",
                    "esta_activo"]
    list_filter = [ActivoFiltro, "entidad"]
    search_fields = ["nombre", "prefijo", "usuario__username", "entidad__sigla"]
    list_select_related = ["usuario", "entidad"]
    fields = ["nombre", "usuario", "entidad", "alcance", "prefijo_visible", "hash_abreviado",
              "creado", "expira", "ultimo_uso", "revocado_en"]
    readonly_fields = ["usuario", "entidad", "alcance", "prefijo_visible", "hash_abreviado",
                       "creado", "expira", "ultimo_uso", "revocado_en"]
    actions = ["revocar"]

    def has_add_permission(self, request) -> bool:
        return False

    @admin.display(description=_("prefijo"), ordering="prefijo")
    def prefijo_visible(self, token: TokenAPI) -> str:
        return f"{PREFIJO_CLAVE}{token.prefijo}…"

    @admin.display(description=_("hash (SHA-256)"))
    def hash_abreviado(self, token: TokenAPI) -> str:
        return f"{token.hash[:10]}…" if token.hash else ""

    @admin.display(description=_("activo"), boolean=True)
    def esta_activo(self, token: TokenAPI) -> bool:
        return token.activo

    @admin.action(description=_("Revocar los tokens seleccionados"),
                  permissions=["change"])
    def revocar(self, request, queryset):
        revocados = 0
        for token in queryset.filter(revocado_en__isnull=True):
            try:
                token_revocar(token=token, actor=request.user)
            except PermisoDenegado as error:
                self.message_user(request, f"{token}: {error.message}", messages.ERROR)
                continue
            revocados += 1
        self.message_user(request, ngettext("Se revocó %(n)d token.", "Se revocaron %(n)d tokens.",
                                            revocados) % {"n": revocados}, messages.SUCCESS)
