"""Who may invite whom into which organisation. Closed by default.

- A facilitator (ANCT) invites into any local authority (referent, agent, elected official), into a
  consultancy (consultant) and into their own agency (facilitator); only a facilitator creates a
  local authority that the platform does not know yet.
- A referent invites into their own authority only (referent, agent, elected official).
- A platform administrator may do all of the above, and invite another administrator.

Tested as a role × action grid in tests/accounts/test_invitation_grid.py. The invitation services
re-check the role (they are reached from the accounts pages and from a project's participants page).
"""

import rules

from territoires.accounts.access import has_role_in, is_platform_admin, memberships_of
from territoires.accounts.models import Invitation, Membership, Organisation

Role = Membership.Role
Kind = Organisation.Kind
AUTHORITY_MEMBER_ROLES = (Role.REFERENT, Role.AGENT, Role.ELECTED)


def invitable_roles(user, organisation: Organisation) -> list[str]:
    """The roles `user` may offer in `organisation`, in the order of Membership.Role."""
    if not user.is_authenticated or organisation is None:
        return []
    admin = is_platform_admin(user)
    facilitator = admin or Role.FACILITATOR in memberships_of(user).values()
    allowed: set[str] = set()
    if organisation.kind in Organisation.LOCAL_AUTHORITY_KINDS:
        if facilitator or has_role_in(user, organisation.pk, Role.REFERENT):
            allowed.update(AUTHORITY_MEMBER_ROLES)
    elif organisation.kind == Kind.CONSULTANCY:
        if facilitator:
            allowed.add(Role.CONSULTANT)
    elif organisation.kind == Kind.NATIONAL_AGENCY:
        if admin or has_role_in(user, organisation.pk, Role.FACILITATOR):
            allowed.add(Role.FACILITATOR)
        if admin:
            allowed.add(Role.PLATFORM_ADMIN)
    return [role for role in Role.values if role in allowed]


@rules.predicate
def is_any_facilitator(user):
    return is_platform_admin(user) or Role.FACILITATOR in memberships_of(user).values()


@rules.predicate
def is_any_referent(user):
    return Role.REFERENT in memberships_of(user).values()


@rules.predicate
def may_invite_to(user, organisation):
    return bool(invitable_roles(user, organisation))


@rules.predicate
def may_manage_invitation(user, invitation: Invitation):
    return invitation.role in invitable_roles(user, invitation.organisation)


rules.add_perm("accounts.invite_members", is_any_facilitator | is_any_referent)
rules.add_perm("accounts.invite_to_organisation", may_invite_to)
rules.add_perm("accounts.create_authority", is_any_facilitator)
rules.add_perm("accounts.manage_invitation", may_manage_invitation)


def invitable_organisations(user):
    """The organisations into which `user` may invite someone (see invitable_roles)."""
    from django.db.models import Q

    if not user.is_authenticated:
        return Organisation.objects.none()
    orgs = memberships_of(user)
    if is_platform_admin(user):
        return Organisation.objects.exclude(kind=Kind.ASSOCIATION)
    own_agencies = [org_id for org_id, role in orgs.items() if role == Role.FACILITATOR]
    if own_agencies:
        return Organisation.objects.filter(
            Q(kind__in=Organisation.LOCAL_AUTHORITY_KINDS)
            | Q(kind=Kind.CONSULTANCY)
            | Q(kind=Kind.NATIONAL_AGENCY, pk__in=own_agencies)
        )
    referent_of = [org_id for org_id, role in orgs.items() if role == Role.REFERENT]
    return Organisation.objects.filter(pk__in=referent_of, kind__in=Organisation.LOCAL_AUTHORITY_KINDS)


def invitable_role_choices(user) -> list[tuple[str, str]]:
    """Every role `user` may offer somewhere (the organisation then narrows it, in the service)."""
    if not user.is_authenticated:
        return []
    if is_platform_admin(user):
        allowed = set(Role.values)
    elif is_any_facilitator(user):
        allowed = {*AUTHORITY_MEMBER_ROLES, Role.CONSULTANT, Role.FACILITATOR}
    elif is_any_referent(user):
        allowed = set(AUTHORITY_MEMBER_ROLES)
    else:
        allowed = set()
    return [(value, label) for value, label in Role.choices if value in allowed]
