"""Two-factor sign-in (django-otp): a TOTP application on the person's phone, and ten single-use
backup codes for the day the phone is lost.

Optional for everyone, required (TWO_FACTOR_REQUIRED, on by default when PRODUCTION=1) for those
who can change the whole platform: ANCT facilitators, platform administrators and anyone with access
to the admin. A person who must have it and does not is sent to the set-up page from every page
(`TwoFactorRequiredMiddleware`) until it is done.

Sign-in: after a right password, a person with a second factor is not signed in yet; the session
remembers who is half-way (`PENDING_KEY`, for PENDING_SECONDS) and the code page finishes the
sign-in. Wrong codes count as failed sign-ins for django-axes (the same lockout as wrong passwords),
and the TOTP device's own throttling slows guesses further; a code already used is refused (the
device remembers the last time step it accepted; backup codes are deleted when used).

A verified session carries django-otp's device key (`otp_device_id`), read here without a query;
django-otp's own middleware (one query per request) is not needed.
"""

import base64
import time
from dataclasses import dataclass
from urllib.parse import urlencode

import segno
from django.conf import settings
from django.contrib.auth import login
from django.contrib.auth.signals import user_login_failed
from django.core.exceptions import ValidationError
from django.db import transaction
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django_otp import DEVICE_ID_SESSION_KEY, devices_for_user
from django_otp import login as otp_login
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from territoires.accounts.access import is_platform_admin, memberships_of
from territoires.accounts.models import Membership, User
from territoires.core.audit import audit_log
from territoires.core.models import AuditEvent

PENDING_KEY = "two_factor_pending"
PENDING_SECONDS = 300
BACKUP_CODE_COUNT = 10
DEVICE_NAME = "Application d'authentification"


def is_required_for(user) -> bool:
    """Whether the person's role obliges them to use a second factor."""
    if not settings.TWO_FACTOR_REQUIRED or not user.is_authenticated:
        return False
    return user.is_staff or is_platform_admin(user) or Membership.Role.FACILITATOR in memberships_of(user).values()


def has_second_factor(user) -> bool:
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def session_is_verified(request) -> bool:
    return bool(request.session.get(DEVICE_ID_SESSION_KEY))


@dataclass
class TwoFactorState:
    enabled: bool
    required: bool
    backup_codes_left: int


def two_factor_state(user) -> TwoFactorState:
    return TwoFactorState(
        enabled=has_second_factor(user),
        required=is_required_for(user),
        backup_codes_left=StaticToken.objects.filter(device__user=user, device__confirmed=True).count(),
    )


# Set-up ------------------------------------------------------------------------------------------


def totp_device_start(*, user: User) -> TOTPDevice:
    """A new, unconfirmed TOTP device (a fresh secret): confirmed only once a code from it is typed."""
    with transaction.atomic():
        TOTPDevice.objects.filter(user=user, confirmed=False).delete()
        return TOTPDevice.objects.create(user=user, name=DEVICE_NAME, confirmed=False)


def pending_totp_device(user: User) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=False).order_by("-pk").first()


def totp_secret_text(device: TOTPDevice) -> str:
    """The secret as the applications want it typed by hand: base32, in groups of four."""
    secret = base64.b32encode(device.bin_key).decode().rstrip("=")
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def totp_qr_svg(device: TOTPDevice) -> str:
    """The otpauth:// address as an inline SVG QR code, drawn on the server (segno)."""
    return segno.make(device.config_url, error="m").svg_inline(
        scale=5, border=2, title=_("QR code à scanner avec votre application d'authentification")
    )


def _clean_code(code: str) -> str:
    # Backup codes are lower-case letters and digits; people copy them in capitals or with spaces.
    return "".join((code or "").split()).replace("-", "").lower()


def two_factor_enable(*, request, user: User, code: str) -> list[str]:
    """Confirms the pending device with a code from it; returns the new backup codes (shown once)."""
    device = pending_totp_device(user)
    if device is None:
        raise ValidationError(_("Recommencez l'activation : le QR code affiché n'est plus valable."))
    with transaction.atomic():
        if not device.verify_token(_clean_code(code)):
            raise ValidationError(
                {"code": _("Code incorrect. Vérifiez l'heure de votre téléphone et saisissez le code affiché.")}
            )
        TOTPDevice.objects.filter(user=user, confirmed=True).exclude(pk=device.pk).delete()
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        codes = _new_backup_codes(user)
        audit_log(actor=user, action=AuditEvent.Action.TWO_FACTOR_ENABLED, target=user)
    otp_login(request, device)
    return codes


def _new_backup_codes(user: User) -> list[str]:
    StaticDevice.objects.filter(user=user).delete()
    device = StaticDevice.objects.create(user=user, name=_("Codes de secours"), confirmed=True)
    codes = [StaticToken.random_token() for _index in range(BACKUP_CODE_COUNT)]
    StaticToken.objects.bulk_create([StaticToken(device=device, token=code) for code in codes])
    return codes


def _verify_current_code(user: User, code: str):
    code = _clean_code(code)
    if not code:
        raise ValidationError({"code": _("Saisissez le code affiché par votre application ou un code de secours.")})
    throttled = False
    with transaction.atomic():
        for device in devices_for_user(user, for_verify=True):
            allowed, _details = device.verify_is_allowed()
            throttled = throttled or not allowed
            if allowed and device.verify_token(code):
                return device
    if throttled:
        raise ValidationError(
            {
                "code": _(
                    "Trop de codes incorrects à la suite : attendez quelques secondes, puis saisissez le code suivant."
                )
            }
        )
    raise ValidationError({"code": _("Code incorrect ou déjà utilisé.")})


def backup_codes_renew(*, user: User, code: str) -> list[str]:
    """Ten new backup codes (the previous ones stop working), after a current code."""
    _verify_current_code(user, code)
    with transaction.atomic():
        return _new_backup_codes(user)


def two_factor_disable(*, user: User, code: str) -> None:
    if is_required_for(user):
        raise ValidationError(_("Votre rôle demande la double authentification : elle ne peut pas être désactivée."))
    _verify_current_code(user, code)
    with transaction.atomic():
        two_factor_forget(user)
        audit_log(actor=user, action=AuditEvent.Action.TWO_FACTOR_DISABLED, target=user)


def two_factor_forget(user: User) -> None:
    """Removes every device of the person (disabling, closing the account, the admin's reset)."""
    TOTPDevice.objects.filter(user=user).delete()
    StaticDevice.objects.filter(user=user).delete()


# Sign-in -----------------------------------------------------------------------------------------


def sign_in_pending_start(request, user: User, next_url: str) -> None:
    """The password was right; the code is still to come."""
    request.session[PENDING_KEY] = {
        "user": user.pk,
        "backend": user.backend,
        "at": int(time.time()),
        "next": next_url,
    }


def sign_in_pending_user(request) -> tuple[User | None, dict]:
    pending = request.session.get(PENDING_KEY) or {}
    if not pending or time.time() - pending.get("at", 0) > PENDING_SECONDS:
        request.session.pop(PENDING_KEY, None)
        return None, {}
    user = User.objects.filter(pk=pending.get("user"), is_active=True).first()
    return user, pending


class CodeRefused(Exception):
    """A wrong, replayed or throttled code; the message says which, in French."""


def sign_in_finish(request, *, user: User, pending: dict, code: str):
    """Checks the code; signs in on success and returns the device (a backup code or the app).
    A wrong or replayed code counts as a failed sign-in for django-axes and raises CodeRefused."""
    try:
        device = _verify_current_code(user, code)
    except ValidationError as error:
        user_login_failed.send(sender=__name__, credentials={"username": user.email}, request=request)
        raise CodeRefused(" ".join(error.messages)) from error
    request.session.pop(PENDING_KEY, None)
    login(request, user, backend=pending["backend"])
    otp_login(request, device)
    return device


def session_verify(request, *, user: User, code: str):
    """A signed-in person confirms, with a code, a session opened without it (see the middleware)."""
    try:
        device = _verify_current_code(user, code)
    except ValidationError as error:
        user_login_failed.send(sender=__name__, credentials={"username": user.email}, request=request)
        raise CodeRefused(" ".join(error.messages)) from error
    request.session.cycle_key()
    otp_login(request, device)
    return device


def code_step_locked(request, user: User) -> bool:
    """Whether django-axes holds the account locked (wrong passwords or codes)."""
    if not getattr(settings, "AXES_ENABLED", True):
        return False
    from axes.handlers.proxy import AxesProxyHandler

    return AxesProxyHandler.is_locked(request, credentials={"username": user.email})


# Enforcement -------------------------------------------------------------------------------------

# What a person who must set up their second factor may still open.
_OPEN_PREFIXES = ("/static/", "/compte/double-authentification/", "/compte/deconnexion/", "/compte/connexion/")


class TwoFactorRequiredMiddleware:
    """Sends a signed-in person whose role requires a second factor to set it up (no device) or to
    type a code (a device, but this session was opened without it) before any other page."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if (
            settings.TWO_FACTOR_REQUIRED
            and user is not None
            and user.is_authenticated
            and not request.path.startswith(_OPEN_PREFIXES)
            and not session_is_verified(request)
            and is_required_for(user)
        ):
            target = "accounts:login_code" if has_second_factor(user) else "accounts:two_factor"
            return redirect(f"{reverse(target)}?{urlencode({'next': request.get_full_path()})}")
        return self.get_response(request)
