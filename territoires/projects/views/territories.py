from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from territoires.core import registry
from territoires.core.cache import public_page_cache
from territoires.core.idempotency import already_submitted, parse_submission_key, record_submission
from territoires.projects.forms import TerritoryForm, WithdrawalCloseForm, WithdrawalForm
from territoires.projects.services import (
    step_complete,
    step_reopen,
    withdrawal_close_engaged_actions,
    withdrawal_notify,
)
from territoires.projects.views.common import (
    form_errors_from,
    get_participation_or_404,
    get_project_or_404,
    require,
)


@public_page_cache
def territory_detail(request, slug, organisation_slug):
    project = get_project_or_404(slug, request.user)
    participation = get_participation_or_404(project, organisation_slug)
    user = request.user
    step_links = registry.step_links(participation, user)
    return render(
        request,
        "projects/territory_detail.html",
        {
            # Modules' blocks on this page and what they did behind each step (core/registry.py).
            "module_sections": registry.territory_sections(participation, user),
            "step_links": step_links,
            "project": project,
            "participation": participation,
            "organisation": participation.organisation,
            "withdrawal": participation.current_withdrawal,
            "can_edit": user.has_perm("projects.edit_territory", participation),
            "method": participation.method,
            "can_complete": user.has_perm("projects.complete_step", participation)
            and participation.participation_state != "withdrawn",
            "can_reopen": user.has_perm("projects.reopen_step", participation)
            and participation.participation_state != "withdrawn",
            "can_edit_method": user.has_perm("projects.edit_method", project),
            "can_see_step_details": user.has_perm("projects.view_members_area", project),
            "can_withdraw": user.has_perm("projects.notify_withdrawal", participation),
            "can_close_withdrawal": user.has_perm("projects.close_withdrawal", participation),
        },
    )


@login_required
def territory_edit(request, slug, organisation_slug):
    project = get_project_or_404(slug, request.user)
    participation = get_participation_or_404(project, organisation_slug)
    require(request.user, "projects.edit_territory", participation)
    form = TerritoryForm(request.POST or None, instance=participation)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, _("La fiche territoire est enregistrée."))
        return redirect(participation)
    return render(
        request,
        "projects/territory_form.html",
        {"project": project, "participation": participation, "form": form, "method": participation.method},
        status=400 if form.errors else 200,
    )


@login_required
@require_POST
def territory_step(request, slug, organisation_slug):
    """Mark a step done (with an optional note); the page, or with htmx its progress section, follows."""
    project = get_project_or_404(slug, request.user)
    participation = get_participation_or_404(project, organisation_slug)
    require(request.user, "projects.complete_step", participation)
    try:
        step_complete(
            participation=participation,
            step=request.POST.get("step", ""),
            note=request.POST.get("note", ""),
            user=request.user,
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("L'avancement est enregistré."))
    return redirect(participation.get_absolute_url() + "#avancement")


@login_required
def territory_step_reopen(request, slug, organisation_slug, step):
    """Reopening a step asks first: a page that says what will be undone, then a POST."""
    project = get_project_or_404(slug, request.user)
    participation = get_participation_or_404(project, organisation_slug)
    require(request.user, "projects.reopen_step", participation)
    progress = next(
        (item for phase in participation.timeline for item in phase.steps if item.step.code == step),
        None,
    )
    if progress is None:
        raise Http404
    if request.method == "POST":
        try:
            reopened = step_reopen(participation=participation, step=step, user=request.user)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            if reopened:
                messages.success(request, _("L'étape « %(step)s » est rouverte.") % {"step": progress.step.label})
        return redirect(participation.get_absolute_url() + "#avancement")
    if not progress.done:
        messages.info(request, _("L'étape « %(step)s » est déjà à faire.") % {"step": progress.step.label})
        return redirect(participation.get_absolute_url() + "#avancement")
    return render(
        request,
        "projects/step_reopen.html",
        {"project": project, "participation": participation, "progress": progress},
    )


@login_required
def territory_withdrawal(request, slug, organisation_slug):
    project = get_project_or_404(slug, request.user)
    participation = get_participation_or_404(project, organisation_slug)
    require(request.user, "projects.notify_withdrawal", participation)
    withdrawal = participation.current_withdrawal
    form = WithdrawalForm(request.POST or None) if withdrawal is None else None
    close_form = None
    if withdrawal is not None and request.user.has_perm("projects.close_withdrawal", participation):
        close_form = WithdrawalCloseForm(request.POST or None)
    if request.method == "POST":
        # A notification sent twice (double click, back button) leads to the first one's result,
        # even though the withdrawal now exists and the page shows another form.
        if done_url := already_submitted(parse_submission_key(request)):
            return redirect(done_url)
        if form is None and close_form is None:
            raise PermissionDenied  # closing the engaged actions is the facilitator's
        if form is not None and form.is_valid():
            key = parse_submission_key(request)
            try:
                with transaction.atomic():
                    withdrawal = withdrawal_notify(
                        participation=participation,
                        letter_received_on=form.cleaned_data["letter_received_on"],
                        reason=form.cleaned_data["reason"],
                        user=request.user,
                    )
                    record_submission(key, participation.get_absolute_url())
            except ValidationError as error:
                form_errors_from(error, form)
            else:
                messages.success(
                    request,
                    _(
                        "Retrait notifié : il prendra effet au plus tôt le %(date)s, une fois closes les actions engagées."
                    )
                    % {"date": withdrawal.notice_ends_on.strftime("%d/%m/%Y")},
                )
                return redirect(participation)
        elif close_form is not None and close_form.is_valid():
            try:
                withdrawal_close_engaged_actions(
                    withdrawal=withdrawal, closed_on=close_form.cleaned_data["closed_on"], user=request.user
                )
            except ValidationError as error:
                form_errors_from(error, close_form)
            else:
                messages.success(
                    request, _("Les actions engagées sont closes ; la date de retrait effectif est fixée.")
                )
                return redirect(participation)
    has_errors = (form is not None and form.errors) or (close_form is not None and close_form.errors)
    return render(
        request,
        "projects/territory_withdrawal.html",
        {
            "project": project,
            "participation": participation,
            "withdrawal": withdrawal,
            "form": form,
            "close_form": close_form,
        },
        status=400 if has_errors else 200,
    )
