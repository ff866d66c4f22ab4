"""The co-design plan of a territory, and the project's co-design tab."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Count, Q
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from territoires.codesign import selectors, services
from territoires.codesign.forms import MilestoneForm, PlanForm
from territoires.codesign.models import CodesignPlan, Milestone
from territoires.codesign.views.common import check, login_page, plan_from_slugs
from territoires.core.forms import form_errors_from
from territoires.diagnostic.models import ActorFamily
from territoires.projects.views.common import get_project_or_404


def project_plans(request, slug):
    project = get_project_or_404(slug, request.user, with_progress=False)
    territories = [p for p in project.participations.all() if p.is_participant]
    plans = {
        plan.territory_id: plan
        for plan in CodesignPlan.objects.filter(project=project)
        .prefetch_related("families")
        .annotate(
            workshop_count=Count("workshops", filter=~Q(workshops__status="draft"), distinct=True),
            idea_count=Count(
                "ideas", filter=Q(ideas__status="published", ideas__merged_into__isnull=True), distinct=True
            ),
            objective_count=Count("objectives", distinct=True),
        )
    }
    rows = [(territory, plans.get(territory.pk)) for territory in territories]
    return render(request, "codesign/project_plans.html", {"project": project, "rows": rows})


def _steps(plan):
    method = plan.territory.method
    if method is None:
        return []
    return [(step.code, f"{phase.label} — {step.label}") for phase in method.phase_list() for step in phase.step_list]


def plan_detail(request, slug, territory_slug):
    plan = plan_from_slugs(request, slug, territory_slug)
    user = request.user
    team = user.has_perm("codesign.change_plan", plan)
    ideas = selectors.visible_ideas(plan, user)
    step_labels = dict(_steps(plan))
    return render(
        request,
        "codesign/plan_detail.html",
        {
            "project": plan.project,
            "plan": plan,
            "territory": plan.territory,
            "milestones": [(m, step_labels.get(m.step, "")) for m in plan.milestones.all()],
            "workshops": selectors.workshops_of(plan, user),
            "idea_count": ideas.count(),
            "pending_count": ideas.filter(status="pending").count() if team else 0,
            "objectives": selectors.objectives_of(plan),
            "ballots": selectors.ballots_of(plan, user),
            "can_change": team,
            "finding_url": selectors.finding_url,
        },
    )


@login_required
@login_page
def plan_edit(request, slug, territory_slug):
    plan = plan_from_slugs(request, slug, territory_slug)
    check(request.user, "codesign.change_plan", plan)
    families = ActorFamily.objects.filter(project=plan.project)
    initial = {
        "summary": plan.summary,
        "families": list(plan.families.all()),
        "methods": plan.methods,
        "ideas_open": plan.ideas_open,
    }
    steps = _steps(plan)
    is_milestone = request.method == "POST" and request.POST.get("form") == "milestone"
    form = PlanForm(
        request.POST if request.method == "POST" and not is_milestone else None, initial=initial, families=families
    )
    milestone_form = MilestoneForm(request.POST if is_milestone else None, steps=steps)
    if request.method == "POST":
        bound = milestone_form if is_milestone else form
        if bound.is_valid():
            try:
                if is_milestone:
                    services.milestone_add(plan=plan, user=request.user, **milestone_form.cleaned_data)
                    messages.success(request, _("L'échéance est ajoutée au calendrier."))
                    return redirect(request.path)
                services.plan_update(plan=plan, user=request.user, **form.cleaned_data)
            except ValidationError as error:
                form_errors_from(error, bound)
            else:
                messages.success(request, _("Le plan de co-construction est enregistré."))
                return redirect(plan.get_absolute_url())
    has_errors = bool(form.errors or milestone_form.errors)
    return render(
        request,
        "codesign/plan_form.html",
        {
            "project": plan.project,
            "plan": plan,
            "form": form,
            "milestone_form": milestone_form,
            "milestones": plan.milestones.all(),
        },
        status=400 if has_errors else 200,
    )


@login_required
@login_page
@require_POST
def milestone_delete(request, milestone_id):
    milestone = get_object_or_404(
        Milestone.objects.select_related("plan__territory__organisation", "plan__project"), pk=milestone_id
    )
    check(request.user, "codesign.change_plan", milestone.plan)
    services.milestone_delete(milestone=milestone, user=request.user)
    messages.success(request, _("L'échéance est retirée du calendrier."))
    plan = milestone.plan
    return redirect("codesign:plan_edit", plan.project.slug, plan.territory.organisation.slug)
