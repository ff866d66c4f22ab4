"""Reads for project pages: each function loads what a page shows in a fixed number of queries."""

from django.core.cache import cache
from django.db.models import Count, Exists, IntegerField, OuterRef, Prefetch, Subquery, Value, prefetch_related_objects
from django.db.models.functions import Coalesce
from django.utils import timezone

from territoires.accounts.access import memberships_of
from territoires.accounts.models import Membership, Organisation
from territoires.core.cache import code_release, content_version
from territoires.projects.models import (
    Charter,
    MethodStep,
    Participation,
    SharedProject,
    Signature,
    StepCompletion,
    Theme,
    ThemeInterest,
)
from territoires.projects.rules import AUTHORITY_ROLES


def user_authorities(user):
    """The local authorities in which the user holds an authority role."""
    ids = [org_id for org_id, role in memberships_of(user).items() if role in AUTHORITY_ROLES]
    return Organisation.objects.filter(pk__in=ids, kind__in=Organisation.LOCAL_AUTHORITY_KINDS).order_by("name")


def user_facilitator_organisations(user):
    """The organisations on whose behalf the user facilitates (the national agency for a superuser)."""
    ids = [org_id for org_id, role in memberships_of(user).items() if role == Membership.Role.FACILITATOR]
    if user.is_superuser and not ids:
        return Organisation.objects.filter(kind=Organisation.Kind.NATIONAL_AGENCY)
    return Organisation.objects.filter(pk__in=ids)


def with_progress(projects):
    """Annotate each project with its participant count and overall progress (percent)."""
    participant_count = (
        Participation.objects.filter(project=OuterRef("pk"))
        .active_participants()
        .values("project")
        .annotate(n=Count("pk"))
        .values("n")
    )
    # Only the completions of steps that the project's method still has count.
    step_in_method = MethodStep.objects.filter(
        method__project=OuterRef("participation__project"), code=OuterRef("step")
    )
    done_steps = (
        StepCompletion.objects.filter(
            participation__project=OuterRef("pk"), participation__role=Participation.Role.PARTICIPANT
        )
        .exclude(participation__withdrawal__effective_on__lte=timezone.localdate())
        .filter(Exists(step_in_method))
        .values("participation__project")
        .annotate(n=Count("pk"))
        .values("n")
    )
    step_count = (
        MethodStep.objects.filter(method__project=OuterRef("pk")).values("method").annotate(n=Count("pk")).values("n")
    )
    return projects.annotate(
        participant_count=Coalesce(Subquery(participant_count, output_field=IntegerField()), Value(0)),
        done_step_count=Coalesce(Subquery(done_steps, output_field=IntegerField()), Value(0)),
        step_count=Coalesce(Subquery(step_count, output_field=IntegerField()), Value(0)),
    )


def progress_of(project) -> int:
    if not project.participant_count or not project.step_count:
        return 0
    return round(100 * project.done_step_count / (project.participant_count * project.step_count))


def project_list(*, user, status: str = "", query: str = ""):
    projects = SharedProject.objects.visible_to(user)
    if status in SharedProject.Status.values:
        projects = projects.filter(status=status)
    if query:
        projects = projects.filter(title__icontains=query)
    return with_progress(projects).order_by("-starts_on", "-created_at")


def project_page(slug: str, *, with_progress: bool = True):
    """A project with what its pages need: participations with organisations and withdrawals (which
    the permission rules read), and the completed steps of each territory when asked."""
    # Every page of a project starts here: keep the loaded objects until anything changes (any
    # committed write bumps the content version), which saves the two queries on most requests.
    key = f"project-page:{code_release()}:{content_version()}:{with_progress}:{slug}"
    project = cache.get(key)
    if project is not None:
        return project
    participations = Participation.objects.select_related("organisation", "withdrawal", "referent")
    if with_progress:
        participations = participations.prefetch_related(STEP_COMPLETIONS)
    project = (
        SharedProject.objects.select_related("facilitator_organisation", "consultancy", "theme", "method")
        .prefetch_related(Prefetch("participations", queryset=participations), *METHOD_PREFETCH)
        .filter(slug=slug)
        .first()
    )
    if project is not None:
        cache.set(key, project, 600)
    return project


STEP_COMPLETIONS = Prefetch(
    "step_completions",
    queryset=StepCompletion.objects.select_related("completed_by").only(
        "id",
        "participation_id",
        "step",
        "completed_at",
        "note",
        "completed_by__id",
        "completed_by__first_name",
        "completed_by__last_name",
        "completed_by__email",
    ),
)
# A project's method, its phases and steps (the project selected with select_related("method")).
METHOD_PREFETCH = ("method__phases", "method__steps")


def prefetch_progress(project) -> None:
    """Load every territory's completed steps in one query, for a project loaded without them."""
    prefetch_related_objects(list(project.participations.all()), STEP_COMPLETIONS)


def current_charter_with_signatures(project):
    return (
        Charter.objects.filter(project=project)
        .prefetch_related(
            "articles",
            Prefetch("signatures", queryset=Signature.objects.select_related("organisation")),
        )
        .order_by("-version")
        .first()
    )


def charters_awaiting_signature_of(organisation_ids) -> set[tuple[int, int]]:
    """(project id, organisation id) pairs where the project's current charter, not in force yet,
    still waits for the signature of that participating organisation."""
    if not organisation_ids:
        return set()
    newer_version = Charter.objects.filter(project=OuterRef("project"), version__gt=OuterRef("version"))
    signed_by_participant = Signature.objects.filter(
        charter=OuterRef("pk"), organisation=OuterRef(OuterRef("organisation"))
    )
    current_unsigned = (
        Charter.objects.filter(project=OuterRef("project"), in_force_on__isnull=True)
        .exclude(Exists(newer_version))
        .exclude(Exists(signed_by_participant))
    )
    rows = (
        Participation.objects.participants()
        .filter(organisation_id__in=organisation_ids)
        .filter(Exists(current_unsigned))
        .values_list("project_id", "organisation_id")
    )
    return set(rows)


def split_participations(project):
    """(participants, observers, pending observer requests) from the prefetched participations."""
    participants, observers, requests = [], [], []
    for participation in project.participations.all():
        if participation.is_participant:
            participants.append(participation)
        elif participation.observer_status == Participation.ObserverStatus.ACCEPTED:
            observers.append(participation)
        elif participation.observer_status == Participation.ObserverStatus.REQUESTED:
            requests.append(participation)
    return participants, observers, requests


def charter_parties_loaded(project) -> list:
    """The charter's parties (the agency, then every participant not withdrawn) from the prefetched
    participations; services.charter_parties reads the same from the database."""
    participants, _observers, _requests = split_participations(project)
    return [project.facilitator_organisation] + [
        p.organisation for p in participants if p.participation_state != "withdrawn"
    ]


def project_progress(participants) -> int:
    active = [p for p in participants if p.participation_state != "withdrawn"]
    if not active:
        return 0
    return round(sum(p.progress_percent for p in active) / len(active))


def theme_interested_authorities(theme: Theme) -> list[Organisation]:
    """The authorities that expressed interest in the theme, the earliest first."""
    return [
        interest.organisation
        for interest in ThemeInterest.objects.filter(
            theme=theme, organisation__kind__in=Organisation.LOCAL_AUTHORITY_KINDS
        )
        .select_related("organisation")
        .order_by("created_at", "pk")
    ]
