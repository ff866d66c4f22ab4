"""Who may read, write, publish and merge directory entries. Closed by default.

Convention: the views check these rules before calling a service; the services do not check again
(their only other caller is the demo loader, which acts as the facilitator).

- a territory's team — referent, agents and elected officials of its authority — and the project's
  consultancy edit the entries of that territory (create, edit, publish, merge);
- the project's facilitators (and platform admins) read and edit every territory's entries;
- everyone else (observers, other territories, residents, visitors) reads only published entries,
  and only of a project they may open (a public project, or one they observe or take part in);
- contact persons are shown to project members only (facilitators, consultancy, participating
  authorities' staff), never to observers or the public.
Tested as a grid in tests/diagnostic/test_permission_grid.py.
"""

import rules

from territoires.projects.rules import (
    is_project_consultant,
    is_project_facilitator,
    is_project_member,
    is_territory_team,
)


def _territory_team(user, territory) -> bool:
    return is_territory_team(user, territory)


@rules.predicate
def is_territory_editor(user, territory):
    """On a Participation: may add entries to this territory's directory."""
    return _territory_team(user, territory)


@rules.predicate
def is_entry_editor(user, entry):
    return entry.merged_into_id is None and _territory_team(user, entry.territory)


@rules.predicate
def is_published_in_visible_project(user, entry):
    return entry.is_published and user.has_perm("projects.view_project", entry.project)


@rules.predicate
def is_member_of_entry_project(user, entry):
    return is_project_member(user, entry.project)


@rules.predicate
def may_manage_families(user, project):
    return is_project_facilitator(user, project) or is_project_consultant(user, project)


rules.add_perm("diagnostic.view_entry", is_published_in_visible_project | is_entry_editor)
rules.add_perm("diagnostic.add_entry", is_territory_editor)
# On a Participation: import a file into its directory (or its census population), review duplicates.
rules.add_perm("diagnostic.import_entries", is_territory_editor)
rules.add_perm("diagnostic.change_entry", is_entry_editor)
rules.add_perm("diagnostic.publish_entry", is_entry_editor)
rules.add_perm("diagnostic.merge_entry", is_entry_editor)
rules.add_perm(
    "diagnostic.view_entry_contact", is_member_of_entry_project & (is_published_in_visible_project | is_entry_editor)
)
rules.add_perm("diagnostic.manage_families", may_manage_families)
from territoires.diagnostic import network_rules  # noqa: E402,F401  (the network's rules, registered with these)
from territoires.diagnostic.qdpx import rules as _qdpx_rules  # noqa: E402,F401  (REFI-QDA exchange)
