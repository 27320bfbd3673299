"""The admin of records that only services write (audit trail, outbox, SLA clocks, catalogs
loaded from YAML, intake records): administrators look, never add, edit or delete — a change
there would bypass the service's rules and its audit row."""

from django.contrib import admin


class SoloLecturaAdmin(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class TablaGrandeAdmin(SoloLecturaAdmin):
    """A table of millions of rows: every field shown read-only, no full count per page."""

    # Counting millions of rows on every page load is the slow part of a big changelist.
    show_full_result_count = False
    list_per_page = 50

    def get_readonly_fields(self, request, obj=None):
        return [campo.name for campo in self.model._meta.fields]
