"""Admin of the panels (read-mostly: a draw's record is never edited by hand)."""

from django.contrib import admin

from territoires.codesign.panels.models import Draw, Panel, Volunteer


@admin.register(Panel)
class PanelAdmin(admin.ModelAdmin):
    list_display = ["title", "plan", "kind", "size", "status", "algorithm"]
    list_filter = ["kind", "status", "algorithm"]
    search_fields = ["title"]


@admin.register(Volunteer)
class VolunteerAdmin(admin.ModelAdmin):
    list_display = ["name", "panel", "age_band", "sex", "neighbourhood", "non_audience", "source", "withdrawn_at"]
    list_filter = ["source", "synthetic", "age_band", "sex", "non_audience"]
    search_fields = ["name", "email"]
    readonly_fields = ["receipt_code", "created_at"]


@admin.register(Draw)
class DrawAdmin(admin.ModelAdmin):
    list_display = ["panel", "kind", "status", "algorithm", "seed", "requested_at", "duration_seconds"]
    list_filter = ["kind", "status", "algorithm"]
    readonly_fields = [f.name for f in Draw._meta.fields]

    def has_add_permission(self, request):
        return False
