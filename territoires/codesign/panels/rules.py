"""Who may do what with a panel drawn by lot. Closed by default; tested as a grid in
tests/codesign/test_panels_grid.py.

- the panel (its question, size, quotas, counts per category, state) is read by everyone who may
  open the project's co-design plan, and changed by the territory's team with the consultancy and
  the project's facilitators (the co-design team of codesign/rules.py);
- the volunteers' identities and contact (the pool's list, the file import, the members drawn and
  their withdrawal) are for the project's facilitators (ANCT) and the territory's referent only:
  not agents, elected officials, the consultancy or other towns;
- the draw itself (and a replacement) is ordered by those same two roles, who answer for it;
- the published record of a done draw (algorithm, seed, quotas, pool and selection counts and each
  category's selection probability, never a name) is public: anyone with its address reads it,
  signed in or not, and may replay it;
- residents volunteer through the panel's public form while the call is open, without an account.
"""

import rules

from territoires.accounts.access import has_role_in
from territoires.accounts.models import Membership
from territoires.codesign.rules import is_plan_team, is_team_of
from territoires.projects.rules import is_project_facilitator


@rules.predicate
def sees_panel(user, panel):
    return user.has_perm("codesign.view_plan", panel.plan) and (
        panel.status != panel.Status.DRAFT or is_team_of(user, panel.plan.territory)
    )


@rules.predicate
def is_panel_team(user, panel):
    return is_team_of(user, panel.plan.territory)


@rules.predicate
def is_panel_steward(user, panel):
    """The project's facilitators and the territory's referent."""
    if not user.is_authenticated:
        return False
    territory = panel.plan.territory
    return is_project_facilitator(user, territory.project) or (
        territory.is_participant and has_role_in(user, territory.organisation_id, Membership.Role.REFERENT)
    )


rules.add_perm("codesign.add_panel", is_plan_team)
rules.add_perm("codesign.view_panel", sees_panel | is_panel_steward)
rules.add_perm("codesign.change_panel", is_panel_team)
rules.add_perm("codesign.view_volunteers", is_panel_steward)
rules.add_perm("codesign.import_volunteers", is_panel_steward)
rules.add_perm("codesign.draw_panel", is_panel_steward)
