"""ProConnect sign-in against a local OpenID Connect provider (tests/accounts/oidc_provider.py):
off unless configured, accounts matched by subject then by verified address, new agents proposed to
the organisation of their SIRET for a referent to confirm, and the protocol's checks (state, nonce,
signature) refusing what they must."""

import html
import time
from urllib.parse import parse_qs, urlparse

import pytest
from django.urls import reverse
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from territoires.accounts.models import Membership, ProConnectIdentity, User
from territoires.core.models import AuditEvent
from tests.accounts.oidc_provider import LocalOIDCProvider
from tests.factories import MembershipFactory, OrganisationFactory, UserFactory

pytestmark = pytest.mark.django_db

LOGIN = reverse("accounts:login")
START = reverse("accounts:proconnect_start")
CALLBACK = reverse("accounts:proconnect_callback")
DASHBOARD = reverse("projects:dashboard")
SIRET = "21790191700019"


def text(response) -> str:
    return html.unescape(response.content.decode())


@pytest.fixture
def provider(settings):
    with LocalOIDCProvider(client_id="territoires-test", client_secret="secret-de-test") as local:
        settings.PROCONNECT_CLIENT_ID = local.client_id
        settings.PROCONNECT_CLIENT_SECRET = local.client_secret
        settings.PROCONNECT_DOMAIN = local.domain
        yield local


def claims(**overrides):
    return {
        "sub": "sub-florence",
        "email": "florence.dupuis@niort.fr",
        "given_name": "Florence",
        "usual_name": "Dupuis",
        "siret": SIRET,
        "uid": "1234",
        **overrides,
    }


def proconnect(client, provider, *, person: dict, next_url: str = "", id_extra=None, tamper_state=False):
    """Follows the flow as a browser does: the button, the provider, the way back."""
    start = client.get(START + (f"?next={next_url}" if next_url else ""))
    assert start.status_code == 302
    query = parse_qs(urlparse(start["Location"]).query)
    code = provider.issue_code(
        nonce=query["nonce"][0], redirect_uri=query["redirect_uri"][0], claims=person, id_extra=id_extra
    )
    state = "pas-le-bon-etat" if tamper_state else query["state"][0]
    return client.get(CALLBACK, {"code": code, "state": state})


def signed_in_as(client) -> User | None:
    pk = client.session.get("_auth_user_id")
    return User.objects.get(pk=pk) if pk else None


def test_off_when_not_configured(client):
    assert "ProConnect" not in text(client.get(LOGIN))
    assert client.get(START).status_code == 404
    assert client.get(CALLBACK, {"code": "x", "state": "y"}).status_code == 404


def test_the_button_sends_to_the_provider_with_state_nonce_and_eidas_level(client, provider):
    page = text(client.get(LOGIN))
    assert "S’identifier avec" in page and "ProConnect" in page and START in page
    response = client.get(START)
    location = urlparse(response["Location"])
    assert f"{location.scheme}://{location.netloc}{location.path}" == f"{provider.domain}/authorize"
    query = parse_qs(location.query)
    assert query["client_id"] == [provider.client_id]
    assert query["acr_values"] == ["eidas1"]
    assert {"openid", "email", "siret", "given_name", "usual_name"} <= set(query["scope"][0].split())
    assert len(query["state"][0]) >= 32 and len(query["nonce"][0]) >= 32
    assert query["redirect_uri"][0].endswith(CALLBACK)


def test_a_new_agent_gets_an_account_without_password(client, provider):
    response = proconnect(client, provider, person=claims())
    assert response.status_code == 302 and response["Location"] == DASHBOARD
    user = signed_in_as(client)
    assert user.email == "florence.dupuis@niort.fr" and user.get_full_name() == "Florence Dupuis"
    assert not user.has_usable_password()
    assert ProConnectIdentity.objects.get(user=user).subject == "sub-florence"
    assert AuditEvent.objects.filter(action=AuditEvent.Action.PROCONNECT_LINKED, target_id=user.pk).exists()
    # The token request carried the platform's credentials and the same redirect address.
    assert provider.token_requests[-1]["grant_type"] == "authorization_code"
    # The session is an ordinary one: the next page is served as for a password sign-in.
    assert client.get(DASHBOARD).status_code == 200


def test_an_existing_account_is_linked_by_its_address_and_keeps_its_names(client, provider):
    existing = UserFactory(email="florence.dupuis@niort.fr", first_name="Florence", last_name="Dupuis-Martin")
    proconnect(client, provider, person=claims(email="Florence.Dupuis@Niort.fr", usual_name="Dupuis"))
    assert signed_in_as(client) == existing
    assert User.objects.filter(email__iexact="florence.dupuis@niort.fr").count() == 1
    existing.refresh_from_db()
    assert existing.last_name == "Dupuis-Martin" and existing.has_usable_password()
    # Next time the subject is enough, even after a change of address at the provider.
    client.logout()
    proconnect(client, provider, person=claims(email="f.dupuis@niort.fr"))
    assert signed_in_as(client) == existing


def test_an_account_linked_to_another_subject_is_not_taken_over_by_its_address(client, provider):
    existing = UserFactory(email="florence.dupuis@niort.fr")
    ProConnectIdentity.objects.create(user=existing, subject="sub-la-vraie-florence")
    response = proconnect(client, provider, person=claims(sub="sub-quelqu-un-d-autre"))
    assert response["Location"] == LOGIN
    assert signed_in_as(client) is None
    assert "n'a pas abouti" in text(client.get(LOGIN))


def test_an_unverified_address_is_refused(client, provider):
    UserFactory(email="florence.dupuis@niort.fr")
    proconnect(client, provider, person=claims(email_verified=False))
    assert signed_in_as(client) is None
    assert not ProConnectIdentity.objects.exists()


def test_a_foreign_state_or_a_replayed_code_is_refused(client, provider):
    response = proconnect(client, provider, person=claims(), tamper_state=True)
    assert response.status_code == 302 and response["Location"] == LOGIN
    assert signed_in_as(client) is None
    # A code and state used once do not sign in a second time.
    start = client.get(START)
    query = parse_qs(urlparse(start["Location"]).query)
    code = provider.issue_code(nonce=query["nonce"][0], redirect_uri=query["redirect_uri"][0], claims=claims())
    assert client.get(CALLBACK, {"code": code, "state": query["state"][0]})["Location"] == DASHBOARD
    client.logout()
    assert client.get(CALLBACK, {"code": code, "state": query["state"][0]})["Location"] == LOGIN
    assert signed_in_as(client) is None


def test_an_id_token_for_another_sign_in_is_refused(client, provider):
    response = proconnect(client, provider, person=claims(), id_extra={"nonce": "celui-d-une-autre-connexion"})
    assert response["Location"] == LOGIN
    assert signed_in_as(client) is None


def test_an_id_token_not_signed_by_the_provider_is_refused(client, provider):
    from cryptography.hazmat.primitives.asymmetric import rsa

    provider.forging_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    response = proconnect(client, provider, person=claims())
    assert response["Location"] == LOGIN
    assert signed_in_as(client) is None and not User.objects.filter(email="florence.dupuis@niort.fr").exists()


def test_the_next_page_is_kept_but_never_another_site(client, provider):
    target = reverse("accounts:account")
    assert proconnect(client, provider, person=claims(), next_url=target)["Location"] == target
    client.logout()
    response = proconnect(client, provider, person=claims(), next_url="https://ailleurs.example/")
    assert response["Location"] == DASHBOARD


def test_a_person_with_a_second_factor_types_the_code_after_proconnect(client, provider):
    user = UserFactory(email="florence.dupuis@niort.fr")
    device = TOTPDevice.objects.create(user=user, name="app", confirmed=True)
    response = proconnect(client, provider, person=claims())
    assert response["Location"] == reverse("accounts:login_code")
    assert signed_in_as(client) is None
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time()
    assert client.post(reverse("accounts:login_code"), {"code": f"{totp.token():06d}"})["Location"] == DASHBOARD
    assert signed_in_as(client) == user


def test_signing_out_also_ends_the_providers_session(client, provider):
    proconnect(client, provider, person=claims())
    response = client.post(reverse("accounts:logout"))
    location = urlparse(response["Location"])
    assert f"{location.scheme}://{location.netloc}{location.path}" == f"{provider.domain}/session/end"
    assert parse_qs(location.query)["id_token_hint"][0].count(".") == 2
    assert signed_in_as(client) is None


# The organisation of the SIRET ----------------------------------------------------------------


@pytest.fixture
def niort(db):
    town = OrganisationFactory(name="Niort", siret=SIRET)
    town.referent = MembershipFactory(organisation=town, role=Membership.Role.REFERENT).user
    return town


def test_the_siret_proposes_the_organisation_and_its_referent_confirms(client, provider, niort):
    proconnect(client, provider, person=claims())
    agent = signed_in_as(client)
    assert not Membership.objects.filter(user=agent).exists()  # nothing before the referent says so
    identity = ProConnectIdentity.objects.get(user=agent)
    assert identity.organisation == niort and identity.status == ProConnectIdentity.Status.PENDING
    client.force_login(niort.referent)
    page = text(client.get(reverse("accounts:proconnect_requests")))
    assert "Florence Dupuis" in page
    response = client.post(reverse("accounts:proconnect_requests"), {"request": identity.pk, "action": "accept"})
    assert response.status_code == 302
    assert Membership.objects.get(user=agent, organisation=niort).role == Membership.Role.AGENT
    identity.refresh_from_db()
    assert identity.status == ProConnectIdentity.Status.CONFIRMED and identity.decided_by == niort.referent
    assert AuditEvent.objects.filter(action=AuditEvent.Action.ROLE_GRANTED, actor=niort.referent).exists()
    # Deciding twice changes nothing.
    client.post(reverse("accounts:proconnect_requests"), {"request": identity.pk, "action": "decline"})
    identity.refresh_from_db()
    assert identity.status == ProConnectIdentity.Status.CONFIRMED


def test_a_declined_request_is_not_proposed_again(client, provider, niort):
    proconnect(client, provider, person=claims())
    agent = signed_in_as(client)
    identity = ProConnectIdentity.objects.get(user=agent)
    client.force_login(niort.referent)
    client.post(reverse("accounts:proconnect_requests"), {"request": identity.pk, "action": "decline"})
    assert not Membership.objects.filter(user=agent).exists()
    client.logout()
    proconnect(client, provider, person=claims())
    identity.refresh_from_db()
    assert identity.status == ProConnectIdentity.Status.DECLINED


def test_other_organisations_referents_and_agents_cannot_decide(client, provider, niort):
    proconnect(client, provider, person=claims())
    identity = ProConnectIdentity.objects.get(user=signed_in_as(client))
    other_referent = MembershipFactory(role=Membership.Role.REFERENT).user
    client.force_login(other_referent)
    assert "Florence" not in text(client.get(reverse("accounts:proconnect_requests")))
    client.post(reverse("accounts:proconnect_requests"), {"request": identity.pk, "action": "accept"})
    agent = MembershipFactory(organisation=niort, role=Membership.Role.AGENT).user
    client.force_login(agent)
    assert client.get(reverse("accounts:proconnect_requests")).status_code == 403
    assert (
        client.post(reverse("accounts:proconnect_requests"), {"request": identity.pk, "action": "accept"}).status_code
        == 403
    )
    identity.refresh_from_db()
    assert identity.status == ProConnectIdentity.Status.PENDING
    assert not Membership.objects.filter(user=identity.user, organisation=niort).exists()


def test_a_member_already_is_not_proposed(client, provider, niort):
    member = MembershipFactory(
        organisation=niort, role=Membership.Role.AGENT, user=UserFactory(email="florence.dupuis@niort.fr")
    ).user
    proconnect(client, provider, person=claims())
    assert ProConnectIdentity.objects.get(user=member).status == ProConnectIdentity.Status.NONE


def test_production_refuses_a_provider_address_without_https():
    import subprocess
    import sys

    from django.conf import settings as django_settings

    env = {
        "PATH": "/usr/bin:/bin",
        "PRODUCTION": "1",
        "SECRET_KEY": "une-cle-de-test-assez-longue-pour-la-production-0123456789",
        "ALLOWED_HOSTS": "territoires.example.gouv.fr",
        "PROCONNECT_DOMAIN": "http://fournisseur.example/api/v2",
    }
    result = subprocess.run(
        [sys.executable, "-c", "import config.settings"],
        cwd=django_settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
    )
    assert result.returncode != 0 and "PROCONNECT_DOMAIN doit être une adresse https://" in result.stderr
