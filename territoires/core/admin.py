from django.contrib import admin

from territoires.core.models import AuditEvent


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
