"""Files sent after a permission check: by the application, or by nginx from an internal location
when FILES_ACCEL_REDIRECT is set (the worker is then free at once)."""

import pytest
from django.core.files.base import ContentFile
from django.db.models.fields.files import FieldFile
from django.http import Http404

from territoires.accounts.models import PersonalDataExport
from territoires.core.storage import stored_file_response
from territoires.library.models import Attachment


def stored(model, name: str, content: bytes) -> FieldFile:
    field = model._meta.get_field("file")
    saved = field.storage.save(name, ContentFile(content))
    return FieldFile(None, field, saved)


@pytest.mark.django_db  # closing the response sends request_finished, which closes connections
def test_the_application_streams_the_file_with_its_name_type_and_headers():
    report = stored(PersonalDataExport, "exports/données é.zip", b"PK\x03\x04 contenu")
    response = stored_file_response(
        report, filename="données.zip", content_type="application/zip", headers={"Cache-Control": "private, no-store"}
    )
    assert b"".join(response.streaming_content) == b"PK\x03\x04 contenu"
    assert response["Content-Type"] == "application/zip"
    assert response["Content-Disposition"].startswith("attachment;")
    assert "donn%C3%A9es.zip" in response["Content-Disposition"]
    assert response["Cache-Control"] == "private, no-store"
    assert "X-Accel-Redirect" not in response
    response.close()


@pytest.mark.parametrize(
    ("model", "root"),
    [(PersonalDataExport, "private"), (Attachment, "media")],
    ids=["private-file", "upload"],
)
def test_behind_nginx_the_proxy_sends_the_file_from_its_internal_location(settings, model, root):
    settings.FILES_ACCEL_REDIRECT = "/_fichiers/"
    document = stored(model, "dossier/compte rendu.pdf", b"%PDF-1.4 contenu")
    response = stored_file_response(
        document,
        filename="compte-rendu.pdf",
        content_type="application/pdf",
        as_attachment=False,
        headers={"Content-Security-Policy": "default-src 'none'; sandbox"},
    )
    assert response["X-Accel-Redirect"] == f"/_fichiers/{root}/dossier/compte%20rendu.pdf"
    assert response.content == b""  # the body is nginx's to send
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == 'inline; filename="compte-rendu.pdf"'
    assert response["Content-Security-Policy"] == "default-src 'none'; sandbox"


@pytest.mark.parametrize("accel", ["", "/_fichiers/"], ids=["application", "nginx"])
def test_a_file_missing_from_the_disk_is_a_404_either_way(settings, accel):
    settings.FILES_ACCEL_REDIRECT = accel
    gone = stored(PersonalDataExport, "exports/parti.zip", b"x")
    gone.storage.delete(gone.name)
    with pytest.raises(Http404):
        stored_file_response(gone, filename="parti.zip", content_type="application/zip")
