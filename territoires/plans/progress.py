"""Progress, rolled up: an action with sub-actions progresses as its children do, weighted; an
objective as its actions; a plan as its objectives. An indicator progresses from its baseline
towards its target. Pure functions over loaded rows, so a page computes every figure without a
query per action (and the hand-worked examples of tests/plans/test_progress.py check them).
"""

from collections import defaultdict
from decimal import ROUND_HALF_UP, Decimal

ABANDONED = "abandoned"
DONE = "done"


def _weighted(items: list[tuple[int, Decimal]]) -> Decimal | None:
    total = sum(weight for weight, _value in items)
    if not total:
        return None
    return sum(Decimal(weight) * value for weight, value in items) / total


def _round(value: Decimal | None) -> int | None:
    return None if value is None else int(value.quantize(Decimal("1"), rounding=ROUND_HALF_UP))


def actions_progress(actions) -> dict[int, int | None]:
    """{action id: percent} for each action; None for an action abandoned (it counts for nothing).

    A leaf's percent is its own (100 once done); a parent's is the weighted mean of its children
    that are not abandoned (None if all are)."""
    return {pk: _round(value) for pk, value in _exact_actions(actions).items()}


def objectives_progress(objectives, actions) -> dict[int, int | None]:
    """{objective id: percent}: the weighted mean of its top-level actions (not abandoned)."""
    return {pk: _round(mean) for pk, mean in _objective_means(objectives, actions).items()}


def plan_progress(objectives, actions) -> int | None:
    """The plain mean of the objectives that have actions: each objective counts the same."""
    means = [mean for mean in _objective_means(objectives, actions).values() if mean is not None]
    return _round(sum(means) / len(means)) if means else None


def _objective_means(objectives, actions) -> dict[int, Decimal | None]:
    exact = _exact_actions(actions)
    parts = defaultdict(list)
    for action in actions:
        if action.parent_id is None and exact.get(action.pk) is not None:
            parts[action.objective_id].append((action.weight, exact[action.pk]))
    return {objective.pk: _weighted(parts[objective.pk]) for objective in objectives}


def _exact_actions(actions) -> dict[int, Decimal | None]:
    # Unrounded, so that a parent's rounding does not shift its objective's figure.
    rounded: dict[int, Decimal | None] = {}
    children = defaultdict(list)
    for action in actions:
        children[action.parent_id].append(action)

    def value(action):
        if action.pk in rounded:
            return rounded[action.pk]
        if action.status == ABANDONED:
            result = None
        elif children.get(action.pk):
            result = _weighted([(c.weight, v) for c in children[action.pk] if (v := value(c)) is not None])
            if result is None:
                result = Decimal(100) if action.status == DONE else Decimal(action.progress)
        else:
            result = Decimal(100) if action.status == DONE else Decimal(action.progress)
        rounded[action.pk] = result
        return result

    for action in actions:
        value(action)
    return rounded


def indicator_progress(indicator, measurements) -> int | None:
    """Percent of the way from baseline to target reached by the latest measurement, bounded to
    0–100 (a fall below the baseline reads 0, beyond the target 100); None before any measurement or
    when baseline and target are equal."""
    if not measurements:
        return None
    latest = max(measurements, key=lambda m: m.measured_on)
    span = indicator.target_value - indicator.baseline_value
    if span == 0:
        return None
    share = (latest.value - indicator.baseline_value) / span * 100
    return _round(min(Decimal(100), max(Decimal(0), share)))
