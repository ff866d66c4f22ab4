"""Checking and cleaning an observation photo before it is stored.

A photo is judged by its content (Pillow opens and decodes it), not by its name or the type the
browser claims; it is then re-encoded as JPEG without its metadata — a phone's photo carries the
GPS position and the device in its EXIF block, which nobody reading a note needs.
"""

import io
import secrets

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

ACCEPTED_FORMATS = {"JPEG", "PNG", "WEBP"}
MAX_PIXELS = 40_000_000  # a 40-megapixel phone photo; beyond, decoding is a memory risk
MAX_SIDE = 2400  # stored size: enough to read a scene, small enough to send on a phone


def clean_photo(uploaded_file) -> tuple[ContentFile, int, int]:
    """A cleaned JPEG (ContentFile), its width and height; ValidationError in French otherwise."""
    from PIL import Image, ImageOps, UnidentifiedImageError

    max_bytes = settings.MAX_UPLOAD_MB * 1024 * 1024
    if uploaded_file.size > max_bytes:
        raise ValidationError(
            _("La photo pèse %(size)s ; la limite est de %(limit)s.")
            % {"size": filesizeformat(uploaded_file.size), "limit": filesizeformat(max_bytes)}
        )
    if uploaded_file.size == 0:
        raise ValidationError(_("Le fichier est vide."))
    not_an_image = ValidationError(_("Ce fichier n'est pas une photo (JPEG, PNG ou WebP)."))
    uploaded_file.seek(0)
    data = uploaded_file.read(max_bytes + 1)
    try:
        with Image.open(io.BytesIO(data)) as probe:
            if probe.format not in ACCEPTED_FORMATS:
                raise not_an_image
            if probe.width * probe.height > MAX_PIXELS:
                raise ValidationError(_("La photo est trop grande (plus de 40 millions de pixels)."))
            probe.verify()
        with Image.open(io.BytesIO(data)) as image:
            image = ImageOps.exif_transpose(image)
            image = image.convert("RGB")
            image.thumbnail((MAX_SIDE, MAX_SIDE))
            output = io.BytesIO()
            image.save(output, format="JPEG", quality=85, optimize=True)
            width, height = image.size
    except ValidationError:
        raise
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        raise not_an_image from None
    return ContentFile(output.getvalue(), name=f"{secrets.token_hex(8)}.jpg"), width, height
