from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.forms.models import BaseInlineFormSet
from django.utils.translation import gettext_lazy as _

from territoires.projects.models import (
    Charter,
    CharterArticle,
    Committee,
    CommitteeMember,
    Decision,
    Meeting,
    MethodArticle,
    MethodPhase,
    MethodStep,
    MethodTemplate,
    Participation,
    SharedProject,
    Signature,
    StepCompletion,
    Theme,
    ThemeInterest,
    Withdrawal,
)
from territoires.search.admin import SearchIndexedAdmin


class ThemeInterestInline(admin.TabularInline):
    model = ThemeInterest
    extra = 0
    autocomplete_fields = ["organisation"]
    readonly_fields = ["created_at"]


@admin.register(Theme)
class ThemeAdmin(SearchIndexedAdmin):
    list_display = ["title", "proposed_by_organisation", "status", "created_at"]
    list_filter = ["status"]
    search_fields = ["title"]
    inlines = [ThemeInterestInline]
    autocomplete_fields = ["proposed_by_organisation"]


class ParticipationInline(admin.TabularInline):
    model = Participation
    extra = 0
    fields = ["organisation", "role", "observer_status", "referent"]
    autocomplete_fields = ["organisation", "referent"]


@admin.register(SharedProject)
class SharedProjectAdmin(SearchIndexedAdmin):
    list_display = ["title", "status", "is_public", "starts_on", "ends_on", "facilitator_organisation"]
    list_filter = ["status", "is_public"]
    search_fields = ["title"]
    inlines = [ParticipationInline]
    autocomplete_fields = ["facilitator_organisation", "consultancy", "theme"]
    # Publication changes go through the site so that they are audited.
    readonly_fields = ["is_public", "launched_at"]


@admin.register(Participation)
class ParticipationAdmin(admin.ModelAdmin):
    list_display = ["organisation", "project", "role", "observer_status"]
    list_filter = ["role", "observer_status"]
    search_fields = ["organisation__name", "project__title"]
    autocomplete_fields = ["organisation", "project", "referent", "requested_by"]


class CharterArticleInline(admin.StackedInline):
    model = CharterArticle
    extra = 0


class SignatureInline(admin.StackedInline):
    model = Signature
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False  # signing goes through the audited service

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Charter)
class CharterAdmin(admin.ModelAdmin):
    list_display = ["title", "project", "version", "in_force_on"]
    list_filter = ["in_force_on"]
    inlines = [CharterArticleInline, SignatureInline]
    readonly_fields = ["in_force_on"]


@admin.register(Withdrawal)
class WithdrawalAdmin(admin.ModelAdmin):
    list_display = [
        "participation",
        "letter_received_on",
        "notice_ends_on",
        "engaged_actions_closed_on",
        "effective_on",
    ]
    readonly_fields = ["notice_ends_on", "effective_on"]


class CommitteeMemberAdminForm(forms.ModelForm):
    """The admin seats people under the same rule as the committee page (services.committee_seat_check)."""

    class Meta:
        model = CommitteeMember
        fields = ["user", "organisation", "kind", "left_at"]

    def clean(self):
        data = super().clean()
        person, organisation, kind = data.get("user"), data.get("organisation"), data.get("kind")
        committee = self.instance.committee if self.instance.committee_id else getattr(self, "parent_committee", None)
        if person and organisation and kind and committee is not None:
            from territoires.projects.services import committee_seat_check

            try:
                committee_seat_check(project=committee.project, person=person, organisation=organisation, kind=kind)
            except ValidationError as error:
                for field, messages in error.message_dict.items():
                    self.add_error(field, messages)
        return data


class CommitteeMemberInline(admin.TabularInline):
    model = CommitteeMember
    form = CommitteeMemberAdminForm
    extra = 0
    autocomplete_fields = ["user", "organisation"]

    def get_formset(self, request, obj=None, **kwargs):
        formset = super().get_formset(request, obj, **kwargs)
        formset.form.parent_committee = obj
        return formset


@admin.register(Committee)
class CommitteeAdmin(admin.ModelAdmin):
    list_display = ["name", "project"]
    inlines = [CommitteeMemberInline]


class DecisionInline(admin.TabularInline):
    model = Decision
    extra = 0


@admin.register(Meeting)
class MeetingAdmin(admin.ModelAdmin):
    list_display = ["title", "committee", "starts_at"]
    inlines = [DecisionInline]
    date_hierarchy = "starts_at"


admin.site.register(StepCompletion)


# Method templates: the facilitators pick one when creating a project, which gets its own copy; a
# project's copy is adapted on the site (projects:project_method), not here.


class MethodArticleInline(admin.StackedInline):
    model = MethodArticle
    extra = 0


class MethodPhaseInline(admin.TabularInline):
    model = MethodPhase
    extra = 0
    show_change_link = True  # its steps are edited on the phase's own page


@admin.register(MethodTemplate)
class MethodTemplateAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "is_default"]
    fields = [
        "name",
        "slug",
        "description",
        "is_default",
        "lead_role_label",
        "context_heading",
        "landscape_heading",
        "landscape_help",
        "attention_heading",
    ]
    inlines = [MethodArticleInline, MethodPhaseInline]

    def get_queryset(self, request):
        return super().get_queryset(request).filter(project__isnull=True)


class MethodStepFormSet(BaseInlineFormSet):
    def clean(self):
        super().clean()
        phase = self.instance
        taken = set(
            MethodStep.objects.filter(method_id=phase.method_id).exclude(phase=phase).values_list("code", flat=True)
        )
        for form in self.forms:
            data = getattr(form, "cleaned_data", None)
            if not data or data.get("DELETE") or not data.get("code"):
                continue
            if data["code"] in taken:
                form.add_error("code", _("Une autre étape de la méthode porte déjà ce code."))
            taken.add(data["code"])


class MethodStepInline(admin.TabularInline):
    model = MethodStep
    formset = MethodStepFormSet
    extra = 0
    fields = ["position", "code", "label", "filled_by"]


@admin.register(MethodPhase)
class MethodPhaseAdmin(admin.ModelAdmin):
    list_display = ["label", "method", "position"]
    list_filter = ["method"]
    inlines = [MethodStepInline]

    def get_queryset(self, request):
        return super().get_queryset(request).filter(method__project__isnull=True)

    def get_field_queryset(self, db, db_field, request):
        if db_field.name == "method":
            return MethodTemplate.objects.filter(project__isnull=True)
        return super().get_field_queryset(db, db_field, request)

    def has_add_permission(self, request):
        return False  # a phase is added from its template's page

    def get_readonly_fields(self, request, obj=None):
        return ["method"]  # its steps belong to the same method

    def save_formset(self, request, form, formset, change):
        # A step belongs to its phase's method too (codes are unique in a method).
        for step in formset.save(commit=False):
            step.method_id = form.instance.method_id
            step.save()
        for step in formset.deleted_objects:
            step.delete()
