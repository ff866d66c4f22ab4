"""Who reads and writes the interview guide, the interviews, their transcripts, consent forms and the
pseudonymisation list. Closed by default. The views check these rules before calling a service; the
services do not check again (their other caller is the demo loader, which acts as the consultancy).

- the guide (one per project, shared by its territories): written by the project's consultancy and
  facilitators; read by them and by the staff (referent, agents, elected officials) of every
  participating territory;
- "the circle" of a territory — the project's consultancy, its facilitators and the territory's
  referent — records and edits interviews, reads and writes their transcripts
  (`diagnostic.view_transcript`), opens the signed consent forms and keeps the pseudonymisation list;
- the territory's agents and elected officials read the interviews' metadata (date, kind, place,
  participants by profile, whether consent was given), never the transcript nor the consent form;
- nobody else: not observers, not visitors, not another territory's staff, not the survey group.

The predicates taking an interview also take its transcript, or the territory itself (a
Participation), so that the coding screens and the REFI-QDA exchange can ask the same question.
Tested as a grid in tests/diagnostic/interviews/test_permission_grid.py.
"""

import rules

from territoires.accounts.access import has_role_in
from territoires.projects.rules import AUTHORITY_ROLES, Role, is_project_consultant, is_project_facilitator


def _territory_of(obj):
    """The Participation behind an interview, a transcript, a pseudonym or a territory."""
    from territoires.diagnostic.interviews.models import Interview, Pseudonym, Transcript

    if isinstance(obj, Transcript):
        return obj.interview.territory
    if isinstance(obj, Interview | Pseudonym):
        return obj.territory
    return obj


def _project_writer(user, project) -> bool:
    return user.is_authenticated and (is_project_facilitator(user, project) or is_project_consultant(user, project))


def transcript_circle(user, territory) -> bool:
    """The consultancy, the facilitators and the territory's referent."""
    if territory is None or not user.is_authenticated or not territory.is_participant:
        return False
    return _project_writer(user, territory.project) or has_role_in(user, territory.organisation_id, Role.REFERENT)


def interview_readers(user, territory) -> bool:
    """The circle and the territory's staff (agents, elected officials)."""
    if territory is None or not user.is_authenticated or not territory.is_participant:
        return False
    return transcript_circle(user, territory) or has_role_in(user, territory.organisation_id, *AUTHORITY_ROLES)


def guide_readers(user, project) -> bool:
    if not user.is_authenticated:
        return False
    return _project_writer(user, project) or any(
        territory.is_participant and has_role_in(user, territory.organisation_id, *AUTHORITY_ROLES)
        for territory in project.participations.all()
    )


@rules.predicate
def may_read_guide(user, project):
    return guide_readers(user, project)


@rules.predicate
def may_write_guide(user, project):
    return _project_writer(user, project)


@rules.predicate
def may_read_interviews(user, obj):
    return interview_readers(user, _territory_of(obj))


@rules.predicate
def in_transcript_circle(user, obj):
    return transcript_circle(user, _territory_of(obj))


rules.add_perm("diagnostic.view_interview_guide", may_read_guide)
rules.add_perm("diagnostic.change_interview_guide", may_write_guide)
rules.add_perm("diagnostic.view_interviews", may_read_interviews)  # a territory's list
rules.add_perm("diagnostic.view_interview", may_read_interviews)
rules.add_perm("diagnostic.add_interview", in_transcript_circle)
rules.add_perm("diagnostic.change_interview", in_transcript_circle)
rules.add_perm("diagnostic.view_transcript", in_transcript_circle)
rules.add_perm("diagnostic.change_transcript", in_transcript_circle)
rules.add_perm("diagnostic.view_consent", in_transcript_circle)
rules.add_perm("diagnostic.manage_pseudonyms", in_transcript_circle)
