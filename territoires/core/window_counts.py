"""Per-minute counts of a client's requests, shared by every worker, at the cost of one appended byte.

The anonymous endpoints are rate-limited per client and minute (a survey answer, a receipt lookup).
With Redis (production), a count is one INCR. With the default file cache, Django's `incr` is a
read, a pickled temporary file and a rename — the dearest step of a receipt lookup under load
(make bench ONLY=plans.receipt). Here, on the file cache, a count is a file per client and minute
to which each request appends one byte with O_APPEND (atomic between processes on a local disk):
the file's size is the count. Windows older than the previous one are removed by the first
request of a new window in each process.
"""

import os
import shutil
from pathlib import Path

from django.conf import settings
from django.core.cache import cache

from territoires.core.process_caches import register_process_cache

_cleaned: dict[str, int] = register_process_cache(
    {},
    name="core.window_counts_cleaned",
    bench="plans.receipt",
    reason="the last window whose stale count folders this process removed (one listing a minute)",
)


def _folder() -> Path | None:
    """The counts' folder beside the file cache's entries, or None when the cache is not on disk."""
    default = settings.CACHES["default"]
    if not default["BACKEND"].endswith("filebased.FileBasedCache"):
        return None
    return Path(default["LOCATION"]) / "window-counts"


def window_count_hit(name: str, window: int, *, timeout: int = 120) -> int:
    """Add one to the count `name` (letters, digits, ':' and '-') of `window` and return it."""
    folder = _folder()
    if folder is None:
        key = f"window-count:{name}:{window}"
        if cache.add(key, 1, timeout=timeout):
            return 1
        try:
            return cache.incr(key)
        except ValueError:  # expired between add and incr
            cache.add(key, 1, timeout=timeout)
            return 1
    current = folder / str(window)
    path = current / name.replace(":", "_")
    flags = os.O_WRONLY | os.O_APPEND | os.O_CREAT
    try:
        descriptor = os.open(path, flags, 0o600)
    except FileNotFoundError:
        current.mkdir(parents=True, exist_ok=True)
        descriptor = os.open(path, flags, 0o600)
    try:
        os.write(descriptor, b".")
        count = os.fstat(descriptor).st_size
    finally:
        os.close(descriptor)
    if _cleaned.get(str(folder)) != window:
        _cleaned[str(folder)] = window
        _remove_old_windows(folder, window)
    return count


def _remove_old_windows(folder: Path, window: int) -> None:
    for child in folder.iterdir():
        if child.name.isdigit() and int(child.name) < window - 1:
            shutil.rmtree(child, ignore_errors=True)
