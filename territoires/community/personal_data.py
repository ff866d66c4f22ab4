"""What the discussions hold about a person (territoires/core/personal_data.py). Messages stay at
closure (a discussion with holes would not read), signed by the de-identified account; mentions of
the person go; moderation reports they filed stay, as the moderators' record."""

from django.utils.translation import gettext_lazy as _

from territoires.community.models import Mention, Message, MessageRevision, Report, Thread
from territoires.core.personal_data import PersonalDataSource, register_personal_data, rows


def _discussions(user) -> list[dict]:
    lines = rows(Thread.objects.filter(author=user), "title", "created_at", nature="discussion ouverte")
    lines += rows(
        Message.objects.filter(author=user),
        "thread__title",
        "position",
        "body",
        "created_at",
        "edited_at",
        "hidden_at",
        nature="message",
    )
    lines += rows(
        MessageRevision.objects.filter(edited_by=user),
        "message__thread__title",
        "body",
        "replaced_at",
        nature="version précédente d'un message",
    )
    lines += rows(
        Report.objects.filter(reporter=user),
        "message__thread__title",
        "reason",
        "created_at",
        "resolved_at",
        nature="message signalé",
    )
    lines += rows(Mention.objects.filter(user=user), "message__thread__title", nature="mention")
    return lines


def _close(user) -> None:
    Mention.objects.filter(user=user).delete()


register_personal_data(
    sources=[PersonalDataSource("discussions", _("Discussions"), _discussions, close=_close, order=20)]
)
