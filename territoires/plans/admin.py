from django.contrib import admin

from territoires.plans.models import (
    Action,
    ActionPlan,
    Axis,
    ContributionOutcome,
    Indicator,
    Measurement,
    Objective,
    PlanAdoption,
    PlanVersion,
)


class AxisInline(admin.TabularInline):
    model = Axis
    extra = 0


@admin.register(ActionPlan)
class ActionPlanAdmin(admin.ModelAdmin):
    list_display = ["title", "territory", "project", "status"]
    list_filter = ["status", "project"]
    search_fields = ["title", "territory__organisation__name"]
    inlines = [AxisInline]
    # Adoption is recorded through its page (the deliberation's checks); here it is read only.
    readonly_fields = ["status", "adopted_version"]


@admin.register(Objective)
class ObjectiveAdmin(admin.ModelAdmin):
    list_display = ["title", "plan", "axis"]
    list_filter = ["plan__project"]
    search_fields = ["title"]


@admin.register(Action)
class ActionAdmin(admin.ModelAdmin):
    list_display = ["title", "plan", "status", "progress"]
    list_filter = ["status", "plan__project"]
    search_fields = ["title", "lead"]
    raw_id_fields = ["partners", "places", "parent"]


class MeasurementInline(admin.TabularInline):
    model = Measurement
    extra = 0


@admin.register(Indicator)
class IndicatorAdmin(admin.ModelAdmin):
    list_display = ["name", "unit", "plan"]
    search_fields = ["name"]
    inlines = [MeasurementInline]


@admin.register(PlanVersion)
class PlanVersionAdmin(admin.ModelAdmin):
    list_display = ["plan", "number", "created_at", "created_by"]
    readonly_fields = ["plan", "number", "snapshot", "created_by", "created_at"]


@admin.register(PlanAdoption)
class PlanAdoptionAdmin(admin.ModelAdmin):
    list_display = ["plan", "kind", "deliberation_number", "deliberation_date"]
    readonly_fields = [field.name for field in PlanAdoption._meta.fields]


@admin.register(ContributionOutcome)
class ContributionOutcomeAdmin(admin.ModelAdmin):
    list_display = ["plan", "kind", "target_id", "status", "action"]
    list_filter = ["status", "kind"]
