"""Who writes and reads observation notes. Closed by default; the views check, the services do not
(their other caller is the demo loader).

- writers: the territory's staff (referent, agents, elected officials), the members of its survey
  group (the collectors of the territory's survey deployments), the project's consultancy and its
  facilitators;
- readers: the same people; nobody else (observers, other territories, the public) — notes
  describe people in public spaces and are working material;
- a note is changed or deleted by its observer, the territory's referent, the consultancy or the
  facilitators.
Tested as a grid in tests/diagnostic/test_qualitative_permission_grid.py.
"""

import rules

from territoires.accounts.access import has_role_in
from territoires.projects.rules import AUTHORITY_ROLES, Role, is_project_consultant, is_project_facilitator


def _is_survey_group_member(user, territory) -> bool:
    from territoires.surveys.models import Collector

    return Collector.objects.filter(user=user, deployment__participation=territory).exists()


def observation_team(user, territory) -> bool:
    if not user.is_authenticated or not territory.is_participant:
        return False
    project = territory.project
    return (
        is_project_facilitator(user, project)
        or is_project_consultant(user, project)
        or has_role_in(user, territory.organisation_id, *AUTHORITY_ROLES)
        or _is_survey_group_member(user, territory)
    )


@rules.predicate
def may_observe(user, territory):
    return observation_team(user, territory)


@rules.predicate
def may_view_observation(user, note):
    return observation_team(user, note.territory)


@rules.predicate
def may_change_observation(user, note):
    if not user.is_authenticated:
        return False
    project = note.territory.project
    return (
        (note.observer_id == user.pk and observation_team(user, note.territory))
        or is_project_facilitator(user, project)
        or is_project_consultant(user, project)
        or has_role_in(user, note.territory.organisation_id, Role.REFERENT)
    )


rules.add_perm("diagnostic.add_observation", may_observe)
rules.add_perm("diagnostic.view_observation", may_view_observation)
rules.add_perm("diagnostic.change_observation", may_change_observation)
