"""A town's map computed by the background task and read on its page (scatter with its table,
groups' statements, consensus), published for the public, compared across towns; the votes
exported in pol.is's CSV layout."""

import csv
import io

import pytest
from django.urls import reverse

from territoires.codesign.opinion import services
from territoires.codesign.opinion.exports import PARTICIPANT_HEADER, VOTES_HEADER
from territoires.codesign.opinion.models import OpinionParticipant, OpinionResult, OpinionVote
from tests.codesign.opinion.world import add_votes, build_opinion_world

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    world = build_opinion_world()
    add_votes(world.conversation, world.statements)
    return world


def compute(client, world):
    client.force_login(world.referents[0])
    url = reverse("codesign:opinion_conversation_change", args=[world.conversation.pk])
    response = client.post(url, {"action": "compute"})
    assert response.status_code == 302
    return OpinionResult.objects.filter(conversation=world.conversation).latest("id")


def test_the_task_computes_and_the_page_shows_the_groups(client, world, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        result = compute(client, world)
    result.refresh_from_db()
    assert result.status == "done", result.error
    assert result.participant_count == 22 and result.vote_count == 22 * 8
    assert result.data["k"] == 2
    assert [group["size"] for group in result.data["groups"]] == [12, 10]
    assert result.data["config"]["name"] == "small"  # 22 people: the small-panel settings
    page = client.get(world.conversation.get_absolute_url()).content.decode()
    assert "<svg" in page and "Groupe A" in page and "Groupe B" in page
    assert "Les groupes de la carte (données du graphique)" in page
    assert world.statements[0].text in page  # the consensus statement
    assert "D&#x27;accord dans tous les groupes" in page or "accord dans tous les groupes" in page


def test_a_computation_requested_twice_runs_once(client, world):
    first = services.result_request(conversation=world.conversation, user=world.referents[0])
    second = services.result_request(conversation=world.conversation, user=world.referents[0])
    assert first.pk == second.pk


def test_too_few_votes_end_with_a_french_message(client, world, django_capture_on_commit_callbacks):
    OpinionVote.objects.all().delete()
    with django_capture_on_commit_callbacks(execute=True):
        result = compute(client, world)
    result.refresh_from_db()
    assert result.status == "failed" and "Pas assez de votes" in result.error
    page = client.get(world.conversation.get_absolute_url())
    assert page.status_code == 200 and "Pas assez de votes" in page.content.decode()


def test_publishing_opens_the_map_to_visitors_and_the_comparison(client, world, django_capture_on_commit_callbacks):
    url = world.conversation.get_absolute_url()
    assert client.get(url).status_code == 302  # a visitor: the login page
    change = reverse("codesign:opinion_conversation_change", args=[world.conversation.pk])
    client.force_login(world.referents[0])
    client.post(change, {"action": "publish"})
    world.conversation.refresh_from_db()
    assert not world.conversation.results_public  # not computed yet: refused
    with django_capture_on_commit_callbacks(execute=True):
        compute(client, world)
    client.post(change, {"action": "publish"})
    client.logout()
    page = client.get(url)
    assert page.status_code == 200 and "Groupe A" in page.content.decode()
    assert "Conduite de la conversation" not in page.content.decode()
    compare = client.get(reverse("codesign:opinion_compare", args=[world.map.pk])).content.decode()
    assert world.towns[0].name in compare and world.towns[1].name not in compare  # Y's map is not published
    assert "consensus (d&#x27;accord)" in compare or "consensus (d'accord)" in compare


def test_votes_csv_in_the_polis_layout(client, world):
    client.force_login(world.referents[0])
    response = client.get(reverse("codesign:opinion_votes_csv", args=[world.conversation.pk]))
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert rows[0] == VOTES_HEADER == ["timestamp", "datetime", "comment-id", "voter-id", "vote"]
    assert len(rows) == 1 + 22 * 8
    first = rows[1]
    assert first[0].isdigit() and "GMT+0000 (Coordinated Universal Time)" in first[1]
    assert {row[4] for row in rows[1:]} <= {"1", "-1", "0"}
    assert {int(row[3]) for row in rows[1:]} == set(range(22))
    assert {int(row[2]) for row in rows[1:]} == {statement.pk for statement in world.statements}


def test_participant_votes_csv_in_the_polis_layout(client, world, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        compute(client, world)
    response = client.get(reverse("codesign:opinion_participant_votes_csv", args=[world.conversation.pk]))
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    header = rows[0]
    assert (
        header[:6]
        == PARTICIPANT_HEADER
        == ["participant", "group-id", "n-comments", "n-votes", "n-agree", "n-disagree"]
    )
    assert header[6:] == [str(statement.pk) for statement in world.statements]
    assert len(rows) == 23
    for row in rows[1:]:
        votes = [cell for cell in row[6:] if cell != ""]
        assert int(row[3]) == len(votes) == 8
        assert int(row[4]) == votes.count("1") and int(row[5]) == votes.count("-1")
        assert row[1] in {"0", "1"}
    # The same participant index in both files.
    first = OpinionParticipant.objects.filter(conversation=world.conversation).order_by("id").first()
    assert rows[1][0] == "0" and OpinionVote.objects.filter(participant=first).count() == 8


def test_exports_are_for_the_team_only(client, world):
    for user in (None, world.referents[1], world.observers[0]):
        client.logout()
        if user:
            client.force_login(user)
        response = client.get(reverse("codesign:opinion_votes_csv", args=[world.conversation.pk]))
        assert response.status_code in (302, 403, 404)


def test_the_pages_answer(client, world):
    client.force_login(world.facilitator)
    assert client.get(reverse("codesign:opinion_maps", args=[world.project.slug])).status_code == 200
    assert client.get(reverse("codesign:opinion_map_create", args=[world.project.slug])).status_code == 200
    assert client.get(world.map.get_absolute_url()).status_code == 200
    assert client.get(reverse("codesign:opinion_compare", args=[world.map.pk])).status_code == 200
    services.codes_issue(conversation=world.conversation, user=world.facilitator, count=3)
    codes = client.get(reverse("codesign:opinion_codes", args=[world.conversation.pk]))
    assert codes.status_code == 200


def test_create_a_map_with_its_statements(client, world):
    client.force_login(world.facilitator)
    url = reverse("codesign:opinion_map_create", args=[world.project.slug])
    page = client.get(url)
    import re

    key = re.search(r'name="submission_key" value="([^"]+)"', page.content.decode()).group(1)
    data = {
        "title": "Une autre question",
        "statements": "Première affirmation\nSeconde affirmation\n\n",
        "submission_key": key,
    }
    assert client.post(url, data).status_code == 302
    assert client.post(url, data).status_code == 302  # replayed: one map
    from territoires.codesign.opinion.models import OpinionMap

    created = OpinionMap.objects.get(title="Une autre question")
    assert created.statements.count() == 2 and created.conversations.count() == 4
    bad = client.post(url, {"title": "Doublons", "statements": "Même affirmation\nmême   AFFIRMATION"})
    assert bad.status_code == 400 and "existe déjà" in bad.content.decode()
    assert not OpinionMap.objects.filter(title="Doublons").exists()
