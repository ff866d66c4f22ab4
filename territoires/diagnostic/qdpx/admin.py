from django.contrib import admin

from territoires.diagnostic.qdpx.models import CodingExchange


@admin.register(CodingExchange)
class CodingExchangeAdmin(admin.ModelAdmin):
    """Read-only: an exchange is made through its page, where the rules and the checks apply. Its
    file (transcripts: personal data) is not offered here; deleting the row deletes nothing else."""

    list_display = ("kind", "project", "territory", "requested_by", "status", "created_at", "finished_at")
    list_filter = ("kind", "status")
    search_fields = ("project__title", "original_name", "requested_by__email")
    readonly_fields = (
        "project", "territory", "kind", "requested_by", "status", "original_name", "errors", "summary",
        "created_at", "finished_at",
    )  # fmt: skip
    exclude = ("file", "token")
    list_select_related = ("project", "territory__organisation", "requested_by")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def delete_model(self, request, obj):
        if obj.file:
            obj.file.delete(save=False)
        super().delete_model(request, obj)
