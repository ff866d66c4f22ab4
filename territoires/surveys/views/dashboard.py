"""Results of a resident survey: the dashboard (every question, weighted and not, with filters),
territories side by side, cross-tables with a chi-square test, free-text answers and their topics,
the non-audiences indicator, the collection monitor and the census margins used for weighting.

Who sees what (rules.py): facilitators and the consultancy see every territory; a participating
authority's staff see their own territory only — every figure is computed on the rows of the
deployments the user may see, whatever the query string asks. Figures come from the survey's
arrays (analytics/arrays.py: kept fresh incrementally, so a new answer shows on the next request).
"""

import copy
import html
from collections import OrderedDict
from urllib.parse import urlencode

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models.fields.json import KeyTextTransform
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import translation
from django.utils.safestring import mark_safe
from django.utils.text import Truncator
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from territoires.accounts.access import memberships_of
from territoires.core.audit import audit_log
from territoires.core.forms import DsfrForm
from territoires.core.models import AuditEvent
from territoires.projects.rules import AUTHORITY_ROLES
from territoires.projects.views.common import form_errors_from, id_from, require
from territoires.surveys import margins
from territoires.surveys.analytics import render as blocks_render
from territoires.surveys.analytics import summary
from territoires.surveys.analytics.arrays import survey_arrays
from territoires.surveys.analytics.topics import MAX_ANSWERS as MAX_TOPIC_ANSWERS
from territoires.surveys.analytics.topics import TEXT_KINDS, example_key, text_topics_request, topics_scope
from territoires.surveys.analytics.weighting import survey_weighting
from territoires.surveys.models import (
    AGE_BANDS,
    GENDERS,
    OTHER,
    Deployment,
    Question,
    ReferenceFigure,
    Response,
    Survey,
    TextTopics,
)

MAX_SEARCH_LENGTH = 200
TEXTS_PER_PAGE = 25


class SurveyResults:
    """What every results page needs: the survey, the territories the user may see, the arrays,
    the weights and the filters of the query string."""

    def __init__(self, request, survey_id):
        survey = (
            Survey.objects.select_related("project")
            .prefetch_related("project__participations")
            .filter(pk=survey_id)
            .first()
        )
        if survey is None:
            raise Http404
        require(request.user, "surveys.view_results", survey)
        self.request = request
        self.survey = survey
        self.project = survey.project
        self.sees_all = request.user.has_perm("surveys.view_all_territories", survey)
        self.deployments = list(
            Deployment.objects.filter(survey=survey).select_related("participation__organisation").order_by("pk")
        )
        if not self.sees_all:
            roles = memberships_of(request.user)
            self.deployments = [
                deployment
                for deployment in self.deployments
                if roles.get(deployment.participation.organisation_id) in AUTHORITY_ROLES
            ]
        for deployment in self.deployments:
            deployment.survey = survey  # the rules read deployment.survey.project: no query each
        self.allowed_ids = [deployment.pk for deployment in self.deployments]
        self.names = {deployment.pk: deployment.participation.organisation.name for deployment in self.deployments}

    def load(self):
        summary.use_current_locale()
        self.arrays = survey_arrays(self.survey)
        self.weighting = survey_weighting(self.survey, self.arrays)
        self.with_weights = any(
            self.weighting.territories.get(pk) is not None and self.weighting.territories[pk].weighted
            for pk in self.allowed_ids
        )
        self.filters = summary.parse_filters(self.request.GET, self.arrays, self.allowed_ids)
        self.mask = summary.build_mask(self.arrays, self.filters, self.allowed_ids)
        self.questions = list(Question.objects.filter(survey=self.survey).select_related("section"))
        return self

    def positions(self) -> list[tuple[int, Deployment]]:
        """(array position, deployment) of the territories the user sees that have answers."""
        result = []
        for deployment in self.deployments:
            position = self.arrays.deployment_index(deployment.pk)
            if position >= 0:
                result.append((position, deployment))
        return result

    def filter_context(self) -> dict:
        answer_choices = []
        labels = {question.code: question.label for question in self.questions}
        for variable in summary.filterable_variables(self.arrays):
            if variable.row_code:
                continue
            options = list(zip(variable.codes, variable.labels, strict=True))
            if variable.dynamic:
                # Only the postcodes or neighbourhoods found in the territories this user sees.
                present = summary.codes_present(self.arrays, variable, self.allowed_ids)
                options = [option for index, option in enumerate(options) if index in present]
                if len(options) > 50:
                    continue
            label = labels.get(variable.question_code, variable.question_code)
            answer_choices.append((label, [(f"{variable.key}={code}", option_label) for code, option_label in options]))
        selected = [f"{key}={code}" for key, code in self.filters.answers]
        # The answer selects hold every option of every choice question (hundreds of <option>):
        # built here, escaped, because a template loop over them cost more than the figures.
        options_html = [
            _answer_options_html(answer_choices, selected[index] if len(selected) > index else "") for index in range(2)
        ]
        return {
            "filters": self.filters,
            "territory_choices": [(deployment.pk, self.names[deployment.pk]) for deployment in self.deployments],
            "channel_choices": Response.Channel.choices,
            "age_choices": AGE_BANDS,
            "gender_choices": GENDERS,
            "answer_choices": answer_choices,
            "answer_selects": options_html,
            "query_string": self.request.GET.urlencode(),
        }

    def context(self, **extra) -> dict:
        return {
            "survey": self.survey,
            "project": self.project,
            "sees_all": self.sees_all,
            "territory_names": [self.names[pk] for pk in self.allowed_ids],
            "can_change": self.request.user.has_perm("surveys.change_survey", self.survey),
            "can_manage_margins": any(
                self.request.user.has_perm("surveys.manage_deployment", deployment) for deployment in self.deployments
            ),
            # As exports.export_scope(): the export permission, and territories to export (or all).
            "can_export": self.request.user.has_perm("surveys.export", self.survey)
            and (self.sees_all or bool(self.deployments)),
            **extra,
        }


def _answer_options_html(choices, current: str):
    escape = html.escape  # the standard library's: Django's lazy-aware wrapper costs 3× more per call
    parts = [f'<option value="">{escape(_("Aucune"))}</option>']
    for label, options in choices:
        parts.append(f'<optgroup label="{escape(Truncator(label).chars(80))}">')
        for value, option_label in options:
            selected = " selected" if value == current else ""
            parts.append(f'<option value="{escape(value)}"{selected}>{escape(str(option_label))}</option>')
        parts.append("</optgroup>")
    return mark_safe("".join(parts))  # noqa: S308 — every value escaped above


def _weighting_rows(results: SurveyResults) -> list[dict]:
    rows = []
    for deployment in results.deployments:
        report = results.weighting.territories.get(deployment.pk)
        if report is None:
            rows.append({"name": results.names[deployment.pk], "respondents_text": "0", "weighted": False})
            continue
        rows.append(
            {
                "name": results.names[deployment.pk],
                "respondents_text": summary.number(report.respondents),
                "weighted": report.weighted,
                "effective_size_text": summary.number(report.effective_size),
                "design_effect_text": summary.number(report.design_effect, 2),
                "weights_text": f"{summary.number(report.min_weight, 2)} – {summary.number(report.max_weight, 2)}",
                "converged": report.converged,
                "gap_text": summary.number(100 * report.max_margin_gap, 2),
                "trimmed": report.trimmed_cells,
            }
        )
    return rows


FIGURES_CACHED = 32


def _dashboard_figures(results: SurveyResults) -> tuple:
    """The dashboard's figures, kept with the arrays until the next answer (appending rows clears
    the arrays' cache) or the next change of margins (a new weighting), per set of visible
    territories and filters: a dashboard read again and again is computed once."""
    key = (
        tuple(results.allowed_ids),
        results.filters.key(),
        translation.get_language(),
        results.with_weights,
        results.weighting.generation,
        results.survey.structure_version,
        tuple((question.pk, question.label, question.kind) for question in results.questions),
        results.survey.non_audience_question_code,
        tuple(results.survey.non_audience_option_codes or []),
    )
    cache = results.arrays.weights_cache.setdefault("figures", OrderedDict())
    if key in cache:
        cache.move_to_end(key)
        return cache[key]
    blocks = summary.question_summaries(
        results.arrays, results.questions, results.weighting.weights, results.mask, results.with_weights
    )
    figures = (
        blocks,
        blocks_render.question_blocks(blocks, results.survey.pk, results.with_weights),
        summary.overview(results.arrays, results.weighting.weights, results.mask, results.with_weights),
        summary.non_audience_by_territory(
            results.arrays,
            results.survey,
            results.weighting.weights,
            [position for position, _deployment in results.positions()],
            results.with_weights,
            mask=results.mask if results.filters.active else None,
        ),
    )
    cache[key] = figures
    while len(cache) > FIGURES_CACHED:
        cache.popitem(last=False)
    return figures


@login_required
def dashboard(request, survey_id):
    results = SurveyResults(request, survey_id).load()
    blocks, blocks_html, overview, non_audience_rows = _dashboard_figures(results)
    non_audience = _non_audience_context(results, rows=copy.deepcopy(non_audience_rows))
    return render(
        request,
        "surveys/dashboard/dashboard.html",
        results.context(
            page="dashboard",
            key_figures=_key_figures(results, overview, non_audience, blocks),
            blocks=blocks,
            blocks_html=blocks_html,
            overview=overview,
            with_weights=results.with_weights,
            weighting_rows=_weighting_rows(results),
            non_audience=non_audience,
            **results.filter_context(),
        ),
    )


def _key_figures(results: SurveyResults, overview: dict, non_audience: dict, blocks: list) -> dict:
    """What the dashboard says first, before any table (a phone shows little else on its first
    screen): respondents, territories with answers, the non-audiences share per territory, and the
    effective sample size when weighted — figures the page computes anyway."""
    answered = [deployment for _position, deployment in results.positions()]
    shares = [
        {
            "name": row["name"],
            "share_text": (row.get("weighted_share_text") if results.with_weights else "") or row["share_text"],
            "weighted": bool(results.with_weights and row.get("weighted_share_text")),
        }
        for row in non_audience["rows"] or []
    ]
    return {
        "respondents_text": overview["respondents_text"],
        "territory_count": len(answered),
        "territory_total": len(results.deployments),
        "non_audience": shares,
        "effective_size_text": overview.get("effective_size_text", "") if results.with_weights else "",
        "questions": [
            {"code": block["code"], "label": block["label"]}
            for block in blocks
            if block.get("code") and block.get("label")
        ],
    }


def _non_audience_context(results: SurveyResults, rows=None) -> dict:
    survey = results.survey
    if rows is None:
        rows = summary.non_audience_by_territory(
            results.arrays,
            survey,
            results.weighting.weights,
            [position for position, _deployment in results.positions()],
            results.with_weights,
        )
    question = next((q for q in results.questions if q.code == survey.non_audience_question_code), None)
    counted = []
    if question is not None:
        labels = {str(option.get("code")): option.get("label", "") for option in question.options or []}
        labels[OTHER] = _("Autre")
        counted = [labels.get(str(code), code) for code in survey.non_audience_option_codes or []]
    if rows is not None:
        names = {position: results.names[deployment.pk] for position, deployment in results.positions()}
        for row in rows:
            row["name"] = names[row["position"]]
    return {
        "rows": rows,
        "question": question,
        "counted": counted,
        "references": list(ReferenceFigure.objects.filter(indicator="non_audience")[:10]),
    }


@login_required
def territories(request, survey_id):
    results = SurveyResults(request, survey_id).load()
    positions = results.positions()
    blocks = summary.territories_side_by_side(
        results.arrays,
        results.questions,
        results.weighting.weights,
        [position for position, _deployment in positions],
        results.with_weights,
    )
    return render(
        request,
        "surveys/dashboard/territories.html",
        results.context(
            page="territories",
            blocks=blocks,
            columns=[results.names[deployment.pk] for _position, deployment in positions],
            with_weights=results.with_weights,
            weighting_rows=_weighting_rows(results),
            non_audience=_non_audience_context(results),
        ),
    )


@login_required
def crosstab(request, survey_id):
    results = SurveyResults(request, survey_id).load()
    choices = summary.crosstab_choices(results.arrays, results.questions, results.names)
    keys = [key for key, _label in choices]
    row_key = request.GET.get("lignes", "")
    column_key = request.GET.get("colonnes", "")
    table, error = None, ""
    if row_key or column_key:
        if row_key not in keys or column_key not in keys:
            error = _("Choisissez deux questions de la liste.")
        elif row_key == column_key:
            error = _("Choisissez deux questions différentes.")
        else:
            table = summary.crosstab(
                results.arrays,
                row_key,
                column_key,
                results.weighting.weights,
                results.mask,
                results.with_weights,
                results.names,
                labels=dict(choices),
            )
    return render(
        request,
        "surveys/dashboard/crosstab.html",
        results.context(
            page="crosstab",
            choices=choices,
            row_key=row_key,
            column_key=column_key,
            table=table,
            error=error,
            with_weights=results.with_weights,
            hidden_fields=[("lignes", row_key), ("colonnes", column_key)] if table else [],
            **results.filter_context(),
        ),
        status=400 if error else 200,
    )


@login_required
def free_text(request, survey_id):
    results = SurveyResults(request, survey_id)
    survey = results.survey
    questions = list(Question.objects.filter(survey=survey, kind__in=TEXT_KINDS))
    other_questions = list(Question.objects.filter(survey=survey, allow_other=True))
    choices = [(q.code, q.label) for q in questions] + [
        (f"{q.code}__other", _("%(label)s — « Autre, précisez »") % {"label": q.label}) for q in other_questions
    ]
    codes = [code for code, _label in choices]
    code = request.GET.get("question", "") or (codes[0] if codes else "")
    if code not in codes:
        code = codes[0] if codes else ""
        if request.GET.get("question"):
            messages.error(request, _("Question inconnue : la première question à réponse libre est affichée."))
    search = request.GET.get("q", "")[:MAX_SEARCH_LENGTH].strip()
    page_obj, topics, territory, answer_total = None, None, None, 0
    territory_id = id_from(request.GET.get("territoire"))
    # The territories the list shows: those topics are computed on (and counted) too.
    scope_ids = results.allowed_ids
    if code:
        rows = Response.objects.filter(survey=survey, deployment_id__in=results.allowed_ids, answers__has_key=code)
        if territory_id is not None:
            rows = rows.filter(deployment_id=territory_id if territory_id in results.allowed_ids else -1)
            territory = territory_id
            if territory_id not in results.allowed_ids:
                messages.error(
                    request, _("Ce territoire ne fait pas partie de ceux dont vous pouvez voir les résultats.")
                )
            scope_ids = [territory_id] if territory_id in results.allowed_ids else []
        # KeyTextTransform, not "answers__<code>__icontains": "other" texts are stored under
        # "<code>__other", which a lookup path would split into two keys.
        rows = rows.annotate(text=KeyTextTransform(code, "answers"))
        if search:
            answer_total = rows.count()
            rows = rows.filter(text__icontains=search)
        rows = rows.order_by("-id").values("id", "deployment_id", "submitted_at", "text")
        page_obj = Paginator(rows, TEXTS_PER_PAGE).get_page(request.GET.get("page"))
        if not search:
            answer_total = page_obj.paginator.count
        items = []
        for row in page_obj.object_list:
            items.append(
                {
                    "text": row["text"] or "",
                    "territory": results.names.get(row["deployment_id"], ""),
                    "submitted_at": row["submitted_at"],
                }
            )
        page_obj.items = items
        if scope_ids:
            topics = TextTopics.objects.filter(survey=survey, question_code=code, scope=topics_scope(scope_ids)).first()
    topic_rows = []
    if topics is not None and topics.status == TextTopics.Status.DONE:
        for topic in topics.topics or []:
            examples, seen = [], set()
            for example in topic.get("examples") or []:
                text = example.get("text", "") if isinstance(example, dict) else ""
                if text and example_key(text) not in seen:  # topics stored before examples were deduplicated
                    seen.add(example_key(text))
                    examples.append(text)
            topic_rows.append(
                {
                    "label": topic.get("label", ""),
                    "keywords": topic.get("keywords", []),
                    "count": topic.get("count", 0),
                    "examples": examples[:5],
                }
            )
    return render(
        request,
        "surveys/dashboard/free_text.html",
        results.context(
            page="free_text",
            choices=choices,
            code=code,
            search=search,
            page_obj=page_obj,
            topics=topics,
            topic_rows=topic_rows,
            topics_scope_names=", ".join(results.names[pk] for pk in scope_ids),
            topics_stale=topics is not None
            and topics.status == TextTopics.Status.DONE
            and topics.response_count != answer_total
            and answer_total < MAX_TOPIC_ANSWERS,
            answer_total=answer_total,
            territory=territory,
            territory_choices=[(deployment.pk, results.names[deployment.pk]) for deployment in results.deployments],
        ),
    )


@login_required
@require_POST
def topics_recompute(request, survey_id):
    results = SurveyResults(request, survey_id)
    code = request.POST.get("question", "")
    valid = set(Question.objects.filter(survey=results.survey, kind__in=TEXT_KINDS).values_list("code", flat=True)) | {
        f"{c}__other"
        for c in Question.objects.filter(survey=results.survey, allow_other=True).values_list("code", flat=True)
    }
    if code not in valid:
        messages.error(request, _("Question inconnue : aucun calcul lancé."))
        return redirect("surveys:free_text", results.survey.pk)
    territory_id = id_from(request.POST.get("territoire"))
    if territory_id is not None and territory_id not in results.allowed_ids:
        messages.error(request, _("Ce territoire ne fait pas partie de ceux dont vous pouvez voir les résultats."))
        return redirect("surveys:free_text", results.survey.pk)
    scope_ids = [territory_id] if territory_id is not None else results.allowed_ids
    if not scope_ids:
        messages.error(request, _("Aucun territoire dont vous pouvez voir les résultats : aucun calcul lancé."))
        return redirect("surveys:free_text", results.survey.pk)
    text_topics_request(survey=results.survey, question_code=code, deployment_ids=scope_ids)
    messages.success(request, _("Le calcul des thèmes est lancé ; rechargez la page dans quelques instants."))
    query = urlencode({"question": code, **({"territoire": territory_id} if territory_id is not None else {})})
    return redirect(f"{reverse('surveys:free_text', args=[results.survey.pk])}?{query}")


@login_required
def monitor(request, survey_id):
    results = SurveyResults(request, survey_id).load()
    territory_id = id_from(request.GET.get("territoire"))
    if territory_id is None or territory_id not in results.allowed_ids:
        if request.GET.get("territoire"):
            messages.error(request, _("Ce territoire ne fait pas partie de ceux dont vous pouvez voir les résultats."))
        territory_id = results.allowed_ids[0] if len(results.allowed_ids) == 1 else None
    if territory_id is not None:
        position = results.arrays.deployment_index(territory_id)
        mask = results.arrays.deployment == position
        population = results.weighting.population.get(territory_id)
    else:
        mask = summary.build_mask(results.arrays, summary.Filters(), results.allowed_ids)
        tables = [results.weighting.population.get(pk) for pk in results.allowed_ids]
        tables = [table for table in tables if table is not None]
        population = sum(tables) if tables else None
    return render(
        request,
        "surveys/dashboard/monitor.html",
        results.context(
            page="monitor",
            territory=territory_id,
            territory_name=results.names.get(territory_id, ""),
            territory_choices=[(deployment.pk, results.names[deployment.pk]) for deployment in results.deployments],
            timeline=summary.answers_per_day(results.arrays, mask),
            structure=summary.sample_structure(results.arrays, population, mask),
        ),
    )


class NonAudienceForm(DsfrForm):
    question = forms.ChoiceField(label=gettext_lazy("Question des lieux fréquentés"))
    options = forms.MultipleChoiceField(
        label=gettext_lazy("Lieux culturels comptés"),
        help_text=gettext_lazy("Est compté parmi les non-publics qui n'a choisi aucun de ces lieux."),
        widget=forms.CheckboxSelectMultiple,
        required=True,
    )

    def __init__(self, *args, questions, question_code, **kwargs):
        super().__init__(*args, **kwargs)
        self.questions = {question.code: question for question in questions}
        self.fields["question"].choices = [(q.code, q.label) for q in questions]
        question = self.questions.get(question_code)
        options = question.options if question is not None else []
        self.fields["options"].choices = [(str(o.get("code")), o.get("label", o.get("code"))) for o in options or []]


@login_required
def non_audience_edit(request, survey_id):
    results = SurveyResults(request, survey_id)
    survey = results.survey
    require(request.user, "surveys.change_survey", survey)
    questions = list(Question.objects.filter(survey=survey, kind__in=(Question.Kind.SINGLE, Question.Kind.MULTIPLE)))
    if not questions:
        messages.error(request, _("Le questionnaire n'a pas de question à choix : aucun indicateur possible."))
        return redirect("surveys:dashboard", survey.pk)
    data = request.POST if request.method == "POST" else None
    chosen = (data or request.GET).get("question") or survey.non_audience_question_code or questions[0].code
    if chosen not in {q.code for q in questions}:
        chosen = questions[0].code
    initial = {"question": chosen}
    if chosen == survey.non_audience_question_code:
        initial["options"] = [str(code) for code in survey.non_audience_option_codes or []]
    form = NonAudienceForm(data, initial=initial, questions=questions, question_code=chosen)
    if data is not None and data.get("action") == "save" and form.is_valid():
        try:
            with transaction.atomic():
                survey.non_audience_question_code = form.cleaned_data["question"]
                survey.non_audience_option_codes = form.cleaned_data["options"]
                survey.save(update_fields=["non_audience_question_code", "non_audience_option_codes", "updated_at"])
                audit_log(
                    actor=request.user,
                    action=AuditEvent.Action.SURVEY_NON_AUDIENCE_CHANGED,
                    target=survey,
                    project_id=survey.project_id,
                    question=survey.non_audience_question_code,
                    options=", ".join(survey.non_audience_option_codes),
                )
        except ValidationError as error:
            form_errors_from(error, form)
        else:
            messages.success(request, _("La définition des non-publics est enregistrée."))
            return redirect("surveys:dashboard", survey.pk)
    elif data is not None and data.get("action") != "save":
        form = NonAudienceForm(None, initial=initial, questions=questions, question_code=chosen)
    return render(
        request,
        "surveys/dashboard/non_audience_form.html",
        results.context(page="dashboard", form=form),
        status=400 if form.errors else 200,
    )


@login_required
def margins_page(request, survey_id):
    results = SurveyResults(request, survey_id)
    survey = results.survey
    deployments = list(
        Deployment.objects.filter(survey=survey)
        .select_related("participation__organisation", "survey__project")
        .prefetch_related("population_cells", "collectors")
        .order_by("pk")
    )
    manageable = [d for d in deployments if request.user.has_perm("surveys.manage_deployment", d)]
    if not manageable:
        raise PermissionDenied
    allowed_ids = {deployment.pk for deployment in manageable}
    raw_selected = request.POST.get("territoire") or request.GET.get("territoire")
    selected_id = id_from(raw_selected)
    selected = next((d for d in manageable if d.pk == selected_id), None)
    if selected is None:
        if request.method == "POST" and request.POST.get("action") == "grid":
            # Never save one territory's figures into another one.
            raise PermissionDenied
        if raw_selected:
            messages.error(request, _("Vous ne pouvez pas saisir les marges de ce territoire."))
        selected = manageable[0]
    grid_form = margins.MarginsGridForm(initial=margins.initial_for(selected))
    import_form = margins.MarginsImportForm()
    import_errors = []
    status = 200
    if request.method == "POST":
        action = request.POST.get("action")
        if action == "grid":
            grid_form = margins.MarginsGridForm(request.POST)
            if grid_form.is_valid():
                try:
                    count = margins.population_cells_save(
                        deployment=selected,
                        cells=grid_form.cells(),
                        year=grid_form.cleaned_data["year"],
                        source=grid_form.cleaned_data["source"],
                        user=request.user,
                    )
                except ValidationError as error:
                    form_errors_from(error, grid_form)
                else:
                    messages.success(
                        request,
                        _("%(count)s effectifs enregistrés pour %(name)s.")
                        % {"count": count, "name": selected.participation.organisation.name},
                    )
                    return redirect(f"{reverse('surveys:margins', args=[survey.pk])}?territoire={selected.pk}")
            status = 400
        elif action == "import":
            import_form = margins.MarginsImportForm(request.POST, request.FILES)
            if import_form.is_valid():
                try:
                    count = margins.margins_import_csv(
                        survey=survey,
                        data=import_form.cleaned_data["file"].read(),
                        user=request.user,
                        allowed_ids=allowed_ids,
                    )
                except ValidationError as error:
                    import_errors = error.messages
                else:
                    messages.success(request, _("%(count)s lignes importées.") % {"count": count})
                    return redirect("surveys:margins", survey.pk)
            status = 400
        else:
            status = 400
    overview = []
    census = margins.census_margins(manageable)
    for deployment in manageable:
        cells = list(deployment.population_cells.all())
        if deployment.pk in census:
            # The commune's census in the platform's population table: the margins in force.
            figures = census[deployment.pk]
            overview.append(
                {
                    "deployment": deployment,
                    "name": deployment.participation.organisation.name,
                    "cells": len(figures["cells"]),
                    "total": summary.number(sum(figures["cells"].values())),
                    "year": figures["year"],
                    "source": figures["source"],
                    "from_census": True,
                }
            )
            continue
        overview.append(
            {
                "deployment": deployment,
                "name": deployment.participation.organisation.name,
                "cells": len(cells),
                "total": summary.number(sum(cell.population for cell in cells)),
                "year": cells[0].year if cells else None,
                "source": cells[0].source if cells else "",
            }
        )
    return render(
        request,
        "surveys/dashboard/margins.html",
        results.context(
            page="margins",
            selected=selected,
            overview=overview,
            grid_form=grid_form,
            import_form=import_form,
            import_errors=import_errors,
            selected_census=census.get(selected.pk),
        ),
        status=status,
    )


# Under enquetes/ (territoires/surveys/urls.py).
urlpatterns = [
    path("<int:survey_id>/resultats/", dashboard, name="dashboard"),
    path("<int:survey_id>/resultats/territoires/", territories, name="territories"),
    path("<int:survey_id>/resultats/croisement/", crosstab, name="crosstab"),
    path("<int:survey_id>/resultats/reponses-libres/", free_text, name="free_text"),
    path("<int:survey_id>/resultats/reponses-libres/themes/", topics_recompute, name="topics_recompute"),
    path("<int:survey_id>/resultats/suivi/", monitor, name="monitor"),
    path("<int:survey_id>/resultats/non-publics/", non_audience_edit, name="non_audience"),
    path("<int:survey_id>/marges/", margins_page, name="margins"),
]
