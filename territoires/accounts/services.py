"""Role changes are audited: granting, changing and revoking a membership; invitations to join an
organisation (sent, sent again, cancelled, accepted) and the authorities they create too."""

import datetime
import secrets

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from territoires.accounts.models import INSEE_CODE_VALIDATOR, Invitation, Membership, Organisation, User
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


# Invitations -------------------------------------------------------------------------------------
# Reached from the accounts pages and from a project's participants page: these services re-check
# that the inviter may offer the role (accounts/rules.py), besides the views' own checks.


def _department_of(insee_code: str) -> str:
    if insee_code.startswith("97"):
        return insee_code[:3]
    return insee_code[:2]


def authority_create(*, insee_code: str, name: str, actor) -> Organisation:
    """A commune the platform does not know yet, from its INSEE code and its name.

    (An intercommunality, a department or a region has no INSEE commune code: the admin creates it.)"""
    from territoires.accounts.rules import is_any_facilitator

    if not is_any_facilitator(actor):
        raise ValidationError(_("Seule l'animation ANCT peut ajouter une collectivité à la plateforme."))
    insee_code = (insee_code or "").strip().upper()
    name = " ".join((name or "").split())
    errors = {}
    try:
        INSEE_CODE_VALIDATOR(insee_code)
    except ValidationError:
        errors["insee_code"] = _(
            "Un code INSEE compte cinq caractères : cinq chiffres (79191 pour Niort), ou 2A ou 2B suivis de "
            "trois chiffres en Corse (2A004 pour Ajaccio)."
        )
    if not name:
        errors["name"] = _("Indiquez le nom de la commune.")
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        existing = Organisation.objects.filter(kind=Organisation.Kind.COMMUNE, insee_code=insee_code).first()
        if existing is not None:
            raise ValidationError(
                {"insee_code": _("%(org)s porte déjà ce code INSEE : choisissez-la dans la liste.") % {"org": existing}}
            )
        try:
            with transaction.atomic():
                organisation = Organisation.objects.create(
                    name=name,
                    kind=Organisation.Kind.COMMUNE,
                    insee_code=insee_code,
                    department_code=_department_of(insee_code),
                )
        except IntegrityError as error:
            raise ValidationError({"insee_code": _("Une commune avec ce code INSEE existe déjà.")}) from error
        audit_log(actor=actor, action=Action.ORGANISATION_CREATED, target=organisation, insee_code=insee_code)
    return organisation


def _check_invitable(*, inviter, organisation: Organisation, role: str) -> None:
    from territoires.accounts.rules import invitable_roles

    if role not in invitable_roles(inviter, organisation):
        label = Membership.Role(role).label if role in Membership.Role.values else role
        raise ValidationError(
            {
                "role": _("Vous ne pouvez pas inviter une personne comme « %(role)s » dans %(org)s.")
                % {"role": label, "org": organisation}
            }
        )


def _send_after_commit(invitation: Invitation) -> None:
    from territoires.accounts.tasks import send_invitation_email

    transaction.on_commit(lambda: send_invitation_email.enqueue(invitation.pk))


def invitation_create(*, inviter, email: str, organisation: Organisation, role: str) -> Invitation:
    """Invite a person, by e-mail, to join `organisation` as `role`; the e-mail leaves after commit."""
    email = (email or "").strip().lower()
    _check_invitable(inviter=inviter, organisation=organisation, role=role)
    with transaction.atomic():
        # One open invitation per address and organisation: serialise on the organisation.
        Organisation.objects.select_for_update().filter(pk=organisation.pk).first()
        if Membership.objects.filter(user__email=email, organisation=organisation).exists():
            raise ValidationError({"email": _("Cette personne appartient déjà à %(org)s.") % {"org": organisation}})
        if Invitation.objects.pending().filter(email=email, organisation=organisation).exists():
            raise ValidationError(
                {
                    "email": _(
                        "Une invitation à rejoindre %(org)s attend déjà cette adresse : renvoyez-la depuis la liste "
                        "des invitations."
                    )
                    % {"org": organisation}
                }
            )
        invitation = Invitation.objects.create(
            email=email,
            organisation=organisation,
            role=role,
            invited_by=inviter,
            key=secrets.token_urlsafe(24),
            expires_at=timezone.now() + datetime.timedelta(days=settings.INVITATION_VALID_DAYS),
        )
        audit_log(
            actor=inviter,
            action=Action.INVITATION_SENT,
            target=invitation,
            email=email,
            organisation=organisation.name,
            role=role,
        )
        _send_after_commit(invitation)
    return invitation


def _lock_invitation(invitation: Invitation) -> Invitation:
    return Invitation.objects.select_for_update().select_related("organisation").get(pk=invitation.pk)


def invitation_resend(*, invitation: Invitation, actor) -> Invitation:
    """Send again with a new link, valid for the full period; the previous link stops working."""
    _check_invitable(inviter=actor, organisation=invitation.organisation, role=invitation.role)
    with transaction.atomic():
        invitation = _lock_invitation(invitation)
        if invitation.accepted_at or invitation.revoked_at:
            raise ValidationError(_("Cette invitation a déjà été acceptée ou annulée."))
        invitation.key = secrets.token_urlsafe(24)
        invitation.expires_at = timezone.now() + datetime.timedelta(days=settings.INVITATION_VALID_DAYS)
        invitation.save(update_fields=["key", "expires_at", "updated_at"])
        audit_log(actor=actor, action=Action.INVITATION_RESENT, target=invitation, email=invitation.email)
        _send_after_commit(invitation)
    return invitation


def invitation_revoke(*, invitation: Invitation, actor) -> Invitation:
    _check_invitable(inviter=actor, organisation=invitation.organisation, role=invitation.role)
    with transaction.atomic():
        invitation = _lock_invitation(invitation)
        if invitation.accepted_at:
            raise ValidationError(_("Cette invitation a déjà été acceptée."))
        if invitation.revoked_at:
            return invitation
        invitation.revoked_at = timezone.now()
        invitation.save(update_fields=["revoked_at", "updated_at"])
        audit_log(actor=actor, action=Action.INVITATION_REVOKED, target=invitation, email=invitation.email)
    return invitation


def invitation_accept(*, invitation: Invitation, user) -> Membership:
    """The signed-in invitee joins the organisation; the link is then used up."""
    with transaction.atomic():
        invitation = _lock_invitation(invitation)
        if invitation.accepted_at:
            raise ValidationError(_("Cette invitation a déjà été acceptée."))
        if invitation.state != "pending":
            raise ValidationError(_("Cette invitation a expiré ou a été annulée."))
        if user.email.lower() != invitation.email:
            raise ValidationError(
                _("Cette invitation est adressée à %(email)s : connectez-vous avec cette adresse.")
                % {"email": invitation.email}
            )
        if Membership.objects.filter(user=user, organisation=invitation.organisation).exists():
            raise ValidationError(_("Vous appartenez déjà à %(org)s.") % {"org": invitation.organisation})
        membership = membership_save(
            membership=Membership(user=user, organisation=invitation.organisation, role=invitation.role), actor=user
        )
        invitation.accepted_at = timezone.now()
        invitation.accepted_by = user
        invitation.save(update_fields=["accepted_at", "accepted_by", "updated_at"])
        audit_log(
            actor=user,
            action=Action.INVITATION_ACCEPTED,
            target=invitation,
            email=invitation.email,
            organisation=invitation.organisation.name,
            role=invitation.role,
        )
    return membership


def invitation_accept_with_new_account(
    *, invitation: Invitation, first_name: str, last_name: str, password: str, job_title: str = ""
) -> User:
    """The invitee has no account yet: create it with the invited address, then join."""
    with transaction.atomic():
        if User.objects.filter(email=invitation.email).exists():
            raise ValidationError(
                _("Un compte existe déjà pour %(email)s : connectez-vous pour accepter l'invitation.")
                % {"email": invitation.email}
            )
        try:
            with transaction.atomic():
                user = User.objects.create_user(
                    email=invitation.email,
                    password=password,
                    first_name=first_name.strip(),
                    last_name=last_name.strip(),
                    job_title=job_title.strip(),
                )
        except IntegrityError as error:
            raise ValidationError(
                _("Un compte existe déjà pour %(email)s : connectez-vous pour accepter l'invitation.")
                % {"email": invitation.email}
            ) from error
        invitation_accept(invitation=invitation, user=user)
    return user
