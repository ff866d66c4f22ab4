from django.conf import settings
from django.core.exceptions import ValidationError
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _


def validate_pdf_upload(uploaded_file) -> None:
    """Accept a PDF judged by its content (its signature bytes), never by its name, within the size limit."""
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
    head = uploaded_file.read(1024)
    uploaded_file.seek(position)
    # The PDF specification lets the header start anywhere in the first 1024 bytes.
    if b"%PDF-" not in head:
        raise ValidationError(
            _("Ce fichier n'est pas un PDF (son contenu ne correspond pas au format PDF)."), code="not_pdf"
        )
