from django.contrib import admin

from territoires.search.models import SearchDocument


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
