"""Who may do what in a territory's directory: roles × kinds (actor, place, object of engagement) ×
actions, checked on the rule and over HTTP with the shared grid set-up (tests/support.py,
tests/factories.make_project), as in tests/projects/test_permission_grid.py.

Entries belong to town X of a public project. Allowed → 200 or a redirect that is not the login
page; refused → 403 (a visitor: the login page); a refused POST changes nothing; a refused reader
never sees the secret (the draft's name, the contact person).
"""

import pytest
from django.urls import reverse

from territoires.diagnostic import services
from territoires.diagnostic.models import ActorFamily, Entry
from territoires.projects.models import SharedProject
from tests.factories import make_project
from tests.support import GridCheck, data_kept_for_the_module, fresh, grid_users

pytestmark = pytest.mark.django_db

KINDS = ("actor", "place", "engagement")
ACTIONS = ("view_draft", "view_published", "create", "edit", "publish", "merge", "see_contact")
Y, N = True, False

# fmt: off
GRID = {
    # role              view_draft view_published create edit publish merge see_contact
    "visitor":          (N,         Y,             N,     N,   N,      N,    N),
    "resident":         (N,         Y,             N,     N,   N,      N,    N),
    "observer":         (N,         Y,             N,     N,   N,      N,    N),
    "agent_x":          (Y,         Y,             Y,     Y,   Y,      Y,    Y),
    "elected_x":        (Y,         Y,             Y,     Y,   Y,      Y,    Y),
    "referent_x":       (Y,         Y,             Y,     Y,   Y,      Y,    Y),
    "referent_y":       (N,         Y,             N,     N,   N,      N,    Y),  # another town of the project
    "consultant":       (Y,         Y,             Y,     Y,   Y,      Y,    Y),
    "facilitator":      (Y,         Y,             Y,     Y,   Y,      Y,    Y),
    "other_project":    (N,         Y,             N,     N,   N,      N,    N),  # referent in another project
}
# fmt: on

CASES = [
    pytest.param(role, kind, action, allowed, id=f"{kind}-{action}-{role}")
    for role, cells in GRID.items()
    for kind in KINDS
    for action, allowed in zip(ACTIONS, cells, strict=True)
]

CONTACT = "Dominique Confidentiel"


def build_world():
    world = make_project(observers=1)
    other = make_project(title="Autre projet")
    world.x = world.project.participations.get(organisation=world.towns[0])
    families = services.families_for(project=world.project)
    world.entries = {}
    for kind in KINDS:
        data = {
            "actor": {"family": families[0], "contact_name": CONTACT},
            "place": {"basilic_type": "musee", "capacity": 50},
            "engagement": {"engagement_type": "festival"},
        }[kind]
        make = lambda name, publish, data=data, kind=kind: services.entry_create(  # noqa: E731
            territory=world.x, kind=kind, user=world.referents[0], data={"name": name, **data}, publish=publish
        )
        world.entries[kind] = {
            "published": make(f"Fiche publiée {kind}", True),
            "draft": make(f"Brouillon secret {kind}", False),
        }
    world.users = grid_users(world, other)
    return world


@pytest.fixture(scope="module")
def shared_world(django_db_setup, django_db_blocker):
    with data_kept_for_the_module(django_db_blocker, build_world) as world:
        yield world


def check_for(action, kind, world) -> GridCheck:
    published, draft = world.entries[kind]["published"], world.entries[kind]["draft"]
    if action == "view_draft":
        return GridCheck("diagnostic.view_entry", draft, "get", draft.get_absolute_url(), secret=draft.name)
    if action == "view_published":
        return GridCheck("diagnostic.view_entry", published, "get", published.get_absolute_url())
    if action == "create":
        name = f"Nouvelle fiche {kind}"
        data = {
            "actor": {"family": ActorFamily.objects.filter(project=world.project).first().pk},
            "place": {"basilic_type": "cinema"},
            "engagement": {"engagement_type": "event"},
        }[kind]
        url = reverse("diagnostic:entry_create", args=[world.project.slug, world.towns[0].slug, kind])
        return GridCheck(
            "diagnostic.add_entry", world.x, "post", url, {"name": name, **data},
            changed=lambda: Entry.objects.filter(name=name).exists(),
        )  # fmt: skip
    if action == "edit":
        return GridCheck(
            "diagnostic.change_entry", published, "get", reverse("diagnostic:entry_edit", args=[published.pk])
        )
    if action == "publish":
        return GridCheck(
            "diagnostic.publish_entry", draft, "post", reverse("diagnostic:entry_publish", args=[draft.pk]),
            {"action": "publish"}, changed=lambda: Entry.objects.get(pk=draft.pk).status == "published",
        )  # fmt: skip
    if action == "merge":
        return GridCheck(
            "diagnostic.merge_entry", published, "post", reverse("diagnostic:entry_merge", args=[published.pk]),
            {"duplicate": draft.pk}, changed=lambda: Entry.objects.get(pk=draft.pk).merged_into_id == published.pk,
        )  # fmt: skip
    if action == "see_contact":
        return GridCheck("diagnostic.view_entry_contact", published, "get", published.get_absolute_url())
    raise AssertionError(action)


@pytest.mark.parametrize(("role", "kind", "action", "allowed"), CASES)
def test_directory_permission_grid(client, shared_world, role, kind, action, allowed):
    world = shared_world
    user = world.users[role]
    check = check_for(action, kind, world)
    assert fresh(user).has_perm(check.permission, check.obj) is allowed

    if user is not None:
        client.force_login(user)
    response = getattr(client, check.method)(check.url, check.data or {})
    status = response.status_code
    body = response.content.decode()
    sent_to_login = status == 302 and response["Location"].startswith(reverse("accounts:login"))
    if action == "see_contact":
        assert status == 200
        # Only actors carry a contact person; the other kinds show none to anyone.
        assert (CONTACT in body) is (allowed and kind == "actor")
        return
    if allowed:
        assert status in (200, 302), status
        assert not sent_to_login
    elif user is None:
        assert sent_to_login, status
    else:
        assert status == 403, status
    if check.changed is not None:
        assert check.changed() is allowed
    if check.secret and not allowed:
        assert check.secret not in body


def test_another_projects_unpublished_directory_is_closed(client, shared_world):
    """Published entries of a project that is not public: its observers and members read them; a
    visitor or a stranger does not."""
    world = shared_world
    SharedProject.objects.filter(pk=world.project.pk).update(is_public=False)
    published = world.entries["place"]["published"]
    assert not fresh(None).has_perm("diagnostic.view_entry", Entry.objects.get(pk=published.pk))
    assert not fresh(world.users["other_project"]).has_perm("diagnostic.view_entry", Entry.objects.get(pk=published.pk))
    assert fresh(world.users["observer"]).has_perm("diagnostic.view_entry", Entry.objects.get(pk=published.pk))
    client.force_login(world.users["other_project"])
    assert client.get(published.get_absolute_url()).status_code == 403
    directory = reverse("diagnostic:project_directory", args=[world.project.slug])
    assert client.get(directory).status_code in (403, 404)


def test_the_directory_lists_drafts_to_the_territory_team_only(client, shared_world):
    world = shared_world
    url = reverse("diagnostic:territory_directory", args=[world.project.slug, world.towns[0].slug])
    for role, sees in (("referent_x", True), ("consultant", True), ("referent_y", False), ("observer", False)):
        client.force_login(world.users[role])
        assert ("Brouillon secret place" in client.get(url).content.decode()) is sees, role


def test_families_are_managed_by_the_consultancy_and_the_facilitator(client, shared_world):
    world = shared_world
    url = reverse("diagnostic:family_list", args=[world.project.slug])
    for role, status in (("consultant", 200), ("facilitator", 200), ("referent_x", 403), ("observer", 403)):
        client.force_login(world.users[role])
        assert client.get(url).status_code == status, role
