"""Who may do what in a territory's co-design: roles × objects (plan, workshop, registration,
idea, objective, ballot) × actions, checked on the rule and over HTTP, with the shared project
set-up (tests/factories.make_project). The plan and its objects belong to town X of a public
project; the workshop is run by an agent of town Z (its facilitator).

Allowed → 200 or a redirect that is not the login page; refused → 403 or 404 (a visitor: the
login page, or 404 for pages that exist only for the team); a refused POST changes nothing; a
refused reader never sees the secret (registrants' names, a pending idea, a draft ballot).
"""

import pytest
from django.urls import reverse

from territoires.codesign import services
from territoires.codesign.models import Idea, Objective, Workshop
from tests.codesign.world import build_world
from tests.factories import make_project
from tests.support import data_kept_for_the_module, fresh, grid_users

pytestmark = pytest.mark.django_db

Y, N = True, False
ROLES = (
    "visitor", "resident", "observer", "agent_x", "elected_x", "referent_x", "referent_y",
    "consultant", "facilitator", "workshop_facilitator", "other_project",
)  # fmt: skip
# fmt: off
GRID = {
    #                          vis res obs agX elX refX refY cons fac wfac other
    "plan.view":              (Y,  Y,  Y,  Y,  Y,  Y,   Y,   Y,   Y,  Y,   Y),
    "plan.change":            (N,  N,  N,  Y,  Y,  Y,   N,   Y,   Y,  N,   N),
    "workshop.view_draft":    (N,  N,  N,  Y,  Y,  Y,   N,   Y,   Y,  Y,   N),
    "workshop.view_published":(Y,  Y,  Y,  Y,  Y,  Y,   Y,   Y,   Y,  Y,   Y),
    "workshop.change":        (N,  N,  N,  Y,  Y,  Y,   N,   Y,   Y,  Y,   N),
    "registration.see_names": (N,  N,  N,  N,  N,  Y,   N,   N,   Y,  Y,   N),
    "idea.view_published":    (Y,  Y,  Y,  Y,  Y,  Y,   Y,   Y,   Y,  Y,   Y),
    "idea.view_pending":      (N,  N,  N,  Y,  Y,  Y,   N,   Y,   Y,  N,   N),
    "idea.add":               (N,  N,  N,  Y,  Y,  Y,   N,   Y,   Y,  N,   N),
    "idea.moderate":          (N,  N,  N,  Y,  Y,  Y,   N,   Y,   Y,  N,   N),
    "idea.merge":             (N,  N,  N,  Y,  Y,  Y,   N,   Y,   Y,  N,   N),
    "idea.comment":           (N,  N,  N,  Y,  Y,  Y,   Y,   Y,   Y,  Y,   N),
    "objective.view":         (Y,  Y,  Y,  Y,  Y,  Y,   Y,   Y,   Y,  Y,   Y),
    "objective.add":          (N,  N,  N,  Y,  Y,  Y,   N,   Y,   Y,  N,   N),
    "ballot.view_draft":      (N,  N,  N,  Y,  Y,  Y,   N,   Y,   Y,  N,   N),
    "ballot.manage":          (N,  N,  N,  Y,  Y,  Y,   N,   Y,   Y,  N,   N),
    "ballot.vote_online":     (N,  Y,  Y,  Y,  Y,  Y,   Y,   Y,   Y,  Y,   Y),
    "ballot.results_open":    (N,  N,  N,  Y,  Y,  Y,   N,   Y,   Y,  N,   N),
}
# fmt: on
CASES = [
    pytest.param(role, action, allowed, id=f"{action}-{role}")
    for action, cells in GRID.items()
    for role, allowed in zip(ROLES, cells, strict=True)
]
REGISTRANT = "Dominique Inscrite"


def build():
    world = build_world()
    other = make_project(title="Autre projet")
    referent = world.referents[0]
    world.draft_workshop = services.workshop_save(
        workshop=Workshop(
            plan=world.plan, title="Atelier secret", method="prototyping", starts_at=world.workshop.starts_at,
            place=world.place, capacity=10, facilitator=world.agents[2],
        ),
        user=referent, publish=False,
    )  # fmt: skip
    services.workshop_register(workshop=world.workshop, name=REGISTRANT, email="dominique@example.org")
    world.idea = services.idea_create(plan=world.plan, user=referent, title="Idée publiée", source="team")
    world.plan.ideas_open = True
    world.plan.save()
    world.pending = services.idea_submit(plan=world.plan, title="Idée en attente secrète")
    world.duplicate = services.idea_create(plan=world.plan, user=referent, title="Idée en double", source="team")
    world.objective = services.objective_save(objective=Objective(plan=world.plan, title="Objectif"), user=referent)
    world.draft_ballot = services.ballot_create(
        plan=world.plan, user=referent, title="Scrutin en préparation secret", method="approval",
        options=[("A", None), ("B", None)],
    )  # fmt: skip
    world.open_ballot = services.ballot_open(
        ballot=services.ballot_create(
            plan=world.plan,
            user=referent,
            title="Scrutin ouvert",
            method="approval",
            options=[("A", None), ("B", None)],
        ),
        user=referent,
    )
    world.users = grid_users(world, other, workshop_facilitator=world.agents[2])
    return world


@pytest.fixture(scope="module")
def shared_world(django_db_setup, django_db_blocker):
    with data_kept_for_the_module(django_db_blocker, build) as world:
        yield world


def check_for(action, world):
    """(permission, object, method, url, data, changed, secret)."""
    plan, workshop = world.plan, world.workshop
    if action == "plan.view":
        return "codesign.view_plan", plan, "get", plan.get_absolute_url(), None, None, ""
    if action == "plan.change":
        url = reverse("codesign:plan_edit", args=[world.project.slug, world.towns[0].slug])
        return (
            "codesign.change_plan",
            plan,
            "post",
            url,
            {"summary": "Changé", "methods": ["thematic"]},
            (lambda: type(plan).objects.get(pk=plan.pk).summary == "Changé"),
            "",
        )
    if action == "workshop.view_draft":
        return (
            "codesign.view_workshop",
            world.draft_workshop,
            "get",
            world.draft_workshop.get_absolute_url(),
            None,
            None,
            "Atelier secret",
        )
    if action == "workshop.view_published":
        return "codesign.view_workshop", workshop, "get", workshop.get_absolute_url(), None, None, ""
    if action == "workshop.change":
        return (
            "codesign.change_workshop",
            workshop,
            "get",
            reverse("codesign:workshop_edit", args=[workshop.public_token]),
            None,
            None,
            "",
        )
    if action == "registration.see_names":
        url = reverse("codesign:workshop_registrations", args=[workshop.public_token])
        return "codesign.view_registrants", workshop, "get", url, None, None, REGISTRANT
    if action == "idea.view_published":
        return "codesign.view_idea", world.idea, "get", world.idea.get_absolute_url(), None, None, ""
    if action == "idea.view_pending":
        return (
            "codesign.view_idea",
            world.pending,
            "get",
            world.pending.get_absolute_url(),
            None,
            None,
            "Idée en attente secrète",
        )
    if action == "idea.add":
        url = reverse("codesign:idea_create", args=[plan.pk])
        return (
            "codesign.add_idea",
            plan,
            "post",
            url,
            {"title": "Nouvelle idée grille", "source": "team"},
            (lambda: Idea.objects.filter(title="Nouvelle idée grille").exists()),
            "",
        )
    if action == "idea.moderate":
        url = reverse("codesign:idea_moderate", args=[world.pending.pk])
        return (
            "codesign.moderate_idea",
            world.pending,
            "post",
            url,
            {"decision": "published"},
            (lambda: Idea.objects.get(pk=world.pending.pk).status == "published"),
            "",
        )
    if action == "idea.merge":
        url = reverse("codesign:idea_merge", args=[world.idea.pk])
        return (
            "codesign.merge_idea",
            world.idea,
            "post",
            url,
            {"duplicate": world.duplicate.pk},
            (lambda: Idea.objects.get(pk=world.duplicate.pk).merged_into_id == world.idea.pk),
            "",
        )
    if action == "idea.comment":
        url = reverse("codesign:idea_comment", args=[world.idea.pk])
        return (
            "codesign.comment_idea",
            world.idea,
            "post",
            url,
            {"body": "Commentaire grille"},
            (lambda: world.idea.comments.filter(body="Commentaire grille").exists()),
            "",
        )
    if action == "objective.view":
        return "codesign.view_objective", world.objective, "get", world.objective.get_absolute_url(), None, None, ""
    if action == "objective.add":
        url = reverse("codesign:objective_create", args=[plan.pk])
        return (
            "codesign.add_objective",
            plan,
            "post",
            url,
            {"title": "Objectif grille"},
            (lambda: Objective.objects.filter(title="Objectif grille").exists()),
            "",
        )
    if action == "ballot.view_draft":
        ballot = world.draft_ballot
        return (
            "codesign.view_ballot",
            ballot,
            "get",
            ballot.get_absolute_url(),
            None,
            None,
            "Scrutin en préparation secret",
        )
    if action == "ballot.manage":
        ballot = world.draft_ballot
        url = reverse("codesign:ballot_state", args=[ballot.pk])
        return (
            "codesign.manage_ballot",
            ballot,
            "post",
            url,
            {"action": "open"},
            (lambda: type(ballot).objects.get(pk=ballot.pk).status == "open"),
            "",
        )
    if action == "ballot.vote_online":
        ballot = world.open_ballot
        option = ballot.options.first()
        return (
            "codesign.vote_online",
            ballot,
            "post",
            ballot.get_absolute_url(),
            {f"option-{option.pk}": "1"},
            (lambda: ballot.votes.exists()),
            "",
        )
    if action == "ballot.results_open":
        ballot = world.open_ballot
        return "codesign.view_results", ballot, "get", ballot.get_absolute_url(), None, None, "Résultats provisoires"
    raise AssertionError(action)


@pytest.mark.parametrize(("role", "action", "allowed"), CASES)
def test_codesign_permission_grid(client, shared_world, role, action, allowed):
    world = shared_world
    user = world.users[role]
    permission, obj, method, url, data, changed, secret = check_for(action, world)
    assert fresh(user).has_perm(permission, type(obj).objects.get(pk=obj.pk)) is allowed

    if user is not None:
        client.force_login(user)
    response = getattr(client, method)(url, data or {})
    status = response.status_code
    body = response.content.decode()
    sent_to_login = status == 302 and response["Location"].startswith(reverse("accounts:login"))
    if action in ("ballot.results_open", "workshop.view_published") or (
        action == "ballot.vote_online" and user is None
    ):
        # Pages everyone opens; what differs is what they show (the secret) or what they store.
        assert status in (200, 302)
    elif allowed:
        assert status in (200, 302), status
        assert not sent_to_login
    elif user is None:
        assert sent_to_login or status == 404, status
    else:
        assert status in (403, 404), status
    if changed is not None:
        assert changed() is allowed
    if secret:
        assert (secret in body) is allowed
