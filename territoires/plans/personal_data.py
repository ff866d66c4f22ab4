"""What the action plans hold about a person (territoires/core/personal_data.py): the comments they
wrote on plans, the follow-up entries and measurements they recorded. All stay at closure, signed by
the de-identified account: a plan's follow-up is a public record of the authority. Residents' contact
addresses are the survey's (surveys/personal_data.py); the feedback e-mails sent to them are kept as
long as the address, and go with it."""

from django.utils.translation import gettext_lazy as _

from territoires.core.personal_data import PersonalDataSource, register_personal_data, rows
from territoires.plans.models import ActionUpdate, Measurement, PlanComment


def _plans(user) -> list[dict]:
    lines = rows(
        PlanComment.objects.filter(author=user), "plan__title", "text", "created_at", nature="commentaire sur un plan"
    )
    lines += rows(
        ActionUpdate.objects.filter(author=user),
        "action__title",
        "happened_on",
        "text",
        nature="étape de suivi d'une action",
    )
    lines += rows(
        Measurement.objects.filter(recorded_by=user),
        "indicator__name",
        "measured_on",
        "value",
        nature="mesure d'un indicateur",
    )
    return lines


register_personal_data(sources=[PersonalDataSource("plans", _("Plans d'action"), _plans, order=70)])
