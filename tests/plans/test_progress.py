"""Roll-up of progress and indicator progress against hand-worked examples."""

import datetime
from decimal import Decimal
from types import SimpleNamespace as Row

from territoires.plans.progress import actions_progress, indicator_progress, objectives_progress, plan_progress


def action(pk, objective=1, parent=None, progress=0, weight=1, status="in_progress"):
    return Row(pk=pk, objective_id=objective, parent_id=parent, progress=progress, weight=weight, status=status)


def test_a_parent_progresses_as_its_children_weighted():
    # Parent 1 has children 2 (weight 3, 40 %) and 3 (weight 1, done): (3×40 + 1×100) / 4 = 55.
    actions = [
        action(1, progress=0),
        action(2, parent=1, progress=40, weight=3),
        action(3, parent=1, progress=10, status="done"),
    ]
    assert actions_progress(actions) == {1: 55, 2: 40, 3: 100}


def test_abandoned_children_count_for_nothing_and_a_parent_of_only_abandoned_keeps_its_own():
    actions = [
        action(1, progress=20),
        action(2, parent=1, progress=80),
        action(3, parent=1, progress=0, status="abandoned"),
        action(4, progress=30),
        action(5, parent=4, status="abandoned"),
    ]
    result = actions_progress(actions)
    assert result[1] == 80  # only child 2 counts
    assert result[3] is None
    assert result[4] == 30  # its only child is abandoned: its own figure


def test_three_levels_roll_up_without_rounding_twice():
    # 3 = 33.33… (children 10 %, 90 %, 0 %); 1 = mean(3 → 33.33…, 2 → 50) = 41.67 → 42.
    actions = [
        action(1),
        action(2, parent=1, progress=50),
        action(3, parent=1),
        action(4, parent=3, progress=10),
        action(5, parent=3, progress=90),
        action(6, parent=3, progress=0),
    ]
    result = actions_progress(actions)
    assert result[3] == 33
    assert result[1] == 42


def test_objectives_and_plan():
    # Objective 1: top actions 1 (weight 1, 100 %) and 2 (weight 3, 20 %): (100 + 60) / 4 = 40.
    # Objective 2: one action at 70 %. Objective 3: no action (left out of the plan's mean).
    # Plan: mean(40, 70) = 55.
    objectives = [Row(pk=1), Row(pk=2), Row(pk=3)]
    actions = [action(1, status="done"), action(2, weight=3, progress=20), action(3, objective=2, progress=70)]
    assert objectives_progress(objectives, actions) == {1: 40, 2: 70, 3: None}
    assert plan_progress(objectives, actions) == 55
    assert plan_progress([Row(pk=9)], []) is None


def measure(day, value):
    return Row(measured_on=datetime.date(2023, 1, day), value=Decimal(value))


def test_indicator_progress_from_baseline_to_target():
    rising = Row(baseline_value=Decimal(100), target_value=Decimal(300))
    assert indicator_progress(rising, []) is None
    assert indicator_progress(rising, [measure(1, 150), measure(2, 250)]) == 75  # the latest counts
    assert indicator_progress(rising, [measure(2, 250), measure(1, 150)]) == 75  # whatever the order
    assert indicator_progress(rising, [measure(1, 80)]) == 0  # below the baseline
    assert indicator_progress(rising, [measure(1, 400)]) == 100
    # A falling target (fewer people with no cultural practice): from 40 % to 30 %, now 37.5 % → 25.
    falling = Row(baseline_value=Decimal(40), target_value=Decimal(30))
    assert indicator_progress(falling, [measure(1, "37.5")]) == 25
    assert indicator_progress(Row(baseline_value=Decimal(5), target_value=Decimal(5)), [measure(1, 6)]) is None
