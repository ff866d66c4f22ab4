"""What became of residents' words: the team's list to fill, the public page, and the news a
receipt code gives.

A receipt code belongs to one contribution (core/receipts.py); RECEIPT_NEWS says, per receipt
source, which outcomes speak of that contribution. A survey answer's news are the outcomes of its
survey's questions in its territory's adopted plan. Nothing names another resident.
"""

from dataclasses import dataclass

from territoires.plans.models import ActionPlan, ContributionOutcome
from territoires.plans.origins import ORIGIN_KINDS


@dataclass
class OutcomeRow:
    label: str
    kind_label: str
    key: str
    outcome: ContributionOutcome | None
    action_title: str = ""
    action_url: str = ""


def _rows(plan, outcomes, targets_by_kind) -> list[OutcomeRow]:
    rows = []
    for kind_key, targets in targets_by_kind.items():
        kind = ORIGIN_KINDS[kind_key]
        for target in targets:
            outcome = outcomes.get((kind_key, target.pk))
            action = outcome.action if outcome is not None else None
            rows.append(
                OutcomeRow(
                    label=kind.name_of(target),
                    kind_label=str(kind.label),
                    key=f"{kind_key}:{target.pk}",
                    outcome=outcome,
                    action_title=action.title if action else "",
                    action_url=action.get_absolute_url() if action else "",
                )
            )
    return rows


def _outcomes(plan):
    return {(o.kind, o.target_id): o for o in plan.outcomes.select_related("action")}


def contributions_with_outcomes(plan: ActionPlan, user) -> list[OutcomeRow]:
    """Every contribution of the plan's project that a resident made, with its fate if said."""
    targets = {key: list(kind.candidates(plan)) for key, kind in ORIGIN_KINDS.items() if kind.is_contribution}
    return _rows(plan, _outcomes(plan), targets)


def public_outcomes(plan: ActionPlan) -> list[OutcomeRow]:
    """The contributions whose fate the team has said, for the public page."""
    outcomes = _outcomes(plan)
    by_kind = {}
    for kind_key, target_id in outcomes:
        by_kind.setdefault(kind_key, set()).add(target_id)
    targets = {
        key: list(ORIGIN_KINDS[key].resolve(ids).values()) for key, ids in by_kind.items() if key in ORIGIN_KINDS
    }
    return _rows(plan, outcomes, targets)


def _survey_news(response) -> list[OutcomeRow]:
    plan = (
        ActionPlan.objects.filter(territory_id=response.deployment.participation_id, adopted_version__isnull=False)
        .select_related("adopted_version")
        .first()
    )
    if plan is None:
        return []
    question_ids = set(response.survey.questions.values_list("pk", flat=True))
    outcomes = {key: o for key, o in _outcomes(plan).items() if key[0] == "surveys.question" and key[1] in question_ids}
    targets = ORIGIN_KINDS["surveys.question"].resolve([target_id for _kind, target_id in outcomes])
    return _rows(plan, outcomes, {"surveys.question": list(targets.values())})


RECEIPT_NEWS = {"survey": _survey_news}


def receipt_news(found) -> list[OutcomeRow]:
    source, contribution = found
    news = RECEIPT_NEWS.get(source.key)
    return news(contribution) if news else []
