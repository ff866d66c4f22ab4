"""Who may see which search documents: a user's reach, computed once per request, checked in SQL.

Audiences (stored on each document by the app that owns it):
- public: everyone; registered: any signed-in user;
- project: members of project_id (participating authorities' staff, consultancy, facilitators);
- project_observers: those plus the accepted observers of project_id;
- territory: the staff of organisation_id, plus the facilitators and consultancy of project_id.
Platform admins see everything. The rules mirror territoires/projects/rules.py.
"""

from dataclasses import dataclass, field

from django.db.models import Q

from territoires.accounts.access import is_platform_admin, memberships_of
from territoires.accounts.models import Membership
from territoires.core.sql import select_rows
from territoires.projects.models import Participation, SharedProject
from territoires.projects.rules import AUTHORITY_ROLES


@dataclass(frozen=True)
class Reach:
    is_admin: bool = False
    is_authenticated: bool = False
    organisation_ids: frozenset = field(default_factory=frozenset)
    member_project_ids: frozenset = field(default_factory=frozenset)
    observer_project_ids: frozenset = field(default_factory=frozenset)
    # Projects the user facilitates or consults for: they see every territory's team documents.
    crew_project_ids: frozenset = field(default_factory=frozenset)

    def q(self, prefix: str = "") -> Q:
        """The ORM filter of the documents (or of any model with the same fields) this user may see."""
        if self.is_admin:
            return Q()
        audience = f"{prefix}audience"
        public = Q(**{audience: "public"})
        if not self.is_authenticated:
            return public
        return (
            public
            | Q(**{audience: "registered"})
            | Q(**{audience: "project", f"{prefix}project_id__in": self.member_project_ids})
            | Q(
                **{
                    audience: "project_observers",
                    f"{prefix}project_id__in": self.member_project_ids | self.observer_project_ids,
                }
            )
            | Q(**{audience: "territory", f"{prefix}organisation_id__in": self.organisation_ids})
            | Q(**{audience: "territory", f"{prefix}project_id__in": self.crew_project_ids})
        )

    def sql(self, alias: str = "d") -> tuple[str, list]:
        """The same filter as SQL over a table alias, for the raw full-text queries."""
        if self.is_admin:
            return "1 = 1", []
        if not self.is_authenticated:
            return f"{alias}.audience = %s", ["public"]
        parts, params = [f"{alias}.audience IN (%s, %s)"], ["public", "registered"]

        def add(audience: str, column: str, ids):
            if ids:
                ids = sorted(ids)
                parts.append(f"({alias}.audience = %s AND {alias}.{column} IN ({', '.join(['%s'] * len(ids))}))")
                params.extend([audience, *ids])

        add("project", "project_id", self.member_project_ids)
        add("project_observers", "project_id", self.member_project_ids | self.observer_project_ids)
        add("territory", "organisation_id", self.organisation_ids)
        add("territory", "project_id", self.crew_project_ids)
        return "(" + " OR ".join(parts) + ")", params

    def tokens(self) -> list[str] | None:
        """The access tokens of the SQLite full-text index this user may match (None: everything)."""
        from territoires.search.backends import access_token

        if self.is_admin:
            return None
        tokens = [access_token("public")]
        if not self.is_authenticated:
            return tokens
        tokens.append(access_token("registered"))
        tokens += [access_token("project", pk) for pk in sorted(self.member_project_ids)]
        observed = self.member_project_ids | self.observer_project_ids
        tokens += [access_token("project_observers", pk) for pk in sorted(observed)]
        tokens += [access_token("territoryorg", pk) for pk in sorted(self.organisation_ids)]
        tokens += [access_token("territoryproject", pk) for pk in sorted(self.crew_project_ids)]
        return tokens

    def may_see(self, *, audience: str, project_id=None, organisation_id=None) -> bool:
        if self.is_admin or audience == "public":
            return True
        if not self.is_authenticated:
            return False
        if audience == "registered":
            return True
        if audience == "project":
            return project_id in self.member_project_ids
        if audience == "project_observers":
            return project_id in self.member_project_ids or project_id in self.observer_project_ids
        if audience == "territory":
            return organisation_id in self.organisation_ids or project_id in self.crew_project_ids
        return False


def reach_of(user) -> Reach:
    """Two queries at most, once per request (kept on the user object like memberships_of)."""
    cached = getattr(user, "_search_reach", None)
    if cached is not None:
        return cached
    if not user.is_authenticated:
        return Reach()
    if is_platform_admin(user):
        reach = Reach(is_admin=True, is_authenticated=True)
    else:
        roles = memberships_of(user)
        facilitator_orgs = [org for org, role in roles.items() if role == Membership.Role.FACILITATOR]
        consultant_orgs = [org for org, role in roles.items() if role == Membership.Role.CONSULTANT]
        authority_orgs = {org for org, role in roles.items() if role in AUTHORITY_ROLES}
        crew = set()
        # Plain SQL (territoires/core/sql.py): this runs on every signed-in library and search page.
        if facilitator_orgs:
            crew |= {pk for (pk,) in select_rows(SharedProject, ("id",), facilitator_organisation=facilitator_orgs)}
        if consultant_orgs:
            crew |= {pk for (pk,) in select_rows(SharedProject, ("id",), consultancy=consultant_orgs)}
        members, observers = set(crew), set()
        if roles:
            rows = select_rows(
                Participation, ("project", "organisation", "role", "observer_status"), organisation=list(roles)
            )
            for project_id, organisation_id, role, observer_status in rows:
                if role == Participation.Role.PARTICIPANT and organisation_id in authority_orgs:
                    members.add(project_id)
                elif role == Participation.Role.OBSERVER and observer_status == Participation.ObserverStatus.ACCEPTED:
                    observers.add(project_id)
        reach = Reach(
            is_authenticated=True,
            organisation_ids=frozenset(roles),
            member_project_ids=frozenset(members),
            observer_project_ids=frozenset(observers),
            crew_project_ids=frozenset(crew),
        )
    user._search_reach = reach
    return reach
