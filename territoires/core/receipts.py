"""Receipt codes: what a resident keeps to read, later, what became of their words.

Every kind of resident contribution (a survey answer, a written expression, an idea, a workshop
vote) gets one of these codes. Each module that stores contributions registers a `ReceiptSource`;
the feedback pages ("ce que nous avons fait de votre parole") ask every source in turn, so they
never import the modules themselves.
"""

import secrets
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

RECEIPT_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
RECEIPT_LENGTH = 10


def new_receipt_code() -> str:
    # 10 characters without look-alikes (0/O, 1/I/L): easy to copy from a phone or a paper slip.
    # One uniform draw below 31^10 written in base 31: the same codes as ten secrets.choice() calls,
    # with one read of the system's random source instead of ten (every answer gets a code).
    number = secrets.randbelow(len(RECEIPT_ALPHABET) ** RECEIPT_LENGTH)
    digits = []
    for _position in range(RECEIPT_LENGTH):
        number, digit = divmod(number, len(RECEIPT_ALPHABET))
        digits.append(RECEIPT_ALPHABET[digit])
    return "".join(digits)


def receipt_code_normalise(code: str | None) -> str | None:
    """The code as stored, from what a person typed ("abcd-efgh 23" → "ABCDEFGH23"); None if it
    cannot be one (so that no query is made for obvious garbage)."""
    code = (code or "").strip().upper().replace(" ", "").replace("-", "")
    if not 6 <= len(code) <= 12 or not code.isalnum():
        return None
    return code


@dataclass(frozen=True)
class ReceiptSource:
    """One module's contributions that carry a receipt code.

    `lookup` takes a normalised code and returns the module's contribution object (or None).
    """

    key: str
    label: str
    lookup: Callable[[str], Any | None]
    order: int = 100


_receipt_sources: dict[str, ReceiptSource] = {}


def register_receipt_source(source: ReceiptSource) -> None:
    _receipt_sources[source.key] = source


def receipt_sources() -> list[ReceiptSource]:
    return sorted(_receipt_sources.values(), key=lambda s: s.order)


def receipt_find(code: str | None) -> tuple[ReceiptSource, Any] | None:
    """The contribution a code belongs to, whichever module stored it; None for an unknown code."""
    code = receipt_code_normalise(code)
    if code is None:
        return None
    for source in receipt_sources():
        found = source.lookup(code)
        if found is not None:
            return source, found
    return None
