"""Per-minute counts shared by every worker: on the file cache, one appended byte per request
(counted right when several processes append at once); elsewhere, the cache's INCR."""

import subprocess
import sys

import pytest

from territoires.core.window_counts import window_count_hit


@pytest.fixture
def file_cache(settings, tmp_path):
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.filebased.FileBasedCache", "LOCATION": str(tmp_path)}
    }
    return tmp_path


def test_counts_go_up_per_name_and_window(file_cache):
    assert [window_count_hit("client-a", 100) for _ in range(3)] == [1, 2, 3]
    assert window_count_hit("client-b", 100) == 1
    assert window_count_hit("client-a", 101) == 1  # a new minute starts again


def test_old_windows_are_removed_by_the_next_minute(file_cache):
    window_count_hit("client-a", 100)
    window_count_hit("client-a", 101)
    window_count_hit("client-a", 102)
    windows = sorted(p.name for p in (file_cache / "window-counts").iterdir())
    assert windows == ["101", "102"]


def test_two_processes_appending_at_once_lose_no_hit(file_cache):
    script = (
        "import django, os; os.environ['DJANGO_SETTINGS_MODULE'] = 'config.settings'; django.setup()\n"
        "from django.conf import settings\n"
        f"settings.CACHES = {{'default': {{'BACKEND': 'django.core.cache.backends.filebased.FileBasedCache', 'LOCATION': {str(file_cache)!r}}}}}\n"
        "from territoires.core.window_counts import window_count_hit\n"
        "for _ in range(300): window_count_hit('flood', 7)\n"
    )
    workers = [subprocess.Popen([sys.executable, "-c", script]) for _ in range(2)]
    assert [worker.wait(timeout=120) for worker in workers] == [0, 0]
    assert window_count_hit("flood", 7) == 601


def test_without_a_file_cache_the_cache_counts(settings):
    # tests/conftest.py gives each test an in-memory cache
    assert "locmem" in settings.CACHES["default"]["BACKEND"]
    assert [window_count_hit("client-a", 5) for _ in range(3)] == [1, 2, 3]
