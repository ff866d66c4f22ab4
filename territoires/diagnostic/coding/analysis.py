"""Code frequencies (by territory, by participant profile) and the co-occurrence of codes.

Definitions (the benchmark `make bench ONLY=diagnostic.coding` compares them with the same SQL):
- a frequency is the number of codings of a code in a territory (or of a profile): stale codings
  count (their words were coded; their position is what is under review);
      SELECT code_id, territory_id, COUNT(*) FROM diagnostic_coding WHERE project_id = ? GROUP BY 1, 2
- a co-occurrence of codes A ≠ B is a pair of codings, one A and one B, on overlapping passages
  ([start, end) intervals sharing at least one character) of the same source (transcript or
  resident's text); stale codings are left out (their position is unknown). Counted once per pair,
  under (min(A, B), max(A, B)).

Each is computed once per state of the project's coding and kept in the cache, keyed on the
platform's content version (core/cache.py: raised after every committed save or delete of a
diagnostic model, cascades included) and on the project's coding revision (raised after commit by
every service that writes codings in bulk or by queryset, which send no signal: coding/services.py
`coding_revision_bump`). A read is then two or three cache lookups and no query, instead of a
GROUP BY over every coding; the tables are small (codes × territories × profiles), so filters by
territory are applied in Python on the cached table.
"""

import time
from collections import defaultdict
from dataclasses import dataclass, field

from django.core.cache import cache
from django.db.models import Count

from territoires.core.cache import content_version
from territoires.diagnostic.coding.models import Coding

CACHE_SECONDS = 24 * 3600


def revision_key(project_id: int) -> str:
    return f"diagnostic.coding.revision:{project_id}"


def _state(project_id: int) -> str:
    """No query: the platform's content version and the project's coding revision, from the cache."""
    revision = cache.get(revision_key(project_id))
    if revision is None:
        revision = str(time.time_ns())
        cache.add(revision_key(project_id), revision, timeout=None)
        revision = cache.get(revision_key(project_id), revision)
    return f"{content_version()}.{revision}"


def _cached(project_id: int, name: str, compute):
    key = f"diagnostic.coding.{name}:{project_id}:{_state(project_id)}"
    value = cache.get(key)
    if value is None:
        value = compute()
        cache.set(key, value, CACHE_SECONDS)
    return value


def _base_counts(project_id: int) -> dict[tuple[int, int, str], int]:
    """{(code, territory, profile): codings}: one GROUP BY, kept in the cache."""

    def compute():
        rows = (
            Coding.objects.filter(project_id=project_id)
            .order_by()
            .values_list("code_id", "territory_id", "profile")
            .annotate(n=Count("id"))
        )
        return {(code, territory, profile): n for code, territory, profile, n in rows}

    return _cached(project_id, "counts", compute)


@dataclass
class FrequencyTable:
    """counts[(code id, column)] with column a territory (Participation) id or a profile value
    ("" when the speaker was not said)."""

    by: str
    columns: list
    counts: dict = field(default_factory=dict)

    def count(self, code_id, column) -> int:
        return self.counts.get((code_id, column), 0)

    def code_total(self, code_id) -> int:
        return sum(n for (code, _column), n in self.counts.items() if code == code_id)

    def column_total(self, column) -> int:
        return sum(n for (_code, col), n in self.counts.items() if col == column)

    @property
    def total(self) -> int:
        return sum(self.counts.values())


def code_frequencies(project, by: str = "territory", territory_ids=None) -> FrequencyTable:
    if by not in ("territory", "profile"):
        raise ValueError(by)
    project_id = getattr(project, "pk", project)
    wanted = None if territory_ids is None else set(territory_ids)
    counts: dict = defaultdict(int)
    for (code, territory, profile), n in _base_counts(project_id).items():
        if wanted is not None and territory not in wanted:
            continue
        counts[(code, territory if by == "territory" else profile)] += n
    columns = sorted({column for _code, column in counts}, key=lambda c: (c is None, str(c)))
    return FrequencyTable(by=by, columns=columns, counts=dict(counts))


def _pairs_by_territory(project_id: int) -> dict[tuple[int, int, int], int]:
    """{(territory, code a, code b): overlapping pairs}, a < b; one query over the project's
    codings, a sweep over each source's passages sorted by start."""

    def compute():
        rows = (
            Coding.objects.filter(project_id=project_id, is_stale=False)
            .order_by("transcript_id", "expression_id", "start")
            .values_list("transcript_id", "expression_id", "territory_id", "code_id", "start", "end")
        )
        pairs: dict = defaultdict(int)
        source = None
        active: list[tuple[int, int]] = []  # (end, code) of the passages still open
        for transcript_id, expression_id, territory_id, code, start, end in rows.iterator(chunk_size=5000):
            if (transcript_id, expression_id) != source:
                source, active = (transcript_id, expression_id), []
            active = [item for item in active if item[0] > start]
            for _end, other in active:
                if other != code:
                    first, second = (code, other) if code < other else (other, code)
                    pairs[(territory_id, first, second)] += 1
            active.append((end, code))
        return dict(pairs)

    return _cached(project_id, "pairs", compute)


@dataclass
class CooccurrenceTable:
    """pairs[(code a, code b)] with a < b: how many pairs of codings overlap."""

    pairs: dict = field(default_factory=dict)

    def count(self, first, second) -> int:
        if first == second:
            return 0
        return self.pairs.get((first, second) if first < second else (second, first), 0)

    @property
    def code_ids(self) -> set:
        return {code for pair in self.pairs for code in pair}


def code_cooccurrence(project, territory_ids=None) -> CooccurrenceTable:
    project_id = getattr(project, "pk", project)
    wanted = None if territory_ids is None else set(territory_ids)

    def summed():
        # Kept too: up to codes² × territories entries to add up on every read otherwise.
        pairs: dict = defaultdict(int)
        for (territory, first, second), n in _pairs_by_territory(project_id).items():
            if wanted is None or territory in wanted:
                pairs[(first, second)] += n
        return dict(pairs)

    scope = "all" if wanted is None else ",".join(str(pk) for pk in sorted(wanted))
    return CooccurrenceTable(pairs=_cached(project_id, f"pairs-of:{scope}", summed))
