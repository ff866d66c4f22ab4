"""Private files of the survey module (exports): stored beside MEDIA_ROOT, never under it, so that no
media URL (served by Django in DEBUG, by the reverse proxy in production) can reach them. They are
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
        configured = getattr(settings, "PRIVATE_MEDIA_ROOT", None)
        return str(configured or Path(settings.MEDIA_ROOT).parent / "private")

    def url(self, name):
        raise ValueError("Private files have no URL: serve them through a view that checks permissions.")
