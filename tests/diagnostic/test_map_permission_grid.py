"""Who gets what from the map page with its list, the map's GeoJSON and the exports: roles ×
surfaces × (a published entry, an unpublished one, a contact person). Same world and roles as
tests/diagnostic/test_permission_grid.py; every entry is given a position so that the map's data
holds it.
"""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.urls import reverse

from territoires.diagnostic.models import Entry
from territoires.projects.models import SharedProject
from tests.diagnostic.test_permission_grid import CONTACT, GRID, build_world
from tests.support import data_kept_for_the_module

pytestmark = pytest.mark.django_db

SURFACES = ("map_page", "map_data", "export_csv", "export_geojson")
Y, N = True, False

# fmt: off
MAP_GRID = {
    # role              published draft contact (exports only; the page and the map data never show one)
    "visitor":          (Y,        N,    N),
    "resident":         (Y,        N,    N),
    "observer":         (Y,        N,    N),
    "agent_x":          (Y,        Y,    Y),
    "elected_x":        (Y,        Y,    Y),
    "referent_x":       (Y,        Y,    Y),
    "referent_y":       (Y,        N,    Y),  # another town: its team are project members
    "consultant":       (Y,        Y,    Y),
    "facilitator":      (Y,        Y,    Y),
    "other_project":    (Y,        N,    N),
}
# fmt: on

CASES = [
    pytest.param(role, surface, what, allowed, id=f"{surface}-{what}-{role}")
    for role, cells in MAP_GRID.items()
    for surface in SURFACES
    for what, allowed in zip(("published", "draft", "contact"), cells, strict=True)
]


def test_the_map_grid_has_the_directory_grid_roles():
    assert set(MAP_GRID) == set(GRID)


def build_located_world():
    world = build_world()
    Entry.objects.filter(project=world.project).update(latitude="46.323700", longitude="-0.458800")
    return world


@pytest.fixture(scope="module")
def shared_world(django_db_setup, django_db_blocker):
    with data_kept_for_the_module(django_db_blocker, build_located_world) as world:
        yield world


def url_of(surface, world):
    name = {
        "map_page": "diagnostic:directory_map",
        "map_data": "diagnostic:directory_map_data",
        "export_csv": "diagnostic:export_csv",
        "export_geojson": "diagnostic:export_geojson",
    }[surface]
    return reverse(name, args=[world.project.slug])


def body_of(response) -> str:
    if response.streaming:
        return b"".join(response.streaming_content).decode()
    return response.content.decode()


@pytest.mark.parametrize(("role", "surface", "what", "allowed"), CASES)
def test_map_and_export_permission_grid(client, shared_world, role, surface, what, allowed):
    world = shared_world
    user = world.users[role]
    if user is not None:
        client.force_login(user)
    response = client.get(url_of(surface, world), {"type": "actor"})
    assert response.status_code == 200
    body = body_of(response)
    secret = {
        "published": "Fiche publiée actor",
        "draft": "Brouillon secret actor",
        "contact": CONTACT,
    }[what]
    expected = allowed and not (what == "contact" and surface in ("map_page", "map_data"))
    assert (secret in body) is expected


@pytest.mark.parametrize("surface", SURFACES)
def test_a_private_project_is_closed_to_visitors_and_strangers(client, shared_world, surface):
    world = shared_world
    SharedProject.objects.filter(pk=world.project.pk).update(is_public=False)
    assert client.get(url_of(surface, world)).status_code == 404
    client.force_login(world.users["other_project"])
    assert client.get(url_of(surface, world)).status_code == 404
    client.force_login(world.users["observer"])
    response = client.get(url_of(surface, world))
    assert response.status_code == 200
    assert "Brouillon secret" not in body_of(response)


def test_the_comparison_counts_only_what_the_person_may_read(client, shared_world):
    world = shared_world
    url = reverse("diagnostic:territory_comparison", args=[world.project.slug])
    from territoires.diagnostic import comparison, selectors, services

    territories = [p for p in world.project.participations.all() if p.is_participant]
    families = services.families_for(project=world.project)
    for role, places in (("visitor", 1), ("referent_y", 1), ("referent_x", 2), ("facilitator", 2)):
        user = world.users[role] or AnonymousUser()
        report = comparison.compare(
            entries=selectors.visible_entries(user, world.project), territories=territories, families=families
        )
        figures = next(t for t in report.territories if t.territory.pk == world.x.pk)
        assert figures.places == places, role
    assert client.get(url).status_code == 200
