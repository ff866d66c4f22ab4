"""Throttling of sign-in (django-axes) and of password-reset e-mails.

Sign-in: an account is locked after LOGIN_FAILURE_LIMIT wrong passwords in a row, for
LOGIN_COOLOFF_MINUTES, wherever the attempts come from (an office behind one address is not locked
out by one colleague's typos). The platform admin unlocks it in the admin ("Tentatives d'accès":
delete the account's line) or with `manage.py axes_reset_username <adresse>`.

Password reset: at most PASSWORD_RESET_LIMIT_PER_HOUR e-mails per address and per hour, and ten
times that per client, counted in the shared cache.
"""

import hashlib
import ipaddress

from django.conf import settings
from django.core.cache import cache
from django.shortcuts import render
from django.utils import timezone

from territoires.core.clients import client_address, client_address_hash


def username_of(request, credentials=None) -> str:
    """The address a sign-in attempt is for, normalised as the login form does: "Jean@X.fr " and
    "jean@x.fr" are one account, and so one counter."""
    if credentials and credentials.get("username"):
        raw = credentials["username"]
    else:
        raw = getattr(request, "POST", {}).get("username", "") if request is not None else ""
    return str(raw).strip().lower()


def client_of(request) -> str:
    """What django-axes stores as the attempt's address: the network, never the address itself
    (IPv4 without its last byte, IPv6 cut to /48). Accounts are locked by address of the account,
    so this is only a hint for the admin; the column is an IP address type on PostgreSQL."""
    try:
        address = ipaddress.ip_address(client_address(request))
    except ValueError:
        return "0.0.0.0"  # noqa: S104 - a placeholder address stored for an unreadable one, never bound
    prefix = 24 if address.version == 4 else 48
    return str(ipaddress.ip_network(f"{address}/{prefix}", strict=False).network_address)


def _hour_key(kind: str, value: str) -> str:
    digest = hashlib.sha256(f"{settings.SECRET_KEY}|{kind}|{value}".encode()).hexdigest()[:32]
    return f"password-reset:{kind}:{digest}:{timezone.now():%Y%m%d%H}"


def password_reset_allowed(request, email: str) -> bool:
    """Counts this request; False when the address or the client has asked too often this hour."""
    limit = settings.PASSWORD_RESET_LIMIT_PER_HOUR
    allowed = True
    for kind, value, most in (
        ("address", email.strip().lower(), limit),
        ("client", client_address_hash(request), 10 * limit),
    ):
        key = _hour_key(kind, value)
        cache.add(key, 0, timeout=3600)
        try:
            count = cache.incr(key)
        except ValueError:  # expired between add and incr
            cache.set(key, 1, timeout=3600)
            count = 1
        allowed = allowed and count <= most
    return allowed


def lockout_response(request, original_response=None, credentials=None):
    """The page a locked account's sign-in gets (HTTP 429), in French, with the wait in minutes."""
    cool_off = settings.AXES_COOLOFF_TIME
    context = {
        "failure_limit": settings.AXES_FAILURE_LIMIT,
        "cooloff_minutes": max(1, round(cool_off.total_seconds() / 60)) if cool_off else None,
    }
    return render(request, "accounts/locked_out.html", context, status=429)
