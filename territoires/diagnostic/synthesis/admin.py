"""Admin of the second slice of the diagnostic (synthesis, residents' texts, observation notes):
read-mostly, because every write has a service with its checks and its journal entry."""

from django.contrib import admin

from territoires.diagnostic.expression.models import Expression, ExpressionPrompt
from territoires.diagnostic.observation.models import ObservationNote, ObservationPhoto, ObservationTag
from territoires.diagnostic.synthesis.models import Evidence, Finding, Synthesis, SynthesisPdf


class EvidenceInline(admin.TabularInline):
    model = Evidence
    extra = 0
    readonly_fields = ("kind", "reference", "note", "position", "created_at", "created_by")
    can_delete = False


@admin.register(Finding)
class FindingAdmin(admin.ModelAdmin):
    list_display = ("statement", "territory", "strength", "status", "is_synthetic")
    list_filter = ("status", "strength", "is_synthetic", "project")
    search_fields = ("statement",)
    list_select_related = ("territory__organisation",)
    readonly_fields = ("synthesis", "project", "territory", "status", "validated_by", "validated_at", "published_at",
                       "created_by")  # fmt: skip
    inlines = [EvidenceInline]


@admin.register(Synthesis)
class SynthesisAdmin(admin.ModelAdmin):
    list_display = ("__str__", "project", "territory", "is_synthetic")
    list_filter = ("project",)
    readonly_fields = ("project", "territory")


@admin.register(SynthesisPdf)
class SynthesisPdfAdmin(admin.ModelAdmin):
    list_display = ("synthesis", "requested_by", "status", "created_at", "finished_at")
    list_filter = ("status",)
    readonly_fields = ("synthesis", "requested_by", "status", "file", "error", "finished_at")


@admin.register(ExpressionPrompt)
class ExpressionPromptAdmin(admin.ModelAdmin):
    list_display = ("question", "territory", "is_open")
    list_filter = ("is_open", "project")
    readonly_fields = ("territory", "project", "updated_by")


@admin.register(Expression)
class ExpressionAdmin(admin.ModelAdmin):
    list_display = ("__str__", "territory", "status", "consent_to_publish", "submitted_at", "is_synthetic")
    list_filter = ("status", "consent_to_publish", "is_synthetic", "project")
    list_select_related = ("territory__organisation",)
    # The receipt code is the author's: it is not shown here.
    exclude = ("receipt_code",)
    readonly_fields = ("prompt", "territory", "project", "question", "text", "neighbourhood", "age_band",
                       "consent_to_publish", "status", "reason", "moderated_at", "moderated_by")  # fmt: skip


class ObservationPhotoInline(admin.TabularInline):
    model = ObservationPhoto
    extra = 0
    fields = ("caption", "consent", "width", "height", "created_at")
    readonly_fields = fields
    can_delete = False


@admin.register(ObservationNote)
class ObservationNoteAdmin(admin.ModelAdmin):
    list_display = ("__str__", "territory", "time_slot", "observer", "is_synthetic")
    list_filter = ("time_slot", "is_synthetic", "project")
    list_select_related = ("territory__organisation", "place", "observer")
    raw_id_fields = ("territory", "place", "observer")
    readonly_fields = ("project",)
    filter_horizontal = ("tags",)
    inlines = [ObservationPhotoInline]


@admin.register(ObservationTag)
class ObservationTagAdmin(admin.ModelAdmin):
    list_display = ("name", "project")
    list_filter = ("project",)
    search_fields = ("name",)
