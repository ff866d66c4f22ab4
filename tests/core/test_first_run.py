"""The first commands of a new user: `make run` on a fresh clone (no var/ folder yet)."""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError

REPO = Path(settings.BASE_DIR)


def test_settings_create_the_local_state_folder_of_a_fresh_clone(tmp_path):
    # A fresh clone has no var/: SQLite cannot create var/db.sqlite3 in a missing folder, and
    # `manage.py migrate` stopped with "unable to open database file".
    shutil.copytree(REPO / "config", tmp_path / "config")
    assert not (tmp_path / "var").exists()
    env = {"PATH": "/usr/bin:/bin", "DATABASE_URL": "sqlite:///" + str(tmp_path / "var" / "db.sqlite3")}
    subprocess.run(
        [sys.executable, "-c", "import config.settings"], cwd=tmp_path, env=env, check=True, capture_output=True
    )
    assert (tmp_path / "var").is_dir()


@pytest.mark.skipif(shutil.which("make") is None, reason="make absent")
def test_make_run_links_emails_to_its_port_and_prints_logins_once_served():
    recipe = subprocess.run(
        ["make", "-n", "run", "PORT=8123"], cwd=REPO, check=True, capture_output=True, text=True
    ).stdout
    assert "http://127.0.0.1:8123" in recipe.split("db_worker")[0], "SITE_URL must follow PORT for the worker too"
    assert "runserver --noreload 127.0.0.1:8123" in recipe
    # The logins come from demo_ready, after the server and the worker are started.
    assert "load_demo --no-accounts" in recipe
    assert recipe.index("runserver") < recipe.index("demo_ready --url http://127.0.0.1:8123/")


def test_demo_ready_says_in_french_when_the_server_never_answers():
    with pytest.raises(CommandError, match="Le serveur ne répond pas"):
        call_command("demo_ready", url="http://127.0.0.1:9/", timeout=0.5)


@pytest.mark.django_db(transaction=True)
def test_demo_ready_prints_the_logins_last_once_the_home_page_answers(live_server, capsys):
    call_command("demo_ready", url=live_server.url + "/", timeout=30, queue_timeout=1)
    lines = [line for line in capsys.readouterr().out.splitlines() if line.strip()]
    assert "Comptes de démonstration" in "\n".join(lines)
    assert "animatrice@anct.demo" in "\n".join(lines)
    assert lines[-1].startswith("Territoires en commun est prêt : " + live_server.url)


def test_static_files_collect_with_the_production_storage(tmp_path):
    """`make run` collects the static files with the manifest storage, which follows every file a
    stylesheet or a script names (a vendored script's source map, a font): a missing one stopped
    `make run` at collectstatic while the tests, which never collect, stayed green."""
    env = {
        "PATH": "/usr/bin:/bin",
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DATABASE_URL": "sqlite:///" + str(tmp_path / "db.sqlite3"),
        "STATIC_ROOT": str(tmp_path / "static"),
        "DEBUG": "0",
        "ALLOWED_HOSTS": "127.0.0.1",
        "VAR_DIR": str(tmp_path),
    }
    # Django's manifest storage makes the same checks as whitenoise's, without compressing every
    # file (minutes on a busy machine): what is tested is that every named file exists.
    code = (
        "import django; django.setup(); from django.conf import settings; "
        f"settings.STATIC_ROOT = {str(tmp_path / 'static')!r}; "
        "settings.STORAGES['staticfiles'] = "
        "{'BACKEND': 'django.contrib.staticfiles.storage.ManifestStaticFilesStorage'}; "
        "from django.core.management import call_command; call_command('collectstatic', '--noinput', '-v0')"
    )
    result = subprocess.run([sys.executable, "-c", code], cwd=REPO, env=env, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr[-2000:]
    assert (tmp_path / "static" / "staticfiles.json").exists()
