"""Admin of the interviews: read-mostly, because every write has a service with its checks and its
journal entry (a transcript edited here would not re-anchor its codings). The transcript's text is
not shown in lists; an administrator reading it acts as the circle of rules.py would."""

from django.contrib import admin

from territoires.diagnostic.interviews.models import (
    GuideQuestion,
    GuideTheme,
    Interview,
    InterviewGuide,
    InterviewParticipant,
    Pseudonym,
    Transcript,
)


class GuideThemeInline(admin.TabularInline):
    model = GuideTheme
    extra = 0
    fields = ("title", "position")


@admin.register(InterviewGuide)
class InterviewGuideAdmin(admin.ModelAdmin):
    list_display = ("title", "project", "version", "is_current")
    list_filter = ("is_current", "project")
    readonly_fields = ("project", "version", "is_current", "created_by")
    inlines = [GuideThemeInline]


@admin.register(GuideQuestion)
class GuideQuestionAdmin(admin.ModelAdmin):
    list_display = ("__str__", "theme", "position")
    list_select_related = ("theme__guide",)
    list_filter = ("theme__guide__project",)


class ParticipantInline(admin.TabularInline):
    model = InterviewParticipant
    extra = 0
    fields = ("label", "profile", "family", "position")
    raw_id_fields = ("family",)


@admin.register(Interview)
class InterviewAdmin(admin.ModelAdmin):
    list_display = ("title", "territory", "kind", "held_on", "consent_given", "is_synthetic")
    list_filter = ("kind", "consent_given", "is_synthetic", "project")
    search_fields = ("title", "place_label")
    list_select_related = ("territory__organisation",)
    readonly_fields = ("guid", "project", "territory", "consent_file", "created_by", "created_at", "updated_at")
    raw_id_fields = ("place", "interviewer", "guide")
    inlines = [ParticipantInline]


@admin.register(Transcript)
class TranscriptAdmin(admin.ModelAdmin):
    list_display = ("interview", "version", "source", "updated_at")
    list_filter = ("source",)
    list_select_related = ("interview",)
    readonly_fields = ("guid", "interview", "text", "version", "source", "source_file", "updated_by", "updated_at")

    def has_add_permission(self, request):
        return False


@admin.register(Pseudonym)
class PseudonymAdmin(admin.ModelAdmin):
    list_display = ("name", "replacement", "territory")
    list_filter = ("territory__project",)
    search_fields = ("name", "replacement")
    raw_id_fields = ("territory",)
