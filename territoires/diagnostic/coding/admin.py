"""Admin of the codebook and the codings: the codebook is edited here as on its page (a code in
use cannot be deleted: the codings protect it; merge it from the codebook page); codings are read
only — they are made and deleted on the coding screen, by their coder."""

from django.contrib import admin

from territoires.diagnostic.coding.models import Code, Coding
from territoires.diagnostic.coding.services import coding_revision_bump


@admin.register(Code)
class CodeAdmin(admin.ModelAdmin):
    list_display = ("name", "parent", "project", "colour", "position")
    list_filter = ("project",)
    search_fields = ("name", "definition")
    list_select_related = ("parent", "project")
    readonly_fields = ("guid", "created_at")
    raw_id_fields = ("parent",)

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        coding_revision_bump(obj.project_id)

    def delete_model(self, request, obj):
        project_id = obj.project_id
        super().delete_model(request, obj)
        coding_revision_bump(project_id)


@admin.register(Coding)
class CodingAdmin(admin.ModelAdmin):
    list_display = ("code", "territory", "profile", "start", "end", "is_stale", "coder", "created_at")
    list_filter = ("is_stale", "profile", "project")
    search_fields = ("quote", "memo")
    list_select_related = ("code", "territory__organisation", "coder")
    readonly_fields = [field.name for field in Coding._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
