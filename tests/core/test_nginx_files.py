"""Behind nginx with FILES_ACCEL_REDIRECT, a file leaves only after the view checked the reader's
rights, and nginx sends it from an internal location with the view's headers. Run against Debian's
nginx (installed by scripts/scaleout-deps.sh, as `make test` does) in front of the test server."""

import os
import shutil
import subprocess
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse

from territoires.core.storage import private_files
from tests.factories import UserFactory, make_project, pdf_bytes
from tests.library.test_resources import upload_draft_attachment
from tests.scaleout.cluster import free_port, http_status, wait_until

NGINX = shutil.which("nginx") or "/usr/sbin/nginx"

pytestmark = [
    pytest.mark.skipif(not Path(NGINX).exists(), reason="nginx absent (scripts/scaleout-deps.sh l'installe)"),
    pytest.mark.django_db(transaction=True),
]


def guide_file_headers() -> str:
    """The `territoires-fichiers.conf` of docs/deployment.md, as an operator would copy it."""
    guide = (Path(settings.BASE_DIR) / "docs" / "deployment.md").read_text()
    block = guide.split("dans `territoires-fichiers.conf`", 1)[1].split("```nginx\n", 1)[1].split("```", 1)[0]
    assert "Content-Security-Policy" in block
    return block


@pytest.fixture
def proxy(live_server, tmp_path):
    """nginx on a free port: `/` to the test server, and the two internal locations of the guide."""
    root = tmp_path / "nginx"
    for sub in ("body", "proxy", "fastcgi", "uwsgi", "scgi"):
        (root / sub).mkdir(parents=True)
    media, private = Path(settings.MEDIA_ROOT), Path(private_files.base_location)
    media.mkdir(parents=True, exist_ok=True)
    private.mkdir(parents=True, exist_ok=True)
    (root / "territoires-fichiers.conf").write_text(guide_file_headers())
    port = free_port()
    # Started by root, nginx's workers would drop to "nobody", who cannot enter pytest's folders.
    user = "user root;\n" if os.geteuid() == 0 else ""
    (root / "nginx.conf").write_text(
        f"""
{user}worker_processes 1;
pid {root}/nginx.pid;
error_log {root}/error.log warn;
events {{ worker_connections 64; }}
http {{
    access_log off;
    client_body_temp_path {root}/body; proxy_temp_path {root}/proxy; fastcgi_temp_path {root}/fastcgi;
    uwsgi_temp_path {root}/uwsgi; scgi_temp_path {root}/scgi;
    server {{
        listen 127.0.0.1:{port};
        location / {{ proxy_pass {live_server.url}; proxy_set_header Host $host; }}
        location /_fichiers/media/ {{ internal; alias {media}/; include {root}/territoires-fichiers.conf; }}
        location /_fichiers/private/ {{ internal; alias {private}/; include {root}/territoires-fichiers.conf; }}
    }}
}}
"""
    )
    process = subprocess.Popen(
        [NGINX, "-p", str(root), "-c", str(root / "nginx.conf"), "-e", "stderr", "-g", "daemon off;"]
    )
    try:
        wait_until(lambda: http_status(f"http://127.0.0.1:{port}/sante/") == 200, timeout=20, what="nginx")
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        process.wait(timeout=10)


def fetch(url: str, session: str | None = None):
    request = urllib.request.Request(url)
    if session:
        request.add_header("Cookie", f"{settings.SESSION_COOKIE_NAME}={session}")
    try:
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 — 127.0.0.1 only
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


def test_nginx_sends_a_draft_attachment_to_a_member_and_to_no_one_else(client, settings, proxy):
    settings.FILES_ACCEL_REDIRECT = "/_fichiers/"
    resource, attachment = upload_draft_attachment(client, make_project())
    url = proxy + reverse("library:attachment_download", args=[resource.slug, attachment.pk])

    status, headers, body = fetch(url, client.cookies[settings.SESSION_COOKIE_NAME].value)
    assert status == 200, body[:3000]
    assert body == pdf_bytes()  # sent by nginx: the application's answer had no body
    assert headers["Content-Type"] == "application/pdf"
    assert headers["Content-Disposition"].startswith("attachment")
    assert "X-Accel-Redirect" not in headers  # nginx consumes it
    assert "Last-Modified" in headers  # nginx's mark on a file it sent (the application sets none)
    # nginx drops the view's security headers: the guide's location says them again.
    assert headers["Content-Security-Policy"] == "default-src 'none'; img-src 'self'; sandbox"
    assert headers["X-Content-Type-Options"] == "nosniff"

    client.force_login(UserFactory())  # someone outside the project
    status, _headers, body = fetch(url, client.cookies[settings.SESSION_COOKIE_NAME].value)
    assert status in (403, 404) and body != pdf_bytes()
    # The internal location is not an address: asked from outside, nginx answers 404.
    assert fetch(f"{proxy}/_fichiers/media/{attachment.file.name}")[0] == 404
