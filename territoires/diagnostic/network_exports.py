"""Exports of the network a person sees (network.py scopes it): GEXF and GraphML written by
networkx (they open in Gephi, Cytoscape, networkx), and Kumu's spreadsheet layout (an XLSX with an
"Elements" sheet and a "Connections" sheet, written with openpyxl).

One graph for the three: an undirected multigraph (two actors may have several links of several
kinds), every link an edge with its attributes; a directed link keeps its direction in the
`direction` and `from` attributes (GEXF and GraphML files hold one edge type per graph, and most
links of a territory are mutual). Metrics of the latest analysis are added to the actors when the
person may read them (network_rules.py).
"""

import io

import networkx
from django.utils.translation import gettext as _

from territoires.diagnostic import network
from territoires.diagnostic.models import Link

FORMATS = {
    "gexf": ("application/gexf+xml", "gexf"),
    "graphml": ("application/graphml+xml", "graphml"),
    "kumu": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "xlsx"),
}


def build_graph(user, project, filters: dict, *, metrics: dict | None = None) -> networkx.MultiGraph:
    actors = network.selected_actors(user, project, filters)
    families = {family.pk: family.name for family in project.actor_families.all()}
    territories = {t.pk: t.organisation.name for t in project.participations.all() if t.is_participant}
    graph = networkx.MultiGraph(name=str(project.title))
    node_metrics = (metrics or {}).get("nodes", {})
    for pk, name, family_id, territory_id, neighbourhood, synthetic in actors.order_by("name", "pk").values_list(
        "pk", "name", "family_id", "territory_id", "neighbourhood", "is_synthetic"
    ):
        attributes = {
            "label": name,
            "family": families.get(family_id, ""),
            "territory": territories.get(territory_id, ""),
            "neighbourhood": neighbourhood,
            "synthetic": synthetic,
        }
        if str(pk) in node_metrics:
            degree, weighted, betweenness, community = node_metrics[str(pk)]
            attributes.update(degree=degree, weighted_degree=weighted, betweenness=betweenness)
            attributes["community"] = community or 0
        graph.add_node(pk, **attributes)
    links = network.visible_links(user, project, actors).order_by("pk")
    for link in links.only(
        "pk", "source_id", "target_id", "kind", "direction", "intensity", "provenance", "start_year", "end_year",
        "is_synthetic",
    ):  # fmt: skip
        attributes = {
            "kind": link.get_kind_display(),
            "direction": link.direction,
            "from": link.source_id,
            "weight": link.intensity,
            "provenance": link.get_provenance_display(),
            "synthetic": link.is_synthetic,
        }
        # networkx's writers refuse None: an unknown year is left out.
        if link.start_year:
            attributes["start_year"] = link.start_year
        if link.end_year:
            attributes["end_year"] = link.end_year
        graph.add_edge(link.source_id, link.target_id, key=link.pk, **attributes)
    return graph


def to_bytes(graph: networkx.MultiGraph, fmt: str) -> bytes:
    stream = io.BytesIO()
    if fmt == "gexf":
        networkx.write_gexf(graph, stream)
    elif fmt == "graphml":
        networkx.write_graphml(graph, stream)
    elif fmt == "kumu":
        write_kumu(graph, stream)
    else:
        raise ValueError(fmt)
    return stream.getvalue()


def write_kumu(graph: networkx.MultiGraph, stream) -> None:
    """Kumu's import layout: Elements (Label, Type, Description, Tags and fields) and Connections
    (From, To, Type, Direction, Strength and fields), linked by label — so two actors of the same
    name get their number appended, to stay two elements."""
    from openpyxl import Workbook

    repeated = _repeated([data["label"] for _node, data in graph.nodes(data=True)])
    label = {
        node: (f"{data['label']} (n° {node})" if data["label"] in repeated else data["label"])
        for node, data in graph.nodes(data=True)
    }
    workbook = Workbook(write_only=True)
    elements = workbook.create_sheet("Elements")
    metric_fields = ("degree", "betweenness", "community")
    elements.append(
        ["Label", "Type", "Description", "Tags", _("Territoire"), _("Quartier"), *metric_fields, _("Fictif")]
    )
    for node, data in graph.nodes(data=True):
        elements.append(
            [
                label[node],
                data["family"] or _("Acteur"),
                "",
                data["territory"],
                data["territory"],
                data["neighbourhood"],
                *[data.get(field, "") for field in metric_fields],
                _("oui") if data["synthetic"] else "",
            ]
        )
    connections = workbook.create_sheet("Connections")
    connections.append(["From", "To", "Type", "Direction", "Strength", _("Origine"), _("Début"), _("Fin"), _("Fictif")])
    for source, target, data in graph.edges(data=True):
        first, second = (source, target) if data["from"] == source else (target, source)
        connections.append(
            [
                label[first],
                label[second],
                data["kind"],
                "directed" if data["direction"] == Link.Direction.DIRECTED else "mutual",
                data["weight"],
                data["provenance"],
                data.get("start_year", ""),
                data.get("end_year", ""),
                _("oui") if data["synthetic"] else "",
            ]
        )
    workbook.save(stream)


def _repeated(names: list[str]) -> set[str]:
    seen, repeated = set(), set()
    for name in names:
        (repeated if name in seen else seen).add(name)
    return repeated
