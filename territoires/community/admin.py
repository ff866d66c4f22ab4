from django.contrib import admin

from territoires.community.models import Attachment, Message, MessageRevision, ProjectSpace, Report, Thread


@admin.register(ProjectSpace)
class ProjectSpaceAdmin(admin.ModelAdmin):
    list_display = ["project", "observer_access", "updated_at"]
    list_filter = ["observer_access"]


@admin.register(Thread)
class ThreadAdmin(admin.ModelAdmin):
    list_display = ["title", "theme", "project", "author", "message_count", "last_message_at"]
    list_filter = ["theme", "project"]
    search_fields = ["title"]
    raw_id_fields = ["author"]
    readonly_fields = ["message_count", "last_message_at"]


class AttachmentInline(admin.TabularInline):
    model = Attachment
    extra = 0
    readonly_fields = ["original_name", "content_type", "size", "file"]


@admin.register(Message)
class MessageAdmin(admin.ModelAdmin):
    list_display = ["thread", "position", "author", "created_at", "edited_at", "hidden_at"]
    list_filter = ["hidden_at"]
    search_fields = ["body", "thread__title"]
    raw_id_fields = ["thread", "author", "quoted", "hidden_by"]
    inlines = [AttachmentInline]


@admin.register(MessageRevision)
class MessageRevisionAdmin(admin.ModelAdmin):
    list_display = ["message", "replaced_at", "edited_by"]
    raw_id_fields = ["message", "edited_by"]


@admin.register(Report)
class ReportAdmin(admin.ModelAdmin):
    list_display = ["message", "reporter", "reason", "created_at", "resolved_at"]
    list_filter = ["resolved_at"]
    raw_id_fields = ["message", "reporter"]
