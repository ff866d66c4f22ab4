"""Who may do what with a territory's action plan: roles × objects (plan, version, adoption,
measurement, feedback page) × actions, on the rule and over HTTP.

Town X's plan, in a public project. Allowed → 200 or a redirect that is not the login page; refused
→ 403 or 404 (a visitor: the login page, or 404 for what the public may not know exists); a refused
POST changes nothing; a refused reader never sees the draft's secret.
"""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse

from territoires.plans import services
from territoires.plans.models import Action, ActionPlan, Measurement
from tests.factories import make_project
from tests.plans.helpers import DELIBERATION, adopt, make_plan
from tests.support import data_kept_for_the_module, fresh, grid_users

pytestmark = pytest.mark.django_db

Y, N = True, False
ACTIONS = (
    "view_draft", "view_versions", "view_adopted", "edit", "measure", "adopt", "outcomes", "feedback",
    "restitution", "read_survey",
)  # fmt: skip

# fmt: off
GRID = {
    # role             view_draft versions adopted edit measure adopt outcomes feedback restitution read_survey
    "visitor":         (N,         N,       Y,      N,   N,      N,    N,       Y,       N,          N),
    "resident":        (N,         N,       Y,      N,   N,      N,    N,       Y,       N,          N),
    "observer":        (N,         N,       Y,      N,   N,      N,    N,       Y,       N,          N),
    "agent_x":         (Y,         Y,       Y,      Y,   Y,      N,    Y,       Y,       Y,          Y),
    "elected_x":       (Y,         Y,       Y,      Y,   Y,      N,    Y,       Y,       Y,          Y),
    "referent_x":      (Y,         Y,       Y,      Y,   Y,      Y,    Y,       Y,       Y,          Y),
    "referent_y":      (Y,         Y,       Y,      N,   N,      N,    N,       Y,       N,          N),  # another town learns from X
    "consultant":      (Y,         Y,       Y,      Y,   Y,      N,    Y,       Y,       Y,          Y),
    "facilitator":     (Y,         Y,       Y,      Y,   Y,      Y,    Y,       Y,       Y,          Y),
    "other_project":   (N,         N,       Y,      N,   N,      N,    N,       Y,       N,          N),
}
# fmt: on

CASES = [
    pytest.param(role, action, allowed, id=f"{action}-{role}")
    for role, cells in GRID.items()
    for action, allowed in zip(ACTIONS, cells, strict=True)
]

SECRET = "Action secrète en préparation"


def build_world():
    world = make_project(observers=1)
    other = make_project(title="Autre projet")
    # X: adopted, with an amendment being drafted (the secret); Z: drafted, submitted to the vote.
    world.plan, world.x, _axis, world.objective, world.actions, world.indicator = make_plan(world, 0)
    adopt(world.plan, world.referents[0])
    services.plan_amend(plan=world.plan, user=world.referents[0])
    world.plan.refresh_from_db()
    services.action_save(plan=world.plan, user=world.referents[0], objective=world.objective, data={"title": SECRET})
    world.z_plan, world.z, *_ = make_plan(world, 2)
    services.plan_submit(plan=world.z_plan, user=world.referents[2])
    world.users = grid_users(world, other)
    return world


@pytest.fixture(scope="module")
def shared_world(django_db_setup, django_db_blocker):
    with data_kept_for_the_module(django_db_blocker, build_world) as world:
        yield world


def request_for(action, world):
    """(permission, object, method, url, data, changed)"""
    slug, town = world.project.slug, world.towns[0].slug
    if action == "view_draft":
        return "plans.view_draft", world.x, "get", reverse("plans:plan_detail", args=[slug, town]), None, None
    if action == "view_versions":
        return "plans.view_draft", world.x, "get", reverse("plans:plan_versions", args=[slug, town]), None, None
    if action == "view_adopted":
        return (
            "plans.view_adopted",
            world.x,
            "get",
            reverse("plans:plan_detail", args=[slug, town]) + "?version=adoptee",
            None,
            None,
        )
    if action == "edit":
        url = reverse("plans:action_create", args=[slug, town])
        data = {"objective": world.objective.pk, "title": "Nouvelle action par la grille", "weight": 1}
        return (
            "plans.edit_plan",
            world.x,
            "post",
            url,
            data,
            lambda: Action.objects.filter(title=data["title"]).exists(),
        )
    if action == "measure":
        data = {"measured_on": "2023-03-31", "value": "150", "source": "grille"}
        return (
            "plans.follow_up", world.x, "post", reverse("plans:indicator_detail", args=[world.indicator.pk]), data,
            lambda: Measurement.objects.filter(indicator=world.indicator, source="grille").exists(),
        )  # fmt: skip
    if action == "adopt":
        # The form's page (X's amendment is not before the council yet: the page says to submit it first);
        # recording an adoption by a refused role is tested on town Z's submitted plan below.
        return "plans.adopt_plan", world.x, "get", reverse("plans:plan_adopt", args=[slug, town]), None, None
    if action == "outcomes":
        return "plans.edit_plan", world.x, "get", reverse("plans:outcomes", args=[slug, town]), None, None
    if action == "feedback":
        return "plans.view_adopted", world.x, "get", reverse("plans:feedback", args=[slug, town]), None, None
    if action == "restitution":
        from django.utils import timezone

        from territoires.codesign.models import Workshop

        starts = timezone.localtime() + datetime.timedelta(days=30)
        data = {
            "title": "Restitution par la grille",
            "starts_at": starts.strftime("%Y-%m-%dT%H:%M"),
            "place_details": "Mairie",
            "capacity": "30",
        }
        return (
            "plans.edit_plan", world.x, "post", reverse("plans:restitution_schedule", args=[slug, town]), data,
            lambda: Workshop.objects.filter(title=data["title"]).exists(),
        )  # fmt: skip
    if action == "read_survey":
        # A typed indicator: the team is told it is not read from a survey; nobody else gets that far.
        return (
            "plans.follow_up", world.x, "post", reverse("plans:indicator_read_survey", args=[world.indicator.pk]),
            None, None,
        )  # fmt: skip
    raise AssertionError(action)


@pytest.mark.parametrize(("role", "action", "allowed"), CASES)
def test_plans_permission_grid(client, shared_world, role, action, allowed):
    world = shared_world
    user = world.users[role]
    permission, obj, method, url, data, changed = request_for(action, world)
    assert fresh(user).has_perm(permission, obj) is allowed
    if user is not None:
        client.force_login(user)
    response = getattr(client, method)(url, data or {})
    status = response.status_code
    body = response.content.decode()
    sent_to_login = status == 302 and response["Location"].startswith(reverse("accounts:login"))
    if action == "view_draft":
        # One address: members read the working version, everyone else the adopted one.
        assert status == 200
        assert (SECRET in body) is allowed
        return
    if allowed:
        assert status in (200, 302), status
        assert not sent_to_login
    else:
        assert status in (403, 404) or sent_to_login, status
    if changed is not None:
        assert changed() is allowed
    if not allowed or action in ("view_adopted", "feedback"):
        assert SECRET not in body


def test_a_draft_plan_is_unknown_to_the_public_and_an_adoption_by_anyone_else_is_refused(client, shared_world):
    world = shared_world
    z_url = reverse("plans:plan_detail", args=[world.project.slug, world.towns[2].slug])
    assert client.get(z_url).status_code == 404
    for role in ("referent_x", "consultant", "agent_x"):
        client.force_login(world.users[role])
        response = client.post(
            reverse("plans:plan_adopt", args=[world.project.slug, world.towns[2].slug]),
            {**DELIBERATION, "deliberation_date": "2022-06-20"},
        )
        assert response.status_code == 403, role
    assert ActionPlan.objects.get(pk=world.z_plan.pk).status == ActionPlan.Status.SUBMITTED


def test_a_private_projects_plans_answer_404_to_strangers(client, shared_world):
    from territoires.projects.models import SharedProject

    world = shared_world
    SharedProject.objects.filter(pk=world.project.pk).update(is_public=False)
    client.force_login(world.users["other_project"])
    for name in ("plan_detail", "feedback"):
        assert client.get(reverse(f"plans:{name}", args=[world.project.slug, world.towns[0].slug])).status_code == 404
    assert client.get(reverse("plans:indicator_detail", args=[world.indicator.pk])).status_code == 404
    assert client.get(reverse("plans:action_detail", args=[world.actions[0].pk])).status_code == 404


def test_measurement_values_stay_bounded(client, shared_world):
    world = shared_world
    client.force_login(world.users["referent_x"])
    url = reverse("plans:indicator_detail", args=[world.indicator.pk])
    for value in ("9" * 40, "NaN", "-Infinity"):
        response = client.post(url, {"measured_on": "2023-04-30", "value": value})
        assert response.status_code == 400, value
    assert not Measurement.objects.filter(indicator=world.indicator, measured_on=datetime.date(2023, 4, 30)).exists()
    assert Decimal("1") == 1
