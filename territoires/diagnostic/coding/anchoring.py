"""Keeping codings on their words when a transcript is edited.

A coding is a passage [start, end) of a transcript version and the words it covered (`quote`).
When the text changes, `codings_reanchor(transcript, previous_text)` follows each passage:

1. the two texts are compared (lines and sentences first, then the characters of those that
   changed), which tells where each unchanged character of the old text now is;
2. a passage whose first character is still there, followed by the same words, keeps its words:
   its offsets are moved with the text around it;
3. otherwise its words are searched in the new text, nearest to where the passage would now be,
   among the occurrences that are not the unchanged image of another place of the old text (a
   quote repeated elsewhere in the interview is that other place's, never this passage's): a
   passage cut and pasted further down is found there;
4. a passage whose words are nowhere to be found (edited inside, or deleted) is flagged
   `is_stale`, with its offsets and version left as they were: a person decides, nothing is shifted.

Codings already flagged stay flagged: their offsets belong to an older version than the previous
text, so they cannot be followed from it.
"""

import bisect
import difflib
import re
from dataclasses import dataclass

# Above this many characters, a changed block of paragraphs is not compared character by character
# (the comparison is quadratic in the worst case); its passages are then searched by their words.
CHARACTER_DIFF_LIMIT = 20_000


@dataclass(frozen=True)
class Reanchoring:
    kept: int = 0
    moved: int = 0
    stale: int = 0

    @property
    def total(self) -> int:
        return self.kept + self.moved + self.stale


class TextMap:
    """Where each unchanged character of `old` is in `new`, and back."""

    def __init__(self, old: str, new: str):
        self.old, self.new = old, new
        segments = []  # (old_start, new_start, length) of the unchanged runs, in order
        old_lines, new_lines = _units(old), _units(new)
        old_at = _line_starts(old_lines)
        new_at = _line_starts(new_lines)
        matcher = difflib.SequenceMatcher(None, old_lines, new_lines, autojunk=False)
        for tag, i1, i2, j1, j2 in matcher.get_opcodes():
            o1, o2, n1, n2 = old_at[i1], old_at[i2], new_at[j1], new_at[j2]
            if tag == "equal":
                segments.append((o1, n1, o2 - o1))
            elif tag == "replace" and (o2 - o1) + (n2 - n1) <= CHARACTER_DIFF_LIMIT:
                inner = difflib.SequenceMatcher(None, old[o1:o2], new[n1:n2], autojunk=False)
                for a, b, size in inner.get_matching_blocks():
                    if size:
                        segments.append((o1 + a, n1 + b, size))
        self.segments = segments
        self._old_starts = [s[0] for s in segments]
        self._by_new = sorted(segments, key=lambda s: s[1])
        self._new_starts = [s[1] for s in self._by_new]

    def to_new(self, position: int) -> int | None:
        """The new position of the old character at `position`, None when it was changed or removed."""
        index = bisect.bisect_right(self._old_starts, position) - 1
        if index >= 0:
            old_start, new_start, length = self.segments[index]
            if position < old_start + length:
                return new_start + position - old_start
        return None

    def estimate(self, position: int) -> int:
        """Where an old position about lies in the new text, changed or not: after the unchanged run
        that precedes it."""
        exact = self.to_new(position)
        if exact is not None:
            return exact
        index = bisect.bisect_right(self._old_starts, position) - 1
        if index < 0:
            return min(position, len(self.new))
        old_start, new_start, length = self.segments[index]
        return min(new_start + length + (position - old_start - length), len(self.new))

    def to_old(self, position: int) -> int | None:
        index = bisect.bisect_right(self._new_starts, position) - 1
        if index >= 0:
            old_start, new_start, length = self._by_new[index]
            if position < new_start + length:
                return old_start + position - new_start
        return None

    def unchanged_image(self, position: int, quote: str) -> bool:
        """True when `quote` at new `position` is the same words, unmoved, as at some old place."""
        old_position = self.to_old(position)
        return old_position is not None and self.old[old_position : old_position + len(quote)] == quote


# A unit of comparison ends after a line break, or after a sentence's end followed by a space: a
# transcript typed as one long paragraph is still compared sentence by sentence.
UNIT_END = re.compile(r"\n|(?<=[.!?…])[ \t]+")


def _units(text: str) -> list[str]:
    units, at = [], 0
    for match in UNIT_END.finditer(text):
        units.append(text[at : match.end()])
        at = match.end()
    if at < len(text):
        units.append(text[at:])
    return units


def _line_starts(lines: list[str]) -> list[int]:
    starts, at = [0], 0
    for line in lines:
        at += len(line)
        starts.append(at)
    return starts


def _occurrences(text: str, quote: str) -> list[int]:
    found, at = [], text.find(quote)
    while at != -1:
        found.append(at)
        at = text.find(quote, at + 1)
    return found


def passage_follow(text_map: TextMap, start: int, end: int, quote: str) -> int | None:
    """The new start of the passage [start, end) that covered `quote`, or None when its words are gone."""
    if not quote:
        return None
    new = text_map.new
    if text_map.old[start:end] != quote:
        # Offsets that do not hold their words in the previous text (an older import, a bug): the
        # passage is taken to be the nearest occurrence of its words there, if any.
        start = min(_occurrences(text_map.old, quote), key=lambda at: (abs(at - start), at), default=None)
        if start is None:
            candidates = [at for at in _occurrences(new, quote) if not text_map.unchanged_image(at, quote)]
            return candidates[0] if len(candidates) == 1 else None
    moved = text_map.to_new(start)
    if moved is not None and new[moved : moved + len(quote)] == quote:
        return moved
    estimate = text_map.estimate(start)
    candidates = [at for at in _occurrences(new, quote) if not text_map.unchanged_image(at, quote)]
    if not candidates:
        return None
    return min(candidates, key=lambda at: (abs(at - estimate), at))


def codings_reanchor(transcript, previous_text: str) -> Reanchoring:
    """Follow the codings of `transcript` (whose `text` and `version` are the new ones, saved) from
    `previous_text`. Found passages get their new offsets and the new version; lost ones are flagged.
    Called inside the transaction that saved the transcript (interviews/services.py)."""
    from territoires.diagnostic.coding.models import Coding

    codings = list(Coding.objects.filter(transcript=transcript, is_stale=False).order_by("pk"))
    if not codings:
        return Reanchoring()
    text_map = TextMap(previous_text, transcript.text)
    kept = moved = stale = 0
    for coding in codings:
        start = passage_follow(text_map, coding.start, coding.end, coding.quote)
        if start is None:
            coding.is_stale = True
            stale += 1
            continue
        if start == coding.start:
            kept += 1
        else:
            moved += 1
        coding.start, coding.end = start, start + len(coding.quote)
        coding.transcript_version = transcript.version
    Coding.objects.bulk_update(codings, ["start", "end", "transcript_version", "is_stale"], batch_size=500)
    return Reanchoring(kept=kept, moved=moved, stale=stale)
