"""The demo's cooperation network: synthetic actors and links, labelled as such, with links of
every provenance, one actor without a link per town; loading twice adds nothing."""

import json

import pytest
from django.urls import reverse

from territoires.demo import diagnostic as diagnostic_demo
from territoires.demo import loader
from territoires.demo import network as network_demo
from territoires.diagnostic.models import Entry, Link
from territoires.projects.models import SharedProject

pytestmark = pytest.mark.django_db


@pytest.fixture
def project(monkeypatch):
    monkeypatch.setattr(loader, "MODULE_DEMOS", [])
    loader.load_demo()
    project = SharedProject.objects.get(title=loader.data.PROJECT["title"])
    diagnostic_demo.load(project)
    assert network_demo.load(project) is True
    return project


def test_the_demo_network_is_synthetic_and_labelled(client, project):
    links = Link.objects.filter(project=project)
    assert links.count() >= 60
    assert not links.filter(is_synthetic=False).exists()
    assert set(links.values_list("provenance", flat=True)) == {"declared", "interview", "engagement"}
    assert links.exclude(source__territory=models_territory("target")).exists()  # links between towns
    for actor in Entry.objects.filter(pk__in=links.values("source")):
        assert actor.is_synthetic and ("fictif" in actor.name or "fictive" in actor.name)
    data = json.loads(client.get(reverse("diagnostic:network_json", args=[project.slug])).content)
    assert len(data["nodes"]) >= 50 and len(data["links"]) >= 40
    page = client.get(reverse("diagnostic:network", args=[project.slug])).content.decode()
    assert "fictif" in page


def models_territory(field):
    from django.db.models import F

    return F(f"{field}__territory")


def test_loading_the_network_twice_adds_nothing(project):
    before = (Entry.objects.count(), Link.objects.count())
    assert network_demo.load(project) is False
    assert (Entry.objects.count(), Link.objects.count()) == before
