"""Zip bombs: a small upload that inflates to tens of megabytes is refused from its central
directory, before anything is inflated, in bounded memory and time — for office attachments of the
resource base and for XLSForm imports; a member is only ever read up to a byte limit."""

import io
import time
import tracemalloc
import zipfile

import openpyxl
import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from territoires.core.archives import inspect_zip, open_zip, read_member
from territoires.library.models import Attachment, Resource
from territoires.library.validators import ODS, ODT, XLSX, detect_attachment_format
from territoires.surveys.models import Survey
from territoires.surveys.xlsform import read_workbook, xlsform_import
from tests.factories import make_project
from tests.library.helpers import docx_bytes, ods_bytes
from tests.library.test_resources import form_data
from tests.surveys.factories import make_survey

MB = 1024 * 1024
BOMB_MB = 50
ODT_MIMETYPE = b"application/vnd.oasis.opendocument.text"


def _deflated_info(name):
    info = zipfile.ZipInfo(name)
    info.compress_type = zipfile.ZIP_DEFLATED
    return info


@pytest.fixture(scope="module")
def odt_bomb() -> bytes:
    """An .odt whose `mimetype` member is the real type followed by 50 MB of zeros (≈ 50 KB)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        chunk = b"\0" * MB
        with archive.open(_deflated_info("mimetype"), "w", force_zip64=True) as member:
            member.write(ODT_MIMETYPE)
            for _ in range(BOMB_MB):
                member.write(chunk)
        archive.writestr("content.xml", "<office/>")
    return buffer.getvalue()


def _xlsform_bytes() -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "survey"
    sheet.append(["type", "name", "label"])
    sheet.append(["text", "commune", "Votre commune"])
    output = io.BytesIO()
    book.save(output)
    return output.getvalue()


SHARED_STRINGS_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"
SHARED_STRINGS_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings"


@pytest.fixture(scope="module")
def xlsx_bomb() -> bytes:
    """A valid XLSForm with a shared strings table of 50 MB (≈ 100 KB compressed), which openpyxl
    loads whole, even in read-only mode."""
    source = zipfile.ZipFile(io.BytesIO(_xlsform_bytes()))
    patched = {
        "[Content_Types].xml": source.read("[Content_Types].xml").replace(
            b"</Types>",
            f'<Override PartName="/xl/sharedStrings.xml" ContentType="{SHARED_STRINGS_TYPE}" /></Types>'.encode(),
        ),
        "xl/_rels/workbook.xml.rels": source.read("xl/_rels/workbook.xml.rels").replace(
            b"</Relationships>",
            f'<Relationship Type="{SHARED_STRINGS_REL}" Target="sharedStrings.xml" Id="rId99" /></Relationships>'.encode(),
        ),
    }
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for info in source.infolist():
            archive.writestr(info.filename, patched.get(info.filename) or source.read(info.filename))
        chunk = b"<si><t>commune</t></si>" * (MB // 23)
        with archive.open(_deflated_info("xl/sharedStrings.xml"), "w", force_zip64=True) as member:
            member.write(b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">')
            for _ in range(BOMB_MB):
                member.write(chunk)
            member.write(b"</sst>")
    return buffer.getvalue()


@pytest.fixture
def small_limits(settings):
    settings.ARCHIVE_MAX_TOTAL_MB = 10
    settings.ARCHIVE_MAX_RATIO = 100
    settings.ARCHIVE_RATIO_FROM_MB = 1
    settings.ARCHIVE_MAX_MEMBERS = 50
    return settings


def _measured(function):
    """(exception raised, peak bytes allocated, seconds)."""
    tracemalloc.start()
    started = time.perf_counter()
    raised = None
    try:
        function()
    except Exception as error:  # noqa: BLE001 — the caller asserts on it
        raised = error
    seconds = time.perf_counter() - started
    _current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return raised, peak, seconds


def test_the_bombs_are_small_and_really_inflate(odt_bomb, xlsx_bomb):
    assert len(odt_bomb) < 1 * MB and len(xlsx_bomb) < 1 * MB
    for content in (odt_bomb, xlsx_bomb):
        total = sum(info.file_size for info in zipfile.ZipFile(io.BytesIO(content)).infolist())
        assert total > BOMB_MB * MB


def test_an_odt_bomb_is_refused_in_french_without_being_inflated(odt_bomb, small_limits):
    upload = SimpleUploadedFile("compte-rendu.odt", odt_bomb)
    raised, peak, seconds = _measured(lambda: detect_attachment_format(upload))
    assert isinstance(raised, ValidationError)
    assert "compte-rendu.odt" in raised.messages[0]
    assert "décompressée" in raised.messages[0]
    assert peak < 2 * MB, peak
    assert seconds < 1, seconds


def test_an_odt_bomb_under_the_total_limit_is_refused_by_its_ratio(odt_bomb, small_limits):
    small_limits.ARCHIVE_MAX_TOTAL_MB = 100
    upload = SimpleUploadedFile("compte-rendu.odt", odt_bomb)
    raised, peak, _seconds = _measured(lambda: detect_attachment_format(upload))
    assert isinstance(raised, ValidationError)
    assert "bombe de décompression" in raised.messages[0]
    assert "mimetype" in raised.messages[0]
    assert peak < 2 * MB, peak


def test_the_mimetype_member_is_read_only_up_to_its_first_bytes(odt_bomb, small_limits):
    """Even when the limits let the archive through, the check reads 100 bytes, not 50 MB."""
    small_limits.ARCHIVE_MAX_TOTAL_MB = 100
    small_limits.ARCHIVE_MAX_RATIO = 100_000
    upload = SimpleUploadedFile("compte-rendu.odt", odt_bomb)
    raised, peak, seconds = _measured(lambda: detect_attachment_format(upload))
    # The type read from the first bytes is not exactly the ODT type: refused as an unknown format.
    assert isinstance(raised, ValidationError)
    assert raised.code == "unknown_format"
    assert peak < 2 * MB, peak
    assert seconds < 1, seconds


def test_an_xlsform_bomb_is_refused_before_openpyxl_reads_it(xlsx_bomb, small_limits):
    raised, peak, seconds = _measured(lambda: read_workbook(xlsx_bomb, name="bombe.xlsx"))
    assert isinstance(raised, ValidationError)
    assert raised.messages[0].startswith("Fichier refusé : ")
    assert "décompressée" in raised.messages[0]
    assert peak < 2 * MB, peak
    assert seconds < 1, seconds


def test_too_many_members_are_refused(small_limits):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for number in range(51):
            archive.writestr(f"part{number}.xml", "<x/>")
    with (
        pytest.raises(ValidationError, match="51 fichiers ; la limite est de 50"),
        open_zip(io.BytesIO(buffer.getvalue())),
    ):
        pass


def test_read_member_stops_past_its_limit_whatever_the_archive_declares(odt_bomb):
    archive = zipfile.ZipFile(io.BytesIO(odt_bomb))
    raised, peak, _seconds = _measured(lambda: read_member(archive, "mimetype", MB))
    assert isinstance(raised, ValidationError)
    assert "dépasse" in raised.messages[0]
    assert peak < 4 * MB, peak
    assert read_member(archive, "mimetype", len(ODT_MIMETYPE), truncate=True) == ODT_MIMETYPE
    assert read_member(archive, "content.xml", 100) == b"<office/>"


def test_real_office_files_and_xlsforms_still_pass(small_limits):
    inspect_zip(zipfile.ZipFile(io.BytesIO(docx_bytes())))
    assert detect_attachment_format(SimpleUploadedFile("tableau.ods", ods_bytes())) == ODS
    odt = io.BytesIO()
    with zipfile.ZipFile(odt, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("mimetype", ODT_MIMETYPE, compress_type=zipfile.ZIP_STORED)
        archive.writestr("content.xml", "<office/>" * 10_000)
    assert detect_attachment_format(SimpleUploadedFile("note.odt", odt.getvalue())) == ODT
    xlsform = _xlsform_bytes()
    assert detect_attachment_format(SimpleUploadedFile("formulaire.xlsx", xlsform)) == XLSX
    workbook = read_workbook(xlsform, name="formulaire.xlsx")
    assert [row for _line, row in workbook.sheets["survey"]] == [
        {"type": "text", "name": "commune", "label": "Votre commune"}
    ]


@pytest.mark.django_db
def test_the_resource_form_shows_the_refusal_and_saves_nothing(client, odt_bomb, small_limits):
    world = make_project()
    client.force_login(world.referents[0])
    data = form_data(world, files=SimpleUploadedFile("compte-rendu.odt", odt_bomb))
    response = client.post(reverse("library:resource_create"), data)
    assert response.status_code == 400
    assert "compte-rendu.odt" in response.content.decode()
    assert "décompressée" in response.content.decode()
    assert not Resource.objects.exists() and not Attachment.objects.exists()


@pytest.mark.django_db
def test_the_xlsform_import_refuses_the_bomb_and_creates_nothing(xlsx_bomb, small_limits):
    ns = make_survey(status=Survey.Status.DRAFT)
    surveys = Survey.objects.count()
    file = io.BytesIO(xlsx_bomb)
    file.name = "bombe.xlsx"
    with pytest.raises(ValidationError, match="Fichier refusé : une fois décompressée"):
        xlsform_import(project=ns.project, user=ns.project_ns.consultant, file=file)
    assert Survey.objects.count() == surveys
