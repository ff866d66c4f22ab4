"""The text of an uploaded transcript, judged by its content, never by its name.

Accepted: plain text (.txt, UTF-8 or Windows-1252), Word (.docx), OpenDocument text (.odt) and PDF
with a text layer. Office files are ZIP archives opened through core/archives.py (the zip-bomb
bounds: central directory inspected before anything is inflated, the document part streamed under a
byte limit) and their XML parsed with defusedxml (no entities, no external references). A PDF must
pass the platform's PDF check (core/validators.py: parsed, no active content), must not be
encrypted, and must carry text (a scanned document has none: it would need character recognition).

Every refusal is a French ValidationError; nothing is stored before the text is extracted.
"""

import io
import logging
import zipfile

from django.conf import settings
from django.core.exceptions import ValidationError
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

from territoires.core.archives import open_zip, read_member
from territoires.core.validators import validate_pdf_upload

logger = logging.getLogger(__name__)

# A transcript of a long collective interview is a few hundred thousand characters.
MAX_TRANSCRIPT_CHARS = 1_000_000
# The XML part of a document: far more than a transcript's text with its formatting.
MAX_XML_BYTES = 40 * 1024 * 1024
MAX_PDF_PAGES = 600
EXTENSIONS = ("txt", "docx", "odt", "pdf")
ODT_MIMETYPE = b"application/vnd.oasis.opendocument.text"

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
TEXT_NS = "{urn:oasis:names:tc:opendocument:xmlns:text:1.0}"
OFFICE_NS = "{urn:oasis:names:tc:opendocument:xmlns:office:1.0}"


def _refuse(message: str, code: str):
    raise ValidationError(message, code=code)


def clean_text(text: str) -> str:
    """Line ends made one, invisible control characters dropped, trailing blanks trimmed."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\x00", "")
    text = "".join(char for char in text if char in "\n\t" or ord(char) >= 32)
    lines = [line.rstrip() for line in text.split("\n")]
    return "\n".join(lines).strip("\n")


def transcript_text_from_upload(upload) -> tuple[str, str]:
    """(text, source) from an uploaded file, source being one of Transcript.Source; or a French
    ValidationError saying what is wrong with the file."""
    name = upload.name or ""
    extension = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    max_bytes = settings.MAX_UPLOAD_MB * 1024 * 1024
    if extension not in EXTENSIONS:
        _refuse(
            _("« %(name)s » : déposez un fichier .txt, .docx, .odt ou .pdf.") % {"name": name[:100]},
            "transcript_extension",
        )
    if upload.size > max_bytes:
        _refuse(
            _("« %(name)s » pèse %(size)s ; la limite est de %(limit)s. Rien n'a été modifié.")
            % {"name": name[:100], "size": filesizeformat(upload.size), "limit": filesizeformat(max_bytes)},
            "too_large",
        )
    if upload.size == 0:
        _refuse(_("« %(name)s » est vide.") % {"name": name[:100]}, "empty")
    upload.seek(0)
    content = upload.read(max_bytes + 1)
    upload.seek(0)
    reader = {"txt": _text_of_txt, "docx": _text_of_docx, "odt": _text_of_odt, "pdf": _text_of_pdf}[extension]
    text = clean_text(reader(content, name[:100]))
    if not text.strip():
        _refuse(_("« %(name)s » ne contient aucun texte.") % {"name": name[:100]}, "no_text")
    if len(text) > MAX_TRANSCRIPT_CHARS:
        _refuse(
            _("« %(name)s » contient plus de %(limit)s caractères : découpez la transcription.")
            % {"name": name[:100], "limit": f"{MAX_TRANSCRIPT_CHARS:,}".replace(",", " ")},
            "too_long",
        )
    return text, extension


def _text_of_txt(content: bytes, name: str) -> str:
    if content.startswith(b"\xef\xbb\xbf"):
        content = content[3:]
    for encoding in ("utf-8", "cp1252"):
        try:
            text = content.decode(encoding)
        except UnicodeDecodeError:
            continue
        controls = sum(1 for char in text if ord(char) < 32 and char not in "\t\r\n\x0c")
        if "\x00" not in text and controls <= len(text) // 1000:
            return text
        break
    _refuse(
        _("« %(name)s » n'est pas un fichier texte (son contenu est binaire) : rien n'a été modifié.") % {"name": name},
        "not_text",
    )


def _xml_root(content: bytes, part: str, name: str, label: str, check=None):
    from defusedxml import DefusedXmlException
    from defusedxml.ElementTree import fromstring

    not_this = ValidationError(
        _("« %(name)s » n'est pas un document %(kind)s valide (son contenu ne correspond pas) : rien n'a été modifié.")
        % {"name": name, "kind": label},
        code="not_document",
    )
    try:
        with open_zip(io.BytesIO(content), label=name) as archive:
            names = set(archive.namelist())
            if part not in names or (check is not None and not check(archive, names)):
                raise not_this
            xml = read_member(archive, part, MAX_XML_BYTES)
    except (zipfile.BadZipFile, OSError, ValueError, RuntimeError, NotImplementedError, EOFError) as error:
        logger.info("Transcript archive refused: %s", error)
        raise not_this from None
    try:
        return fromstring(xml)
    except DefusedXmlException:
        _refuse(
            _("« %(name)s » contient des déclarations XML refusées (entités) : rien n'a été modifié.") % {"name": name},
            "xml_entities",
        )
    except Exception as error:  # noqa: BLE001 — any parse error of a hostile file is the same refusal
        logger.info("Transcript XML refused: %s", error)
        raise not_this from None


def _text_of_docx(content: bytes, name: str) -> str:
    root = _xml_root(
        content, "word/document.xml", name, "Word (.docx)", check=lambda _a, names: "[Content_Types].xml" in names
    )
    out: list[str] = []

    def walk(element):
        tag = element.tag
        if tag == f"{W}t":
            out.append(element.text or "")
        elif tag == f"{W}tab":
            out.append("\t")
        elif tag in (f"{W}br", f"{W}cr"):
            out.append("\n")
        elif tag in (f"{W}del", f"{W}instrText", f"{W}delText"):
            return  # deleted text (tracked changes) and field codes are not what was said
        for child in element:
            walk(child)
        if tag == f"{W}p":
            out.append("\n")

    walk(root)
    return "".join(out)


def _is_odt(archive, names) -> bool:
    return "mimetype" in names and read_member(archive, "mimetype", 100, truncate=True).strip() == ODT_MIMETYPE


def _text_of_odt(content: bytes, name: str) -> str:
    root = _xml_root(content, "content.xml", name, "OpenDocument (.odt)", check=_is_odt)
    out: list[str] = []
    skipped = {f"{OFFICE_NS}annotation", f"{TEXT_NS}tracked-changes", f"{TEXT_NS}note"}

    def walk(element):
        tag = element.tag
        if tag in skipped:
            return
        if tag == f"{TEXT_NS}s":
            try:
                count = min(int(element.get(f"{TEXT_NS}c", "1")), 100)
            except ValueError:
                count = 1
            out.append(" " * count)
        elif tag == f"{TEXT_NS}tab":
            out.append("\t")
        elif tag == f"{TEXT_NS}line-break":
            out.append("\n")
        elif element.text:
            out.append(element.text)
        for child in element:
            walk(child)
            if child.tail:
                out.append(child.tail)
        if tag in (f"{TEXT_NS}p", f"{TEXT_NS}h"):
            out.append("\n")

    body = root.find(f"{OFFICE_NS}body")
    walk(body if body is not None else root)
    return "".join(out)


def _text_of_pdf(content: bytes, name: str) -> str:
    from pypdf import PdfReader
    from pypdf.errors import PyPdfError

    not_pdf = ValidationError(
        _("« %(name)s » n'est pas un PDF (son contenu ne correspond pas au format PDF) : rien n'a été modifié.")
        % {"name": name},
        code="not_pdf",
    )
    if not content.startswith(b"%PDF-"):
        raise not_pdf
    try:
        reader = PdfReader(io.BytesIO(content), strict=False)
        encrypted = reader.is_encrypted
    except (PyPdfError, ValueError, TypeError, KeyError, AttributeError, OSError, RecursionError):
        raise not_pdf from None
    if encrypted:
        _refuse(
            _(
                "« %(name)s » est un PDF protégé (chiffré ou par mot de passe) : son texte ne peut pas être lu. "
                "Enregistrez-le sans protection, ou déposez le document d'origine (.docx, .odt)."
            )
            % {"name": name},
            "encrypted_pdf",
        )
    try:
        validate_pdf_upload(_Sized(content))
    except ValidationError as error:
        _refuse(f"« {name} » : {error.messages[0]}", error.code or "not_pdf")
    try:
        if len(reader.pages) > MAX_PDF_PAGES:
            _refuse(
                _("« %(name)s » a plus de %(limit)d pages : découpez la transcription.")
                % {"name": name, "limit": MAX_PDF_PAGES},
                "too_many_pages",
            )
        pages = [page.extract_text() or "" for page in reader.pages]
    except ValidationError:
        raise
    except Exception as error:  # noqa: BLE001 — a hostile PDF may fail anywhere inside the extractor
        logger.info("PDF text extraction failed: %s", error)
        raise not_pdf from None
    text = "\n\n".join(page.strip("\n") for page in pages)
    if not text.strip():
        _refuse(
            _(
                "« %(name)s » ne contient pas de texte lisible : c'est sans doute un document numérisé (une image). "
                "Déposez le document d'origine ou saisissez la transcription."
            )
            % {"name": name},
            "image_only_pdf",
        )
    return text


class _Sized(io.BytesIO):
    """Bytes with the `size` that validate_pdf_upload reads on an upload."""

    def __init__(self, content: bytes):
        super().__init__(content)
        self.size = len(content)
