"""The qualitative part of the demo: for each town an open call with a dozen labelled synthetic
texts, observation notes, and a draft synthesis whose findings cite the town's survey figures;
loading twice adds nothing."""

import pytest
from django.urls import reverse

from territoires.demo import loader, qualitative
from territoires.diagnostic.expression.models import Expression
from territoires.diagnostic.observation.models import ObservationNote
from territoires.diagnostic.synthesis.models import Evidence, Finding
from territoires.projects.models import SharedProject

pytestmark = pytest.mark.django_db


@pytest.fixture
def project(monkeypatch, settings, tmp_path):
    settings.SURVEY_ARRAYS_DIR = tmp_path / "arrays"
    monkeypatch.setattr(loader, "MODULE_DEMOS", ["surveys", "diagnostic"])
    loader.load_demo()
    project = SharedProject.objects.get(title=loader.data.PROJECT["title"])
    assert qualitative.load(project) is True
    return project


def test_each_town_has_texts_notes_and_a_draft_synthesis_citing_its_survey(client, project):
    towns = project.participations.filter(role="participant")
    assert towns.count() == 4
    for town in towns:
        texts = Expression.objects.filter(territory=town)
        assert texts.count() == 12 and all(text.is_synthetic for text in texts)
        assert texts.filter(status="published").exists() and texts.filter(status="pending").exists()
        assert ObservationNote.objects.filter(territory=town, is_synthetic=True).count() == 3
        findings = Finding.objects.filter(territory=town)
        assert findings.count() == 3 and set(findings.values_list("status", flat=True)) == {"draft"}
        figures = Evidence.objects.filter(finding__territory=town, kind="survey_figure")
        assert figures.count() == 3 and all("territoire=" in e.reference["query"] for e in figures)
    client.force_login(project.consultancy.memberships.get().user)
    finding = Finding.objects.filter(territory__organisation__name="Niort").first()
    body = client.get(finding.get_absolute_url()).content.decode()
    assert "Preuve réservée" not in body and "Territoire : Niort" in body
    gallery = client.get(reverse("expression:gallery", args=[project.slug, "niort"])).content.decode()
    assert "texte fictif" in gallery


def test_loading_twice_adds_nothing(project):
    counts = (Expression.objects.count(), ObservationNote.objects.count(), Finding.objects.count())
    assert qualitative.load(project) is False
    assert (Expression.objects.count(), ObservationNote.objects.count(), Finding.objects.count()) == counts
