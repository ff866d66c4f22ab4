"""Role changes are audited: granting, changing and revoking a membership."""

from django.db import transaction

from territoires.accounts.models import Membership
from territoires.core.audit import audit_log
from territoires.core.models import AuditEvent

Action = AuditEvent.Action


def membership_save(*, membership: Membership, actor) -> Membership:
    with transaction.atomic():
        previous_role = None
        if membership.pk:
            previous_role = Membership.objects.filter(pk=membership.pk).values_list("role", flat=True).first()
        membership.save()
        if previous_role is None:
            audit_log(actor=actor, action=Action.ROLE_GRANTED, target=membership, role=membership.role)
        elif previous_role != membership.role:
            audit_log(
                actor=actor, action=Action.ROLE_CHANGED, target=membership, previous=previous_role, role=membership.role
            )
    return membership


def membership_revoke(*, membership: Membership, actor) -> None:
    with transaction.atomic():
        audit_log(actor=actor, action=Action.ROLE_REVOKED, target=membership, role=membership.role)
        membership.delete()


def membership_audit_change(*, formset, actor) -> None:
    """Audit the memberships an admin inline is about to save (called before the formset saves)."""
    for form in formset.forms:
        if not form.has_changed() or not form.is_valid():
            continue
        membership = form.instance
        if form.cleaned_data.get("DELETE") and membership.pk:
            audit_log(actor=actor, action=Action.ROLE_REVOKED, target=membership, role=membership.role)
        elif not membership.pk:
            transaction.on_commit(
                lambda m=membership: (
                    audit_log(actor=actor, action=Action.ROLE_GRANTED, target=m, role=m.role) if m.pk else None
                )
            )
        elif "role" in form.changed_data:
            audit_log(
                actor=actor,
                action=Action.ROLE_CHANGED,
                target=membership,
                previous=form.initial.get("role"),
                role=membership.role,
            )
