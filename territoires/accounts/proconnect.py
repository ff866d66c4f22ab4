"""ProConnect: the State's OpenID Connect sign-in for public agents, beside e-mail and password
(mozilla-django-oidc does the protocol: state, nonce, code exchange, signature of the id_token and of
the userinfo JWT against the provider's keys).

Off unless PROCONNECT_CLIENT_ID, PROCONNECT_CLIENT_SECRET and PROCONNECT_DOMAIN are set: the login
page shows no button and these URLs answer 404.

Which account signs in (`proconnect_user_for`):
1. the account already linked to this ProConnect subject (`sub`, stable for the person);
2. otherwise the account with the e-mail address ProConnect gives (the providers behind ProConnect
   vouch for agents' professional addresses; a claim `email_verified: false` is refused), which is
   then linked: an agent invited by e-mail signs in with ProConnect without a password;
3. otherwise a new account, with the names ProConnect gives and no password.
An account already linked to another subject is never taken over by an address; a closed account is
never reopened. When the "siret" claim designates an organisation of the platform that the person
does not belong to, the person is proposed to it: a referent of that organisation (or the
facilitation) confirms or declines on the "Demandes de rattachement" page (`proconnect_requests`).

A person with a second factor types their code after ProConnect too (territoires/accounts/two_factor.py).
"""

import logging
import secrets
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, SuspiciousOperation, ValidationError
from django.db import transaction
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from mozilla_django_oidc.auth import OIDCAuthenticationBackend
from mozilla_django_oidc.utils import absolutify, import_from_settings
from mozilla_django_oidc.views import OIDCAuthenticationCallbackView, OIDCAuthenticationRequestView

from territoires.accounts import rules as rules_of
from territoires.accounts import two_factor
from territoires.accounts.models import Membership, Organisation, ProConnectIdentity, User
from territoires.accounts.services import membership_save
from territoires.core.audit import audit_log
from territoires.core.forms import id_from
from territoires.core.models import AuditEvent

logger = logging.getLogger(__name__)

SESSION_BACKEND = "territoires.accounts.backends.AccountBackend"


def proconnect_enabled() -> bool:
    return bool(settings.PROCONNECT_CLIENT_ID and settings.PROCONNECT_CLIENT_SECRET and settings.PROCONNECT_DOMAIN)


def proconnect_setting(attr: str, *default):
    """mozilla-django-oidc's settings: client and endpoints derived from PROCONNECT_*, read at use."""
    domain = settings.PROCONNECT_DOMAIN.rstrip("/")
    derived = {
        "OIDC_RP_CLIENT_ID": settings.PROCONNECT_CLIENT_ID,
        "OIDC_RP_CLIENT_SECRET": settings.PROCONNECT_CLIENT_SECRET,
        "OIDC_OP_AUTHORIZATION_ENDPOINT": f"{domain}/authorize",
        "OIDC_OP_TOKEN_ENDPOINT": f"{domain}/token",
        "OIDC_OP_USER_ENDPOINT": f"{domain}/userinfo",
        "OIDC_OP_JWKS_ENDPOINT": f"{domain}/jwks",
    }
    if attr in derived:
        return derived[attr]
    return import_from_settings(attr, *default)


def _siret(claims) -> str:
    digits = "".join(ch for ch in str(claims.get("siret") or "") if ch.isdigit())
    return digits if len(digits) == 14 else ""


@transaction.atomic
def proconnect_user_for(*, claims: dict) -> User | None:
    """The account ProConnect's verified claims sign in to (see the module's docstring), or None."""
    subject = str(claims.get("sub") or "")
    email = str(claims.get("email") or "").strip().lower()
    if not subject or not email or claims.get("email_verified") is False:
        return None
    identity = (
        ProConnectIdentity.objects.select_for_update(of=("self",))
        .select_related("user")
        .filter(subject=subject)
        .first()
    )
    if identity is not None:
        user = identity.user
    else:
        user = User.objects.select_for_update().filter(email__iexact=email).first()
        if user is not None and ProConnectIdentity.objects.filter(user=user).exists():
            logger.warning("ProConnect: account %s is linked to another subject; not signed in", user.pk)
            return None
        if user is None:
            user = User(
                email=email,
                first_name=str(claims.get("given_name") or "")[:150],
                last_name=str(claims.get("usual_name") or claims.get("family_name") or "")[:150],
            )
            user.set_unusable_password()
            user.save()
        identity = ProConnectIdentity.objects.create(user=user, subject=subject)
        audit_log(actor=user, action=AuditEvent.Action.PROCONNECT_LINKED, target=user)
    if user.closed_at or not user.is_active:
        return None
    siret = _siret(claims)
    identity.last_sign_in_at = timezone.now()
    if siret != identity.siret or identity.status == ProConnectIdentity.Status.NONE:
        identity.siret = siret
        organisation = Organisation.objects.filter(siret=siret).first() if siret else None
        member = organisation is not None and Membership.objects.filter(user=user, organisation=organisation).exists()
        if organisation is not None and not member and identity.status != ProConnectIdentity.Status.DECLINED:
            identity.organisation, identity.status = organisation, ProConnectIdentity.Status.PENDING
        elif organisation is None or member:
            identity.organisation, identity.status = organisation, ProConnectIdentity.Status.NONE
    identity.save()
    return user


def proconnect_request_decide(*, identity: ProConnectIdentity, actor: User, accept: bool) -> None:
    """A referent of the proposed organisation (or the facilitation) confirms or declines; a
    confirmation makes the person an agent of it (the role can be changed in the admin)."""
    with transaction.atomic():
        identity = (
            ProConnectIdentity.objects.select_for_update(of=("self",))
            .select_related("organisation", "user")
            .get(pk=identity.pk)
        )
        if identity.status != ProConnectIdentity.Status.PENDING or identity.organisation is None:
            raise ValidationError(_("Cette demande a déjà été traitée."))
        if identity.organisation not in rules_of.invitable_organisations(actor):
            raise PermissionDenied
        if accept and not Membership.objects.filter(user=identity.user, organisation=identity.organisation).exists():
            membership_save(
                membership=Membership(
                    user=identity.user, organisation=identity.organisation, role=Membership.Role.AGENT
                ),
                actor=actor,
            )
        identity.status = ProConnectIdentity.Status.CONFIRMED if accept else ProConnectIdentity.Status.DECLINED
        identity.decided_by, identity.decided_at = actor, timezone.now()
        identity.save(update_fields=["status", "decided_by", "decided_at"])


class ProConnectBackend(OIDCAuthenticationBackend):
    """mozilla-django-oidc's backend, fed by PROCONNECT_* and matching accounts as described above.
    It answers nothing while ProConnect is off (it is listed in AUTHENTICATION_BACKENDS anyway)."""

    get_settings = staticmethod(proconnect_setting)

    def authenticate(self, request, **kwargs):
        if not proconnect_enabled():
            return None
        return super().authenticate(request, **kwargs)

    def verify_claims(self, claims):
        return bool(claims.get("sub") and claims.get("email")) and claims.get("email_verified") is not False

    def get_or_create_user(self, access_token, id_token, payload):
        claims = self.get_userinfo(access_token, id_token, payload)
        if not self.verify_claims(claims):
            raise SuspiciousOperation("ProConnect claims without sub or verified email")
        return proconnect_user_for(claims=claims)

    def get_user(self, user_id):
        # Sessions are stored with AccountBackend (ProConnectCallbackView.login_success).
        return None


class ProConnectStartView(OIDCAuthenticationRequestView):
    """The ProConnect button: redirects to the provider with a fresh state and nonce."""

    get_settings = staticmethod(proconnect_setting)

    def dispatch(self, request, *args, **kwargs):
        if not proconnect_enabled():
            raise Http404
        return super().dispatch(request, *args, **kwargs)


class ProConnectCallbackView(OIDCAuthenticationCallbackView):
    """Where the provider sends the person back: checks state and nonce, exchanges the code, then
    signs in (or asks the second factor first)."""

    get_settings = staticmethod(proconnect_setting)

    def dispatch(self, request, *args, **kwargs):
        if not proconnect_enabled():
            raise Http404
        return super().dispatch(request, *args, **kwargs)

    def get(self, request):
        try:
            return super().get(request)
        except SuspiciousOperation as error:
            # A state that is not this browser's (an old tab, a forged link), a nonce or a signature
            # that does not match: refused, explained.
            logger.warning("ProConnect callback refused: %s", error)
            return self.login_failure()

    def login_failure(self):
        messages.error(
            self.request,
            _(
                "La connexion avec ProConnect n'a pas abouti. Réessayez, ou connectez-vous avec votre adresse "
                "et votre mot de passe."
            ),
        )
        return HttpResponseRedirect(reverse("accounts:login"))

    def login_success(self):
        user = self.user
        user.backend = SESSION_BACKEND
        next_url = self.success_url
        if two_factor.has_second_factor(user):
            two_factor.sign_in_pending_start(self.request, user, next_url)
            return HttpResponseRedirect(reverse("accounts:login_code"))
        from django.contrib.auth import login

        id_token = self.request.session.get("oidc_id_token")
        login(self.request, user, backend=SESSION_BACKEND)
        if id_token:
            # login() cycles the session: keep the token for the provider's logout.
            self.request.session["oidc_id_token"] = id_token
        identity = ProConnectIdentity.objects.filter(user=user).select_related("organisation").first()
        if identity and identity.status == ProConnectIdentity.Status.PENDING:
            messages.info(
                self.request,
                _(
                    "ProConnect indique que vous travaillez pour %(org)s : votre rattachement attend la "
                    "confirmation de son ou sa référent·e."
                )
                % {"org": identity.organisation},
            )
        return HttpResponseRedirect(next_url)


class LogoutView(auth_views.LogoutView):
    """Signs out here, then, for a ProConnect session, at the provider too (as ProConnect requires)."""

    def post(self, request, *args, **kwargs):
        id_token = request.session.get("oidc_id_token")
        response = super().post(request, *args, **kwargs)
        if id_token and proconnect_enabled():
            query = urlencode(
                {
                    "id_token_hint": id_token,
                    "state": secrets.token_urlsafe(16),
                    "post_logout_redirect_uri": absolutify(request, reverse(settings.LOGOUT_REDIRECT_URL)),
                }
            )
            return HttpResponseRedirect(f"{settings.PROCONNECT_DOMAIN.rstrip('/')}/session/end?{query}")
        return response


@login_required
def proconnect_requests(request):
    """Agents who signed in with ProConnect and whose SIRET designates an organisation the signed-in
    person may invite to: confirm (they become its agent) or decline."""
    if not request.user.has_perm("accounts.invite_members"):
        raise PermissionDenied(_("Les rattachements sont confirmés par les référent·es et par l'animation ANCT."))
    pending = ProConnectIdentity.objects.filter(
        status=ProConnectIdentity.Status.PENDING,
        organisation__in=rules_of.invitable_organisations(request.user),
        user__is_active=True,
    ).select_related("user", "organisation")
    if request.method == "POST":
        identity = pending.filter(pk=id_from(request.POST.get("request"))).first()
        action = request.POST.get("action")
        if identity is None or action not in ("accept", "decline"):
            messages.error(request, _("Cette demande n'existe pas, a déjà été traitée ou ne dépend pas de vous."))
        else:
            try:
                proconnect_request_decide(identity=identity, actor=request.user, accept=action == "accept")
            except ValidationError as error:
                messages.error(request, " ".join(error.messages))
            else:
                text = (
                    _("%(person)s a rejoint %(org)s comme agent.")
                    if action == "accept"
                    else _("La demande de %(person)s pour %(org)s est refusée.")
                )
                messages.success(request, text % {"person": identity.user, "org": identity.organisation})
        return redirect("accounts:proconnect_requests")
    return render(request, "accounts/proconnect_requests.html", {"pending": pending.order_by("created_at")})
