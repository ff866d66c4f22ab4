"""Interviews as their team uses them: the list with its filters, pagination and empty state, a
recorded interview with its participants by profile, editing them without losing their codings,
the place from the territory's own directory only, deletion with its files, the journal."""

import datetime

import pytest
from django.urls import reverse

from territoires.core.models import AuditEvent
from territoires.diagnostic.coding.models import Code, Coding
from territoires.diagnostic.interviews import services
from territoires.diagnostic.interviews.models import Interview, InterviewParticipant, Transcript
from tests.diagnostic.helpers import make_entry
from tests.diagnostic.interviews.helpers import TRANSCRIPT, interview_for
from tests.factories import make_project

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    world = make_project()
    world.x = world.project.participations.get(organisation=world.towns[0])
    world.y = world.project.participations.get(organisation=world.towns[1])
    return world


def form_data(title="Entretien", **extra):
    data = {
        "title": title, "kind": "semi_directive", "held_on": "2021-10-05", "place_label": "Mairie annexe",
        "consent_given": "on", "consent_on": "2021-10-05", "participants-TOTAL_FORMS": "2",
        "participants-INITIAL_FORMS": "0", "participants-0-label": "P1", "participants-0-profile": "elected",
        "participants-1-label": "", "participants-1-profile": "",
    }  # fmt: skip
    data.update(extra)
    return data


def test_the_list_is_empty_then_filtered_and_paginated(client, world):
    client.force_login(world.referents[0])
    url = reverse("interviews:list", args=[world.project.slug, world.towns[0].slug])
    assert "Aucun entretien pour l'instant." in client.get(url).content.decode()
    for index in range(23):
        interview_for(world.x, world.consultant, title=f"Entretien {index:02d}",
                      kind="collective" if index % 2 else "semi_directive")  # fmt: skip
    interview_for(world.y, world.consultant, title="Entretien d'un autre territoire")
    body = client.get(url).content.decode()
    assert "23 entretiens" in body and "Entretien d&#x27;un autre territoire" not in body
    assert "Entretien 00" not in body  # the 21st and after are on page 2
    assert "Entretien 00" in client.get(url, {"page": 2}).content.decode()
    filtered = client.get(url, {"type": "collective"}).content.decode()
    assert "11 entretiens" in filtered
    assert "0 entretien" in client.get(url, {"profil": "elected"}).content.decode()
    assert "Aucun entretien ne correspond" in client.get(url, {"q": "introuvable"}).content.decode()
    assert client.get(url, {"page": "abc", "type": "\x00", "q": "a\x00b"}).status_code == 200


def test_the_list_reads_a_bounded_number_of_queries(client, world, django_assert_max_num_queries):
    for index in range(15):
        interview_for(world.x, world.consultant, title=f"Entretien {index}")
    client.force_login(world.consultant)
    url = reverse("interviews:list", args=[world.project.slug, world.towns[0].slug])
    with django_assert_max_num_queries(25):
        assert client.get(url).status_code == 200


def test_an_interview_is_recorded_with_its_participants_once(client, world):
    client.force_login(world.consultant)
    url = reverse("interviews:create", args=[world.project.slug, world.towns[0].slug])
    data = form_data(submission_key="0b0e4c9e-3c8e-4a4e-9f1a-2d7f0f0f0f0f")
    assert client.post(url, data).status_code == 302
    assert client.post(url, data).status_code == 302  # sent twice, stored once
    interview = Interview.objects.get()
    assert interview.project_id == world.project.pk and interview.created_by == world.consultant
    assert list(interview.participants.values_list("label", "profile")) == [("P1", "elected")]
    assert AuditEvent.objects.filter(action="interview_created").count() == 1


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"title": ""}, "Intitulé"),
        ({"place_label": ""}, "Indiquez un lieu"),
        ({"participants-0-label": ""}, "au moins une personne"),
        ({"participants-0-profile": ""}, "Choisissez le profil"),
        ({"consent_on": ""}, "date à laquelle le consentement"),
        ({"held_on": "9999-12-31"}, "Date"),
        ({"interviewer": "999999"}, "Enquêteur"),
    ],
)
def test_bad_input_gets_a_message_and_stores_nothing(client, world, change, field):
    client.force_login(world.consultant)
    url = reverse("interviews:create", args=[world.project.slug, world.towns[0].slug])
    response = client.post(url, form_data(**change))
    assert response.status_code == 400 and field in response.content.decode()
    assert not Interview.objects.exists()


def test_a_place_of_another_territory_is_refused(client, world):
    other_place = make_entry(world, "place", index=1)
    own_place = make_entry(world, "place", index=0, name="Salle du territoire")
    client.force_login(world.consultant)
    url = reverse("interviews:create", args=[world.project.slug, world.towns[0].slug])
    response = client.post(url, form_data(place=str(other_place.pk), place_label=""))
    assert response.status_code == 400 and not Interview.objects.exists()
    assert client.post(url, form_data(place=str(own_place.pk), place_label="")).status_code == 302
    assert Interview.objects.get().place == own_place


def test_editing_participants_keeps_the_codings_of_those_kept(client, world):
    interview = interview_for(world.x, world.consultant)
    transcript, _ = services.transcript_save(interview=interview, user=world.consultant, text=TRANSCRIPT)
    participant = interview.participants.get()
    code = Code.objects.create(project=world.project, name="Lieux")
    coding = Coding.objects.create(
        code=code, project=world.project, territory=world.x, transcript=transcript, participant=participant,
        profile="actor", start=0, end=5, quote=transcript.text[:5],
    )  # fmt: skip
    client.force_login(world.referents[0])
    data = form_data(
        **{"participants-INITIAL_FORMS": "1", "participants-0-id": str(participant.pk), "participants-0-label": "P1 bis",
           "participants-0-profile": "actor", "participants-1-label": "P2", "participants-1-profile": "resident"}
    )  # fmt: skip
    assert client.post(reverse("interviews:edit", args=[interview.pk]), data).status_code == 302
    coding.refresh_from_db()
    assert coding.participant_id == participant.pk
    assert list(interview.participants.values_list("label", flat=True)) == ["P1 bis", "P2"]
    event = AuditEvent.objects.filter(action="interview_changed").get()
    assert "participants" in event.details["fields"]


def test_deleting_an_interview_takes_its_transcript_and_asks_for_confirmation(client, world):
    interview = interview_for(world.x, world.consultant)
    services.transcript_save(interview=interview, user=world.consultant, text=TRANSCRIPT)
    client.force_login(world.referents[0])
    url = reverse("interviews:delete", args=[interview.pk])
    client.post(url)
    assert Interview.objects.exists()
    assert client.post(url, {"confirmer": "oui"}).status_code == 302
    assert not Interview.objects.exists() and not Transcript.objects.exists()
    assert not InterviewParticipant.objects.exists()
    assert AuditEvent.objects.filter(action="interview_deleted").exists()


def test_the_territory_synthesis_links_to_the_interviews(client, world):
    client.force_login(world.agents[0])
    body = client.get(reverse("synthesis:territory", args=[world.project.slug, world.towns[0].slug])).content.decode()
    assert reverse("interviews:list", args=[world.project.slug, world.towns[0].slug]) in body
    client.force_login(world.observers[0] if world.observers else world.referents[1])
    body = client.get(reverse("synthesis:territory", args=[world.project.slug, world.towns[0].slug])).content.decode()
    assert reverse("interviews:list", args=[world.project.slug, world.towns[0].slug]) not in body


def test_a_transcript_edit_says_which_codings_were_kept_and_which_to_review(client, world):
    interview = interview_for(world.x, world.consultant, held_on=datetime.date(2021, 10, 1))
    transcript, _ = services.transcript_save(interview=interview, user=world.consultant, text=TRANSCRIPT)
    code = Code.objects.create(project=world.project, name="Freins")
    for quote in ("les horaires ne conviennent pas", "faute de salle ouverte"):
        start = transcript.text.index(quote)
        Coding.objects.create(code=code, project=world.project, territory=world.x, transcript=transcript,
                              start=start, end=start + len(quote), quote=quote)  # fmt: skip
    client.force_login(world.consultant)
    text = transcript.text.replace("faute de salle ouverte", "faute de local ouvert")
    response = client.post(reverse("interviews:transcript", args=[interview.pk]), {"text": text, "version": "1"},
                           follow=True)  # fmt: skip
    body = response.content.decode()
    assert "1 passage codé suivi" in body and "signalé « à revoir »" in body
