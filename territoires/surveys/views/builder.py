"""Builder views of the resident survey: the project's surveys, the questionnaire (sections,
questions, conditions, preview, versions), XLSForm import and export, and each territory's
deployment (neighbourhoods, open or closed, survey group).

The facilitators and the consultancy build the common questionnaire (surveys.change_survey); a
referent adds and edits its own territory's questions and manages its deployment
(surveys.manage_deployment). Views stay thin: the services in questionnaire.py check everything.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Count, Prefetch
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template import TemplateDoesNotExist
from django.template.loader import get_template
from django.urls import path, reverse
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_POST

from territoires.core.idempotency import already_submitted, parse_submission_key, record_submission
from territoires.projects.models import Participation
from territoires.projects.views.common import form_errors_from, get_project_or_404, id_from, require
from territoires.surveys import questionnaire
from territoires.surveys.forms_builder import (
    CollectorForm,
    DeploymentForm,
    QuestionForm,
    SectionForm,
    SurveyCreateForm,
    SurveySettingsForm,
    XLSFormImportForm,
)
from territoires.surveys.models import AGE_BANDS, Collector, Deployment, Question, Response, Section, Survey

# The resident form draws each question with this template (survey-collect); the preview reuses it.
QUESTION_TEMPLATE = "surveys/collect/_question.html"


# Loading and access ------------------------------------------------------------------------------------


def _get_survey(request, survey_id) -> Survey:
    survey = (
        Survey.objects.select_related("project__facilitator_organisation", "previous_version")
        .prefetch_related(
            Prefetch("project__participations", queryset=Participation.objects.select_related("organisation"))
        )
        .filter(pk=survey_id)
        .first()
    )
    if survey is None:
        raise Http404
    require(request.user, "projects.view_members_area", survey.project)
    return survey


def _deployments(survey: Survey) -> list[Deployment]:
    return list(
        survey.deployments.select_related("participation__organisation", "survey__project")
        .prefetch_related("collectors")
        .order_by("participation__organisation__name")
    )


class Access:
    """What the user may do in this survey's builder."""

    def __init__(self, user, survey: Survey, deployments: list[Deployment]):
        self.can_change = user.has_perm("surveys.change_survey", survey)
        self.managed = [d for d in deployments if user.has_perm("surveys.manage_deployment", d)]
        self.participation_ids = {d.participation_id for d in self.managed}
        if not self.can_change and not self.managed:
            raise PermissionDenied

    def may_edit_question(self, question: Question) -> bool:
        return self.can_change or (
            question.participation_id is not None and question.participation_id in self.participation_ids
        )


def _access(request, survey) -> tuple[Access, list[Deployment]]:
    deployments = _deployments(survey)
    return Access(request.user, survey, deployments), deployments


def _builder_url(survey: Survey, anchor: str = "") -> str:
    return reverse("surveys:builder", args=[survey.pk]) + (f"#{anchor}" if anchor else "")


def _refusal(request, error: ValidationError) -> None:
    messages.error(request, " ".join(error.messages))


# The project's surveys ---------------------------------------------------------------------------------


@login_required
def project_surveys(request, slug):
    project = get_project_or_404(slug, request.user, with_progress=False)
    require(request.user, "projects.view_members_area", project)
    user = request.user
    surveys = (
        Survey.objects.filter(project=project)
        .select_related("previous_version")
        .prefetch_related(
            Prefetch(
                "deployments",
                queryset=Deployment.objects.select_related("participation__organisation", "survey").order_by(
                    "participation__organisation__name"
                ),
            )
        )
        .annotate(question_count=Count("questions", distinct=True))
        .order_by("-created_at")
    )
    page = Paginator(surveys, 10).get_page(request.GET.get("page"))
    surveys_on_page = list(page.object_list)
    counts = {
        row["deployment_id"]: row["n"]
        for row in Response.objects.filter(survey__in=surveys_on_page)
        .values("deployment_id")
        .annotate(n=Count("pk"))
        .order_by()
    }
    rows = []
    for survey in surveys_on_page:
        survey.project = project  # the rules read survey.project and its loaded participations
        all_territories = user.has_perm("surveys.view_all_territories", survey)
        territories = []
        for deployment in survey.deployments.all():
            deployment.survey = survey  # the rules read deployment.survey.project
            mine = user.has_perm("surveys.manage_deployment", deployment)
            may_collect = user.has_perm("surveys.collect", deployment)
            if not (all_territories or mine or may_collect):
                continue
            territories.append(
                {
                    "deployment": deployment,
                    "answers": counts.get(deployment.pk, 0),
                    "manage": mine,
                    "collect": may_collect and survey.status == Survey.Status.PUBLISHED,
                }
            )
        rows.append(
            {
                "survey": survey,
                "territories": territories,
                "total": sum(counts.get(d.pk, 0) for d in survey.deployments.all()) if all_territories else None,
                "builder": user.has_perm("surveys.change_survey", survey) or any(t["manage"] for t in territories),
                "results": user.has_perm("surveys.view_results", survey),
                "export": user.has_perm("surveys.export", survey),
            }
        )
    return render(
        request,
        "surveys/builder/project_surveys.html",
        {
            "project": project,
            "page_obj": page,
            "rows": rows,
            "can_create": user.has_perm("surveys.change_survey", Survey(project=project)),
        },
    )


@login_required
def survey_create(request, slug):
    project = get_project_or_404(slug, request.user, with_progress=False)
    require(request.user, "surveys.change_survey", Survey(project=project))
    form = SurveyCreateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        key = parse_submission_key(request)
        if done_url := already_submitted(key):
            return redirect(done_url)
        try:
            with transaction.atomic():
                survey = questionnaire.survey_create(
                    project=project,
                    user=request.user,
                    title=form.cleaned_data["title"],
                    second_language=form.cleaned_data["second_language"],
                    introduction=form.cleaned_data["introduction"],
                )
                record_submission(key, _builder_url(survey))
        except ValidationError as error:
            form_errors_from(error, form)
        else:
            messages.success(request, _("L'enquête est créée en brouillon. Ajoutez ses questions."))
            return redirect(_builder_url(survey))
    return render(
        request,
        "surveys/builder/survey_form.html",
        {"project": project, "form": form, "title": _("Nouvelle enquête")},
        status=400 if form.errors else 200,
    )


@login_required
def survey_import(request, slug):
    from territoires.surveys.xlsform import xlsform_import

    project = get_project_or_404(slug, request.user, with_progress=False)
    require(request.user, "surveys.change_survey", Survey(project=project))
    form = XLSFormImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        key = parse_submission_key(request)
        if done_url := already_submitted(key):
            return redirect(done_url)
        try:
            with transaction.atomic():
                survey = xlsform_import(project=project, user=request.user, file=form.cleaned_data["file"])
                record_submission(key, _builder_url(survey))
        except ValidationError as error:
            form.add_error("file", error.messages)
        else:
            messages.success(
                request,
                _("Le questionnaire « %(title)s » est importé en brouillon (%(n)d questions).")
                % {"title": survey.title, "n": survey.questions.count()},
            )
            return redirect(_builder_url(survey))
    return render(
        request,
        "surveys/builder/import.html",
        {"project": project, "form": form},
        status=400 if form.errors else 200,
    )


# The builder -------------------------------------------------------------------------------------------


@login_required
def builder(request, survey_id):
    survey = _get_survey(request, survey_id)
    access, deployments = _access(request, survey)
    sections, questions = questionnaire.ordered_structure(survey)
    by_section = {section.pk: [] for section in sections}
    for question in questions:
        question.editable = access.may_edit_question(question)
        by_section[question.section_id].append(question)
    for index, section in enumerate(sections):
        section.items = by_section[section.pk]
        section.is_first = index == 0
        section.is_last = index == len(sections) - 1
    counts = dict(
        Response.objects.filter(survey=survey).values_list("deployment_id").annotate(n=Count("pk")).order_by()
    )
    for deployment in deployments:
        deployment.answer_count = counts.get(deployment.pk, 0)
        deployment.managed = deployment in access.managed
    titles = {question.code: question for question in questions}
    for item in [*sections, *questions]:
        item.condition_text = describe_condition(item.condition, titles)
    return render(
        request,
        "surveys/builder/builder.html",
        {
            "project": survey.project,
            "survey": survey,
            "sections": sections,
            "question_count": len(questions),
            "deployments": deployments if access.can_change else access.managed,
            "access": access,
            "answer_total": sum(counts.values()),
            "draft_version": survey.next_versions.filter(status=Survey.Status.DRAFT).first(),
            "undeployed": _undeployed(survey, deployments) if access.can_change else [],
        },
    )


def _undeployed(survey, deployments) -> list:
    """Participating territories that joined after the survey was created (none deployed there)."""
    deployed = [d.participation_id for d in deployments]
    active = Participation.objects.filter(project_id=survey.project_id).active_participants()
    return [p.organisation for p in active.exclude(pk__in=deployed).select_related("organisation")]


OPERATOR_WORDS = {
    "in": gettext_lazy("est parmi"),
    "not_in": gettext_lazy("n'est pas parmi"),
    "answered": gettext_lazy("a reçu une réponse"),
    "gte": gettext_lazy("est au moins"),
    "lte": gettext_lazy("est au plus"),
}


def describe_condition(condition, questions_by_code) -> str:
    clauses = questionnaire.clauses_of(condition)
    if not clauses:
        return ""
    parts = []
    for clause in clauses:
        words = OPERATOR_WORDS.get(clause.get("op"), "?")
        values = ", ".join(str(value) for value in clause.get("values", []))
        parts.append(f"« {clause.get('question')} » {words}{' ' + values if values else ''}")
    joiner = _(" ou ") if "any" in condition else _(" et ")
    return joiner.join(parts)


@login_required
def survey_settings(request, survey_id):
    survey = _get_survey(request, survey_id)
    require(request.user, "surveys.change_survey", survey)
    initial = {name: getattr(survey, name) for name in questionnaire.SURVEY_SETTINGS}
    form = SurveySettingsForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            questionnaire.survey_update(survey=survey, user=request.user, **form.cleaned_data)
        except ValidationError as error:
            form_errors_from(error, form)
        else:
            messages.success(request, _("Les informations de l'enquête sont enregistrées."))
            return redirect(_builder_url(survey))
    return render(
        request,
        "surveys/builder/survey_form.html",
        {"project": survey.project, "survey": survey, "form": form, "title": _("Informations de l'enquête")},
        status=400 if form.errors else 200,
    )


@login_required
@require_POST
def survey_status(request, survey_id):
    survey = _get_survey(request, survey_id)
    require(request.user, "surveys.change_survey", survey)
    action = request.POST.get("action")
    services = {
        "publish": (questionnaire.survey_publish, _("L'enquête est publiée : la collecte est ouverte.")),
        "close": (questionnaire.survey_close, _("L'enquête est close : plus aucune réponse n'est acceptée.")),
        "reopen": (questionnaire.survey_reopen, _("L'enquête est rouverte.")),
    }
    if action == "new_version":
        try:
            copy = questionnaire.survey_new_version(survey=survey, user=request.user)
        except ValidationError as error:
            _refusal(request, error)
            return redirect(_builder_url(survey))
        messages.success(
            request,
            _(
                "Nouvelle version créée en brouillon. Faites-y vos changements puis publiez-la : "
                "la version précédente sera alors close, ses réponses restent consultables."
            ),
        )
        return redirect(_builder_url(copy))
    if action == "deploy_missing":
        added = questionnaire.survey_deploy_missing(survey=survey)
        messages.success(
            request,
            ngettext(
                "L'enquête est déployée dans %(n)d territoire de plus.",
                "L'enquête est déployée dans %(n)d territoires de plus.",
                len(added),
            )
            % {"n": len(added)},
        )
        return redirect(_builder_url(survey))
    if action == "delete":
        try:
            questionnaire.survey_delete(survey=survey, user=request.user)
        except ValidationError as error:
            _refusal(request, error)
            return redirect(_builder_url(survey))
        messages.success(request, _("Le brouillon « %(title)s » est supprimé.") % {"title": survey.title})
        return redirect("surveys:project_surveys", survey.project.slug)
    if action not in services:
        messages.error(request, _("Action inconnue."))
        return redirect(_builder_url(survey))
    service, success = services[action]
    try:
        service(survey=survey, user=request.user)
    except ValidationError as error:
        _refusal(request, error)
    else:
        messages.success(request, success)
    return redirect(_builder_url(survey))


def _earlier_questions(survey, *, before: Question | None = None, section: Section | None = None):
    """Questions a condition may test: those shown before the edited question, or before the end
    of the section (a new question), or before the section (a section's own condition)."""
    sections, questions = questionnaire.ordered_structure(survey)
    if before is not None:
        index = next(i for i, q in enumerate(questions) if q.pk == before.pk)
        return questions[:index]
    if section is not None:
        rank = {s.pk: i for i, s in enumerate(sections)}
        return [q for q in questions if rank[q.section_id] <= rank[section.pk]]
    return questions


@login_required
def section_edit(request, survey_id, section_id=None):
    survey = _get_survey(request, survey_id)
    require(request.user, "surveys.change_survey", survey)
    section = get_object_or_404(Section, pk=section_id, survey=survey) if section_id else None
    if section is not None:
        sections, questions = questionnaire.ordered_structure(survey)
        rank = {s.pk: i for i, s in enumerate(sections)}
        earlier = [q for q in questions if rank[q.section_id] < rank[section.pk]]
    else:
        earlier = _earlier_questions(survey)
    initial = {}
    if section is not None:
        initial = {name: getattr(section, name) for name in ("title", "title_en", "description", "description_en")}
    form = SectionForm(
        request.POST or None,
        initial=initial,
        survey=survey,
        questions=[q for q in earlier if q.participation_id is None],
        condition=section.condition if section else None,
    )
    if request.method == "POST" and form.is_valid():
        try:
            saved = questionnaire.section_save(
                survey=survey, user=request.user, section=section, **form.service_values()
            )
        except ValidationError as error:
            form_errors_from(error, form)
        else:
            messages.success(request, _("La section « %(title)s » est enregistrée.") % {"title": saved.title})
            return redirect(_builder_url(survey, f"section-{saved.pk}"))
    return render(
        request,
        "surveys/builder/section_form.html",
        {"project": survey.project, "survey": survey, "section": section, "form": form},
        status=400 if form.errors else 200,
    )


@login_required
@require_POST
def section_action(request, survey_id, section_id):
    survey = _get_survey(request, survey_id)
    require(request.user, "surveys.change_survey", survey)
    section = get_object_or_404(Section, pk=section_id, survey=survey)
    action = request.POST.get("action")
    try:
        if action == "delete":
            title = section.title
            questionnaire.section_delete(section=section, user=request.user)
            messages.success(request, _("La section « %(title)s » est supprimée.") % {"title": title})
            return redirect(_builder_url(survey))
        if action in ("up", "down"):
            questionnaire.section_move(section=section, direction=action, user=request.user)
        else:
            messages.error(request, _("Action inconnue."))
    except questionnaire.BreakingChangeError as error:
        _refusal(request, error)
    except ValidationError as error:
        _refusal(request, error)
    return redirect(_builder_url(survey, f"section-{section.pk}"))


@login_required
def question_edit(request, survey_id, question_id=None):
    survey = _get_survey(request, survey_id)
    access, deployments = _access(request, survey)
    question = get_object_or_404(Question, pk=question_id, survey=survey) if question_id else None
    if question is not None and not access.may_edit_question(question):
        raise PermissionDenied
    sections = list(survey.sections.order_by("position", "pk"))
    participation = None
    if question is None and not access.can_change:
        # A referent's new question belongs to its territory; one with several territories picks.
        managed = {d.participation_id: d for d in access.managed}
        participation_id = id_from(request.GET.get("territoire") or request.POST.get("territoire"))
        deployment = managed.get(participation_id) or access.managed[0]
        participation = deployment.participation
    section_id = id_from(request.GET.get("section")) or (question.section_id if question else None)
    section = next((s for s in sections if s.pk == section_id), sections[-1] if sections else None)
    if section is None:
        messages.error(request, _("Ajoutez d'abord une section."))
        return redirect(_builder_url(survey))
    earlier = _earlier_questions(survey, before=question) if question else _earlier_questions(survey, section=section)
    own = question.participation_id if question else (participation.pk if participation else None)
    earlier = [q for q in earlier if q.participation_id in (None, own)]
    form = QuestionForm(
        request.POST or None,
        initial={"section": section.pk},
        survey=survey,
        sections=sections,
        questions=earlier,
        question=question,
    )
    breaking = None
    if request.method == "POST" and form.is_valid():
        target = next((s for s in sections if s.pk == form.cleaned_data["section"]), None)
        try:
            if target is None:
                raise ValidationError({"section": _("Choisissez une section de ce questionnaire.")})
            saved = questionnaire.question_save(
                survey=survey,
                section=target,
                user=request.user,
                values=form.service_values(),
                question=question,
                participation=participation,
            )
        except questionnaire.BreakingChangeError as error:
            breaking = error
            form.add_error(None, error.messages)
        except ValidationError as error:
            form_errors_from(error, form)
        else:
            messages.success(request, _("La question « %(code)s » est enregistrée.") % {"code": saved.code})
            return redirect(_builder_url(survey, f"question-{saved.pk}"))
    return render(
        request,
        "surveys/builder/question_form.html",
        {
            "project": survey.project,
            "survey": survey,
            "question": question,
            "form": form,
            "participation": participation or (question.participation if question else None),
            "breaking": breaking,
            "access": access,
        },
        status=400 if form.errors else 200,
    )


@login_required
@require_POST
def question_action(request, survey_id, question_id):
    survey = _get_survey(request, survey_id)
    access, _deployments = _access(request, survey)
    question = get_object_or_404(Question, pk=question_id, survey=survey)
    if not access.may_edit_question(question):
        raise PermissionDenied
    action = request.POST.get("action")
    try:
        if action == "delete":
            code = question.code
            questionnaire.question_delete(question=question, user=request.user)
            messages.success(request, _("La question « %(code)s » est supprimée.") % {"code": code})
            return redirect(_builder_url(survey))
        if action in ("up", "down"):
            questionnaire.question_move(question=question, direction=action, user=request.user)
        else:
            messages.error(request, _("Action inconnue."))
    except ValidationError as error:
        _refusal(request, error)
    return redirect(_builder_url(survey, f"question-{question.pk}"))


def _resident_questions(survey, deployment, language) -> dict[int, list] | None:
    """Each section's questions drawn by the resident form's own template (run.question_views), all
    shown whatever their condition; None when that part of the module is not there (yet)."""
    if deployment is None:
        return None
    try:
        get_template(QUESTION_TEMPLATE)
        from territoires.surveys.run import question_views
        from territoires.surveys.schema import schema_for

        schema = schema_for(survey)
        questions = schema.questions_for(deployment.participation_id)
        views = question_views(
            questions,
            {},
            {},
            language=language,
            deployment=deployment,
            visible_codes={q.code for q in questions},
            describe_filters=True,
        )
    except (TemplateDoesNotExist, ImportError, AttributeError, TypeError, KeyError):
        return None
    by_section: dict[int, list] = {}
    for view in views:
        by_section.setdefault(view["section_index"], []).append(view)
    return by_section


@login_required
def preview(request, survey_id):
    """The questionnaire as a resident sees it (nothing can be sent from here), each conditional
    question or page marked with its condition."""
    survey = _get_survey(request, survey_id)
    access, deployments = _access(request, survey)
    deployment = access.managed[0] if access.managed else (deployments[0] if deployments else None)
    language = request.GET.get("langue") if survey.second_language else None
    second_language = bool(language) and language == survey.second_language
    resident = _resident_questions(survey, deployment, survey.second_language if second_language else "fr")
    sections, questions = questionnaire.ordered_structure(survey)
    titles = {question.code: question for question in questions}
    for index, section in enumerate(sections):
        section.items = [q for q in questions if q.section_id == section.pk]
        section.condition_text = describe_condition(section.condition, titles)
        conditions = {}
        for question in section.items:
            question.condition_text = describe_condition(question.condition, titles)
            conditions[question.code] = question.condition_text
            question.scale_points = (
                list(range(question.scale_min, question.scale_max + 1))
                if question.scale_min is not None and question.scale_max is not None
                else []
            )
        section.resident_questions = None
        if resident is not None:
            section.resident_questions = [
                {"q": view, "condition_text": conditions.get(view["code"], "")} for view in resident.get(index, [])
            ]
    return render(
        request,
        "surveys/builder/preview.html",
        {
            "project": survey.project,
            "survey": survey,
            "sections": sections,
            "deployment": deployment,
            "resident_form": resident is not None,
            "question_template": QUESTION_TEMPLATE,
            "second_language": second_language,
            "age_band_choices": AGE_BANDS,
        },
    )


@login_required
def xlsform_download(request, survey_id):
    from territoires.surveys.xlsform import xlsform_export

    survey = _get_survey(request, survey_id)
    access, deployments = _access(request, survey)
    # A referent gets the form its residents answer: the common questions and its territory's own;
    # the facilitators and the consultancy the common form, or one territory's (?territoire=).
    if access.can_change:
        wanted = id_from(request.GET.get("territoire"))
        participation_id = next((d.participation_id for d in deployments if d.participation_id == wanted), None)
    else:
        participation_id = access.managed[0].participation_id
    content = xlsform_export(survey, participation_id=participation_id)
    response = HttpResponse(content, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    name = slugify(survey.title)[:60] or "questionnaire"
    response["Content-Disposition"] = f'attachment; filename="{name}-xlsform.xlsx"'
    return response


# A territory's deployment ----------------------------------------------------------------------------


@login_required
def deployment_manage(request, deployment_id):
    deployment = get_object_or_404(
        Deployment.objects.select_related("participation__organisation", "survey__project"), pk=deployment_id
    )
    survey = _get_survey(request, deployment.survey_id)
    deployment.survey = survey
    require(request.user, "surveys.manage_deployment", deployment)
    action = request.POST.get("action") if request.method == "POST" else None
    settings_form = DeploymentForm(
        request.POST if action == "settings" else None,
        initial={
            "is_open": deployment.is_open,
            "neighbourhoods": questionnaire.format_coded_lines(deployment.neighbourhoods),
        },
    )
    candidates = questionnaire.collector_candidates(deployment)
    collector_form = CollectorForm(request.POST if action == "add_collector" else None, candidates=candidates)
    if action == "settings" and settings_form.is_valid():
        try:
            questionnaire.deployment_update(
                deployment=deployment,
                user=request.user,
                neighbourhoods=settings_form.cleaned_data["neighbourhoods"],
                is_open=settings_form.cleaned_data["is_open"],
            )
        except ValidationError as error:
            form_errors_from(error, settings_form)
        else:
            messages.success(request, _("Le déploiement est enregistré."))
            return redirect("surveys:deployment", deployment.pk)
    elif action == "add_collector" and collector_form.is_valid():
        try:
            collector = questionnaire.collector_add(
                deployment=deployment, member=collector_form.cleaned_data["member"], user=request.user
            )
        except ValidationError as error:
            form_errors_from(error, collector_form)
        else:
            messages.success(
                request,
                _("%(name)s rejoint le groupe d'enquête.")
                % {"name": collector.user.get_full_name() or collector.user.email},
            )
            return redirect("surveys:deployment", deployment.pk)
    elif action == "remove_collector":
        if questionnaire.collector_remove(
            deployment=deployment, collector_id=id_from(request.POST.get("collector")), user=request.user
        ):
            messages.success(request, _("La personne ne fait plus partie du groupe d'enquête."))
        else:
            messages.error(request, _("Cette personne ne fait pas partie du groupe d'enquête."))
        return redirect("surveys:deployment", deployment.pk)
    elif action is not None and action not in ("settings", "add_collector"):
        messages.error(request, _("Action inconnue."))
        return redirect("surveys:deployment", deployment.pk)
    collectors = Collector.objects.filter(deployment=deployment).select_related("user").order_by("user__last_name")
    page = Paginator(collectors, 30).get_page(request.GET.get("page"))
    has_errors = settings_form.errors or collector_form.errors
    return render(
        request,
        "surveys/builder/deployment.html",
        {
            "project": survey.project,
            "survey": survey,
            "deployment": deployment,
            "settings_form": settings_form,
            "collector_form": collector_form,
            "page_obj": page,
            "answer_count": Response.objects.filter(deployment=deployment).count(),
        },
        status=400 if has_errors else 200,
    )


# Project pages, under projets/<slug>/ (territoires/surveys/urls.py).
project_urlpatterns = [
    path("projets/<slug:slug>/enquetes/", project_surveys, name="project_surveys"),
    path("projets/<slug:slug>/enquetes/nouvelle/", survey_create, name="survey_create"),
    path("projets/<slug:slug>/enquetes/importer/", survey_import, name="survey_import"),
]

# Under enquetes/.
urlpatterns = [
    path("<int:survey_id>/questionnaire/", builder, name="builder"),
    path("<int:survey_id>/questionnaire/informations/", survey_settings, name="survey_settings"),
    path("<int:survey_id>/questionnaire/statut/", survey_status, name="survey_status"),
    path("<int:survey_id>/questionnaire/apercu/", preview, name="preview"),
    path("<int:survey_id>/questionnaire/xlsform/", xlsform_download, name="xlsform"),
    path("<int:survey_id>/questionnaire/sections/nouvelle/", section_edit, name="section_create"),
    path("<int:survey_id>/questionnaire/sections/<int:section_id>/", section_edit, name="section_edit"),
    path(
        "<int:survey_id>/questionnaire/sections/<int:section_id>/action/",
        section_action,
        name="section_action",
    ),
    path("<int:survey_id>/questionnaire/questions/nouvelle/", question_edit, name="question_create"),
    path("<int:survey_id>/questionnaire/questions/<int:question_id>/", question_edit, name="question_edit"),
    path(
        "<int:survey_id>/questionnaire/questions/<int:question_id>/action/",
        question_action,
        name="question_action",
    ),
    path("territoires/<int:deployment_id>/", deployment_manage, name="deployment"),
]
