"""Cooperation network benchmarks (issue 13): 5,000 actors and 20,000 links in one territory (Niort,
in the reference project), created inside run() and kept in the bench database (idempotent).

Records:
- diagnostic.network.metrics_task_s: the analysis as the background task runs it
  (network_metrics.analysis_run: derive the links of objects, read actors and links, compute degree,
  betweenness, Leiden communities, bridges and brokers, store the results). Target ≤ 5 s; the limit
  beside it is networkx's time for the same metrics on the same graph.
- diagnostic.network.metrics_vs_networkx: the computation alone (network_metrics.compute, graph in
  memory) against networkx's own (network_metrics.networkx_reference: degree, exact betweenness,
  Louvain, bridges, isolated actors) on the same graph, measured in the same run. Target
  ≤ 0.2 × networkx's time, so `ratio` ≤ 0.2. networkx's exact betweenness takes minutes here:
  this record is the slow part of the group.
- diagnostic.network.page.p95_ms / .json.p95_ms: the network page (filters, counts, first page of
  the links table) and its JSON (the whole network: 5,000+ actors, 20,000+ links) for the Niort
  referent, logged in, under 20 clients; target ≤ 100 ms; limit: the bare view's p95 (bench/pages.py).
- diagnostic.network.page.rps / .json.rps: their throughput, informational.
"""

import random
import time

from bench.pages import Page, _best, measure
from bench.results import make_result

ACTORS = 5000
LINKS = 20000
TOWN = "Niort"
SOURCE = "Banc d'essai du réseau (données générées)"
P95_TARGET_MS = 100.0
TASK_TARGET_S = 5.0
NETWORKX_RATIO_TARGET = 0.2
NAMES = [
    "diagnostic.network.metrics_task_s",
    "diagnostic.network.metrics_vs_networkx",
    "diagnostic.network.page.p95_ms",
    "diagnostic.network.page.rps",
    "diagnostic.network.json.p95_ms",
    "diagnostic.network.json.rps",
]


def scale_network(log):
    """5,000 generated actors of the reference project's Niort and 20,000 links between them
    (a seeded random graph with some preference for popular actors, as real networks have)."""
    from django.db import transaction

    from bench.pages import REFERENCE_TITLE
    from territoires.diagnostic import services
    from territoires.diagnostic.models import Entry, Link
    from territoires.projects.models import Participation, SharedProject

    project = SharedProject.objects.get(title=REFERENCE_TITLE)
    territory = Participation.objects.get(project=project, organisation__name=TOWN)
    families = services.families_for(project=project)
    actors = Entry.objects.filter(territory=territory, source=SOURCE)
    started = time.perf_counter()
    with transaction.atomic():
        missing = ACTORS - actors.count()
        if missing > 0:
            rng = random.Random(5000)  # noqa: S311  (generated data, not a secret)
            Entry.objects.bulk_create(
                [
                    Entry(
                        kind=Entry.Kind.ACTOR,
                        territory=territory,
                        project=project,
                        name=f"Acteur généré {ACTORS - missing + i + 1:05d}",
                        family=rng.choice(families),
                        status=Entry.Status.PUBLISHED,
                        is_synthetic=True,
                        source=SOURCE,
                        source_year=2026,
                        neighbourhood=rng.choice(["Centre-ville", "Clou-Bouchet", "Tour-Chabot", "Saint-Florent"]),
                    )  # fmt: skip
                    for i in range(missing)
                ],
                batch_size=1000,
            )
        ids = list(actors.order_by("pk").values_list("pk", flat=True))
        links = Link.objects.filter(source__source=SOURCE)
        missing_links = LINKS - links.count()
        if missing_links > 0:
            rng = random.Random(20000)  # noqa: S311
            known = set(links.values_list("source_id", "target_id", "kind"))
            kinds = [code for code, _label in Link.Kind.choices]
            new = []
            while len(new) < missing_links:
                # Half the ends among the first tenth of actors: hubs, as in real networks.
                a = rng.choice(ids[: len(ids) // 10]) if rng.random() < 0.5 else rng.choice(ids)
                b = rng.choice(ids)
                kind = rng.choice(kinds)
                if a == b or (a, b, kind) in known:
                    continue
                known.add((a, b, kind))
                new.append(
                    Link(
                        project=project,
                        territory=territory,
                        source_id=a,
                        target_id=b,
                        kind=kind,
                        direction=rng.choice(["mutual", "directed"]),
                        intensity=rng.randint(1, 3),
                        provenance="declared",
                        is_synthetic=True,
                    )  # fmt: skip
                )
            Link.objects.bulk_create(new, batch_size=2000)
    log(f"  scale_network: {time.perf_counter() - started:.1f} s, {len(ids)} generated actors, {LINKS} generated links")
    from territoires.core.cache import bump_content_version

    bump_content_version()
    return project, territory


def measure_metrics(project, log) -> tuple[float, float, float]:
    """(task seconds, compute seconds, networkx seconds) on the project's whole network."""
    from territoires.diagnostic.models import NetworkAnalysis
    from territoires.diagnostic.network_metrics import analysis_run, compute, network_input, networkx_reference

    analysis = NetworkAnalysis.objects.create(project=project)
    started = time.perf_counter()
    analysis = analysis_run(analysis_id=analysis.pk)
    task_s = time.perf_counter() - started
    if analysis.status != NetworkAnalysis.Status.DONE:
        raise RuntimeError(f"network analysis failed: {analysis.error}")
    log(f"  analysis task: {task_s:.2f} s on {analysis.node_count} actors, {analysis.link_count} links")
    network = network_input(project=project)
    started = time.perf_counter()
    compute(network)
    compute_s = time.perf_counter() - started
    log(f"  compute (rustworkx + Leiden): {compute_s:.2f} s; networkx, same metrics (minutes)…")
    started = time.perf_counter()
    networkx_reference(network)
    networkx_s = time.perf_counter() - started
    log(f"  networkx: {networkx_s:.1f} s")
    return task_s, compute_s, networkx_s


def run(env, selected: set[str], options, log) -> list[dict]:
    if not set(NAMES) & selected:
        return []
    from django.db import connections

    project, _territory = scale_network(log)
    records = []
    metric_names = {"diagnostic.network.metrics_task_s", "diagnostic.network.metrics_vs_networkx"}
    if metric_names & selected:
        task_s, compute_s, networkx_s = measure_metrics(project, log)
        records += [
            make_result(
                name="diagnostic.network.metrics_task_s", value=task_s, unit="s", target=TASK_TARGET_S,
                better="lower", limit_name="networkx, same metrics (s)", limit_value=networkx_s,
            ),
            make_result(
                name="diagnostic.network.metrics_vs_networkx", value=compute_s, unit="s",
                target=NETWORKX_RATIO_TARGET * networkx_s, better="lower",
                limit_name="networkx, same metrics (s)", limit_value=networkx_s,
            ),
        ]  # fmt: skip
    pages = [
        Page("network_page", f"/annuaire/projet/{project.slug}/reseau/", logged_in=True, rps_target=False),
        Page("network_json", f"/annuaire/projet/{project.slug}/reseau/donnees.json", logged_in=True, rps_target=False),
    ]
    keys = {"network_page": "page", "network_json": "json"}
    pages = [page for page in pages if {f"diagnostic.network.{keys[page.key]}.p95_ms"} & selected or
             {f"diagnostic.network.{keys[page.key]}.rps"} & selected]  # fmt: skip
    connections.close_all()
    if pages:
        measured = measure(env, pages, options, log)
        limit = _best(measured["bare"])
        for page in pages:
            best = _best(measured[page.key])
            name = f"diagnostic.network.{keys[page.key]}"
            records += [
                make_result(
                    name=f"{name}.p95_ms", value=best.p95_ms, unit="ms", target=P95_TARGET_MS, better="lower",
                    limit_name="bare view p95 (ms)", limit_value=limit.p95_ms,
                ),
                make_result(
                    name=f"{name}.rps", value=best.rps, unit="req/s", target=None, better="higher",
                    limit_name="bare view rps", limit_value=limit.rps,
                ),
            ]  # fmt: skip
    return [record for record in records if record["name"] in selected]
