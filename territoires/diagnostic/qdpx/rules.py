"""Who may exchange the project's coding with other tools. Closed by default; the views check, the
services re-check when the task runs (see the package docstring).

- **The `.qdpx` project** holds transcripts (personal data) and the texts of residents: only the
  circle that reads transcripts exports it — the same circle as the interviews' rule
  `diagnostic.view_transcript`: the project's consultancy and facilitators for every territory (the
  whole project), a territory's referent for that territory only.
- **The `.qdc` codebook** holds codes, definitions and examples, no transcript: every project
  member exports it (facilitators, consultancy, the participating authorities' referents, agents
  and elected officials) — never observers or visitors, because a code's example may quote a
  passage.
- **Importing** a codebook or a project changes the project's shared codebook, which the
  consultancy edits: the consultancy and the facilitators import; a project goes into one
  territory, as interviews marked "imported".
- **Excerpts as CSV/XLSX**: every project member; quotes are verbatim for the territories whose
  circle the reader belongs to, pseudonymised (the territory's list) for the others.
Tested as a grid in tests/diagnostic/test_qdpx_permission_grid.py.
"""

import rules

from territoires.diagnostic.interviews.rules import transcript_circle
from territoires.projects.rules import is_project_consultant, is_project_facilitator, is_project_member


def is_coding_lead(user, project) -> bool:
    """The consultancy and the facilitators: they keep the codebook and read every transcript."""
    return user.is_authenticated and (is_project_facilitator(user, project) or is_project_consultant(user, project))


def is_transcript_circle(user, territory) -> bool:
    """On a Participation: may read its transcripts — the interviews' own definition of the circle."""
    return transcript_circle(user, territory)


@rules.predicate
def may_export_project_coding(user, project):
    return is_coding_lead(user, project)


@rules.predicate
def may_export_territory_coding(user, territory):
    return is_transcript_circle(user, territory)


@rules.predicate
def may_use_codebook(user, project):
    return user.is_authenticated and is_project_member(user, project)


@rules.predicate
def may_import_coding(user, project):
    return is_coding_lead(user, project)


@rules.predicate
def may_import_into_territory(user, territory):
    return territory.is_participant and is_coding_lead(user, territory.project)


def may_open_exchange(user, project) -> bool:
    """The exchange page: anyone who may do one thing on it."""
    return may_use_codebook(user, project)


# On a SharedProject.
rules.add_perm("diagnostic.export_coding_project", may_export_project_coding)
rules.add_perm("diagnostic.export_codebook", may_use_codebook)
rules.add_perm("diagnostic.export_excerpts", may_use_codebook)
rules.add_perm("diagnostic.import_codebook", may_import_coding)
# On a Participation.
rules.add_perm("diagnostic.export_coding_territory", may_export_territory_coding)
rules.add_perm("diagnostic.import_coding_project", may_import_into_territory)
