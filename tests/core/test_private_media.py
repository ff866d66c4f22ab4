"""Uploaded files are never served from a public URL, even with DEBUG=1 (a draft resource's
attachment and a private thread's attachment were readable by anonymous visitors under /media/)."""

import os
import subprocess
import sys

from django.conf import settings

CHECK = """
import django
django.setup()
from django.urls import Resolver404, resolve
try:
    match = resolve("/media/library/2022/01/guide.pdf")
except Resolver404:
    print("NOT SERVED")
else:
    print("SERVED BY", match.func)
"""


def test_media_folder_has_no_url_even_in_debug():
    env = {**os.environ, "DEBUG": "1", "DJANGO_SETTINGS_MODULE": "config.settings"}
    result = subprocess.run(
        [sys.executable, "-c", CHECK], cwd=settings.BASE_DIR, env=env, capture_output=True, text=True, timeout=120
    )
    assert result.stdout.strip().splitlines()[-1] == "NOT SERVED", result.stdout + result.stderr
