"""The link of an invitation: a signed token naming the invitation and its current key.

The signature stops a forged link; the key stored on the invitation retires a link once the
invitation is sent again; the invitation's own dates stop an expired, cancelled or used link.
"""

from dataclasses import dataclass

from django.conf import settings
from django.core import signing
from django.core.mail import EmailMessage
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from territoires.accounts.models import Invitation
from territoires.core.links import absolute

SALT = "territoires.accounts.invitation"


def invitation_token(invitation: Invitation) -> str:
    return signing.dumps({"id": invitation.pk, "key": invitation.key}, salt=SALT, compress=True)


def invitation_url(invitation: Invitation) -> str:
    return absolute(reverse("accounts:invitation_accept", args=[invitation_token(invitation)]))


@dataclass(frozen=True)
class LinkCheck:
    """What a link leads to: the invitation when it is still open, else why it is not."""

    invitation: Invitation | None
    problem: str = ""  # "", "invalid", "replaced", "expired", "revoked", "accepted"


def invitation_from_token(token: str) -> LinkCheck:
    try:
        payload = signing.loads(token, salt=SALT, max_age=settings.INVITATION_VALID_DAYS * 24 * 3600)
    except signing.SignatureExpired:
        return LinkCheck(None, "expired")
    except (signing.BadSignature, ValueError, TypeError):
        return LinkCheck(None, "invalid")
    if not isinstance(payload, dict) or not isinstance(payload.get("id"), int):
        return LinkCheck(None, "invalid")
    invitation = Invitation.objects.select_related("organisation", "invited_by").filter(pk=payload["id"]).first()
    if invitation is None:
        return LinkCheck(None, "invalid")
    if invitation.accepted_at:
        return LinkCheck(invitation, "accepted")
    if invitation.key != payload.get("key"):
        return LinkCheck(invitation, "replaced")
    if invitation.state != "pending":
        return LinkCheck(invitation, invitation.state)
    return LinkCheck(invitation)


def invitation_email_send(*, invitation_id: int) -> bool:
    """Send the invitation's e-mail with its current link (run by a background task)."""
    invitation = Invitation.objects.select_related("organisation", "invited_by").filter(pk=invitation_id).first()
    if invitation is None or invitation.state != "pending":
        return False
    with translation.override(settings.LANGUAGE_CODE):
        context = {
            "invitation": invitation,
            "url": invitation_url(invitation),
            "site_url": absolute("/"),
            "valid_days": settings.INVITATION_VALID_DAYS,
        }
        subject = _("[Territoires en commun] Invitation à rejoindre %(org)s") % {"org": invitation.organisation}
        body = render_to_string("accounts/invitation_email.txt", context)
    EmailMessage(subject=subject, body=body, to=[invitation.email], headers={"Auto-Submitted": "auto-generated"}).send()
    return True
