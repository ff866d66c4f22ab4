"""What the accounts app holds about a person, what closing the account removes, and how long
sign-in traces, invitations and downloads are kept (territoires/core/personal_data.py)."""

import datetime

from django.contrib.sessions.models import Session
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from territoires.accounts.models import Invitation, Membership
from territoires.core.personal_data import PersonalDataSource, RetentionRule, register_personal_data, rows

# Sign-in attempts: long enough for the admin to see a lockout being investigated, no longer.
SIGN_IN_ATTEMPTS_DAYS = 30
# Invitations never accepted (expired or cancelled) hold an address that never became an account.
UNUSED_INVITATION_DAYS = 90
# Accepted invitations: who invited whom stays in the journal; the address of the invitation goes.
ACCEPTED_INVITATION_DAYS = 365


def _account(user) -> list[dict]:
    return [
        {
            "adresse": user.email,
            "prénom": user.first_name,
            "nom": user.last_name,
            "fonction": user.job_title,
            "inscrit_le": user.date_joined,
            "dernière_connexion": user.last_login,
            "administration": user.is_staff,
            "mot_de_passe": "défini (conservé sous forme d'empreinte, jamais en clair)"
            if user.has_usable_password()
            else "aucun",
        }
    ]


def _memberships(user) -> list[dict]:
    return rows(Membership.objects.filter(user=user), "organisation__name", "role", "created_at")


def _invitations(user) -> list[dict]:
    return rows(
        Invitation.objects.filter(Q(email=user.email) | Q(invited_by=user) | Q(accepted_by=user)),
        "email",
        "organisation__name",
        "role",
        "created_at",
        "expires_at",
        "accepted_at",
        "revoked_at",
    )


def _close_memberships(user) -> None:
    Membership.objects.filter(user=user).delete()


def _close_invitations(user) -> None:
    # Invitations addressed to the person: their address goes with them.
    Invitation.objects.filter(Q(email=user.email) | Q(accepted_by=user)).delete()


def _sign_in_attempts(user) -> list[dict]:
    from axes.models import AccessAttempt

    return rows(AccessAttempt.objects.filter(username=user.email), "attempt_time", "ip_address", "failures_since_start")


def _second_factor(user) -> list[dict]:
    from django_otp.plugins.otp_static.models import StaticDevice
    from django_otp.plugins.otp_totp.models import TOTPDevice

    # Never the secret nor the codes: a download that leaks must not open the account.
    return [
        line
        for kind, model in (("application", TOTPDevice), ("codes de secours", StaticDevice))
        for line in rows(
            model.objects.filter(user=user, confirmed=True), "name", "created_at", "last_used_at", nature=kind
        )
    ]


def _close_second_factor(user) -> None:
    from territoires.accounts.two_factor import two_factor_forget

    two_factor_forget(user)


def _proconnect(user) -> list[dict]:
    from territoires.accounts.models import ProConnectIdentity

    return rows(
        ProConnectIdentity.objects.filter(user=user),
        "subject",
        "siret",
        "organisation__name",
        "status",
        "created_at",
        "last_sign_in_at",
    )


def _close_proconnect(user) -> None:
    from territoires.accounts.models import ProConnectIdentity

    ProConnectIdentity.objects.filter(user=user).delete()


def _close_sign_in_traces(user) -> None:
    from axes.models import AccessAttempt, AccessFailureLog, AccessLog

    for model in (AccessAttempt, AccessFailureLog, AccessLog):
        model.objects.filter(username=user.email).delete()


def _purge_sign_in_attempts(now) -> int:
    from axes.models import AccessAttempt, AccessFailureLog, AccessLog

    limit = now - datetime.timedelta(days=SIGN_IN_ATTEMPTS_DAYS)
    return sum(
        model.objects.filter(attempt_time__lt=limit).delete()[0]
        for model in (AccessAttempt, AccessFailureLog, AccessLog)
    )


def _purge_invitations(now) -> int:
    unused = Q(accepted_at__isnull=True) & (
        Q(expires_at__lt=now - datetime.timedelta(days=UNUSED_INVITATION_DAYS))
        | Q(revoked_at__lt=now - datetime.timedelta(days=UNUSED_INVITATION_DAYS))
    )
    accepted = Q(accepted_at__lt=now - datetime.timedelta(days=ACCEPTED_INVITATION_DAYS))
    return Invitation.objects.filter(unused | accepted).delete()[0]


def _purge_sessions(now) -> int:
    return Session.objects.filter(expire_date__lt=now).delete()[0]


def _purge_downloads(now) -> int:
    from territoires.accounts.privacy import personal_data_exports_purge

    return personal_data_exports_purge(now)


register_personal_data(
    sources=[
        PersonalDataSource("compte", _("Compte"), _account, order=0),
        PersonalDataSource(
            "appartenances", _("Organisations et rôles"), _memberships, close=_close_memberships, order=1
        ),
        PersonalDataSource("invitations", _("Invitations reçues et envoyées"), _invitations, close=_close_invitations),
        PersonalDataSource(
            "double_authentification", _("Double authentification"), _second_factor, close=_close_second_factor
        ),
        PersonalDataSource("proconnect", _("Identité ProConnect"), _proconnect, close=_close_proconnect),
        PersonalDataSource("connexion", _("Tentatives de connexion"), _sign_in_attempts, close=_close_sign_in_traces),
    ],
    rules=[
        RetentionRule(
            "accounts.sign_in_attempts",
            _("Tentatives de connexion (réseau tronqué, jamais l'adresse IP entière) : 30 jours"),
            _purge_sign_in_attempts,
        ),
        RetentionRule(
            "accounts.invitations",
            _("Invitations : 90 jours après expiration ou annulation, un an après acceptation"),
            _purge_invitations,
        ),
        RetentionRule("accounts.sessions", _("Sessions expirées : supprimées"), _purge_sessions),
        RetentionRule(
            "accounts.personal_data_exports",
            _("Téléchargements de données personnelles : 7 jours (PERSONAL_DATA_EXPORT_DAYS)"),
            _purge_downloads,
        ),
    ],
)
