"""The network's metrics, computed in compiled code: rustworkx for degree, betweenness and bridges,
graspologic-native's Leiden for communities (rustworkx has no community detection). networkx,
pure Python, is the reference they are tested against (tests/diagnostic/test_network_metrics.py)
and the time they are compared with (`make bench ONLY=diagnostic.network`): on 5,000 actors and
20,000 links networkx's exact betweenness alone takes minutes.

The graph is undirected and simple: several links between two actors (a funding and a shared
audience) make one edge whose weight is the sum of their intensities. Degree and betweenness count
edges (who is linked to whom), the communities use the weights, and the betweenness is normalised
as networkx does (divided by (n-1)(n-2)/2).

`analysis_run` is what the background task calls (network_tasks.py): it reads the scope's current
actors and links, computes, and stores the results with their date on the NetworkAnalysis.
"""

import logging
import math
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass

import graspologic_native
import rustworkx
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from territoires.core.cache import bump_content_version

logger = logging.getLogger(__name__)
LEIDEN_SEED = 20211020  # fixed: the same network gives the same communities at each run
BROKERS_SHOWN = 30


@dataclass
class NetworkInput:
    """Actors (entry ids) with their family ids, and links as (source, target, intensity)."""

    nodes: list[int]
    families: dict[int, int | None]
    links: list[tuple[int, int, int]]


def simple_edges(network: NetworkInput) -> dict[tuple[int, int], int]:
    """(smaller id, larger id) → summed intensity; links to actors outside `nodes` are left out."""
    present = set(network.nodes)
    weights: dict[tuple[int, int], int] = defaultdict(int)
    for source, target, intensity in network.links:
        if source != target and source in present and target in present:
            weights[(min(source, target), max(source, target))] += intensity
    return dict(weights)


def compute(network: NetworkInput, progress: Callable[[int], None] | None = None) -> dict:
    """Every metric of the network, as a JSON-ready dict (keys of `nodes` are entry ids as strings)."""
    step = progress or (lambda percent: None)
    edges = simple_edges(network)
    graph = rustworkx.PyGraph(multigraph=False)
    index = {node: graph.add_node(node) for node in network.nodes}
    graph.add_edges_from([(index[a], index[b], w) for (a, b), w in edges.items()])
    step(20)

    degree = {node: graph.degree(index[node]) for node in network.nodes}
    weighted = Counter()
    for (a, b), w in edges.items():
        weighted[a] += w
        weighted[b] += w
    betweenness = dict(rustworkx.graph_betweenness_centrality(graph, normalized=True)) if len(graph) > 2 else {}
    step(70)

    community, modularity = communities(network.nodes, edges)
    step(85)

    families = network.families
    bridge_edges = []
    for i, j in rustworkx.bridges(graph):
        a, b = sorted((graph[i], graph[j]))
        if families.get(a) != families.get(b):
            bridge_edges.append([a, b])
    bridge_edges.sort()
    family_pairs = Counter()
    reached: dict[int, set] = defaultdict(set)
    crossing = Counter()
    for a, b in edges:
        fa, fb = families.get(a), families.get(b)
        family_pairs[(min(fa or 0, fb or 0), max(fa or 0, fb or 0))] += 1
        if fa != fb:
            reached[a].add(fb)
            reached[b].add(fa)
            crossing[a] += 1
            crossing[b] += 1
    brokers = sorted(
        reached,
        key=lambda node: (-len(reached[node]), -betweenness.get(index[node], 0.0), -crossing[node], node),
    )[:BROKERS_SHOWN]
    step(95)

    isolated = sorted(node for node in network.nodes if degree[node] == 0)
    n = len(network.nodes)
    return {
        "nodes": {
            str(node): [
                degree[node],
                weighted[node],
                round(betweenness.get(index[node], 0.0), 6),
                community.get(node),
            ]
            for node in network.nodes
        },
        "summary": {
            "nodes": n,
            "edges": len(edges),
            "links": len(network.links),
            "density": round(2 * len(edges) / (n * (n - 1)), 6) if n > 1 else 0.0,
            "isolated": len(isolated),
            "communities": len(set(community.values())),
            "modularity": round(modularity, 4),
            "components": rustworkx.number_connected_components(graph) if n else 0,
        },
        "isolated": isolated,
        "family_pairs": [[a or None, b or None, count] for (a, b), count in sorted(family_pairs.items())],
        "brokers": [[node, sorted(f or 0 for f in reached[node]), crossing[node]] for node in brokers],
        "bridge_links": bridge_edges,
    }


def communities(nodes: Iterable[int], edges: dict[tuple[int, int], int]) -> tuple[dict[int, int], float]:
    """Leiden communities (modularity, weighted), numbered from 1 by decreasing size; an isolated
    actor belongs to none. Returns (actor → community, modularity)."""
    if not edges:
        return {}, 0.0
    quality, found = graspologic_native.leiden(
        [(str(a), str(b), float(w)) for (a, b), w in edges.items()], seed=LEIDEN_SEED, trials=1
    )
    sizes = Counter(found.values())
    numbering = {
        label: rank for rank, (label, _n) in enumerate(sorted(sizes.items(), key=lambda kv: (-kv[1], kv[0])), 1)
    }
    linked = {node for edge in edges for node in edge}
    return {node: numbering[found[str(node)]] for node in nodes if node in linked}, float(quality)


def networkx_reference(network: NetworkInput) -> dict:
    """The same metrics with networkx (degree, exact betweenness, Louvain communities, bridges,
    isolated actors): the reference of the tests and the time the benchmark compares with."""
    import networkx

    graph = networkx.Graph()
    graph.add_nodes_from(network.nodes)
    for (a, b), w in simple_edges(network).items():
        graph.add_edge(a, b, weight=w)
    betweenness = networkx.betweenness_centrality(graph, normalized=True)
    found = networkx.community.louvain_communities(graph, weight="weight", seed=LEIDEN_SEED)
    return {
        "degree": dict(graph.degree()),
        "betweenness": betweenness,
        "communities": [set(c) for c in found if len(c) > 1 or graph.degree(next(iter(c)))],
        "modularity": networkx.community.modularity(graph, found, weight="weight"),
        "bridges": {tuple(sorted(edge)) for edge in networkx.bridges(graph)},
        "isolated": set(networkx.isolates(graph)),
    }


# The task's side: read the scope, compute, store.


def network_input(*, project, territory=None) -> NetworkInput:
    """Every current actor of the scope (published or not: the analysis is the team's) and the
    links between them."""
    from territoires.diagnostic.models import Entry, Link

    actors = Entry.objects.current().filter(project=project, kind=Entry.Kind.ACTOR)
    links = Link.objects.filter(project=project, source__merged_into__isnull=True, target__merged_into__isnull=True)
    if territory is not None:
        actors = actors.filter(territory=territory)
        links = links.filter(source__territory=territory, target__territory=territory)
    rows = list(actors.order_by("pk").values_list("pk", "family_id"))
    return NetworkInput(
        nodes=[pk for pk, _family in rows],
        families=dict(rows),
        links=list(links.order_by().values_list("source_id", "target_id", "intensity")),
    )


def analysis_run(*, analysis_id: int):
    """Computes a queued analysis: progress stored as it goes, failure stored with a message."""
    from territoires.diagnostic.models import NetworkAnalysis
    from territoires.diagnostic.network_services import links_derive_from_engagements

    analysis = NetworkAnalysis.objects.select_related("project", "territory").filter(pk=analysis_id).first()
    if analysis is None or not analysis.is_pending:
        return analysis

    def mark(**fields):
        # update(), not save(): leaves the public page cache alone and never overwrites the row.
        NetworkAnalysis.objects.filter(pk=analysis_id).update(**fields)

    mark(status=NetworkAnalysis.Status.RUNNING, progress=1, error="")
    started = time.perf_counter()
    try:
        links_derive_from_engagements(project=analysis.project)
        network = network_input(project=analysis.project, territory=analysis.territory)
        mark(progress=10, node_count=len(network.nodes), link_count=len(network.links))
        results = compute(network, progress=lambda percent: mark(progress=percent))
    except Exception:
        logger.exception("Network analysis %s failed", analysis_id)
        mark(
            status=NetworkAnalysis.Status.FAILED,
            error=_("Une erreur inattendue a interrompu le calcul. Relancez-le ; si l'échec se répète, signalez-le."),
            finished_at=timezone.now(),
        )
    else:
        mark(
            status=NetworkAnalysis.Status.DONE,
            progress=100,
            results=results,
            duration_ms=math.ceil((time.perf_counter() - started) * 1000),
            finished_at=timezone.now(),
        )
    # The network page, cached per member while nothing changed, shows the outcome at once.
    transaction.on_commit(bump_content_version)
    analysis.refresh_from_db()
    return analysis
