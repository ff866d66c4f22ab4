from django.contrib import admin

from territoires.diagnostic.models import ActorFamily, Entry, FieldSource


@admin.register(ActorFamily)
class ActorFamilyAdmin(admin.ModelAdmin):
    list_display = ("name", "project", "position")
    list_filter = ("project",)
    search_fields = ("name",)
    list_select_related = ("project",)


class FieldSourceInline(admin.TabularInline):
    model = FieldSource
    extra = 0


@admin.register(Entry)
class EntryAdmin(admin.ModelAdmin):
    list_display = ("name", "kind", "territory", "status", "source", "source_year", "is_synthetic", "merged_into")
    list_filter = ("kind", "status", "is_synthetic", "project")
    search_fields = ("name", "address", "siret", "rna", "source_ref")
    list_select_related = ("territory__organisation", "territory__project", "merged_into")
    raw_id_fields = ("territory", "operator", "merged_into", "family", "created_by")
    filter_horizontal = ("involved",)
    readonly_fields = ("project", "created_at", "updated_at", "published_at")
    inlines = [FieldSourceInline]

    def save_model(self, request, obj, form, change):
        # The project is a copy of the territory's, kept by the services; the admin keeps it too.
        obj.project_id = obj.territory.project_id
        super().save_model(request, obj, form, change)


# The synthesis, residents' texts and observation notes register their own admin.
from territoires.diagnostic.synthesis import admin as _synthesis_admin  # noqa: E402,F401
