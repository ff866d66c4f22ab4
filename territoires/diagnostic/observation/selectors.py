"""Reading observation notes: which notes a person may read."""

from django.db.models import Q

from territoires.diagnostic.observation.models import ObservationNote
from territoires.diagnostic.observation.rules import observation_team


def visible_notes(user, project):
    """The project's notes of the territories whose team this person belongs to (rules.py)."""
    territories = [p.pk for p in project.participations.all() if p.is_participant and observation_team(user, p)]
    return (
        ObservationNote.objects.filter(project=project, territory_id__in=territories)
        .select_related("territory__organisation", "place", "observer")
        .order_by("-observed_on", "-pk")
    )


def filter_notes(notes, query):
    tag = query.get("etiquette", "").strip()[:60]
    if tag:
        notes = notes.filter(tags__name=tag)
    slot = query.get("creneau", "")
    if slot in ObservationNote.TimeSlot.values:
        notes = notes.filter(time_slot=slot)
    text = query.get("q", "").strip()[:100]
    if text and "\x00" not in text:
        notes = notes.filter(
            Q(public_space__icontains=text) | Q(place__name__icontains=text) | Q(people__icontains=text)
            | Q(uses__icontains=text) | Q(flows__icontains=text) | Q(moments__icontains=text)
            | Q(remarks__icontains=text)
        )  # fmt: skip
    return notes.distinct()
