"""Accounts: e-mail login, password reset, the user's own space, and the French admin."""

import html
import re

import pytest
from django.core import mail
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from territoires.accounts.models import Membership, User
from territoires.accounts.services import membership_save
from territoires.core.models import AuditEvent
from tests.factories import PASSWORD, MembershipFactory, OrganisationFactory, UserFactory, make_project

pytestmark = pytest.mark.django_db

LOGIN = "/compte/connexion/"


def text(response) -> str:
    return html.unescape(response.content.decode())


# Login -------------------------------------------------------------------------------------------


def test_login_with_the_email_address(client):
    user = UserFactory(email="florence.dupuis@niort.fr")
    response = client.post(LOGIN, {"username": "florence.dupuis@niort.fr", "password": PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == reverse("projects:dashboard")
    assert client.session["_auth_user_id"] == str(user.pk)


@pytest.mark.parametrize(
    "typed", ["Florence.Dupuis@Niort.fr", "FLORENCE.DUPUIS@NIORT.FR", "  florence.dupuis@niort.fr "]
)
def test_login_ignores_the_case_of_the_email_address(client, typed):
    user = User.objects.create_user("florence.dupuis@niort.fr", PASSWORD)
    response = client.post(LOGIN, {"username": typed, "password": PASSWORD})
    assert response.status_code == 302, text(response)
    assert client.session["_auth_user_id"] == str(user.pk)


def test_an_account_created_with_capitals_is_stored_in_lower_case():
    user = User.objects.create_user("Jean.Martin@Bourges.FR", PASSWORD)
    assert user.email == "jean.martin@bourges.fr"


def test_an_address_typed_with_capitals_in_the_admin_is_stored_in_lower_case():
    user = User(email="Claire.Leroy@Guichen.FR")
    user.clean()
    assert user.email == "claire.leroy@guichen.fr"


def test_a_wrong_password_gets_a_french_message(client):
    UserFactory(email="agent@bourges.fr")
    response = client.post(LOGIN, {"username": "agent@bourges.fr", "password": "pas le bon"})
    assert response.status_code == 200
    assert "Adresse électronique ou mot de passe incorrect." in text(response)
    assert "_auth_user_id" not in client.session


def test_an_unknown_address_gets_the_same_message(client):
    response = client.post(LOGIN, {"username": "personne@nulle-part.fr", "password": PASSWORD})
    assert response.status_code == 200
    assert "Adresse électronique ou mot de passe incorrect." in text(response)


def test_a_deactivated_account_cannot_log_in(client):
    UserFactory(email="ancien@niort.fr", is_active=False)
    response = client.post(LOGIN, {"username": "ancien@niort.fr", "password": PASSWORD})
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session


def test_login_never_redirects_to_another_site(client):
    UserFactory(email="agent@niort.fr")
    response = client.post(LOGIN, {"username": "agent@niort.fr", "password": PASSWORD, "next": "https://evil.example/"})
    assert response.status_code == 302
    assert response["Location"] == reverse("projects:dashboard")


# Password reset ----------------------------------------------------------------------------------


def test_password_reset_sends_a_working_link(client):
    user = UserFactory(email="referente@guichen.fr")
    response = client.post(reverse("accounts:password_reset"), {"email": "Referente@Guichen.fr"})
    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:password_reset_done")
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["referente@guichen.fr"]
    assert "Territoires en commun" in message.body and "Choisissez-en un nouveau" in message.body

    link = re.search(r"https?://[^/\s]+(/\S+)", message.body).group(1)
    form_page = client.get(link, follow=True)
    assert form_page.status_code == 200
    set_password_url = form_page.redirect_chain[-1][0]
    new_password = "Un-nouveau-mot-de-passe-2024"
    done = client.post(set_password_url, {"new_password1": new_password, "new_password2": new_password})
    assert done.status_code == 302
    assert done["Location"] == reverse("accounts:password_reset_complete")
    user.refresh_from_db()
    assert user.check_password(new_password)

    # The link works once.
    client.logout()
    used = client.get(link, follow=True)
    assert "Ce lien n'est plus valable" in text(used)
    assert 'name="new_password1"' not in used.content.decode()


def test_password_reset_for_an_unknown_address_sends_nothing_and_reveals_nothing(client):
    response = client.post(reverse("accounts:password_reset"), {"email": "inconnu@exemple.fr"})
    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:password_reset_done")
    assert mail.outbox == []


def test_a_forged_reset_link_is_refused_in_french(client):
    user = UserFactory()
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    response = client.get(reverse("accounts:password_reset_confirm", args=[uid, "abc-123"]), follow=True)
    assert response.status_code == 200
    assert "Ce lien n'est plus valable" in text(response)
    assert 'name="new_password1"' not in response.content.decode()


# My space ----------------------------------------------------------------------------------------


def test_my_space_lists_my_territories_and_only_mine(client):
    world = make_project(participants=3, title="Action culturelle avec les habitants")
    other = make_project(participants=3, title="Tiers-lieux en milieu rural")
    client.force_login(world.referents[0])
    response = client.get(reverse("projects:dashboard"))
    assert response.status_code == 200
    page = text(response)
    assert "Mes territoires" in page
    assert "Action culturelle avec les habitants" in page
    assert world.towns[0].name in page
    assert world.project.get_absolute_url() in page
    assert "Tiers-lieux en milieu rural" not in page
    assert other.towns[0].name not in page


def test_my_space_shows_the_facilitated_projects(client):
    world = make_project(participants=3, title="Action culturelle avec les habitants")
    client.force_login(world.facilitator)
    page = text(client.get(reverse("projects:dashboard")))
    assert "Projets que j'anime ou accompagne" in page
    assert "Action culturelle avec les habitants" in page


def test_my_space_asks_a_referent_to_sign_until_their_authority_has_signed(client):
    from tests.projects.test_services import sign_town

    world = make_project(participants=3, title="Action culturelle avec les habitants")
    sign_town(world, world.towns[0])
    due = "Signer la charte de « Action culturelle avec les habitants »"
    client.force_login(world.referents[0])
    assert due not in text(client.get(reverse("projects:dashboard")))
    client.force_login(world.referents[1])
    page = text(client.get(reverse("projects:dashboard")))
    assert f"{due} pour {world.towns[1].name}" in page
    assert reverse("projects:charter_sign", args=[world.project.slug, world.towns[1].slug]) in page


def test_my_space_is_for_logged_in_users(client):
    response = client.get(reverse("projects:dashboard"))
    assert response.status_code == 302
    assert response["Location"].startswith(LOGIN)


# Admin -------------------------------------------------------------------------------------------

ADMIN_CHANGELISTS = [
    ("accounts", "user", "Utilisateurs"),
    ("accounts", "organisation", "Organisations"),
    ("accounts", "membership", "Appartenances"),
    ("projects", "sharedproject", "Projets partagés"),
    ("projects", "charter", "Chartes"),
    ("core", "auditevent", "Journal d'audit"),
]


@pytest.fixture
def admin_client(client):
    admin = User.objects.create_superuser("admin@anct.gouv.fr", PASSWORD)
    world = make_project(participants=3)
    membership_save(
        membership=Membership(user=UserFactory(), organisation=world.towns[0], role=Membership.Role.AGENT), actor=admin
    )
    client.force_login(admin)
    client.world = world
    return client


@pytest.mark.parametrize(("app", "model", "label"), ADMIN_CHANGELISTS)
def test_admin_changelists_load_in_french(admin_client, app, model, label):
    response = admin_client.get(reverse(f"admin:{app}_{model}_changelist"))
    assert response.status_code == 200
    page = text(response)
    assert label in page
    assert "Territoires en commun — administration" in page
    assert "Déconnexion" in page or "Se déconnecter" in page


def test_admin_index_is_french(admin_client):
    page = text(admin_client.get(reverse("admin:index")))
    assert "Gestion de la plateforme" in page
    for label in ("Comptes et organisations", "Projets partagés", "Socle"):
        assert label in page


def test_admin_change_pages_load(admin_client):
    world = admin_client.world
    for url in [
        reverse("admin:accounts_user_change", args=[world.referents[0].pk]),
        reverse("admin:accounts_user_add"),
        reverse("admin:accounts_organisation_change", args=[world.towns[0].pk]),
        reverse("admin:projects_sharedproject_change", args=[world.project.pk]),
        reverse("admin:projects_charter_change", args=[world.project.charters.get().pk]),
        reverse("admin:core_auditevent_change", args=[AuditEvent.objects.first().pk]),
    ]:
        assert admin_client.get(url).status_code == 200, url


def test_admin_searches_and_filters_do_not_fail(admin_client):
    for url in [
        reverse("admin:accounts_user_changelist") + "?q=niort&memberships__role=referent",
        reverse("admin:accounts_membership_changelist") + "?q=x&role=agent",
        reverse("admin:core_auditevent_changelist") + "?action=charter_signed&q=" + "x" * 500,
        reverse("admin:projects_sharedproject_changelist") + "?status=launched&is_public__exact=1",
    ]:
        assert admin_client.get(url).status_code == 200, url


def test_a_role_granted_in_the_admin_is_audited(admin_client):
    world = admin_client.world
    person = UserFactory()
    response = admin_client.post(
        reverse("admin:accounts_membership_add"),
        {"user": person.pk, "organisation": world.towns[1].pk, "role": "referent"},
    )
    assert response.status_code == 302
    event = AuditEvent.objects.filter(action=AuditEvent.Action.ROLE_GRANTED).latest("id")
    assert event.details["role"] == "referent"
    assert event.actor.email == "admin@anct.gouv.fr"


def test_the_admin_is_closed_to_a_facilitator(client):
    agency = OrganisationFactory(agency=True)
    facilitator = MembershipFactory(organisation=agency, role=Membership.Role.FACILITATOR).user
    client.force_login(facilitator)
    response = client.get(reverse("admin:accounts_user_changelist"))
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]
    # …where a signed-in person without admin access is told so (not sent round in circles).
    assert client.get(response["Location"]).status_code == 403


@pytest.mark.django_db
def test_bulk_deleting_memberships_in_the_admin_is_audited(client):
    from territoires.accounts.models import Membership
    from territoires.core.models import AuditEvent
    from tests.factories import MembershipFactory, UserFactory

    admin = UserFactory(is_staff=True, is_superuser=True)
    memberships = [MembershipFactory(), MembershipFactory()]
    client.force_login(admin)
    response = client.post(
        "/admin/accounts/membership/",
        {"action": "delete_selected", "_selected_action": [m.pk for m in memberships], "post": "yes"},
    )
    assert response.status_code == 302
    assert not Membership.objects.filter(pk__in=[m.pk for m in memberships]).exists()
    assert AuditEvent.objects.filter(action=AuditEvent.Action.ROLE_REVOKED).count() == 2
