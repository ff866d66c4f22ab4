"""Who may read, download, write and publish resources. Closed by default.

Reading a published resource follows its visibility: public (everyone), project (members of its
project: participating authorities' staff, consultancy, facilitators), territory (staff of the
territory's authority, plus the project's facilitators and consultancy). A draft is read only by
those who may edit it: its author, facilitators, the referent of the authority it speaks for,
platform admins. Publishing needs a project one belongs to (facilitators: anywhere).
A resource speaks for a territory (a participation) only when its author may act for it: the staff of
that authority (referent, agent, elected official), the facilitators of its project, platform admins.
Tested as grids in tests/library/test_permission_grid.py and tests/library/test_territory_grid.py.
"""

import rules

from territoires.accounts.access import has_role_in, is_platform_admin
from territoires.accounts.models import Membership
from territoires.projects.rules import AUTHORITY_ROLES, is_any_facilitator, is_project_facilitator
from territoires.search.access import reach_of


def resource_audience_visible(user, resource) -> bool:
    reach = reach_of(user)
    if resource.visibility == resource.Visibility.PUBLIC or reach.is_admin:
        return True
    if resource.visibility == resource.Visibility.PROJECT:
        return resource.project_id in reach.member_project_ids
    if resource.visibility == resource.Visibility.TERRITORY:
        territory = resource.territory
        return (territory is not None and territory.organisation_id in reach.organisation_ids) or (
            resource.project_id in reach.crew_project_ids
        )
    return False


@rules.predicate
def is_published_and_visible(user, resource):
    return resource.is_published and resource_audience_visible(user, resource)


@rules.predicate
def is_resource_editor(user, resource):
    if not user.is_authenticated:
        return False
    return (
        is_platform_admin(user)
        or resource.created_by_id == user.pk
        or is_any_facilitator(user)
        or has_role_in(user, resource.publishing_organisation_id, Membership.Role.REFERENT)
    )


@rules.predicate
def may_publish_resources(user):
    if not user.is_authenticated:
        return False
    return is_any_facilitator(user) or bool(reach_of(user).member_project_ids)


@rules.predicate
def may_act_for_territory(user, participation):
    """The participation is a territory of its project and the user speaks for it (see the docstring)."""
    if not user.is_authenticated or not participation.is_participant:
        return False
    return has_role_in(user, participation.organisation_id, *AUTHORITY_ROLES) or is_project_facilitator(
        user, participation.project
    )


rules.add_perm("library.view_resource", is_published_and_visible | is_resource_editor)
rules.add_perm("library.download_resource", is_published_and_visible | is_resource_editor)
rules.add_perm("library.change_resource", is_resource_editor)
rules.add_perm("library.publish_resource", is_resource_editor)
rules.add_perm("library.add_resource", may_publish_resources)
rules.add_perm("library.attach_territory", may_act_for_territory)
