"""The territory's pseudonymisation list applied to a quote read outside the transcript circle
(minimal version written on the `coding` branch; the `interviews` branch owns this file).

A name is replaced wherever it appears as a whole word, whatever its case, the longest names first
(so that "Marie Dupont" is replaced before "Marie").
"""

import re

from territoires.diagnostic.interviews.models import Pseudonym


def _pattern(territory):
    # Kept on the territory object for the request: a page of excerpts of one territory reads its
    # list once.
    cached = getattr(territory, "_pseudonym_pattern", None)
    if cached is None:
        pairs = sorted(
            Pseudonym.objects.filter(territory_id=territory.pk).values_list("name", "replacement"),
            key=lambda pair: -len(pair[0]),
        )
        if pairs:
            alternatives = "|".join(re.escape(name) for name, _replacement in pairs if name.strip())
            regex = re.compile(rf"(?<!\w)(?:{alternatives})(?!\w)", re.IGNORECASE) if alternatives else None
        else:
            regex = None
        cached = (regex, {name.casefold(): replacement for name, replacement in pairs})
        territory._pseudonym_pattern = cached
    return cached


def quote_pseudonymise(text: str, territory) -> str:
    regex, replacements = _pattern(territory)
    if regex is None or not text:
        return text
    return regex.sub(lambda match: replacements.get(match.group(0).casefold(), match.group(0)), text)
