"""The person's own account page (/compte/): download their personal data, second factor, closing
the account. Every view acts on the signed-in person only (a download of someone else is a 404)."""

from django.contrib import messages
from django.contrib.auth import authenticate, logout
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from territoires.accounts import privacy
from territoires.accounts.forms import AccountCloseForm
from territoires.accounts.models import PersonalDataExport
from territoires.core.forms import form_errors_from, id_from
from territoires.core.storage import stored_file_response

EXPORTS_SHOWN = 5


def _decorate(export: PersonalDataExport) -> PersonalDataExport:
    stalled = export.updated_at < timezone.now() - privacy.EXPORT_STALLED_AFTER
    export.in_progress = export.status in (PersonalDataExport.Status.QUEUED, PersonalDataExport.Status.RUNNING)
    export.stalled = export.in_progress and stalled
    export.in_progress = export.in_progress and not stalled
    return export


def _own_export(request, export_id) -> PersonalDataExport:
    export = PersonalDataExport.objects.filter(user=request.user, pk=id_from(export_id) or 0).first()
    if export is None:
        raise Http404
    return export


@login_required
def account(request):
    exports = [_decorate(export) for export in request.user.data_exports.all()[:EXPORTS_SHOWN]]
    from territoires.accounts.two_factor import two_factor_state

    return render(request, "accounts/account.html", {"exports": exports, "two_factor": two_factor_state(request.user)})


@login_required
@require_POST
def data_export_request(request):
    export = privacy.personal_data_export_request(user=request.user)
    if export.status == PersonalDataExport.Status.DONE:
        messages.success(request, _("Vos données sont prêtes : téléchargez-les ci-dessous."))
    else:
        messages.success(
            request,
            _(
                "Vos données sont en préparation : le lien de téléchargement apparaît ci-dessous dans quelques instants."
            ),
        )
    return redirect("accounts:account")


@login_required
def data_export_status(request, export_id):
    """One line of the downloads list: htmx polls it while the download is being prepared."""
    export = _decorate(_own_export(request, export_id))
    if not request.htmx:
        return redirect("accounts:account")
    return render(request, "accounts/_data_export_row.html", {"export": export, "polled": True})


@login_required
def data_export_download(request, export_id):
    export = _own_export(request, export_id)
    if export.status != PersonalDataExport.Status.DONE or not export.file:
        raise Http404
    stamp = timezone.localtime(export.created_at).strftime("%Y%m%d-%H%M")
    name = slugify(request.user.get_full_name())[:40] or "compte"
    return stored_file_response(
        export.file,
        filename=f"donnees-personnelles-{name}-{stamp}.zip",
        content_type="application/zip",
        headers={"Cache-Control": "private, no-store"},
    )


def _password_confirmed(request, form) -> bool:
    """The password goes through authenticate(), so that django-axes counts wrong ones as it does on
    the sign-in page: a borrowed session cannot try passwords here without locking the account."""
    if "password" not in form.cleaned_data:
        return True
    if authenticate(request, username=request.user.email, password=form.cleaned_data["password"]) is None:
        form.add_error("password", _("Mot de passe incorrect : votre compte n'est pas fermé."))
        return False
    return True


@login_required
def account_close(request):
    user = request.user
    form = AccountCloseForm(request.POST or None, has_password=user.has_usable_password())
    if request.method == "POST" and form.is_valid() and _password_confirmed(request, form):
        try:
            privacy.account_close(
                user=user, password=form.cleaned_data.get("password", ""), email=form.cleaned_data.get("email", "")
            )
        except ValidationError as error:
            form_errors_from(error, form)
        else:
            logout(request)
            messages.success(
                request,
                _("Votre compte est fermé. Vos contributions restent sur la plateforme, signées « Ancien·ne membre »."),
            )
            return redirect("projects:home")
    return render(
        request,
        "accounts/account_close.html",
        {"form": form, "superuser": user.is_superuser},
        status=400 if form.errors else 200,
    )
