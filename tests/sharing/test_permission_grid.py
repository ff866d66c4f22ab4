"""Who may view, create, register and edit: roles × (news, events, lessons per audience) × actions.

Each cell is checked on the rule (`user.has_perm`) and over HTTP: allowed → 200 or a redirect (never
to the login page); refused → 403 (a visitor may be sent to the login page instead); never a 500, a
refused POST changes nothing, and a refused reader never sees the text.
"""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.urls import reverse
from django.utils.html import escape

from territoires.accounts.models import User
from territoires.projects.models import SharedProject
from territoires.sharing.models import Registration
from tests.sharing.world import ROLES, build_world
from tests.support import data_kept_for_the_module

pytestmark = pytest.mark.django_db

Y, N = True, False

# fmt: off
GRID = [
    # (action, object)              visitor registered observer author member other_member facilitator
    ("view", "news_public",           Y,      Y,        Y,      Y,     Y,     Y,           Y),
    ("view", "news_observers",        N,      N,        Y,      Y,     Y,     N,           Y),
    ("view", "news_draft",            N,      N,        N,      Y,     Y,     N,           Y),
    ("create", "news",                N,      N,        N,      Y,     Y,     N,           Y),
    ("edit", "news_public",           N,      N,        N,      Y,     N,     N,           Y),
    ("edit", "news_observers",        N,      N,        N,      Y,     N,     N,           Y),
    ("view", "event_public",          Y,      Y,        Y,      Y,     Y,     Y,           Y),
    ("view", "event_observers",       N,      N,        Y,      Y,     Y,     N,           Y),
    ("view", "event_members",         N,      N,        N,      Y,     Y,     N,           Y),
    ("view", "event_draft",           N,      N,        N,      Y,     Y,     N,           Y),
    ("create", "event",               N,      N,        N,      Y,     Y,     N,           Y),
    ("edit", "event_public",          N,      N,        N,      Y,     N,     N,           Y),
    ("register", "event_public",      N,      Y,        Y,      Y,     Y,     Y,           Y),
    ("register", "event_observers",   N,      N,        Y,      Y,     Y,     N,           Y),
    ("register", "event_members",     N,      N,        N,      Y,     Y,     N,           Y),
    ("register", "event_draft",       N,      N,        N,      N,     N,     N,           N),
    ("view", "lesson_public",         Y,      Y,        Y,      Y,     Y,     Y,           Y),
    ("view", "lesson_observers",      N,      N,        Y,      Y,     Y,     N,           Y),
    ("view", "lesson_project",        N,      N,        N,      Y,     Y,     N,           Y),
    ("view", "lesson_draft",          N,      N,        N,      Y,     Y,     N,           Y),
    ("create", "lesson",              N,      N,        N,      Y,     Y,     N,           Y),
    ("edit", "lesson_public",         N,      N,        N,      Y,     N,     N,           Y),
    ("edit", "lesson_project",        N,      N,        N,      Y,     N,     N,           Y),
]
# fmt: on

CASES = [
    pytest.param(role, action, target, allowed, id=f"{action}-{target}-{role}")
    for action, target, *cells in GRID
    for role, allowed in zip(ROLES, cells, strict=True)
]

PERMISSIONS = {"news": "news", "event": "event", "lesson": "lesson"}


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    with data_kept_for_the_module(django_db_blocker, build_world) as built:
        yield built


def fresh(user):
    """A new user object: memberships and reach are cached on the instance."""
    return AnonymousUser() if user is None else User.objects.get(pk=user.pk)


def loaded(obj):
    """The object as the views see it: its project with the participations the rules read."""
    obj.project = SharedProject.objects.prefetch_related("participations").get(pk=obj.project_id)
    return obj


def request_for(action, target, world):
    slug = world.project.slug
    kind = target.split("_")[0]
    if action == "create":
        create_url = {"news": "sharing:news_create", "event": "sharing:event_create", "lesson": "sharing:lesson_create"}
        return f"sharing.add_{kind}", world.project, "get", reverse(create_url[kind], args=[slug])
    obj = loaded(world.objects[target])
    if action == "view":
        return f"sharing.view_{kind}", obj, "get", obj.get_absolute_url()
    if action == "edit":
        edit_url = {"news": "sharing:news_edit", "event": "sharing:event_edit", "lesson": "sharing:lesson_edit"}
        return f"sharing.change_{kind}", obj, "get", reverse(edit_url[kind], args=[slug, obj.pk])
    if action == "register":
        url = reverse("sharing:event_registration", args=[slug, obj.pk])
        return "sharing.register_event", obj, "post", url
    raise AssertionError(action)


@pytest.mark.parametrize(("role", "action", "target", "allowed"), CASES)
def test_permission_grid(client, world, role, action, target, allowed):
    user = world.users[role]
    permission, obj, method, url = request_for(action, target, world)

    assert fresh(user).has_perm(permission, obj) is allowed

    if user is not None:
        client.force_login(user)
    data = {"action": "register"} if action == "register" else {}
    response = getattr(client, method)(url, data)
    status = response.status_code
    assert status != 500
    sent_to_login = status == 302 and response["Location"].startswith(reverse("accounts:login"))
    if action == "register":
        registered = user is not None and Registration.objects.filter(event=obj, user=user).exists()
        assert registered is allowed
        assert status == 302 if allowed or user is None else status == 403, status
        return
    if allowed:
        assert status == 200, status
    elif user is None:
        assert sent_to_login or status in (403, 404), status
    else:
        assert status == 403, status
    secret = getattr(obj, "body", None) or getattr(obj, "context", None)
    if action == "view" and secret:
        assert (secret in response.content.decode()) is allowed


def test_grid_covers_every_role():
    assert all(len(row) == len(ROLES) + 2 for row in GRID)


def test_video_link_is_given_to_registered_people_only(client, world):
    event = world.objects["event_public"]
    client.force_login(world.registered)
    assert "salle-secrete" not in client.get(event.get_absolute_url()).content.decode()
    client.post(reverse("sharing:event_registration", args=[world.project.slug, event.pk]), {"action": "register"})
    assert "salle-secrete" in client.get(event.get_absolute_url()).content.decode()


def test_unpublished_project_shares_nothing_with_visitors(client, world):
    SharedProject.objects.filter(pk=world.project.pk).update(is_public=False)
    post = world.objects["news_public"]
    assert client.get(post.get_absolute_url()).status_code in (302, 403, 404)
    assert post.title not in client.get(reverse("sharing:news_list")).content.decode()
    assert client.get(reverse("sharing:project_news_feed", args=[world.project.slug])).status_code == 404
    lesson = world.objects["lesson_public"]
    assert lesson.title not in client.get(reverse("sharing:lesson_list")).content.decode()
    # The observer still reads it.
    client.force_login(world.observers[0])
    assert client.get(post.get_absolute_url()).status_code == 200


@pytest.mark.parametrize("role", ROLES)
def test_lists_show_exactly_what_each_role_may_read(client, world, role):
    user = world.users[role]
    if user is not None:
        client.force_login(user)
    news_page = client.get(reverse("sharing:project_news", args=[world.project.slug])).content.decode()
    lessons_page = client.get(reverse("sharing:project_lessons", args=[world.project.slug])).content.decode()
    events_page = client.get(reverse("sharing:project_events", args=[world.project.slug])).content.decode()
    checker = fresh(user)
    for key, obj in world.objects.items():
        obj = loaded(obj)
        kind = key.split("_")[0]
        page = {"news": news_page, "lesson": lessons_page, "event": events_page}[kind]
        assert (escape(obj.title) in page) is checker.has_perm(f"sharing.view_{kind}", obj), key


def test_a_pending_observer_request_opens_nothing(client, world):
    from territoires.projects import services as project_services
    from tests.factories import MembershipFactory, OrganisationFactory

    town = OrganisationFactory()
    referent = MembershipFactory(organisation=town, role="referent").user
    project_services.observer_request(project=world.project, organisation=town, user=referent)
    client.force_login(referent)
    post = world.objects["news_observers"]
    assert client.get(post.get_absolute_url()).status_code == 403
    page = client.get(reverse("sharing:news_list")).content.decode()
    assert escape(post.title) not in page and escape(world.objects["news_public"].title) in page


def test_the_consultancy_is_a_member(world):
    consultant = fresh(world.consultant)
    assert consultant.has_perm("sharing.view_lesson", loaded(world.objects["lesson_draft"]))
    assert consultant.has_perm("sharing.add_event", loaded(world.objects["event_members"]).project)
    assert not consultant.has_perm("sharing.change_event", loaded(world.objects["event_members"]))
