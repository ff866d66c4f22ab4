from django.contrib import admin

from territoires.core.models import AuditEvent, PopulationFigure


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    """Read-only: the log is written by the services, never edited."""

    list_display = ["occurred_at", "action", "object_repr", "actor", "project_id"]
    list_filter = ["action"]
    search_fields = ["object_repr", "actor__email"]
    date_hierarchy = "occurred_at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(PopulationFigure)
class PopulationFigureAdmin(admin.ModelAdmin):
    """Census population by commune, age and sex: imported from the directory's import pages."""

    list_display = ["commune_code", "year", "sex", "age_min", "age_max", "population", "source"]
    list_filter = ["year", "sex"]
    search_fields = ["commune_code"]
