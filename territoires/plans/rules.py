"""Who may read, draft, follow, adopt and publish a territory's action plan. Closed by default.

Permissions are checked on the plan's territory (a Participation), so that "create the plan" and
"edit the plan" read the same rule.
- drafting (axes, objectives, actions, indicators, versions, submitting to the vote, the fate of
  residents' words) and follow-up (status, progress, measurements): the territory's team — its
  authority's referent, agents and elected officials —, the project's consultancy and facilitators;
- recording the council's adoption, and opening an amendment: the territory's referent and the
  project's facilitators (the people who record the charter's deliberations);
- reading the plan as it is drafted, with its versions: every member of the project (the other
  territories learn from it: that is what a shared project is for);
- the adopted plan, its follow-up and the feedback page: everyone who may see the project;
- the synthesis of proposals for the whole project: written by the consultancy and the
  facilitators, read by the project's members, and by everyone once a proposal is published.
Tested as a grid in tests/plans/test_permission_grid.py.
"""

import rules

from territoires.accounts.access import has_role_in
from territoires.projects.rules import (
    AUTHORITY_ROLES,
    is_project_consultant,
    is_project_facilitator,
    is_project_member,
    is_territory_facilitator,
    is_territory_referent,
)


@rules.predicate
def is_territory_team(user, territory):
    if not user.is_authenticated or not territory.is_participant:
        return False
    project = territory.project
    return (
        is_project_facilitator(user, project)
        or is_project_consultant(user, project)
        or has_role_in(user, territory.organisation_id, *AUTHORITY_ROLES)
    )


@rules.predicate
def is_member_of_territory_project(user, territory):
    return is_project_member(user, territory.project)


@rules.predicate
def may_see_territory_project(user, territory):
    return territory.is_participant and user.has_perm("projects.view_project", territory.project)


@rules.predicate
def is_synthesis_author(user, project):
    return is_project_facilitator(user, project) or is_project_consultant(user, project)


rules.add_perm("plans.view_draft", is_member_of_territory_project)
rules.add_perm("plans.view_adopted", may_see_territory_project)
rules.add_perm("plans.edit_plan", is_territory_team)
rules.add_perm("plans.follow_up", is_territory_team)
rules.add_perm("plans.adopt_plan", is_territory_referent | is_territory_facilitator)
# Members of the project comment on each other's plans as they are drafted.
rules.add_perm("plans.comment_plan", is_member_of_territory_project)
# On a project: the consultancy's synthesis of proposals (members read it, the public once published).
rules.add_perm("plans.edit_synthesis", is_synthesis_author)
