"""Duplicates proposed after an import: the same official id first (SIRET, RNA), then a name and an
address close enough (rapidfuzz). Only proposed: a person merges (services.entries_merge) or says
the two entries differ. Candidates are compared within blocks sharing a name word, so that a
territory of thousands of entries is not compared pair by pair."""

from collections import defaultdict
from typing import NamedTuple

from rapidfuzz import fuzz

from territoires.diagnostic.imports.models import DuplicateProposal
from territoires.diagnostic.imports.presets import _normalised
from territoires.diagnostic.models import Entry

# Name and address similarity (0–100) from which a pair is proposed.
THRESHOLD = 85
NAME_ONLY_THRESHOLD = 93
STOP_WORDS = {"de", "du", "des", "la", "le", "les", "et", "d", "l", "a", "au", "aux", "en", "sur", "saint", "sainte"}


class Created(NamedTuple):
    """What the proposals need of an entry an import created."""

    pk: int
    kind: str
    name: str
    address: str
    siret: str
    rna: str


def _words(name: str) -> set[str]:
    return {word for word in _normalised(name).split() if len(word) > 2 and word not in STOP_WORDS}


def similarity(a, b) -> int:
    name = fuzz.token_sort_ratio(_normalised(a.name), _normalised(b.name))
    if a.address and b.address:
        address = fuzz.token_set_ratio(_normalised(a.address), _normalised(b.address))
        return round(0.6 * name + 0.4 * address)
    return round(name) if name >= NAME_ONLY_THRESHOLD else 0


def propose_duplicates(*, job, territory, created: list[Created]) -> int:
    """Proposals between the entries an import created and the territory's other current entries."""
    if not created:
        return 0
    created_ids = {entry.pk for entry in created}
    others = [
        entry
        for entry in Entry.objects.current()
        .filter(territory=territory, kind__in={entry.kind for entry in created})
        .only("pk", "kind", "name", "address", "siret", "rna")
        if entry.pk not in created_ids
    ]
    if not others:
        return 0
    by_siret, by_rna, by_word = {}, {}, defaultdict(list)
    for entry in others:
        if entry.siret:
            by_siret.setdefault(entry.siret, entry)
        if entry.rna:
            by_rna.setdefault(entry.rna, entry)
        for word in _words(entry.name):
            by_word[(entry.kind, word)].append(entry)
    proposals = []
    for entry in created:
        same_id = by_siret.get(entry.siret) if entry.siret else None
        same_id = same_id or (by_rna.get(entry.rna) if entry.rna else None)
        if same_id is not None and same_id.kind == entry.kind:
            proposals.append(
                DuplicateProposal(job=job, territory=territory, existing=same_id, imported_id=entry.pk,
                                  reason=DuplicateProposal.Reason.OFFICIAL_ID, score=100)
            )  # fmt: skip
            continue
        seen, best, best_score = set(), None, 0
        for word in _words(entry.name):
            for other in by_word.get((entry.kind, word), ()):
                if other.pk in seen:
                    continue
                seen.add(other.pk)
                score = similarity(entry, other)
                if score > best_score:
                    best, best_score = other, score
        if best is not None and best_score >= THRESHOLD:
            proposals.append(
                DuplicateProposal(job=job, territory=territory, existing=best, imported_id=entry.pk,
                                  reason=DuplicateProposal.Reason.SIMILAR, score=best_score)
            )  # fmt: skip
    DuplicateProposal.objects.bulk_create(proposals, batch_size=500, ignore_conflicts=True)
    return len(proposals)
