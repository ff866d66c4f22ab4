"""Exports hold what their reader may see, in layouts other tools read back."""

import csv
import io

import pytest
from django.urls import reverse

from territoires.plans import services
from tests.factories import make_project
from tests.plans.helpers import adopt, make_plan

pytestmark = pytest.mark.django_db


def _csv(response, delimiter=";"):
    text = response.content.decode("utf-8-sig")
    return list(csv.DictReader(io.StringIO(text), delimiter=delimiter))


@pytest.fixture
def world():
    ns = make_project()
    ns.plan, ns.territory, _axis, ns.objective, ns.actions, ns.indicator = make_plan(ns)
    user = ns.referents[0]
    services.action_save(
        plan=ns.plan,
        user=user,
        objective=ns.objective,
        parent=ns.actions[0],
        data={"title": '=HYPERLINK("x")', "weight": 1},
    )
    adopt(ns.plan, user)
    services.plan_amend(plan=ns.plan, user=user)
    ns.plan.refresh_from_db()
    services.action_save(
        plan=ns.plan, user=user, objective=ns.objective, data={"title": "Projet d'avenant confidentiel"}
    )
    return ns


def url(ns, name):
    return reverse("plans:plan_export", args=[ns.project.slug, ns.towns[0].slug, name])


def test_the_public_export_is_the_adopted_version_and_members_get_the_working_one(client, world):
    public = [row["action"] for row in _csv(client.get(url(world, "actions.csv")))]
    assert "Action 1" in public and "Projet d'avenant confidentiel" not in public
    client.force_login(world.referents[1])  # another town of the project: a member
    assert "Projet d'avenant confidentiel" in [row["action"] for row in _csv(client.get(url(world, "actions.csv")))]
    assert client.get(url(world, "inconnu.csv")).status_code == 404


def test_formulas_are_quoted_and_numbers_left_alone(client, world):
    rows = _csv(client.get(url(world, "actions.csv")))
    child = next(row for row in rows if "HYPERLINK" in row["action"])
    assert child["action"].startswith("'=")
    assert child["action_parente"] == "Action 1"
    indicators = _csv(client.get(url(world, "indicateurs.csv")))
    assert indicators[0]["valeur_depart"] == "100.00" and indicators[0]["unite"] == "personnes"


def test_decidim_layout_nests_actions_under_objectives(client, world):
    rows = _csv(client.get(url(world, "decidim-resultats.csv")), delimiter=",")
    assert set(rows[0]) >= {"id", "parent/id", "title/fr", "description/fr", "start_date", "end_date", "progress"}
    by_id = {row["id"]: row for row in rows}
    objective = f"objectif-{world.objective.pk}"
    assert by_id[f"action-{world.actions[0].pk}"]["parent/id"] == objective
    child = next(row for row in rows if "HYPERLINK" in row["title/fr"])
    assert child["parent/id"] == f"action-{world.actions[0].pk}"


def test_the_workbook_opens_with_its_two_sheets(client, world):
    from openpyxl import load_workbook

    response = client.get(url(world, "plan.xlsx"))
    workbook = load_workbook(io.BytesIO(response.content), read_only=True)
    assert workbook.sheetnames == ["Actions", "Indicateurs"]
    assert next(workbook["Actions"].iter_rows(values_only=True))[2] == "action"


def test_a_draft_plan_is_not_exported_to_the_public(client):
    ns = make_project()
    make_plan(ns)
    assert client.get(url(ns, "actions.csv")).status_code == 404
