"""A plan as the services build it, for the plans' tests."""

import datetime
from decimal import Decimal

from django.core.files.uploadedfile import SimpleUploadedFile

from territoires.plans import services
from tests.factories import pdf_bytes

DELIBERATION = {
    "deliberation_number": "D-2022-101",
    "deliberation_date": datetime.date(2022, 6, 20),
    "deliberative_body": "municipal_council",
    "members_in_office": 39,
    "members_present": 30,
    "members_represented": 5,
    "members_absent": 9,
    "votes_for": 31,
    "votes_against": 2,
    "abstentions": 2,
    "not_taking_part": 0,
}


def deliberation_pdf():
    return SimpleUploadedFile("deliberation.pdf", pdf_bytes(), content_type="application/pdf")


def make_plan(ns, town=0, *, actions=2):
    """A drafted plan for the `town`-th territory of a make_project() namespace: one axis, one
    objective, `actions` actions and one indicator on the objective."""
    territory = ns.project.participations.get(organisation=ns.towns[town])
    user = ns.referents[town]
    plan = services.plan_create(territory=territory, user=user, title="Plan d'action culturelle")
    axis = services.axis_save(plan=plan, user=user, title="Aller vers les non-publics")
    objective = services.objective_save(plan=plan, user=user, axis=axis, title="Toucher les quartiers prioritaires")
    created = [
        services.action_save(plan=plan, user=user, objective=objective, data={"title": f"Action {n}", "weight": 1})
        for n in range(1, actions + 1)
    ]
    indicator = services.indicator_save(
        plan=plan,
        user=user,
        data={
            "objective": objective,
            "name": "Habitants des quartiers touchés",
            "unit": "personnes",
            "baseline_value": Decimal("100"),
            "baseline_on": datetime.date(2022, 1, 1),
            "baseline_source": "Enquête habitants 2021",
            "target_value": Decimal("300"),
            "target_on": datetime.date(2024, 12, 31),
        },
    )
    plan.refresh_from_db()
    return plan, territory, axis, objective, created, indicator


def adopt(plan, user):
    services.plan_submit(plan=plan, user=user)
    return services.plan_adopt(
        plan=plan, user=user, deliberation=dict(DELIBERATION), deliberation_document=deliberation_pdf()
    )
