"""Definition: objectives built from ideas and findings, with measurable success criteria."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from territoires.codesign import selectors, services
from territoires.codesign.forms import CriterionForm, ObjectiveForm
from territoires.codesign.models import Idea, Objective
from territoires.codesign.views.common import check, login_page, plan_by_id
from territoires.core.forms import form_errors_from


def _objective_or_404(request, pk, permission="codesign.view_objective"):
    objective = get_object_or_404(
        Objective.objects.select_related("plan__territory__organisation", "plan__territory__project", "plan__project"),
        pk=pk,
    )
    check(request.user, permission, objective)
    return objective


@login_page
def objective_detail(request, pk):
    objective = _objective_or_404(request, pk)
    user = request.user
    can_change = user.has_perm("codesign.change_objective", objective)
    form = CriterionForm(request.POST or None) if can_change else None
    if request.method == "POST":
        check(user, "codesign.change_objective", objective)
        if form.is_valid():
            try:
                services.criterion_add(objective=objective, user=user, **form.cleaned_data)
            except ValidationError as error:
                form_errors_from(error, form)
            else:
                messages.success(request, _("Le critère de réussite est ajouté."))
                return redirect(objective.get_absolute_url())
    plan = objective.plan
    visible_findings = set(selectors.findings_for(plan, user).values_list("pk", flat=True))
    ideas = [idea for idea in objective.ideas.all() if idea.is_published or can_change]
    return render(
        request,
        "codesign/objective_detail.html",
        {
            "project": plan.project,
            "plan": plan,
            "objective": objective,
            "criteria": objective.criteria.all(),
            "ideas": ideas,
            "findings": [(f, selectors.finding_url(f)) for f in objective.findings.all() if f.pk in visible_findings],
            "form": form,
            "can_change": can_change,
        },
        status=400 if form is not None and form.errors else 200,
    )


@login_required
@login_page
def objective_create(request, plan_id):
    plan = plan_by_id(request, plan_id, "codesign.add_objective")
    return _objective_form(request, plan, Objective(plan=plan))


@login_required
@login_page
def objective_edit(request, pk):
    objective = _objective_or_404(request, pk, "codesign.change_objective")
    return _objective_form(request, objective.plan, objective)


def _objective_form(request, plan, objective):
    ideas = Idea.objects.filter(plan=plan).current().exclude(status=Idea.Status.REJECTED)
    findings = selectors.findings_for(plan, request.user)
    initial = {}
    if objective.pk is None and request.GET.get("idee", "").isdigit():
        initial["ideas"] = ideas.filter(pk=int(request.GET["idee"][:12]))
    form = ObjectiveForm(request.POST or None, instance=objective, ideas=ideas, findings=findings, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            objective = services.objective_save(
                objective=form.save(commit=False),
                user=request.user,
                ideas=list(form.cleaned_data["ideas"]),
                findings=list(form.cleaned_data["findings"]),
            )
        except ValidationError as error:
            form_errors_from(error, form)
        else:
            messages.success(request, _("L'objectif est enregistré. Ajoutez-lui des critères de réussite mesurables."))
            return redirect(objective.get_absolute_url())
    return render(
        request,
        "codesign/objective_form.html",
        {"project": plan.project, "plan": plan, "form": form, "objective": objective if objective.pk else None},
        status=400 if form.errors else 200,
    )
