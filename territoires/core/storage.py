"""Private files (survey exports, directory import files, personal data downloads): stored beside MEDIA_ROOT, never under it,
so that no media URL (served by Django in DEBUG, by the reverse proxy in production) can reach them. They are
only read by views that check a permission first."""

from pathlib import Path

from django.conf import settings
from django.core.files.storage import FileSystemStorage
from django.utils.functional import cached_property


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


def private_storage() -> PrivateStorage:
    """For a FileField's `storage` (a callable, so that migrations do not freeze a path)."""
    return PrivateStorage()


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
