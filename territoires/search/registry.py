"""What other apps tell the search app, from their AppConfig.ready(), without it importing them:

- the labels of the codes they store on documents (kinds, licences), so the search page names them;
- their searchable models (`register_source`): how one object becomes a document (or leaves the
  index), and which objects to read when the whole index is rebuilt (`manage.py search_reindex`).
A service that writes such an object calls `search.services.source_reindex(source=obj)` in its
transaction (`source_forget` before deleting it): the one way anything enters or leaves the index.
The admin does the same through search.admin.SearchIndexedAdmin. Deletions the services do not see
(a project's news deleted with it, in cascade) are caught by a post_delete receiver that
register_source connects: a deleted object never stays findable.
"""

from collections.abc import Callable
from dataclasses import dataclass

_labels: dict[str, dict[str, str]] = {"kind": {}, "licence": {}}


def register_labels(field: str, labels) -> None:
    """field is "kind" or "licence"; labels is {code: label} or Django choices [(code, label)]."""
    _labels.setdefault(field, {}).update(dict(labels))


def label_for(field: str, code: str) -> str:
    return str(_labels.get(field, {}).get(code, code))


@dataclass(frozen=True)
class Source:
    """A searchable model.

    document(obj) returns the keyword arguments of services.document_upsert but `source` (category,
    title, text, url, audience, project_id…), or None when the object must not be found (a draft).
    queryset() returns every object to index on a rebuild, with what document() reads loaded.
    project_field names the object's project when its audience follows the project's publication:
    services.project_sources_reindex re-indexes them when a project is published or withdrawn.
    """

    model: type
    document: Callable[[object], dict | None]
    queryset: Callable[[], object]
    project_field: str | None = None


_sources: dict[str, Source] = {}


def _key(model) -> str:
    return model._meta.label_lower


def register_source(model, *, document, queryset=None, project_field: str | None = None) -> None:
    from django.db.models.signals import post_delete

    _sources[_key(model)] = Source(
        model=model,
        document=document,
        queryset=queryset or (lambda: model._default_manager.all()),
        project_field=project_field,
    )
    post_delete.connect(_forget_deleted, sender=model, dispatch_uid=f"search-forget-{_key(model)}")


def _forget_deleted(sender, instance, **kwargs):
    from territoires.search.services import source_forget

    source_forget(source=instance)


def source_for(obj) -> Source:
    """The registration of obj's model; a model nobody registered is a programming error."""
    try:
        return _sources[_key(type(obj))]
    except KeyError:
        raise LookupError(f"{type(obj).__name__} is not a registered search source") from None


def registered_sources() -> list[Source]:
    return list(_sources.values())
