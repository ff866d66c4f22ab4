"""Who may read and keep the cooperation network. Closed by default; same convention as rules.py
(the views check, the services do not: their other callers are the demo loader and the task).

- a link is kept (added, changed, deleted) by the team of its source actor's territory — the
  territory's referent, agents and elected officials, the consultancy, the facilitators — as the
  directory's entries are; links derived from an object of engagement are not edited by hand
  (they follow the object's actors);
- a link is read by whoever reads both of its actors (rules.py), except links noted during an
  interview, which stay among the project's members (what people say in interviews is not
  published);
- the network page and its exports show each person the actors and links they may read; the
  metrics (betweenness, communities, bridges) are for the project's members, who launch them.
Tested as a grid in tests/diagnostic/test_network_permissions.py.
"""

import rules

from territoires.diagnostic.rules import is_territory_editor
from territoires.projects.rules import is_project_member


@rules.predicate
def is_link_keeper(user, link):
    return (
        not link.is_derived
        and link.source.merged_into_id is None
        and link.target.merged_into_id is None
        and is_territory_editor(user, link.territory)
    )


@rules.predicate
def may_read_link(user, link):
    if link.provenance == link.Provenance.INTERVIEW and not is_project_member(user, link.project):
        return False
    return user.has_perm("diagnostic.view_entry", link.source) and user.has_perm("diagnostic.view_entry", link.target)


@rules.predicate
def may_open_project(user, project):
    return user.has_perm("projects.view_project", project)


rules.add_perm("diagnostic.add_link", is_territory_editor)
rules.add_perm("diagnostic.view_link", may_read_link)
rules.add_perm("diagnostic.change_link", is_link_keeper)
rules.add_perm("diagnostic.delete_link", is_link_keeper)
rules.add_perm("diagnostic.view_network", may_open_project)
rules.add_perm("diagnostic.export_network", may_open_project)
rules.add_perm("diagnostic.view_network_metrics", is_project_member)
rules.add_perm("diagnostic.analyse_network", is_project_member)
