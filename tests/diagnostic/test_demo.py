"""The directory part of the demo: real venues with their sources, the places of the public record,
synthetic actors labelled as such; loading twice adds nothing."""

import pytest
from django.urls import reverse

from territoires.demo import diagnostic as diagnostic_demo
from territoires.demo import loader
from territoires.diagnostic.models import Entry
from territoires.diagnostic.venues import CINEMAS, FESTIVALS, LIBRARIES, MUSEOFILE
from territoires.projects.models import SharedProject

pytestmark = pytest.mark.django_db


@pytest.fixture
def project(monkeypatch):
    monkeypatch.setattr(loader, "MODULE_DEMOS", [])
    loader.load_demo()
    project = SharedProject.objects.get(title=loader.data.PROJECT["title"])
    assert diagnostic_demo.load(project) is True
    return project


def test_the_demo_directory_holds_the_real_venues_with_their_sources(client, project):
    entries = Entry.objects.filter(project=project)
    niort = entries.filter(territory__organisation__name="Niort")
    assert niort.filter(source=MUSEOFILE, source_ref="M0841", source_year=2025).exists()
    assert {"Port Boinot", "Chapelle Saint-Hilaire", "Villa Pérochon"} <= set(niort.values_list("name", flat=True))
    guichen = entries.filter(territory__organisation__name="Guichen")
    assert {"Espace Galatée", "Médiathèque La Chouette", "Le Bretagne"} <= set(guichen.values_list("name", flat=True))
    assert entries.filter(source=FESTIVALS, kind="engagement").count() == 30
    assert entries.filter(source=CINEMAS).count() == 7 and entries.filter(source=LIBRARIES).count() == 15
    synthetic = entries.filter(is_synthetic=True)
    assert synthetic.exists() and all("fictif" in e.name or "fictive" in e.name for e in synthetic)
    card = client.get(niort.get(source_ref="M0841").get_absolute_url()).content.decode()
    assert "Ministère de la Culture — Muséofile (Musées de France), 2025" in card


def test_loading_the_directory_twice_adds_nothing(project):
    before = Entry.objects.count()
    assert diagnostic_demo.load(project) is False
    assert Entry.objects.count() == before


def test_the_niort_directory_page_for_a_visitor(client, project):
    url = reverse("diagnostic:territory_directory", args=[project.slug, "niort"])
    response = client.get(url, {"type": "place"})
    assert response.status_code == 200
    assert "Port Boinot" in response.content.decode()
