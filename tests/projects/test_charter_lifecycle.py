"""The charter's life beyond a single signature: files of refused signatures, withdrawals."""

import datetime
from unittest import mock

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command

from territoires.core.models import AuditEvent
from territoires.projects import services
from territoires.projects.models import Charter, Signature
from tests.factories import make_project
from tests.projects.test_services import pdf_file, sign_agency, sign_town

pytestmark = pytest.mark.django_db


def stored_pdfs(settings):
    folder = settings.MEDIA_ROOT / "deliberations"
    return sorted(folder.rglob("*.pdf")) if folder.exists() else []


def test_a_signature_refused_after_its_file_was_written_leaves_no_file(settings):
    world = make_project(participants=3)
    # The audit write fails after the PDF has been stored: the whole signature must vanish.
    with (
        mock.patch("territoires.projects.services.audit_log", side_effect=RuntimeError("disk full")),
        pytest.raises(RuntimeError),
    ):
        sign_town(world, world.towns[0])
    assert Signature.objects.count() == 0
    assert stored_pdfs(settings) == []


def test_an_accepted_signature_keeps_its_file(settings):
    world = make_project(participants=3)
    sign_town(world, world.towns[0], document=pdf_file())
    assert len(stored_pdfs(settings)) == 1


def test_the_charter_comes_into_force_when_the_last_party_that_had_not_signed_withdraws():
    world = make_project(participants=4)
    sign_agency(world)
    for town in world.towns[:3]:
        sign_town(world, town)
    last = world.project.participations.get(organisation=world.towns[3])
    withdrawal = services.withdrawal_notify(
        participation=last, letter_received_on=datetime.date(2022, 1, 10), reason="", user=world.referents[3]
    )
    assert not Charter.objects.get(project=world.project).is_in_force
    # Engaged actions closed long ago: the withdrawal is effective at once and the charter in force.
    services.withdrawal_close_engaged_actions(
        withdrawal=withdrawal, closed_on=datetime.date(2022, 2, 1), user=world.facilitator
    )
    charter = Charter.objects.get(project=world.project)
    assert charter.is_in_force
    assert AuditEvent.objects.filter(action=AuditEvent.Action.CHARTER_IN_FORCE).count() == 1


def test_a_future_withdrawal_puts_the_charter_in_force_only_once_it_takes_effect(monkeypatch):
    world = make_project(participants=4)
    sign_agency(world)
    for town in world.towns[:3]:
        sign_town(world, town)
    last = world.project.participations.get(organisation=world.towns[3])
    received = world.today - datetime.timedelta(days=10)
    withdrawal = services.withdrawal_notify(
        participation=last, letter_received_on=received, reason="", user=world.referents[3]
    )
    services.withdrawal_close_engaged_actions(withdrawal=withdrawal, closed_on=world.today, user=world.facilitator)
    assert not Charter.objects.get(project=world.project).is_in_force

    # Three months later the daily command applies it.
    later = withdrawal.notice_ends_on + datetime.timedelta(days=1)
    monkeypatch.setattr("django.utils.timezone.localdate", lambda *args, **kwargs: later)
    call_command("apply_withdrawals", verbosity=0)
    assert Charter.objects.get(project=world.project).is_in_force


def test_a_withdrawn_party_cannot_sign_any_more():
    world = make_project(participants=4)
    participation = world.project.participations.get(organisation=world.towns[0])
    withdrawal = services.withdrawal_notify(
        participation=participation, letter_received_on=datetime.date(2022, 1, 10), reason="", user=world.referents[0]
    )
    services.withdrawal_close_engaged_actions(
        withdrawal=withdrawal, closed_on=datetime.date(2022, 2, 1), user=world.facilitator
    )
    with pytest.raises(ValidationError, match="pas partie"):
        sign_town(world, world.towns[0])


def test_the_audit_log_reads_as_sentences_for_a_facilitator(client):
    world = make_project(participants=3, public=False)
    services.project_set_publication(project=world.project, is_public=True, user=world.facilitator)
    client.force_login(world.facilitator)
    response = client.get(f"/projets/{world.project.slug}/journal/")
    content = response.content.decode()
    assert response.status_code == 200
    assert "publication : publié" in content
    assert "is_public" not in content


def test_a_committee_member_sits_for_an_organisation_they_belong_to(client):
    world = make_project(participants=3)
    client.force_login(world.facilitator)
    url = f"/projets/{world.project.slug}/copil/"
    response = client.post(
        url,
        {"action": "add", "user": world.referents[0].pk, "organisation": world.towns[1].pk, "kind": "cultural_lead"},
    )
    assert response.status_code == 400
    assert "appartient pas à" in response.content.decode()
    assert not world.project.committee.members.exists()
    response = client.post(
        url,
        {"action": "add", "user": world.referents[0].pk, "organisation": world.towns[0].pk, "kind": "cultural_lead"},
    )
    assert response.status_code == 302
    assert world.project.committee.members.filter(user=world.referents[0]).exists()


def test_an_observer_has_no_territory_sheet(client):
    world = make_project(participants=3, observers=1)
    response = client.get(f"/projets/{world.project.slug}/territoires/{world.observer_towns[0].slug}/")
    assert response.status_code == 404


def test_reserved_words_never_become_slugs():
    from territoires.projects.models import SharedProject

    project = services.project_create(user=None, title="Nouveau", facilitator_organisation=make_project().agency)
    assert project.slug != "nouveau"
    assert SharedProject.objects.get(pk=project.pk).get_absolute_url() != "/projets/nouveau/"


def test_a_facilitator_undoes_an_addition_before_launch_but_not_after():
    from territoires.projects.models import Participation

    world = make_project(participants=3, observers=1, launched=False)
    draft_town = world.project.participations.get(organisation=world.towns[0])
    services.participation_remove(participation=draft_town, user=world.facilitator)
    assert not Participation.objects.filter(pk=draft_town.pk).exists()
    assert AuditEvent.objects.filter(action=AuditEvent.Action.PARTICIPANT_REMOVED).count() == 1

    launched = make_project(participants=3, observers=1)
    town = launched.project.participations.get(organisation=launched.towns[0])
    with pytest.raises(ValidationError, match="retrait notifié"):
        services.participation_remove(participation=town, user=launched.facilitator)
    observer = launched.project.participations.get(organisation=launched.observer_towns[0])
    services.participation_remove(participation=observer, user=launched.facilitator)
    assert not Participation.objects.filter(pk=observer.pk).exists()


def test_a_party_that_signed_is_not_removed_silently():
    world = make_project(participants=3, launched=False)
    sign_town(world, world.towns[0])
    participation = world.project.participations.get(organisation=world.towns[0])
    with pytest.raises(ValidationError, match="a signé la charte"):
        services.participation_remove(participation=participation, user=world.facilitator)
    assert Signature.objects.count() == 1


def test_removing_a_participant_over_http_is_for_the_facilitator_only(client):
    world = make_project(participants=3, launched=False)
    participation = world.project.participations.get(organisation=world.towns[0])
    url = f"/projets/{world.project.slug}/participants/"
    client.force_login(world.referents[1])
    assert client.post(url, {"action": "remove", "participation": participation.pk}).status_code == 403
    client.force_login(world.facilitator)
    response = client.post(url, {"action": "remove", "participation": participation.pk}, follow=True)
    assert "est retirée du projet" in response.content.decode()
    assert not world.project.participations.filter(pk=participation.pk).exists()
    response = client.post(url, {"action": "remove", "participation": "abc"}, follow=True)
    assert response.status_code == 200
    assert "n&#x27;est pas associée" in response.content.decode()


def test_a_facilitator_rewrites_the_charter_and_deletes_an_article(client):
    world = make_project(participants=3, launched=False)
    charter = services.charter_current(world.project)
    articles = list(charter.articles.all())
    data = {
        "title": "Charte révisée",
        "preamble": "",
        "articles-TOTAL_FORMS": str(len(articles) + 1),
        "articles-INITIAL_FORMS": str(len(articles)),
        "articles-MIN_NUM_FORMS": "1",
        "articles-MAX_NUM_FORMS": "30",
    }
    for index, article in enumerate(articles):
        data.update(
            {
                f"articles-{index}-kind": article.kind,
                f"articles-{index}-title": article.title,
                f"articles-{index}-body": article.body,
            }
        )
    data["articles-0-DELETE"] = "on"
    client.force_login(world.facilitator)
    response = client.post(f"/projets/{world.project.slug}/charte/modifier/", data)
    assert response.status_code == 302
    new = services.charter_current(world.project)
    assert new.version == charter.version + 1
    assert new.title == "Charte révisée"
    assert [a.title for a in new.articles.all()] == [a.title for a in articles[1:]]
    assert [a.number for a in new.articles.all()] == list(range(1, len(articles)))
