"""Files on an S3-compatible bucket (django-storages), against moto's server started by the tests: uploads
and private files land in the bucket, are served only through the permission-checked views, never get
a URL, and every code path that needed a file on disk (directory imports) works from the bucket. The
default, with no bucket configured, stays the local disk."""

import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.storage import FileSystemStorage, storages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from territoires.core.storage import PrivateStorage, private_files
from territoires.diagnostic.imports import services as imports
from territoires.diagnostic.imports.models import ImportJob
from territoires.diagnostic.models import Entry
from territoires.surveys import exports
from territoires.surveys.models import Export, Response
from tests.diagnostic.helpers import territory_of
from tests.factories import UserFactory, make_project, pdf_bytes
from tests.library.test_resources import upload_draft_attachment
from tests.s3_support import bucket_names, s3_client
from tests.surveys.factories import make_survey, valid_answers

pytestmark = pytest.mark.django_db

SAMPLES = Path(__file__).resolve().parents[1] / "diagnostic" / "samples"


def _storages_in_a_process(**environment) -> list[str]:
    code = """
import django
django.setup()
from django.core.files.storage import storages
default, private = storages["default"], storages["private"]
print(type(default).__name__, default.location)
print(type(private).__name__, private.location)
print(getattr(private, "bucket_name", ""))
"""
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings", **environment}
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=settings.BASE_DIR, env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.strip().splitlines()


def test_without_a_bucket_files_stay_on_local_disk_with_private_files_outside_the_media_folder():
    lines = _storages_in_a_process(MEDIA_S3_BUCKET="", MEDIA_ROOT="/srv/essai/media", PRIVATE_MEDIA_ROOT="")
    assert lines[0] == "FileSystemStorage /srv/essai/media"
    assert lines[1] == "PrivateStorage /srv/essai/private"
    # In this process too: the test settings keep the default.
    assert type(storages["default"]) is FileSystemStorage and type(storages["private"]) is PrivateStorage
    assert Path(private_files.location) == Path(settings.MEDIA_ROOT).parent / "private"


def test_a_bucket_in_the_environment_moves_uploads_and_private_files_to_it():
    lines = _storages_in_a_process(
        MEDIA_S3_BUCKET="territoires",
        MEDIA_S3_ENDPOINT_URL="http://127.0.0.1:9",
        MEDIA_S3_PRIVATE_BUCKET="territoires-prive",
    )
    assert lines[0] == "MediaS3Storage media"
    assert lines[1] == "PrivateS3Storage private"
    assert lines[2] == "territoires-prive"


def _public_grants(endpoint, bucket, key) -> list:
    acl = s3_client(endpoint).get_object_acl(Bucket=bucket, Key=key)
    return [grant for grant in acl["Grants"] if "URI" in grant.get("Grantee", {})]


def test_an_uploaded_attachment_goes_to_the_bucket_and_is_served_only_by_its_view(client, s3_bucket, s3_endpoint):
    resource, attachment = upload_draft_attachment(client, make_project())
    stored = bucket_names(s3_endpoint, s3_bucket)
    assert stored == [f"media/{attachment.file.name}"]
    assert not _public_grants(s3_endpoint, s3_bucket, stored[0])
    assert attachment.file.url == ""

    url = reverse("library:attachment_download", args=[resource.slug, attachment.pk])
    download = client.get(url)
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == pdf_bytes()
    assert download["Content-Disposition"].startswith("attachment")
    # A draft: someone outside the project does not get it.
    client.force_login(UserFactory())
    assert client.get(url).status_code in (403, 404)


def test_a_survey_export_is_built_into_the_private_prefix_and_downloaded_through_the_checked_view(
    client, s3_bucket, s3_endpoint
):
    ns = make_project()
    built = make_survey(project_ns=ns)
    for _ in range(3):
        Response.objects.create(
            survey=built.survey,
            deployment=built.deployments[0],
            structure_version=1,
            channel="online",
            idempotency_key=uuid.uuid4(),
            answers=valid_answers(),
            age_band="25-34",
            gender="f",
        )
    export = Export.objects.create(survey=built.survey, requested_by=ns.facilitator, format="csv")
    export = exports.export_build_file(export_id=export.pk)
    assert export.status == Export.Status.DONE, export.error
    names = bucket_names(s3_endpoint, s3_bucket)
    assert names == [f"private/{export.file.name}"]
    assert not _public_grants(s3_endpoint, s3_bucket, names[0])
    assert export.file.url == ""

    url = reverse("surveys:export_download", args=[built.survey.pk, export.pk])
    client.force_login(ns.facilitator)
    download = client.get(url)
    assert download.status_code == 200
    content = b"".join(download.streaming_content)
    assert content.count(b"\n") == 4  # header and three answers
    for outsider in (UserFactory(), ns.referents[1]):
        client.force_login(outsider)
        assert client.get(url).status_code in (403, 404)

    # A file missing from the bucket is a clear 404, not a 500.
    s3_client(s3_endpoint).delete_object(Bucket=s3_bucket, Key=names[0])
    client.force_login(ns.facilitator)
    assert client.get(url).status_code == 404


def test_a_directory_import_reads_its_file_from_the_bucket(s3_bucket, s3_endpoint, django_capture_on_commit_callbacks):
    world = make_project()
    town = world.towns[0]
    town.insee_code = "79191"
    town.save(update_fields=["insee_code"])
    job = imports.import_upload(
        territory=territory_of(world, 0),
        user=world.referents[0],
        uploaded_file=SimpleUploadedFile("basilic.csv", (SAMPLES / "basilic.csv").read_bytes()),
        target="directory",
    )
    assert bucket_names(s3_endpoint, s3_bucket) == [f"private/{job.file.name}"]
    assert len(imports.import_preview(job=job)) > 0
    job = imports.import_configure(
        job=job, user=job.requested_by, preset=job.preset, kind=job.kind, mapping=job.mapping,
        source="Basilic", source_year=2024,
    )  # fmt: skip
    with django_capture_on_commit_callbacks(execute=True):
        imports.import_start(job=job, user=job.requested_by)
    job.refresh_from_db()
    assert job.status == ImportJob.Status.DONE, job.error
    assert Entry.objects.filter(territory=territory_of(world, 0)).count() == 10
