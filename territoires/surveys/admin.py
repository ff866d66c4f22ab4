"""Administration of the resident survey.

The questionnaire is built on the site (the builder checks codes, conditions and answers already
received); the admin is for looking things up and repairing. Answers are read-only here: an answer
is stored exactly once, as the respondent sent it. Lists over answers stay fast at 100,000 rows
(no full count, joined columns selected up front).
"""

from django.contrib import admin

from territoires.surveys.collection import RESPONSE_STORED_FIELDS
from territoires.surveys.models import (
    Collector,
    ContactRequest,
    Deployment,
    Export,
    PopulationCell,
    Question,
    ReferenceFigure,
    Response,
    Section,
    Survey,
    TextTopics,
)


class SectionInline(admin.TabularInline):
    model = Section
    extra = 0
    fields = ["position", "title", "title_en", "condition"]


class DeploymentInline(admin.TabularInline):
    model = Deployment
    extra = 0
    fields = ["participation", "public_token", "is_open"]
    readonly_fields = ["public_token"]
    autocomplete_fields = ["participation"]


@admin.register(Survey)
class SurveyAdmin(admin.ModelAdmin):
    list_display = ["title", "project", "status", "structure_version", "published_at", "closed_at"]
    list_filter = ["status"]
    search_fields = ["title", "project__title"]
    list_select_related = ["project"]
    autocomplete_fields = ["project", "previous_version", "created_by"]
    # Publication and closing go through the site, where they are checked and audited.
    readonly_fields = ["status", "structure_version", "published_at", "closed_at", "created_at", "updated_at"]
    inlines = [SectionInline, DeploymentInline]


@admin.register(Section)
class SectionAdmin(admin.ModelAdmin):
    list_display = ["title", "survey", "position"]
    search_fields = ["title", "survey__title"]
    list_select_related = ["survey"]
    autocomplete_fields = ["survey"]


@admin.register(Question)
class QuestionAdmin(admin.ModelAdmin):
    list_display = ["code", "label", "kind", "required", "survey", "section", "participation"]
    list_filter = ["kind", "required"]
    search_fields = ["code", "label", "survey__title"]
    list_select_related = ["survey", "section", "participation__organisation"]
    autocomplete_fields = ["survey", "section", "participation"]


class CollectorInline(admin.TabularInline):
    model = Collector
    extra = 0
    autocomplete_fields = ["user"]
    readonly_fields = ["added_by", "added_at"]


@admin.register(Deployment)
class DeploymentAdmin(admin.ModelAdmin):
    list_display = ["survey", "participation", "public_token", "is_open"]
    list_filter = ["is_open"]
    search_fields = ["survey__title", "participation__organisation__name", "public_token"]
    list_select_related = ["survey", "participation__organisation"]
    autocomplete_fields = ["survey", "participation"]
    readonly_fields = ["public_token", "created_at", "updated_at"]
    inlines = [CollectorInline]


@admin.register(Collector)
class CollectorAdmin(admin.ModelAdmin):
    list_display = ["user", "deployment", "added_by", "added_at"]
    search_fields = ["user__email", "user__last_name", "deployment__survey__title"]
    list_select_related = ["user", "deployment__survey", "deployment__participation__organisation", "added_by"]
    autocomplete_fields = ["deployment", "user"]
    readonly_fields = ["added_by", "added_at"]


@admin.register(Response)
class ResponseAdmin(admin.ModelAdmin):
    list_display = ["receipt_code", "survey", "channel", "age_band", "gender", "submitted_at", "is_synthetic"]
    list_filter = ["channel", "is_synthetic", "age_band", "gender"]
    search_fields = ["=receipt_code"]
    list_select_related = ["survey"]
    show_full_result_count = False
    # Every stored field, read-only: the list the answer INSERT writes (one definition, checked at start-up).
    readonly_fields = RESPONSE_STORED_FIELDS

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(ContactRequest)
class ContactRequestAdmin(admin.ModelAdmin):
    """Addresses left by respondents: kept apart from the answers, never exported with them."""

    list_display = ["email", "deployment", "created_on"]
    search_fields = ["email"]
    list_select_related = ["deployment__survey", "deployment__participation__organisation"]
    readonly_fields = ["deployment", "email", "created_on"]

    def has_add_permission(self, request):
        return False


@admin.register(PopulationCell)
class PopulationCellAdmin(admin.ModelAdmin):
    list_display = ["deployment", "age_band", "gender", "population", "year", "source"]
    list_filter = ["age_band", "gender", "year"]
    list_select_related = ["deployment__survey", "deployment__participation__organisation"]
    autocomplete_fields = ["deployment"]


@admin.register(ReferenceFigure)
class ReferenceFigureAdmin(admin.ModelAdmin):
    list_display = ["label", "indicator", "value_percent", "scope", "year", "source"]
    list_filter = ["indicator", "year"]
    search_fields = ["label", "source"]


@admin.register(Export)
class ExportAdmin(admin.ModelAdmin):
    list_display = ["survey", "format", "status", "progress", "row_count", "requested_by", "created_at"]
    list_filter = ["format", "status"]
    list_select_related = ["survey", "requested_by"]
    readonly_fields = ["status", "progress", "row_count", "file", "error", "finished_at", "created_at"]
    autocomplete_fields = ["survey"]


@admin.register(TextTopics)
class TextTopicsAdmin(admin.ModelAdmin):
    list_display = ["survey", "question_code", "status", "response_count", "updated_at"]
    list_filter = ["status"]
    list_select_related = ["survey"]
    readonly_fields = ["response_count", "topics", "created_at", "updated_at"]
    fields = ["survey", "question_code", "status", "response_count", "topics", "created_at", "updated_at"]
