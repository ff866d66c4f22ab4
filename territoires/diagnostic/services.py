"""Writes to the directory: keyword-only services that lock what they change, keep each fact's
source and year, write the audit log and raise French ValidationErrors.

Permissions are checked by the views (see rules.py), not here.
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from territoires.core.audit import audit_log
from territoires.core.models import AuditEvent
from territoires.diagnostic.geo import check_position
from territoires.diagnostic.kinds import KINDS
from territoires.diagnostic.models import DEFAULT_FAMILIES, ActorFamily, Entry, FieldSource

Action = AuditEvent.Action
# Facts a merge carries from the duplicate into the kept entry when the kept one lacks them.
MERGEABLE_FIELDS = (
    "description", "neighbourhood", "address", "latitude", "longitude", "website", "family", "legal_form",
    "missions", "audiences", "siret", "rna", "contact_name", "contact_email", "contact_phone", "basilic_type",
    "bpe_code", "capacity", "accessibility", "operator", "engagement_type", "starts_on", "ends_on",
)  # fmt: skip


def families_for(*, project) -> list[ActorFamily]:
    """The project's actor families, seeded with the default taxonomy the first time."""
    families = list(ActorFamily.objects.filter(project=project))
    if families:
        return families
    # Stored in the platform's language, whatever the language of the person who opens it first.
    with transaction.atomic(), translation.override(settings.LANGUAGE_CODE):
        for position, name in enumerate(DEFAULT_FAMILIES):
            ActorFamily.objects.get_or_create(project=project, name=str(name), defaults={"position": position})
    return list(ActorFamily.objects.filter(project=project))


def family_save(*, project, user, name: str, family: ActorFamily | None = None) -> ActorFamily:
    name = " ".join((name or "").split())
    if not name:
        raise ValidationError({"name": _("Donnez un nom à la famille.")})
    if len(name) > 120:
        raise ValidationError({"name": _("Un nom de famille compte au plus 120 caractères.")})
    if ActorFamily.objects.filter(project=project, name__iexact=name).exclude(pk=getattr(family, "pk", None)).exists():
        raise ValidationError({"name": _("La famille « %(name)s » existe déjà dans ce projet.") % {"name": name}})
    with transaction.atomic():
        if family is None:
            position = ActorFamily.objects.filter(project=project).count()
            family = ActorFamily.objects.create(project=project, name=name, position=position)
            previous = ""
        else:
            family = ActorFamily.objects.select_for_update().get(pk=family.pk, project=project)
            previous, family.name = family.name, name
            family.save(update_fields=["name"])
        audit_log(
            actor=user, action=Action.DIRECTORY_FAMILIES_CHANGED, target=family, project_id=project.pk,
            renamed_from=previous, name=name,
        )  # fmt: skip
    return family


def family_delete(*, family: ActorFamily, user) -> None:
    if family.entries.exists():
        raise ValidationError(
            _("La famille « %(name)s » classe encore des acteurs : rangez-les ailleurs avant de la supprimer.")
            % {"name": family.name}
        )
    with transaction.atomic():
        audit_log(
            actor=user, action=Action.DIRECTORY_FAMILIES_CHANGED, target=family, project_id=family.project_id,
            renamed_from=family.name, name="",
        )  # fmt: skip
        family.delete()


def manual_source(user) -> str:
    """The source of a fact a person typed: their organisation, else their name."""
    membership = user.memberships.select_related("organisation").first() if user.is_authenticated else None
    who = membership.organisation.name if membership else (user.get_full_name() or user.email)
    return _("Saisie par %(who)s") % {"who": who}


def _check(entry: Entry, data: dict) -> dict:
    kind = KINDS[entry.kind]
    data, errors = dict(data), {}
    try:
        data = kind.clean(data)
    except ValidationError as error:
        errors = error.update_error_dict(errors)
    try:
        check_position(data.get("latitude", entry.latitude), data.get("longitude", entry.longitude))
    except ValidationError as error:
        errors = error.update_error_dict(errors)
    if errors:
        raise ValidationError(errors)
    if data.get("family") is not None and data["family"].project_id != entry.project_id:
        raise ValidationError({"family": _("Cette famille appartient à un autre projet.")})
    for field in ("operator",):
        other = data.get(field)
        if other is not None and (other.territory_id != entry.territory_id or other.pk == entry.pk):
            raise ValidationError({field: _("Choisissez un acteur du même territoire.")})
    involved = data.get("involved")
    if involved is not None and any(o.territory_id != entry.territory_id or o.pk == entry.pk for o in involved):
        raise ValidationError({"involved": _("Choisissez des acteurs et des lieux du même territoire.")})
    siret = data.get("siret")
    if siret:
        clash = Entry.objects.current().filter(territory=entry.territory, siret=siret).exclude(pk=entry.pk).first()
        if clash is not None:
            raise ValidationError(
                {"siret": _("Ce SIRET est déjà celui de « %(name)s » dans ce territoire : fusionnez plutôt les deux fiches.")
                 % {"name": clash.name}}
            )  # fmt: skip
    return data


def _apply(entry: Entry, data: dict) -> tuple[list[str], list]:
    """Sets the fields; returns the names of those that changed and the new `involved` (or None)."""
    involved = data.pop("involved", None)
    changed = []
    for field, value in data.items():
        if getattr(entry, field) != value:
            setattr(entry, field, value)
            changed.append(field)
    new_ids = None if involved is None else {e.pk for e in involved}
    if entry.pk is not None and new_ids is not None and new_ids != set(entry.involved.values_list("pk", flat=True)):
        changed.append("involved")
    return changed, involved


def entry_create(
    *,
    territory,
    kind: str,
    user,
    data: dict,
    source: str = "",
    source_year: int | None = None,
    publish: bool = False,
    is_synthetic: bool = False,
    source_ref: str = "",
) -> Entry:
    if kind not in KINDS:
        raise ValidationError(_("Ce type de fiche n'existe pas."))
    if not territory.is_participant:
        raise ValidationError(_("Seul un territoire participant au projet a un annuaire."))
    entry = Entry(
        territory=territory,
        project_id=territory.project_id,
        kind=kind,
        created_by=user if user is not None and user.is_authenticated else None,
        source=source or manual_source(user),
        source_year=source_year or timezone.localdate().year,
        is_synthetic=is_synthetic,
        source_ref=source_ref,
    )
    data = _check(entry, data)
    _changed, involved = _apply(entry, data)
    if publish:
        entry.status, entry.published_at = Entry.Status.PUBLISHED, timezone.now()
    try:
        with transaction.atomic():
            entry.save()
            if involved is not None:
                entry.involved.set(involved)
            audit_log(
                actor=user, action=Action.DIRECTORY_ENTRY_CREATED, target=entry, project_id=entry.project_id,
                kind=entry.get_kind_display(), source=entry.source,
            )  # fmt: skip
    except IntegrityError as error:
        raise ValidationError(_("La fiche n'a pas pu être enregistrée : %(error)s") % {"error": error}) from error
    return entry


def entry_update(*, entry: Entry, user, data: dict, source: str = "", source_year: int | None = None) -> list[str]:
    """Saves the changed fields, each with its new source (the person, or the file given); returns them."""
    with transaction.atomic():
        entry = Entry.objects.select_for_update().get(pk=entry.pk)
        if entry.merged_into_id is not None:
            raise ValidationError(_("Cette fiche a été fusionnée dans une autre : modifiez celle-ci."))
        data = _check(entry, data)
        changed, involved = _apply(entry, data)
        if not changed:
            return []
        entry.save()
        if involved is not None:
            entry.involved.set(involved)
        source = source or manual_source(user)
        year = source_year or timezone.localdate().year
        for field in changed:
            FieldSource.objects.update_or_create(entry=entry, field=field, defaults={"source": source, "year": year})
        audit_log(
            actor=user, action=Action.DIRECTORY_ENTRY_CHANGED, target=entry, project_id=entry.project_id,
            fields=", ".join(str(Entry._meta.get_field(f).verbose_name) for f in changed),
        )  # fmt: skip
    return changed


def entry_set_publication(*, entry: Entry, user, publish: bool) -> Entry:
    with transaction.atomic():
        entry = Entry.objects.select_for_update().get(pk=entry.pk)
        if entry.merged_into_id is not None:
            raise ValidationError(_("Cette fiche a été fusionnée dans une autre : publiez celle-ci."))
        target = Entry.Status.PUBLISHED if publish else Entry.Status.DRAFT
        if entry.status == target:
            return entry
        entry.status = target
        entry.published_at = timezone.now() if publish else None
        entry.save(update_fields=["status", "published_at", "updated_at"])
        audit_log(
            actor=user, action=Action.PUBLICATION_CHANGED, target=entry, project_id=entry.project_id,
            is_public=publish,
        )  # fmt: skip
    return entry


def entries_merge(*, kept: Entry, duplicate: Entry, user) -> Entry:
    """Merges a duplicate into the kept entry of the same territory and kind.

    The kept entry takes the facts it lacks (with their sources), the links that pointed to the
    duplicate, and the duplicate's history stays readable from the kept entry's history page; the
    duplicate remains as a record marked "merged into", never shown in the directory.
    """
    if kept.pk == duplicate.pk:
        raise ValidationError(_("Choisissez deux fiches différentes."))
    if kept.territory_id != duplicate.territory_id:
        raise ValidationError(
            _("Ces deux fiches appartiennent à deux territoires différents : seules les fiches d'un même territoire se fusionnent.")
        )  # fmt: skip
    if kept.kind != duplicate.kind:
        raise ValidationError(_("Un acteur, un lieu et un objet d'engagement ne se fusionnent pas entre eux."))
    with transaction.atomic():
        locked = {e.pk: e for e in Entry.objects.select_for_update().filter(pk__in=[kept.pk, duplicate.pk])}
        kept, duplicate = locked[kept.pk], locked[duplicate.pk]
        if kept.merged_into_id is not None or duplicate.merged_into_id is not None:
            raise ValidationError(_("L'une de ces fiches a déjà été fusionnée."))
        sources = {fs.field: fs for fs in duplicate.field_sources.all()}
        taken = []
        for field in MERGEABLE_FIELDS:
            attname = Entry._meta.get_field(field).attname
            if getattr(kept, attname) in (None, "") and getattr(duplicate, attname) not in (None, ""):
                setattr(kept, attname, getattr(duplicate, attname))
                taken.append(field)
                origin = sources.get(field)
                FieldSource.objects.update_or_create(
                    entry=kept,
                    field=field,
                    defaults={
                        "source": origin.source if origin else duplicate.source,
                        "year": origin.year if origin else duplicate.source_year,
                    },
                )
        if duplicate.status == Entry.Status.PUBLISHED and kept.status != Entry.Status.PUBLISHED:
            kept.status, kept.published_at = Entry.Status.PUBLISHED, duplicate.published_at or timezone.now()
        kept.save()
        Entry.objects.filter(operator=duplicate).exclude(pk=kept.pk).update(operator=kept)
        for engagement in duplicate.engagements.all():
            engagement.involved.remove(duplicate)
            if engagement.pk != kept.pk:
                engagement.involved.add(kept)
        kept.involved.add(*[e for e in duplicate.involved.all() if e.pk != kept.pk])
        duplicate.merged_into = kept
        duplicate.status = Entry.Status.DRAFT
        duplicate.save(update_fields=["merged_into", "status", "updated_at"])
        Entry.objects.filter(merged_into=duplicate).update(merged_into=kept)
        from territoires.diagnostic.network_services import links_follow_merge  # the network builds on entries

        links_follow_merge(kept=kept, duplicate=duplicate)
        for target in (kept, duplicate):
            audit_log(
                actor=user, action=Action.DIRECTORY_ENTRIES_MERGED, target=target, project_id=kept.project_id,
                kept=f"{kept.name} (n° {kept.pk})", merged=f"{duplicate.name} (n° {duplicate.pk})",
                fields=", ".join(str(Entry._meta.get_field(f).verbose_name) for f in taken),
            )  # fmt: skip
    return kept
