"""Absolute links for what leaves the site (e-mails), built from SITE_URL: e-mails are sent by
background tasks, outside any request, so the request's host is not known."""

from django.conf import settings


def site_url() -> str:
    return settings.SITE_URL.rstrip("/")


def absolute(url: str) -> str:
    return url if url.startswith(("http://", "https://")) else site_url() + url
