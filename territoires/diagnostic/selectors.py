"""Reading the directory: which entries a person may see, the filters and their counts."""

from django.db.models import Count, Q

from territoires.diagnostic import rules as diagnostic_rules
from territoires.diagnostic.kinds import KINDS
from territoires.diagnostic.models import ActorFamily, Entry
from territoires.projects.rules import is_project_facilitator

FILTER_NAMES = ("type", "famille", "quartier", "source", "territoire")


def editable_territory_ids(user, project) -> set[int]:
    """The project's territories whose entries this person edits (all of them for a facilitator)."""
    return {
        participation.pk
        for participation in project.participations.all()
        if participation.is_participant and diagnostic_rules.is_territory_editor(user, participation)
    }


def visible_entries(user, project):
    """The project's current entries this person may read; the caller checked projects.view_project."""
    entries = Entry.objects.current().filter(project=project)
    if is_project_facilitator(user, project):
        return entries
    editable = editable_territory_ids(user, project)
    return entries.filter(Q(status=Entry.Status.PUBLISHED) | Q(territory_id__in=editable))


def clean_filters(query, *, families, territories) -> dict:
    """The filters of a query string that name something that exists; the rest is ignored."""
    filters = {}
    kind = query.get("type", "")
    if kind in KINDS:
        filters["type"] = kind
    family = query.get("famille", "")
    if family.isdigit() and int(family) in {f.pk for f in families}:
        filters["famille"] = int(family)
    territory = query.get("territoire", "")
    if territory in {t.organisation.slug for t in territories}:
        filters["territoire"] = territory
    for name in ("quartier", "source"):
        value = query.get(name, "").strip()[:200]
        if value and "\x00" not in value:
            filters[name] = value
    return filters


def apply_filters(entries, filters):
    if "type" in filters:
        entries = entries.filter(kind=filters["type"])
    if "famille" in filters:
        entries = entries.filter(family_id=filters["famille"])
    if "territoire" in filters:
        entries = entries.filter(territory__organisation__slug=filters["territoire"])
    if "quartier" in filters:
        entries = entries.filter(neighbourhood=filters["quartier"])
    if "source" in filters:
        entries = entries.filter(source=filters["source"])
    return entries


def for_listing(entries):
    return entries.select_related("family", "territory__organisation").order_by("name", "id")


def facet_counts(entries) -> dict:
    """Counts by kind, family, neighbourhood and source of the entries given (one query each)."""

    def grouped(field):
        return {
            row[field]: row["n"]
            for row in entries.order_by().values(field).annotate(n=Count("pk")).order_by(field)
            if row[field] not in (None, "")
        }

    return {
        "kinds": grouped("kind"),
        "families": grouped("family_id"),
        "neighbourhoods": grouped("neighbourhood"),
        "sources": grouped("source"),
    }


def project_families(project) -> list[ActorFamily]:
    return list(ActorFamily.objects.filter(project=project))


def history_events(entry):
    """The audit events of an entry and of the entries merged into it: both trails."""
    from django.contrib.contenttypes.models import ContentType

    from territoires.core.models import AuditEvent

    ids = [entry.pk, *_merged_ids(entry)]
    return AuditEvent.objects.filter(
        target_type=ContentType.objects.get_for_model(Entry), target_id__in=ids
    ).select_related("actor")


def _merged_ids(entry) -> list[int]:
    ids, frontier = [], [entry.pk]
    while frontier:
        found = list(Entry.objects.filter(merged_into_id__in=frontier).values_list("pk", flat=True))
        ids.extend(found)
        frontier = found
    return ids
