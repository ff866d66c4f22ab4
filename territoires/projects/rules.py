"""Who may do what on a shared project. Closed by default; each permission opened on purpose.

Objects: SharedProject, Participation (a territory or an observer), Theme, CharterParty, Decision.
Tested as a role × object × action grid in tests/projects/test_permission_grid.py.
"""

from dataclasses import dataclass

import rules

from territoires.accounts.access import has_role_in, is_platform_admin, memberships_of
from territoires.accounts.models import Membership, Organisation

Role = Membership.Role
AUTHORITY_ROLES = (Role.REFERENT, Role.AGENT, Role.ELECTED)


@dataclass(frozen=True)
class CharterParty:
    """A party to a project's charter: the facilitating agency or a participating authority."""

    project: object
    organisation: Organisation


def _participations(project):
    # Uses the prefetched participations when the view loaded them.
    return project.participations.all()


@rules.predicate
def is_project_facilitator(user, project):
    return is_platform_admin(user) or has_role_in(user, project.facilitator_organisation_id, Role.FACILITATOR)


@rules.predicate
def is_project_consultant(user, project):
    return has_role_in(user, project.consultancy_id, Role.CONSULTANT)


@rules.predicate
def is_participant_member(user, project):
    orgs = memberships_of(user)
    return any(
        p.is_participant and p.organisation_id in orgs and orgs[p.organisation_id] in AUTHORITY_ROLES
        for p in _participations(project)
    )


@rules.predicate
def is_project_observer(user, project):
    orgs = memberships_of(user)
    return any(
        p.role == p.Role.OBSERVER and p.observer_status == p.ObserverStatus.ACCEPTED and p.organisation_id in orgs
        for p in _participations(project)
    )


@rules.predicate
def is_project_public(user, project):
    return project.is_public


is_project_member = is_project_facilitator | is_project_consultant | is_participant_member


@rules.predicate
def is_territory_referent(user, participation):
    return participation.is_participant and has_role_in(user, participation.organisation_id, Role.REFERENT)


def is_territory_team(user, participation) -> bool:
    """The people who work on a participating territory's material (directory, co-design): its
    authority's referent, agents and elected officials, the project's consultancy and facilitators."""
    if not user.is_authenticated:
        return False
    project = participation.project
    return (
        is_project_facilitator(user, project)
        or is_project_consultant(user, project)
        or (participation.is_participant and has_role_in(user, participation.organisation_id, *AUTHORITY_ROLES))
    )


@rules.predicate
def is_territory_facilitator(user, participation):
    return is_project_facilitator(user, participation.project)


@rules.predicate
def is_any_authority_member(user):
    orgs = memberships_of(user)
    if not orgs:
        return False
    authority_ids = [org_id for org_id, role in orgs.items() if role in AUTHORITY_ROLES]
    return (
        bool(authority_ids)
        and Organisation.objects.filter(pk__in=authority_ids, kind__in=Organisation.LOCAL_AUTHORITY_KINDS).exists()
    )


@rules.predicate
def is_any_facilitator(user):
    return is_platform_admin(user) or Role.FACILITATOR in memberships_of(user).values()


@rules.predicate
def can_sign_for_party(user, party: CharterParty):
    if party.organisation.pk == party.project.facilitator_organisation_id:
        return is_project_facilitator(user, party.project)
    return has_role_in(user, party.organisation.pk, Role.REFERENT)


@rules.predicate
def is_decision_facilitator(user, decision):
    return is_project_facilitator(user, decision.meeting.committee.project)


@rules.predicate
def is_decision_owner(user, decision):
    return user.is_authenticated and decision.owner_id == user.pk


# Projects
rules.add_perm("projects.view_project", is_project_public | is_project_member | is_project_observer)
rules.add_perm("projects.change_project", is_project_facilitator)
rules.add_perm("projects.manage_participants", is_project_facilitator)
rules.add_perm("projects.view_members_area", is_project_member)
rules.add_perm("projects.view_committee", is_project_member)
rules.add_perm("projects.manage_committee", is_project_facilitator)
# The committee's decisions: the facilitator, who runs the committee and keeps its minutes, records
# and edits them; the member in charge of one follows it up (its status). Other members read them.
rules.add_perm("projects.change_decision", is_decision_facilitator)
rules.add_perm("projects.follow_decision", is_decision_facilitator | is_decision_owner)
rules.add_perm("projects.view_audit_log", is_project_facilitator)
rules.add_perm("projects.edit_charter", is_project_facilitator)
rules.add_perm("projects.edit_method", is_project_facilitator)
rules.add_perm("projects.request_observation", is_any_authority_member)

# Charter parties
rules.add_perm("projects.sign_charter", can_sign_for_party)

# Territories (participations)
rules.add_perm("projects.edit_territory", is_territory_referent | is_territory_facilitator)
rules.add_perm("projects.complete_step", is_territory_referent | is_territory_facilitator)
rules.add_perm("projects.reopen_step", is_territory_referent | is_territory_facilitator)
rules.add_perm("projects.notify_withdrawal", is_territory_referent | is_territory_facilitator)
rules.add_perm("projects.close_withdrawal", is_territory_facilitator)

# Themes
# A theme comes from an authority or from the agency that facilitates shared projects.
rules.add_perm("projects.propose_theme", is_any_authority_member | is_any_facilitator)
rules.add_perm("projects.express_interest", is_any_authority_member)
rules.add_perm("projects.convert_theme", is_any_facilitator)
rules.add_perm("projects.create_project", is_any_facilitator)
rules.add_perm("core.view_global_audit_log", is_any_facilitator)
