"""Exports survive concurrent writers (SQLite, the default, and PostgreSQL): two exports requested
together while field answers keep arriving both finish, with every row stored before they started.

On SQLite an export used to read its rows through one long statement and write its progress on the
same connection in between: once an answer had been committed after the read began, the progress
write could not upgrade the stale read snapshot and failed at once with "database is locked"."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from tests.surveys.concurrent_exports import run_scenario

REPO = Path(settings.BASE_DIR)

CHILD = """
import json, os, django
django.setup()
from django.core.management import call_command
call_command("migrate", verbosity=0)
from tests.surveys.concurrent_exports import run_scenario
print("RESULT " + json.dumps(run_scenario(), default=str))
"""


def _check(result):
    assert not result["errors"], result["errors"]
    assert result["answers_written"] > 0  # answers really arrived during the exports
    for export in result["exports"]:
        assert export["status"] == "done", export
        assert export["row_count"] >= result["responses_before"]


@pytest.mark.django_db(transaction=True)
def test_two_exports_finish_while_answers_are_posted(tmp_path):
    if connection.vendor == "postgresql":
        _check(run_scenario())
        return
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'concurrent.sqlite3'}",
        "MEDIA_ROOT": str(tmp_path / "media"),
        "PRIVATE_MEDIA_ROOT": str(tmp_path / "private"),
        "CACHE_BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "DJANGO_SETTINGS_MODULE": "config.settings",
    }
    child = subprocess.run(
        [sys.executable, "-c", CHILD], cwd=REPO, env=env, capture_output=True, text=True, timeout=300
    )
    assert child.returncode == 0, child.stderr[-3000:]
    line = next(line for line in child.stdout.splitlines() if line.startswith("RESULT "))
    _check(json.loads(line.removeprefix("RESULT ")))
