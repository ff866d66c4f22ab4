from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db import IntegrityError, transaction
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from territoires.accounts.models import Organisation, User
from territoires.core.idempotency import already_submitted, parse_submission_key, record_submission
from territoires.projects.forms import CommitteeMemberForm, MeetingForm
from territoires.projects.methods import committee_kind_choices
from territoires.projects.models import Committee, Decision, Meeting
from territoires.projects.services import meeting_save
from territoires.projects.views.common import get_project_or_404, id_from, require


def _committee(project):
    committee, _created = Committee.objects.get_or_create(project=project)
    return committee


def _member_form(request, project, data=None):
    form = CommitteeMemberForm(data)
    form.fields["kind"].choices = committee_kind_choices(project)  # the lead role as the method names it
    involved = [project.facilitator_organisation_id, project.consultancy_id] + [
        p.organisation_id for p in project.participations.all() if p.is_participant
    ]
    form.fields["organisation"].queryset = Organisation.objects.filter(pk__in=[i for i in involved if i])
    form.fields["user"].queryset = User.objects.filter(memberships__organisation_id__in=involved).distinct()
    return form


@login_required
def committee_detail(request, slug):
    project = get_project_or_404(slug, request.user)
    require(request.user, "projects.view_committee", project)
    committee = _committee(project)
    can_manage = request.user.has_perm("projects.manage_committee", project)
    form = _member_form(request, project, request.POST or None) if can_manage else None
    if request.method == "POST" and form is not None:
        if request.POST.get("action") == "remove":
            removed, _details = committee.members.filter(pk=id_from(request.POST.get("member"))).delete()
            if removed:
                messages.success(request, _("Le membre est retiré du comité."))
            else:
                messages.error(request, _("Ce membre ne siège pas au comité."))
            return redirect("projects:committee_detail", project.slug)
        if form.is_valid():
            member = form.save(commit=False)
            member.committee = committee
            try:
                with transaction.atomic():
                    member.save()
            except IntegrityError:
                form.add_error("user", _("Cette personne siège déjà au comité."))
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
            "members": committee.members.select_related("user", "organisation"),
            "page_obj": page,
            "form": form,
            "can_manage": can_manage,
        },
        status=400 if form is not None and form.errors else 200,
    )


@login_required
def meeting_detail(request, slug, meeting_id):
    project = get_project_or_404(slug, request.user)
    require(request.user, "projects.view_committee", project)
    meeting = get_object_or_404(
        Meeting.objects.prefetch_related("decisions", "attendees__user", "attendees__organisation"),
        pk=meeting_id,
        committee__project=project,
    )
    return render(
        request,
        "projects/meeting_detail.html",
        {
            "project": project,
            "meeting": meeting,
            "can_manage": request.user.has_perm("projects.manage_committee", project),
        },
    )


@login_required
def meeting_edit(request, slug, meeting_id=None):
    project = get_project_or_404(slug, request.user)
    require(request.user, "projects.manage_committee", project)
    committee = _committee(project)
    meeting = (
        get_object_or_404(Meeting, pk=meeting_id, committee=committee) if meeting_id else Meeting(committee=committee)
    )
    form = MeetingForm(request.POST or None, instance=meeting, committee=committee)
    if request.method == "POST" and form.is_valid():
        key = parse_submission_key(request)
        if meeting_id is None and (done_url := already_submitted(key)):
            return redirect(done_url)
        with transaction.atomic():
            meeting = meeting_save(
                meeting=form.save(commit=False),
                attendees=form.cleaned_data["attendees"],
                decisions=form.cleaned_data["decisions_text"].splitlines(),
                user=request.user,
            )
            if meeting_id is None:
                record_submission(key, reverse("projects:meeting_detail", args=[project.slug, meeting.pk]))
        messages.success(request, _("La réunion est enregistrée."))
        return redirect("projects:meeting_detail", project.slug, meeting.pk)
    return render(
        request,
        "projects/meeting_form.html",
        {"project": project, "form": form, "meeting": meeting if meeting.pk else None},
        status=400 if form.errors else 200,
    )


@login_required
def decision_list(request, slug):
    project = get_project_or_404(slug, request.user)
    require(request.user, "projects.view_committee", project)
    decisions = Decision.objects.filter(meeting__committee__project=project).select_related("meeting")
    page = Paginator(decisions, 30).get_page(request.GET.get("page"))
    return render(request, "projects/decision_list.html", {"project": project, "page_obj": page})
