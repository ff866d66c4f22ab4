"""Which projects a user belongs to or observes, as id lists that list queries filter on.

It says, for many projects at once, what the projects rules say for one (is_project_member,
is_project_observer), so a list page costs one or two queries whatever the user's roles.
"""

from dataclasses import dataclass, field

from django.db.models import Q

from territoires.accounts.access import is_platform_admin, memberships_of
from territoires.accounts.models import Membership


@dataclass(frozen=True)
class Reach:
    everything: bool = False
    member_of: frozenset[int] = field(default_factory=frozenset)
    observed: frozenset[int] = field(default_factory=frozenset)


NOBODY = Reach()


def reach_of(user) -> Reach:
    """Kept on the user object for the request (like memberships_of)."""
    if not user.is_authenticated:
        return NOBODY
    cached = getattr(user, "_sharing_reach", None)
    if cached is not None:
        return cached
    if is_platform_admin(user):
        reach = Reach(everything=True)
    else:
        reach = _compute(memberships_of(user))
    user._sharing_reach = reach
    return reach


def _compute(memberships: dict[int, str]) -> Reach:
    from territoires.projects.models import Participation, SharedProject
    from territoires.projects.rules import AUTHORITY_ROLES

    if not memberships:
        return NOBODY
    Role = Membership.Role
    facilitating = [org for org, role in memberships.items() if role == Role.FACILITATOR]
    consulting = [org for org, role in memberships.items() if role == Role.CONSULTANT]
    authority = [org for org, role in memberships.items() if role in AUTHORITY_ROLES]
    member_of = (
        set(
            SharedProject.objects.filter(
                Q(facilitator_organisation_id__in=facilitating) | Q(consultancy_id__in=consulting)
            ).values_list("pk", flat=True)
        )
        if facilitating or consulting
        else set()
    )
    observed = set()
    rows = Participation.objects.filter(organisation_id__in=list(memberships)).values_list(
        "project_id", "organisation_id", "role", "observer_status"
    )
    for project_id, organisation_id, role, observer_status in rows:
        if role == Participation.Role.PARTICIPANT and organisation_id in authority:
            member_of.add(project_id)
        elif role == Participation.Role.OBSERVER and observer_status == Participation.ObserverStatus.ACCEPTED:
            observed.add(project_id)
    return Reach(member_of=frozenset(member_of), observed=frozenset(observed - member_of))
