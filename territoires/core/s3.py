"""Storages on an S3-compatible bucket (django-storages), chosen in config/settings.py when
MEDIA_S3_BUCKET is set. Imported only then: a local installation never loads boto3."""

from storages.backends.s3 import S3Storage


class _NoURL:
    def url(self, name, parameters=None, expire=None, http_method=None):
        # Never a link to the bucket, public or signed: views stream the file after checking rights
        # (territoires/core/storage.py says why).
        return ""


class MediaS3Storage(_NoURL, S3Storage):
    """Uploads (STORAGES["default"])."""


class PrivateS3Storage(_NoURL, S3Storage):
    """Private generated files (STORAGES["private"]), under their own prefix or bucket."""
