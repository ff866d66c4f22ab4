from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from territoires.accounts import rules as rules_of
from territoires.accounts import services, two_factor
from territoires.accounts.forms import (
    InvitationAcceptForm,
    InvitationForm,
    LoginForm,
    NewPasswordForm,
    ResetForm,
    SubmissionOnlyForm,
)
from territoires.accounts.invitations import invitation_from_token
from territoires.accounts.models import Invitation, User
from territoires.accounts.throttling import password_reset_allowed
from territoires.core.forms import form_errors_from, id_from
from territoires.core.idempotency import (
    already_submitted,
    new_submission_key,
    parse_submission_key,
    record_submission,
)


class LoginView(auth_views.LoginView):
    form_class = LoginForm
    template_name = "accounts/login.html"
    redirect_authenticated_user = True

    def form_valid(self, form):
        user = form.get_user()
        if two_factor.has_second_factor(user):
            # The password was right; the person is signed in only once the code is typed too.
            two_factor.sign_in_pending_start(self.request, user, self.get_success_url())
            return redirect("accounts:login_code")
        return super().form_valid(form)

    def get_context_data(self, **kwargs):
        from territoires.accounts.proconnect import proconnect_enabled

        return {**super().get_context_data(**kwargs), "proconnect": proconnect_enabled()}


def admin_login_redirect(request):
    """The admin's own sign-in page would skip the second factor: it sends to the platform's."""
    if request.user.is_authenticated and not request.user.is_staff:
        # Signed in already, without admin access: the sign-in page would send back here, endlessly.
        raise PermissionDenied(_("L'administration de la plateforme est réservée à son équipe."))
    query = urlencode({"next": _safe_next(request) or reverse("admin:index")})
    return redirect(f"{reverse('accounts:login')}?{query}")


class PasswordResetView(auth_views.PasswordResetView):
    form_class = ResetForm
    template_name = "accounts/password_reset.html"
    email_template_name = "accounts/password_reset_email.txt"
    subject_template_name = "accounts/password_reset_subject.txt"
    success_url = reverse_lazy("accounts:password_reset_done")

    def form_valid(self, form):
        # Counted per address whether or not an account has it: the answer reveals nothing.
        if not password_reset_allowed(self.request, form.cleaned_data["email"]):
            form.add_error(
                None,
                _(
                    "Trop de demandes de lien pour cette adresse ou depuis ce poste : aucun courriel n'a été "
                    "envoyé. Réessayez dans une heure, ou utilisez le dernier lien reçu."
                ),
            )
            return self.form_invalid(form)
        return super().form_valid(form)


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    form_class = NewPasswordForm
    template_name = "accounts/password_reset_confirm.html"
    success_url = reverse_lazy("accounts:password_reset_complete")


# Invitations -------------------------------------------------------------------------------------

INVITATION_PROBLEMS = {
    "invalid": (
        _lazy("Ce lien d'invitation n'est pas valide"),
        _lazy(
            "Le lien est incomplet ou a été modifié. Copiez-le en entier depuis le courriel reçu, ou demandez "
            "à la personne qui vous a invité·e de vous l'envoyer à nouveau."
        ),
        400,
    ),
    "expired": (
        _lazy("Cette invitation a expiré"),
        _lazy(
            "Demandez à la personne qui vous a invité·e de vous l'envoyer à nouveau : vous recevrez un nouveau lien."
        ),
        410,
    ),
    "replaced": (
        _lazy("Ce lien a été remplacé"),
        _lazy("L'invitation vous a été envoyée à nouveau : utilisez le lien du courriel le plus récent."),
        410,
    ),
    "revoked": (
        _lazy("Cette invitation a été annulée"),
        _lazy(
            "La personne qui vous avait invité·e l'a annulée. Contactez-la si vous pensez qu'il s'agit d'une erreur."
        ),
        410,
    ),
    "accepted": (
        _lazy("Cette invitation a déjà été acceptée"),
        _lazy("Un lien d'invitation ne sert qu'une fois : vos organisations sont dans votre espace."),
        410,
    ),
}


def _invitation_problem(request, problem: str, invitation=None):
    title, text, status = INVITATION_PROBLEMS[problem]
    return render(
        request,
        "accounts/invitation_problem.html",
        {"title": title, "text": text, "invitation": invitation, "problem": problem},
        status=status,
    )


def _safe_next(request) -> str:
    next_url = request.POST.get("next") or request.GET.get("next") or ""
    if next_url and url_has_allowed_host_and_scheme(
        next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return next_url
    return ""


def _visible_invitations(user):
    invitations = Invitation.objects.select_related("organisation", "invited_by", "accepted_by")
    if rules_of.is_any_facilitator(user):
        return invitations
    return invitations.filter(organisation__in=rules_of.invitable_organisations(user))


@login_required
def invitation_list(request):
    if not request.user.has_perm("accounts.invite_members"):
        raise PermissionDenied(
            _("Les invitations sont envoyées par l'animation ANCT et par les référent·es des collectivités.")
        )
    if request.method == "POST":
        invitation = _visible_invitations(request.user).filter(pk=id_from(request.POST.get("invitation"))).first()
        if invitation is None or not request.user.has_perm("accounts.manage_invitation", invitation):
            messages.error(request, _("Cette invitation n'existe pas ou ne dépend pas de vous."))
            return redirect("accounts:invitation_list")
        action = request.POST.get("action")
        key = parse_submission_key(request)
        if done_url := already_submitted(key):
            # A double click on "Renvoyer" must not send a second link that retires the first one.
            return redirect(done_url)
        try:
            if action == "resend":
                with transaction.atomic():
                    services.invitation_resend(invitation=invitation, actor=request.user)
                    record_submission(key, reverse("accounts:invitation_list"))
                messages.success(
                    request,
                    _("L'invitation est renvoyée à %(email)s avec un nouveau lien.") % {"email": invitation.email},
                )
            elif action == "revoke":
                services.invitation_revoke(invitation=invitation, actor=request.user)
                messages.success(request, _("L'invitation de %(email)s est annulée.") % {"email": invitation.email})
            else:
                messages.error(request, _("Action inconnue."))
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        return redirect("accounts:invitation_list")
    page = Paginator(_visible_invitations(request.user), 50).get_page(request.GET.get("page"))
    for invitation in page.object_list:
        invitation.may_manage = invitation.state in ("pending", "expired") and request.user.has_perm(
            "accounts.manage_invitation", invitation
        )
        invitation.submission_key = new_submission_key()
    return render(request, "accounts/invitation_list.html", {"page_obj": page})


@login_required
def invitation_create(request):
    user = request.user
    if not user.has_perm("accounts.invite_members"):
        raise PermissionDenied(
            _(
                "Les invitations sont envoyées par l'animation ANCT et par les référent·es des collectivités : "
                "demandez au ou à la référent·e de votre collectivité d'inviter la personne."
            )
        )
    may_create_authority = user.has_perm("accounts.create_authority")
    form = InvitationForm(
        request.POST or None,
        organisations=rules_of.invitable_organisations(user),
        role_choices=rules_of.invitable_role_choices(user),
        may_create_authority=may_create_authority,
        initial={"organisation": id_from(request.GET.get("organisation"))},
    )
    next_url = _safe_next(request)
    if request.method == "POST" and form.is_valid():
        key = parse_submission_key(request)
        if done_url := already_submitted(key):
            messages.info(request, _("Cette invitation est déjà envoyée."))
            return redirect(done_url)
        data = form.cleaned_data
        try:
            with transaction.atomic():
                organisation = data["organisation"]
                if organisation is None:
                    organisation = services.authority_create(
                        insee_code=data["insee_code"], name=data["name"], actor=user
                    )
                invitation = services.invitation_create(
                    inviter=user, email=data["email"], organisation=organisation, role=data["role"]
                )
                done_url = reverse("accounts:invitation_list")
                if next_url:
                    done_url = f"{next_url}{'&' if '?' in next_url else '?'}collectivite={organisation.pk}"
                record_submission(key, done_url)
        except ValidationError as error:
            form_errors_from(error, form)
        else:
            messages.success(
                request,
                _(
                    "L'invitation est envoyée à %(email)s pour rejoindre %(org)s comme %(role)s ; le lien vaut %(days)d jours."
                )
                % {
                    "email": invitation.email,
                    "org": organisation,
                    "role": invitation.get_role_display().lower(),
                    "days": settings.INVITATION_VALID_DAYS,
                },
            )
            return redirect(done_url)
    return render(
        request,
        "accounts/invitation_form.html",
        {"form": form, "next_url": next_url, "may_create_authority": may_create_authority},
        status=400 if form.errors else 200,
    )


def invitation_accept(request, token):
    """The link of the e-mail: create an account and join, or join with the account signed in."""
    if request.method == "POST":
        key = parse_submission_key(request)
        if done_url := already_submitted(key):
            return redirect(done_url)
    check = invitation_from_token(token)
    if check.problem:
        return _invitation_problem(request, check.problem, check.invitation)
    invitation = check.invitation
    user = request.user
    done_url = reverse("projects:dashboard")
    if user.is_authenticated:
        if user.email.lower() != invitation.email:
            return render(request, "accounts/invitation_wrong_account.html", {"invitation": invitation}, status=403)
        form = SubmissionOnlyForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                with transaction.atomic():
                    services.invitation_accept(invitation=invitation, user=user)
                    record_submission(parse_submission_key(request), done_url)
            except ValidationError as error:
                messages.error(request, " ".join(error.messages))
                return redirect(done_url)
            messages.success(request, _("Vous avez rejoint %(org)s.") % {"org": invitation.organisation})
            return redirect(done_url)
        return render(request, "accounts/invitation_join.html", {"invitation": invitation, "form": form})
    if User.objects.filter(email=invitation.email).exists():
        return render(request, "accounts/invitation_sign_in.html", {"invitation": invitation})
    form = InvitationAcceptForm(request.POST or None, email=invitation.email)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            with transaction.atomic():
                new_user = services.invitation_accept_with_new_account(
                    invitation=invitation,
                    first_name=data["first_name"],
                    last_name=data["last_name"],
                    job_title=data["job_title"],
                    password=data["password1"],
                )
                record_submission(parse_submission_key(request), done_url)
        except ValidationError as error:
            form_errors_from(error, form)
        else:
            login(request, new_user, backend="territoires.accounts.backends.AccountBackend")
            messages.success(
                request,
                _("Votre compte est créé et vous avez rejoint %(org)s.") % {"org": invitation.organisation},
            )
            return redirect(done_url)
    return render(
        request,
        "accounts/invitation_signup.html",
        {"invitation": invitation, "form": form},
        status=400 if form.errors else 200,
    )
