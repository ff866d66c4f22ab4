"""Secrets and HTTPS headers: no built-in key, a production configuration that refuses to start
without its own secret, and `manage.py check --deploy` clean in that configuration."""

import os
import secrets
import stat
import subprocess
import sys
import threading
from pathlib import Path

from django.conf import settings

from config.env import local_secret_key

REPO = Path(settings.BASE_DIR)
OLD_BUILT_IN_KEY = "dev-only-insecure-key-change-me-in-production"


def _manage(*args, **environment):
    env = {key: value for key, value in os.environ.items() if key not in {"SECRET_KEY", "DEBUG", "ALLOWED_HOSTS"}}
    env.update(environment)
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=REPO, env=env, capture_output=True, text=True, timeout=120
    )


def test_a_local_installation_gets_its_own_private_key(tmp_path):
    path = tmp_path / "var" / "secret_key"
    key = local_secret_key(path)
    assert len(key) >= 50 and key != OLD_BUILT_IN_KEY
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert local_secret_key(path) == key  # kept across restarts
    assert local_secret_key(tmp_path / "other" / "secret_key") != key
    assert settings.SECRET_KEY != OLD_BUILT_IN_KEY


def test_processes_starting_together_agree_on_one_key(tmp_path):
    path = tmp_path / "secret_key"
    keys = []
    threads = [threading.Thread(target=lambda: keys.append(local_secret_key(path))) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(set(keys)) == 1
    assert [p.name for p in tmp_path.iterdir()] == ["secret_key"]  # no temporary file left behind


def test_production_refuses_to_start_without_its_own_secret_or_hosts():
    no_key = _manage("check", PRODUCTION="1", ALLOWED_HOSTS="territoires.example.gouv.fr")
    assert no_key.returncode != 0
    assert "SECRET_KEY est obligatoire" in no_key.stderr
    no_hosts = _manage("check", PRODUCTION="1", SECRET_KEY=secrets.token_urlsafe(64))
    assert no_hosts.returncode != 0
    assert "ALLOWED_HOSTS est obligatoire" in no_hosts.stderr
    debug = _manage("check", PRODUCTION="1", DEBUG="1", SECRET_KEY=secrets.token_urlsafe(64))
    assert debug.returncode != 0 and "DEBUG=1 est interdit" in debug.stderr


def test_production_configuration_passes_check_deploy_with_hsts():
    result = _manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        PRODUCTION="1",
        SECRET_KEY=secrets.token_urlsafe(64),
        ALLOWED_HOSTS="territoires.example.gouv.fr",
    )
    assert result.returncode == 0, result.stdout + result.stderr
    printed = _manage(
        "shell",
        "-c",
        "from django.conf import settings as s; print(s.SECURE_HSTS_SECONDS, s.SESSION_COOKIE_SECURE, s.SECURE_SSL_REDIRECT)",
        PRODUCTION="1",
        SECRET_KEY=secrets.token_urlsafe(64),
        ALLOWED_HOSTS="territoires.example.gouv.fr",
    )
    assert printed.stdout.strip().splitlines()[-1].split() == ["31536000", "True", "True"]
