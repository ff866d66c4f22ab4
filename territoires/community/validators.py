from django.conf import settings
from django.core.exceptions import ValidationError
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

from territoires.core.validators import validate_pdf_upload

MAX_ATTACHMENTS = 5

# File signatures of the images a message may carry (no SVG: it can hold scripts).
IMAGE_SIGNATURES = (
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"GIF87a", "image/gif"),
    (b"GIF89a", "image/gif"),
)


def attachment_content_type(uploaded_file) -> str:
    """The type of an attached file judged by its content: a PDF or a PNG/JPEG/GIF image, else refused."""
    max_bytes = settings.MAX_UPLOAD_MB * 1024 * 1024
    if uploaded_file.size > max_bytes:
        raise ValidationError(
            _("« %(name)s » pèse %(size)s ; la limite est de %(limit)s.")
            % {
                "name": uploaded_file.name,
                "size": filesizeformat(uploaded_file.size),
                "limit": filesizeformat(max_bytes),
            }
        )
    uploaded_file.seek(0)
    head = uploaded_file.read(16)
    uploaded_file.seek(0)
    for signature, content_type in IMAGE_SIGNATURES:
        if head.startswith(signature):
            return content_type
    try:
        validate_pdf_upload(uploaded_file)
    except ValidationError:
        raise ValidationError(
            _("« %(name)s » n'est ni un PDF ni une image PNG, JPEG ou GIF (d'après son contenu).")
            % {"name": uploaded_file.name}
        ) from None
    return "application/pdf"
