"""Who may do what in the discussion spaces: role × space × action, on the rules and over HTTP.

Allowed → the rule says yes and the request succeeds (200 or a redirect, not to the login page)
and changes what it should; refused → the rule says no, the request gets 403/404 (a visitor may be
sent to the login page), and nothing changes. Never a 500.
"""

from dataclasses import dataclass

import pytest
from django.contrib.auth.models import AnonymousUser
from django.urls import reverse

from territoires.community import services
from territoires.community.models import Message, ProjectSpace, Report, Thread
from territoires.projects.models import SharedProject
from tests.factories import ThemeFactory, UserFactory, make_project
from tests.support import data_kept_for_the_module

pytestmark = pytest.mark.django_db

ROLES = (
    "visitor",
    "registered",  # signed in, no organisation
    "observer_none",  # referent of an accepted observer town; the project shows observers nothing
    "observer_shared",  # … threads marked shared, read-only
    "observer_all",  # … every thread, read-only
    "member",  # referent of a participating town
    "consultant",
    "other_project",  # referent of a town in another project
    "facilitator",  # the project's facilitator (ANCT)
)
OBSERVER_ACCESS = {
    "observer_none": ProjectSpace.ObserverAccess.NONE,
    "observer_shared": ProjectSpace.ObserverAccess.SHARED,
    "observer_all": ProjectSpace.ObserverAccess.ALL,
}

Y, N = True, False

# fmt: off
GRID = [
    # action                    visitor regist. obs_none obs_shared obs_all member consult. other facilit.
    ("public_read",               Y,     Y,      Y,       Y,         Y,      Y,     Y,       Y,    Y),
    ("public_post_thread",        N,     Y,      Y,       Y,         Y,      Y,     Y,       Y,    Y),
    ("public_reply",              N,     Y,      Y,       Y,         Y,      Y,     Y,       Y,    Y),
    ("public_edit_own",           N,     Y,      Y,       Y,         Y,      Y,     Y,       Y,    Y),
    ("public_hide",               N,     N,      N,       N,         N,      N,     N,       N,    Y),
    ("public_report",             N,     Y,      Y,       Y,         Y,      Y,     Y,       Y,    Y),
    ("project_view_space",        N,     N,      N,       Y,         Y,      Y,     Y,       N,    Y),
    ("project_read_shared",       N,     N,      N,       Y,         Y,      Y,     Y,       N,    Y),
    ("project_read_unshared",     N,     N,      N,       N,         Y,      Y,     Y,       N,    Y),
    ("project_post_thread",       N,     N,      N,       N,         N,      Y,     Y,       N,    Y),
    ("project_reply",             N,     N,      N,       N,         N,      Y,     Y,       N,    Y),
    ("project_edit_own",          N,     N,      N,       N,         N,      Y,     Y,       N,    Y),
    ("project_hide",              N,     N,      N,       N,         N,      N,     N,       N,    Y),
    ("project_report",            N,     N,      N,       Y,         Y,      Y,     Y,       N,    Y),
]
# fmt: on

CASES = [
    pytest.param(role, action, allowed, id=f"{action}-{role}")
    for action, *cells in GRID
    for role, allowed in zip(ROLES, cells, strict=True)
]


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    def build():
        data = make_project(observers=1)
        other = make_project(title="Autre projet")
        theme = ThemeFactory()
        someone = UserFactory()
        public = services.thread_create(user=someone, title="Discussion publique", body="Bonjour", theme=theme)
        public_reply = services.message_post(user=someone, thread=public, body="Réponse d'une autre personne")
        shared = services.thread_create(
            user=data.referents[1],
            title="Partagée",
            body="Texte partagé",
            project=data.project,
            shared_with_observers=True,
        )
        shared_reply = services.message_post(user=data.referents[1], thread=shared, body="Réponse partagée")
        unshared = services.thread_create(
            user=data.referents[1], title="Réservée", body="Texte réservé aux membres", project=data.project
        )
        users = {
            "visitor": AnonymousUser(),
            "registered": UserFactory(),
            "observer_none": data.observers[0],
            "observer_shared": data.observers[0],
            "observer_all": data.observers[0],
            "member": data.referents[0],
            "consultant": data.consultant,
            "other_project": other.referents[0],
            "facilitator": data.facilitator,
        }
        # Everyone "owns" a message in each space (written directly: the grid asks whether they may
        # still edit it, e.g. an observer whose town once took part).
        own = {}
        for user in users.values():
            if user.is_authenticated and user.pk not in own:
                own[user.pk] = (
                    Message.objects.create(thread=public, position=100 + len(own) * 2, author=user, body="À moi"),
                    Message.objects.create(thread=shared, position=100 + len(own) * 2, author=user, body="À moi"),
                )
        return {
            "data": data,
            "theme": theme,
            "public": public,
            "public_reply": public_reply,
            "shared": shared,
            "shared_reply": shared_reply,
            "unshared": unshared,
            "users": users,
            "own": own,
        }

    with data_kept_for_the_module(django_db_blocker, build) as world:
        yield world


@dataclass
class Check:
    permission: str
    obj: object
    method: str
    url: str
    data: dict | None = None
    changed: object = None


def _check(world, role, action) -> Check:
    # A fresh project: the rules keep the observer setting on the instance they read it from.
    project = SharedProject.objects.get(pk=world["data"].project.pk)
    user = world["users"][role]
    own_public, own_project = world["own"].get(user.pk, (None, None)) if user.is_authenticated else (None, None)
    fresh = lambda model, pk: model.objects.select_related("thread", "thread__project").get(pk=pk)  # noqa: E731
    thread = lambda pk: Thread.objects.select_related("project").get(pk=pk)  # noqa: E731
    public, shared, unshared = world["public"], world["shared"], world["unshared"]
    count = lambda: Thread.objects.count()  # noqa: E731
    threads_before = count()
    messages_before = Message.objects.count()

    def edited(message):
        return lambda: message is not None and Message.objects.get(pk=message.pk).body == "Corrigé"

    def hidden(message):
        return lambda: Message.objects.get(pk=message.pk).hidden_at is not None

    def reported(message):
        return lambda: Report.objects.filter(message=message).exists()

    checks = {
        "public_read": Check("community.view_thread", thread(public.pk), "get", public.get_absolute_url()),
        "public_post_thread": Check(
            "community.start_theme_thread",
            world["theme"],
            "post",
            reverse("community:theme_thread_create", args=[world["theme"].slug]),
            {"title": "Nouvelle", "body": "Texte"},
            lambda: count() > threads_before,
        ),
        "public_reply": Check(
            "community.reply_thread",
            thread(public.pk),
            "post",
            reverse("community:thread_reply", args=[public.pk]),
            {"body": "Réponse"},
            lambda: Message.objects.count() > messages_before,
        ),
        "public_edit_own": Check(
            "community.edit_message",
            own_public and fresh(Message, own_public.pk),
            "post",
            reverse("community:message_edit", args=[own_public.pk if own_public else 999999]),
            {"body": "Corrigé"},
            edited(own_public),
        ),
        "public_hide": Check(
            "community.hide_message",
            fresh(Message, world["public_reply"].pk),
            "post",
            reverse("community:message_hide", args=[world["public_reply"].pk]),
            {"reason": "Hors sujet"},
            hidden(world["public_reply"]),
        ),
        "public_report": Check(
            "community.report_message",
            fresh(Message, world["public_reply"].pk),
            "post",
            reverse("community:message_report", args=[world["public_reply"].pk]),
            {"reason": "Propos déplacés"},
            reported(world["public_reply"]),
        ),
        "project_view_space": Check(
            "community.view_project_space", project, "get", reverse("community:project_space", args=[project.slug])
        ),
        "project_read_shared": Check("community.view_thread", thread(shared.pk), "get", shared.get_absolute_url()),
        "project_read_unshared": Check(
            "community.view_thread", thread(unshared.pk), "get", unshared.get_absolute_url()
        ),
        "project_post_thread": Check(
            "community.start_project_thread",
            project,
            "post",
            reverse("community:project_thread_create", args=[project.slug]),
            {"title": "Nouvelle", "body": "Texte"},
            lambda: count() > threads_before,
        ),
        "project_reply": Check(
            "community.reply_thread",
            thread(shared.pk),
            "post",
            reverse("community:thread_reply", args=[shared.pk]),
            {"body": "Réponse"},
            lambda: Message.objects.count() > messages_before,
        ),
        "project_edit_own": Check(
            "community.edit_message",
            own_project and fresh(Message, own_project.pk),
            "post",
            reverse("community:message_edit", args=[own_project.pk if own_project else 999999]),
            {"body": "Corrigé"},
            edited(own_project),
        ),
        "project_hide": Check(
            "community.hide_message",
            fresh(Message, world["shared_reply"].pk),
            "post",
            reverse("community:message_hide", args=[world["shared_reply"].pk]),
            {"reason": "Hors sujet"},
            hidden(world["shared_reply"]),
        ),
        "project_report": Check(
            "community.report_message",
            fresh(Message, world["shared_reply"].pk),
            "post",
            reverse("community:message_report", args=[world["shared_reply"].pk]),
            {"reason": "Propos déplacés"},
            reported(world["shared_reply"]),
        ),
    }
    return checks[action]


@pytest.mark.parametrize(("role", "action", "allowed"), CASES)
def test_grid(client, world, role, action, allowed):
    if role in OBSERVER_ACCESS:
        ProjectSpace.objects.update_or_create(
            project=world["data"].project, defaults={"observer_access": OBSERVER_ACCESS[role]}
        )
    user = world["users"][role]
    check = _check(world, role, action)
    if check.obj is None:  # a visitor owns no message
        assert not allowed
    else:
        assert user.has_perm(check.permission, check.obj) is allowed
    if user.is_authenticated:
        client.force_login(user)
    response = getattr(client, check.method)(check.url, check.data or {})
    assert response.status_code < 500
    if allowed:
        assert response.status_code in (200, 302), response.status_code
        if response.status_code == 302:
            assert "/compte/connexion/" not in response.url
        if check.changed is not None:
            assert check.changed(), "the allowed request changed nothing"
    else:
        if response.status_code == 302:
            assert "/compte/connexion/" in response.url
        else:
            assert response.status_code in (403, 404), response.status_code
        if check.changed is not None:
            assert not check.changed(), "a refused request changed the database"
