"""Workshops: the public page with its registration form (no account), the team's form, the
registrants and attendance (names: facilitator and referent only), the sign-in sheet, iCalendar."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from territoires.accounts.models import User
from territoires.codesign import services
from territoires.codesign.forms import RegistrationForm, WorkshopForm
from territoires.codesign.models import Ballot, Workshop, WorkshopRegistration
from territoires.codesign.selectors import with_seat_counts
from territoires.codesign.views.common import check, login_page, plan_by_id
from territoires.core.forms import form_errors_from
from territoires.core.ical import CalendarEntry, calendar_bytes
from territoires.core.idempotency import already_submitted, parse_submission_key, record_submission
from territoires.core.seats import CONFIRMED, WAITING
from territoires.diagnostic.models import ActorFamily, Entry
from territoires.projects.rules import AUTHORITY_ROLES


def _workshop_or_404(token) -> Workshop:
    return get_object_or_404(
        with_seat_counts(
            Workshop.objects.select_related(
                "plan__territory__organisation", "plan__territory__project", "plan__project", "place", "facilitator"
            )
        ),
        public_token=token,
    )


def _form_choices(plan):
    places = Entry.objects.current().filter(territory=plan.territory, kind=Entry.Kind.PLACE).order_by("name")
    families = ActorFamily.objects.filter(project=plan.project)
    project = plan.project
    facilitators = User.objects.filter(
        Q(memberships__organisation_id=plan.territory.organisation_id, memberships__role__in=AUTHORITY_ROLES)
        | Q(memberships__organisation_id=project.consultancy_id)
        | Q(memberships__organisation_id=project.facilitator_organisation_id),
        is_active=True,
    ).distinct()
    return {"places": places, "families": families, "facilitators": facilitators}


@login_required
@login_page
def workshop_create(request, plan_id):
    plan = plan_by_id(request, plan_id, "codesign.add_workshop")
    return _workshop_form(request, plan, Workshop(plan=plan))


@login_required
@login_page
def workshop_edit(request, token):
    workshop = _workshop_or_404(token)
    check(request.user, "codesign.change_workshop", workshop)
    return _workshop_form(request, workshop.plan, workshop)


def _workshop_form(request, plan, workshop):
    form = WorkshopForm(request.POST or None, instance=workshop, **_form_choices(plan))
    if request.method == "POST" and form.is_valid():
        try:
            workshop = services.workshop_save(
                workshop=form.save(commit=False), user=request.user, publish=request.POST.get("action") == "publish"
            )
        except ValidationError as error:
            form_errors_from(error, form)
        else:
            messages.success(
                request, _("L'atelier est publié.") if workshop.is_published else _("Le brouillon est enregistré.")
            )
            return redirect(workshop.get_absolute_url())
    return render(
        request,
        "codesign/workshop_form.html",
        {"project": plan.project, "plan": plan, "form": form, "workshop": workshop if workshop.pk else None},
        status=400 if form.errors else 200,
    )


def workshop_detail(request, token):
    """The workshop's public page: anyone with the link reads a published workshop and registers."""
    workshop = _workshop_or_404(token)
    user = request.user
    if not user.has_perm("codesign.view_workshop", workshop):
        raise Http404
    form = RegistrationForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if replay := already_submitted(parse_submission_key(request)):
            return redirect(replay)
        if form.is_valid():
            data = form.cleaned_data
            try:
                with transaction.atomic():
                    registration = services.workshop_register(
                        workshop=workshop,
                        name=data["name"],
                        email=data["email"],
                        needs=data["needs"],
                        needs_details=data["needs_details"],
                    )
                    url = reverse("codesign:registration_manage", args=[registration.manage_token])
                    record_submission(parse_submission_key(request), url)
            except ValidationError as error:
                form_errors_from(error, form)
            else:
                return redirect(url)
        status = 400
    plan = workshop.plan
    return render(
        request,
        "codesign/workshop_detail.html",
        {
            "project": plan.project,
            "plan": plan,
            "workshop": workshop,
            "form": form,
            "seats_left": max(workshop.capacity - workshop.confirmed_count, 0),
            "can_change": user.has_perm("codesign.change_workshop", workshop),
            "can_see_names": user.has_perm("codesign.view_registrants", workshop),
            "sees_project": user.has_perm("projects.view_project", plan.project),
            "ideas": workshop.ideas.published()[:20] if user.has_perm("projects.view_project", plan.project) else [],
        },
        status=status,
    )


def registration_manage(request, token):
    """The page of the confirmation e-mail's link: the status, the waiting position, cancelling."""
    registration = get_object_or_404(
        WorkshopRegistration.objects.select_related("workshop__plan__territory__organisation"), manage_token=token
    )
    workshop = registration.workshop
    if request.method == "POST":
        try:
            services.registration_cancel(registration=registration)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, _("Votre inscription est annulée."))
        return redirect(workshop.get_absolute_url())
    return render(
        request,
        "codesign/registration_manage.html",
        {
            "registration": registration,
            "workshop": workshop,
            "position": services.waiting_position(registration) if registration.status == WAITING else None,
        },
    )


@login_required
@login_page
def workshop_registrations(request, token):
    """Registrants and attendance: the facilitator and the referent only (their names)."""
    workshop = _workshop_or_404(token)
    check(request.user, "codesign.view_registrants", workshop)
    if request.method == "POST":
        present = [pk for pk in request.POST.getlist("present") if pk.isdigit() and len(pk) < 12]
        count = services.attendance_record(workshop=workshop, user=request.user, present_ids=present)
        messages.success(request, _("Présences enregistrées : %(count)d personnes.") % {"count": count})
        return redirect(request.path)
    registrations = workshop.registrations.all()
    return render(
        request,
        "codesign/workshop_registrations.html",
        {
            "project": workshop.plan.project,
            "plan": workshop.plan,
            "workshop": workshop,
            "confirmed": [r for r in registrations if r.status == CONFIRMED],
            "waiting": [r for r in registrations if r.status == WAITING],
        },
    )


@login_required
@login_page
def workshop_sign_in_sheet(request, token):
    """The sign-in sheet (émargement): registrants, blank lines for walk-ins, and the one-time voter
    codes of the workshop's open ballots, to cut and hand out."""
    from weasyprint import HTML

    workshop = _workshop_or_404(token)
    check(request.user, "codesign.view_registrants", workshop)
    ballots = [
        (ballot, list(ballot.voter_codes.filter(used_at__isnull=True)[:200]))
        for ballot in workshop.ballots.exclude(status=Ballot.Status.CLOSED)
    ]
    confirmed = list(workshop.registrations.filter(status=CONFIRMED))
    with translation.override("fr"):
        html = render_to_string(
            "codesign/sign_in_sheet.html",
            {
                "workshop": workshop,
                "registrations": confirmed,
                "blank_lines": range(max(5, workshop.capacity - len(confirmed))),
                "ballots": ballots,
            },
            request=request,
        )
    pdf = HTML(string=html, base_url=request.build_absolute_uri("/")).write_pdf(pdf_variant="pdf/ua-1")
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="emargement-atelier-{workshop.pk}.pdf"'
    return response


def workshop_ics(request, token):
    workshop = _workshop_or_404(token)
    if not request.user.has_perm("codesign.view_workshop", workshop):
        raise Http404
    url = request.build_absolute_uri(workshop.get_absolute_url())
    entry = CalendarEntry(
        uid=f"codesign-workshop-{workshop.pk}@{request.get_host()}",
        starts_at=workshop.starts_at,
        ends_at=workshop.ends_at,
        summary=workshop.title,
        description=f"{workshop.get_method_display()}\n\n{workshop.description}\n\n{url}",
        location=workshop.place_label,
        url=url,
        status={"published": "CONFIRMED", "cancelled": "CANCELLED"}.get(workshop.status, "TENTATIVE"),
        last_modified=workshop.updated_at,
    )
    content = calendar_bytes([entry], product="Ateliers de co-construction")
    response = HttpResponse(content, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="atelier-{workshop.pk}.ics"'
    return response


@login_required
@login_page
def workshop_cancel(request, token):
    """Cancelling asks first (a page saying who will be told), then a POST with the reason."""
    workshop = _workshop_or_404(token)
    check(request.user, "codesign.change_workshop", workshop)
    error = ""
    if request.method == "POST":
        try:
            services.workshop_cancel(workshop=workshop, user=request.user, reason=request.POST.get("reason", "")[:2000])
        except ValidationError as refusal:
            error = " ".join(refusal.messages)
        else:
            messages.success(request, _("L'atelier est annulé ; les personnes inscrites sont prévenues par courriel."))
            return redirect(workshop.get_absolute_url())
    return render(
        request,
        "codesign/workshop_cancel.html",
        {"project": workshop.plan.project, "plan": workshop.plan, "workshop": workshop, "error": error},
        status=400 if error else 200,
    )
