"""Who may do what with a resident survey: the role × object × action grid, on the rules and over
HTTP for the pages that exist.

Columns are roles; rows are (permission, object) pairs. A resident — anonymous or signed in without
any role — sees no results and builds nothing; a referent sees and manages its own territory; the
consultancy and the facilitators see every territory. Observers follow the project but see no
survey results. A survey group member from civil society (no role in the authority) may collect in
its territory only.
"""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.urls import NoReverseMatch, reverse

from territoires.accounts.models import User
from territoires.projects import services
from tests.factories import MembershipFactory, OrganisationFactory, UserFactory
from tests.support import data_kept_for_the_module
from tests.surveys.factories import make_survey

pytestmark = pytest.mark.django_db

ROLES = (
    "visitor",  # anonymous resident
    "resident",  # signed in, no membership
    "observer",  # referent of an accepted observer town
    "collector_x",  # survey group member of town X, no role in any authority
    "agent_x",
    "elected_x",
    "referent_x",
    "referent_y",
    "consultant",
    "facilitator",
    "admin",
)

Y, N = True, False

# fmt: off
GRID = [
    # permission, object          visitor resident observer coll_X agent_X elect_X ref_X ref_Y consult facil admin
    ("change_survey", "survey",              N, N, N, N, N, N, N, N, Y, Y, Y),
    ("view_results", "survey",               N, N, N, N, Y, Y, Y, Y, Y, Y, Y),
    ("view_all_territories", "survey",       N, N, N, N, N, N, N, N, Y, Y, Y),
    ("export", "survey",                     N, N, N, N, Y, Y, Y, Y, Y, Y, Y),
    ("manage_deployment", "deployment_x",    N, N, N, N, N, N, Y, N, Y, Y, Y),
    ("manage_deployment", "deployment_y",    N, N, N, N, N, N, N, Y, Y, Y, Y),
    ("collect", "deployment_x",              N, N, N, Y, Y, Y, Y, N, Y, Y, Y),
    ("collect", "deployment_y",              N, N, N, N, N, N, N, Y, Y, Y, Y),
]
# fmt: on

CASES = [
    pytest.param(role, permission, target, allowed, id=f"{permission}-{target}-{role}")
    for permission, target, *cells in GRID
    for role, allowed in zip(ROLES, cells, strict=True)
]


def build_world():
    built = make_survey()
    ns = built.project_ns
    observer_town = OrganisationFactory()
    services.participation_add(project=ns.project, organisation=observer_town, role="observer", user=ns.facilitator)
    ns.project.participations.filter(organisation=observer_town).update(observer_status="accepted")
    observer = MembershipFactory(organisation=observer_town, role="referent").user
    built.users = {
        "visitor": None,
        "resident": UserFactory(),
        "observer": observer,
        "collector_x": built.collector,
        "agent_x": ns.agents[0],
        "elected_x": ns.electeds[0],
        "referent_x": ns.referents[0],
        "referent_y": ns.referents[1],
        "consultant": ns.consultant,
        "facilitator": ns.facilitator,
        "admin": UserFactory(is_superuser=True, is_staff=True),
    }
    built.objects = {"survey": built.survey, "deployment_x": built.deployments[0], "deployment_y": built.deployments[1]}
    return built


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    with data_kept_for_the_module(django_db_blocker, build_world) as built:
        yield built


def fresh(user):
    """A new user object: memberships are cached on the instance."""
    return AnonymousUser() if user is None else User.objects.get(pk=user.pk)


def optional(name, *args):
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return None


def page_for(permission, target, world):
    """The page behind a permission, when it exists yet (other helpers write some of them)."""
    survey, deployment = world.survey, world.objects.get(target)
    if permission == "change_survey":
        return reverse("surveys:survey_settings", args=[survey.pk])
    if permission == "manage_deployment":
        return reverse("surveys:deployment", args=[deployment.pk])
    if permission == "view_results":
        return optional("surveys:dashboard", survey.pk)
    if permission == "export":
        return optional("surveys:exports", survey.pk)
    if permission == "collect":
        return optional("surveys:collect_field", deployment.public_token)
    return None


@pytest.mark.parametrize(("role", "permission", "target", "allowed"), CASES)
def test_survey_permission_grid(client, world, role, permission, target, allowed):
    user = world.users[role]
    obj = world.objects[target]
    assert fresh(user).has_perm(f"surveys.{permission}", obj) is allowed

    url = page_for(permission, target, world)
    if url is None:
        return
    if user is not None:
        client.force_login(user)
    response = client.get(url)
    assert response.status_code != 500
    sent_to_login = response.status_code == 302 and response["Location"].startswith(reverse("accounts:login"))
    if allowed:
        assert response.status_code == 200, response.status_code
    elif user is None:
        assert sent_to_login or response.status_code in (403, 404), response.status_code
    else:
        assert response.status_code in (403, 404), response.status_code


# The builder and the list page: who may open them ---------------------------------------------------------

# fmt: off
PAGES = [
    # page               visitor resident observer coll_X agent_X elect_X ref_X ref_Y consult facil admin
    ("project_surveys",      N, N, N, N, Y, Y, Y, Y, Y, Y, Y),
    ("builder",              N, N, N, N, N, N, Y, Y, Y, Y, Y),
    ("preview",              N, N, N, N, N, N, Y, Y, Y, Y, Y),
    ("xlsform",              N, N, N, N, N, N, Y, Y, Y, Y, Y),
    ("survey_create",        N, N, N, N, N, N, N, N, Y, Y, Y),
    ("survey_import",        N, N, N, N, N, N, N, N, Y, Y, Y),
]
# fmt: on


@pytest.mark.parametrize(
    ("role", "page", "allowed"),
    [
        pytest.param(role, page, allowed, id=f"{page}-{role}")
        for page, *cells in PAGES
        for role, allowed in zip(ROLES, cells, strict=True)
    ],
)
def test_builder_pages_grid(client, world, role, page, allowed):
    user = world.users[role]
    args = [world.project.slug] if page in ("project_surveys", "survey_create", "survey_import") else [world.survey.pk]
    if user is not None:
        client.force_login(user)
    response = client.get(reverse(f"surveys:{page}", args=args))
    assert response.status_code != 500
    if allowed:
        assert response.status_code == 200, response.status_code
    elif user is None:
        assert response.status_code == 302 and response["Location"].startswith(reverse("accounts:login"))
    else:
        assert response.status_code in (403, 404), response.status_code


def test_a_refused_post_changes_nothing(client, world):
    """An agent may not publish, add questions or manage another territory; nothing changes."""
    survey = world.survey
    client.force_login(world.users["agent_x"])
    status_before, questions_before = survey.status, survey.questions.count()
    assert client.post(reverse("surveys:survey_status", args=[survey.pk]), {"action": "close"}).status_code == 403
    assert client.post(reverse("surveys:question_create", args=[survey.pk]), {"code": "x"}).status_code == 403
    client.force_login(world.users["referent_y"])
    response = client.post(
        reverse("surveys:deployment", args=[world.deployments[0].pk]), {"action": "settings", "is_open": ""}
    )
    assert response.status_code == 403
    survey.refresh_from_db()
    world.deployments[0].refresh_from_db()
    assert (survey.status, survey.questions.count(), world.deployments[0].is_open) == (
        status_before,
        questions_before,
        True,
    )


def test_grid_covers_every_role():
    assert all(len(row) == len(ROLES) + 2 for row in GRID)
    assert all(len(row) == len(ROLES) + 1 for row in PAGES)
