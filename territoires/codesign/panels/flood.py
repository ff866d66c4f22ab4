"""A flood guard for the public volunteer form, as for the expression page
(territoires/diagnostic/expression/flood.py): a client (a keyed hash of its address, never the
address) may add VOLUNTEERS_PER_WINDOW volunteers per window, counted in the shared cache. A family
on one connection volunteers a few people; a script sends hundreds."""

import time

from django.core.cache import cache

from territoires.core.clients import client_address_hash

VOLUNTEERS_PER_WINDOW = 30  # a sign-up desk at a public meeting shares one connection
WINDOW_SECONDS = 600


def _key(request) -> str:
    return f"codesign:panel-flood:{client_address_hash(request)}:{int(time.time() // WINDOW_SECONDS)}"


def flood_exceeded(request) -> bool:
    return (cache.get(_key(request)) or 0) >= VOLUNTEERS_PER_WINDOW


def flood_count(request) -> None:
    key = _key(request)
    if cache.add(key, 1, timeout=WINDOW_SECONDS * 2):
        return
    try:
        cache.incr(key)
    except ValueError:
        cache.add(key, 1, timeout=WINDOW_SECONDS * 2)
