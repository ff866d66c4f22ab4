"""Personal data: a person downloads what the platform holds about them, closes their account (their
contributions stay, signed "Ancien·ne membre"), and retention rules delete what has outlived its use."""

import datetime
import html
import io
import json
import re
import zipfile

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from territoires.accounts.models import Invitation, Membership, PersonalDataExport, User
from territoires.community import services as community
from territoires.community.models import Message
from territoires.core.models import AuditEvent
from territoires.core.personal_data import personal_data_sources, retention_rules
from territoires.notifications.models import Follow
from territoires.notifications.services import follow_set
from territoires.sharing import services as sharing
from territoires.sharing.models import Registration
from territoires.surveys.models import ContactRequest, Survey
from tests.factories import PASSWORD, UserFactory, make_project
from tests.sharing.world import event

pytestmark = pytest.mark.django_db

ACCOUNT = reverse("accounts:account")
CLOSE = reverse("accounts:account_close")


def text(response) -> str:
    return html.unescape(response.content.decode())


@pytest.fixture
def world(db):
    world = make_project(participants=3)
    world.person = world.referents[0]
    world.thread = community.thread_create(
        user=world.person, title="Ouvrir la médiathèque le dimanche", body="Premier message", project=world.project
    )
    world.reply = community.message_post(user=world.agents[0], thread=world.thread, body="Réponse d'un collègue")
    follow_set(user=world.person, target=world.project, following=True)
    world.event = event(world, audience="participants", capacity=1)
    sharing.event_register(event=world.event, user=world.person)
    world.waiting = world.agents[1]
    sharing.event_register(event=world.event, user=world.waiting)
    return world


@pytest.fixture
def download(client, django_capture_on_commit_callbacks):
    def run(user) -> dict:
        client.force_login(user)
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(reverse("accounts:data_export_request"))
        assert response.status_code == 302
        return _fetch(client, user)

    return run


def _fetch(client, user) -> dict:
    export = PersonalDataExport.objects.get(user=user)
    assert export.status == PersonalDataExport.Status.DONE  # tasks run inline in tests
    file = client.get(reverse("accounts:data_export_download", args=[export.pk]))
    assert file.status_code == 200
    assert file["Content-Type"] == "application/zip"
    assert "attachment" in file["Content-Disposition"]
    archive = zipfile.ZipFile(io.BytesIO(b"".join(file.streaming_content)))
    assert sorted(archive.namelist()) == ["LISEZMOI.txt", "donnees-personnelles.json"]
    return json.loads(archive.read("donnees-personnelles.json"))


def test_the_download_holds_the_account_memberships_contributions_and_registrations(download, world):
    data = download(world.person)
    sections = data["rubriques"]
    assert sections["compte"]["lignes"][0]["adresse"] == world.person.email
    assert sections["appartenances"]["lignes"][0]["role"] == Membership.Role.REFERENT
    messages = [line for line in sections["discussions"]["lignes"] if line["nature"] == "message"]
    assert [line["body"] for line in messages] == ["Premier message"]  # not the colleague's reply
    natures = {line["nature"] for line in sections["partage"]["lignes"]}
    assert "inscription à une rencontre" in natures
    assert any(line["nature"] == "abonnement" for line in sections["notifications"]["lignes"])
    assert any(line["action"] == AuditEvent.Action.PERSONAL_DATA_EXPORTED for line in sections["journal"]["lignes"])
    # Every registered module answered (a new module's source appears without a list to update).
    assert set(sections) == {source.key for source in personal_data_sources()}


def test_no_one_else_downloads_a_persons_data(client, download, world):
    download(world.person)
    export = PersonalDataExport.objects.get(user=world.person)
    client.force_login(world.agents[0])
    assert client.get(reverse("accounts:data_export_download", args=[export.pk])).status_code == 404
    assert (
        client.get(reverse("accounts:data_export_status", args=[export.pk]), HTTP_HX_REQUEST="true").status_code == 404
    )
    client.logout()
    response = client.get(reverse("accounts:data_export_download", args=[export.pk]))
    assert response.status_code == 302 and reverse("accounts:login") in response["Location"]


def test_a_second_click_while_preparing_starts_no_second_build(client, world, settings):
    # With the database backend and no worker, the first request stays queued.
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    client.force_login(world.person)
    client.post(reverse("accounts:data_export_request"))
    client.post(reverse("accounts:data_export_request"))
    assert PersonalDataExport.objects.filter(user=world.person).count() == 1
    page = text(client.get(ACCOUNT))
    assert "En préparation" in page and 'hx-trigger="every 2s"' in page


def test_downloads_are_deleted_after_seven_days_with_their_file(client, download, world):
    download(world.person)
    export = PersonalDataExport.objects.get(user=world.person)
    storage, name = export.file.storage, export.file.name
    assert storage.exists(name)
    PersonalDataExport.objects.filter(pk=export.pk).update(created_at=timezone.now() - datetime.timedelta(days=8))
    call_command("apply_retention", stdout=io.StringIO())
    assert not PersonalDataExport.objects.exists()
    assert not storage.exists(name)


# Closing an account --------------------------------------------------------------------------------


def test_closing_the_account_keeps_contributions_signed_former_member(client, world):
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from territoires.accounts.models import ProConnectIdentity

    person = world.person
    TOTPDevice.objects.create(user=person, name="app", confirmed=True)
    ProConnectIdentity.objects.create(user=person, subject="sub-claire")
    client.force_login(person)
    page = client.get(CLOSE)
    assert page.status_code == 200 and "Ancien·ne membre" in text(page)
    response = client.post(CLOSE, {"password": PASSWORD, "understood": "on"})
    assert response.status_code == 302
    person.refresh_from_db()
    assert person.closed_at and not person.is_active and not person.has_usable_password()
    assert person.first_name == person.last_name == "" and person.email.endswith("@compte-ferme.invalid")
    assert str(person) == "Ancien·ne membre"
    # Signed out, everywhere: the next request is anonymous.
    assert "_auth_user_id" not in client.session
    # The message stays, and the thread shows it signed by a former member, with no trace of the name.
    message = Message.objects.get(thread=world.thread, position=1)
    assert message.author_id == person.pk and message.body == "Premier message"
    client.force_login(world.agents[0])
    thread_page = text(client.get(world.thread.get_absolute_url()))
    assert "Ancien·ne membre" in thread_page and "Premier message" in thread_page
    # What only concerned the person is gone; the seat went to the waiting list.
    assert not Membership.objects.filter(user=person).exists()
    assert not Follow.objects.filter(user=person).exists()
    assert not Registration.objects.filter(user=person).exists()
    assert not TOTPDevice.objects.filter(user=person).exists()
    assert not ProConnectIdentity.objects.filter(user=person).exists()
    assert Registration.objects.get(event=world.event, user=world.waiting).status == Registration.Status.CONFIRMED
    assert AuditEvent.objects.filter(action=AuditEvent.Action.ACCOUNT_CLOSED, target_id=person.pk).exists()


def test_a_closed_account_cannot_sign_in_again(client, world):
    email = world.person.email
    client.force_login(world.person)
    client.post(CLOSE, {"password": PASSWORD, "understood": "on"})
    response = client.post(reverse("accounts:login"), {"username": email, "password": PASSWORD})
    assert response.status_code == 200 and "_auth_user_id" not in client.session
    # The address is free again: a new invitation creates a new account, unrelated to the old one.
    assert not User.objects.filter(email=email).exists()


@pytest.mark.parametrize(
    "data, message",
    [
        ({"password": "pas-le-bon", "understood": "on"}, "Mot de passe incorrect"),
        ({"password": PASSWORD}, "Ce champ est obligatoire"),
        ({"password": "", "understood": "on"}, "Ce champ est obligatoire"),
    ],
)
def test_a_wrong_confirmation_closes_nothing(client, world, data, message):
    client.force_login(world.person)
    response = client.post(CLOSE, data)
    assert response.status_code == 400
    assert message in text(response)
    world.person.refresh_from_db()
    assert world.person.closed_at is None and world.person.is_active
    assert Membership.objects.filter(user=world.person).exists()


def test_wrong_passwords_on_the_closing_page_lock_the_account_like_sign_in(client, world, settings):
    settings.AXES_ENABLED = True
    settings.AXES_FAILURE_LIMIT = 3
    client.force_login(world.person)
    statuses = [client.post(CLOSE, {"password": "pas-le-bon", "understood": "on"}).status_code for _ in range(3)]
    assert statuses[:2] == [400, 400] and statuses[2] in (400, 429)
    # Even the right password no longer closes anything: the account is locked for a while.
    client.post(CLOSE, {"password": PASSWORD, "understood": "on"})
    world.person.refresh_from_db()
    assert world.person.closed_at is None


def test_an_account_without_password_confirms_with_its_address(client, world):
    person = world.person
    person.set_unusable_password()
    person.save()
    client.force_login(person)
    response = client.post(CLOSE, {"email": "autre@exemple.fr", "understood": "on"})
    assert response.status_code == 400 and "Ce n'est pas l'adresse de votre compte" in text(response)
    response = client.post(CLOSE, {"email": person.email.upper(), "understood": "on"})
    assert response.status_code == 302
    person.refresh_from_db()
    assert person.closed_at


def test_a_platform_administrator_cannot_close_their_account_here(client, world):
    admin = UserFactory(is_superuser=True, is_staff=True)
    client.force_login(admin)
    response = client.post(CLOSE, {"password": PASSWORD, "understood": "on"})
    assert response.status_code == 400
    admin.refresh_from_db()
    assert admin.closed_at is None and admin.is_active


def test_a_closed_account_is_downloaded_by_no_one(client, download, world):
    download(world.person)
    client.post(CLOSE, {"password": PASSWORD, "understood": "on"})
    assert not PersonalDataExport.objects.filter(user=world.person).exists()


# Retention -------------------------------------------------------------------------------------------


def _contact_request(deployment, *, days_ago: int) -> ContactRequest:
    request = ContactRequest.objects.create(deployment=deployment, email=f"habitant{days_ago}@exemple.fr")
    ContactRequest.objects.filter(pk=request.pk).update(
        created_on=timezone.localdate() - datetime.timedelta(days=days_ago)
    )
    return request


def test_retention_deletes_what_has_outlived_its_period_and_keeps_the_rest(world):
    from territoires.surveys.models import Deployment

    survey = Survey.objects.create(project=world.project, title="Usages culturels", created_by=world.facilitator)
    participation = world.project.participations.first()
    deployment = Deployment.objects.create(survey=survey, participation=participation)
    recent = _contact_request(deployment, days_ago=10)
    ancient = _contact_request(deployment, days_ago=4 * 365)
    stale_invitation = Invitation.objects.create(
        email="jamais@exemple.fr",
        organisation=world.towns[0],
        role=Membership.Role.AGENT,
        key="k",
        expires_at=timezone.now() - datetime.timedelta(days=100),
    )
    live_invitation = Invitation.objects.create(
        email="bientot@exemple.fr",
        organisation=world.towns[0],
        role=Membership.Role.AGENT,
        key="k2",
        expires_at=timezone.now() + datetime.timedelta(days=5),
    )
    out = io.StringIO()
    call_command("apply_retention", stdout=out)
    assert set(ContactRequest.objects.values_list("pk", flat=True)) == {recent.pk}
    assert not Invitation.objects.filter(pk=stale_invitation.pk).exists()
    assert Invitation.objects.filter(pk=live_invitation.pk).exists()
    # Each rule says what it deleted, in French.
    for rule in retention_rules():
        assert str(rule.label) in out.getvalue()
    del ancient

    # A year after the survey closed, even a recent address goes: the feedback time is over.
    Survey.objects.filter(pk=survey.pk).update(
        status=Survey.Status.CLOSED, closed_at=timezone.now() - datetime.timedelta(days=400)
    )
    call_command("apply_retention", stdout=io.StringIO())
    assert not ContactRequest.objects.exists()


def test_old_sign_in_attempts_are_forgotten(world):
    from axes.models import AccessAttempt

    old = AccessAttempt.objects.create(username="x@exemple.fr", ip_address="10.0.0.0", failures_since_start=3)
    AccessAttempt.objects.filter(pk=old.pk).update(attempt_time=timezone.now() - datetime.timedelta(days=31))
    fresh = AccessAttempt.objects.create(username="y@exemple.fr", ip_address="10.0.0.0", failures_since_start=1)
    call_command("apply_retention", stdout=io.StringIO())
    assert list(AccessAttempt.objects.values_list("pk", flat=True)) == [fresh.pk]


def test_the_public_privacy_page_names_the_rights_and_the_retention_periods(client):
    page = text(client.get(reverse("core:privacy")))
    title = re.search(r"<title>(.*?)</title>", page, re.S).group(1)
    assert "Données personnelles" in title and "Vos droits" not in title
    assert "Vos droits" in page and "Combien de temps" in page and "trois ans au plus" in page
