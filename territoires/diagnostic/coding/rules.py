"""Who may read and change the codebook, code a text, read excerpts and the analysis. Closed by
default; the views check these rules before calling a service, the services do not check again
(their other callers are the demo loader and the REFI-QDA import, which act for the consultancy).

- the codebook (a project's) is read by the project's staff — facilitators, consultancy and the
  participating authorities' referents, agents and elected officials — and changed by the
  consultancy and the facilitators;
- a transcript is coded by those who may read it (`diagnostic.view_transcript`: the consultancy,
  the facilitators, the territory's referent); a resident's text by the same circle, once it was
  moderated and kept (published, or kept without publication: a pending text may still be set aside,
  a rejected one is never analysed);
- one deletes only one's own codings, while still allowed to code that text;
- excerpts and the analysis (frequencies, co-occurrence) are read by the project's staff: quotes of
  a territory whose transcripts they may not read come through the pseudonymisation list and link
  to nothing they may not open; residents' texts not published are quoted only to the territory's
  team (expression/rules.py). Observers, visitors and other projects see none of it.
Tested as a grid in tests/diagnostic/coding/test_permission_grid.py.
"""

import rules

from territoires.diagnostic.expression.rules import expression_team
from territoires.diagnostic.interviews import rules as interview_rules  # noqa: F401  (diagnostic.view_transcript)
from territoires.diagnostic.interviews.rules import in_transcript_circle
from territoires.projects.rules import is_project_consultant, is_project_facilitator, is_project_member

CODABLE_EXPRESSION_STATUSES = ("published", "kept")


@rules.predicate
def is_project_staff(user, project):
    return user.is_authenticated and is_project_member(user, project)


@rules.predicate
def may_edit_codebook(user, project):
    return user.is_authenticated and (is_project_facilitator(user, project) or is_project_consultant(user, project))


@rules.predicate
def may_code_transcript(user, transcript):
    return user.has_perm("diagnostic.view_transcript", transcript)


@rules.predicate
def may_code_expression(user, expression):
    return expression.status in CODABLE_EXPRESSION_STATUSES and in_transcript_circle(user, expression.territory)


@rules.predicate
def may_delete_coding(user, coding):
    if not user.is_authenticated or coding.coder_id != user.pk:
        return False
    return in_transcript_circle(user, coding.territory)


def reads_full_quotes(user, territory) -> bool:
    """Quotes of this territory are shown as coded (else through its pseudonymisation list)."""
    return in_transcript_circle(user, territory)


def reads_unpublished_expressions(user, territory) -> bool:
    return expression_team(user, territory)


rules.add_perm("diagnostic.view_codebook", is_project_staff)
rules.add_perm("diagnostic.change_codebook", may_edit_codebook)
rules.add_perm("diagnostic.code_transcript", may_code_transcript)
rules.add_perm("diagnostic.code_expression", may_code_expression)
rules.add_perm("diagnostic.delete_coding", may_delete_coding)
rules.add_perm("diagnostic.view_code_excerpts", is_project_staff)
rules.add_perm("diagnostic.view_coding_analysis", is_project_staff)
