"""Writing resources: create, edit (with history), attach files, publish, unpublish.

Every write re-indexes the resource for search in the same transaction, so that the search page
never shows a resource that is a draft or whose visibility was narrowed.
"""

import os

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max, Q
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from territoires.accounts.access import is_platform_admin, memberships_of
from territoires.accounts.models import Membership, unique_slug
from territoires.core.audit import audit_log
from territoires.core.models import AuditEvent
from territoires.library.models import Attachment, Resource, ResourceRevision
from territoires.library.validators import detect_attachment_format
from territoires.projects.models import Participation, SharedProject
from territoires.projects.rules import AUTHORITY_ROLES, is_any_facilitator
from territoires.search.access import reach_of
from territoires.search.services import source_forget, source_reindex

CONTENT_FIELDS = ("kind", "title", "summary", "body", "external_url", "licence", "tags", "phase", "visibility")
MAX_ATTACHMENTS = 10


def projects_for_publisher(user):
    """The projects a user may attach a resource to: their own, or all for facilitators."""
    if is_platform_admin(user) or is_any_facilitator(user):
        return SharedProject.objects.all()
    return SharedProject.objects.filter(pk__in=reach_of(user).member_project_ids)


def territories_for_publisher(user):
    """The territories a user may attach a resource to: their own authority's participations, the
    territories of the projects they facilitate, every territory for platform admins (the rule
    library.attach_territory says the same for one participation)."""
    territories = Participation.objects.participants()
    if not is_platform_admin(user):
        roles = memberships_of(user)
        authorities = [org for org, role in roles.items() if role in AUTHORITY_ROLES]
        agencies = [org for org, role in roles.items() if role == Membership.Role.FACILITATOR]
        territories = territories.filter(
            Q(organisation_id__in=authorities) | Q(project__facilitator_organisation_id__in=agencies)
        )
    return territories.select_related("organisation", "project").order_by("project__title", "organisation__name")


def _check_links(*, user, project, territory, visibility, phase, kept_territory_id=None) -> None:
    """kept_territory_id: the territory the resource already has, which an editor may keep as it is."""
    errors = {}
    if (
        territory is not None
        and territory.pk != kept_territory_id
        and not user.has_perm("library.attach_territory", territory)
    ):
        errors["territory"] = _(
            "Vous ne pouvez rattacher une ressource qu'au territoire de votre collectivité "
            "(ou, pour l'animation, à un territoire d'un projet que vous animez)."
        )
    if project is not None and not projects_for_publisher(user).filter(pk=project.pk).exists():
        errors["project"] = _("Vous ne pouvez publier que pour un projet dont vous êtes membre.")
    if project is None and not (is_any_facilitator(user) or is_platform_admin(user)):
        errors["project"] = _("Choisissez le projet pour lequel vous publiez cette ressource.")
    if (
        territory is not None
        and "territory" not in errors
        and (project is None or territory.project_id != project.pk or not territory.is_participant)
    ):
        errors["territory"] = _("Ce territoire ne participe pas au projet choisi.")
    if visibility == Resource.Visibility.PROJECT and project is None:
        errors["visibility"] = _("Une ressource réservée aux membres du projet doit être liée à un projet.")
    if visibility == Resource.Visibility.TERRITORY and territory is None:
        errors["visibility"] = _("Une ressource réservée à l'équipe d'un territoire doit être liée à ce territoire.")
    if phase and phase not in dict(Resource.PHASE_CHOICES):
        errors["phase"] = _("Phase inconnue.")
    if errors:
        raise ValidationError(errors)


def _publishing_organisation_id(*, user, project, territory) -> int | None:
    """On whose behalf the user publishes: the territory's authority, else their organisation in the project."""
    roles = memberships_of(user)
    if territory is not None and territory.organisation_id in roles:
        return territory.organisation_id
    if project is not None:
        candidates = [project.facilitator_organisation_id, project.consultancy_id]
        candidates += [p.organisation_id for p in project.participations.all() if p.is_participant]
        for organisation_id in candidates:
            if organisation_id in roles:
                return organisation_id
    return next(iter(sorted(roles)), None)


def _safe_file_name(name: str, extension: str) -> str:
    stem = slugify(os.path.splitext(os.path.basename(name))[0])[:80] or "fichier"
    return f"{stem}.{extension}"


def _add_attachments(*, resource, user, files) -> None:
    files = list(files or [])
    if resource.attachments.count() + len(files) > MAX_ATTACHMENTS:
        raise ValidationError({"files": _("Une ressource compte %(max)s fichiers au plus.") % {"max": MAX_ATTACHMENTS}})
    for uploaded in files:
        try:
            file_format = detect_attachment_format(uploaded)
        except ValidationError as error:
            raise ValidationError({"files": error.messages})
        name = _safe_file_name(uploaded.name, file_format.extension)
        attachment = Attachment(
            resource=resource,
            name=name,
            format_label=file_format.label,
            content_type=file_format.content_type,
            size=uploaded.size,
            uploaded_by=user,
        )
        attachment.file.save(name, uploaded, save=False)
        attachment.save()


def _record_revision(*, resource, user, note: str = "") -> None:
    number = (resource.revisions.aggregate(n=Max("number"))["n"] or 0) + 1
    ResourceRevision.objects.create(
        resource=resource,
        number=number,
        title=resource.title,
        summary=resource.summary,
        body=resource.body,
        edited_by=user,
        note=note[:200],
    )


def resource_search_document(resource: Resource) -> dict | None:
    """What search shows of a resource (registered in apps.py): found while published, by the
    audience of its visibility; a draft is not found."""
    if not resource.is_published:
        return None
    territory = resource.territory
    attachment_names = " ".join(attachment.name for attachment in resource.attachments.all())
    return {
        "category": "resource",
        "title": resource.title,
        "text": "\n\n".join(filter(None, [resource.summary, resource.body, resource.tags, attachment_names])),
        "url": resource.get_absolute_url(),
        "audience": {"public": "public", "project": "project", "territory": "territory"}[resource.visibility],
        "project_id": resource.project_id,
        "organisation_id": territory.organisation_id if territory else None,
        "theme_ids": [theme.pk for theme in resource.themes.all()],
        "kind": resource.kind,
        "licence": resource.licence,
        "territory_id": resource.territory_id,
        "year": resource.published_year or timezone.localdate().year,
    }


def resource_reindex(resource: Resource) -> None:
    """What search shows follows the resource: indexed while published, removed otherwise."""
    source_reindex(source=resource)


@transaction.atomic
def resource_create(*, user, data: dict, themes=(), files=(), publish: bool = False) -> Resource:
    project, territory = data.get("project"), data.get("territory")
    _check_links(
        user=user, project=project, territory=territory, visibility=data.get("visibility"), phase=data.get("phase")
    )
    resource = Resource(
        **{field: data.get(field) or "" for field in CONTENT_FIELDS if field in data},
        project=project,
        territory=territory,
        created_by=user,
        publishing_organisation_id=_publishing_organisation_id(user=user, project=project, territory=territory),
        team_organisation_id=territory.organisation_id if territory else None,
    )
    resource.slug = unique_slug(Resource, resource.title)
    resource.full_clean(exclude=["slug", "themes"])
    resource.save()
    resource.themes.set(themes)
    _add_attachments(resource=resource, user=user, files=files)
    _record_revision(resource=resource, user=user, note=_("Création"))
    if publish:
        resource_publish(resource=resource, user=user)
    return resource


@transaction.atomic
def resource_update(*, resource: Resource, user, data: dict, themes=None, files=(), note: str = "") -> Resource:
    resource = Resource.objects.select_for_update().get(pk=resource.pk)
    project, territory = data.get("project"), data.get("territory")
    _check_links(
        user=user,
        project=project,
        territory=territory,
        visibility=data.get("visibility"),
        phase=data.get("phase"),
        kept_territory_id=resource.territory_id,
    )
    text_changed = any(
        data.get(field, getattr(resource, field)) != getattr(resource, field) for field in ("title", "summary", "body")
    )
    for field in CONTENT_FIELDS:
        if field in data:
            setattr(resource, field, data[field] or "")
    resource.project, resource.territory = project, territory
    resource.team_organisation_id = territory.organisation_id if territory else None
    resource.full_clean(exclude=["themes"])
    resource.save()
    if themes is not None:
        resource.themes.set(themes)
    _add_attachments(resource=resource, user=user, files=files)
    if text_changed:
        _record_revision(resource=resource, user=user, note=note)
    resource_reindex(resource)
    return resource


@transaction.atomic
def resource_publish(*, resource: Resource, user) -> Resource:
    resource = Resource.objects.select_for_update().get(pk=resource.pk)
    if resource.is_published:
        return resource
    resource.status = Resource.Status.PUBLISHED
    resource.published_at = timezone.now()
    resource.published_by = user
    resource.published_year = timezone.localtime(resource.published_at).year
    resource.save(update_fields=["status", "published_at", "published_year", "published_by", "updated_at"])
    resource_reindex(resource)
    audit_log(
        actor=user,
        action=AuditEvent.Action.PUBLICATION_CHANGED,
        target=resource,
        project_id=resource.project_id,
        is_public=resource.visibility,
    )
    return resource


@transaction.atomic
def resource_unpublish(*, resource: Resource, user) -> Resource:
    resource = Resource.objects.select_for_update().get(pk=resource.pk)
    if not resource.is_published:
        return resource
    resource.status = Resource.Status.DRAFT
    resource.save(update_fields=["status", "updated_at"])
    resource_reindex(resource)
    audit_log(
        actor=user,
        action=AuditEvent.Action.PUBLICATION_CHANGED,
        target=resource,
        project_id=resource.project_id,
        is_public=_("brouillon"),
    )
    return resource


@transaction.atomic
def attachment_delete(*, attachment: Attachment, user) -> None:
    resource = attachment.resource
    storage, name = attachment.file.storage, attachment.file.name
    attachment.delete()
    # The file goes only once the row is gone for good: a rolled-back delete keeps both.
    transaction.on_commit(lambda: storage.delete(name))
    resource_reindex(resource)


@transaction.atomic
def resource_delete(*, resource: Resource, user) -> None:
    """Delete a resource, its files (once committed) and its search document."""
    source_forget(source=resource)
    names = [(attachment.file.storage, attachment.file.name) for attachment in resource.attachments.all()]
    resource.delete()
    transaction.on_commit(lambda: [storage.delete(name) for storage, name in names])


def resource_sync_after_admin_edit(resource: Resource) -> None:
    """The admin saves fields directly: recompute the copies the listing relies on, then re-index."""
    territory = resource.territory
    Resource.objects.filter(pk=resource.pk).update(
        team_organisation_id=territory.organisation_id if territory else None,
        published_year=timezone.localtime(resource.published_at).year if resource.published_at else None,
    )
    resource.refresh_from_db()
    resource_reindex(resource)
