"""The steering committee: its members, meetings (invitation, iCalendar, minutes) and decisions.

Permissions (rules.py) are checked here, before calling the services: projects.view_committee to
read, projects.manage_committee for members and meetings, projects.change_decision and
projects.follow_decision for a decision.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import F
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from territoires.core.ical import CalendarEntry, calendar_bytes
from territoires.core.idempotency import already_submitted, parse_submission_key, record_submission
from territoires.core.storage import stored_file_response
from territoires.projects.forms import (
    CommitteeMemberForm,
    DecisionFilterForm,
    DecisionForm,
    DecisionStatusForm,
    MeetingForm,
)
from territoires.projects.models import Committee, Decision, Meeting
from territoires.projects.services import (
    committee_member_add,
    committee_member_remove,
    decision_record,
    decision_update,
    meeting_invite,
    meeting_save,
)
from territoires.projects.views.common import form_errors_from, get_project_or_404, id_from, require


def _committee(project):
    committee, _created = Committee.objects.get_or_create(project=project)
    return committee


def _meeting_or_404(project, meeting_id):
    return get_object_or_404(Meeting.objects.select_related("committee"), pk=meeting_id, committee__project=project)


@login_required
def committee_detail(request, slug):
    project = get_project_or_404(slug, request.user)
    require(request.user, "projects.view_committee", project)
    committee = _committee(project)
    can_manage = request.user.has_perm("projects.manage_committee", project)
    adding = request.method == "POST" and request.POST.get("action") != "remove"
    form = CommitteeMemberForm(request.POST if adding else None, project=project) if can_manage else None
    if request.method == "POST":
        require(request.user, "projects.manage_committee", project)
        if request.POST.get("action") == "remove":
            member = committee.members.current().filter(pk=id_from(request.POST.get("member"))).first()
            if member is None:
                messages.error(request, _("Ce membre ne siège pas au comité."))
            else:
                try:
                    committee_member_remove(member=member, user=request.user)
                except ValidationError as error:
                    messages.error(request, " ".join(error.messages))
                else:
                    messages.success(request, _("%(user)s quitte le comité.") % {"user": member.user})
            return redirect("projects:committee_detail", project.slug)
        if form.is_valid():
            data = form.cleaned_data
            try:
                member = committee_member_add(
                    committee=committee,
                    person=data["user"],
                    organisation=data["organisation"],
                    kind=data["kind"],
                    user=request.user,
                )
            except ValidationError as error:
                form_errors_from(error, form)
            else:
                messages.success(request, _("%(user)s rejoint le comité.") % {"user": member.user})
                return redirect("projects:committee_detail", project.slug)
    meetings = committee.meetings.prefetch_related("decisions").order_by("-starts_at")
    page = Paginator(meetings, 10).get_page(request.GET.get("page"))
    return render(
        request,
        "projects/committee_detail.html",
        {
            "project": project,
            "committee": committee,
            "members": committee.members.current().select_related("user", "organisation"),
            "page_obj": page,
            "form": form,
            "can_manage": can_manage,
            "open_decisions": Decision.objects.filter(meeting__committee=committee).open().count(),
            "overdue_decisions": Decision.objects.filter(meeting__committee=committee).overdue().count(),
        },
        status=400 if form is not None and form.errors else 200,
    )


@login_required
def meeting_detail(request, slug, meeting_id):
    project = get_project_or_404(slug, request.user)
    require(request.user, "projects.view_committee", project)
    meeting = get_object_or_404(
        Meeting.objects.select_related("committee").prefetch_related("attendees__user", "attendees__organisation"),
        pk=meeting_id,
        committee__project=project,
    )
    meeting.committee.project = project
    can_manage = request.user.has_perm("projects.manage_committee", project)
    decision_form = DecisionForm(committee=meeting.committee) if can_manage else None
    if request.method == "POST":
        require(request.user, "projects.manage_committee", project)
        decision_form = DecisionForm(request.POST, committee=meeting.committee)
        if decision_form.is_valid():
            key = parse_submission_key(request)
            if done_url := already_submitted(key):
                return redirect(done_url)
            fields = {name: decision_form.cleaned_data[name] for name in ("text", "owner", "due_on", "status")}
            try:
                with transaction.atomic():
                    decision = decision_record(meeting=meeting, user=request.user, **fields)
                    record_submission(key, f"{meeting.get_absolute_url()}#decisions")
            except ValidationError as error:
                form_errors_from(error, decision_form)
            else:
                messages.success(request, _("La décision n° %(n)d est enregistrée.") % {"n": decision.number})
                return redirect(f"{meeting.get_absolute_url()}#decisions")
    decisions = list(meeting.decisions.select_related("owner").order_by("number"))
    today = timezone.localdate()
    for decision in decisions:
        decision.overdue = decision.is_overdue(today)
        decision.can_follow = request.user.has_perm("projects.follow_decision", decision)
    return render(
        request,
        "projects/meeting_detail.html",
        {
            "project": project,
            "meeting": meeting,
            "decisions": decisions,
            "decision_form": decision_form,
            "can_manage": can_manage,
            "is_upcoming": meeting.starts_at > timezone.now(),
            "invited_count": meeting.invitations.count() if can_manage else 0,
            "member_count": meeting.committee.members.current().count() if can_manage else 0,
        },
        status=400 if decision_form is not None and decision_form.errors else 200,
    )


@login_required
def meeting_edit(request, slug, meeting_id=None):
    project = get_project_or_404(slug, request.user)
    require(request.user, "projects.manage_committee", project)
    committee = _committee(project)
    meeting = (
        get_object_or_404(Meeting, pk=meeting_id, committee=committee) if meeting_id else Meeting(committee=committee)
    )
    form = MeetingForm(request.POST or None, request.FILES or None, instance=meeting, committee=committee)
    if request.method == "POST" and form.is_valid():
        key = parse_submission_key(request)
        if meeting_id is None and (done_url := already_submitted(key)):
            return redirect(done_url)
        try:
            with transaction.atomic():
                meeting = meeting_save(
                    meeting=form.save(commit=False),
                    attendees=form.cleaned_data["attendees"],
                    minutes_document=form.cleaned_data.get("minutes_file") or None,
                    decisions=form.cleaned_data.get("decisions_text", "").splitlines(),
                    invite=bool(form.cleaned_data.get("invite")),
                    user=request.user,
                )
                if meeting_id is None:
                    record_submission(key, reverse("projects:meeting_detail", args=[project.slug, meeting.pk]))
        except ValidationError as error:
            if "minutes_document" in getattr(error, "message_dict", {}):
                form.add_error("minutes_file", error.message_dict["minutes_document"])
            else:
                form_errors_from(error, form)
        else:
            messages.success(request, _("La réunion est enregistrée."))
            return redirect("projects:meeting_detail", project.slug, meeting.pk)
    return render(
        request,
        "projects/meeting_form.html",
        {"project": project, "form": form, "meeting": meeting if meeting.pk else None},
        status=400 if form.errors else 200,
    )


@login_required
@require_POST
def meeting_invitations(request, slug, meeting_id):
    project = get_project_or_404(slug, request.user)
    require(request.user, "projects.manage_committee", project)
    meeting = _meeting_or_404(project, meeting_id)
    try:
        invited = meeting_invite(meeting=meeting, user=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect(meeting.get_absolute_url())
    if invited:
        messages.success(
            request,
            ngettext(
                "L'invitation part vers %(n)d membre du comité.",
                "L'invitation part vers %(n)d membres du comité.",
                len(invited),
            )
            % {"n": len(invited)},
        )
    else:
        messages.info(request, _("Tous les membres du comité ont déjà reçu l'invitation."))
    return redirect(meeting.get_absolute_url())


@login_required
def meeting_ical(request, slug, meeting_id):
    project = get_project_or_404(slug, request.user)
    require(request.user, "projects.view_committee", project)
    meeting = _meeting_or_404(project, meeting_id)
    url = request.build_absolute_uri(meeting.get_absolute_url())
    entry = CalendarEntry(
        uid=f"committee-meeting-{meeting.pk}@{request.get_host()}",
        starts_at=meeting.starts_at,
        summary=f"{meeting.title} — {project.title}",
        description=f"{_('Ordre du jour')}\n\n{meeting.agenda}\n\n{url}",
        # The file travels: the video link stays on the page, for the members who may read it.
        location=meeting.place or _("Visioconférence"),
        url=url,
        last_modified=meeting.updated_at,
    )
    response = HttpResponse(
        calendar_bytes([entry], product="Comité de pilotage", name=project.title), content_type="text/calendar"
    )
    response["Content-Disposition"] = f'attachment; filename="copil-{meeting.pk}.ics"'
    return response


@login_required
def meeting_minutes_document(request, slug, meeting_id):
    project = get_project_or_404(slug, request.user)
    require(request.user, "projects.view_committee", project)
    meeting = _meeting_or_404(project, meeting_id)
    if not meeting.minutes_document:
        raise Http404
    return stored_file_response(
        meeting.minutes_document,
        content_type="application/pdf",
        as_attachment=False,
        filename=f"compte-rendu-copil-{meeting.pk}.pdf",
    )


@login_required
def decision_list(request, slug):
    project = get_project_or_404(slug, request.user)
    require(request.user, "projects.view_committee", project)
    committee = _committee(project)
    filters = DecisionFilterForm(request.GET or None, committee=committee)
    decisions = filters.filter(
        Decision.objects.filter(meeting__committee=committee)
        .select_related("meeting", "owner")
        # The nearest due date first, decisions without one after them (SQLite would put them first).
        .order_by(F("due_on").asc(nulls_last=True), "-meeting__starts_at", "number")
    )
    page = Paginator(decisions, 30).get_page(request.GET.get("page"))
    today = timezone.localdate()
    committee.project = project
    for decision in page.object_list:
        decision.meeting.committee = committee  # what the follow-up permission reads, without a query
        decision.overdue = decision.is_overdue(today)
        decision.can_follow = request.user.has_perm("projects.follow_decision", decision)
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "projects/decision_list.html",
        {
            "project": project,
            "page_obj": page,
            "filters": filters,
            "query": query.urlencode(),
            "overdue_count": Decision.objects.filter(meeting__committee=committee).overdue(today).count(),
        },
    )


@login_required
def decision_edit(request, slug, decision_id):
    """The facilitator changes any field; the member in charge, its status only."""
    project = get_project_or_404(slug, request.user)
    decision = get_object_or_404(
        Decision.objects.select_related("meeting__committee__project", "owner"),
        pk=decision_id,
        meeting__committee__project=project,
    )
    require(request.user, "projects.follow_decision", decision)
    full = request.user.has_perm("projects.change_decision", decision)
    initial = {"text": decision.text, "owner": decision.owner, "due_on": decision.due_on, "status": decision.status}
    if full:
        form = DecisionForm(request.POST or None, initial=initial, committee=decision.meeting.committee)
    else:
        form = DecisionStatusForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        fields = {name: value for name, value in form.cleaned_data.items() if name != "submission_key"}
        try:
            decision_update(decision=decision, user=request.user, **fields)
        except ValidationError as error:
            form_errors_from(error, form)
        else:
            messages.success(request, _("La décision n° %(n)d est mise à jour.") % {"n": decision.number})
            return redirect(f"{decision.meeting.get_absolute_url()}#decisions")
    return render(
        request,
        "projects/decision_form.html",
        {"project": project, "decision": decision, "form": form, "full": full},
        status=400 if form.errors else 200,
    )
