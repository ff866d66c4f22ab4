from django.contrib.auth.backends import ModelBackend
from django.core.exceptions import ValidationError
from django.db import connection

from territoires.accounts.models import Membership, User
from territoires.core.process_caches import register_process_cache
from territoires.core.sql import instance_columns, instance_from_row

_statement: dict[str, str] = register_process_cache(
    {},
    name="accounts.user_statement",
    bench="pages.project_referent",
    reason="the text of the signed-in user's read (with their memberships), per database",
)


def _user_with_memberships_sql() -> str:
    """The user's row with one line per membership (organisation, role), or one line of NULLs."""
    sql = _statement.get(connection.vendor)
    if sql is None:
        quote = connection.ops.quote_name
        membership = Membership._meta
        user_column = quote(membership.get_field("user").column)
        organisation = quote(membership.get_field("organisation").column)
        role = quote(membership.get_field("role").column)
        # Only quoted identifiers from the models are written into the text; the id is a parameter.
        sql = (
            f"SELECT {instance_columns(User, 'u')}, m.{organisation}, m.{role} "  # noqa: S608
            f"FROM {quote(User._meta.db_table)} u LEFT JOIN {quote(membership.db_table)} m "
            f"ON m.{user_column} = u.{quote(User._meta.pk.column)} WHERE u.{quote(User._meta.pk.column)} = %s"
        )
        _statement[connection.vendor] = sql
    return sql


class AccountBackend(ModelBackend):
    """Django's model backend (e-mail and password, permissions), loading the signed-in user and
    their memberships in one plain SQL read: it runs on every request of a signed-in user, and the
    memberships are what nearly every permission check reads next (see territoires/core/sql.py and
    territoires/accounts/access.py)."""

    def get_user(self, user_id):
        try:
            pk = User._meta.pk.to_python(user_id)
        except ValidationError:
            return None
        if pk is None:
            return None
        with connection.cursor() as cursor:
            cursor.execute(_user_with_memberships_sql(), [pk])
            rows = cursor.fetchall()
        if not rows:
            return None
        user = instance_from_row(User, rows[0])
        user._memberships_by_organisation = {row[-2]: row[-1] for row in rows if row[-2] is not None}
        return user if self.user_can_authenticate(user) else None
