"""Agreement between two coders of one text: Cohen's kappa, per code, over character units.

The unit is the character of the text (as NVivo and QualCoder compute it): for a code, each
character is "coded" or "not coded" by each coder. With n characters, a = characters both coded,
b = coded by the first only, c = by the second only, d = by neither:

    observed agreement  po = (a + d) / n
    chance agreement    pe = p1·p2 + (1 − p1)(1 − p2),  p1 = (a + b) / n, p2 = (a + c) / n
    kappa               κ = (po − pe) / (1 − pe)

Characters are used rather than segments because two coders rarely cut a passage at the same
character: segment matching needs an arbitrary overlap threshold, characters need none and weigh a
long disagreement more than a short one. A code that neither coder (or both, on the whole text)
applied has pe = 1: its kappa is undefined (None, shown "non calculable"), and is left out of the
mean. The counts come from interval arithmetic on the codings, never from a per-character array.
"""

from dataclasses import dataclass


def _union(intervals) -> list[tuple[int, int]]:
    merged: list[list[int]] = []
    for start, end in sorted(intervals):
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    return [(start, end) for start, end in merged]


def _length(intervals) -> int:
    return sum(end - start for start, end in intervals)


def _intersection_length(first, second) -> int:
    total, i, j = 0, 0, 0
    while i < len(first) and j < len(second):
        low, high = max(first[i][0], second[j][0]), min(first[i][1], second[j][1])
        if high > low:
            total += high - low
        if first[i][1] < second[j][1]:
            i += 1
        else:
            j += 1
    return total


@dataclass(frozen=True)
class CodeAgreement:
    code_id: int
    both: int
    first_only: int
    second_only: int
    neither: int
    kappa: float | None

    @property
    def observed(self) -> float:
        total = self.both + self.first_only + self.second_only + self.neither
        return (self.both + self.neither) / total if total else 1.0


def cohen_kappa(length: int, first, second, code_id: int = 0) -> CodeAgreement:
    """Kappa of one code over a text of `length` characters; `first` and `second` are each coder's
    (start, end) passages with that code (overlaps allowed)."""
    first, second = _union(first), _union(second)
    a = _intersection_length(first, second)
    b = _length(first) - a
    c = _length(second) - a
    d = max(length - a - b - c, 0)
    n = a + b + c + d
    if n == 0:
        return CodeAgreement(code_id, a, b, c, d, None)
    p1, p2 = (a + b) / n, (a + c) / n
    po = (a + d) / n
    pe = p1 * p2 + (1 - p1) * (1 - p2)
    kappa = None if pe >= 1 else (po - pe) / (1 - pe)
    return CodeAgreement(code_id, a, b, c, d, kappa)


@dataclass(frozen=True)
class Agreement:
    first_coder_id: int
    second_coder_id: int
    codes: list[CodeAgreement]

    @property
    def mean_kappa(self) -> float | None:
        values = [row.kappa for row in self.codes if row.kappa is not None]
        return sum(values) / len(values) if values else None


def transcript_agreement(text_length: int, codings, first_coder_id: int, second_coder_id: int) -> Agreement:
    """Kappa per code between two coders, over the codes either of them applied to this text.
    `codings`: objects with code_id, coder_id, start, end (stale codings are left out by the caller)."""
    passages: dict[int, tuple[list, list]] = {}
    for coding in codings:
        if coding.coder_id not in (first_coder_id, second_coder_id):
            continue
        pair = passages.setdefault(coding.code_id, ([], []))
        pair[0 if coding.coder_id == first_coder_id else 1].append((coding.start, coding.end))
    rows = [cohen_kappa(text_length, first, second, code_id) for code_id, (first, second) in sorted(passages.items())]
    return Agreement(first_coder_id, second_coder_id, rows)


def coder_pairs(codings) -> list[tuple[int, int]]:
    """Every pair of coders who coded this text (first coder first, by id)."""
    coders = sorted({c.coder_id for c in codings if c.coder_id is not None})
    return [(a, b) for i, a in enumerate(coders) for b in coders[i + 1 :]]
