"""Reads of the action plans, at a fixed number of queries whatever the plan's size."""

from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Prefetch
from django.urls import reverse

from territoires.plans import progress
from territoires.plans.models import Action, ActionPlan, Indicator, Measurement, Milestone


@dataclass
class ActionRow:
    action: Action
    title: str
    description: str
    percent: int | None
    children: list = field(default_factory=list)
    indicators: list = field(default_factory=list)
    depth: int = 0


@dataclass
class ObjectiveRow:
    pk: int
    title: str
    description: str
    percent: int | None
    actions: list
    indicators: list
    # The co-design objective it takes over (its page: published to whoever may see the project).
    codesign_url: str = ""


@dataclass
class AxisRow:
    pk: int
    title: str
    description: str
    objectives: list


@dataclass
class IndicatorRow:
    indicator: Indicator
    measurements: list
    percent: int | None

    @property
    def latest(self):
        return self.measurements[-1] if self.measurements else None


def plan_structure(plan: ActionPlan, *, public: bool, as_of=None) -> dict:
    """The plan as a page shows it: axes → objectives → actions (with sub-actions), each with its
    rolled-up progress and indicators.

    `public`: the adopted version as the council adopted it (its titles and texts from the version's
    snapshot), with each action's live follow-up; an amendment being drafted does not show.
    `as_of`: the indicators as they stood that day (measurements up to it), for an evaluation report.
    """
    axes = list(plan.axes.all())
    objectives = list(plan.objectives.all())
    actions = list(
        plan.actions.prefetch_related("partners", "places", Prefetch("milestones", queryset=Milestone.objects.all()))
    )
    indicators = list(plan.indicators.all())
    measurements = defaultdict(list)
    measured = Measurement.objects.filter(indicator__plan=plan)
    if as_of is not None:
        measured = measured.filter(measured_on__lte=as_of)
    for measurement in measured.order_by("measured_on"):
        measurements[measurement.indicator_id].append(measurement)
    texts = {}
    if public:
        snapshot = plan.adopted_version.snapshot if plan.adopted_version_id else {}
        kept = {
            part: {item["id"]: item for item in snapshot.get(part, [])}
            for part in ("axes", "objectives", "actions", "indicators")
        }
        axes = [a for a in axes if a.pk in kept["axes"]]
        objectives = [o for o in objectives if o.pk in kept["objectives"]]
        actions = [a for a in actions if a.pk in kept["actions"]]
        indicators = [i for i in indicators if i.pk in kept["indicators"]]
        texts = kept

    def text(part, obj, name):
        item = texts.get(part, {}).get(obj.pk) if texts else None
        return item.get(name, "") if item else getattr(obj, name)

    action_percent = progress.actions_progress(actions)
    objective_percent = progress.objectives_progress(objectives, actions)
    indicator_rows = {
        i.pk: IndicatorRow(i, measurements[i.pk], progress.indicator_progress(i, measurements[i.pk]))
        for i in indicators
    }
    by_action, by_objective = defaultdict(list), defaultdict(list)
    for i in indicators:
        (by_action[i.action_id] if i.action_id else by_objective[i.objective_id]).append(indicator_rows[i.pk])

    rows = {
        a.pk: ActionRow(
            a,
            text("actions", a, "title"),
            text("actions", a, "description"),
            action_percent.get(a.pk),
            indicators=by_action[a.pk],
        )
        for a in actions
    }
    top_by_objective = defaultdict(list)
    for a in actions:
        if a.parent_id and a.parent_id in rows:
            rows[a.parent_id].children.append(rows[a.pk])
        else:
            top_by_objective[a.objective_id].append(rows[a.pk])
    objectives_by_axis = defaultdict(list)
    for o in objectives:
        objectives_by_axis[o.axis_id].append(
            ObjectiveRow(
                o.pk,
                text("objectives", o, "title"),
                text("objectives", o, "description"),
                objective_percent.get(o.pk),
                _flatten(top_by_objective[o.pk]),
                by_objective[o.pk],
                reverse("codesign:objective_detail", args=[o.codesign_objective_id]) if o.codesign_objective_id else "",
            )
        )
    return {
        "axes": [
            AxisRow(a.pk, text("axes", a, "title"), text("axes", a, "description"), objectives_by_axis[a.pk])
            for a in axes
        ],
        "percent": progress.plan_progress(objectives, actions),
        "action_count": len(actions),
        "indicator_count": len(indicators),
        "status_counts": _status_counts(actions),
    }


def _flatten(rows, depth=0):
    """Actions in reading order, each followed by its sub-actions (with their depth, for indenting)."""
    flat = []
    for row in rows:
        row.depth = depth
        flat.append(row)
        flat.extend(_flatten(row.children, depth + 1))
    return flat


def _status_counts(actions):
    counts = dict.fromkeys(Action.Status.values, 0)
    for action in actions:
        counts[action.status] += 1
    return [(Action.Status(code).label, n) for code, n in counts.items() if n]


def plans_of_project(project):
    """Each participating territory with its plan (or None), for the side-by-side page."""
    plans = {
        p.territory_id: p
        for p in ActionPlan.objects.filter(project=project)
        .select_related("adopted_version")
        .prefetch_related("objectives", "actions", "adoptions")
    }
    rows = []
    for territory in project.participations.all():
        if not territory.is_participant:
            continue
        plan = plans.get(territory.pk)
        percent = None
        if plan is not None:
            percent = progress.plan_progress(list(plan.objectives.all()), list(plan.actions.all()))
        adoptions = list(plan.adoptions.all()) if plan is not None else []
        rows.append(
            {"territory": territory, "plan": plan, "percent": percent, "adoption": adoptions[-1] if adoptions else None}
        )
    return rows


def upcoming_restitutions(territory):
    """The territory's published restitution meetings still to come (co-design workshops of that
    kind), soonest first: a team may hold one per neighbourhood, and residents choose."""
    from django.utils import timezone

    from territoires.codesign.models import Method, Workshop

    return list(
        Workshop.objects.published()
        .filter(plan__territory_id=territory.pk, method=Method.RESTITUTION, starts_at__gte=timezone.now())
        .select_related("place")
        .order_by("starts_at", "pk")
    )


def next_restitution(territory):
    """The territory's next published restitution meeting (the poster has room for one)."""
    meetings = upcoming_restitutions(territory)
    return meetings[0] if meetings else None
