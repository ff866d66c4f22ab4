"""View and download counts without a database write per request, where the cache allows it.

With an in-memory cache (Redis in production, locmem), each hit increments a cache counter; every
FLUSH_EVERY hits, one UPDATE … SET n = n + FLUSH_EVERY (an F() expression, so concurrent flushes add
up) moves them into the row. A page shows the stored count plus what is still pending in the cache.
At most FLUSH_EVERY - 1 hits per resource are lost if the cache is emptied, which a view count can
afford.

With the file cache of the embedded setup, an increment is a locked read and write of a file: measured
at ~1.5 ms per hit against ~0.9 ms for one F() UPDATE on SQLite (WAL), so there each hit is one F()
UPDATE instead.
"""

from django.core.cache import cache, caches
from django.core.cache.backends.filebased import FileBasedCache
from django.db.models import F

FLUSH_EVERY = 20


def counts_in_cache() -> bool:
    return not isinstance(caches["default"], FileBasedCache)


def _key(kind: str, model_label: str, pk: int) -> str:
    return f"library:count:{kind}:{model_label}:{pk}"


def record_hit(model, pk: int, field: str) -> None:
    if not counts_in_cache():
        model.objects.filter(pk=pk).update(**{field: F(field) + 1})
        return
    key = _key(field, model._meta.label, pk)
    cache.add(key, 0, timeout=None)
    try:
        hits = cache.incr(key)
    except ValueError:  # evicted between add and incr
        cache.set(key, 1, timeout=None)
        hits = 1
    if hits >= FLUSH_EVERY:
        cache.decr(key, FLUSH_EVERY)
        model.objects.filter(pk=pk).update(**{field: F(field) + FLUSH_EVERY})


def pending_hits(model, pks, field: str) -> dict:
    keys = {_key(field, model._meta.label, pk): pk for pk in pks}
    return {keys[key]: value for key, value in cache.get_many(list(keys)).items()}


def flush_all(model, pks, field: str) -> None:
    """Move every pending hit into the rows (tests, the daily command)."""
    for pk, hits in pending_hits(model, pks, field).items():
        if hits:
            cache.decr(_key(field, model._meta.label, pk), hits)
            model.objects.filter(pk=pk).update(**{field: F(field) + hits})
