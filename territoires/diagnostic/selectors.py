"""Reading the directory: which entries a person may see (the filters are in filters.py)."""

from django.db.models import Q

from territoires.diagnostic import rules as diagnostic_rules
from territoires.diagnostic.models import ActorFamily, Entry
from territoires.projects.rules import is_project_facilitator


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


def for_listing(entries):
    return entries.select_related("family", "territory__organisation").order_by("name", "id")


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
