"""The server log of refused and missing pages: one line each (status, method, path, user id),
without the traceback that Django's `django.request` logger attaches; a server error keeps its
traceback, since that is what one reads it for."""

import logging

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.urls import path

from config.urls import urlpatterns as site_urlpatterns
from tests.factories import UserFactory

pytestmark = [pytest.mark.django_db, pytest.mark.urls(__name__)]


def refused(request):
    raise PermissionDenied


def missing(request):
    raise Http404


def broken(request):
    raise RuntimeError("a real bug")


urlpatterns = [
    path("refuse/", refused),
    path("absent/", missing),
    path("casse/", broken),
    *site_urlpatterns,  # the error pages link to the site (log in, home)
]


def request_records(caplog):
    return [r for r in caplog.records if r.name == "django.request"]


@pytest.mark.parametrize(("url", "status"), [("/refuse/", 403), ("/absent/", 404)])
def test_a_refusal_is_one_line_without_traceback(client, caplog, url, status):
    user = UserFactory()
    client.force_login(user)
    caplog.set_level(logging.WARNING, logger="django.request")
    assert client.post(url).status_code == status
    (record,) = request_records(caplog)
    assert record.getMessage() == f"{status} POST {url} user={user.pk}"
    assert record.exc_info is None and "Traceback" not in caplog.text


def test_an_anonymous_refusal_names_no_user(client, caplog):
    caplog.set_level(logging.WARNING, logger="django.request")
    assert client.get("/refuse/").status_code == 403
    assert request_records(caplog)[0].getMessage() == "403 GET /refuse/ user=-"


def test_a_server_error_keeps_its_traceback(client, caplog):
    client.raise_request_exception = False
    caplog.set_level(logging.WARNING, logger="django.request")
    assert client.get("/casse/").status_code == 500
    (record,) = request_records(caplog)
    assert record.levelno == logging.ERROR and record.exc_info is not None
    assert "RuntimeError: a real bug" in caplog.text and "Traceback" in caplog.text
