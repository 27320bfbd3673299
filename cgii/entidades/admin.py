from django.contrib import admin, messages
from django.contrib.auth import REDIRECT_FIELD_NAME
from django.contrib.auth.admin import UserAdmin
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from cgii.errores import ErrorDominio, PermisoDenegado, texto_error

from .constituencia import (
    CAMPO,
    registro_agregar,
    registro_decidir,
    registro_editar,
    registro_eliminar,
    valor_normalizado,
)
from .models import AsnEntidad, DominioEntidad, Entidad, Membresia, RedEntidad, TokenAPI, Usuario
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
        (_("Ciudadanía Digital"), {"fields": ["documento_identidad"]}),
    ]
    search_fields = [*UserAdmin.search_fields, "documento_identidad"]

    def save_model(self, request, obj, form, change):
        # An empty box means "not registered": NULL, so that many users can have none.
        obj.documento_identidad = (obj.documento_identidad or "").strip() or None
        super().save_model(request, obj, form, change)


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


# --- Constituency registry: every change through the services (audited) ----------------------


class _RegistroAdmin(admin.ModelAdmin):
    """Staff add (confirmed), confirm or reject proposals, change validity and note; the
    value itself is fixed once saved (delete and add again). Overlaps between entities:
    the registry page /entidades/constituencia/solapamientos/."""

    tipo = ""
    list_filter = ["estado", "entidad__nivel"]
    search_fields = ["entidad__sigla", "entidad__nombre"]
    autocomplete_fields = ["entidad"]
    list_select_related = ["entidad", "confirmado_por"]
    readonly_fields = ["estado", "propuesto_por", "confirmado_por", "confirmado_en", "creado"]
    actions = ["confirmar", "rechazar"]

    def get_list_display(self, request):
        return ["__str__", "entidad", "estado", "valido_desde", "valido_hasta",
                "confirmado_por", "confirmado_en"]

    def get_form(self, request, obj=None, **kwargs):
        formulario = super().get_form(request, obj, **kwargs)
        tipo, campo = self.tipo, CAMPO[self.tipo]

        class Formulario(formulario):
            def clean(self):
                datos = super().clean()
                if campo in datos:
                    try:
                        datos[campo] = valor_normalizado(tipo, datos[campo])
                        setattr(self.instance, campo, datos[campo])
                    except ValueError as exc:
                        self.add_error(campo, str(exc))
                desde, hasta = datos.get("valido_desde"), datos.get("valido_hasta")
                if desde and hasta and hasta < desde:
                    self.add_error("valido_hasta", _("Debe ser posterior a «válido desde»."))
                return datos

        return Formulario

    def get_readonly_fields(self, request, obj=None):
        campos = list(self.readonly_fields)
        if obj is not None:
            campos += ["entidad", CAMPO[self.tipo]]
        return campos

    def save_model(self, request, obj, form, change):
        try:
            if change:
                registro_editar(actor=request.user, tipo=self.tipo, registro_id=obj.pk,
                                valido_desde=obj.valido_desde, valido_hasta=obj.valido_hasta,
                                nota=obj.nota)
            else:
                nuevo = registro_agregar(
                    actor=request.user, entidad_id=obj.entidad_id, tipo=self.tipo,
                    valor=getattr(obj, CAMPO[self.tipo]), valido_desde=obj.valido_desde,
                    valido_hasta=obj.valido_hasta, nota=obj.nota)
                obj.pk = nuevo.pk
        except ErrorDominio as error:
            raise ValidationError(texto_error(error)) from None

    def delete_model(self, request, obj):
        registro_eliminar(actor=request.user, tipo=self.tipo, registro_id=obj.pk)

    def delete_queryset(self, request, queryset):
        for obj in queryset:
            self.delete_model(request, obj)

    def _decidir(self, request, queryset, confirmar: bool):
        hechos = 0
        for obj in queryset:
            try:
                registro_decidir(actor=request.user, tipo=self.tipo, registro_id=obj.pk,
                                 confirmar=confirmar,
                                 motivo="" if confirmar else str(_("Rechazado en la administración.")))
                hechos += 1
            except ErrorDominio as error:
                self.message_user(request, f"{obj}: {texto_error(error)}", messages.WARNING)
        self.message_user(request, ngettext("%(n)d registro actualizado.",
                                            "%(n)d registros actualizados.", hechos)
                          % {"n": hechos}, messages.SUCCESS)

    @admin.action(description=_("Confirmar los seleccionados"), permissions=["change"])
    def confirmar(self, request, queryset):
        self._decidir(request, queryset, True)

    @admin.action(description=_("Rechazar los seleccionados"), permissions=["change"])
    def rechazar(self, request, queryset):
        self._decidir(request, queryset, False)


@admin.register(RedEntidad)
class RedEntidadAdmin(_RegistroAdmin):
    tipo = "red"
    search_fields = ["red", *_RegistroAdmin.search_fields]


@admin.register(AsnEntidad)
class AsnEntidadAdmin(_RegistroAdmin):
    tipo = "asn"
    search_fields = ["asn", *_RegistroAdmin.search_fields]


@admin.register(DominioEntidad)
class DominioEntidadAdmin(_RegistroAdmin):
    tipo = "dominio"
    search_fields = ["dominio", *_RegistroAdmin.search_fields]
