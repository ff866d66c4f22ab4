"""Who may do what with a resident survey. Closed by default; each permission opened on purpose.

Objects: Survey and Deployment (the survey in one territory). Residents need no permission to
answer: the public link of an open deployment is enough. Tested as a grid in tests/surveys.
"""

import rules

from territoires.accounts.access import has_role_in
from territoires.accounts.models import Membership
from territoires.projects.rules import (
    AUTHORITY_ROLES,
    is_participant_member,
    is_project_consultant,
    is_project_facilitator,
)

Role = Membership.Role


@rules.predicate
def is_survey_lead(user, survey):
    """ANCT facilitators and the consultancy run the survey across every territory."""
    project = survey.project
    return is_project_facilitator(user, project) or is_project_consultant(user, project)


@rules.predicate
def is_survey_participant_staff(user, survey):
    return is_participant_member(user, survey.project)


@rules.predicate
def is_deployment_lead(user, deployment):
    return is_survey_lead(user, deployment.survey)


@rules.predicate
def is_deployment_referent(user, deployment):
    return has_role_in(user, deployment.participation.organisation_id, Role.REFERENT)


@rules.predicate
def is_deployment_staff(user, deployment):
    return any(has_role_in(user, deployment.participation.organisation_id, role) for role in AUTHORITY_ROLES)


@rules.predicate
def is_deployment_collector(user, deployment):
    if not user.is_authenticated:
        return False
    return any(collector.user_id == user.pk for collector in deployment.collectors.all())


# The common questionnaire: built and published by the facilitators and the consultancy.
rules.add_perm("surveys.change_survey", is_survey_lead)
# Results: facilitators and the consultancy see every territory; a participating authority's staff
# see their own territory only (selectors scope the rows); residents and observers see none.
rules.add_perm("surveys.view_results", is_survey_lead | is_survey_participant_staff)
rules.add_perm("surveys.view_all_territories", is_survey_lead)
rules.add_perm("surveys.export", is_survey_lead | is_survey_participant_staff)
# One territory: its own questions, its link, collectors, neighbourhoods and census margins.
rules.add_perm("surveys.manage_deployment", is_deployment_lead | is_deployment_referent)
# Field collection and paper entry.
rules.add_perm("surveys.collect", is_deployment_lead | is_deployment_staff | is_deployment_collector)
