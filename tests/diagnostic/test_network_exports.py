"""GEXF, GraphML and Kumu exports of the network a person sees: read back with networkx (and
openpyxl for Kumu's spreadsheet) and compared with what was stored."""

import io

import networkx
import pytest
from django.urls import reverse
from openpyxl import load_workbook

from territoires.diagnostic.models import Link
from tests.diagnostic.network_helpers import make_actor, make_link
from tests.factories import make_project

pytestmark = pytest.mark.django_db


@pytest.fixture
def network_world():
    world = make_project(observers=1)
    world.a = make_actor(world, "Théâtre « Le Moulin »", family_name="Institutions culturelles")
    world.b = make_actor(world, "Centre social", family_name="Acteurs sociaux et éducatifs")
    world.c = make_actor(world, "Centre social", family_name="Associations")  # same name, another actor
    world.draft = make_actor(world, "Brouillon secret", publish=False)
    world.lone = make_actor(world, "Sans lien")
    world.funding = make_link(
        world, world.a, world.b, kind=Link.Kind.FUNDING, direction=Link.Direction.DIRECTED, intensity=3, start_year=2018
    )
    world.mutual = make_link(world, world.b, world.c, kind=Link.Kind.SHARED_AUDIENCE)
    world.training = make_link(world, world.a, world.b, kind=Link.Kind.TRAINING, end_year=2022)
    world.hidden = make_link(world, world.a, world.draft)
    return world


def export(client, world, fmt, user=None, **query):
    if user is not None:
        client.force_login(user)
    response = client.get(reverse("diagnostic:network_export", args=[world.project.slug, fmt]), query)
    assert response.status_code == 200
    assert "attachment" in response["Content-Disposition"]
    return response.content


@pytest.mark.parametrize("fmt", ["gexf", "graphml"])
def test_gexf_and_graphml_read_back_with_networkx_as_stored(client, network_world, fmt):
    world = network_world
    content = export(client, world, fmt)
    reader = networkx.read_gexf if fmt == "gexf" else networkx.read_graphml
    graph = reader(io.BytesIO(content))
    labels = {str(node): data["label"] for node, data in graph.nodes(data=True)}
    # A visitor's export: published actors only, and only the links between them.
    assert labels == {str(e.pk): e.name for e in (world.a, world.b, world.c, world.lone)}
    assert graph.nodes[str(world.a.pk)]["family"] == "Institutions culturelles"
    assert graph.number_of_edges() == 3
    edges = {
        (
            data["kind"],
            data["direction"],
            int(data["from"]),
            int(data["weight"]),
            data.get("start_year"),
            data.get("end_year"),
        )
        for _u, _v, data in graph.edges(data=True)
    }
    assert edges == {
        ("Financement", "directed", world.a.pk, 3, 2018, None),
        ("Public partagé", "mutual", world.b.pk, 2, None, None),
        ("Formation", "mutual", world.a.pk, 2, None, 2022),
    }


def test_the_kumu_spreadsheet_has_elements_and_connections(client, network_world):
    world = network_world
    workbook = load_workbook(io.BytesIO(export(client, world, "kumu", user=world.referents[0])))
    assert workbook.sheetnames == ["Elements", "Connections"]
    elements = list(workbook["Elements"].values)
    connections = list(workbook["Connections"].values)
    assert elements[0][:4] == ("Label", "Type", "Description", "Tags")
    assert connections[0][:5] == ("From", "To", "Type", "Direction", "Strength")
    labels = [row[0] for row in elements[1:]]
    # The referent of the town sees the draft; the two "Centre social" stay two elements.
    assert len(labels) == 5 and len(set(labels)) == 5
    assert f"Centre social (n° {world.b.pk})" in labels and "Brouillon secret" in labels
    rows = {(row[0], row[1], row[2], row[3], row[4]) for row in connections[1:]}
    assert ("Théâtre « Le Moulin »", f"Centre social (n° {world.b.pk})", "Financement", "directed", 3) in rows
    assert len(rows) == 4


def test_exports_follow_the_filters_and_carry_metrics_for_members_only(client, network_world):
    world = network_world
    from territoires.diagnostic.models import NetworkAnalysis
    from territoires.diagnostic.network_metrics import analysis_run

    analysis_run(analysis_id=NetworkAnalysis.objects.create(project=world.project).pk)
    graph = networkx.read_graphml(io.BytesIO(export(client, world, "graphml", famille=world.a.family_id)))
    assert list(graph.nodes) == [str(world.a.pk)] and "betweenness" not in graph.nodes[str(world.a.pk)]
    graph = networkx.read_graphml(io.BytesIO(export(client, world, "graphml", user=world.consultant)))
    assert graph.nodes[str(world.b.pk)]["degree"] == 2  # a (two links, one pair) and c
    assert graph.nodes[str(world.draft.pk)]["degree"] == 1


def test_an_unknown_format_is_a_404(client, network_world):
    url = reverse("diagnostic:network_export", args=[network_world.project.slug, "pdf"])
    assert client.get(url).status_code == 404
