from django.contrib import admin

from territoires.search.models import SearchDocument
from territoires.search.services import source_reindex


class SearchIndexedAdmin(admin.ModelAdmin):
    """For the admin of a registered search source (search.registry): what the admin saves is
    re-indexed once its many-to-many fields are saved too (deletions are followed by the registry)."""

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        source_reindex(source=form.instance)


@admin.register(SearchDocument)
class SearchDocumentAdmin(admin.ModelAdmin):
    """Read-only: documents are written by their own apps through search.services."""

    list_display = ["title", "category", "audience", "project_id", "year", "indexed_at"]
    list_filter = ["category", "audience"]
    search_fields = ["title"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
