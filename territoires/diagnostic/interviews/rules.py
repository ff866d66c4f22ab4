"""Who may read an interview's transcript (minimal version written on the `coding` branch so that
the coding screens run; the `interviews` branch owns this file and its full rules).

The circle: the project's consultancy and facilitators, and the referent of the interview's
territory. Never observers, visitors, other territories' staff, nor the territory's agents and
elected officials. Everything quoted outside the circle goes through interviews/pseudonyms.py.
"""

import rules

from territoires.accounts.access import has_role_in
from territoires.projects.rules import Role, is_project_consultant, is_project_facilitator


def in_transcript_circle(user, territory) -> bool:
    """On a Participation: may this person read its transcripts?"""
    if not user.is_authenticated or not territory.is_participant:
        return False
    project = territory.project
    return (
        is_project_facilitator(user, project)
        or is_project_consultant(user, project)
        or has_role_in(user, territory.organisation_id, Role.REFERENT)
    )


@rules.predicate
def may_view_transcript(user, transcript):
    return in_transcript_circle(user, transcript.interview.territory)


if not rules.perm_exists("diagnostic.view_transcript"):
    rules.add_perm("diagnostic.view_transcript", may_view_transcript)
