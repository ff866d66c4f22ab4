"""Resource base benchmarks, on 20,000 resources (scaled here, idempotent: territoires/library/scale.py).

- library.search.p95_ms: the search selector (ranked match, visibility, facets, facet labels, page of
  documents, highlighted snippets) for one- to three-word French queries, with and without facet
  filters, as a visitor and as a project member. Limit: the bare full-text query alone (SQLite FTS5
  `MATCH … ORDER BY bm25 LIMIT 20`, PostgreSQL `@@ … ORDER BY ts_rank LIMIT 20`) for the same
  queries, timed in the same loop. Target 50 ms.
- library.list.p95_ms: the library page with facets (/ressources/?kind=…) under 20 concurrent
  clients through gunicorn, as a visitor (served from the public page cache once warm, as visitors
  are). library.list_member.p95_ms: the same page for a logged-in referent (never cached: facets and
  visibility computed per request). Limit for both: the bare view /sante/ p95 measured by the same
  server in the same run, as in bench/pages.py. Target 100 ms.
"""

import statistics
import time

from bench.pages import REFERENT_EMAIL, Page, _best, measure
from bench.results import make_result

SEARCH_TARGET_MS = 50.0
LIST_TARGET_MS = 100.0
RESOURCES = 20_000
NAMES = ["library.search.p95_ms", "library.list.p95_ms", "library.list_member.p95_ms"]

QUERIES = [
    "médiathèque",
    "patrimoine",
    "festivals",
    "ateliers jeunesse",
    "lecture publique",
    "droits culturels",
    "radio associative",
    "enquête habitants quartier",
    "jardins partagés seniors",
    "conférence de consensus",
]
FILTERS = [{}, {"kind": "method"}, {"year": "2023"}, {"licence": "etalab-2.0", "kind": "dataset"}]


def _p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(0.95 * (len(ordered) - 1))))]


def _search(options, log) -> list[dict]:
    from django.contrib.auth.models import AnonymousUser

    from territoires.accounts.models import User
    from territoires.search import backends
    from territoires.search.selectors import search_documents
    from territoires.search.text import WORD_RE, query_terms, term_of

    member = User.objects.get(email=REFERENT_EMAIL)
    full, bare = [], []
    rounds = max(2, options.rounds)
    for round_number in range(rounds + 1):  # the first round warms caches up and is not kept
        for query in QUERIES:
            terms = query_terms(query)
            words = [word for word in WORD_RE.findall(query) if term_of(word)]
            for filters in FILTERS:
                for user in (AnonymousUser(), User.objects.get(pk=member.pk)):
                    started = time.perf_counter()
                    backends.bare_match(terms, words)
                    bare_ms = (time.perf_counter() - started) * 1000
                    started = time.perf_counter()
                    outcome = search_documents(user, query, filters)
                    full_ms = (time.perf_counter() - started) * 1000
                    if round_number:
                        bare.append(bare_ms)
                        full.append(full_ms)
                    if outcome.message and not outcome.terms:
                        raise RuntimeError(f"search {query!r}: {outcome.message}")
    log(
        f"  search: {len(full)} searches, p50 {statistics.median(full):.1f} ms, p95 {_p95(full):.1f} ms; "
        f"bare FTS p50 {statistics.median(bare):.1f} ms, p95 {_p95(bare):.1f} ms"
    )
    return [
        make_result(
            name="library.search.p95_ms",
            value=_p95(full),
            unit="ms",
            target=SEARCH_TARGET_MS,
            better="lower",
            limit_name="bare full-text query p95 (ms)",
            limit_value=_p95(bare),
        )
    ]


def _list(env, selected, options, log) -> list[dict]:
    from django.db import connections

    connections.close_all()
    pages = [
        Page("library.list.p95_ms", "/ressources/?kind=method"),
        Page("library.list_member.p95_ms", "/ressources/?licence=etalab-2.0", logged_in=True),
    ]
    measured = measure(env, [page for page in pages if page.key in selected], options, log)
    limit = _best(measured["bare"])
    return [
        make_result(
            name=name,
            value=_best(measured[name]).p95_ms,
            unit="ms",
            target=LIST_TARGET_MS,
            better="lower",
            limit_name="bare view p95 (ms)",
            limit_value=limit.p95_ms,
        )
        for name in measured
        if name != "bare"
    ]


def run(env, selected: set[str], options, log) -> list[dict]:
    from territoires.library.scale import scale_library

    started = time.perf_counter()
    report = scale_library(resources=RESOURCES)
    log(f"  scale_library: {time.perf_counter() - started:.1f} s, created {report.created}, total {report.total}")
    records = []
    if "library.search.p95_ms" in selected:
        records += _search(options, log)
    if selected & {"library.list.p95_ms", "library.list_member.p95_ms"}:
        records += _list(env, selected, options, log)
    return [record for record in records if record["name"] in selected]
