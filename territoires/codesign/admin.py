from django.contrib import admin

from territoires.codesign.models import (
    Ballot,
    BallotOption,
    CodesignPlan,
    Idea,
    Milestone,
    Objective,
    SuccessCriterion,
    Workshop,
)


class MilestoneInline(admin.TabularInline):
    model = Milestone
    extra = 0


@admin.register(CodesignPlan)
class CodesignPlanAdmin(admin.ModelAdmin):
    list_display = ["territory", "project", "ideas_open"]
    list_filter = ["project"]
    inlines = [MilestoneInline]
    filter_horizontal = ["families"]


@admin.register(Workshop)
class WorkshopAdmin(admin.ModelAdmin):
    list_display = ["title", "plan", "method", "starts_at", "capacity", "status"]
    list_filter = ["status", "method", "plan__project"]
    search_fields = ["title"]
    raw_id_fields = ["plan", "place", "facilitator", "family"]


@admin.register(Idea)
class IdeaAdmin(admin.ModelAdmin):
    list_display = ["title", "plan", "source", "status", "merged_into", "created_at"]
    list_filter = ["status", "source", "plan__project"]
    search_fields = ["title", "receipt_code"]
    raw_id_fields = ["plan", "workshop", "finding", "survey_topics", "merged_into", "created_by"]


class CriterionInline(admin.TabularInline):
    model = SuccessCriterion
    extra = 0


@admin.register(Objective)
class ObjectiveAdmin(admin.ModelAdmin):
    list_display = ["title", "plan"]
    list_filter = ["plan__project"]
    inlines = [CriterionInline]
    raw_id_fields = ["plan", "ideas", "findings", "created_by"]


class OptionInline(admin.TabularInline):
    model = BallotOption
    extra = 0
    raw_id_fields = ["idea"]


@admin.register(Ballot)
class BallotAdmin(admin.ModelAdmin):
    # Votes and voter codes are left out on purpose: a vote is never edited by hand.
    list_display = ["title", "plan", "method", "status"]
    list_filter = ["status", "method"]
    inlines = [OptionInline]
    raw_id_fields = ["plan", "workshop", "created_by"]


from territoires.codesign.opinion import admin as opinion_admin  # noqa: E402,F401  (the opinion map)

# Panels drawn by lot (territoires/codesign/panels/admin.py).
from territoires.codesign.panels import admin as panel_admin  # noqa: E402, F401
