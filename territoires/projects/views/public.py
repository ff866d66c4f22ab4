from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from territoires.accounts.models import Membership, Organisation
from territoires.core.cache import public_page_cache
from territoires.core.models import AuditEvent
from territoires.core.registry import dashboard_cards
from territoires.projects import selectors
from territoires.projects.models import Participation, SharedProject, Theme


@public_page_cache
def home(request):
    projects = list(selectors.with_progress(SharedProject.objects.public()).order_by("-starts_on")[:6])
    for project in projects:
        project.progress = selectors.progress_of(project)
    return render(
        request,
        "core/home.html",
        {
            "projects": projects,
            "themes": Theme.objects.filter(status=Theme.Status.PROPOSED).by_popularity()[:5],
            "stats": {
                "projects": SharedProject.objects.public().count(),
                "authorities": Organisation.objects.filter(
                    participations__project__is_public=True,
                    participations__role=Participation.Role.PARTICIPANT,
                    kind__in=Organisation.LOCAL_AUTHORITY_KINDS,
                )
                .distinct()
                .count(),
                "themes": Theme.objects.filter(status=Theme.Status.PROPOSED).count(),
            },
        },
    )


@public_page_cache
def about(request):
    from territoires.projects.methods import method_phases, template_default

    # The process as the default method template tells it (each project may adapt its own copy).
    return render(request, "core/about.html", {"phases": method_phases(template_default())})


@login_required
def dashboard(request):
    """The user's own space: organisations, projects, and the territory sheets they look after."""
    memberships = list(Membership.objects.filter(user=request.user).select_related("organisation"))
    org_ids = [m.organisation_id for m in memberships]
    territories = (
        Participation.objects.filter(organisation_id__in=org_ids, role=Participation.Role.PARTICIPANT)
        .select_related("project", "organisation", "withdrawal", "project__method")
        .prefetch_related("step_completions", "project__method__phases", "project__method__steps")
        .order_by("project__title")
    )
    observed = Participation.objects.filter(
        organisation_id__in=org_ids, role=Participation.Role.OBSERVER
    ).select_related("project", "organisation")
    facilitated = selectors.with_progress(
        SharedProject.objects.filter(facilitator_organisation_id__in=org_ids)
        | SharedProject.objects.filter(consultancy_id__in=org_ids)
    ).order_by("-starts_on")[:50]
    facilitated = list(facilitated)
    for project in facilitated:
        project.progress = selectors.progress_of(project)
    # What is waiting for this person: signatures their authority owes, requests they must answer.
    referent_org_ids = {m.organisation_id for m in memberships if m.role == Membership.Role.REFERENT}
    facilitator_org_ids = {m.organisation_id for m in memberships if m.role == Membership.Role.FACILITATOR}
    unsigned = selectors.charters_awaiting_signature_of(referent_org_ids)
    signatures_due = [
        p for p in territories if (p.project_id, p.organisation_id) in unsigned and p.participation_state != "withdrawn"
    ]
    observer_requests = Participation.objects.filter(
        project__facilitator_organisation_id__in=facilitator_org_ids,
        role=Participation.Role.OBSERVER,
        observer_status=Participation.ObserverStatus.REQUESTED,
    ).select_related("project", "organisation")
    recent_events = []
    if request.user.has_perm("core.view_global_audit_log"):
        recent_events = AuditEvent.objects.select_related("actor")[:10]
    return render(
        request,
        "accounts/dashboard.html",
        {
            "memberships": memberships,
            "has_authority": any(m.organisation.is_local_authority for m in memberships),
            "signatures_due": signatures_due,
            "observer_requests": observer_requests,
            "territories": territories,
            "observed": observed,
            "facilitated": facilitated,
            "recent_events": recent_events,
            # Blocks of the modules (the survey group's field collection, …): core/registry.py.
            "module_cards": dashboard_cards(request.user),
        },
    )
