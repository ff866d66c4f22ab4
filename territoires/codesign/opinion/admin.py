"""The opinion map in the admin: maps with their statements, conversations and their results.
Participants and votes are not listed (anonymous, and counted in millions)."""

from django.contrib import admin

from territoires.codesign.opinion.models import OpinionConversation, OpinionMap, OpinionResult, Statement


class StatementInline(admin.TabularInline):
    model = Statement
    extra = 0
    fields = ("text", "status", "seeded", "moderation_note")
    readonly_fields = ("seeded",)


@admin.register(OpinionMap)
class OpinionMapAdmin(admin.ModelAdmin):
    list_display = ("title", "project", "synthetic", "created_at")
    list_filter = ("synthetic",)
    search_fields = ("title",)
    raw_id_fields = ("project", "created_by")
    inlines = [StatementInline]


@admin.register(OpinionConversation)
class OpinionConversationAdmin(admin.ModelAdmin):
    list_display = ("opinion_map", "territory", "status", "results_public", "configuration")
    list_filter = ("status", "results_public", "configuration")
    raw_id_fields = ("opinion_map", "territory")


@admin.register(OpinionResult)
class OpinionResultAdmin(admin.ModelAdmin):
    list_display = ("conversation", "status", "participant_count", "vote_count", "duration_ms", "finished_at")
    list_filter = ("status",)
    raw_id_fields = ("conversation", "requested_by")
    readonly_fields = ("data",)
