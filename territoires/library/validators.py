"""What a resource's attachment is, judged by its content, never by its name or the browser's word.

Accepted: PDF, OpenDocument text and spreadsheet, Word and Excel (OOXML), CSV (plain text), PNG,
JPEG, GIF and WebP images. Office files are ZIP archives: their structure (ODF `mimetype` member,
OOXML `[Content_Types].xml` and main part) tells them apart from any other archive.
"""

import zipfile
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

from territoires.core.archives import open_zip, read_member
from territoires.core.validators import validate_pdf_upload


@dataclass(frozen=True)
class FileFormat:
    label: str
    extension: str
    content_type: str


PDF = FileFormat("PDF", "pdf", "application/pdf")
ODT = FileFormat("ODT", "odt", "application/vnd.oasis.opendocument.text")
ODS = FileFormat("ODS", "ods", "application/vnd.oasis.opendocument.spreadsheet")
DOCX = FileFormat("DOCX", "docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document")
XLSX = FileFormat("XLSX", "xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
CSV = FileFormat("CSV", "csv", "text/csv")
PNG = FileFormat("PNG", "png", "image/png")
JPEG = FileFormat("JPEG", "jpg", "image/jpeg")
GIF = FileFormat("GIF", "gif", "image/gif")
WEBP = FileFormat("WebP", "webp", "image/webp")

EXECUTABLE_SIGNATURES = (b"MZ", b"\x7fELF", b"\xcf\xfa\xed\xfe", b"\xfe\xed\xfa\xce", b"#!")
ACCEPTED_FORMATS_TEXT = "PDF, ODT, DOCX, ODS, XLSX, CSV, PNG, JPEG, GIF, WebP"


def _refuse(message, code):
    raise ValidationError(message, code=code)


def _office_format(uploaded_file) -> FileFormat | None:
    """ODT/ODS/DOCX/XLSX from the archive's structure, None for another archive; a French
    ValidationError for a zip bomb (checked on the central directory before anything is inflated)."""
    try:
        with open_zip(uploaded_file, label=uploaded_file.name) as archive:
            names = set(archive.namelist())
            if "mimetype" in names:
                # Only its first bytes are needed: never inflate the rest, whatever its declared size.
                mimetype = read_member(archive, "mimetype", 100, truncate=True)
                mimetype = mimetype.decode("ascii", "replace").strip()
                return {ODT.content_type: ODT, ODS.content_type: ODS}.get(mimetype)
            if "[Content_Types].xml" in names:
                if "word/document.xml" in names:
                    return DOCX
                if "xl/workbook.xml" in names:
                    return XLSX
    except (zipfile.BadZipFile, OSError, ValueError, RuntimeError, NotImplementedError):
        return None
    return None


def _is_text(sample: bytes) -> bool:
    if b"\x00" in sample:
        return False
    for encoding in ("utf-8", "cp1252"):
        try:
            text = sample.decode(encoding)
        except UnicodeDecodeError:
            # A multi-byte character cut by the sample's end is still text.
            try:
                text = sample[:-3].decode(encoding)
            except UnicodeDecodeError:
                continue
        controls = sum(1 for char in text if ord(char) < 32 and char not in "\t\r\n")
        return controls == 0
    return False


def detect_attachment_format(uploaded_file) -> FileFormat:
    """The format of an upload, or a French ValidationError (too large, empty, executable, unknown)."""
    max_bytes = settings.MAX_UPLOAD_MB * 1024 * 1024
    if uploaded_file.size > max_bytes:
        _refuse(
            _("« %(name)s » pèse %(size)s ; la limite est de %(limit)s.")
            % {
                "name": uploaded_file.name,
                "size": filesizeformat(uploaded_file.size),
                "limit": filesizeformat(max_bytes),
            },
            "too_large",
        )
    if uploaded_file.size == 0:
        _refuse(_("« %(name)s » est vide.") % {"name": uploaded_file.name}, "empty")
    uploaded_file.seek(0)
    head = uploaded_file.read(65536)
    uploaded_file.seek(0)
    if head.startswith(EXECUTABLE_SIGNATURES):
        _refuse(
            _("« %(name)s » est un programme exécutable, quel que soit son nom : il est refusé.")
            % {"name": uploaded_file.name},
            "executable",
        )
    detected = None
    if head.startswith(b"%PDF-"):
        # Parsed, and refused with active content (scripts, launch actions, embedded files).
        try:
            validate_pdf_upload(uploaded_file)
        except ValidationError as error:
            _refuse(f"« {uploaded_file.name} » : {error.messages[0]}", error.code)
        uploaded_file.seek(0)
        detected = PDF
    elif head.startswith(b"\x89PNG\r\n\x1a\n"):
        detected = PNG
    elif head.startswith(b"\xff\xd8\xff"):
        detected = JPEG
    elif head.startswith((b"GIF87a", b"GIF89a")):
        detected = GIF
    elif head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        detected = WEBP
    elif head.startswith(b"PK\x03\x04"):
        detected = _office_format(uploaded_file)
        uploaded_file.seek(0)
    elif uploaded_file.name.lower().endswith((".csv", ".txt")) and _is_text(head):
        detected = CSV
    if detected is None:
        _refuse(
            _("Le contenu de « %(name)s » ne correspond à aucun format accepté (%(formats)s).")
            % {"name": uploaded_file.name, "formats": ACCEPTED_FORMATS_TEXT},
            "unknown_format",
        )
    return detected
