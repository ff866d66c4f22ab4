"""A flood guard for the public expression page: a client (a keyed hash of its address, never the
address) may send EXPRESSIONS_PER_WINDOW texts per window, counted in the shared cache so that
every worker sees the same count. A workshop on one public Wi-Fi sends a few texts in ten minutes,
a script sends hundreds: the window is generous for the first and closes on the second."""

import time

from django.core.cache import cache

from territoires.core.clients import client_address_hash

EXPRESSIONS_PER_WINDOW = 10
WINDOW_SECONDS = 600


def _key(request) -> str:
    window = int(time.time() // WINDOW_SECONDS)
    return f"diagnostic:expression-flood:{client_address_hash(request)}:{window}"


def flood_exceeded(request) -> bool:
    """True when this client already sent its allowance in the current window."""
    return (cache.get(_key(request)) or 0) >= EXPRESSIONS_PER_WINDOW


def flood_count(request) -> None:
    """Count one stored text for this client."""
    key = _key(request)
    if cache.add(key, 1, timeout=WINDOW_SECONDS * 2):
        return
    try:
        cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.add(key, 1, timeout=WINDOW_SECONDS * 2)
