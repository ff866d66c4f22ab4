import io
import logging

from django.conf import settings
from django.core.exceptions import ValidationError
from django.template.defaultfilters import filesizeformat
from django.utils.text import slugify
from django.utils.translation import gettext as _

logger = logging.getLogger(__name__)

# Dictionary keys of a PDF that run something when the file is opened or clicked: scripts, launched
# programs, forms sent elsewhere, embedded files and media. A deliberation or minutes PDF needs none.
ACTIVE_PDF_KEYS = frozenset(
    {
        "/JavaScript",
        "/JS",
        "/OpenAction",
        "/AA",
        "/Launch",
        "/SubmitForm",
        "/ImportData",
        "/GoToE",
        "/GoToR",
        "/EmbeddedFile",
        "/EmbeddedFiles",
        "/RichMedia",
        "/XFA",
    }
)
# Walking a hostile file's objects is bounded: a real document of a few MB has far fewer.
MAX_PDF_OBJECTS = 200_000


def validate_pdf_upload(uploaded_file) -> None:
    """Accept a PDF judged by its content, parsed (pypdf), with no active content, within the size limit.

    The file must start with the PDF header (an HTML page that carries "%PDF-" in a comment is not a
    PDF), must parse as a PDF, and may not hold scripts, launch actions, embedded files or forms that
    send data (ACTIVE_PDF_KEYS), which a reader could run when the file is opened.
    """
    max_bytes = settings.MAX_UPLOAD_MB * 1024 * 1024
    if uploaded_file.size > max_bytes:
        raise ValidationError(
            _("Le fichier pèse %(size)s ; la limite est de %(limit)s.")
            % {"size": filesizeformat(uploaded_file.size), "limit": filesizeformat(max_bytes)},
            code="too_large",
        )
    if uploaded_file.size == 0:
        raise ValidationError(_("Le fichier est vide."), code="empty")
    position = uploaded_file.tell() if hasattr(uploaded_file, "tell") else 0
    uploaded_file.seek(0)
    content = uploaded_file.read(max_bytes + 1)
    uploaded_file.seek(position)
    not_pdf = ValidationError(
        _("Ce fichier n'est pas un PDF (son contenu ne correspond pas au format PDF)."), code="not_pdf"
    )
    if not content.startswith(b"%PDF-"):
        raise not_pdf
    active = _active_pdf_content(content)
    if active is None:
        raise not_pdf
    if active:
        raise ValidationError(
            _(
                "Ce PDF contient des éléments actifs (script, action automatique, fichier joint ou formulaire "
                "envoyé ailleurs) : enregistrez-le de nouveau en PDF simple (« Imprimer en PDF ») puis déposez-le."
            ),
            code="active_pdf",
        )


def _active_pdf_content(content: bytes) -> bool | None:
    """True when the PDF holds an active key, False when it holds none, None when it does not parse."""
    from pypdf import PdfReader
    from pypdf.errors import PyPdfError
    from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject

    try:
        reader = PdfReader(io.BytesIO(content), strict=False)
        stack = [reader.trailer]
        seen: set[tuple[int, int]] = set()
        walked = 0
        while stack:
            node = stack.pop()
            walked += 1
            if walked > MAX_PDF_OBJECTS:
                return True  # too many objects to judge: refused as if active
            if isinstance(node, IndirectObject):
                key = (node.idnum, node.generation)
                if key in seen:
                    continue
                seen.add(key)
                node = node.get_object()
            if isinstance(node, DictionaryObject):
                if ACTIVE_PDF_KEYS.intersection(node.keys()):
                    return True
                stack.extend(value for name, value in node.items() if name != "/Parent")
            elif isinstance(node, ArrayObject):
                stack.extend(node)
        return len(reader.pages) < 1
    except (PyPdfError, ValueError, TypeError, KeyError, AttributeError, OSError, RecursionError) as error:
        logger.info("PDF refused: %s", error)
        return None


def safe_download_name(name: str, extension: str, *, fallback: str = "fichier") -> str:
    """The name a file is served under: letters, digits and dashes, and the extension of the type that
    was checked at upload, whatever name and extension the file was sent with."""
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    stem = name.rsplit(".", 1)[0] if "." in name else name
    stem = slugify(stem)[:80].strip("-") or fallback
    return f"{stem}.{extension.lstrip('.')}"
