"""Writes to the search index, called by the apps that own the documents, inside their transaction.

The search app imports none of them: each app says what to index (title, text, audience…) and the
index stores a copy. See access.py for what each audience means.
"""

from django.contrib.contenttypes.models import ContentType
from django.db import transaction

from territoires.search import backends
from territoires.search.models import SearchDocument


@transaction.atomic
def document_upsert(
    *,
    source,
    category: str,
    title: str,
    text: str,
    url: str,
    audience: str,
    project_id: int | None = None,
    organisation_id: int | None = None,
    theme_ids=(),
    kind: str = "",
    licence: str = "",
    territory_id: int | None = None,
    year: int | None = None,
) -> None:
    """Index (or re-index) one document; a programming error (unknown category, audience) raises ValueError."""
    if category not in SearchDocument.Category.values:
        raise ValueError(f"Unknown search category {category!r}")
    if audience not in SearchDocument.Audience.values:
        raise ValueError(f"Unknown search audience {audience!r}")
    if audience in ("project", "project_observers") and project_id is None:
        raise ValueError(f"Audience {audience!r} needs a project_id")
    if audience == "territory" and organisation_id is None:
        raise ValueError("Audience 'territory' needs an organisation_id")
    source_type = ContentType.objects.get_for_model(source)
    document, _ = SearchDocument.objects.update_or_create(
        source_type=source_type,
        source_id=source.pk,
        defaults={
            "category": category,
            "title": (title or "")[:300],
            "text": (text or "")[: backends.MAX_TEXT_CHARS],
            "url": url[:500],
            "audience": audience,
            "project_id": project_id,
            "organisation_id": organisation_id,
            "territory_id": territory_id,
            "theme_ids": " " + " ".join(str(int(theme_id)) for theme_id in sorted(set(theme_ids))) + " "
            if theme_ids
            else "",
            "kind": kind or "",
            "licence": licence or "",
            "year": year,
        },
    )
    backends.index(document)


@transaction.atomic
def document_delete(*, source) -> None:
    """Remove a document from the index (nothing happens if it was never indexed)."""
    source_type = ContentType.objects.get_for_model(source)
    ids = list(SearchDocument.objects.filter(source_type=source_type, source_id=source.pk).values_list("id", flat=True))
    if ids:
        backends.unindex(ids)
        SearchDocument.objects.filter(id__in=ids).delete()
