"""Builders shared by the resource-base tests."""

import io
import zipfile

from django.core.files.uploadedfile import SimpleUploadedFile

from territoires.library.models import Resource
from territoires.library.services import resource_create
from tests.factories import pdf_bytes


def pdf_upload(name="guide.pdf"):
    return SimpleUploadedFile(name, pdf_bytes(), content_type="application/pdf")


def docx_bytes() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<document/>")
    return buffer.getvalue()


def ods_bytes() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet")
        archive.writestr("content.xml", "<office/>")
    return buffer.getvalue()


def make_resource(world, *, author=None, title="Guide d'entretien", visibility="public", publish=True, **extra):
    """A resource of the world's project, about town 0 (its territory), with one PDF."""
    author = author or world.referents[0]
    territory = world.project.participations.get(organisation=world.towns[0])
    data = {
        "kind": Resource.Kind.METHOD,
        "title": title,
        "summary": extra.pop("summary", "Un résumé de la ressource."),
        "body": extra.pop("body", "Le **contenu** de la ressource."),
        "licence": Resource.Licence.ETALAB_2,
        "visibility": visibility,
        "project": world.project,
        "territory": territory,
        **extra,
    }
    return resource_create(user=author, data=data, files=[pdf_upload()], publish=publish)
