"""Helpers shared by several test modules."""

from contextlib import contextmanager
from dataclasses import dataclass

from django.db import transaction
from django.test import override_settings


@contextmanager
def data_kept_for_the_module(django_db_blocker, build):
    """Build a data set once for a module, inside a transaction that each test's savepoint rolls
    back to, and that is itself rolled back when the module ends."""
    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer.__enter__()
        try:
            with override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]):
                data = build()
        except BaseException:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)
            raise
    try:
        yield data
    finally:
        with django_db_blocker.unblock():
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)


# --- Permission grids (roles × objects × actions) ---------------------------------------------------
# The grids of the second wave share one cast: a project with territories X, Y, Z (tests.factories'
# make_project world), a stranger from another project, and the public.


def grid_users(world, other, **extra) -> dict:
    """The roles of a grid, by name: `world` is the project under test, `other` another project
    (its referent is the stranger); `extra` adds a module's own roles (a collector, a workshop's facilitator)."""
    from tests.factories import UserFactory

    return {
        "visitor": None,
        "resident": UserFactory(),
        "observer": world.observers[0],
        "agent_x": world.agents[0],
        "elected_x": world.electeds[0],
        "referent_x": world.referents[0],
        "referent_y": world.referents[1],
        "consultant": world.consultant,
        "facilitator": world.facilitator,
        "other_project": other.referents[0],
        **extra,
    }


def fresh(user):
    """The user as the next request will see them (no cached memberships), or the anonymous visitor."""
    from django.contrib.auth.models import AnonymousUser

    from territoires.accounts.models import User

    return AnonymousUser() if user is None else User.objects.get(pk=user.pk)


@dataclass
class GridCheck:
    """One cell of a grid: the rule asked, its object, and the request that exercises it.
    `changed()` says whether the request changed the database; `secret` must not appear in a refused page."""

    permission: str | None
    obj: object
    method: str
    url: str
    data: dict | None = None
    changed: object = None
    secret: str = ""
