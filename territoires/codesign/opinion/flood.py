"""A flood guard for the public voting page: a client (a keyed hash of its address, never the
address) may send so many votes and statements per window, counted in the shared cache so that
every worker sees the same count. A workshop on one public Wi-Fi (30 people × 60 statements) stays
under the vote allowance; a script creating participants by the thousand does not."""

import time

from django.core.cache import cache

from territoires.core.clients import client_address_hash

WINDOW_SECONDS = 600
ALLOWANCE = {"vote": 3000, "statement": 20}


def _key(request, kind: str) -> str:
    window = int(time.time() // WINDOW_SECONDS)
    return f"codesign:opinion-flood:{kind}:{client_address_hash(request)}:{window}"


def flood_exceeded(request, kind: str) -> bool:
    return (cache.get(_key(request, kind)) or 0) >= ALLOWANCE[kind]


def flood_count(request, kind: str) -> None:
    key = _key(request, kind)
    if cache.add(key, 1, timeout=WINDOW_SECONDS * 2):
        return
    try:
        cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.add(key, 1, timeout=WINDOW_SECONDS * 2)
