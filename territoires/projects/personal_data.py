"""What shared projects hold about a person (territoires/core/personal_data.py). Themes, signatures
and committee decisions are acts of the authorities: they stay at closure, signed by the
de-identified account; the person's seat on committees ends and meeting invitations go."""

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from territoires.core.personal_data import PersonalDataSource, register_personal_data, rows
from territoires.projects.models import (
    CommitteeMember,
    Decision,
    MeetingInvitation,
    Participation,
    Signature,
    StepCompletion,
    Theme,
    ThemeInterest,
    Withdrawal,
)


def _projects(user) -> list[dict]:
    lines = []
    for kind, queryset, fields in (
        ("thème proposé", Theme.objects.filter(proposed_by=user), ("title", "description", "created_at")),
        ("intérêt pour un thème", ThemeInterest.objects.filter(expressed_by=user), ("theme__title", "created_at")),
        (
            "référent·e d'un territoire",
            Participation.objects.filter(referent=user),
            ("project__title", "organisation__name"),
        ),
        (
            "demande d'observation",
            Participation.objects.filter(requested_by=user),
            ("project__title", "organisation__name", "created_at"),
        ),
        (
            "étape cochée",
            StepCompletion.objects.filter(completed_by=user),
            ("participation__project__title", "step", "note", "completed_at"),
        ),
        (
            "retrait enregistré",
            Withdrawal.objects.filter(recorded_by=user),
            ("participation__project__title", "letter_received_on"),
        ),
        (
            "signature de charte enregistrée",
            Signature.objects.filter(recorded_by=user),
            ("charter__title", "organisation__name", "signatory_name", "signed_on"),
        ),
        (
            "membre d'un comité de pilotage",
            CommitteeMember.objects.filter(user=user),
            ("committee__project__title", "organisation__name", "kind", "left_at"),
        ),
        (
            "invitation à une réunion",
            MeetingInvitation.objects.filter(user=user),
            ("meeting__title", "meeting__starts_at", "invited_at"),
        ),
        (
            "décision à porter",
            Decision.objects.filter(owner=user),
            ("meeting__title", "number", "text", "status", "due_on"),
        ),
    ):
        lines += rows(queryset, *fields, nature=kind)
    return lines


def _close(user) -> None:
    Participation.objects.filter(referent=user).update(referent=None)
    CommitteeMember.objects.filter(user=user, left_at__isnull=True).update(left_at=timezone.now())
    MeetingInvitation.objects.filter(user=user).delete()


register_personal_data(
    sources=[
        PersonalDataSource("projets", _("Projets partagés, chartes et comités"), _projects, close=_close, order=10)
    ]
)
