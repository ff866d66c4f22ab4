"""The kinds of things an action can answer (its origins) and whose fate the feedback page tells.

Each kind says how to list the candidates of a plan's project, how to name one, where it lives,
and who may see it. Plans read the modules upstream of them (DESIGN.md: `plans` may read `codesign`,
`diagnostic`, `surveys`); a module that lands later (co-design's ideas, the diagnostic's findings)
adds its kinds here, in one place. A target the reader may not see is shown as "restricted", never
named.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.apps import apps
from django.urls import reverse
from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class OriginKind:
    key: str
    label: str
    model: str  # "app_label.ModelName"
    # Candidates of a plan: given the plan, a queryset of targets an action of it may point to.
    candidates: Callable
    # Candidates of a whole project (the synthesis of proposals): given the project, a queryset.
    project_candidates: Callable
    name_of: Callable[[object], str]
    # Where the reader opens it; "" when this reader may name it but not open it (a survey
    # question is public, its results are not).
    url_for: Callable[[object, object], str]
    may_view: Callable[[object, object], bool]
    # A resident's contribution (its fate is told on the feedback page), or only evidence.
    is_contribution: bool = False

    def model_class(self):
        return apps.get_model(self.model)

    def resolve(self, ids: Iterable[int]) -> dict[int, object]:
        objects = self.model_class().objects.filter(pk__in=list(ids))
        if self.model == "surveys.Question":
            objects = objects.select_related("survey__project")
        elif self.model in ("diagnostic.Finding", "diagnostic.Expression"):
            objects = objects.select_related("project", "territory__organisation")
        elif self.model == "diagnostic.Code":
            objects = objects.select_related("project").prefetch_related("project__participations")
        elif self.model in ("codesign.Idea", "codesign.Objective"):
            objects = objects.select_related("plan__territory__organisation", "plan__project")
        return {obj.pk: obj for obj in objects}


def _survey_questions(plan):
    from territoires.surveys.models import Question

    return (
        Question.objects.filter(survey__project_id=plan.project_id)
        .exclude(kind=Question.Kind.NOTE)
        .select_related("survey")
        .order_by("survey_id", "position")
    )


def _project_questions(project):
    from territoires.surveys.models import Question

    return Question.objects.filter(survey__project=project).exclude(kind=Question.Kind.NOTE).select_related("survey")


def _project_entries(project):
    from territoires.diagnostic.models import Entry

    return Entry.objects.filter(project=project, merged_into__isnull=True).order_by("kind", "name")


def _question_url(user, question):
    if not user.has_perm("surveys.view_results", question.survey):
        return ""
    return reverse("surveys:dashboard", args=[question.survey_id]) + f"#q-{question.code}"


def _question_visible(user, question):
    # A published questionnaire is public (anyone may answer it); a draft is its team's.
    from territoires.surveys.models import Survey

    return question.survey.status != Survey.Status.DRAFT or user.has_perm("surveys.view_results", question.survey)


def _entries(plan):
    from territoires.diagnostic.models import Entry

    return Entry.objects.filter(territory_id=plan.territory_id, merged_into__isnull=True).order_by("kind", "name")


def _findings(plan):
    from django.db.models import Q

    from territoires.diagnostic.synthesis.models import Finding

    # The territory's own findings and the project's cross-territory ones.
    return Finding.objects.filter(
        Q(territory_id=plan.territory_id) | Q(project_id=plan.project_id, territory__isnull=True)
    )


def _project_findings(project):
    from territoires.diagnostic.synthesis.models import Finding

    return Finding.objects.filter(project=project)


def _expressions(plan):
    from territoires.diagnostic.expression.models import Expression

    return Expression.objects.filter(territory_id=plan.territory_id)


def _project_expressions(project):
    from territoires.diagnostic.expression.models import Expression

    return Expression.objects.filter(project=project)


def _expression_name(expression) -> str:
    text = " ".join(expression.text.split())
    return text if len(text) <= 140 else text[:139] + "…"


def _expression_url(user, expression) -> str:
    return reverse("expression:detail", args=[expression.pk])


def _codes(plan):
    from territoires.diagnostic.coding.models import Code

    return Code.objects.filter(project_id=plan.project_id).order_by("position", "name")


def _project_codes(project):
    from territoires.diagnostic.coding.models import Code

    return Code.objects.filter(project=project)


def _code_url(user, code) -> str:
    # The excerpts of the code in the plan's project, as the reader may read them (pseudonymised
    # outside the transcript circle: coding/selectors.py).
    return reverse("coding:excerpts", args=[code.pk])


def _ideas(plan):
    from territoires.codesign.models import Idea

    return Idea.objects.filter(plan__territory_id=plan.territory_id, merged_into__isnull=True)


def _project_ideas(project):
    from territoires.codesign.models import Idea

    return Idea.objects.filter(plan__project=project, merged_into__isnull=True)


def _codesign_objectives(plan):
    from territoires.codesign.models import Objective

    return Objective.objects.filter(plan__territory_id=plan.territory_id)


def _project_codesign_objectives(project):
    from territoires.codesign.models import Objective

    return Objective.objects.filter(plan__project=project)


ORIGIN_KINDS: dict[str, OriginKind] = {
    kind.key: kind
    for kind in (
        OriginKind(
            key="surveys.question",
            label=_("Question de l'enquête habitants"),
            model="surveys.Question",
            candidates=_survey_questions,
            project_candidates=_project_questions,
            name_of=lambda q: q.label,
            url_for=_question_url,
            may_view=_question_visible,
            is_contribution=True,
        ),
        OriginKind(
            key="diagnostic.entry",
            label=_("Fiche de l'annuaire (acteur, lieu, objet d'engagement)"),
            model="diagnostic.Entry",
            candidates=_entries,
            project_candidates=_project_entries,
            name_of=lambda e: e.name,
            url_for=lambda user, e: e.get_absolute_url(),
            may_view=lambda user, e: user.has_perm("diagnostic.view_entry", e),
        ),
        OriginKind(
            key="diagnostic.finding",
            label=_("Constat du diagnostic"),
            model="diagnostic.Finding",
            candidates=_findings,
            project_candidates=_project_findings,
            name_of=lambda f: f.statement,
            url_for=lambda user, f: f.get_absolute_url(),
            may_view=lambda user, f: user.has_perm("diagnostic.view_finding", f),
        ),
        OriginKind(
            key="diagnostic.expression",
            label=_("Texte d'habitant"),
            model="diagnostic.Expression",
            candidates=_expressions,
            project_candidates=_project_expressions,
            name_of=_expression_name,
            url_for=_expression_url,
            may_view=lambda user, e: user.has_perm("diagnostic.view_expression", e),
            is_contribution=True,
        ),
        OriginKind(
            key="diagnostic.code",
            label=_("Extraits d'un code du diagnostic (entretiens, textes d'habitants)"),
            model="diagnostic.Code",
            candidates=_codes,
            project_candidates=_project_codes,
            name_of=lambda code: code.name,
            url_for=_code_url,
            may_view=lambda user, code: user.has_perm("diagnostic.view_code_excerpts", code.project),
        ),
        OriginKind(
            key="codesign.idea",
            label=_("Idée de la co-construction"),
            model="codesign.Idea",
            candidates=_ideas,
            project_candidates=_project_ideas,
            name_of=lambda idea: idea.title,
            url_for=lambda user, idea: idea.get_absolute_url(),
            may_view=lambda user, idea: user.has_perm("codesign.view_idea", idea),
            is_contribution=True,
        ),
        OriginKind(
            key="codesign.objective",
            label=_("Objectif de la co-construction"),
            model="codesign.Objective",
            candidates=_codesign_objectives,
            project_candidates=_project_codesign_objectives,
            name_of=lambda objective: objective.title,
            url_for=lambda user, objective: objective.get_absolute_url(),
            may_view=lambda user, objective: user.has_perm("codesign.view_objective", objective),
        ),
    )
}


@dataclass(frozen=True)
class ResolvedLink:
    kind: OriginKind
    target_id: int
    name: str  # empty when restricted or gone
    url: str
    restricted: bool
    missing: bool
    note: str = ""


def links_resolve(user, links) -> list[ResolvedLink]:
    """ActionOrigin or ContributionOutcome rows → what this reader may see of their targets, with
    one query per kind (not per link)."""
    by_kind: dict[str, set[int]] = {}
    for link in links:
        by_kind.setdefault(link.kind, set()).add(link.target_id)
    targets = {key: ORIGIN_KINDS[key].resolve(ids) for key, ids in by_kind.items() if key in ORIGIN_KINDS}
    resolved = []
    for link in links:
        kind = ORIGIN_KINDS.get(link.kind)
        if kind is None:
            continue
        target = targets[link.kind].get(link.target_id)
        note = getattr(link, "note", "") or ""
        if target is None:
            resolved.append(ResolvedLink(kind, link.target_id, "", "", restricted=False, missing=True, note=note))
        elif not kind.may_view(user, target):
            resolved.append(ResolvedLink(kind, link.target_id, "", "", restricted=True, missing=False, note=note))
        else:
            resolved.append(
                ResolvedLink(kind, link.target_id, kind.name_of(target), kind.url_for(user, target), False, False, note)
            )
    return resolved
