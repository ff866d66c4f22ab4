"""Writes to the cooperation network: keyword-only services that check both actors, write the
audit log and raise French ValidationErrors. Permissions are checked by the views
(network_rules.py), not here.
"""

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from territoires.core.audit import audit_log
from territoires.core.cache import bump_content_version
from territoires.core.models import AuditEvent
from territoires.diagnostic.models import Entry, Link

Action = AuditEvent.Action
LINK_FIELDS = ("kind", "direction", "intensity", "start_year", "end_year", "provenance", "note")
EARLIEST_YEAR = 1900


def _check_link(*, project, source: Entry, target: Entry, data: dict, link: Link | None = None) -> None:
    errors = {}
    for field, actor in (("source", source), ("target", target)):
        if actor.project_id != project.pk:
            errors[field] = _("Choisissez un acteur de ce projet.")
        elif actor.kind != Entry.Kind.ACTOR:
            errors[field] = _("« %(name)s » n'est pas un acteur : un lien relie deux acteurs.") % {"name": actor.name}
        elif actor.merged_into_id is not None:
            errors[field] = _("« %(name)s » a été fusionnée dans une autre fiche.") % {"name": actor.name}
    if "target" not in errors and source.pk == target.pk:
        errors["target"] = _("Un acteur ne peut pas être lié à lui-même.")
    if data.get("provenance") == Link.Provenance.ENGAGEMENT:
        errors["provenance"] = _(
            "Les liens de co-organisation se déduisent des acteurs d'un objet d'engagement : "
            "ajoutez plutôt ces acteurs à l'objet."
        )
    latest = timezone.localdate().year + 5
    for field in ("start_year", "end_year"):
        year = data.get(field)
        if year is not None and not EARLIEST_YEAR <= year <= latest:
            errors[field] = _("Indiquez une année entre %(first)s et %(last)s.") % {
                "first": EARLIEST_YEAR,
                "last": latest,
            }
    if data.get("start_year") and data.get("end_year") and data["end_year"] < data["start_year"]:
        errors["end_year"] = _("L'année de fin ne peut précéder l'année de début.")
    if errors:
        raise ValidationError(errors)
    same = Q(source=source, target=target) | Q(source=target, target=source, direction=Link.Direction.MUTUAL)
    clash = (
        Link.objects.filter(same, kind=data["kind"], provenance=data["provenance"], engagement__isnull=True)
        .exclude(pk=getattr(link, "pk", None))
        .exists()
    )
    if clash:
        raise ValidationError(
            _("Ce lien entre ces deux acteurs est déjà enregistré avec la même nature et la même origine.")
        )


def link_create(*, source: Entry, target: Entry, user, data: dict, is_synthetic: bool = False) -> Link:
    """Adds a link kept by the source's territory; `data` holds LINK_FIELDS."""
    project = source.project
    _check_link(project=project, source=source, target=target, data=data)
    link = Link(
        project=project,
        territory_id=source.territory_id,
        source=source,
        target=target,
        is_synthetic=is_synthetic,
        created_by=user if user is not None and user.is_authenticated else None,
        **{field: data.get(field, Link._meta.get_field(field).get_default()) for field in LINK_FIELDS},
    )
    try:
        with transaction.atomic():
            link.save()
            audit_log(
                actor=user, action=Action.DIRECTORY_LINK_CREATED, target=link, project_id=project.pk,
                kind=link.get_kind_display(), provenance=link.get_provenance_display(),
            )  # fmt: skip
    except IntegrityError as error:
        raise ValidationError(_("Ce lien est déjà enregistré.")) from error
    return link


def link_update(*, link: Link, user, source: Entry, target: Entry, data: dict) -> list[str]:
    """Saves what changed (actors included); returns the names of the changed fields."""
    with transaction.atomic():
        link = Link.objects.select_for_update().select_related("project").get(pk=link.pk)
        if link.is_derived:
            raise ValidationError(_("Ce lien se déduit d'un objet d'engagement : modifiez les acteurs de l'objet."))
        _check_link(project=link.project, source=source, target=target, data=data, link=link)
        changed = []
        for field in LINK_FIELDS:
            if field in data and getattr(link, field) != data[field]:
                setattr(link, field, data[field])
                changed.append(field)
        for field, actor in (("source", source), ("target", target)):
            if getattr(link, f"{field}_id") != actor.pk:
                setattr(link, field, actor)
                changed.append(field)
        if not changed:
            return []
        link.territory_id = source.territory_id
        try:
            with transaction.atomic():
                link.save()
        except IntegrityError as error:
            raise ValidationError(_("Ce lien est déjà enregistré.")) from error
        audit_log(
            actor=user, action=Action.DIRECTORY_LINK_CHANGED, target=link, project_id=link.project_id,
            fields=", ".join(str(Link._meta.get_field(f).verbose_name) for f in changed),
        )  # fmt: skip
    return changed


def link_delete(*, link: Link, user) -> None:
    if link.is_derived:
        raise ValidationError(_("Ce lien se déduit d'un objet d'engagement : retirez l'acteur de l'objet."))
    with transaction.atomic():
        audit_log(
            actor=user, action=Action.DIRECTORY_LINK_DELETED, target=link, project_id=link.project_id,
            kind=link.get_kind_display(),
        )  # fmt: skip
        link.delete()


def links_derive_from_engagements(*, project, is_synthetic: bool | None = None) -> tuple[int, int]:
    """Keeps one "co-organisation" link between every two actors involved in the same current
    object of engagement of the project, and removes those whose object no longer involves both.
    Returns (created, removed). Idempotent: a second call changes nothing."""
    involved = (
        Entry.involved.through.objects.filter(
            from_entry__project=project,
            from_entry__kind=Entry.Kind.ENGAGEMENT,
            from_entry__merged_into__isnull=True,
            to_entry__kind=Entry.Kind.ACTOR,
            to_entry__merged_into__isnull=True,
        )
        .values_list("from_entry_id", "to_entry_id", "to_entry__territory_id")
        .order_by("from_entry_id", "to_entry_id")
    )
    actors_by_engagement: dict[int, list[tuple[int, int]]] = {}
    for engagement_id, actor_id, territory_id in involved:
        actors_by_engagement.setdefault(engagement_id, []).append((actor_id, territory_id))
    engagements = {
        e.pk: e
        for e in Entry.objects.filter(pk__in=list(actors_by_engagement)).only(
            "pk", "starts_on", "ends_on", "is_synthetic"
        )
    }
    wanted = {}
    for engagement_id, actors in actors_by_engagement.items():
        for i, (first, territory_id) in enumerate(actors):
            for second, _territory in actors[i + 1 :]:
                wanted[(first, second, engagement_id)] = territory_id
    with transaction.atomic():
        existing = {
            (s, t, e): pk
            for pk, s, t, e in Link.objects.filter(project=project, provenance=Link.Provenance.ENGAGEMENT).values_list(
                "pk", "source_id", "target_id", "engagement_id"
            )
        }
        stale = [pk for key, pk in existing.items() if key not in wanted]
        Link.objects.filter(pk__in=stale).delete()
        new = []
        for (source_id, target_id, engagement_id), territory_id in wanted.items():
            if (source_id, target_id, engagement_id) in existing:
                continue
            engagement = engagements[engagement_id]
            new.append(
                Link(
                    project=project,
                    territory_id=territory_id,
                    source_id=source_id,
                    target_id=target_id,
                    engagement_id=engagement_id,
                    kind=Link.Kind.COPRODUCTION,
                    direction=Link.Direction.MUTUAL,
                    intensity=Link.Intensity.OCCASIONAL,
                    provenance=Link.Provenance.ENGAGEMENT,
                    start_year=engagement.starts_on.year if engagement.starts_on else None,
                    end_year=engagement.ends_on.year if engagement.ends_on else None,
                    is_synthetic=engagement.is_synthetic if is_synthetic is None else is_synthetic,
                )
            )
        Link.objects.bulk_create(new, batch_size=500)
        if new:
            # bulk_create sends no post_save: the cached network (network.py) hears of it here.
            transaction.on_commit(bump_content_version)
    return len(new), len(stale)


def links_follow_merge(*, kept: Entry, duplicate: Entry) -> None:
    """Moves the duplicate's links to the kept entry (called inside entries_merge's transaction):
    a link that would join the kept actor to itself, or repeat one it has, is dropped."""
    for link in Link.objects.filter(Q(source=duplicate) | Q(target=duplicate), engagement__isnull=True):
        source_id = kept.pk if link.source_id == duplicate.pk else link.source_id
        target_id = kept.pk if link.target_id == duplicate.pk else link.target_id
        repeated = (
            Link.objects.filter(
                source_id=source_id, target_id=target_id, kind=link.kind, provenance=link.provenance,
                engagement__isnull=True,
            ).exclude(pk=link.pk).exists()
        )  # fmt: skip
        if source_id == target_id or repeated:
            link.delete()
        else:
            Link.objects.filter(pk=link.pk).update(source_id=source_id, target_id=target_id)
    # Links derived from objects follow the objects' actors, which the merge has just moved.
    Link.objects.filter(Q(source=duplicate) | Q(target=duplicate) | Q(engagement=duplicate)).delete()
    links_derive_from_engagements(project=kept.project)


def network_analysis_request(*, project, territory, user):
    """Queues an analysis of the project's network (or one territory's), computed after commit by
    the background task; while one for the same scope is queued or running, returns that one
    (a resent request starts nothing twice)."""
    from territoires.diagnostic.models import NetworkAnalysis
    from territoires.diagnostic.network_tasks import network_analyse

    with transaction.atomic():
        pending = (
            NetworkAnalysis.objects.select_for_update()
            .filter(
                project=project,
                territory=territory,
                status__in=[NetworkAnalysis.Status.QUEUED, NetworkAnalysis.Status.RUNNING],
            )
            .first()
        )
        if pending is not None:
            return pending
        analysis = NetworkAnalysis.objects.create(
            project=project, territory=territory, requested_by=user if user.is_authenticated else None
        )
        transaction.on_commit(lambda: network_analyse.enqueue(analysis.pk))
    return analysis
