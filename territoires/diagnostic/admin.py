from django.contrib import admin

from territoires.diagnostic.models import ActorFamily, DuplicateProposal, Entry, FieldSource, ImportJob, ImportLineError


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


class ImportLineErrorInline(admin.TabularInline):
    model = ImportLineError
    extra = 0
    readonly_fields = ("line", "name", "message")
    can_delete = False
    max_num = 0


@admin.register(ImportJob)
class ImportJobAdmin(admin.ModelAdmin):
    """Read-only: an import is made through its pages, where the rules and the checks apply."""

    list_display = ("filename", "territory", "target", "status", "created_count", "error_count", "created_at")
    list_filter = ("status", "target", "project")
    list_select_related = ("territory__organisation", "territory__project")
    inlines = [ImportLineErrorInline]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(DuplicateProposal)
class DuplicateProposalAdmin(admin.ModelAdmin):
    list_display = ("imported", "existing", "reason", "score", "status")
    list_filter = ("status", "reason")
    raw_id_fields = ("job", "territory", "existing", "imported", "resolved_by")


# The synthesis, residents' texts and observation notes register their own admin.
from territoires.diagnostic import network_admin  # noqa: E402,F401  (links and analyses)
from territoires.diagnostic.coding import admin as _coding_admin  # noqa: E402,F401
from territoires.diagnostic.interviews import admin as _interviews_admin  # noqa: E402,F401
from territoires.diagnostic.qdpx import admin as _qdpx_admin  # noqa: E402,F401  (REFI-QDA exchanges)
from territoires.diagnostic.synthesis import admin as _synthesis_admin  # noqa: E402,F401
