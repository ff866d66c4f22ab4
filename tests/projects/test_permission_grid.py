"""Who may do what on a shared project: the role × action grid, checked on the rules and over HTTP.

Each row of GRID is an action; each column a role. For every cell the test checks the rule
(`user.has_perm`) and the page or POST behind it: allowed → 200 or a redirect (never to the login
page); refused → 403 (a visitor may instead be sent to the login page, or get 404 for an unpublished
project); never a 500, and a refused POST changes nothing.
"""

import datetime
from dataclasses import dataclass

import pytest
from django.contrib.auth.models import AnonymousUser
from django.urls import reverse
from django.utils import timezone

from territoires.accounts.models import User
from territoires.projects import services
from territoires.projects.models import (
    CommitteeMember,
    Decision,
    Meeting,
    MeetingInvitation,
    SharedProject,
    StepCompletion,
    ThemeInterest,
    Withdrawal,
)
from territoires.projects.rules import CharterParty
from tests.factories import MembershipFactory, OrganisationFactory, ThemeFactory, UserFactory, make_project
from tests.support import data_kept_for_the_module

pytestmark = pytest.mark.django_db

ROLES = (
    "visitor",  # anonymous
    "resident",  # logged in, no membership
    "observer",  # referent of an accepted observer town
    "agent",  # agent of town X (a participating town)
    "referent_x",  # referent of town X
    "referent_y",  # referent of another participating town
    "consultant",
    "facilitator",
    "admin",  # platform admin (superuser)
)

Y, N = True, False

# fmt: off
GRID = [
    # action                   visitor resident observer agent ref_X ref_Y consultant facilitator admin
    ("view_public_project",       Y,     Y,       Y,      Y,    Y,    Y,      Y,         Y,       Y),
    ("view_unpublished_project",  N,     N,       Y,      Y,    Y,    Y,      Y,         Y,       Y),
    ("manage_participants",       N,     N,       N,      N,    N,    N,      N,         Y,       Y),
    ("launch",                    N,     N,       N,      N,    N,    N,      N,         Y,       Y),
    ("view_committee",            N,     N,       N,      Y,    Y,    Y,      Y,         Y,       Y),
    ("view_minutes",              N,     N,       N,      Y,    Y,    Y,      Y,         Y,       Y),
    ("manage_committee",          N,     N,       N,      N,    N,    N,      N,         Y,       Y),
    ("view_decisions",            N,     N,       N,      Y,    Y,    Y,      Y,         Y,       Y),
    ("record_decision",           N,     N,       N,      N,    N,    N,      N,         Y,       Y),
    ("edit_decision",             N,     N,       N,      N,    N,    N,      N,         Y,       Y),
    # referent_x is in charge of the decision: they follow it up (its status), nothing more
    ("follow_decision",           N,     N,       N,      N,    Y,    N,      N,         Y,       Y),
    ("meeting_ical",              N,     N,       N,      Y,    Y,    Y,      Y,         Y,       Y),
    ("send_invitations",          N,     N,       N,      N,    N,    N,      N,         Y,       Y),
    ("view_audit_log",            N,     N,       N,      N,    N,    N,      N,         Y,       Y),
    ("edit_charter",              N,     N,       N,      N,    N,    N,      N,         Y,       Y),
    ("sign_for_town_x",           N,     N,       N,      N,    Y,    N,      N,         N,       Y),
    ("sign_for_agency",           N,     N,       N,      N,    N,    N,      N,         Y,       Y),
    ("edit_territory_x",          N,     N,       N,      N,    Y,    N,      N,         Y,       Y),
    ("complete_step_x",           N,     N,       N,      N,    Y,    N,      N,         Y,       Y),
    ("confirm_reopen_step_x",     N,     N,       N,      N,    Y,    N,      N,         Y,       Y),
    ("reopen_step_x",             N,     N,       N,      N,    Y,    N,      N,         Y,       Y),
    ("edit_method",               N,     N,       N,      N,    N,    N,      N,         Y,       Y),
    ("notify_withdrawal_x",       N,     N,       N,      N,    Y,    N,      N,         Y,       Y),
    ("close_withdrawal_x",        N,     N,       N,      N,    N,    N,      N,         Y,       Y),
    ("propose_theme",             N,     N,       Y,      Y,    Y,    Y,      N,         Y,       Y),
    ("express_interest",          N,     N,       Y,      Y,    Y,    Y,      N,         N,       Y),
    ("convert_theme",             N,     N,       N,      N,    N,    N,      N,         Y,       Y),
]
# fmt: on

CASES = [
    pytest.param(role, action, allowed, id=f"{action}-{role}")
    for action, *cells in GRID
    for role, allowed in zip(ROLES, cells, strict=True)
]

SECRET_MINUTES = "Compte rendu réservé aux membres du projet"


@dataclass
class Check:
    permission: str
    obj: object
    method: str
    url: str
    data: dict | None = None
    changed: object = None  # callable: did the request change the database?
    secret: str = ""  # text a refused user must never see


def build_world():
    world = make_project(participants=4, observers=1)
    project = world.project
    world.town_x, world.town_y = world.towns[0], world.towns[1]
    world.participation_x = project.participations.get(organisation=world.town_x)
    services.step_complete(participation=world.participation_x, step="actor_map", user=world.referents[0])
    world.admin = UserFactory(is_superuser=True, is_staff=True)
    world.resident = UserFactory()
    world.theme = ThemeFactory(proposed_by_organisation=OrganisationFactory())
    world.meeting = services.meeting_save(
        meeting=Meeting(
            committee=project.committee,
            title="COPIL de lancement",
            starts_at=datetime.datetime(2021, 10, 5, 14, tzinfo=datetime.UTC),
            place="Paris",
            agenda="Calendrier",
            minutes=SECRET_MINUTES,
        ),
        decisions=["Calendrier adopté"],
        user=world.facilitator,
    )
    CommitteeMember.objects.create(
        committee=project.committee, user=world.referents[0], organisation=world.town_x, kind="cultural_lead"
    )
    world.decision = world.meeting.decisions.get()
    world.decision.owner = world.referents[0]
    world.decision.save()
    world.unowned_decision = Decision.objects.create(meeting=world.meeting, number=2, text="Sans responsable")
    world.users = {
        "visitor": None,
        "resident": world.resident,
        "observer": world.observers[0],
        "agent": world.agents[0],
        "referent_x": world.referents[0],
        "referent_y": world.referents[1],
        "consultant": world.consultant,
        "facilitator": world.facilitator,
        "admin": world.admin,
    }
    return world


@pytest.fixture(scope="module")
def shared_world(django_db_setup, django_db_blocker):
    """One project for the whole grid, inside a transaction that each test's savepoint rolls back to."""
    with data_kept_for_the_module(django_db_blocker, build_world) as world:
        yield world


def own_authority_id(user) -> str:
    if user is None:
        return ""
    membership = user.memberships.filter(organisation__kind="commune").first()
    return str(membership.organisation_id) if membership else ""


def check_for(action: str, world, user) -> Check:
    project, slug = world.project, world.project.slug
    x = world.participation_x
    territory = (slug, world.town_x.slug)
    if action == "view_public_project":
        return Check("projects.view_project", project, "get", project.get_absolute_url())
    if action == "view_unpublished_project":
        SharedProject.objects.filter(pk=project.pk).update(is_public=False)
        project = SharedProject.objects.get(pk=project.pk)
        return Check("projects.view_project", project, "get", project.get_absolute_url(), secret=project.title)
    if action == "manage_participants":
        return Check(
            "projects.manage_participants", project, "get", reverse("projects:project_participants", args=[slug])
        )
    if action == "launch":
        SharedProject.objects.filter(pk=project.pk).update(status=SharedProject.Status.DRAFT, launched_at=None)
        return Check(
            "projects.manage_participants",
            project,
            "post",
            reverse("projects:project_participants", args=[slug]),
            {"action": "launch"},
            changed=lambda: SharedProject.objects.get(pk=project.pk).status == SharedProject.Status.LAUNCHED,
        )
    if action == "view_committee":
        return Check("projects.view_committee", project, "get", reverse("projects:committee_detail", args=[slug]))
    if action == "view_minutes":
        url = reverse("projects:meeting_detail", args=[slug, world.meeting.pk])
        return Check("projects.view_committee", project, "get", url, secret=SECRET_MINUTES)
    if action == "manage_committee":
        return Check("projects.manage_committee", project, "get", reverse("projects:meeting_create", args=[slug]))
    if action == "view_decisions":
        return Check("projects.view_committee", project, "get", reverse("projects:decision_list", args=[slug]))
    if action == "record_decision":
        return Check(
            "projects.manage_committee",
            project,
            "post",
            reverse("projects:meeting_detail", args=[slug, world.meeting.pk]),
            {"text": "Décision ajoutée", "status": "todo"},
            changed=lambda: Decision.objects.filter(text="Décision ajoutée").exists(),
        )
    if action == "edit_decision":
        # (Its owner may follow a decision up, but not rewrite it: tests/projects/test_committee.py.)
        return Check(
            "projects.change_decision",
            world.unowned_decision,
            "post",
            reverse("projects:decision_edit", args=[slug, world.unowned_decision.pk]),
            {"text": "Texte réécrit", "status": "todo", "owner": str(world.referents[0].pk)},
            changed=lambda: Decision.objects.filter(text="Texte réécrit").exists(),
        )
    if action == "follow_decision":
        return Check(
            "projects.follow_decision",
            world.decision,
            "post",
            reverse("projects:decision_edit", args=[slug, world.decision.pk]),
            {"text": world.decision.text, "status": "done", "owner": str(world.referents[0].pk)},
            changed=lambda: Decision.objects.get(pk=world.decision.pk).status == "done",
        )
    if action == "meeting_ical":
        url = reverse("projects:meeting_ical", args=[slug, world.meeting.pk])
        return Check("projects.view_committee", project, "get", url, secret="COPIL de lancement")
    if action == "send_invitations":
        upcoming = Meeting.objects.create(
            committee=project.committee,
            title="COPIL à venir",
            starts_at=timezone.now() + datetime.timedelta(days=20),
            place="Niort",
            agenda="Bilan",
        )
        return Check(
            "projects.manage_committee",
            project,
            "post",
            reverse("projects:meeting_invitations", args=[slug, upcoming.pk]),
            changed=lambda: MeetingInvitation.objects.filter(meeting=upcoming).exists(),
        )
    if action == "view_audit_log":
        return Check("projects.view_audit_log", project, "get", reverse("projects:project_audit_log", args=[slug]))
    if action == "edit_charter":
        return Check("projects.edit_charter", project, "get", reverse("projects:charter_edit", args=[slug]))
    if action == "sign_for_town_x":
        url = reverse("projects:charter_sign", args=[slug, world.town_x.slug])
        return Check("projects.sign_charter", CharterParty(project, world.town_x), "get", url)
    if action == "sign_for_agency":
        url = reverse("projects:charter_sign", args=[slug, world.agency.slug])
        return Check("projects.sign_charter", CharterParty(project, world.agency), "get", url)
    if action == "edit_territory_x":
        return Check("projects.edit_territory", x, "get", reverse("projects:territory_edit", args=territory))
    if action == "complete_step_x":
        return Check(
            "projects.complete_step",
            x,
            "post",
            reverse("projects:territory_step", args=territory),
            {"step": "interviews", "note": "Douze entretiens"},
            changed=lambda: StepCompletion.objects.filter(participation=x, step="interviews").exists(),
        )
    if action == "confirm_reopen_step_x":
        url = reverse("projects:territory_step_reopen", args=[*territory, "actor_map"])
        return Check("projects.reopen_step", x, "get", url)
    if action == "reopen_step_x":
        return Check(
            "projects.reopen_step",
            x,
            "post",
            reverse("projects:territory_step_reopen", args=[*territory, "actor_map"]),
            changed=lambda: not StepCompletion.objects.filter(participation=x, step="actor_map").exists(),
        )
    if action == "edit_method":
        return Check("projects.edit_method", project, "get", reverse("projects:project_method", args=[project.slug]))
    if action == "notify_withdrawal_x":
        return Check(
            "projects.notify_withdrawal",
            x,
            "post",
            reverse("projects:territory_withdrawal", args=territory),
            {"letter_received_on": (world.today - datetime.timedelta(days=10)).isoformat(), "reason": "Budget"},
            changed=lambda: Withdrawal.objects.filter(participation=x).exists(),
        )
    if action == "close_withdrawal_x":
        services.withdrawal_notify(
            participation=x, letter_received_on=datetime.date(2022, 1, 10), reason="", user=world.facilitator
        )
        return Check(
            "projects.close_withdrawal",
            x,
            "post",
            reverse("projects:territory_withdrawal", args=territory),
            {"closed_on": "2022-03-01"},
            changed=lambda: Withdrawal.objects.get(participation=x).effective_on is not None,
        )
    if action == "propose_theme":
        return Check("projects.propose_theme", None, "get", reverse("projects:theme_propose"))
    if action == "express_interest":
        organisation_id = own_authority_id(user)
        return Check(
            "projects.express_interest",
            world.theme,
            "post",
            reverse("projects:theme_interest", args=[world.theme.slug]),
            {"organisation": organisation_id},
            changed=(
                (lambda: ThemeInterest.objects.filter(theme=world.theme, organisation_id=organisation_id).exists())
                if organisation_id
                else None
            ),
        )
    if action == "convert_theme":
        return Check(
            "projects.convert_theme", world.theme, "get", reverse("projects:theme_convert", args=[world.theme.slug])
        )
    raise AssertionError(action)


def fresh(user):
    """A new user object: memberships are cached on the instance (accounts/access.py)."""
    return AnonymousUser() if user is None else User.objects.get(pk=user.pk)


@pytest.mark.parametrize(("role", "action", "allowed"), CASES)
def test_permission_grid(client, shared_world, role, action, allowed):
    world = shared_world
    user = world.users[role]
    check = check_for(action, world, user)
    interests_before = ThemeInterest.objects.count()

    assert fresh(user).has_perm(check.permission, check.obj) is allowed

    if user is not None:
        client.force_login(user)
    response = getattr(client, check.method)(check.url, check.data or {})
    status = response.status_code
    assert status != 500
    login_url = reverse("accounts:login")
    sent_to_login = status == 302 and response["Location"].startswith(login_url)
    if allowed:
        assert status in (200, 302), status
        assert not sent_to_login
    elif user is None:
        assert sent_to_login or status in (403, 404), status
    else:
        assert status in (403, 404) if action == "view_unpublished_project" else status == 403, status
    if check.changed is not None:
        assert check.changed() is allowed
    if check.secret and not allowed:
        assert check.secret not in response.content.decode()
    if check.secret and allowed and status == 200:
        assert check.secret in response.content.decode()
    if action == "express_interest" and not allowed:
        assert ThemeInterest.objects.count() == interests_before


def test_grid_covers_every_role_and_action():
    assert len(GRID) == 27
    assert all(len(row) == len(ROLES) + 1 for row in GRID)


def test_a_refused_observer_request_does_not_open_an_unpublished_project():
    """A town whose observation request is pending or refused sees neither the page nor the list entry."""
    world = make_project(public=False)
    town = OrganisationFactory()
    user = MembershipFactory(organisation=town, role="referent").user
    services.participation_add(project=world.project, organisation=town, role="observer", user=world.facilitator)
    world.project.participations.filter(organisation=town).update(observer_status="refused")
    assert not fresh(user).has_perm("projects.view_project", world.project)
    assert SharedProject.objects.visible_to(fresh(user)).filter(pk=world.project.pk).exists() is False


def test_a_platform_admin_lists_the_unpublished_projects_they_may_open():
    """The list follows the projects.view_project rule for the platform-admin role too."""
    world = make_project(public=False)
    user = MembershipFactory(organisation=OrganisationFactory(agency=True), role="platform_admin").user
    assert fresh(user).has_perm("projects.view_project", world.project)
    assert SharedProject.objects.visible_to(fresh(user)).filter(pk=world.project.pk).exists() is True
