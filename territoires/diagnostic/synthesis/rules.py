"""Who may read, write, validate and publish the diagnostic synthesis. Closed by default.

Convention: the views check these rules before calling a service; the services do not check again
(their other caller is the demo loader, which acts as the consultancy).

- the project's consultancy writes findings (every territory's synthesis and the project's) and
  attaches their evidence; the project's facilitators may do the same;
- a territory's referent validates (or sends back) the findings of their territory's synthesis; the
  facilitators validate the cross-territory synthesis (and may act for a referent);
- a validated finding is published by the referent or the facilitator (the consultancy prepares,
  the authority decides what it says publicly);
- a territory's staff (referent, agents, elected officials) read their territory's synthesis at
  every stage, and the cross-territory one once validated;
- everyone else reads published findings of a project they may open. Each piece of evidence is
  then checked on its own: the reader sees "preuve réservée" where its target is not theirs to see.
Tested as a grid in tests/diagnostic/synthesis/test_permission_grid.py.
"""

import rules

from territoires.accounts.access import has_role_in
from territoires.projects.rules import (
    AUTHORITY_ROLES,
    Role,
    is_project_consultant,
    is_project_facilitator,
)


def _writer(user, project) -> bool:
    return user.is_authenticated and (is_project_facilitator(user, project) or is_project_consultant(user, project))


def _territory_staff(user, territory) -> bool:
    return (
        user.is_authenticated
        and territory.is_participant
        and has_role_in(user, territory.organisation_id, *AUTHORITY_ROLES)
    )


def _is_project_staff(user, project) -> bool:
    return user.is_authenticated and any(
        _territory_staff(user, territory) for territory in project.participations.all()
    )


def _validator(user, synthesis) -> bool:
    if not user.is_authenticated:
        return False
    if is_project_facilitator(user, synthesis.project):
        return True
    return (
        synthesis.territory_id is not None
        and synthesis.territory.is_participant
        and has_role_in(user, synthesis.territory.organisation_id, Role.REFERENT)
    )


@rules.predicate
def may_read_synthesis(user, synthesis):
    """The working view of a synthesis (drafts included)."""
    if _writer(user, synthesis.project):
        return True
    if synthesis.territory_id is not None:
        return _territory_staff(user, synthesis.territory)
    return False


@rules.predicate
def may_open_synthesis(user, synthesis):
    """The page itself: its team, or anyone who may open the project (they see published findings)."""
    return may_read_synthesis(user, synthesis) or user.has_perm("projects.view_project", synthesis.project)


@rules.predicate
def may_write_synthesis(user, synthesis):
    return _writer(user, synthesis.project)


@rules.predicate
def may_view_finding(user, finding):
    synthesis = finding.synthesis
    if finding.status == finding.Status.PUBLISHED and user.has_perm("projects.view_project", finding.project):
        return True
    if may_read_synthesis(user, synthesis):
        return True
    # The cross-territory synthesis speaks of every territory: their staff read it once validated.
    return (
        synthesis.territory_id is None
        and finding.status == finding.Status.VALIDATED
        and _is_project_staff(user, finding.project)
    )


@rules.predicate
def may_change_finding(user, finding):
    return _writer(user, finding.project)


@rules.predicate
def may_validate_finding(user, finding):
    return _validator(user, finding.synthesis)


@rules.predicate
def may_publish_finding(user, finding):
    return _validator(user, finding.synthesis)


rules.add_perm("diagnostic.open_synthesis", may_open_synthesis)
rules.add_perm("diagnostic.read_synthesis_drafts", may_read_synthesis)
rules.add_perm("diagnostic.write_synthesis", may_write_synthesis)
rules.add_perm("diagnostic.view_finding", may_view_finding)
rules.add_perm("diagnostic.change_finding", may_change_finding)
rules.add_perm("diagnostic.validate_finding", may_validate_finding)
rules.add_perm("diagnostic.publish_finding", may_publish_finding)
