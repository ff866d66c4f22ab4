"""Every per-process cache of the platform, registered here with the benchmark that justified it,
and one reset for all of them.

A per-process cache keeps, in one worker's memory, something that would otherwise be read or
worked out again on every request: a compiled questionnaire, a deployment looked up a few seconds
ago, the header's HTML, an SQL statement's text. Each was added after `make bench` showed a page
or an endpoint missing its target (the `bench` of its registration names the benchmark: run it with
`make bench ONLY=<bench>`). New code starts without one: Django's cache framework is shared by the
workers and dropped on writes; a per-process cache is neither.

Declaring one is one call, where the cache is defined:

    _memo: dict[tuple, str] = register_process_cache(
        {}, name="core.memo", bench="pages", reason="the header and footer's HTML, ~2 ms a page"
    )

    @process_cached(name="surveys.insert_fields", bench="surveys.submission", reason="…")
    def _insert_fields(): …

`reset_process_caches()` empties them all: the tests' autouse fixture (tests/conftest.py) calls it
before and after each test, so that no test sees what another one left in memory, and no test file
clears a cache by hand. tests/core/test_process_caches.py fails when a module of the platform holds
a module-level dict, set or functools cache that is not registered here (or declared there as
something else than a cache, e.g. a registry filled at start-up).

The platform's other speed shortcuts, and how each is fenced: README, « Raccourcis de performance ».
"""

import functools
import threading
from collections.abc import Callable
from dataclasses import dataclass

from django.core.exceptions import ImproperlyConfigured


@dataclass(frozen=True, slots=True)
class ProcessCache:
    name: str  # "<app>.<what>", e.g. "surveys.schema"
    reason: str  # what it spares, in a few words
    bench: str  # the benchmark that showed the need: `make bench ONLY=<bench>` ("" when none applies)
    holder: object  # the dict, set, thread-local or cached function itself
    clear: Callable[[], None]
    size: Callable[[], int]  # entries held now (in the calling thread for a thread-local)
    # False only for what depends on the deployed code alone and is costly to work out again
    # (the code release: ~15 ms of file scanning); such a cache can never be stale in a process.
    reset: bool = True


_registry: dict[str, ProcessCache] = {}
_registry_lock = threading.Lock()


def _clear_and_size(holder) -> tuple[Callable[[], None], Callable[[], int]]:
    if hasattr(holder, "cache_clear") and hasattr(holder, "cache_info"):  # functools.cache / lru_cache
        return holder.cache_clear, lambda: holder.cache_info().currsize
    if isinstance(holder, threading.local):
        return lambda: vars(holder).clear(), lambda: len(vars(holder))
    if hasattr(holder, "clear") and hasattr(holder, "__len__"):  # dict, OrderedDict, set…
        return holder.clear, lambda: len(holder)
    raise ImproperlyConfigured(
        f"{holder!r}: a per-process cache is a dict, a set, a threading.local or a functools cache"
    )


def register_process_cache(holder, *, name: str, reason: str, bench: str, reset: bool = True):
    """Registers `holder` (a dict, set, threading.local or functools-cached function) and returns it
    unchanged, so that the registration replaces the cache's declaration."""
    if not reason:
        raise ImproperlyConfigured(f"Process cache {name!r}: say why it exists (reason=…)")
    clear, size = _clear_and_size(holder)
    entry = ProcessCache(name, reason, bench, holder, clear, size, reset)
    with _registry_lock:
        known = _registry.get(name)
        if known is not None and known.holder is not holder:
            raise ImproperlyConfigured(f"Two per-process caches are named {name!r}")
        _registry[name] = entry
    return holder


def process_cached(*, name: str, reason: str, bench: str, maxsize: int | None = None, reset: bool = True):
    """`functools.cache` (or `lru_cache(maxsize)`) registered as a per-process cache."""

    def decorate(function):
        cached = functools.lru_cache(maxsize=maxsize)(function)
        return register_process_cache(cached, name=name, reason=reason, bench=bench, reset=reset)

    return decorate


def process_caches() -> list[ProcessCache]:
    """The registered caches, by name (what is imported so far: a module registers on import)."""
    with _registry_lock:
        return sorted(_registry.values(), key=lambda entry: entry.name)


def reset_process_caches() -> None:
    """Empties every registered per-process cache (but those declared `reset=False`), as a restart
    of the worker would."""
    for entry in process_caches():
        if entry.reset:
            entry.clear()
