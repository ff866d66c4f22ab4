"""What a user is, organisation by organisation: loaded once per request and kept on the user."""

from territoires.accounts.models import Membership
from territoires.core.sql import select_rows


def memberships_of(user) -> dict[int, str]:
    """{organisation_id: role} for the user (empty for a visitor); one query per request at most."""
    if not user.is_authenticated:
        return {}
    cached = getattr(user, "_memberships_by_organisation", None)
    if cached is None:
        cached = dict(select_rows(Membership, ("organisation", "role"), user=user.pk))
        user._memberships_by_organisation = cached
    return cached


def is_platform_admin(user) -> bool:
    return user.is_authenticated and (
        user.is_superuser or Membership.Role.PLATFORM_ADMIN in memberships_of(user).values()
    )


def has_role_in(user, organisation_id: int | None, *roles: str) -> bool:
    if organisation_id is None:
        return False
    role = memberships_of(user).get(organisation_id)
    return role is not None and (not roles or role in roles)
