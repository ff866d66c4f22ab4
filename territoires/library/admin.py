from django.contrib import admin

from territoires.library import services
from territoires.library.models import Attachment, Resource, ResourceRevision


class AttachmentInline(admin.TabularInline):
    model = Attachment
    extra = 0
    fields = ["name", "format_label", "size", "download_count", "uploaded_by", "uploaded_at"]
    readonly_fields = fields
    can_delete = True


@admin.register(Resource)
class ResourceAdmin(admin.ModelAdmin):
    list_display = ["title", "kind", "status", "visibility", "project", "publishing_organisation", "published_at"]
    list_filter = ["status", "visibility", "kind", "licence"]
    search_fields = ["title", "summary", "slug"]
    list_select_related = ["project", "publishing_organisation"]
    raw_id_fields = ["project", "territory", "created_by", "published_by", "publishing_organisation"]
    filter_horizontal = ["themes"]
    readonly_fields = ["slug", "view_count", "download_count", "created_at", "updated_at"]
    inlines = [AttachmentInline]

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        services.resource_sync_after_admin_edit(form.instance)

    def delete_model(self, request, obj):
        services.resource_delete(resource=obj, user=request.user)

    def delete_queryset(self, request, queryset):
        for resource in queryset:
            services.resource_delete(resource=resource, user=request.user)


@admin.register(ResourceRevision)
class ResourceRevisionAdmin(admin.ModelAdmin):
    list_display = ["resource", "number", "edited_by", "edited_at"]
    search_fields = ["resource__title", "title"]
    list_select_related = ["resource", "edited_by"]
    raw_id_fields = ["resource", "edited_by"]
