"""Writes to the search index, called by the apps that own the documents, inside their transaction.

The search app imports none of them: each app registers its searchable models (registry.py) and
calls source_reindex(source=obj) when it writes one (source_forget before deleting it); the index
stores a copy: the title, the text as plain text (Markdown rendered, then its tags dropped), who may
see it. See access.py for what each audience means. index_rebuild() rebuilds everything from the
sources (`manage.py search_reindex`).
"""

from django.contrib.contenttypes.models import ContentType
from django.db import transaction

from territoires.search import backends
from territoires.search.models import SearchDocument
from territoires.search.registry import registered_sources, source_for
from territoires.search.text import markdown_to_text


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
            "text": markdown_to_text((text or "")[: backends.MAX_TEXT_CHARS * 2])[: backends.MAX_TEXT_CHARS],
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


@transaction.atomic
def source_reindex(*, source) -> bool:
    """Index a registered object as its app describes it, or remove it (a draft, a hidden item).
    True when it is indexed."""
    fields = source_for(source).document(source)
    if fields is None:
        document_delete(source=source)
        return False
    document_upsert(source=source, **fields)
    return True


def source_forget(*, source) -> None:
    """Before deleting a registered object: its document goes with it."""
    document_delete(source=source)


@transaction.atomic
def project_sources_reindex(*, project_id: int) -> None:
    """A project was published or withdrawn from publication: what its items show to whom may change."""
    for source in registered_sources():
        if source.project_field:
            for obj in source.queryset().filter(**{source.project_field: project_id}):
                source_reindex(source=obj)


def index_rebuild(*, models=None) -> dict[str, int]:
    """Re-index every registered object (of the given models only, if any) and drop the documents
    whose object no longer exists. One transaction per model. {model label: documents indexed}."""
    counts = {}
    for source in registered_sources():
        if models and source.model not in models:
            continue
        with transaction.atomic():
            indexed, seen = 0, []
            for obj in source.queryset().iterator(chunk_size=500):
                seen.append(obj.pk)
                indexed += source_reindex(source=obj)
            source_type = ContentType.objects.get_for_model(source.model)
            kept = set(seen)
            orphans = [
                document_id
                for document_id, source_id in SearchDocument.objects.filter(source_type=source_type).values_list(
                    "id", "source_id"
                )
                if source_id not in kept
            ]
            if orphans:
                backends.unindex(orphans)
                SearchDocument.objects.filter(id__in=orphans).delete()
        counts[source.model._meta.label] = indexed
    return counts
