from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from territoires.core.cache import public_page_cache
from territoires.core.idempotency import parse_submission_key, record_submission
from territoires.projects.views.common import form_errors_from, require
from territoires.sharing import calendar, selectors
from territoires.sharing.forms import PeerEventCreateForm, PeerEventForm
from territoires.sharing.models import PeerEvent, Registration
from territoires.sharing.services import event_register, event_save, event_unregister, waiting_position
from territoires.sharing.views.common import (
    attach_project,
    get_in_project_or_404,
    get_project_or_404,
    linkable_resources,
    publish_requested,
    replay_or_none,
    visible_resources,
)

PAGE_SIZE = 10


def _past_requested(request) -> bool:
    return request.GET.get("quand") == "passees"


def _mark_own_registrations(page, user):
    """Each listed event knows the user's registration status (one query for the page)."""
    page.object_list = list(page.object_list)
    if user.is_authenticated and page.object_list:
        own = dict(Registration.objects.filter(user=user, event__in=page.object_list).values_list("event_id", "status"))
        for event in page.object_list:
            event.own_status = own.get(event.pk, "")
    return page


@public_page_cache(query_params=("quand", "page"))
def event_list(request):
    past = _past_requested(request)
    events = selectors.events_for_platform(request.user, past=past)
    page = _mark_own_registrations(Paginator(events, PAGE_SIZE).get_page(request.GET.get("page")), request.user)
    return render(request, "sharing/event_list.html", {"page_obj": page, "past": past})


@public_page_cache(query_params=("quand", "page"))
def project_events(request, slug):
    project = get_project_or_404(slug, request.user, with_progress=False)
    past = _past_requested(request)
    events = selectors.events_for_project(project, request.user, past=past)
    page = attach_project(Paginator(events, PAGE_SIZE).get_page(request.GET.get("page")), project)
    page = _mark_own_registrations(page, request.user)
    return render(
        request,
        "sharing/project_events.html",
        {
            "project": project,
            "page_obj": page,
            "past": past,
            "can_add": request.user.has_perm("sharing.add_event", project),
        },
    )


def _event_context(request, project, event):
    user = request.user
    registration = Registration.objects.filter(event=event, user=user).first() if user.is_authenticated else None
    counts = selectors.with_registration_counts(PeerEvent.objects.filter(pk=event.pk)).values(
        "confirmed_count", "waiting_count"
    )[0]
    can_change = user.has_perm("sharing.change_event", event)
    return {
        "project": project,
        "event": event,
        "registration": registration,
        "waiting_position": (
            waiting_position(event=event, registration=registration)
            if registration and registration.status == Registration.Status.WAITING
            else None
        ),
        "confirmed_count": counts["confirmed_count"],
        "waiting_count": counts["waiting_count"],
        "seats_left": max(event.capacity - counts["confirmed_count"], 0),
        "can_register": user.has_perm("sharing.register_event", event),
        "can_change": can_change,
        "show_video_link": bool(event.video_url)
        and (can_change or (registration is not None and registration.status == Registration.Status.CONFIRMED)),
        "registrations": selectors.event_registrations(event) if can_change else None,
        "resources": visible_resources(event, user),
    }


@public_page_cache
def event_detail(request, slug, event_id):
    project = get_project_or_404(slug, request.user, with_progress=False)
    event = get_in_project_or_404(PeerEvent, event_id, project)
    require(request.user, "sharing.view_event", event)
    return render(request, "sharing/event_detail.html", _event_context(request, project, event))


@login_required
@require_POST
def event_registration(request, slug, event_id):
    """Register (action=register) or cancel (action=cancel) one's own registration."""
    project = get_project_or_404(slug, request.user, with_progress=False)
    event = get_in_project_or_404(PeerEvent, event_id, project)
    require(request.user, "sharing.view_event", event)
    action = request.POST.get("action")
    try:
        if action == "cancel":
            event_unregister(event=event, user=request.user)
            messages.success(request, _("Votre inscription est annulée."))
        elif action == "register":
            require(request.user, "sharing.register_event", event)
            registration = event_register(event=event, user=request.user)
            if registration.status == Registration.Status.CONFIRMED:
                messages.success(request, _("Vous êtes inscrit·e à cette rencontre."))
            else:
                position = waiting_position(event=event, registration=registration)
                messages.warning(
                    request,
                    _(
                        "La rencontre est complète : vous êtes sur la liste d'attente (position %(position)d). "
                        "Vous serez prévenu·e si une place se libère."
                    )
                    % {"position": position},
                )
        else:
            messages.error(request, _("Action inconnue."))
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    return redirect(event.get_absolute_url())


@login_required
def event_edit(request, slug, event_id=None):
    project = get_project_or_404(slug, request.user, with_progress=False)
    if event_id is None:
        require(request.user, "sharing.add_event", project)
        event = PeerEvent(project=project)
        form_class = PeerEventCreateForm
    else:
        event = get_in_project_or_404(PeerEvent, event_id, project)
        require(request.user, "sharing.change_event", event)
        form_class = PeerEventForm
    form = form_class(request.POST or None, instance=event, resources=linkable_resources(project, request.user))
    if request.method == "POST" and form.is_valid():
        if replay := replay_or_none(request, form, event_id):
            return replay
        try:
            with transaction.atomic():
                event = event_save(
                    event=form.save(commit=False),
                    user=request.user,
                    publish=publish_requested(request),
                    resources=form.cleaned_data.get("resources"),
                )
                if event_id is None:
                    record_submission(parse_submission_key(request), event.get_absolute_url())
        except ValidationError as error:
            form_errors_from(error, form)
        else:
            messages.success(
                request, _("La rencontre est publiée.") if event.is_published else _("Le brouillon est enregistré.")
            )
            return redirect(event.get_absolute_url())
    return render(
        request,
        "sharing/event_form.html",
        {
            "project": project,
            "form": form,
            "event": event if event.pk else None,
            "is_published": bool(event.pk) and event.is_published,
            "cancel_url": event.get_absolute_url() if event.pk else reverse("sharing:project_events", args=[slug]),
        },
        status=400 if form.errors else 200,
    )


def event_ics(request, slug, event_id):
    project = get_project_or_404(slug, request.user, with_progress=False)
    event = get_in_project_or_404(PeerEvent, event_id, project)
    require(request.user, "sharing.view_event", event)
    if not event.is_published:
        require(request.user, "sharing.change_event", event)
    return _ics_response(calendar.calendar_for([event], request=request), f"rencontre-{event.pk}.ics")


def project_calendar(request, slug):
    project = get_project_or_404(slug, request.user, with_progress=False)
    events = selectors.calendar_events(request.user, project)
    return _ics_response(calendar.calendar_for(events, request=request, name=project.title), f"{slug}.ics")


def _ics_response(content: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
