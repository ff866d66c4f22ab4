"""Who may do what with the opinion map. Closed by default; the views check these rules before
calling a service (the services check business rules only; the demo loader and the task are
their other callers).

- the project's facilitators (ANCT) and consultancy create maps and seed statements (one shared
  set for the towns);
- each territory's team (referent, agents, elected officials, with the consultancy and the
  facilitators) runs its town's conversation: opens and closes the vote, moderates the
  statements residents propose there, computes the map, publishes it, exports the votes and
  prints one-time codes;
- anyone with a conversation's public link votes while it is open, without an account, and may
  propose a statement when the map allows it;
- the map of a town (groups, representative and consensus statements) is read by its team at any
  time, and by everyone who may open the project once the team has published it; the comparison
  of towns shows only the maps the reader may read.
Tested as a grid in tests/codesign/opinion/test_permission_grid.py.
"""

import rules

from territoires.projects.rules import is_project_consultant, is_project_facilitator, is_territory_team


@rules.predicate
def runs_project_maps(user, project):
    return user.is_authenticated and (is_project_facilitator(user, project) or is_project_consultant(user, project))


@rules.predicate
def runs_map(user, opinion_map):
    return runs_project_maps(user, opinion_map.project)


@rules.predicate
def sees_map(user, opinion_map):
    return user.has_perm("projects.view_project", opinion_map.project)


@rules.predicate
def is_conversation_team(user, conversation):
    return is_territory_team(user, conversation.territory)


@rules.predicate
def is_published_map(user, conversation):
    return conversation.results_public and user.has_perm("projects.view_project", conversation.territory.project)


@rules.predicate
def moderates_statement(user, statement):
    if statement.proposed_in_id is not None:
        return is_territory_team(user, statement.proposed_in.territory)
    return runs_map(user, statement.opinion_map)


rules.add_perm("codesign.add_opinion_map", runs_project_maps)
rules.add_perm("codesign.change_opinion_map", runs_map)
rules.add_perm("codesign.view_opinion_map", sees_map | runs_map)
rules.add_perm("codesign.manage_conversation", is_conversation_team)
rules.add_perm("codesign.view_conversation", is_conversation_team | is_published_map)
rules.add_perm("codesign.moderate_statement", moderates_statement)
