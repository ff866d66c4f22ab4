from django.contrib import admin

from territoires.projects.models import (
    Charter,
    CharterArticle,
    Committee,
    CommitteeMember,
    Decision,
    Meeting,
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


class CommitteeMemberInline(admin.TabularInline):
    model = CommitteeMember
    extra = 0
    autocomplete_fields = ["user", "organisation"]


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
