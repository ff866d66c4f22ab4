"""The territory's pseudonymisation list applied to a quote read outside the circle allowed to read
transcripts (rules.py: `diagnostic.view_transcript`).

Names are replaced as whole words (a hyphenated name is one word), whatever their case and accents ("helene", "HÉLÈNE" and
"Hélène" are one name; "Hélènette" is another word), longest names first ("Marie-Claire Dupont"
before "Marie"), in one pass: a replacement is never itself searched for names.
"""

import re
import unicodedata
from collections.abc import Callable


def _fold(char: str) -> str:
    return unicodedata.normalize("NFD", char)[0].lower()


def _variants() -> dict[str, str]:
    """Each base letter and its accented forms in the Latin alphabets ("e" → "eéèêë…")."""
    table: dict[str, set[str]] = {}
    for code in list(range(0x41, 0x5B)) + list(range(0x61, 0x7B)) + list(range(0xC0, 0x250)):
        char = chr(code)
        if not char.isalpha():
            continue
        base = _fold(char)
        if "a" <= base <= "z":
            table.setdefault(base, {base}).add(char.lower())
    return {base: "".join(sorted(chars)) for base, chars in table.items()}


VARIANTS = _variants()
APOSTROPHES = "'’ʼ"
DASHES = "-‐‑–"


def name_pattern(name: str) -> str:
    """A regular expression matching `name` whatever its case and accents, spaces, apostrophes and dashes."""
    parts = []
    for char in unicodedata.normalize("NFC", " ".join(name.split())):
        if char == " ":
            parts.append(r"\s+")
        elif char in APOSTROPHES:
            parts.append(f"[{APOSTROPHES}]")
        elif char in DASHES:
            parts.append(f"[{re.escape(DASHES)}]")
        elif (base := _fold(char)) in VARIANTS:
            parts.append(f"[{re.escape(VARIANTS[base])}]")
        else:
            parts.append(re.escape(char))
    return "".join(parts)


def pseudonymiser(pairs: list[tuple[str, str]]) -> Callable[[str], str]:
    """A function replacing each name of `pairs` (name, replacement) in a text."""
    pairs = [(" ".join(name.split()), replacement) for name, replacement in pairs if name and name.strip()]
    if not pairs:
        return lambda text: text
    pairs.sort(key=lambda pair: (-len(pair[0]), pair[0]))
    groups = "|".join(f"(?P<n{index}>{name_pattern(name)})" for index, (name, _r) in enumerate(pairs))
    # A hyphenated name is one word: "Marie" is not replaced inside "Marie-Claire".
    dashes = re.escape(DASHES)
    pattern = re.compile(rf"(?<![\w{dashes}])(?:{groups})(?![\w]|[{dashes}]\w)", re.IGNORECASE)
    replacements = {f"n{index}": replacement for index, (_n, replacement) in enumerate(pairs)}

    def apply(text: str) -> str:
        if not text:
            return text
        return pattern.sub(lambda match: replacements[match.lastgroup], unicodedata.normalize("NFC", text))

    return apply


def territory_pseudonymiser(territory) -> Callable[[str], str]:
    """The pseudonymiser of a territory (a Participation or its id), read once: apply it to many quotes."""
    from territoires.diagnostic.interviews.models import Pseudonym

    territory_id = getattr(territory, "pk", territory)
    return pseudonymiser(list(Pseudonym.objects.filter(territory_id=territory_id).values_list("name", "replacement")))


def quote_pseudonymise(text: str, territory) -> str:
    """`text` with the territory's names replaced by their roles (one query; for many quotes of one
    territory, use `territory_pseudonymiser`)."""
    return territory_pseudonymiser(territory)(text)
