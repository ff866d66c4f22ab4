"""Who may do what in a territory's co-design. Closed by default.

Convention: the views check these rules before calling a service; the services check business
rules only (dates, seats, one vote per person), since their other callers are the demo loader and
the admin, which act as the facilitator.

- the territory's team — its referent, agents and elected officials — with the project's
  consultancy and facilitators (ANCT) plan, run workshops, enter and moderate ideas, write
  objectives and run ballots;
- the names of the people registered to a workshop (and the attendance sheet that carries them)
  are seen by the workshop's facilitator (animateur·rice), the territory's referent and the
  project's facilitators only — not by agents, elected officials, the consultancy or other towns;
- everyone who may open the project reads the plan, the published workshops, published ideas,
  objectives and the ballots once open (results once closed); a published workshop's page (and its
  registration form) is open to anyone who has its link, like the survey's public link;
- residents register, send ideas (when the territory's idea box is open) and vote with a one-time
  code without an account; an account votes online once per ballot.
Tested as a grid in tests/codesign/test_permission_grid.py.
"""

import rules

from territoires.accounts.access import has_role_in
from territoires.accounts.models import Membership
from territoires.projects.rules import is_project_facilitator, is_project_member, is_territory_team


def is_team_of(user, territory) -> bool:
    return is_territory_team(user, territory)


def _sees_project(user, project) -> bool:
    return user.has_perm("projects.view_project", project)


@rules.predicate
def is_plan_team(user, plan):
    return is_team_of(user, plan.territory)


@rules.predicate
def sees_plan(user, plan):
    return _sees_project(user, plan.project)


@rules.predicate
def is_workshop_team(user, workshop):
    return is_team_of(user, workshop.plan.territory) or (user.is_authenticated and workshop.facilitator_id == user.pk)


@rules.predicate
def is_published_workshop(user, workshop):
    return workshop.status != workshop.Status.DRAFT


@rules.predicate
def sees_registrant_names(user, workshop):
    if not user.is_authenticated:
        return False
    territory = workshop.plan.territory
    return (
        workshop.facilitator_id == user.pk
        or is_project_facilitator(user, territory.project)
        or (territory.is_participant and has_role_in(user, territory.organisation_id, Membership.Role.REFERENT))
    )


@rules.predicate
def is_idea_team(user, idea):
    return is_team_of(user, idea.plan.territory)


@rules.predicate
def is_visible_published_idea(user, idea):
    return idea.is_published and _sees_project(user, idea.plan.project)


@rules.predicate
def is_idea_commenter(user, idea):
    return is_project_member(user, idea.plan.project)


@rules.predicate
def is_current_idea(user, idea):
    return idea.merged_into_id is None


@rules.predicate
def is_objective_team(user, objective):
    return is_team_of(user, objective.plan.territory)


@rules.predicate
def sees_objective(user, objective):
    return _sees_project(user, objective.plan.project)


@rules.predicate
def is_ballot_team(user, ballot):
    return is_team_of(user, ballot.plan.territory)


@rules.predicate
def sees_ballot(user, ballot):
    return ballot.status != ballot.Status.DRAFT and _sees_project(user, ballot.plan.project)


@rules.predicate
def is_closed_ballot(user, ballot):
    return ballot.status == ballot.Status.CLOSED


@rules.predicate
def is_open_ballot(user, ballot):
    return ballot.status == ballot.Status.OPEN


@rules.predicate
def is_authenticated(user, obj=None):
    return user.is_authenticated


rules.add_perm("codesign.view_plan", sees_plan)
rules.add_perm("codesign.change_plan", is_plan_team)
rules.add_perm("codesign.add_workshop", is_plan_team)
rules.add_perm("codesign.add_idea", is_plan_team)
rules.add_perm("codesign.moderate_ideas", is_plan_team)
rules.add_perm("codesign.add_objective", is_plan_team)
rules.add_perm("codesign.add_ballot", is_plan_team)

rules.add_perm("codesign.view_workshop", is_published_workshop | is_workshop_team)
rules.add_perm("codesign.change_workshop", is_workshop_team)
rules.add_perm("codesign.view_registrants", sees_registrant_names)

rules.add_perm("codesign.view_idea", is_visible_published_idea | is_idea_team)
rules.add_perm("codesign.moderate_idea", is_idea_team & is_current_idea)
rules.add_perm("codesign.merge_idea", is_idea_team & is_current_idea)
rules.add_perm(
    "codesign.comment_idea", is_current_idea & is_idea_commenter & (is_visible_published_idea | is_idea_team)
)

rules.add_perm("codesign.view_objective", sees_objective | is_objective_team)
rules.add_perm("codesign.change_objective", is_objective_team)

rules.add_perm("codesign.view_ballot", sees_ballot | is_ballot_team)
rules.add_perm("codesign.manage_ballot", is_ballot_team)
rules.add_perm("codesign.vote_online", is_authenticated & is_open_ballot & sees_ballot)
rules.add_perm("codesign.view_results", (is_closed_ballot & sees_ballot) | is_ballot_team)
