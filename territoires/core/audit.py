"""The audit log: one call records who did what on which object."""

from django.contrib.contenttypes.models import ContentType

from territoires.core.models import AuditEvent


def audit_log(*, actor, action: str, target, project_id: int | None = None, **details) -> AuditEvent:
    return AuditEvent.objects.create(
        actor=actor if actor is not None and actor.is_authenticated else None,
        action=action,
        project_id=project_id,
        target_type=ContentType.objects.get_for_model(target),
        target_id=target.pk,
        object_repr=str(target)[:300],
        details={key: str(value) for key, value in details.items()},
    )
