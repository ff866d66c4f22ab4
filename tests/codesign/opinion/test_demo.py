"""The opinion map of the demo: one map, the same statements in the four towns, synthetic votes
labelled so, three groups found in each town, published; loading twice adds nothing."""

import pytest
from django.urls import reverse

from territoires.codesign.opinion.models import OpinionMap, OpinionResult
from territoires.demo import loader
from territoires.demo import opinion as opinion_demo
from territoires.projects.models import SharedProject

pytestmark = pytest.mark.django_db


@pytest.fixture
def project(monkeypatch):
    monkeypatch.setattr(loader, "MODULE_DEMOS", [])
    loader.load_demo()
    project = SharedProject.objects.get(title=loader.data.PROJECT["title"])
    assert opinion_demo.load(project) is True
    return project


def test_each_town_has_its_computed_and_published_map(client, project):
    opinion_map = OpinionMap.objects.get(project=project)
    assert opinion_map.synthetic
    assert opinion_map.statements.published().count() == len(opinion_demo.STATEMENTS)
    conversations = list(opinion_map.conversations.select_related("territory__organisation"))
    assert {c.territory.organisation.name for c in conversations} == set(opinion_demo.TOWNS)
    for conversation in conversations:
        result = OpinionResult.objects.get(conversation=conversation)
        assert result.status == "done" and conversation.results_public
        assert conversation.status == ("open" if conversation.territory.organisation.name == "Guichen" else "closed")
        assert result.data["k"] == 3
        sizes = sorted(group["size"] for group in result.data["groups"])
        expected = sorted(opinion_demo.TOWNS[conversation.territory.organisation.name])
        # The synthetic noise may carry a person or two across: the groups are the generated ones.
        assert all(abs(found - size) <= 3 for found, size in zip(sizes, expected, strict=True)), sizes
        page = client.get(conversation.get_absolute_url()).content.decode()
        assert "votes de cette carte sont synthétiques" in page
    compare = client.get(reverse("codesign:opinion_compare", args=[opinion_map.pk])).content.decode()
    for town in opinion_demo.TOWNS:
        assert town in compare
    assert opinion_map.statements.filter(status="pending").count() == 1
    assert opinion_demo.load(project) is False
