"""Residents vote without an account: one vote per statement, a replay stored once, a closed map
refuses, a flood from one client stops, a hostile statement is refused with a French message;
never a 500."""

import pytest
from django.core.cache import cache
from django.urls import reverse

from territoires.codesign.opinion import flood, services
from territoires.codesign.opinion.models import OpinionCode, OpinionParticipant, OpinionVote, Statement
from tests.codesign.opinion.world import build_opinion_world

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    cache.clear()
    return build_opinion_world()


def vote_url(world):
    return reverse("codesign:opinion_vote", args=[world.conversation.public_token])


def key_of(response):
    import re

    return re.search(r'name="submission_key" value="([^"]+)"', response.content.decode()).group(1)


def test_a_resident_votes_on_each_statement_in_turn(client, world):
    page = client.get(vote_url(world))
    assert page.status_code == 200
    assert world.statements[0].text in page.content.decode()
    response = client.post(
        vote_url(world),
        {"action": "vote", "statement": world.statements[0].pk, "value": "1", "submission_key": key_of(page)},
    )
    assert response.status_code == 302
    assert OpinionVote.objects.count() == 1
    page = client.get(vote_url(world))
    assert world.statements[1].text in page.content.decode()
    assert "Vous avez donné 1 avis sur 8" in page.content.decode()


def test_a_replayed_vote_is_stored_once_and_a_second_vote_is_refused(client, world):
    page = client.get(vote_url(world))
    data = {"action": "vote", "statement": world.statements[0].pk, "value": "1", "submission_key": key_of(page)}
    assert client.post(vote_url(world), data).status_code == 302
    assert client.post(vote_url(world), data).status_code == 302  # the replay: sent on, nothing stored
    data["submission_key"] = ""
    data["value"] = "-1"
    again = client.post(vote_url(world), data)
    assert again.status_code == 400
    assert "déjà donné votre avis" in again.content.decode()
    assert OpinionVote.objects.count() == 1
    assert OpinionVote.objects.get().value == 1


def test_a_vote_on_a_closed_map_is_refused(client, world):
    page = client.get(vote_url(world))
    services.conversation_change(conversation=world.conversation, user=world.facilitator, status="closed")
    response = client.post(
        vote_url(world),
        {"action": "vote", "statement": world.statements[0].pk, "value": "1", "submission_key": key_of(page)},
    )
    assert response.status_code == 400
    assert "Le vote est clos" in response.content.decode()
    assert OpinionVote.objects.count() == 0


@pytest.mark.parametrize(
    "data",
    [
        {"action": "vote", "statement": "abc", "value": "1"},
        {"action": "vote", "statement": "999999", "value": "1"},
        {"action": "vote", "value": "7"},
        {"action": "vote", "statement": "1", "value": "\x00"},
        {"action": "nimporte"},
        {},
    ],
)
def test_bad_votes_get_a_message_and_store_nothing(client, world, data):
    if data.get("statement") == "1":
        data["statement"] = str(world.statements[1].pk)
    response = client.post(vote_url(world), data)
    assert response.status_code == 400
    assert OpinionVote.objects.count() == 0


def test_a_statement_of_another_map_or_pending_is_not_voted(client, world):
    pending = Statement.objects.create(
        opinion_map=world.map, text="En attente de relecture", text_key="x", status="pending"
    )
    response = client.post(vote_url(world), {"action": "vote", "statement": pending.pk, "value": "1"})
    assert response.status_code == 400 and "pas soumise au vote" in response.content.decode()


def test_a_draft_conversation_is_not_found(client, world):
    assert client.get(reverse("codesign:opinion_vote", args=[world.other.public_token])).status_code == 404


def test_a_flood_from_one_client_stops(client, world, monkeypatch):
    monkeypatch.setitem(flood.ALLOWANCE, "vote", 3)
    for statement in world.statements[:3]:
        assert (
            client.post(vote_url(world), {"action": "vote", "statement": statement.pk, "value": "0"}).status_code == 302
        )
    client.cookies.clear()  # a new "participant" from the same address
    response = client.post(vote_url(world), {"action": "vote", "statement": world.statements[3].pk, "value": "0"})
    assert response.status_code == 400
    assert "Trop de votes depuis cette connexion" in response.content.decode()
    assert OpinionVote.objects.count() == 3


@pytest.mark.parametrize(
    "text, message",
    [
        ("", "obligatoire"),
        ("court", "au moins"),
        ("x" * 281, "280"),
        ("Allez voir https://example.org pour gagner", "liens"),
        ("Visitez www.arnaque.fr maintenant", "liens"),
    ],
)
def test_a_hostile_statement_is_refused(client, world, text, message):
    response = client.post(vote_url(world), {"action": "propose", "proposer-text": text})
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Statement.objects.filter(status="pending").exists()


def test_a_proposed_statement_is_cleaned_escaped_and_waits_for_moderation(client, world):
    text = "<script>alert(1)</script> Plus de\x07 concerts \t  gratuits"
    response = client.post(vote_url(world), {"action": "propose", "proposer-text": text})
    assert response.status_code == 302
    statement = Statement.objects.get(status="pending")
    assert statement.text == "<script>alert(1)</script> Plus de concerts gratuits"
    assert statement.proposed_in == world.conversation
    # Not in the vote until moderated; shown escaped to the moderator.
    client.force_login(world.referents[0])
    page = client.get(world.map.get_absolute_url()).content.decode()
    assert "&lt;script&gt;" in page and "<script>alert" not in page
    client.logout()
    same = client.post(
        vote_url(world), {"action": "propose", "proposer-text": "<SCRIPT>alert(1)</SCRIPT>  plus de CONCERTS gratuits"}
    )
    assert same.status_code == 400 and "existe déjà" in same.content.decode()
    assert Statement.objects.filter(status="pending").count() == 1


def test_a_participant_proposes_at_most_five_statements(client, world):
    for index in range(5):
        client.post(vote_url(world), {"action": "propose", "proposer-text": f"Proposition honnête numéro {index}"})
    response = client.post(vote_url(world), {"action": "propose", "proposer-text": "Une sixième proposition"})
    assert response.status_code == 400
    assert Statement.objects.filter(status="pending").count() == 5


def test_a_one_time_code_makes_one_participant_across_devices(client, world):
    code = services.codes_issue(conversation=world.conversation, user=world.referents[0], count=1)[0]
    assert client.post(vote_url(world), {"action": "code", "code-code": code.code.lower()}).status_code == 302
    client.post(vote_url(world), {"action": "vote", "statement": world.statements[0].pk, "value": "1"})
    from django.test import Client

    other_device = Client()
    other_device.post(vote_url(world), {"action": "code", "code-code": code.code})
    response = other_device.post(
        vote_url(world), {"action": "vote", "statement": world.statements[0].pk, "value": "-1"}
    )
    assert response.status_code == 400
    assert OpinionParticipant.objects.count() == 1 and OpinionVote.objects.count() == 1
    assert OpinionCode.objects.get().participant_id is not None
    bad = client.post(vote_url(world), {"action": "code", "code-code": "ZZZZZZZZZZ"})
    assert bad.status_code == 400 and "pas valable" in bad.content.decode()


def test_a_forged_cookie_is_ignored(client, world):
    client.cookies[f"opinion_{world.conversation.pk}"] = "forged"
    assert client.get(vote_url(world)).status_code == 200
