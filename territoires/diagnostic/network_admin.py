"""Admin of the network's links and analyses (registered by admin.py)."""

from django.contrib import admin

from territoires.diagnostic.models import Link, NetworkAnalysis


@admin.register(Link)
class LinkAdmin(admin.ModelAdmin):
    list_display = ("source", "target", "kind", "direction", "intensity", "provenance", "is_synthetic", "project")
    list_filter = ("kind", "provenance", "direction", "is_synthetic", "project")
    search_fields = ("source__name", "target__name", "note")
    list_select_related = ("source", "target", "project")
    raw_id_fields = ("source", "target", "engagement", "territory", "created_by")
    readonly_fields = ("project", "territory", "created_at", "updated_at")

    def save_model(self, request, obj, form, change):
        # Kept by the services as copies of the source's: the admin keeps them too. The model's
        # constraints refuse a self-link or a duplicate.
        obj.project_id = obj.source.project_id
        obj.territory_id = obj.source.territory_id
        super().save_model(request, obj, form, change)


@admin.register(NetworkAnalysis)
class NetworkAnalysisAdmin(admin.ModelAdmin):
    list_display = (
        "project",
        "territory",
        "status",
        "progress",
        "node_count",
        "link_count",
        "duration_ms",
        "finished_at",
    )
    list_filter = ("status", "project")
    list_select_related = ("project", "territory__organisation")
    readonly_fields = [field.name for field in NetworkAnalysis._meta.fields]

    def has_add_permission(self, request):
        return False  # computed by the task (Indicateurs du réseau), never typed
