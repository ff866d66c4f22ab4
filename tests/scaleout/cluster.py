"""The production set-up of docs/deployment.md, on one machine, for tests/scaleout/test_scaleout.py:

- PostgreSQL: a cluster of its own (initdb from the installed PostgreSQL into a temporary folder, on a
  free port), so that restarting it disturbs no other database of the machine;
- Redis for cache and sessions: the machine's, on 127.0.0.1:6379, in a dedicated database number and
  under a key prefix of its own, removed afterwards;
- an S3-compatible server: moto's (a test requirement), on a free port;
- two gunicorn app servers on two free ports, behind nginx (Debian's package, installed by
  scripts/scaleout-deps.sh, run as a plain process with its configuration in the temporary folder);
- two `db_worker` processes.

Every process is started here, by its own process id (app servers in their own process group, so that
`kill -9` takes the master and its workers at once, as when a machine is lost), and stopped here.
"""

import contextlib
import glob
import hashlib
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
HOST = "127.0.0.1"
REDIS_PORT = 6379
REDIS_DB = int(os.environ.get("SCALEOUT_REDIS_DB", "14"))
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return probe.getsockname()[1]


def postgres_bin() -> Path | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(p.split("/")[4]))
    return Path(found[-1]).parent if found else None


def redis_reachable() -> bool:
    try:
        import redis

        return bool(redis.Redis(host=HOST, port=REDIS_PORT, db=REDIS_DB, socket_timeout=2).ping())
    except Exception:  # noqa: BLE001 - any failure means: not reachable
        return False


def wait_until(check, *, timeout: float, what: str, interval: float = 0.2):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with contextlib.suppress(Exception):
            result = check()
            if result:
                return result
        time.sleep(interval)
    raise TimeoutError(f"{what}: pas prêt après {timeout:.0f} s")


def http_status(url: str, timeout: float = 5) -> int:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:  # noqa: S310 - 127.0.0.1 only
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


class Cluster:
    def __init__(self):
        self.folder = Path(tempfile.mkdtemp(prefix="scaleout-"))
        self.folder.chmod(0o755)
        self.processes: dict[str, subprocess.Popen] = {}
        self.pg_bin = postgres_bin()
        self.pg_port = free_port()
        self.pg_data = self.folder / "pg"
        self.s3_port = free_port()
        self.bucket = "territoires-scaleout"
        self.app_ports = {"app1": free_port(), "app2": free_port()}
        self.proxy_port = free_port()
        self.key_prefix = f"scaleout-{secrets.token_hex(6)}"
        self.worker_serial = 0
        self.env = self._environment()

    # --- environment -------------------------------------------------------------------------------

    def _environment(self) -> dict[str, str]:
        env = {key: value for key, value in os.environ.items() if not key.startswith(("SQLITE_", "PYTEST_"))}
        env.update(
            {
                "DJANGO_SETTINGS_MODULE": "config.settings",
                "DATABASE_URL": f"postgres://postgres@{HOST}:{self.pg_port}/territoires",
                "REDIS_URL": f"redis://{HOST}:{REDIS_PORT}/{REDIS_DB}",
                "CACHE_KEY_PREFIX": self.key_prefix,
                "DEBUG": "0",
                "SECRET_KEY": secrets.token_urlsafe(50),
                "ALLOWED_HOSTS": f"{HOST},localhost",
                "CLIENT_ADDRESS_HEADER": "HTTP_X_REAL_IP",
                "SURVEY_RATE_LIMIT_PER_MINUTE": "1000000",
                "STATICFILES_STORAGE": "django.contrib.staticfiles.storage.StaticFilesStorage",
                "MEDIA_S3_BUCKET": self.bucket,
                "MEDIA_S3_ENDPOINT_URL": f"http://{HOST}:{self.s3_port}",
                "MEDIA_S3_REGION": "eu-west-3",
                "MEDIA_S3_ACCESS_KEY_ID": "essai",
                "MEDIA_S3_SECRET_ACCESS_KEY": "essai-secret",
                # Nothing may be written on local disk: these folders must stay empty.
                "MEDIA_ROOT": str(self.folder / "media-local"),
                "PRIVATE_MEDIA_ROOT": str(self.folder / "private-local"),
                "TASK_WORKER_HEARTBEAT_SECONDS": "1",
                "TASK_WORKER_LOST_AFTER_SECONDS": "6",
                "LOG_LEVEL": "WARNING",
                "PYTHONUNBUFFERED": "1",
            }
        )
        return env

    def dsn(self) -> str:
        return f"host={HOST} port={self.pg_port} user=postgres dbname=territoires connect_timeout=3"

    def log(self, name: str) -> Path:
        return self.folder / f"{name}.log"

    def _spawn(self, name: str, command: list[str], *, group: bool = False, env=None) -> subprocess.Popen:
        handle = open(self.log(name), "ab")  # noqa: SIM115 - kept open for the process's life
        process = subprocess.Popen(  # noqa: S603 - fixed programs
            command,
            cwd=BASE_DIR,
            env=env or self.env,
            stdout=handle,
            stderr=subprocess.STDOUT,
            start_new_session=group,
        )
        handle.close()
        self.processes[name] = process
        return process

    # --- PostgreSQL --------------------------------------------------------------------------------

    def _as_postgres(self, command: list[str]) -> list[str]:
        return ["runuser", "-u", "postgres", "--", *command] if os.geteuid() == 0 else command

    def postgres_start(self) -> None:
        self.pg_data.mkdir()
        if os.geteuid() == 0:
            shutil.chown(self.pg_data, "postgres", "postgres")
        subprocess.run(  # noqa: S603
            self._as_postgres(
                [str(self.pg_bin / "initdb"), "-D", str(self.pg_data), "-U", "postgres", "--auth=trust", "-E", "UTF8"]
            ),
            check=True,
            capture_output=True,
        )
        self._pg_ctl("start")
        subprocess.run(  # noqa: S603
            [str(self.pg_bin / "createdb"), "-h", HOST, "-p", str(self.pg_port), "-U", "postgres", "territoires"],
            check=True,
            capture_output=True,
        )

    def _pg_ctl(self, action: str) -> None:
        options = (
            f"-p {self.pg_port} -k {self.pg_data} -c listen_addresses={HOST} -c max_connections=200"
            # Only the operating system crashing could lose a commit with fsync off; the test restarts
            # PostgreSQL cleanly, which writes every committed transaction first.
            " -c fsync=off -c full_page_writes=off"
        )
        subprocess.run(  # noqa: S603
            self._as_postgres(
                [
                    str(self.pg_bin / "pg_ctl"),
                    "-D",
                    str(self.pg_data),
                    "-l",
                    str(self.pg_data / "server.log"),
                    "-o",
                    options,
                    "-m",
                    "fast",
                    "-w",
                    "-t",
                    "60",
                    action,
                ]
            ),
            check=True,
            capture_output=True,
        )

    def postgres_restart(self) -> None:
        self._pg_ctl("restart")

    def migrate(self) -> None:
        """`migrate`, or the schema it produced last time for the same migrations (kept in var/: a
        restore takes a second where migrating takes a minute or more on a loaded machine)."""
        digest = hashlib.sha256()
        for path in sorted(BASE_DIR.glob("territoires/**/migrations/*.py")) + [BASE_DIR / "requirements" / "base.txt"]:
            digest.update(path.read_bytes())
        cached = BASE_DIR / "var" / f"scaleout-schema-{digest.hexdigest()[:16]}.pgdump"
        connection = ["-h", HOST, "-p", str(self.pg_port), "-U", "postgres"]
        if cached.exists():
            subprocess.run(  # noqa: S603
                [str(self.pg_bin / "pg_restore"), *connection, "--no-owner", "-d", "territoires", str(cached)],
                check=True,
                capture_output=True,
            )
            return
        self.manage("migrate", "--noinput", timeout=900)
        cached.parent.mkdir(exist_ok=True)
        for old in cached.parent.glob("scaleout-schema-*.pgdump"):
            old.unlink()
        partial = cached.with_suffix(".partial")
        subprocess.run(  # noqa: S603
            [str(self.pg_bin / "pg_dump"), *connection, "--format=custom", f"--file={partial}", "territoires"],
            check=True,
            capture_output=True,
        )
        partial.replace(cached)

    # --- Django ------------------------------------------------------------------------------------

    def manage(self, *arguments: str, timeout: float = 600) -> str:
        result = subprocess.run(  # noqa: S603
            [sys.executable, "manage.py", *arguments],
            cwd=BASE_DIR,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        if result.returncode:
            raise RuntimeError(f"manage.py {' '.join(arguments)} : {result.stdout}\n{result.stderr}")
        return result.stdout

    def python(self, code: str, timeout: float = 300) -> dict:
        result = subprocess.run(  # noqa: S603
            [sys.executable, "-c", code], cwd=BASE_DIR, env=self.env, capture_output=True, text=True, timeout=timeout
        )
        if result.returncode:
            raise RuntimeError(result.stdout + result.stderr)
        return json.loads(result.stdout.strip().splitlines()[-1])

    # --- S3 ----------------------------------------------------------------------------------------

    def s3_client(self):
        import boto3

        return boto3.client(
            "s3",
            endpoint_url=self.env["MEDIA_S3_ENDPOINT_URL"],
            region_name="eu-west-3",
            aws_access_key_id="essai",
            aws_secret_access_key="essai-secret",
        )

    def s3_start(self) -> None:
        self._spawn("s3", [str(BIN / "moto_server"), "-H", HOST, "-p", str(self.s3_port)])
        wait_until(lambda: http_status(f"http://{HOST}:{self.s3_port}/") == 200, timeout=60, what="serveur S3")
        self.s3_client().create_bucket(
            Bucket=self.bucket, CreateBucketConfiguration={"LocationConstraint": "eu-west-3"}
        )

    def bucket_names(self) -> set[str]:
        pages = self.s3_client().get_paginator("list_objects_v2").paginate(Bucket=self.bucket)
        return {item["Key"] for page in pages for item in page.get("Contents", [])}

    # --- app servers, workers, proxy ---------------------------------------------------------------

    def app_start(self, name: str) -> None:
        port = self.app_ports[name]
        self._spawn(
            name,
            [str(BIN / "gunicorn"), "config.wsgi", "--workers", "2", "--bind", f"{HOST}:{port}", "--timeout", "60"],
            group=True,
        )
        wait_until(lambda: http_status(f"http://{HOST}:{port}/sante/") == 200, timeout=120, what=name)

    def app_kill(self, name: str) -> None:
        """kill -9 of the app server: its master and its workers, as when its machine is lost."""
        process = self.processes[name]
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=30)

    def worker_start(self, slot: str) -> str:
        self.worker_serial += 1
        worker_id = f"{slot}-{self.worker_serial}"
        self._spawn(
            slot,
            [sys.executable, "manage.py", "db_worker", "--no-reload", "--interval", "0.3", f"--worker-id={worker_id}"],
        )
        return worker_id

    def worker_kill(self, slot: str) -> None:
        process = self.processes[slot]
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=30)

    def proxy_start(self) -> None:
        root = self.folder / "nginx"
        for sub in ("body", "proxy", "fastcgi", "uwsgi", "scgi"):
            (root / sub).mkdir(parents=True, exist_ok=True)
            (root / sub).chmod(0o777)
        servers = "\n".join(
            f"        server {HOST}:{port} max_fails=1 fail_timeout=2s;" for port in self.app_ports.values()
        )
        (root / "nginx.conf").write_text(
            f"""
worker_processes 1;
pid {root}/nginx.pid;
error_log {root}/error.log warn;
events {{ worker_connections 512; }}
http {{
    access_log off;
    client_body_temp_path {root}/body;
    proxy_temp_path {root}/proxy;
    fastcgi_temp_path {root}/fastcgi;
    uwsgi_temp_path {root}/uwsgi;
    scgi_temp_path {root}/scgi;
    client_max_body_size 12m;
    upstream territoires {{
{servers}
        keepalive 16;
    }}
    server {{
        listen {HOST}:{self.proxy_port};
        location / {{
            proxy_pass http://territoires;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_set_header Host $host;
            proxy_set_header X-Real-IP $remote_addr;
            proxy_set_header X-Forwarded-Proto $scheme;
            proxy_connect_timeout 2s;
            proxy_read_timeout 60s;
        }}
    }}
}}
"""
        )
        self._spawn(
            "proxy", [NGINX, "-p", str(root), "-c", str(root / "nginx.conf"), "-e", "stderr", "-g", "daemon off;"]
        )
        wait_until(lambda: http_status(f"http://{HOST}:{self.proxy_port}/sante/") == 200, timeout=30, what="nginx")

    @property
    def proxy(self) -> str:
        return f"http://{HOST}:{self.proxy_port}"

    # --- the end -----------------------------------------------------------------------------------

    def stop(self) -> None:
        for name, process in self.processes.items():
            if process.poll() is None:
                with contextlib.suppress(ProcessLookupError):
                    if name.startswith("app"):
                        os.killpg(process.pid, signal.SIGTERM)
                    else:
                        process.terminate()
        for process in self.processes.values():
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=10)
        if self.pg_bin and (self.pg_data / "postmaster.pid").exists():
            with contextlib.suppress(subprocess.CalledProcessError):
                subprocess.run(  # noqa: S603
                    self._as_postgres(
                        [str(self.pg_bin / "pg_ctl"), "-D", str(self.pg_data), "-m", "immediate", "stop"]
                    ),
                    check=True,
                    capture_output=True,
                )
        with contextlib.suppress(Exception):
            import redis

            client = redis.Redis(host=HOST, port=REDIS_PORT, db=REDIS_DB, socket_timeout=5)
            keys = list(client.scan_iter(match=f"{self.key_prefix}*", count=1000))
            if keys:
                client.delete(*keys)
        shutil.rmtree(self.folder, ignore_errors=True)
