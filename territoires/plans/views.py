"""The action plans' pages. Thin: each checks its rule (rules.py), then reads a selector or calls a
service; a service's ValidationError goes back to the form, nothing changed."""

import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.functional import SimpleLazyObject
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_GET, require_POST

from territoires.core.cache import content_version, member_page_cache, public_page_cache
from territoires.core.idempotency import already_submitted, parse_submission_key, record_submission
from territoires.core.receipts import receipt_code_normalise, receipt_find
from territoires.core.storage import stored_file_response
from territoires.core.validators import safe_download_name
from territoires.plans import charts, exports, feedback, progress, selectors, services
from territoires.plans.diff import versions_diff
from territoires.plans.forms import (
    ActionForm,
    ActionUpdateForm,
    AdoptionForm,
    AxisForm,
    CommentForm,
    FollowUpForm,
    IndicatorForm,
    MeasurementForm,
    MeasurementImportForm,
    MilestoneForm,
    ObjectiveForm,
    OriginForm,
    OutcomeForm,
    PlanForm,
    ReceiptForm,
    RestitutionForm,
    SurveyReadForm,
    VersionNoteForm,
)
from territoires.plans.models import Action, ActionPlan, Axis, Indicator, Milestone, Objective
from territoires.plans.origins import ORIGIN_KINDS, links_resolve
from territoires.projects.views.common import form_errors_from, get_participation_or_404, get_project_or_404, require


def _territory(request, slug, territory_slug):
    project = get_project_or_404(slug, request.user, with_progress=False)
    return project, get_participation_or_404(project, territory_slug)


def _plan_or_404(territory) -> ActionPlan:
    plan = (
        ActionPlan.objects.select_related("adopted_version", "territory__organisation", "project")
        .filter(territory=territory)
        .first()
    )
    if plan is None:
        raise Http404
    return plan


def _deny(request):
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    raise PermissionDenied


def _form_page(request, template, context, form):
    return render(request, template, context, status=400 if form.errors else 200)


def _team_plan(request, slug, territory_slug, permission="plans.edit_plan"):
    """(project, territory, plan) for a page of the territory's team."""
    project, territory = _territory(request, slug, territory_slug)
    require(request.user, permission, territory)
    return project, territory, _plan_or_404(territory)


def _saved_or_form(request, form, *, save, success, redirect_to, context, template="plans/simple_form.html"):
    """A structure form's POST: the service saves (its refusals go back to the form, nothing saved),
    then the page moves on; otherwise the form, with a 400 when it has errors."""
    if request.method == "POST" and form.is_valid():
        try:
            saved = save(form.cleaned_data)
        except ValidationError as error:
            form_errors_from(error, form)
        else:
            messages.success(request, success)
            return redirect(redirect_to(saved) if callable(redirect_to) else redirect_to)
    return _form_page(request, template, {**context, "form": form}, form)


# Project and plan pages ---------------------------------------------------------------------------


@public_page_cache
def project_plans(request, slug):
    """The plans side by side: status, progress, adoption, for every participating territory."""
    project = get_project_or_404(slug, request.user, with_progress=False)
    rows = selectors.plans_of_project(project)
    for row in rows:
        territory = row["territory"]
        row["can_view_draft"] = request.user.has_perm("plans.view_draft", territory)
        row["can_create"] = row["plan"] is None and request.user.has_perm("plans.edit_plan", territory)
    return render(request, "plans/project_plans.html", {"project": project, "rows": rows})


@public_page_cache(query_params=("version",))
@member_page_cache(query_params=("version",))
def plan_detail(request, slug, territory_slug):
    project, territory = _territory(request, slug, territory_slug)
    # The adopted version's snapshot (tens of kilobytes of JSON for a large plan) is read only when
    # the page's structure is computed, not on every request.
    plan = (
        ActionPlan.objects.select_related("adopted_version")
        .defer("adopted_version__snapshot")
        .filter(territory=territory)
        # One plan per territory: ordered by its key, not by the model's ordering (project, then
        # organisation name), which joins two tables and costs more to compile than to run.
        .order_by("pk")
        .first()
    )
    can_edit = request.user.has_perm("plans.edit_plan", territory)
    if plan is None:
        if not request.user.has_perm("plans.view_draft", territory):
            raise Http404
        form = PlanForm(
            initial={"title": _("Plan d'action culturelle de %(town)s") % {"town": territory.organisation.name}}
        )
        return render(
            request,
            "plans/plan_empty.html",
            {"project": project, "territory": territory, "form": form, "can_edit": can_edit},
        )
    sees_draft = request.user.has_perm("plans.view_draft", territory)
    public = not sees_draft or request.GET.get("version") == "adoptee"
    if public and not (plan.adopted_version_id and request.user.has_perm("plans.view_adopted", territory)):
        raise Http404
    context = {
        "project": project,
        "territory": territory,
        "plan": plan,
        "public": public,
        "sees_draft": sees_draft,
        # Computed only when the memoised blocks of the page are rendered for the first time since
        # the content last changed (plan_detail.html): a 200-action plan costs its queries once.
        "structure": SimpleLazyObject(lambda: selectors.plan_structure(plan, public=public)),
        "content_version": content_version(),
        "can_edit": can_edit and not plan.is_locked and not public,
        "can_follow": request.user.has_perm("plans.follow_up", territory) and not public,
        "can_adopt": request.user.has_perm("plans.adopt_plan", territory),
        "can_team": can_edit,
        # Ordered here: the model's ordering starts with "plan", which expands to the plan's own.
        "adoptions": list(plan.adoptions.select_related("version").order_by("deliberation_date", "pk")),
    }
    return render(request, "plans/plan_detail.html", context)


@login_required
@require_POST
def plan_create(request, slug, territory_slug):
    project, territory = _territory(request, slug, territory_slug)
    require(request.user, "plans.edit_plan", territory)
    form = PlanForm(request.POST)
    if form.is_valid():
        key = parse_submission_key(request)
        if done_url := already_submitted(key):
            return redirect(done_url)
        try:
            with transaction.atomic():
                plan = services.plan_create(
                    territory=territory,
                    user=request.user,
                    title=form.cleaned_data["title"],
                    summary=form.cleaned_data["summary"],
                )
                record_submission(key, plan.get_absolute_url())
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
            return redirect("plans:plan_detail", slug, territory_slug)
        messages.success(request, _("Le plan d'action est créé. Ajoutez-lui un premier axe."))
        return redirect(plan)
    return render(
        request,
        "plans/plan_empty.html",
        {"project": project, "territory": territory, "form": form, "can_edit": True},
        status=400,
    )


@login_required
def plan_edit(request, slug, territory_slug):
    project, territory, plan = _team_plan(request, slug, territory_slug)
    return _saved_or_form(
        request,
        PlanForm(request.POST or None, instance=plan),
        save=lambda data: services.plan_update(
            plan=plan, user=request.user, title=data["title"], summary=data["summary"]
        ),
        success=_("Le plan est enregistré."),
        redirect_to=plan,
        context={
            "project": project,
            "territory": territory,
            "plan": plan,
            "heading": _("Titre et présentation du plan"),
        },
    )


# Structure: axes, objectives, actions ------------------------------------------------------------


@login_required
def axis_form(request, slug, territory_slug, axis_id=None):
    project, territory, plan = _team_plan(request, slug, territory_slug)
    axis = get_object_or_404(Axis, pk=axis_id, plan=plan) if axis_id else None
    return _saved_or_form(
        request,
        AxisForm(request.POST or None, instance=axis),
        save=lambda data: services.axis_save(plan=plan, user=request.user, axis=axis, **data),
        success=_("L'axe est enregistré."),
        redirect_to=plan,
        context={
            "project": project,
            "territory": territory,
            "plan": plan,
            "heading": _("Modifier l'axe") if axis else _("Ajouter un axe"),
        },
    )


@login_required
def objective_form(request, slug, territory_slug, objective_id=None):
    project, territory, plan = _team_plan(request, slug, territory_slug)
    objective = get_object_or_404(Objective, pk=objective_id, plan=plan) if objective_id else None
    if objective is None and not plan.axes.exists():
        messages.info(request, _("Ajoutez d'abord un axe : chaque objectif relève d'un axe."))
        return redirect("plans:axis_create", slug, territory_slug)
    # The link's axis only when it names one: an explicit None would override the edited objective's.
    initial = {"axis": request.GET["axe"]} if request.GET.get("axe") else {}
    form = ObjectiveForm(request.POST or None, instance=objective, plan=plan, initial=initial)
    return _saved_or_form(
        request,
        form,
        save=lambda data: services.objective_save(plan=plan, user=request.user, objective=objective, **data),
        success=_("L'objectif est enregistré."),
        redirect_to=plan,
        context={
            "project": project,
            "territory": territory,
            "plan": plan,
            "heading": _("Modifier l'objectif") if objective else _("Ajouter un objectif"),
        },
    )


@login_required
def objectives_take_over(request, slug, territory_slug):
    """The co-design's objectives of this territory, taken into the plan with their criteria."""
    from territoires.codesign.models import Objective as CodesignObjective

    project, territory = _territory(request, slug, territory_slug)
    require(request.user, "plans.edit_plan", territory)
    plan = _plan_or_404(territory)
    taken = set(plan.objectives.exclude(codesign_objective=None).values_list("codesign_objective_id", flat=True))
    available = list(
        CodesignObjective.objects.filter(plan__territory=territory).exclude(pk__in=taken).prefetch_related("criteria")
    )
    axes = list(plan.axes.all())
    if request.method == "POST":
        chosen_ids = {value for value in request.POST.getlist("objectifs") if value.isdigit() and len(value) < 19}
        axis = next((a for a in axes if str(a.pk) == request.POST.get("axe")), None)
        try:
            if axis is None:
                raise ValidationError(_("Choisissez l'axe qui recevra ces objectifs."))
            created, skipped = services.objectives_take_over(
                plan=plan,
                user=request.user,
                axis=axis,
                codesign_objectives=[o for o in available if str(o.pk) in chosen_ids],
            )
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            if created:
                messages.success(
                    request,
                    ngettext(
                        "%(n)d objectif repris de la co-construction.",
                        "%(n)d objectifs repris de la co-construction.",
                        len(created),
                    )
                    % {"n": len(created)},
                )
            else:
                messages.info(request, _("Aucun objectif repris de la co-construction."))
            if skipped:
                messages.warning(
                    request,
                    _("Critères sans échéance ou déjà présents, à ajouter à la main : %(names)s.")
                    % {"names": ", ".join(skipped)},
                )
            return redirect(plan)
    context = {"project": project, "territory": territory, "plan": plan, "available": available, "axes": axes}
    return render(request, "plans/objectives_take_over.html", context)


@login_required
def action_form(request, slug, territory_slug, action_id=None):
    project, territory = _territory(request, slug, territory_slug)
    require(request.user, "plans.edit_plan", territory)
    plan = _plan_or_404(territory)
    action = get_object_or_404(Action, pk=action_id, plan=plan) if action_id else None
    if action is None and not plan.objectives.exists():
        messages.info(request, _("Ajoutez d'abord un objectif : chaque action sert un objectif."))
        return redirect("plans:objective_create", slug, territory_slug)
    # Only what the link asks for: an explicit None would override the edited action's own objective
    # and parent (a form's `initial` wins over its instance), and the edit would be refused.
    initial = {
        name: value
        for name, value in (("objective", request.GET.get("objectif")), ("parent", request.GET.get("parente")))
        if value
    }
    form = ActionForm(request.POST or None, instance=action, plan=plan, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = {name: form.cleaned_data.get(name) for name in services.ACTION_FIELDS}
        try:
            saved = services.action_save(
                plan=plan,
                user=request.user,
                action=action,
                objective=form.cleaned_data["objective"],
                parent=form.cleaned_data.get("parent"),
                partners=form.cleaned_data["partners"],
                places=form.cleaned_data["places"],
                data=data,
                expected_revision=form.cleaned_data.get("revision") if action else None,
            )
        except ValidationError as error:
            form_errors_from(error, form)
        else:
            messages.success(request, _("L'action est enregistrée."))
            return redirect(saved)
    heading = _("Modifier l'action") if action else _("Ajouter une action")
    return _form_page(
        request,
        "plans/action_form.html",
        {"project": project, "territory": territory, "plan": plan, "form": form, "heading": heading, "action": action},
        form,
    )


def _action_or_404(request, pk, permission):
    action = get_object_or_404(
        Action.objects.select_related(
            "plan__territory__organisation", "plan__project", "plan__adopted_version", "objective", "parent"
        ),
        pk=pk,
    )
    territory = action.plan.territory
    if not request.user.has_perm("projects.view_project", action.plan.project):
        raise Http404
    if not request.user.has_perm(permission, territory):
        if permission == "plans.view_draft" and request.user.has_perm("plans.view_adopted", territory):
            adopted = action.plan.adopted_version
            if adopted and any(item["id"] == action.pk for item in adopted.snapshot.get("actions", [])):
                return action, True
        raise Http404 if permission == "plans.view_draft" else PermissionDenied
    return action, False


def action_detail(request, pk):
    action, public = _action_or_404(request, pk, "plans.view_draft")
    plan, territory = action.plan, action.plan.territory
    origins = links_resolve(request.user, list(action.origins.all()))
    can_team = request.user.has_perm("plans.edit_plan", territory) and not public
    context = {
        "action": action,
        "plan": plan,
        "project": plan.project,
        "territory": territory,
        "public": public,
        "origins": origins,
        "milestones": list(action.milestones.all()),
        "updates": list(action.updates.all()[:50]),
        "children": list(action.children.all()),
        "percent": progress.actions_progress(
            list(plan.actions.only("pk", "parent_id", "status", "progress", "weight"))
        ).get(action.pk),
        "partners": list(action.partners.all()),
        "places": list(action.places.all()),
        "can_edit": can_team and not plan.is_locked,
        "can_follow": can_team,
    }
    if can_team:
        context["follow_form"] = FollowUpForm(
            initial={"status": action.status, "progress": action.progress, "revision": action.revision}
        )
        context["milestone_form"] = MilestoneForm()
        context["update_form"] = ActionUpdateForm()
        context["origin_form"] = OriginForm(choices_by_kind=_origin_choices(plan))
    return render(request, "plans/action_detail.html", context)


def _origin_choices(plan) -> dict:
    choices = {}
    for key, kind in ORIGIN_KINDS.items():
        items = [(obj.pk, kind.name_of(obj)[:120]) for obj in kind.candidates(plan)[:500]]
        if items:
            choices[str(kind.label)] = [(f"{key}:{pk}", name) for pk, name in items]
    return choices


@login_required
@require_POST
def action_follow_up(request, pk):
    action, _public = _action_or_404(request, pk, "plans.follow_up")
    form = FollowUpForm(request.POST)
    if form.is_valid():
        try:
            services.action_follow_up(
                action=action,
                user=request.user,
                status=form.cleaned_data["status"],
                progress=form.cleaned_data["progress"],
                expected_revision=form.cleaned_data.get("revision"),
            )
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, _("Le suivi de l'action est enregistré."))
    else:
        messages.error(
            request,
            _("Le suivi n'est pas enregistré : %(errors)s")
            % {"errors": " ".join(e for errs in form.errors.values() for e in errs)},
        )
    return redirect(action)


@login_required
@require_POST
def milestone_add(request, pk):
    action, _public = _action_or_404(request, pk, "plans.follow_up")
    form = MilestoneForm(request.POST)
    if form.is_valid():
        try:
            services.milestone_add(action=action, user=request.user, **form.cleaned_data)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, _("Le jalon est ajouté."))
    else:
        messages.error(request, _("Le jalon n'est pas ajouté : indiquez son intitulé et une date valide."))
    return redirect(action)


@login_required
@require_POST
def action_update_add(request, pk):
    action, _public = _action_or_404(request, pk, "plans.follow_up")
    form = ActionUpdateForm(request.POST)
    if form.is_valid():
        key = parse_submission_key(request)
        if already_submitted(key):
            return redirect(action)
        try:
            with transaction.atomic():
                services.action_update_add(
                    action=action,
                    user=request.user,
                    happened_on=form.cleaned_data["happened_on"],
                    text=form.cleaned_data["text"],
                )
                record_submission(key, action.get_absolute_url())
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, _("L'étape du suivi est ajoutée."))
    else:
        messages.error(
            request, _("L'étape du suivi n'est pas ajoutée : indiquez une date valide et ce qui s'est passé.")
        )
    return redirect(action)


@login_required
@require_POST
def plan_comment(request, slug, territory_slug):
    project, territory = _territory(request, slug, territory_slug)
    require(request.user, "plans.comment_plan", territory)
    plan = _plan_or_404(territory)
    form = CommentForm(request.POST)
    if form.is_valid():
        key = parse_submission_key(request)
        if not already_submitted(key):
            with transaction.atomic():
                services.plan_comment_add(plan=plan, user=request.user, text=form.cleaned_data["text"])
                record_submission(key, reverse("plans:plan_versions", args=[slug, territory_slug]))
            messages.success(request, _("Votre commentaire est publié pour les membres du projet."))
    else:
        messages.error(request, _("Le commentaire est vide ou trop long (3 000 caractères au plus)."))
    return redirect(reverse("plans:plan_versions", args=[slug, territory_slug]) + "#commentaires")


@login_required
@require_POST
def milestone_reach(request, pk):
    milestone = get_object_or_404(Milestone.objects.select_related("action__plan__territory"), pk=pk)
    action, _public = _action_or_404(request, milestone.action_id, "plans.follow_up")
    from django.utils import timezone

    try:
        services.milestone_reach(milestone=milestone, user=request.user, done_on=timezone.localdate())
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("Le jalon est marqué atteint."))
    return redirect(action)


@login_required
@require_POST
def origin_add(request, pk):
    action, _public = _action_or_404(request, pk, "plans.edit_plan")
    kind, _sep, target = request.POST.get("target_id", "").partition(":")
    try:
        if not target.isdigit() or len(target) > 18:
            raise ValidationError(_("Choisissez un élément de la liste."))
        services.origin_add(
            action=action, user=request.user, kind=kind, target_id=int(target), note=request.POST.get("note", "")[:500]
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("L'origine est ajoutée à l'action."))
    return redirect(action)


# Indicators ---------------------------------------------------------------------------------------


@login_required
def indicator_form(request, slug, territory_slug):
    project, territory, plan = _team_plan(request, slug, territory_slug)
    initial = {"objective": request.GET.get("objectif"), "action": request.GET.get("action")}
    return _saved_or_form(
        request,
        IndicatorForm(request.POST or None, plan=plan, initial=initial),
        save=lambda data: services.indicator_save(plan=plan, user=request.user, data=data),
        success=_("L'indicateur est enregistré."),
        redirect_to=lambda indicator: indicator,
        context={"project": project, "territory": territory, "plan": plan, "heading": _("Ajouter un indicateur")},
    )


def indicator_detail(request, pk):
    indicator = get_object_or_404(
        Indicator.objects.select_related(
            "plan__territory__organisation", "plan__project", "plan__adopted_version", "objective", "action"
        ),
        pk=pk,
    )
    plan, territory = indicator.plan, indicator.plan.territory
    if not request.user.has_perm("projects.view_project", plan.project):
        raise Http404
    sees_draft = request.user.has_perm("plans.view_draft", territory)
    if not sees_draft:
        adopted = plan.adopted_version
        if not (adopted and any(i["id"] == indicator.pk for i in adopted.snapshot.get("indicators", []))):
            raise Http404
    can_measure = request.user.has_perm("plans.follow_up", territory)
    form = MeasurementForm(request.POST or None) if can_measure else None
    status = 200
    if request.method == "POST":
        if not can_measure:
            return _deny(request)
        if form.is_valid():
            key = parse_submission_key(request)
            if already_submitted(key):
                return redirect(indicator)
            try:
                with transaction.atomic():
                    services.measurement_add(
                        indicator=indicator,
                        user=request.user,
                        measured_on=form.cleaned_data["measured_on"],
                        value=form.cleaned_data["value"],
                        source=form.cleaned_data["source"],
                    )
                    record_submission(key, indicator.get_absolute_url())
            except ValidationError as error:
                form_errors_from(error, form)
            else:
                messages.success(request, _("La mesure est enregistrée."))
                return redirect(indicator)
        status = 400
    measurements = list(indicator.measurements.all())
    context = {
        "indicator": indicator,
        "plan": plan,
        "project": plan.project,
        "territory": territory,
        "measurements": measurements,
        "percent": progress.indicator_progress(indicator, measurements),
        "chart": charts.indicator_chart(indicator, measurements),
        "form": form,
        "reads_survey": indicator.source_kind == Indicator.Source.SURVEY,
        "survey_words": _survey_words(indicator),
        "read_form": SurveyReadForm() if can_measure and indicator.source_kind == Indicator.Source.SURVEY else None,
    }
    return render(request, "plans/indicator_detail.html", context, status=status)


def _survey_words(indicator) -> dict:
    """The question and the answer an indicator reads, in the survey's words (their codes are for exports)."""
    if indicator.source_kind != Indicator.Source.SURVEY or indicator.survey_id is None:
        return {}
    question = indicator.survey.questions.filter(code=indicator.survey_question_code).only("label", "options").first()
    if question is None:
        return {"question": indicator.survey_question_code, "option": indicator.survey_option_code}
    options = {
        str(item.get("code", "")): str(item.get("label") or item.get("code", "")) for item in question.options or []
    }
    return {
        "question": question.label,
        "option": options.get(indicator.survey_option_code, indicator.survey_option_code),
    }


@login_required
@require_POST
def indicator_read_survey(request, pk):
    """« Lire maintenant » : the indicator's survey, read from its dashboard, recorded as a measurement
    (dated the survey's closing day, or today while it is open); a resent form is recorded once."""
    indicator = get_object_or_404(Indicator.objects.select_related("plan__territory__project", "survey"), pk=pk)
    require(request.user, "plans.follow_up", indicator.plan.territory)
    form = SurveyReadForm(request.POST)
    key = parse_submission_key(request) if form.is_valid() else None
    if key is not None and already_submitted(key):
        return redirect(indicator)
    try:
        with transaction.atomic():
            measurement = services.indicator_read_survey(indicator=indicator, user=request.user)
            if key is not None:
                record_submission(key, indicator.get_absolute_url())
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(
            request,
            _("L'enquête est lue : %(value)s %(unit)s au %(date)s.")
            % {
                "value": f"{measurement.value.normalize():f}".replace(".", ","),
                "unit": indicator.unit,
                "date": measurement.measured_on.strftime("%d/%m/%Y"),
            },
        )
    return redirect(indicator)


@login_required
def measurements_import(request, slug, territory_slug):
    project, territory = _territory(request, slug, territory_slug)
    require(request.user, "plans.follow_up", territory)
    plan = _plan_or_404(territory)
    form = MeasurementImportForm(request.POST or None, request.FILES or None)
    problems = []
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            content = upload.read(services.MAX_CSV_BYTES + 1)
            count = services.measurements_import(plan=plan, user=request.user, content=content)
        except ValidationError as error:
            problems = error.messages
        else:
            messages.success(request, _("%(count)d mesures importées.") % {"count": count})
            return redirect(plan)
    context = {"project": project, "territory": territory, "plan": plan, "form": form, "problems": problems}
    return render(request, "plans/measurements_import.html", context, status=400 if (problems or form.errors) else 200)


EXPORTS = {
    "actions.csv": (
        "text/csv; charset=utf-8",
        lambda s: exports.as_csv(exports.ACTION_COLUMNS, exports.action_rows(s)),
    ),
    "indicateurs.csv": (
        "text/csv; charset=utf-8",
        lambda s: exports.as_csv(exports.INDICATOR_COLUMNS, exports.indicator_rows(s)),
    ),
    "decidim-resultats.csv": (
        "text/csv; charset=utf-8",
        lambda s: exports.as_csv(exports.DECIDIM_COLUMNS, exports.decidim_rows(s), delimiter=","),
    ),
    "plan.xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", exports.as_xlsx),
}


def plan_export(request, slug, territory_slug, name):
    """The plan as its reader sees it on the page (working or adopted version), as a file."""
    project, territory = _territory(request, slug, territory_slug)
    if name not in EXPORTS:
        raise Http404
    plan = _plan_or_404(territory)
    public = not request.user.has_perm("plans.view_draft", territory)
    if public and not (plan.adopted_version_id and request.user.has_perm("plans.view_adopted", territory)):
        raise Http404
    content_type, build = EXPORTS[name]
    response = HttpResponse(build(selectors.plan_structure(plan, public=public)), content_type=content_type)
    filename = safe_download_name(
        f"plan-{territory.organisation.slug}-{name.rsplit('.', 1)[0]}", name.rsplit(".", 1)[1]
    )
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


# Versions, vote, adoption -------------------------------------------------------------------------


def plan_versions(request, slug, territory_slug):
    project, territory = _territory(request, slug, territory_slug)
    if not request.user.has_perm("plans.view_draft", territory):
        raise Http404
    plan = _plan_or_404(territory)
    versions = list(plan.versions.select_related("created_by").prefetch_related("adoption"))
    form = VersionNoteForm()
    diff = None
    numbers = {v.number: v for v in versions}
    older, newer = request.GET.get("de"), request.GET.get("a")
    if older and newer:
        try:
            old, new = numbers[int(older)], numbers[int(newer)]
        except (KeyError, ValueError, OverflowError):
            messages.error(request, _("Choisissez deux versions de la liste."))
        else:
            diff = {"old": old, "new": new, "sentences": versions_diff(old.snapshot, new.snapshot)}
    elif versions and request.GET.get("courant"):
        diff = {
            "old": versions[0],
            "new": None,
            "sentences": versions_diff(versions[0].snapshot, services.plan_snapshot(plan)),
        }
    context = {
        "project": project,
        "territory": territory,
        "plan": plan,
        "versions": versions,
        "diff": diff,
        "form": form,
        "can_edit": request.user.has_perm("plans.edit_plan", territory),
        "comments": list(plan.comments.select_related("author")),
        "comment_form": CommentForm() if request.user.has_perm("plans.comment_plan", territory) else None,
    }
    return render(request, "plans/versions.html", context)


@login_required
@require_POST
def plan_version_save(request, slug, territory_slug):
    project, territory = _territory(request, slug, territory_slug)
    require(request.user, "plans.edit_plan", territory)
    plan = _plan_or_404(territory)
    form = VersionNoteForm(request.POST)
    note = form.cleaned_data["note"] if form.is_valid() else ""
    version = services.plan_version_save(plan=plan, user=request.user, note=note)
    messages.success(request, _("Version %(number)d enregistrée.") % {"number": version.number})
    return redirect("plans:plan_versions", slug, territory_slug)


@login_required
@require_POST
def plan_submit(request, slug, territory_slug):
    project, territory = _territory(request, slug, territory_slug)
    require(request.user, "plans.edit_plan", territory)
    plan = _plan_or_404(territory)
    try:
        if request.POST.get("action") == "withdraw":
            services.plan_withdraw_submission(plan=plan, user=request.user)
            messages.success(request, _("Le plan est retiré du vote : il se modifie de nouveau."))
        else:
            version = services.plan_submit(plan=plan, user=request.user)
            messages.success(
                request, _("La version %(number)d est soumise au vote du conseil.") % {"number": version.number}
            )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    return redirect(plan)


@login_required
def plan_adopt(request, slug, territory_slug):
    project, territory = _territory(request, slug, territory_slug)
    require(request.user, "plans.adopt_plan", territory)
    plan = _plan_or_404(territory)
    form = AdoptionForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        key = parse_submission_key(request)
        if already_submitted(key):
            return redirect(plan)
        try:
            with transaction.atomic():
                services.plan_adopt(
                    plan=plan,
                    user=request.user,
                    deliberation=form.deliberation_values(),
                    deliberation_document=form.cleaned_data["deliberation_document"],
                )
                record_submission(key, plan.get_absolute_url())
        except ValidationError as error:
            form_errors_from(error, form)
        else:
            messages.success(
                request, _("L'adoption est enregistrée : le plan est publié et le calendrier du territoire avance.")
            )
            return redirect(plan)
    context = {
        "project": project,
        "territory": territory,
        "plan": plan,
        "form": form,
        "version": plan.versions.order_by("-number").first(),
    }
    return _form_page(request, "plans/adopt.html", context, form)


@login_required
@require_POST
def plan_amend(request, slug, territory_slug):
    project, territory = _territory(request, slug, territory_slug)
    require(request.user, "plans.adopt_plan", territory)
    plan = _plan_or_404(territory)
    try:
        services.plan_amend(plan=plan, user=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(
            request, _("Une modification du plan est ouverte ; le public lit toujours la version adoptée.")
        )
    return redirect(plan)


def adoption_document(request, slug, territory_slug, adoption_id):
    """The council's deliberation (a public act): for whoever may read the adopted plan."""
    project, territory = _territory(request, slug, territory_slug)
    plan = _plan_or_404(territory)
    if not request.user.has_perm("plans.view_adopted", territory):
        raise Http404
    adoption = get_object_or_404(plan.adoptions, pk=adoption_id)
    name = safe_download_name(f"deliberation-{adoption.deliberation_number}", "pdf")
    return stored_file_response(
        adoption.deliberation_document,
        filename=name,
        content_type="application/pdf",
        headers={"Content-Security-Policy": "sandbox"},
    )


# What became of residents' words ------------------------------------------------------------------


@login_required
def outcomes(request, slug, territory_slug):
    """The team says what became of each contribution of its residents."""
    project, territory = _territory(request, slug, territory_slug)
    require(request.user, "plans.edit_plan", territory)
    plan = _plan_or_404(territory)
    form = OutcomeForm(request.POST or None, plan=plan)
    if request.method == "POST":
        kind, _sep, target = request.POST.get("contribution", "").partition(":")
        if form.is_valid() and target.isdigit() and len(target) < 19:
            try:
                services.outcome_set(
                    plan=plan, user=request.user, kind=kind, target_id=int(target), **form.cleaned_data
                )
            except ValidationError as error:
                messages.error(request, " ".join(error.messages))
            else:
                messages.success(request, _("Le devenir de la contribution est enregistré."))
                return redirect("plans:outcomes", slug, territory_slug)
        else:
            messages.error(request, _("Choisissez une contribution et son devenir."))
    context = {
        "project": project,
        "territory": territory,
        "plan": plan,
        "form": form,
        "contributions": feedback.contributions_with_outcomes(plan, request.user),
    }
    return render(request, "plans/outcomes.html", context)


@public_page_cache
def feedback_page(request, slug, territory_slug):
    """« Ce que nous avons fait de votre parole » : public once the plan is adopted."""
    project, territory = _territory(request, slug, territory_slug)
    plan = ActionPlan.objects.select_related("adopted_version").filter(territory=territory).first()
    if plan is None or not plan.adopted_version_id or not request.user.has_perm("plans.view_adopted", territory):
        raise Http404
    context = {
        "project": project,
        "territory": territory,
        "plan": plan,
        "contributions": feedback.public_outcomes(plan),
        "receipt_form": ReceiptForm(),
        "restitutions": selectors.upcoming_restitutions(territory),
    }
    if request.user.has_perm("plans.edit_plan", territory):
        context["restitution_form"] = RestitutionForm(territory=territory)
    return render(request, "plans/feedback.html", context)


@login_required
def restitution_schedule(request, slug, territory_slug):
    """The team schedules a restitution meeting from the feedback page: a workshop residents register to."""
    project, territory = _territory(request, slug, territory_slug)
    require(request.user, "plans.edit_plan", territory)
    plan = _plan_or_404(territory)
    form = RestitutionForm(request.POST or None, territory=territory)
    if request.method == "POST" and form.is_valid():
        key = parse_submission_key(request)
        if replay := already_submitted(key):
            return redirect(replay)
        try:
            with transaction.atomic():
                workshop = services.restitution_schedule(plan=plan, user=request.user, data=form.cleaned_data)
                record_submission(key, workshop.get_absolute_url())
        except ValidationError as error:
            form_errors_from(error, form)
        else:
            messages.success(
                request,
                _(
                    "La réunion de restitution est publiée : les habitants la voient sur la page « Votre parole » et s'y inscrivent."
                ),
            )
            return redirect("plans:feedback", slug, territory_slug)
    context = {
        "project": project,
        "territory": territory,
        "plan": plan,
        "form": form,
        "heading": _("Programmer une réunion de restitution"),
    }
    return _form_page(request, "plans/simple_form.html", context, form)


@never_cache
@require_GET
def receipt(request):
    """A resident types the receipt code they were given and reads what became of their words.

    An unknown code and a code with no news yet get the same page (codes cannot be probed), and
    every lookup counts towards the client's limit."""
    from territoires.surveys.collection import rate_limit_exceeded, rate_limit_message

    form = ReceiptForm(request.GET or None)
    news = None
    if form.is_bound and form.is_valid():
        if rate_limit_exceeded(request, scope="plans-receipt"):
            return HttpResponse(rate_limit_message(), status=429, content_type="text/plain; charset=utf-8")
        code = receipt_code_normalise(form.cleaned_data["code"])
        cacheable = code is not None and feedback.receipt_page_cacheable(request)
        if cacheable and (page := feedback.survey_receipt_page_rendered(code, request.LANGUAGE_CODE)) is not None:
            return HttpResponse(page)
        found = receipt_find(form.cleaned_data["code"])
        if cacheable:
            return _receipt_page_cached(request, found, code)
        news = feedback.receipt_news(found) if found else []
    return render(request, "plans/receipt.html", {"form": form, "news": news, "looked_up": news is not None})


def _receipt_page_cached(request, found, code: str) -> HttpResponse:
    """A visitor's page for a code: the same for every code whose news are the same (every answer to
    one survey in one territory; every unknown code and every code without news), so it is rendered
    once per content version with a slot where the code goes, then served with the code put in
    (`make bench ONLY=plans.receipt`; fenced by tests/plans/test_receipt_page_cache.py). The code
    is put in normalised (capitals and digits only), so it needs no escaping in the input's value
    nor in the language link's query string."""
    from django.core.cache import cache

    key = feedback.receipt_page_key(found, request.LANGUAGE_CODE)
    content = cache.get(key)
    if content is None:
        news = feedback.receipt_news(found) if found else []
        slot = feedback.RECEIPT_CODE_SLOT
        # The page as if the slot had been typed: the form's value and the language link carry it.
        query_string = request.META.get("QUERY_STRING", "")
        request.META["QUERY_STRING"] = f"code={slot}"
        try:
            form = ReceiptForm(initial={"code": slot})
            response = render(request, "plans/receipt.html", {"form": form, "news": news, "looked_up": True})
        finally:
            request.META["QUERY_STRING"] = query_string
        content = response.content.decode()
        if request.META.get("CSRF_COOKIE_NEEDS_UPDATE") or response.cookies:
            return HttpResponse(content.replace(slot, code))
        cache.set(key, content, timeout=3600)
    return HttpResponse(content.replace(feedback.RECEIPT_CODE_SLOT, code))


@login_required
@require_POST
def feedback_publish(request, slug, territory_slug):
    project, territory = _territory(request, slug, territory_slug)
    require(request.user, "plans.edit_plan", territory)
    plan = _plan_or_404(territory)
    try:
        services.feedback_publish(plan=plan, user=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(
            request,
            _("Le retour aux habitants est publié ; ceux qui ont laissé leur adresse le reçoivent par courriel."),
        )
    return redirect("plans:outcomes", slug, territory_slug)


@login_required
@require_GET
def feedback_poster(request, slug, territory_slug):
    """A printable A4 poster with the QR code of the feedback page, for the survey group to take back
    to the places where residents were asked."""
    import segno
    from django.template.loader import render_to_string
    from django.utils import translation
    from weasyprint import HTML

    project, territory = _territory(request, slug, territory_slug)
    require(request.user, "plans.edit_plan", territory)
    plan = _plan_or_404(territory)
    if not plan.adopted_version_id:
        raise Http404
    link = request.build_absolute_uri(reverse("plans:feedback", args=[slug, territory_slug]))
    with translation.override("fr"):
        context = {
            "plan": plan,
            "town": territory.organisation.name,
            "link": link,
            "receipt_link": request.build_absolute_uri(reverse("plans:receipt")),
            "restitution": selectors.next_restitution(territory),
            "qr_svg": segno.make(link, error="m").svg_inline(
                scale=10, dark="#000091", omitsize=True, title=_("Code QR de la page : %(link)s") % {"link": link}
            ),
        }
        html = render_to_string("plans/poster_pdf.html", context, request=request)
    pdf = HTML(string=html, base_url=request.build_absolute_uri("/")).write_pdf(pdf_variant="pdf/ua-1")
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = (
        f'inline; filename="{safe_download_name(f"affiche-retour-{territory_slug}", "pdf")}"'
    )
    return response


@never_cache
@csrf_exempt  # checked below: only the RFC 8058 one-click body goes without a CSRF token
def contact_unsubscribe(request, token):
    """Erase the address a resident left with their survey answers (the link of the feedback e-mail;
    RFC 8058's one-click POST, or the confirmation form of this page)."""
    contact = feedback.contact_from_token(token)
    if contact is None:
        return render(request, "plans/contact_unsubscribe.html", {"invalid": True}, status=404)

    def erase(request):
        contact.delete()
        return render(request, "plans/contact_unsubscribe.html", {"done": True})

    if request.method == "POST":
        if request.POST.get("List-Unsubscribe") == "One-Click":
            return erase(request)
        return csrf_protect(erase)(request)
    return render(request, "plans/contact_unsubscribe.html", {"email": contact.email})


# Evaluation ---------------------------------------------------------------------------------------


def _report_date(request):
    text = request.GET.get("date", "")
    try:
        day = datetime.date.fromisoformat(text) if text else None
    except ValueError:
        return None, _("Date illisible : choisissez une date dans le calendrier.")
    if day is not None and not 1900 <= day.year <= 2100:
        return None, _("Saisissez une date valide.")
    return day, ""


def plan_report(request, slug, territory_slug):
    """The evaluation report at a chosen date, as a page; the team asks for its PDF."""
    from django.utils import timezone

    from territoires.plans import reports
    from territoires.plans.models import EvaluationReport

    project, territory = _territory(request, slug, territory_slug)
    if not request.user.has_perm("plans.view_draft", territory):
        raise Http404
    plan = _plan_or_404(territory)
    day, error = _report_date(request)
    as_of = min(day or timezone.localdate(), timezone.localdate())
    can_request = request.user.has_perm("plans.follow_up", territory)
    if request.method == "POST":
        if not can_request:
            raise PermissionDenied
        try:
            requested = datetime.date.fromisoformat(request.POST.get("date", ""))
            reports.report_request(plan=plan, user=request.user, as_of=requested)
        except ValueError:
            messages.error(request, _("Date illisible : choisissez une date dans le calendrier."))
        except ValidationError as problem:
            messages.error(request, " ".join(problem.messages))
        else:
            messages.success(
                request, _("Le rapport PDF est en préparation ; il apparaît ci-dessous dès qu'il est prêt.")
            )
        return redirect(reverse("plans:plan_report", args=[slug, territory_slug]) + f"?date={as_of.isoformat()}")
    context = {
        "project": project,
        "territory": territory,
        **reports.report_context(plan, as_of),
        "date_error": error,
        "can_request": can_request,
        "reports": list(EvaluationReport.objects.filter(plan=plan)[:10]),
    }
    return render(request, "plans/report.html", context, status=400 if error else 200)


def report_download(request, slug, territory_slug, report_id):
    from territoires.plans.models import EvaluationReport

    project, territory = _territory(request, slug, territory_slug)
    if not request.user.has_perm("plans.view_draft", territory):
        raise Http404
    report = get_object_or_404(
        EvaluationReport, pk=report_id, plan__territory=territory, status=EvaluationReport.Status.DONE
    )
    return stored_file_response(
        report.file,
        filename=safe_download_name(f"rapport-{territory_slug}-{report.as_of}", "pdf"),
        content_type="application/pdf",
    )


# The consultancy's synthesis of proposals ---------------------------------------------------------


def synthesis(request, slug, proposal_id=None):
    """The synthesis of proposals for the whole project: each proposal with the towns and objectives
    it came from and the evidence it rests on. Written by the consultancy and the facilitators; read
    by the project's members, and by everyone once published."""
    from territoires.plans.forms import ProposalForm
    from territoires.plans.models import Proposal

    project = get_project_or_404(slug, request.user, with_progress=False)
    can_edit = request.user.has_perm("plans.edit_synthesis", project)
    is_member = request.user.has_perm("projects.view_members_area", project)
    proposals = Proposal.objects.filter(project=project).prefetch_related(
        "objectives__plan__territory__organisation", "evidence"
    )
    if not is_member:
        proposals = proposals.filter(is_published=True)
    editing = get_object_or_404(Proposal, pk=proposal_id, project=project) if proposal_id else None
    form = None
    if can_edit:
        form = ProposalForm(request.POST or None, instance=editing, project=project)
        if request.method == "POST" and form.is_valid():
            try:
                services.proposal_save(project=project, user=request.user, proposal=editing, **form.cleaned_data)
            except ValidationError as error:
                form_errors_from(error, form)
            else:
                messages.success(request, _("La proposition est enregistrée."))
                return redirect("plans:synthesis", slug)
    elif request.method == "POST":
        return _deny(request)
    rows = []
    for proposal in proposals:
        objectives = list(proposal.objectives.all())
        rows.append(
            {
                "proposal": proposal,
                "towns": sorted({o.plan.territory.organisation.name for o in objectives}),
                "objectives": objectives,
                "evidence": links_resolve(request.user, list(proposal.evidence.all())),
            }
        )
    context = {
        "project": project,
        "rows": rows,
        "form": form,
        "editing": editing,
        "can_edit": can_edit,
        "evidence_choices": _project_origin_choices(project) if can_edit else {},
    }
    return render(request, "plans/synthesis.html", context, status=400 if form is not None and form.errors else 200)


def _project_origin_choices(project) -> dict:
    choices = {}
    for key, kind in ORIGIN_KINDS.items():
        items = [(f"{key}:{obj.pk}", kind.name_of(obj)[:120]) for obj in kind.project_candidates(project)[:500]]
        if items:
            choices[str(kind.label)] = items
    return choices


@login_required
@require_POST
def proposal_evidence_add(request, slug, proposal_id):
    from territoires.plans.models import Proposal

    project = get_project_or_404(slug, request.user, with_progress=False)
    require(request.user, "plans.edit_synthesis", project)
    proposal = get_object_or_404(Proposal, pk=proposal_id, project=project)
    kind, _sep, target = request.POST.get("target_id", "").partition(":")
    try:
        if not target.isdigit() or len(target) > 18:
            raise ValidationError(_("Choisissez un élément de la liste."))
        services.proposal_evidence_add(
            proposal=proposal, user=request.user, kind=kind, target_id=int(target), note=request.POST.get("note", "")
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("L'élément à l'appui est ajouté."))
    return redirect("plans:synthesis", slug)
