"""Who may invite whom: the role × action grid of invitations, on the rules and over HTTP.

Same roles and world as the projects grid (tests/projects/test_permission_grid.py). Allowed → the
page opens or the POST sends the invitation (302); refused → 403 (or, for a person who may invite
elsewhere, the form refuses the organisation: 400); never a 500, and a refused POST sends nothing.
"""

import pytest
from django.urls import reverse

from territoires.accounts.models import Invitation, Organisation
from territoires.accounts.rules import invitable_roles
from tests.projects.test_permission_grid import ROLES, build_world, fresh
from tests.support import data_kept_for_the_module

pytestmark = pytest.mark.django_db

Y, N = True, False

# fmt: off
GRID = [
    # action                        visitor resident observer agent ref_X ref_Y consultant facilitator admin
    ("open_invitations",               N,     N,       Y,      N,    Y,    Y,      N,         Y,       Y),
    ("invite_referent_into_town_x",    N,     N,       N,      N,    Y,    N,      N,         Y,       Y),
    ("invite_agent_into_town_x",       N,     N,       N,      N,    Y,    N,      N,         Y,       Y),
    ("invite_into_consultancy",        N,     N,       N,      N,    N,    N,      N,         Y,       Y),
    ("invite_facilitator_into_agency", N,     N,       N,      N,    N,    N,      N,         Y,       Y),
    ("invite_admin_into_agency",       N,     N,       N,      N,    N,    N,      N,         N,       Y),
    ("create_commune",                 N,     N,       N,      N,    N,    N,      N,         Y,       Y),
]
# fmt: on

CASES = [
    pytest.param(role, action, allowed, id=f"{action}-{role}")
    for action, *cells in GRID
    for role, allowed in zip(ROLES, cells, strict=True)
]


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    with data_kept_for_the_module(django_db_blocker, build_world) as built:
        yield built


def request_for(action: str, world):
    """(permission, object, POST data or None for a GET of the invitations page)."""
    target = {
        "invite_referent_into_town_x": (world.town_x, "referent"),
        "invite_agent_into_town_x": (world.town_x, "agent"),
        "invite_into_consultancy": (world.consultancy, "consultant"),
        "invite_facilitator_into_agency": (world.agency, "facilitator"),
        "invite_admin_into_agency": (world.agency, "platform_admin"),
    }
    if action == "open_invitations":
        return "accounts.invite_members", None, None
    if action == "create_commune":
        data = {"email": "nouvelle@commune.fr", "organisation": "", "insee_code": "2B033", "name": "Bastia"}
        return "accounts.create_authority", None, {**data, "role": "referent"}
    organisation, role = target[action]
    return (
        "accounts.invite_to_organisation",
        organisation,
        {
            "email": "nouvelle@commune.fr",
            "organisation": organisation.pk,
            "role": role,
            "_role": role,
        },
    )


@pytest.mark.parametrize(("role", "action", "allowed"), CASES)
def test_invitation_grid(client, world, role, action, allowed):
    user = world.users[role]
    permission, obj, data = request_for(action, world)
    if obj is None:
        assert fresh(user).has_perm(permission) is allowed
    else:
        assert (data["_role"] in invitable_roles(fresh(user), obj)) is allowed
    if user is not None:
        client.force_login(user)
    if data is None:
        response = client.get(reverse("accounts:invitation_list"))
    else:
        data = {key: value for key, value in data.items() if not key.startswith("_")}
        response = client.post(reverse("accounts:invitation_create"), data)
    status = response.status_code
    assert status != 500
    sent_to_login = status == 302 and response["Location"].startswith(reverse("accounts:login"))
    if allowed:
        assert status in (200, 302) and not sent_to_login, status
    elif user is None:
        assert sent_to_login
    else:
        assert status in (400, 403), status
    if data is not None:
        assert Invitation.objects.filter(email="nouvelle@commune.fr").exists() is allowed
    if action == "create_commune":
        assert Organisation.objects.filter(insee_code="2B033").exists() is allowed
