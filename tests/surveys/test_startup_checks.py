"""The survey module's speed shortcuts are checked at start-up (territoires/surveys/checks.py): the
answer INSERT's field list against the Response model, and the SPSS writer's ctypes assumptions
against the installed pyreadstat. Each assumption is broken on purpose here."""

import uuid

import pytest
from django.core.management import call_command
from django.core.management.base import SystemCheckError
from django.urls import reverse

from territoires.surveys import checks, collection, exports, spss
from territoires.surveys.admin import ResponseAdmin
from territoires.surveys.models import Export, Response
from tests.surveys.factories import make_survey, valid_answers


def _ids(errors):
    return [error.id for error in errors]


def test_the_shortcuts_hold_in_this_installation():
    assert checks.answer_insert_check() == []
    assert checks.spss_writer_check() == []
    call_command("check", verbosity=0)


def test_the_admin_shows_the_fields_the_insert_writes():
    assert ResponseAdmin.readonly_fields is collection.RESPONSE_STORED_FIELDS


@pytest.mark.parametrize(
    ("fields", "named"),
    [
        (tuple(name for name in collection.RESPONSE_STORED_FIELDS if name != "gender"), "missing: gender"),
        ((*collection.RESPONSE_STORED_FIELDS, "mood"), "not a field: mood"),
        ((*collection.RESPONSE_STORED_FIELDS, "gender"), "listed twice: gender"),
    ],
)
def test_a_field_list_that_does_not_follow_the_model_stops_the_start(monkeypatch, fields, named):
    monkeypatch.setattr(collection, "RESPONSE_STORED_FIELDS", fields)
    errors = checks.answer_insert_check()
    assert _ids(errors) == ["surveys.E001"]
    assert named in errors[0].msg
    with pytest.raises(SystemCheckError, match="surveys.E001"):
        call_command("check", verbosity=0)


def test_a_model_field_added_by_a_migration_is_caught(monkeypatch):
    """As if a migration had added a field to Response without the INSERT's list following."""
    from django.db import models

    extra = models.CharField(max_length=3, blank=True)
    extra.set_attributes_from_name("mood")
    extra.model = Response
    concrete = (*Response._meta.concrete_fields, extra)
    monkeypatch.setattr(Response._meta, "concrete_fields", concrete)
    errors = checks.answer_insert_check()
    assert _ids(errors) == ["surveys.E001"] and "missing: mood" in errors[0].msg


def test_a_value_the_database_must_adapt_cannot_be_sent_as_it_is(monkeypatch):
    monkeypatch.setattr(collection, "RESPONSE_ADAPTED_FIELDS", collection.RESPONSE_ADAPTED_FIELDS - {"answers"})
    errors = checks.answer_insert_check()
    assert _ids(errors) == ["surveys.E002"] and "answers" in errors[0].msg


def test_django_internals_gone_stop_the_start(monkeypatch):
    monkeypatch.setattr(checks, "CONNECTION_INTERNALS", (*checks.CONNECTION_INTERNALS, "vanished_in_django_6"))
    errors = checks.answer_insert_check()
    assert _ids(errors) == ["surveys.E003"] and "vanished_in_django_6" in errors[0].msg


def test_another_pyreadstat_version_stops_the_start(monkeypatch):
    monkeypatch.setattr(spss, "installed_pyreadstat_version", lambda: "9.9.9")
    errors = checks.spss_writer_check()
    assert _ids(errors) == ["surveys.E010"]
    assert "pyreadstat 9.9.9" in errors[0].msg and "1.3.7" in errors[0].msg
    with pytest.raises(SystemCheckError, match="surveys.E010"):
        call_command("check", verbosity=0)


def test_a_function_missing_from_readstat_stops_the_start(monkeypatch):
    monkeypatch.setitem(spss.SIGNATURES, "readstat_insert_int128_value", (None, []))
    errors = checks.spss_writer_check()
    assert _ids(errors) == ["surveys.E010"] and "readstat_insert_int128_value" in errors[0].msg


def test_a_library_that_cannot_be_loaded_stops_the_start(monkeypatch):
    def unloadable():
        raise OSError("cannot open shared object file")

    monkeypatch.setattr(spss, "_shared_library", unloadable)
    errors = checks.spss_writer_check()
    assert _ids(errors) == ["surveys.E010"] and "cannot open shared object file" in errors[0].msg


@pytest.fixture
def spss_broken(monkeypatch):
    monkeypatch.setattr(spss, "installed_pyreadstat_version", lambda: "9.9.9")


@pytest.mark.django_db
def test_the_spss_export_is_refused_in_french_and_the_other_formats_still_work(client, spss_broken):
    built = make_survey()
    client.force_login(built.project_ns.facilitator)
    url = reverse("surveys:exports", args=[built.survey.pk])
    data = {"delimiter": ",", "territory": "all"}
    refused = client.post(url, {**data, "format": "sav"})
    assert refused.status_code == 400
    assert "L&#x27;export SPSS (.sav) est indisponible sur ce serveur" in refused.content.decode()
    assert not Export.objects.exists()
    assert client.post(url, {**data, "format": "csv"}).status_code == 302
    assert Export.objects.filter(format="csv").count() == 1


@pytest.mark.django_db
def test_a_queued_spss_export_fails_with_the_french_message_not_a_crash(spss_broken):
    built = make_survey()
    collection.response_submit(
        deployment=built.deployment, answers=valid_answers(), channel="online", idempotency_key=str(uuid.uuid4())
    )
    export = Export.objects.create(survey=built.survey, requested_by=built.project_ns.facilitator, format="sav")
    export = exports.export_build_file(export_id=export.pk)
    assert export.status == Export.Status.FAILED
    assert export.error.startswith("L'export SPSS (.sav) est indisponible sur ce serveur")
    with pytest.raises(spss.SavUnavailable):
        spss.SavWriter("/dev/null", [], row_count=0)
