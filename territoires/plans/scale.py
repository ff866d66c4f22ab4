"""Synthetic plans for `make bench` (bench/plans.py): the four territories of the survey benchmark's
project (whose 100,000 answers carry receipt codes) each get an adopted plan of 200 actions — 5 axes
× 4 objectives × 10 actions —, 5 indicators of 24 monthly measurements, and the fate of every survey
question, so that a receipt lookup finds news. Idempotent: a territory that has its plan keeps it.
Written with bulk_create (the services' checks are tested elsewhere; this only fills a database).
"""

import datetime
from decimal import Decimal

from django.db import transaction

from territoires.accounts.models import Membership, User
from territoires.plans.models import (
    Action,
    ActionPlan,
    Axis,
    ContributionOutcome,
    Indicator,
    Measurement,
    Objective,
    PlanVersion,
)
from territoires.plans.services import plan_snapshot

AXES, OBJECTIVES, ACTIONS = 5, 4, 10
INDICATORS, MEASUREMENTS = 5, 24
BENCH_REFERENT = "referent.banc-plans@banc.demo"


def scale_plans(*, answers: int = 100_000) -> list[ActionPlan]:
    from territoires.surveys.scale import scale_surveys

    survey = scale_surveys(answers=answers)
    territories = [
        d.participation for d in survey.deployments.select_related("participation__organisation").order_by("pk")
    ]
    questions = list(survey.questions.exclude(kind="note").values_list("pk", flat=True))
    plans = []
    for number, territory in enumerate(territories):
        plan = ActionPlan.objects.filter(territory=territory).first() or _plan(territory, number, questions)
        plans.append(plan)
    referent = User.objects.filter(email=BENCH_REFERENT).first()
    if referent is None:
        referent = User.objects.create_user(email=BENCH_REFERENT, password=None, first_name="Banc", last_name="Plans")
        Membership.objects.create(
            user=referent, organisation=territories[0].organisation, role=Membership.Role.REFERENT
        )
    return plans


@transaction.atomic
def _plan(territory, number, questions) -> ActionPlan:
    plan = ActionPlan.objects.create(
        territory=territory, project_id=territory.project_id, title=f"Plan de banc d'essai {number + 1} (synthétique)"
    )
    axes = Axis.objects.bulk_create(Axis(plan=plan, position=a, title=f"Axe {a + 1}") for a in range(AXES))
    objectives = Objective.objects.bulk_create(
        Objective(plan=plan, axis=axis, position=o, title=f"Objectif {axis.position + 1}.{o + 1}")
        for axis in axes
        for o in range(OBJECTIVES)
    )
    statuses = [s for s, _label in Action.Status.choices]
    actions = Action.objects.bulk_create(
        Action(
            plan=plan,
            objective=objective,
            position=n,
            title=f"Action {i}.{n + 1} du plan {number + 1}",
            description="Action synthétique du banc d'essai.",
            lead="Direction de la culture",
            status=statuses[(i + n) % len(statuses)],
            progress=(i * 7 + n * 13) % 101,
            weight=1 + n % 3,
            starts_on=datetime.date(2023, 1, 1),
            ends_on=datetime.date(2025, 12, 31),
            audiences=["non_audiences"],
        )
        for i, objective in enumerate(objectives)
        for n in range(ACTIONS)
    )
    indicators = Indicator.objects.bulk_create(
        Indicator(
            plan=plan,
            objective=objectives[k],
            name=f"Indicateur {k + 1}",
            unit="personnes",
            baseline_value=Decimal(100),
            baseline_on=datetime.date(2022, 12, 31),
            baseline_source="Banc d'essai",
            target_value=Decimal(500),
            target_on=datetime.date(2025, 12, 31),
        )
        for k in range(INDICATORS)
    )
    Measurement.objects.bulk_create(
        Measurement(
            indicator=indicator,
            measured_on=datetime.date(2023 + m // 12, m % 12 + 1, 28),
            value=Decimal(100 + 10 * m + k),
            source="Banc d'essai",
        )
        for k, indicator in enumerate(indicators)
        for m in range(MEASUREMENTS)
    )
    ContributionOutcome.objects.bulk_create(
        ContributionOutcome(
            plan=plan,
            kind="surveys.question",
            target_id=question,
            status=ContributionOutcome.Status.KEPT,
            action=actions[q % len(actions)],
        )
        for q, question in enumerate(questions)
    )
    version = PlanVersion.objects.create(plan=plan, number=1, snapshot=plan_snapshot(plan), note="Banc d'essai")
    plan.status, plan.adopted_version = ActionPlan.Status.ADOPTED, version
    plan.save(update_fields=["status", "adopted_version"])
    return plan
