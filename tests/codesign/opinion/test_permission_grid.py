"""Who may do what with the opinion map: roles × objects (map, town X's conversation, a statement
proposed in X) × actions, checked on the rule and over HTTP. The conversation of town X is open;
its map is computed but not published until the "read_published" rows.

Allowed → 200 or a redirect that is not the login page; refused → 403, 404 or the login page; a
refused POST changes nothing.
"""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.cache import cache
from django.urls import reverse

from territoires.accounts.models import User
from territoires.codesign.opinion import services
from territoires.codesign.opinion.models import OpinionConversation, OpinionMap, OpinionResult, Statement
from tests.codesign.opinion.world import add_votes, build_opinion_world
from tests.factories import UserFactory, make_project
from tests.support import data_kept_for_the_module

pytestmark = pytest.mark.django_db

Y, N = True, False
ROLES = (
    "visitor",
    "resident",
    "observer",
    "agent_x",
    "referent_x",
    "referent_y",
    "consultant",
    "facilitator",
    "other_project",
)
# fmt: off
GRID = {
    #                              vis res obs agX refX refY cons fac other
    "map.create":                 (N,  N,  N,  N,  N,   N,   Y,   Y,  N),
    "map.add_statement":          (N,  N,  N,  N,  N,   N,   Y,   Y,  N),
    "map.view":                   (Y,  Y,  Y,  Y,  Y,   Y,   Y,   Y,  Y),
    "conversation.vote":          (Y,  Y,  Y,  Y,  Y,   Y,   Y,   Y,  Y),
    "conversation.read_unpublished": (N, N, N, Y,  Y,   N,   Y,   Y,  N),
    "conversation.read_published": (Y, Y,  Y,  Y,  Y,   Y,   Y,   Y,  Y),
    "conversation.manage":        (N,  N,  N,  Y,  Y,   N,   Y,   Y,  N),
    "conversation.compute":       (N,  N,  N,  Y,  Y,   N,   Y,   Y,  N),
    "conversation.export":        (N,  N,  N,  Y,  Y,   N,   Y,   Y,  N),
    "statement.moderate":         (N,  N,  N,  Y,  Y,   N,   Y,   Y,  N),
}
# fmt: on
CASES = [
    pytest.param(role, action, allowed, id=f"{action}-{role}")
    for action, cells in GRID.items()
    for role, allowed in zip(ROLES, cells, strict=True)
]


def build():
    world = build_opinion_world()
    other = make_project(title="Autre projet")
    add_votes(world.conversation, world.statements)
    result = OpinionResult.objects.create(conversation=world.conversation)
    services.result_run(result_id=result.pk)
    participant = world.conversation.participants.first()
    world.pending = services.statement_propose(
        conversation=world.conversation, participant=participant, text="Proposition d'un habitant en attente"
    )
    world.users = {
        "visitor": None,
        "resident": UserFactory(),
        "observer": world.observers[0],
        "agent_x": world.agents[0],
        "referent_x": world.referents[0],
        "referent_y": world.referents[1],
        "consultant": world.consultant,
        "facilitator": world.facilitator,
        "other_project": other.referents[0],
    }
    return world


@pytest.fixture(scope="module")
def shared_world(django_db_setup, django_db_blocker):
    with data_kept_for_the_module(django_db_blocker, build) as world:
        yield world


def fresh(user):
    return AnonymousUser() if user is None else User.objects.get(pk=user.pk)


def check_for(action, world):
    """(permission, object, method, url, data, changed)."""
    conversation = world.conversation
    change = reverse("codesign:opinion_conversation_change", args=[conversation.pk])
    if action == "map.create":
        url = reverse("codesign:opinion_map_create", args=[world.project.slug])
        return ("codesign.add_opinion_map", world.project, "post", url, {"title": "Carte de la grille"},
                lambda: OpinionMap.objects.filter(title="Carte de la grille").exists())  # fmt: skip
    if action == "map.add_statement":
        url = reverse("codesign:opinion_statement_add", args=[world.map.pk])
        return ("codesign.change_opinion_map", world.map, "post", url, {"text": "Affirmation de la grille"},
                lambda: Statement.objects.filter(text="Affirmation de la grille").exists())  # fmt: skip
    if action == "map.view":
        return "codesign.view_opinion_map", world.map, "get", world.map.get_absolute_url(), None, None
    if action == "conversation.vote":
        url = reverse("codesign:opinion_vote", args=[conversation.public_token])
        return (
            None,
            None,
            "post",
            url,
            {"action": "vote", "statement": world.statements[0].pk, "value": "1"},
            (lambda: conversation.votes.count() > 22),
        )
    if action in ("conversation.read_unpublished", "conversation.read_published"):
        return "codesign.view_conversation", conversation, "get", conversation.get_absolute_url(), None, None
    if action == "conversation.manage":
        return ("codesign.manage_conversation", conversation, "post", change, {"action": "closed"},
                lambda: OpinionConversation.objects.get(pk=conversation.pk).status == "closed")  # fmt: skip
    if action == "conversation.compute":
        return ("codesign.manage_conversation", conversation, "post", change, {"action": "compute"},
                lambda: OpinionResult.objects.filter(conversation=conversation).count() > 1)  # fmt: skip
    if action == "conversation.export":
        url = reverse("codesign:opinion_votes_csv", args=[conversation.pk])
        return "codesign.manage_conversation", conversation, "get", url, None, None
    if action == "statement.moderate":
        url = reverse("codesign:opinion_statement_moderate", args=[world.pending.pk])
        return ("codesign.moderate_statement", world.pending, "post", url, {"decision": "published"},
                lambda: Statement.objects.get(pk=world.pending.pk).status == "published")  # fmt: skip
    raise AssertionError(action)


@pytest.mark.parametrize("role, action, allowed", CASES)
def test_grid(client, shared_world, role, action, allowed, django_capture_on_commit_callbacks):
    cache.clear()
    world = shared_world
    if action == "conversation.read_published":
        OpinionConversation.objects.filter(pk=world.conversation.pk).update(results_public=True)
        world.conversation.results_public = True
    else:
        world.conversation.results_public = False
    user = world.users[role]
    permission, obj, method, url, data, changed = check_for(action, world)
    if permission is not None:
        assert fresh(user).has_perm(permission, obj) is allowed
    if user is not None:
        client.force_login(user)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.get(url) if method == "get" else client.post(url, data)
    login = response.status_code == 302 and "/connexion" in response.get("Location", "")
    if allowed:
        assert response.status_code in (200, 302) and not login, (response.status_code, response.get("Location"))
        if changed is not None:
            assert changed()
    else:
        assert response.status_code in (403, 404) or login, response.status_code
        if changed is not None:
            assert not changed()
