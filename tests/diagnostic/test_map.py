"""The directory's map page with its list, its GeoJSON, the exports and the comparison of territories."""

import csv
import html
import io
import json
import re
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from territoires.accounts.models import Organisation
from territoires.diagnostic import comparison, population
from tests.diagnostic.helpers import family, make_entry
from tests.factories import make_project

pytestmark = pytest.mark.django_db

NIORT = {"latitude": Decimal("46.323700"), "longitude": Decimal("-0.458800")}


@pytest.fixture
def world():
    world = make_project()
    world.library = make_entry(
        world, "place", name="Médiathèque Pierre-Moinot", basilic_type="bibliotheque", neighbourhood="Centre", **NIORT
    )
    world.cinema = make_entry(
        world,
        "place",
        index=1,
        name="Cinéma Le Moderne",
        basilic_type="cinema",
        latitude=Decimal("47.081000"),
        longitude=Decimal("2.398000"),
    )
    world.actor = make_entry(world, name='=HYPERLINK("x")', contact_name="Alix Secret", **NIORT)
    world.unlocated = make_entry(world, "place", name="Salle sans adresse", basilic_type="salle_spectacle")
    return world


def url(world, name, **query):
    from urllib.parse import urlencode

    base = reverse(f"diagnostic:{name}", args=[world.project.slug])
    return f"{base}?{urlencode(query)}" if query else base


def streamed(response) -> str:
    return b"".join(response.streaming_content).decode()


def test_map_data_is_a_valid_geojson_of_the_located_filtered_entries(client, world):
    response = client.get(url(world, "directory_map_data", type="place"))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/geo+json")
    data = json.loads(response.content)
    assert data["type"] == "FeatureCollection"
    assert {f["properties"]["name"] for f in data["features"]} == {"Médiathèque Pierre-Moinot", "Cinéma Le Moderne"}
    for feature in data["features"]:
        assert feature["type"] == "Feature" and feature["geometry"]["type"] == "Point"
        longitude, latitude = feature["geometry"]["coordinates"]  # RFC 7946: longitude first
        assert -5.5 < longitude < 10 and 41 < latitude < 51.5
        assert set(feature["properties"]) == {"name", "kind", "category"}
    library = next(f for f in data["features"] if f["id"] == world.library.pk)
    assert library["geometry"]["coordinates"] == [-0.4588, 46.3237]
    assert library["properties"]["category"] == "Bibliothèque, médiathèque"


def test_a_visitors_map_data_is_cached_until_the_next_write(client, world, django_capture_on_commit_callbacks):
    address = url(world, "directory_map_data", type="place")
    assert client.get(address)["X-Page-Cache"] == "miss"
    assert client.get(address)["X-Page-Cache"] == "hit"
    with django_capture_on_commit_callbacks(execute=True):
        make_entry(world, "place", name="Nouveau lieu", basilic_type="musee", **NIORT)
    response = client.get(address)
    assert response["X-Page-Cache"] == "miss" and "Nouveau lieu" in response.content.decode()
    assert "X-Page-Cache" not in client.get(url(world, "directory_map_data", type="place", autre="1"))


def test_map_data_applies_two_filters_like_the_list(client, world):
    query = {"type": "place", "territoire": world.towns[0].slug}
    data = json.loads(client.get(url(world, "directory_map_data", **query)).content)
    assert [f["id"] for f in data["features"]] == [world.library.pk]
    page = client.get(url(world, "directory_map", **query)).content.decode()
    assert "Médiathèque Pierre-Moinot" in page and "Salle sans adresse" in page and "Cinéma Le Moderne" not in page
    assert "2 fiches sélectionnées" in page and "1 sans position" in page


def test_map_data_costs_the_same_queries_for_more_entries(client, world):
    client.force_login(world.referents[1])  # a member: never served from the public page cache
    client.get(url(world, "directory_map_data"))  # families seeded, caches warm
    with CaptureQueriesContext(connection) as before:
        client.get(url(world, "directory_map_data", type="place"))
    for index in range(10):
        make_entry(world, "place", name=f"Lieu {index}", basilic_type="musee", **NIORT)
    with CaptureQueriesContext(connection) as after:
        data = json.loads(client.get(url(world, "directory_map_data", type="place")).content)
    assert len(data["features"]) == 12
    assert len(after) == len(before)


def test_the_page_lists_without_javascript_with_pagination_and_names_a_bad_filter(client, world):
    for index in range(30):
        make_entry(world, "place", name=f"Lieu {index:02d}", basilic_type="musee", **NIORT)
    page = client.get(url(world, "directory_map", type="place", famille="nope", page="2"))
    body = page.content.decode()
    assert page.status_code == 200
    assert "33 fiches sélectionnées" in body
    assert "Un filtre ne correspond à rien de connu" in body
    assert 'data-directory-map data-url="' + url(world, "directory_map_data", type="place") in body
    assert body.count('class="fr-py-2w diagnostic-entry"') == 8  # the second page of 25
    assert client.get(url(world, "directory_map", page="999")).status_code == 200


@pytest.mark.parametrize("name", ["directory_map_data", "export_csv", "export_geojson"])
def test_data_and_exports_refuse_a_filter_that_names_nothing(client, world, name):
    response = client.get(url(world, name, type="dragon"))
    assert response.status_code == 400
    assert "Filtre inconnu" in response.content.decode()


def test_csv_export_of_the_filtered_selection(client, world):
    client.force_login(world.referents[0])
    response = client.get(url(world, "export_csv", territoire=world.towns[0].slug))
    assert response.streaming and response["Content-Disposition"].endswith('.csv"')
    text = streamed(response)
    assert text.startswith("\ufeff")
    rows = list(csv.DictReader(io.StringIO(text[1:]), delimiter=";"))
    assert {row["nom"] for row in rows} == {"Médiathèque Pierre-Moinot", "Salle sans adresse", '\'=HYPERLINK("x")'}
    library = next(row for row in rows if row["nom"] == "Médiathèque Pierre-Moinot")
    assert library["domaine"] == "Livre et lecture" and library["latitude"] == "46.3237"
    assert library["source"] and library["annee_source"]
    actor = next(row for row in rows if row["type_de_fiche"] == "Acteur")
    assert actor["contact_nom"] == "Alix Secret"  # a member of the project


def test_geojson_export_keeps_unlocated_entries_with_a_null_geometry(client, world):
    response = client.get(url(world, "export_geojson", type="place"))
    data = json.loads(streamed(response))
    assert data["type"] == "FeatureCollection" and len(data["features"]) == 3
    unlocated = next(f for f in data["features"] if f["id"] == world.unlocated.pk)
    assert unlocated["geometry"] is None
    located = next(f for f in data["features"] if f["id"] == world.library.pk)
    assert located["geometry"] == {"type": "Point", "coordinates": [-0.4588, 46.3237]}
    assert "contact_nom" not in located["properties"]  # a visitor


def test_the_map_page_allows_the_tile_server_only_when_set(client, world, settings):
    response = client.get(url(world, "directory_map"))
    assert "img-src 'self' data:;" in response["Content-Security-Policy"]
    assert 'data-tile-url=""' in response.content.decode()
    # Without tiles, the territories' names are written where their points are.
    points = json.loads(html.unescape(re.search(r'data-territories="([^"]*)"', response.content.decode())[1]))
    niort = next(point for point in points if point["name"] == world.towns[0].name)
    assert niort == {"name": world.towns[0].name, "lat": 46.3237, "lon": -0.4588}
    settings.MAP_TILE_URL = "https://{s}.tuiles.exemple.fr/{z}/{x}/{y}.png"
    response = client.get(url(world, "directory_map"))
    assert "img-src 'self' data: https://*.tuiles.exemple.fr;" in response["Content-Security-Policy"]
    assert 'data-territories=""' in response.content.decode()


def test_population_comes_from_the_organisation_then_the_shipped_file():
    town = Organisation(name="Niort", kind="commune", insee_code="79191", population=60000)
    assert population.population_of(town).count == 60000
    town.population = None
    shipped = population.population_of(town)
    assert shipped.count == 61158 and "INSEE" in shipped.source
    assert population.population_of(Organisation(name="Ailleurs", kind="commune", insee_code="01001")) is None


def test_comparison_per_family_domain_and_10000_inhabitants(client, world):
    Organisation.objects.filter(pk=world.towns[0].pk).update(population=50000)
    Organisation.objects.filter(pk=world.towns[1].pk).update(population=None, insee_code="")
    make_entry(world, name="Les Amis", family=family(world, "Associations"))
    client.force_login(world.facilitator)
    response = client.get(url(world, "territory_comparison"))
    assert response.status_code == 200
    report = response.context["report"]
    first = next(t for t in report.territories if t.territory.organisation_id == world.towns[0].pk)
    second = next(t for t in report.territories if t.territory.organisation_id == world.towns[1].pk)
    assert (first.actors, first.places) == (2, 2)
    assert first.per_10k(first.actors) == pytest.approx(0.4)
    assert second.population is None and second.per_10k(1) is None
    associations = next(row for row in report.family_rows if row.label == "Associations")
    assert associations.cells[report.territories.index(first)] == (2, pytest.approx(0.4))
    domain_labels = {row.label for row in report.domain_rows}
    assert {"Livre et lecture", "Cinéma et audiovisuel", "Spectacle vivant"} <= domain_labels
    body = response.content.decode()
    assert "0,4 pour 10 000 hab." in body
    # No link yet: the figures say so (every actor isolated), they are not left out.
    assert report.has_links and "Densité du réseau" in body


def test_link_figures_from_pairs():
    actor_territory = {1: 10, 2: 10, 3: 10, 4: 20}
    figures = comparison.link_figures(actor_territory, [(1, 2), (2, 1), (1, 1), (3, 4), (5, 1)])
    assert figures[10].linked_actors == 3 and figures[10].isolated_actors == 0
    assert figures[10].pairs == 1 and figures[10].density(3) == pytest.approx(1 / 3)
    assert figures[20].linked_actors == 1 and figures[20].pairs == 0
    assert comparison.LinkFigures(linked_actors=0, isolated_actors=0, pairs=0).isolated_share is None


def test_link_figures_read_the_cooperation_network(world):
    from territoires.diagnostic import network_services
    from territoires.diagnostic.models import Entry

    first = make_entry(world, name="Compagnie A", family=family(world, "Associations"))
    second = make_entry(world, name="Compagnie B", family=family(world, "Associations"))
    make_entry(world, name="Compagnie seule", family=family(world, "Associations"))
    network_services.link_create(
        source=first,
        target=second,
        user=world.referents[0],
        data={"kind": "coproduction", "direction": "mutual", "intensity": 2, "provenance": "declared"},
    )
    actors = Entry.objects.filter(kind="actor", territory=first.territory)
    assert comparison.link_pairs(actors) == [(first.pk, second.pk)]
