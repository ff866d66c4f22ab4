"""Reading resources: the library list with facets, a resource page, a project's resources.

Query counts are fixed: the list is one page query, one count and one grouped query per facet,
whatever the number of resources.
"""

import hashlib

from django.core.cache import cache
from django.db.models import Count, Prefetch
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from territoires.core.cache import content_version
from territoires.core.sql import select_rows
from territoires.library import counters
from territoires.library.models import Attachment, Resource
from territoires.projects.models import SharedProject, Theme

FACETS_CACHE_SECONDS = 600
FILTER_NAMES = ("kind", "theme", "project", "licence", "year", "phase")
FACET_TITLES = {
    "kind": _("Nature"),
    "theme": _("Thème"),
    "project": _("Projet"),
    "licence": _("Licence"),
    "year": _("Année de publication"),
}


def clean_filters(params) -> dict:
    """Known filters with well-formed values; anything forged is ignored, never an error."""
    filters = {}
    for name in FILTER_NAMES:
        value = (params.get(name) or "").strip()[:40]
        if not value:
            continue
        if name in ("theme", "project", "year"):
            if value.isdigit() and len(value) <= 12:
                filters[name] = int(value)
        elif (
            name == "kind"
            and value in Resource.Kind.values
            or name == "licence"
            and value in Resource.Licence.values
            or name == "phase"
            and value in dict(Resource.PHASE_CHOICES)
        ):
            filters[name] = value
    return filters


def apply_filters(queryset, filters: dict):
    lookups = {"kind": "kind", "theme": "themes", "project": "project_id", "licence": "licence", "phase": "phase"}
    for name, value in filters.items():
        if name == "year":
            queryset = queryset.filter(published_year=value)
        else:
            queryset = queryset.filter(**{lookups[name]: value})
    return queryset


def for_listing(queryset):
    # Ordered on columns of the covering index (id is the row id) so the sort never reads the rows.
    return queryset.order_by("-published_at", "-id").select_related("publishing_organisation", "project", "territory__organisation").only(
        "kind", "title", "slug", "summary", "licence", "visibility", "status", "published_at", "created_at",
        "project__title", "project__slug", "publishing_organisation__name", "territory__organisation__name",
        "territory__project_id",
    )  # fmt: skip


def library_facets(visible, filters: dict) -> list[dict]:
    """Counts per value of each facet among the visible resources that match the other filters."""
    facets = []

    def rows(name, group_by):
        others = {key: value for key, value in filters.items() if key != name}
        # One row per resource (per resource and theme for themes): no DISTINCT needed.
        return apply_filters(visible, others).order_by().values(group_by).annotate(n=Count("pk"))

    kind_labels = dict(Resource.Kind.choices)
    kinds = sorted(((r["kind"], r["n"]) for r in rows("kind", "kind")), key=lambda item: -item[1])
    facets.append(("kind", kinds, kind_labels))
    themes = {r["themes"]: r["n"] for r in rows("theme", "themes") if r["themes"]}
    theme_labels = dict(Theme.objects.filter(pk__in=themes).values_list("pk", "title")) if themes else {}
    facets.append(("theme", sorted(themes.items(), key=lambda item: -item[1]), theme_labels))
    projects = {r["project_id"]: r["n"] for r in rows("project", "project_id") if r["project_id"]}
    project_labels = dict(SharedProject.objects.filter(pk__in=projects).values_list("pk", "title")) if projects else {}
    facets.append(("project", sorted(projects.items(), key=lambda item: -item[1]), project_labels))
    licences = [(r["licence"], r["n"]) for r in rows("licence", "licence")]
    facets.append(("licence", sorted(licences, key=lambda item: -item[1]), dict(Resource.Licence.choices)))
    years = [(r["published_year"], r["n"]) for r in rows("year", "published_year") if r["published_year"]]
    facets.append(("year", sorted(years, reverse=True), {}))
    return [
        {
            "field": name,
            "title": str(FACET_TITLES[name]),
            "values": [
                {
                    "value": str(value),
                    "label": str(labels.get(value, value)),
                    "count": count,
                    "selected": filters.get(name) == value,
                }
                for value, count in values[:15]
            ],
        }
        for name, values, labels in facets
        if values
    ]


def reach_signature(user) -> str:
    from territoires.search.access import reach_of

    reach = reach_of(user)
    parts = [reach.is_admin, reach.is_authenticated, *(sorted(ids) for ids in (
        reach.organisation_ids, reach.member_project_ids, reach.observer_project_ids, reach.crew_project_ids
    ))]  # fmt: skip
    return hashlib.sha256(repr(parts).encode()).hexdigest()[:32]


def cached_library_facets(user, visible, filters: dict) -> list[dict]:
    """Facets are the same for everyone with the same reach until something is written: cached on
    (content version, reach, filters); any write to a resource bumps the content version."""
    key = (
        "library:facets:"
        + hashlib.sha256(
            f"{content_version()}|{get_language()}|{reach_signature(user)}|{sorted(filters.items())}".encode()
        ).hexdigest()
    )
    facets = cache.get(key)
    if facets is None:
        facets = library_facets(visible, filters)
        cache.set(key, facets, timeout=FACETS_CACHE_SECONDS)
    return facets


def resource_page(slug: str):
    attachments = Prefetch("attachments", queryset=Attachment.objects.order_by("uploaded_at", "id"))
    return (
        Resource.objects.select_related(
            "project", "territory__organisation", "publishing_organisation", "published_by", "created_by"
        )
        .prefetch_related("themes", attachments)
        .filter(slug=slug)
        .first()
    )


def displayed_counts(resource) -> tuple[int, int]:
    """(views, downloads) including the hits still waiting in the cache."""
    views = counters.pending_hits(Resource, [resource.pk], "view_count").get(resource.pk, 0)
    downloads = counters.pending_hits(Resource, [resource.pk], "download_count").get(resource.pk, 0)
    return resource.view_count + views, resource.download_count + downloads


def drafts_of(user, limit=10) -> list[tuple[str, str]]:
    """(slug, title) of the user's latest drafts, for the library page (plain SQL: on every visit)."""
    if not user.is_authenticated:
        return []
    return select_rows(
        Resource,
        ("slug", "title"),
        created_by=user.pk,
        status=Resource.Status.DRAFT,
        order_by=("-updated_at",),
        limit=limit,
    )
