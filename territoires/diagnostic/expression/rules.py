"""Who reads and moderates residents' texts. Closed by default; the views check, the services do
not (their other caller is the demo loader).

- anyone writes, without an account, while the territory's call is open;
- the published texts (author's consent + moderation) are public: the gallery is open to everyone
  while the call is open or to anyone who may open the project;
- every other text (pending, kept without publication, rejected) is read only by the territory's
  staff (referent, agents, elected officials), the project's consultancy and its facilitators —
  never by observers, other territories or the public;
- the same people moderate; the referent (or a facilitator) sets the question and opens the call.
Tested as a grid in tests/diagnostic/test_qualitative_permission_grid.py.
"""

import rules

from territoires.accounts.access import has_role_in
from territoires.projects.rules import AUTHORITY_ROLES, Role, is_project_consultant, is_project_facilitator


def expression_team(user, territory) -> bool:
    if not user.is_authenticated or not territory.is_participant:
        return False
    project = territory.project
    return (
        is_project_facilitator(user, project)
        or is_project_consultant(user, project)
        or has_role_in(user, territory.organisation_id, *AUTHORITY_ROLES)
    )


@rules.predicate
def may_moderate(user, territory):
    return expression_team(user, territory)


@rules.predicate
def may_set_prompt(user, territory):
    if not user.is_authenticated or not territory.is_participant:
        return False
    return is_project_facilitator(user, territory.project) or has_role_in(
        user, territory.organisation_id, Role.REFERENT
    )


@rules.predicate
def may_view_expression(user, expression):
    if expression.is_public:
        prompt = expression.prompt
        return prompt.is_open or user.has_perm("projects.view_project", expression.project)
    return expression_team(user, expression.territory)


@rules.predicate
def may_read_gallery(user, prompt):
    return prompt.is_open or user.has_perm("projects.view_project", prompt.project)


rules.add_perm("diagnostic.moderate_expressions", may_moderate)
rules.add_perm("diagnostic.set_expression_prompt", may_set_prompt)
rules.add_perm("diagnostic.view_expression", may_view_expression)
rules.add_perm("diagnostic.read_expression_gallery", may_read_gallery)
