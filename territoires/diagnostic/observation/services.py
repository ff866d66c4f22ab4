"""Writes on observation notes. Keyword-only; the views check the rules first (rules.py)."""

import secrets

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from territoires.core.audit import audit_log
from territoires.core.models import AuditEvent
from territoires.diagnostic.models import Entry
from territoires.diagnostic.observation.models import ObservationNote, ObservationPhoto, ObservationTag

Action = AuditEvent.Action
TEXT_FIELDS = ("public_space", "co_observers", "people", "uses", "flows", "moments", "remarks")
MAX_TAGS = 12


def tag_names(raw: str) -> list[str]:
    """Tags typed as "marché, jeunes; soirée" → ["marché", "jeunes", "soirée"], without repeats."""
    names = []
    for part in (raw or "").replace(";", ",").split(","):
        name = " ".join(part.split()).lower()[:60]
        if name and name not in names:
            names.append(name)
    if len(names) > MAX_TAGS:
        raise ValidationError({"tags": _("%(n)s étiquettes au plus.") % {"n": MAX_TAGS}})
    return names


def _check(territory, data: dict) -> dict:
    errors = {}
    place = data.get("place")
    if place is not None and (
        place.kind != Entry.Kind.PLACE or place.territory_id != territory.pk or place.merged_into_id is not None
    ):
        errors["place"] = _("Choisissez un lieu de l'annuaire de ce territoire.")
    if place is None and not (data.get("public_space") or "").strip():
        errors["public_space"] = _("Indiquez un lieu de l'annuaire ou un espace public.")
    observed_on = data.get("observed_on")
    if observed_on is None:
        errors["observed_on"] = _("Indiquez la date de l'observation.")
    elif observed_on > timezone.localdate():
        errors["observed_on"] = _("Une observation ne peut pas être datée dans le futur.")
    if data.get("time_slot") not in ObservationNote.TimeSlot.values:
        errors["time_slot"] = _("Choisissez le créneau de l'observation.")
    if not any((data.get(name) or "").strip() for name in ("people", "uses", "flows", "moments", "remarks")):
        errors["people"] = _("Décrivez ce que vous avez vu (au moins une des rubriques).")
    if errors:
        raise ValidationError(errors)
    return data


def _apply(note: ObservationNote, data: dict) -> list[str]:
    changed = []
    for name in ("place", "observed_on", "time_slot", *TEXT_FIELDS):
        if name not in data:
            continue
        value = data[name]
        if isinstance(value, str):
            value = value.strip()
        if getattr(note, name) != value:
            setattr(note, name, value)
            changed.append(name)
    return changed


def _set_tags(note: ObservationNote, names: list[str]) -> None:
    tags = []
    for name in names:
        tag, _created = ObservationTag.objects.get_or_create(project_id=note.project_id, name=name)
        tags.append(tag)
    note.tags.set(tags)


def observation_create(
    *, territory, user, data: dict, tags: str = "", observer=None, is_synthetic: bool = False
) -> ObservationNote:
    if not territory.is_participant:
        raise ValidationError(_("Seul un territoire participant au projet a des notes d'observation."))
    data = _check(territory, data)
    names = tag_names(tags)
    note = ObservationNote(
        territory=territory,
        project_id=territory.project_id,
        observer=observer or (user if user is not None and user.is_authenticated else None),
        is_synthetic=is_synthetic,
    )
    _apply(note, data)
    with transaction.atomic():
        note.save()
        _set_tags(note, names)
        audit_log(actor=user, action=Action.OBSERVATION_CREATED, target=note, project_id=note.project_id)
    return note


def observation_update(*, note: ObservationNote, user, data: dict, tags: str) -> ObservationNote:
    data = _check(note.territory, data)
    names = tag_names(tags)
    with transaction.atomic():
        note = ObservationNote.objects.select_for_update().get(pk=note.pk)
        changed = _apply(note, data)
        before = sorted(note.tags.values_list("name", flat=True))
        if sorted(names) != before:
            changed.append("tags")
        if not changed:
            return note
        note.save()
        _set_tags(note, names)
        audit_log(
            actor=user, action=Action.OBSERVATION_CHANGED, target=note, project_id=note.project_id,
            fields=", ".join(changed),
        )  # fmt: skip
    return note


def observation_delete(*, note: ObservationNote, user) -> None:
    from territoires.diagnostic.synthesis.models import Evidence

    with transaction.atomic():
        if Evidence.objects.filter(kind="observation", reference__note=note.pk).exists():
            raise ValidationError(
                _("Cette note est citée comme preuve d'un constat : retirez-la du constat avant de la supprimer.")
            )
        audit_log(actor=user, action=Action.OBSERVATION_DELETED, target=note, project_id=note.project_id)
        files = [photo.image for photo in note.photos.all()]
        note.delete()
    for file in files:
        file.delete(save=False)


def observation_add_photo(*, note: ObservationNote, user, upload, caption: str, consent: str) -> ObservationPhoto:
    from territoires.diagnostic.observation.photos import clean_photo

    errors = {}
    caption = " ".join((caption or "").split())
    if not caption:
        errors["caption"] = _("Écrivez une légende : ce que montre la photo.")
    if consent not in ObservationPhoto.Consent.values:
        errors["consent"] = _(
            "Indiquez si des personnes sont reconnaissables, et si elles ont donné leur accord ; "
            "sans accord, masquez les visages avant l'envoi."
        )
    if errors:
        raise ValidationError(errors)
    content, width, height = clean_photo(upload)
    with transaction.atomic():
        photo = ObservationPhoto(
            note=note,
            token=secrets.token_hex(12),
            caption=caption[:200],
            consent=consent,
            width=width,
            height=height,
            created_by=user if user is not None and user.is_authenticated else None,
        )
        photo.image.save(content.name, content, save=False)
        photo.save()
        audit_log(
            actor=user, action=Action.OBSERVATION_CHANGED, target=note, project_id=note.project_id,
            fields="photos",
        )  # fmt: skip
    return photo


def observation_remove_photo(*, photo: ObservationPhoto, user) -> None:
    note = photo.note
    with transaction.atomic():
        photo.delete()
        audit_log(
            actor=user, action=Action.OBSERVATION_CHANGED, target=note, project_id=note.project_id,
            fields="photos",
        )  # fmt: skip
    photo.image.delete(save=False)
