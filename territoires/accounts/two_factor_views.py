"""Pages of the two-factor sign-in (territoires/accounts/two_factor.py): the code step of sign-in,
and the set-up page in "Mon compte". Each acts on the signed-in (or half-signed-in) person only."""

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django_otp.plugins.otp_static.models import StaticDevice

from territoires.accounts import two_factor
from territoires.accounts.forms import OneTimeCodeForm
from territoires.accounts.throttling import lockout_response
from territoires.core.forms import form_errors_from

CODES_SESSION_KEY = "two_factor_new_codes"


def _safe(request, url: str, default: str) -> str:
    if url and url_has_allowed_host_and_scheme(
        url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return url
    return default


def login_code(request):
    """The second step of sign-in; also where a signed-in person whose role requires a second
    factor confirms a session that was opened without it."""
    from django.conf import settings
    from django.urls import reverse

    if request.user.is_authenticated:
        if two_factor.session_is_verified(request) or not two_factor.has_second_factor(request.user):
            return redirect(_safe(request, request.GET.get("next", ""), reverse(settings.LOGIN_REDIRECT_URL)))
        user, pending = request.user, {"backend": None, "next": request.GET.get("next") or request.POST.get("next", "")}
    else:
        user, pending = two_factor.sign_in_pending_user(request)
        if user is None:
            messages.info(request, _("Saisissez à nouveau votre adresse et votre mot de passe."))
            return redirect("accounts:login")
    if two_factor.code_step_locked(request, user):
        return lockout_response(request)
    form = OneTimeCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            if request.user.is_authenticated:
                device = two_factor.session_verify(request, user=user, code=form.cleaned_data["code"])
            else:
                device = two_factor.sign_in_finish(request, user=user, pending=pending, code=form.cleaned_data["code"])
        except two_factor.CodeRefused as refusal:
            if two_factor.code_step_locked(request, user):
                return lockout_response(request)
            form.add_error("code", str(refusal))
        else:
            if isinstance(device, StaticDevice):
                left = device.token_set.count()
                messages.warning(
                    request,
                    _(
                        "Vous vous êtes connecté·e avec un code de secours ; il vous en reste %(n)d. "
                        "Générez-en de nouveaux dans « Mon compte »."
                    )
                    % {"n": left},
                )
            return redirect(_safe(request, pending.get("next", ""), reverse(settings.LOGIN_REDIRECT_URL)))
    return render(
        request,
        "accounts/login_code.html",
        {"form": form, "next": pending.get("next", "")},
        status=400 if form.errors else 200,
    )


def _codes_url(request) -> str:
    # The page a required set-up interrupted is where "J'ai noté mes codes" leads.
    next_url = _safe(request, request.GET.get("next", ""), "")
    codes = reverse("accounts:two_factor_codes")
    return f"{codes}?{urlencode({'next': next_url})}" if next_url else codes


@login_required
def two_factor_page(request):
    """Set-up (QR code, first code), then state, new backup codes and deactivation."""
    user = request.user
    state = two_factor.two_factor_state(user)
    action = request.POST.get("action", "") if request.method == "POST" else ""
    form = OneTimeCodeForm(request.POST if action in ("confirm", "renew", "disable") else None)
    context = {"state": state, "form": form, "next": request.GET.get("next", "")}
    if action == "start" and not state.enabled:
        two_factor.totp_device_start(user=user)
        return redirect(request.get_full_path())
    if action and action != "start" and form.is_valid():
        code = form.cleaned_data["code"]
        try:
            if action == "confirm":
                codes = two_factor.two_factor_enable(request=request, user=user, code=code)
                request.session[CODES_SESSION_KEY] = codes
                messages.success(request, _("La double authentification est activée."))
                return redirect(_codes_url(request))
            if action == "renew" and state.enabled:
                request.session[CODES_SESSION_KEY] = two_factor.backup_codes_renew(user=user, code=code)
                messages.success(request, _("Vos nouveaux codes de secours remplacent les précédents."))
                return redirect(_codes_url(request))
            if action == "disable" and state.enabled:
                two_factor.two_factor_disable(user=user, code=code)
                messages.success(request, _("La double authentification est désactivée."))
                return redirect("accounts:account")
        except ValidationError as error:
            form_errors_from(error, form)
    if not state.enabled:
        form.fields["code"].help_text = _("Les six chiffres affichés par votre application pour Territoires en commun.")
        device = two_factor.pending_totp_device(user)
        if device is not None:
            context.update(qr_svg=two_factor.totp_qr_svg(device), secret=two_factor.totp_secret_text(device))
    return render(request, "accounts/two_factor.html", context, status=400 if form.errors else 200)


@login_required
def two_factor_codes(request):
    """The backup codes, shown once right after they were made (then gone from the session)."""
    codes = request.session.pop(CODES_SESSION_KEY, None)
    if not codes:
        return redirect("accounts:two_factor")
    next_url = _safe(request, request.GET.get("next", ""), "")
    return render(request, "accounts/two_factor_codes.html", {"codes": codes, "next_url": next_url})
