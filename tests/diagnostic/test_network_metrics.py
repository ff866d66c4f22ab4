"""The network's metrics (rustworkx and Leiden) against networkx on small graphs: the same degree,
betweenness, bridges and isolated actors; communities as good as networkx's Louvain, and the same
ones where the structure is plain. No database: the functions take plain lists."""

import random

import networkx
import pytest

from territoires.diagnostic.network_metrics import NetworkInput, compute, networkx_reference


def random_network(seed: int, nodes: int, links: int, families: int = 3) -> NetworkInput:
    rng = random.Random(seed)
    ids = [100 + 7 * i for i in range(nodes)]  # entry ids, not 0..n-1
    pairs = [(rng.choice(ids), rng.choice(ids), rng.randint(1, 3)) for _ in range(links)]
    return NetworkInput(nodes=ids, families={pk: rng.randint(1, families) for pk in ids}, links=pairs)


@pytest.mark.parametrize("seed", range(8))
def test_degree_betweenness_bridges_and_isolated_match_networkx(seed):
    network = random_network(seed, nodes=40, links=55)
    ours = compute(network)
    reference = networkx_reference(network)
    for pk in network.nodes:
        degree, _weighted, betweenness, _community = ours["nodes"][str(pk)]
        assert degree == reference["degree"][pk]
        assert betweenness == pytest.approx(reference["betweenness"][pk], abs=1e-6)
    assert set(ours["isolated"]) == reference["isolated"]
    cross_family = {(a, b) for a, b in reference["bridges"] if network.families[a] != network.families[b]}
    assert {tuple(pair) for pair in ours["bridge_links"]} == cross_family


@pytest.mark.parametrize("seed", range(6))
def test_communities_are_as_good_as_networkx_louvain(seed):
    network = random_network(seed, nodes=60, links=120)
    ours = compute(network)
    reference = networkx_reference(network)
    graph = networkx.Graph()
    graph.add_nodes_from(network.nodes)
    for a, b, w in network.links:
        if a != b:
            weight = graph[a][b]["weight"] + w if graph.has_edge(a, b) else w
            graph.add_edge(a, b, weight=weight)
    groups: dict[int, set] = {}
    for pk, values in ours["nodes"].items():
        groups.setdefault(values[3] if values[3] is not None else f"alone-{pk}", set()).add(int(pk))
    modularity = networkx.community.modularity(graph, list(groups.values()), weight="weight")
    # The modularity we report is the one networkx computes for our partition…
    assert ours["summary"]["modularity"] == pytest.approx(modularity, abs=1e-3)
    # …and it is no worse than Louvain's (Leiden refines Louvain's communities).
    assert modularity >= reference["modularity"] - 0.02


def test_plain_communities_are_found_exactly():
    """Three groups of six actors, each group fully linked, joined by one link each: networkx and
    Leiden find the same three groups; the joining links are bridges between families."""
    groups = [list(range(g * 10, g * 10 + 6)) for g in range(3)]
    links = [(a, b, 2) for group in groups for i, a in enumerate(group) for b in group[i + 1 :]]
    links += [(0, 10, 1), (10, 20, 1)]
    nodes = [pk for group in groups for pk in group] + [99]
    families = {pk: g + 1 for g, group in enumerate(groups) for pk in group} | {99: None}
    network = NetworkInput(nodes=nodes, families=families, links=links)
    ours = compute(network)
    reference = networkx_reference(network)
    found: dict[int, set] = {}
    for pk, values in ours["nodes"].items():
        if values[3] is not None:
            found.setdefault(values[3], set()).add(int(pk))
    assert sorted(map(sorted, found.values())) == sorted(map(sorted, reference["communities"]))
    assert ours["isolated"] == [99]
    assert sorted(map(tuple, ours["bridge_links"])) == [(0, 10), (10, 20)]
    # Actor 10 links both other families: the first broker.
    assert ours["brokers"][0][:2] == [10, [1, 3]]
    assert ours["summary"]["communities"] == 3


def test_parallel_links_make_one_weighted_edge_and_self_or_outside_links_are_ignored():
    network = NetworkInput(
        nodes=[1, 2, 3],
        families={1: 1, 2: 1, 3: 2},
        links=[(1, 2, 1), (2, 1, 3), (1, 1, 2), (1, 77, 1)],
    )
    ours = compute(network)
    assert ours["nodes"]["1"][:2] == [1, 4]
    assert ours["summary"]["edges"] == 1
    assert ours["isolated"] == [3]


def test_an_empty_network_has_empty_metrics():
    ours = compute(NetworkInput(nodes=[], families={}, links=[]))
    assert ours["summary"]["nodes"] == 0 and ours["nodes"] == {} and ours["brokers"] == []
