"""Invitations by e-mail: a person joins an organisation with a role through a signed, single-use link;
a commune unknown to the platform is created from its INSEE code. Every step is audited."""

import datetime
import html
import re
import uuid
from urllib.parse import quote

import pytest
from django.core import mail, signing
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from territoires.accounts import services
from territoires.accounts.invitations import SALT, invitation_from_token, invitation_token
from territoires.accounts.models import Invitation, Membership, Organisation, User
from territoires.core.models import AuditEvent
from tests.factories import PASSWORD, MembershipFactory, OrganisationFactory, UserFactory

pytestmark = pytest.mark.django_db

Action = AuditEvent.Action
NEW_PASSWORD = "Culture-en-commun-2021"


def text(response) -> str:
    return html.unescape(response.content.decode())


@pytest.fixture
def agency_facilitator():
    agency = OrganisationFactory(agency=True)
    return MembershipFactory(organisation=agency, role=Membership.Role.FACILITATOR).user


def invite(facilitator, *, email="nouvelle@guichen.fr", organisation=None, role="referent", capture=None):
    organisation = organisation or OrganisationFactory(name="Guichen", insee_code="35126")
    if capture is None:
        return services.invitation_create(inviter=facilitator, email=email, organisation=organisation, role=role)
    with capture(execute=True):
        return services.invitation_create(inviter=facilitator, email=email, organisation=organisation, role=role)


def link_in(message) -> str:
    match = re.search(r"https?://\S+/compte/invitation/\S+/", message.body)
    assert match, message.body
    return match.group(0)


# INSEE code --------------------------------------------------------------------------------------


@pytest.mark.parametrize("code", ["79191", "2A004", "2b033", " 35126 ", "97411"])
def test_a_commune_is_created_from_a_valid_insee_code(agency_facilitator, code):
    commune = services.authority_create(insee_code=code, name="  Une   commune ", actor=agency_facilitator)
    assert commune.insee_code == code.strip().upper()
    assert commune.kind == Organisation.Kind.COMMUNE
    assert commune.name == "Une commune"
    assert commune.department_code == (
        code.strip().upper()[:3] if code.strip().startswith("97") else code.strip().upper()[:2]
    )
    event = AuditEvent.objects.get(action=Action.ORGANISATION_CREATED)
    assert event.actor == agency_facilitator and event.details["insee_code"] == commune.insee_code


@pytest.mark.parametrize("code", ["", "7919", "791910", "2C004", "2A04", "ABCDE", "79 19", "٧٩١٩١"])
def test_a_malformed_insee_code_is_refused_in_french_and_creates_nothing(agency_facilitator, code):
    with pytest.raises(ValidationError) as error:
        services.authority_create(insee_code=code, name="Une commune", actor=agency_facilitator)
    assert "cinq caractères" in error.value.message_dict["insee_code"][0]
    assert not Organisation.objects.filter(kind="commune").exists()
    assert not AuditEvent.objects.filter(action=Action.ORGANISATION_CREATED).exists()


def test_a_commune_already_known_is_not_created_twice(agency_facilitator):
    OrganisationFactory(name="Niort", insee_code="79191")
    with pytest.raises(ValidationError, match="Niort porte déjà ce code INSEE"):
        services.authority_create(insee_code="79191", name="Niort bis", actor=agency_facilitator)
    assert Organisation.objects.filter(insee_code="79191").count() == 1


def test_only_a_facilitator_creates_a_commune():
    referent = MembershipFactory(role=Membership.Role.REFERENT).user
    with pytest.raises(ValidationError, match="animation ANCT"):
        services.authority_create(insee_code="79191", name="Niort", actor=referent)
    assert not Organisation.objects.filter(insee_code="79191").exists()


# Sending -----------------------------------------------------------------------------------------


def test_an_invitation_is_audited_and_mailed_with_an_absolute_link_from_site_url(
    agency_facilitator, settings, django_capture_on_commit_callbacks
):
    settings.SITE_URL = "https://territoires.example.gouv.fr/"
    invitation = invite(agency_facilitator, email="Claire.Leroy@Guichen.FR", capture=django_capture_on_commit_callbacks)
    assert invitation.email == "claire.leroy@guichen.fr"
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["claire.leroy@guichen.fr"]
    assert "Guichen" in message.subject
    link = link_in(message)
    assert link.startswith("https://territoires.example.gouv.fr/compte/invitation/")
    assert "comme référent·e" in message.body and "14 jours" in message.body
    event = AuditEvent.objects.get(action=Action.INVITATION_SENT)
    assert event.actor == agency_facilitator
    assert event.details == {"email": "claire.leroy@guichen.fr", "organisation": "Guichen", "role": "referent"}


def test_no_email_leaves_when_the_invitation_is_rolled_back(agency_facilitator, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        try:
            from django.db import transaction

            with transaction.atomic():
                invite(agency_facilitator)
                raise RuntimeError("boom")
        except RuntimeError:
            pass
    assert callbacks == [] and mail.outbox == []
    assert not Invitation.objects.exists()


def test_a_second_invitation_to_the_same_address_and_organisation_is_refused(agency_facilitator):
    first = invite(agency_facilitator)
    with pytest.raises(ValidationError, match="attend déjà cette adresse"):
        invite(agency_facilitator, email="NOUVELLE@guichen.fr", organisation=first.organisation)
    assert Invitation.objects.count() == 1


def test_a_member_is_not_invited_again(agency_facilitator):
    membership = MembershipFactory(role=Membership.Role.AGENT)
    with pytest.raises(ValidationError, match="appartient déjà"):
        invite(agency_facilitator, email=membership.user.email, organisation=membership.organisation, role="elected")


def test_a_referent_cannot_offer_a_facilitator_role(agency_facilitator):
    town = OrganisationFactory()
    referent = MembershipFactory(organisation=town, role=Membership.Role.REFERENT).user
    with pytest.raises(ValidationError, match="Animateur·rice ANCT"):
        services.invitation_create(inviter=referent, email="x@exemple.fr", organisation=town, role="facilitator")
    with pytest.raises(ValidationError):
        services.invitation_create(
            inviter=referent, email="x@exemple.fr", organisation=OrganisationFactory(), role="agent"
        )
    assert not Invitation.objects.exists()


# Accepting ---------------------------------------------------------------------------------------


def accept_url(invitation) -> str:
    return reverse("accounts:invitation_accept", args=[invitation_token(invitation)])


def signup_data(**extra):
    return {
        "first_name": "Claire",
        "last_name": "Leroy",
        "job_title": "Directrice de la culture",
        "password1": NEW_PASSWORD,
        "password2": NEW_PASSWORD,
        "submission_key": str(uuid.uuid4()),
        **extra,
    }


def test_a_new_person_creates_an_account_and_joins_through_the_mailed_link(
    client, agency_facilitator, django_capture_on_commit_callbacks
):
    invitation = invite(agency_facilitator, capture=django_capture_on_commit_callbacks)
    path = link_in(mail.outbox[0]).split("127.0.0.1:8000", 1)[-1]
    page = client.get(path)
    assert page.status_code == 200
    assert "Guichen" in text(page) and "Créer mon compte" in text(page)

    response = client.post(path, signup_data())
    assert response.status_code == 302 and response["Location"] == reverse("projects:dashboard")
    user = User.objects.get(email="nouvelle@guichen.fr")
    assert user.check_password(NEW_PASSWORD) and user.first_name == "Claire"
    assert Membership.objects.get(user=user).role == "referent"
    assert client.session["_auth_user_id"] == str(user.pk)
    invitation.refresh_from_db()
    assert invitation.accepted_by == user and invitation.state == "accepted"
    actions = list(AuditEvent.objects.order_by("id").values_list("action", flat=True))
    assert actions[-2:] == [Action.ROLE_GRANTED, Action.INVITATION_ACCEPTED]

    # The link is used up, also for someone else.
    client.logout()
    again = client.get(path)
    assert again.status_code == 410
    assert "déjà été acceptée" in text(again)


def test_a_resent_signup_post_is_stored_once(client, agency_facilitator):
    invitation = invite(agency_facilitator)
    data = signup_data()
    first = client.post(accept_url(invitation), data)
    second = client.post(accept_url(invitation), data)
    assert first.status_code == 302 and second.status_code == 302
    assert second["Location"] == first["Location"]
    assert User.objects.filter(email=invitation.email).count() == 1
    assert AuditEvent.objects.filter(action=Action.INVITATION_ACCEPTED).count() == 1


def test_bad_signup_input_gets_french_messages_and_creates_nothing(client, agency_facilitator):
    invitation = invite(agency_facilitator)
    response = client.post(accept_url(invitation), signup_data(first_name="", password1="123", password2="456"))
    assert response.status_code == 400
    body = text(response)
    assert "Les deux mots de passe ne sont pas identiques" in body
    assert not User.objects.filter(email=invitation.email).exists()
    assert Invitation.objects.get(pk=invitation.pk).accepted_at is None


def test_an_existing_account_signs_in_then_joins(client, agency_facilitator):
    user = UserFactory(email="nouvelle@guichen.fr")
    MembershipFactory(user=user, role=Membership.Role.AGENT)  # already in another authority
    invitation = invite(agency_facilitator, role="elected")
    page = client.get(accept_url(invitation))
    assert page.status_code == 200 and "Un compte existe déjà" in text(page)
    assert "/compte/connexion/?next=" in text(page)
    # A sign-up attempt for an address that has an account creates nothing.
    client.post(accept_url(invitation), signup_data())
    assert User.objects.filter(email=invitation.email).count() == 1

    client.force_login(user)
    page = client.get(accept_url(invitation))
    assert page.status_code == 200 and "Rejoindre Guichen" in text(page)
    key = str(uuid.uuid4())
    response = client.post(accept_url(invitation), {"submission_key": key})
    assert response.status_code == 302
    assert Membership.objects.get(user=user, organisation=invitation.organisation).role == "elected"
    replay = client.post(accept_url(invitation), {"submission_key": key})
    assert replay.status_code == 302 and replay["Location"] == response["Location"]
    assert AuditEvent.objects.filter(action=Action.INVITATION_ACCEPTED).count() == 1


def test_the_wrong_person_signed_in_is_told_so_and_nothing_changes(client, agency_facilitator):
    invitation = invite(agency_facilitator)
    other = UserFactory(email="quelqu-un@ailleurs.fr")
    client.force_login(other)
    for method in ("get", "post"):
        response = getattr(client, method)(accept_url(invitation), {"submission_key": str(uuid.uuid4())})
        assert response.status_code == 403
        body = text(response)
        assert "nouvelle@guichen.fr" in body and "quelqu-un@ailleurs.fr" in body and "Rien n'a été modifié" in body
    assert not Membership.objects.filter(user=other).exists()
    assert Invitation.objects.get(pk=invitation.pk).accepted_at is None
    with pytest.raises(ValidationError, match="adressée à nouvelle@guichen.fr"):
        services.invitation_accept(invitation=invitation, user=other)


def test_an_expired_link_gets_a_clear_page(client, agency_facilitator):
    invitation = invite(agency_facilitator)
    Invitation.objects.filter(pk=invitation.pk).update(expires_at=timezone.now() - datetime.timedelta(minutes=1))
    for method in ("get", "post"):
        response = getattr(client, method)(accept_url(invitation), signup_data())
        assert response.status_code == 410
        assert "Cette invitation a expiré" in text(response)
    assert not User.objects.filter(email=invitation.email).exists()


def test_a_link_older_than_its_signature_allows_is_expired(client, agency_facilitator, settings):
    invitation = invite(agency_facilitator)
    token = invitation_token(invitation)
    settings.INVITATION_VALID_DAYS = 0
    assert invitation_from_token(token).problem == "expired"


@pytest.mark.parametrize(
    "token",
    [
        "abc",
        "not-a-token:at-all",
        "x" * 600,
        signing.dumps({"id": 1, "key": "k"}, salt="another.salt"),
        signing.dumps("just a string", salt=SALT),
        signing.dumps({"id": "1", "key": "k"}, salt=SALT),
        signing.dumps({"id": 999999, "key": "k"}, salt=SALT),
    ],
)
def test_a_forged_link_gets_a_clear_page_never_a_500(client, agency_facilitator, token):
    invite(agency_facilitator)
    url = reverse("accounts:invitation_accept", args=[token])
    for method in ("get", "post"):
        response = getattr(client, method)(url, signup_data())
        assert response.status_code == 400
        assert "Ce lien d'invitation n'est pas valide" in text(response)
    assert not User.objects.filter(email="nouvelle@guichen.fr").exists()


def test_a_tampered_key_or_id_is_refused(agency_facilitator):
    invitation = invite(agency_facilitator)
    token = invitation_token(invitation)
    assert invitation_from_token(token).invitation == invitation
    assert invitation_from_token(token[:-2] + ("AA" if not token.endswith("AA") else "BB")).problem == "invalid"
    forged = signing.dumps({"id": invitation.pk, "key": "guessed"}, salt=SALT)
    assert invitation_from_token(forged).problem == "replaced"  # signed with our key, so only a leaked secret


def test_a_resent_invitation_retires_the_previous_link(client, agency_facilitator, django_capture_on_commit_callbacks):
    invitation = invite(agency_facilitator)
    old_url = accept_url(invitation)
    with django_capture_on_commit_callbacks(execute=True):
        services.invitation_resend(invitation=invitation, actor=agency_facilitator)
    invitation.refresh_from_db()
    assert client.get(old_url).status_code == 410
    assert "Ce lien a été remplacé" in text(client.get(old_url))
    assert client.get(accept_url(invitation)).status_code == 200
    assert len(mail.outbox) == 1
    mailed_token = link_in(mail.outbox[0]).rstrip("/").rsplit("/", 1)[-1]
    assert invitation_from_token(mailed_token) == invitation_from_token(invitation_token(invitation))
    assert invitation_from_token(mailed_token).problem == ""
    assert AuditEvent.objects.filter(action=Action.INVITATION_RESENT, actor=agency_facilitator).count() == 1


def test_a_revoked_invitation_cannot_be_accepted(client, agency_facilitator):
    invitation = invite(agency_facilitator)
    services.invitation_revoke(invitation=invitation, actor=agency_facilitator)
    response = client.post(accept_url(invitation), signup_data())
    assert response.status_code == 410 and "annulée" in text(response)
    assert not User.objects.filter(email=invitation.email).exists()
    assert AuditEvent.objects.filter(action=Action.INVITATION_REVOKED).count() == 1


# Pages of the inviter ----------------------------------------------------------------------------


def test_a_facilitator_invites_a_person_into_a_new_commune_from_the_page(
    client, agency_facilitator, django_capture_on_commit_callbacks
):
    client.force_login(agency_facilitator)
    page = client.get(reverse("accounts:invitation_create"))
    assert page.status_code == 200 and "Code INSEE" in text(page)
    data = {
        "email": "maire@ajaccio.fr",
        "organisation": "",
        "insee_code": "2a004",
        "name": "Ajaccio",
        "role": "elected",
        "submission_key": str(uuid.uuid4()),
    }
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("accounts:invitation_create"), data)
        replay = client.post(reverse("accounts:invitation_create"), data)
    assert response.status_code == 302 and replay.status_code == 302
    commune = Organisation.objects.get(insee_code="2A004")
    assert commune.name == "Ajaccio" and commune.department_code == "2A"
    assert Invitation.objects.get().organisation == commune
    assert len(mail.outbox) == 1
    assert AuditEvent.objects.filter(action=Action.ORGANISATION_CREATED).count() == 1


def test_the_invitation_form_reports_a_bad_insee_code_on_its_field(client, agency_facilitator):
    client.force_login(agency_facilitator)
    response = client.post(
        reverse("accounts:invitation_create"),
        {"email": "a@b.fr", "organisation": "", "insee_code": "2C004", "name": "X", "role": "agent"},
    )
    assert response.status_code == 400
    assert "2A ou 2B" in text(response)
    assert not Organisation.objects.filter(kind="commune").exists() and not Invitation.objects.exists()


def test_back_to_the_participants_page_with_the_new_commune_preselected(client, agency_facilitator):
    client.force_login(agency_facilitator)
    next_url = "/projets/un-projet/participants/"
    response = client.post(
        reverse("accounts:invitation_create"),
        {
            "email": "a@guichen.fr",
            "organisation": "",
            "insee_code": "35126",
            "name": "Guichen",
            "role": "referent",
            "next": next_url,
        },
    )
    commune = Organisation.objects.get(insee_code="35126")
    assert response["Location"] == f"{next_url}?collectivite={commune.pk}"
    hostile = client.post(
        reverse("accounts:invitation_create"),
        {"email": "b@guichen.fr", "organisation": commune.pk, "role": "agent", "next": "https://ailleurs.example/"},
    )
    assert hostile["Location"] == reverse("accounts:invitation_list")


def test_the_list_shows_a_referent_only_the_invitations_of_their_authority(client, agency_facilitator):
    town, other = OrganisationFactory(name="Niort"), OrganisationFactory(name="Bourges")
    referent = MembershipFactory(organisation=town, role=Membership.Role.REFERENT).user
    invite(agency_facilitator, email="agent@niort.fr", organisation=town, role="agent")
    invite(agency_facilitator, email="secret@bourges.fr", organisation=other, role="agent")
    client.force_login(referent)
    body = text(client.get(reverse("accounts:invitation_list")))
    assert "agent@niort.fr" in body and "secret@bourges.fr" not in body
    hidden = Invitation.objects.get(email="secret@bourges.fr")
    response = client.post(reverse("accounts:invitation_list"), {"invitation": hidden.pk, "action": "revoke"})
    assert response.status_code == 302
    assert Invitation.objects.get(pk=hidden.pk).revoked_at is None


def test_a_person_without_organisation_is_told_whom_to_ask(client):
    client.force_login(UserFactory())
    response = client.get(reverse("accounts:invitation_create"))
    assert response.status_code == 403
    body = text(response)
    assert "référent·e de votre collectivité" in body
    assert "aucune organisation" in body


def test_login_then_back_to_the_invitation(client, agency_facilitator):
    user = UserFactory(email="nouvelle@guichen.fr")
    invitation = invite(agency_facilitator)
    url = accept_url(invitation)
    response = client.post(
        f"/compte/connexion/?next={url}", {"username": user.email, "password": PASSWORD, "next": url}
    )
    assert response.status_code == 302 and response["Location"] == url


def test_a_double_click_on_resend_sends_one_new_link(client, agency_facilitator, django_capture_on_commit_callbacks):
    invitation = invite(agency_facilitator)
    client.force_login(agency_facilitator)
    page = text(client.get(reverse("accounts:invitation_list")))
    key = re.search(r'name="submission_key" value="([0-9a-f-]{36})"', page).group(1)
    data = {"invitation": invitation.pk, "action": "resend", "submission_key": key}
    with django_capture_on_commit_callbacks(execute=True):
        first = client.post(reverse("accounts:invitation_list"), data)
        second = client.post(reverse("accounts:invitation_list"), data)
    assert first.status_code == second.status_code == 302
    assert len(mail.outbox) == 1
    assert AuditEvent.objects.filter(action=Action.INVITATION_RESENT).count() == 1
    mailed_token = link_in(mail.outbox[0]).rstrip("/").rsplit("/", 1)[-1]
    assert invitation_from_token(mailed_token).problem == ""


@pytest.mark.parametrize(
    "hostile", ["", "a\x00b", "x" * 1_000_000, "\u202e\u0645\u0631\u062d\u0628\u0627 <b>&amp;</b>", "9" * 40]
)
def test_hostile_values_on_the_accept_page_never_get_a_server_error(client, agency_facilitator, hostile):
    """The accept page is reached only from an e-mail, so the crawler of tests/fuzz does not fuzz it."""
    invitation = invite(agency_facilitator)
    data = dict.fromkeys(("first_name", "last_name", "job_title", "password1", "password2"), hostile)
    response = client.post(accept_url(invitation), {**data, "submission_key": hostile})
    assert response.status_code == 400
    assert not User.objects.filter(email=invitation.email).exists()
    # A slash in the token leaves the route: 404; anything else is an invalid link: 400.
    assert client.get(f"/compte/invitation/{quote(hostile or 'x', safe='')}/").status_code in (400, 404)
