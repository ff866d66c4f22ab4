"""The system under test: a bench database scaled to a national size, served by gunicorn as in production.

Database: by default a SQLite file in bench/.work/ (git-ignored), migrated and scaled on the first
run and reused afterwards (scaling is idempotent). With DATABASE_URL set, that database is used
instead, and scaled in place: point it at a database dedicated to benchmarks.

Settings are those of `make serve` with DEBUG off, the page cache in bench/.work/cache and static
files collected into bench/.work/static (bench/settings.py); collectstatic runs when the collected
files are missing or older than their sources. The server is started as a subprocess on a free
127.0.0.1 port (`gunicorn config.wsgi`, 2 sync workers) and stopped by its process id.
"""

import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
WORK_DIR = BASE_DIR / "bench" / ".work"
HOST = "127.0.0.1"
WORKERS = 2
SCALE = {"projects": 300, "authorities": 1500}


def bench_environment() -> dict[str, str]:
    """Environment shared by the preparation (in this process) and the gunicorn subprocess."""
    WORK_DIR.mkdir(parents=True, exist_ok=True)
    env = {
        "DJANGO_SETTINGS_MODULE": "bench.settings",
        "DEBUG": "0",
        "ALLOWED_HOSTS": f"{HOST},localhost",
        "CACHE_LOCATION": str(WORK_DIR / "cache"),
        "MEDIA_ROOT": str(WORK_DIR / "media"),
        "LOG_LEVEL": "WARNING",
    }
    if not os.environ.get("DATABASE_URL"):
        env["DATABASE_URL"] = f"sqlite:///{WORK_DIR / 'bench.sqlite3'}"
    return env


def apply_environment(env: dict[str, str]) -> None:
    os.environ.update(env)
    # The page cache is measured as deployed on one machine: files in the bench folder, not a Redis
    # that may be shared with something else.
    os.environ.pop("REDIS_URL", None)


def database_label() -> str:
    url = os.environ["DATABASE_URL"]
    return url.split("@")[-1] if "@" in url else url  # never print a password


def static_files_are_current() -> bool:
    """True when STATIC_ROOT's manifest is newer than every static source file and lists them all.

    collectstatic with whitenoise's compressed manifest storage re-hashes and re-compresses every
    file (about a minute here); pages cannot render without the manifest, but when no source file
    changed since it was written there is nothing to redo.
    """
    from django.conf import settings
    from django.contrib.staticfiles import finders

    manifest_path = Path(settings.STATIC_ROOT) / "staticfiles.json"
    try:
        collected = json.loads(manifest_path.read_text(encoding="utf-8"))["paths"]
        collected_at = manifest_path.stat().st_mtime
    except (OSError, ValueError, KeyError):
        return False
    for finder in finders.get_finders():
        for path, storage in finder.list(["CVS", ".*", "*~"]):
            prefix = getattr(storage, "prefix", None)
            name = f"{prefix}/{path}" if prefix else path
            if name.replace(os.sep, "/") not in collected:
                return False
            if os.path.getmtime(storage.path(path)) > collected_at:
                return False
    return True


def prepare_database(log, *, force_collectstatic: bool = False) -> dict:
    """Migrate, scale the demo data (no-op when already scaled), collect static files if they changed."""
    import django
    from django.core.management import call_command
    from django.db import connections

    django.setup()
    from territoires.demo.scale import scale_demo

    started = time.perf_counter()
    call_command("migrate", interactive=False, verbosity=0)
    log(f"  migrate: {time.perf_counter() - started:.1f} s")
    started = time.perf_counter()
    report = scale_demo(**SCALE)
    log(f"  scale_demo: {time.perf_counter() - started:.1f} s, created {report.created}")
    log(f"  data: {report.totals}")
    started = time.perf_counter()
    if force_collectstatic or not static_files_are_current():
        call_command("collectstatic", interactive=False, verbosity=0)
        log(f"  collectstatic: {time.perf_counter() - started:.1f} s")
    else:
        log("  collectstatic: skipped, the collected files and their manifest are current")
    # A fresh page cache: every page starts as a miss, filled again by the warm-up.
    shutil.rmtree(WORK_DIR / "cache", ignore_errors=True)
    connections.close_all()
    return report.totals


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def http_get(port: int, path: str, headers: dict[str, str] | None = None, timeout: float = 10):
    """(status, headers, body) of one GET to the local server; never follows redirects."""

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None

    opener = urllib.request.build_opener(NoRedirect)
    request = urllib.request.Request(f"http://{HOST}:{port}{path}", headers=headers or {})
    try:
        with opener.open(request, timeout=timeout) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read()


class Gunicorn:
    """gunicorn config.wsgi with 2 sync workers on a free local port, for the time of a `with` block."""

    def __init__(self, env: dict[str, str], log_path: Path):
        self.env = env
        self.log_path = log_path
        self.port = free_port()
        self.process: subprocess.Popen | None = None

    def __enter__(self):
        command = [
            sys.executable,
            "-m",
            "gunicorn",
            "config.wsgi",
            f"--workers={WORKERS}",
            "--worker-class=sync",
            f"--bind={HOST}:{self.port}",
            "--log-level=warning",
        ]
        self._log = open(self.log_path, "ab")  # noqa: SIM115 (closed in __exit__)
        self.process = subprocess.Popen(
            command,
            cwd=BASE_DIR,
            env={**os.environ, **self.env},
            stdout=self._log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            self._wait_ready()
        except BaseException:
            self.__exit__(None, None, None)
            raise
        return self

    def _wait_ready(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited with code {self.process.returncode}; see {self.log_path}")
            with contextlib.suppress(OSError):
                status, _headers, _body = http_get(self.port, "/sante/", timeout=2)
                if status == 200:
                    return
            time.sleep(0.2)
        raise RuntimeError(f"gunicorn did not answer within {timeout:.0f} s; see {self.log_path}")

    def __exit__(self, *exc_info):
        process = self.process
        if process is not None and process.poll() is None:
            process.send_signal(signal.SIGTERM)  # the master stops its workers gracefully
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                # Only the process group this harness created (start_new_session=True).
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=5)
        self._log.close()
        return False
