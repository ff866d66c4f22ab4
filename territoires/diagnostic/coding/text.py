"""A text with its codings, as HTML: the text cut at every boundary of a passage, each piece a
span that says where it starts (the script turns a mouse selection into offsets with it), the
coded pieces highlighted in their code's colour, and — so that colour is never the only sign — a
bracket at each passage's start and end naming its number and code, read by screen readers too.

Built in Python rather than in a template loop: a transcript with 200 codings is ~800 pieces.
"""

from html import escape  # the standard library's: no lazy-string wrapper, ~1,700 calls a page

from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _


def coded_text_html(text: str, codings, numbers: dict[int, int]) -> str:
    """`codings`: Coding objects with `code` loaded; `numbers`: {coding id: number shown}."""
    boundaries = {0, len(text)}
    opening: dict[int, list] = {}
    closing: dict[int, list] = {}
    for coding in codings:
        start, end = min(coding.start, len(text)), min(coding.end, len(text))
        if end <= start:
            continue
        boundaries.update((start, end))
        opening.setdefault(start, []).append(coding)
        closing.setdefault(end, []).append(coding)
    points = sorted(boundaries)
    parts = []
    active: dict[int, object] = {}
    start_label, end_label = _("début"), _("fin")
    for index, position in enumerate(points):
        for coding in closing.get(position, ()):
            active.pop(coding.pk, None)
            parts.append(
                f'<span class="coding-tag coding-tag--end" data-at="{position}">'
                f'<span class="fr-sr-only">{end_label} </span>{numbers.get(coding.pk, "")}]</span>'
            )
        for coding in opening.get(position, ()):
            active[coding.pk] = coding
            parts.append(
                f'<span class="coding-tag" data-at="{position}" style="border-color:{coding.code.colour}">'
                f'[{numbers.get(coding.pk, "")}<span class="fr-sr-only"> {start_label}</span> '
                f"{escape(coding.code.name)}</span>"
            )
        if index + 1 == len(points):
            break
        piece = escape(text[position : points[index + 1]])
        if active:
            last = next(reversed(active.values()))
            ids = " ".join(str(pk) for pk in active)
            depth = min(len(active), 3)
            parts.append(
                f'<mark class="coding-seg coding-seg--{depth}" data-start="{position}" data-codings="{ids}" '
                f'style="--coding-colour:{last.code.colour}">{piece}</mark>'
            )
        else:
            parts.append(f'<span class="coding-seg" data-start="{position}">{piece}</span>')
    return mark_safe("".join(parts))  # noqa: S308 — every piece of text and every name is escaped above
