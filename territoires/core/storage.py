"""Where uploaded and generated files live, on a local disk (the default) or in an S3-compatible bucket.

Two kinds of files, two storages (config/settings.py, STORAGES):
- "default": uploads (resource attachments, deliberations, photos…). MEDIA_ROOT is served by no URL
  (config/urls.py): every file goes out through a view that checks who reads it.
- "private": generated files holding personal or restricted data (survey exports, directory import
  files, personal data downloads, evaluation reports). On disk they sit beside MEDIA_ROOT, never under
  it, so that even a mistakenly exposed media folder cannot reach them; in a bucket they sit under
  their own prefix (or in their own bucket). They have no URL at all, only permission-checked views.

On S3 neither kind gets a public or a signed URL: views stream the object through the application
(`FieldFile.open()` reads it in chunks), after the same permission check as on disk. A signed URL would
be a bearer link, valid for anyone who gets it (browser history, a forwarded e-mail, a proxy's log)
until it expires, and the check would no longer happen at each download; the files are small (exports,
PDFs, photos), so streaming costs little.

Code that needs a real file on disk (a parser taking a path) uses `local_copy()`, which works with
both storages.
"""

import contextlib
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

from django.conf import settings
from django.core.files.storage import FileSystemStorage, storages
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.utils.functional import LazyObject, cached_property, empty

PRIVATE_STORAGE_ALIAS = "private"


class PrivateStorage(FileSystemStorage):
    def __init__(self):
        super().__init__(base_url=None)

    @cached_property
    def base_location(self):
        # Read at use, not at import: tests give each test its own MEDIA_ROOT (FileSystemStorage
        # clears this cache when MEDIA_ROOT changes).
        configured = settings.PRIVATE_MEDIA_ROOT
        return str(configured or Path(settings.MEDIA_ROOT).parent / "private")

    def url(self, name):
        # No public URL (an empty link, so that the admin's file widget still renders): files are
        # served by views that check permissions, e.g. surveys:export_download, diagnostic:import_report.
        return ""


class PrivateStorageProxy(LazyObject):
    """The configured private storage, looked up at first use (like Django's `default_storage`), so
    that a FileField built at import follows a settings change (tests switch to a bucket)."""

    def _setup(self):
        self._wrapped = storages[PRIVATE_STORAGE_ALIAS]


private_files = PrivateStorageProxy()


@receiver(setting_changed)
def _reset_private_storage(*, setting, **kwargs):
    if setting in ("STORAGES", "MEDIA_ROOT", "PRIVATE_MEDIA_ROOT"):
        private_files._wrapped = empty
        storages._storages.pop(PRIVATE_STORAGE_ALIAS, None)


def private_storage():
    """For a FileField's `storage` (a callable, so that migrations do not freeze a path or a bucket)."""
    return private_files


def uses_local_files(storage) -> bool:
    """True when the storage keeps its files on this machine's disk (`path()` works)."""
    try:
        storage.path("probe")
    except NotImplementedError:
        return False
    return True


@contextlib.contextmanager
def local_copy(field_file, *, suffix: str = "") -> Iterator[Path]:
    """A path to the file's content on local disk: the stored file itself on a local storage, else a
    temporary copy (removed afterwards) for code that needs a path (parsers, archive readers)."""
    if uses_local_files(field_file.storage):
        yield Path(field_file.storage.path(field_file.name))
        return
    descriptor, name = tempfile.mkstemp(prefix="copy-", suffix=suffix or Path(field_file.name).suffix)
    try:
        with os.fdopen(descriptor, "wb") as out, field_file.storage.open(field_file.name, "rb") as source:
            shutil.copyfileobj(source, out, 1024 * 1024)
        yield Path(name)
    finally:
        os.unlink(name)


def stored_file_response(
    field_file, *, filename: str, content_type: str, as_attachment: bool = True, headers: dict | None = None
):
    """The response that sends a stored file to a reader whose rights the view has just checked.

    By default the application streams the file (from disk or from the bucket). In production behind
    nginx, FILES_ACCEL_REDIRECT (e.g. "/_fichiers/") hands a file on local disk to the proxy with an
    `X-Accel-Redirect` header: nginx sends it from an `internal` location that no outside request can
    reach (docs/deployment.md), and the application's worker is free at once instead of feeding a
    slow download. Missing files are a 404 either way. `headers` (Cache-Control, a sandboxing
    Content-Security-Policy) go out with the file; behind nginx only Content-Type,
    Content-Disposition and Cache-Control survive the redirect, so the guide's internal locations
    set the security headers themselves (tests/core/test_nginx_files.py checks them).
    """
    from django.http import FileResponse, Http404, HttpResponse
    from django.utils.http import content_disposition_header

    storage = field_file.storage
    prefix = settings.FILES_ACCEL_REDIRECT
    internal_path = _accel_path(storage, field_file.name) if prefix and uses_local_files(storage) else None
    if internal_path is not None:
        if not storage.exists(field_file.name):
            raise Http404
        response = HttpResponse(content_type=content_type)
        response["X-Accel-Redirect"] = prefix.rstrip("/") + "/" + internal_path
        response["Content-Disposition"] = content_disposition_header(as_attachment, filename)
    else:
        try:
            handle = field_file.open("rb")
        except (FileNotFoundError, IsADirectoryError):
            raise Http404 from None
        # The file is closed by the response once sent, not left to the garbage collector.
        response = FileResponse(handle, as_attachment=as_attachment, filename=filename, content_type=content_type)
    for name, value in (headers or {}).items():
        response[name] = value
    return response


def image_content_type(head: bytes) -> str | None:
    """The type of a JPEG, PNG or WebP image from its first bytes (None for anything else)."""
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    return None


def _accel_path(storage, name: str) -> str | None:
    """ "media/<name>" or "private/<name>" (URL-quoted): where nginx's internal locations find the
    file; None for a file outside both roots (then the application sends it itself)."""
    from urllib.parse import quote

    path = Path(storage.path(name)).resolve()
    roots = [("media", settings.MEDIA_ROOT), ("private", getattr(private_files, "base_location", None))]
    for alias, root in roots:
        base = Path(root).resolve() if root else None
        if base is not None and path.is_relative_to(base):
            return alias + "/" + quote(path.relative_to(base).as_posix())
    return None


def delete_with_files(queryset, field: str = "file") -> int:
    """Deletes the rows of `queryset` and the file each one holds in `field`; returns how many rows.
    (Retention jobs: a row is never deleted while its file stays behind, nor the reverse.)"""
    deleted = 0
    for row in queryset.only("pk", field):
        stored = getattr(row, field)
        if stored:
            stored.delete(save=False)
        row.delete()
        deleted += 1
    return deleted
