"""Who may do what with the cooperation network: roles × actions on links (read a declared link,
read a link noted in an interview, add, change, delete) and on the network (page, JSON, export,
metrics, launching their computation), on the rule and over HTTP, with the shared grid set-up
(tests/support.py) as in test_permission_grid.py.

The links join two published actors of town X of a public project. Allowed → 200 or a redirect
that is not the login page; refused → 403 (a visitor: the login page; someone who keeps another
town's directory gets the form back, 400, since they may add links, only not from town X); a
refused POST changes nothing; a refused reader never sees the secret.
"""

import json
import uuid

import pytest
from django.urls import reverse

from territoires.diagnostic.models import Link, NetworkAnalysis
from territoires.projects.models import SharedProject
from tests.diagnostic.network_helpers import make_actor, make_link
from tests.factories import make_project
from tests.support import GridCheck, data_kept_for_the_module, fresh, grid_users

pytestmark = pytest.mark.django_db

ACTIONS = ("view_link", "view_interview_link", "add_link", "change_link", "delete_link",
           "page", "json", "export", "metrics", "analyse")  # fmt: skip
Y, N = True, False

# fmt: off
GRID = {
    # role             view  interview add change delete page json export metrics analyse
    "visitor":         (Y,   N,        N,  N,     N,     Y,   Y,   Y,     N,      N),
    "resident":        (Y,   N,        N,  N,     N,     Y,   Y,   Y,     N,      N),
    "observer":        (Y,   N,        N,  N,     N,     Y,   Y,   Y,     N,      N),
    "agent_x":         (Y,   Y,        Y,  Y,     Y,     Y,   Y,   Y,     Y,      Y),
    "elected_x":       (Y,   Y,        Y,  Y,     Y,     Y,   Y,   Y,     Y,      Y),
    "referent_x":      (Y,   Y,        Y,  Y,     Y,     Y,   Y,   Y,     Y,      Y),
    "referent_y":      (Y,   Y,        N,  N,     N,     Y,   Y,   Y,     Y,      Y),  # another town
    "consultant":      (Y,   Y,        Y,  Y,     Y,     Y,   Y,   Y,     Y,      Y),
    "facilitator":     (Y,   Y,        Y,  Y,     Y,     Y,   Y,   Y,     Y,      Y),
    "other_project":   (Y,   N,        N,  N,     N,     Y,   Y,   Y,     N,      N),
}
# fmt: on

CASES = [
    pytest.param(role, action, allowed, id=f"{action}-{role}")
    for role, cells in GRID.items()
    for action, allowed in zip(ACTIONS, cells, strict=True)
]
SECRET_NOTE = "Confié en entretien"


def build_world():
    world = make_project(observers=1)
    other = make_project(title="Autre projet")
    world.p1 = make_actor(world, "Acteur public un")
    world.p2 = make_actor(world, "Acteur public deux", family_name="Entreprises")
    world.declared = make_link(world, world.p1, world.p2, kind=Link.Kind.FUNDING)
    world.interview = make_link(
        world, world.p2, world.p1, kind=Link.Kind.TRAINING, provenance=Link.Provenance.INTERVIEW, note=SECRET_NOTE
    )
    world.users = grid_users(world, other)
    return world


@pytest.fixture(scope="module")
def shared_world(django_db_setup, django_db_blocker):
    with data_kept_for_the_module(django_db_blocker, build_world) as world:
        yield world


def check_for(action, world) -> GridCheck:
    slug = world.project.slug
    if action == "view_link":
        return GridCheck("diagnostic.view_link", world.declared, "get", reverse("diagnostic:network_json", args=[slug]))
    if action == "view_interview_link":
        return GridCheck("diagnostic.view_link", world.interview, "get", reverse("diagnostic:network", args=[slug]))
    if action == "add_link":
        data = {
            "submission_key": str(uuid.uuid4()), "source": world.p1.pk, "target": world.p2.pk, "kind": "programming",
            "direction": "mutual", "intensity": "1", "provenance": "declared",
        }  # fmt: skip
        return GridCheck(
            "diagnostic.add_link", world.p1.territory, "post", reverse("diagnostic:link_create", args=[slug]), data,
            changed=lambda: Link.objects.filter(kind="programming").exists(),
        )  # fmt: skip
    if action == "change_link":
        return GridCheck(
            "diagnostic.change_link", world.declared, "get", reverse("diagnostic:link_edit", args=[world.declared.pk])
        )
    if action == "delete_link":
        return GridCheck(
            "diagnostic.delete_link", world.declared, "post", reverse("diagnostic:link_delete", args=[world.declared.pk]),
            changed=lambda: not Link.objects.filter(pk=world.declared.pk).exists(),
        )  # fmt: skip
    if action == "page":
        return GridCheck("diagnostic.view_network", world.project, "get", reverse("diagnostic:network", args=[slug]))
    if action == "json":
        return GridCheck(
            "diagnostic.view_network", world.project, "get", reverse("diagnostic:network_json", args=[slug])
        )
    if action == "export":
        return GridCheck(
            "diagnostic.export_network", world.project, "get", reverse("diagnostic:network_export", args=[slug, "gexf"])
        )
    if action == "metrics":
        return GridCheck(
            "diagnostic.view_network_metrics", world.project, "get", reverse("diagnostic:network_metrics", args=[slug])
        )
    if action == "analyse":
        return GridCheck(
            "diagnostic.analyse_network", world.project, "post", reverse("diagnostic:network_analyse", args=[slug]),
            changed=lambda: NetworkAnalysis.objects.exists(),
        )  # fmt: skip
    raise AssertionError(action)


@pytest.mark.parametrize(("role", "action", "allowed"), CASES)
def test_network_permission_grid(client, shared_world, role, action, allowed):
    world = shared_world
    user = world.users[role]
    check = check_for(action, world)
    assert fresh(user).has_perm(check.permission, check.obj) is allowed

    if user is not None:
        client.force_login(user)
    response = getattr(client, check.method)(check.url, check.data or {})
    status = response.status_code
    sent_to_login = status == 302 and response["Location"].startswith(reverse("accounts:login"))
    if action == "view_link":
        assert status == 200
        links = json.loads(response.content)["links"]
        assert (len(links) >= 1) is allowed
        return
    if action == "view_interview_link":
        assert status == 200
        assert ("Formation" in response.content.decode()) is allowed
        return
    if allowed:
        assert status in (200, 302), status
        assert not sent_to_login
    elif user is None:
        assert sent_to_login, status
    elif action == "add_link" and role == "referent_y":
        assert status == 400
    else:
        assert status == 403, status
    if check.changed is not None:
        assert check.changed() is allowed
    assert SECRET_NOTE not in response.content.decode(errors="replace") or allowed


def test_a_private_projects_network_is_closed_to_strangers(client, shared_world):
    world = shared_world
    SharedProject.objects.filter(pk=world.project.pk).update(is_public=False)
    for role, status in (("visitor", 404), ("other_project", 404), ("observer", 200), ("referent_y", 200)):
        client.logout()
        if world.users[role] is not None:
            client.force_login(world.users[role])
        for name in ("diagnostic:network", "diagnostic:network_json"):
            assert client.get(reverse(name, args=[world.project.slug])).status_code == status, (role, name)
