"""What the discussions hold about a person (territoires/core/personal_data.py). Messages stay at
closure (a discussion with holes would not read), signed by the de-identified account; mentions of
the person go; moderation reports they filed stay, as the moderators' record."""

from django.utils.translation import gettext_lazy as _

from territoires.community.models import Mention, Message, MessageRevision, Report, Thread
from territoires.core.personal_data import PersonalDataSource, register_personal_data, rows


def _discussions(user) -> list[dict]:
    lines = [
        {"nature": "discussion ouverte", **row}
        for row in rows(Thread.objects.filter(author=user), "title", "created_at")
    ]
    lines += [
        {"nature": "message", **row}
        for row in rows(
            Message.objects.filter(author=user),
            "thread__title",
            "position",
            "body",
            "created_at",
            "edited_at",
            "hidden_at",
        )
    ]
    lines += [
        {"nature": "version précédente d'un message", **row}
        for row in rows(MessageRevision.objects.filter(edited_by=user), "message__thread__title", "body", "replaced_at")
    ]
    lines += [
        {"nature": "message signalé", **row}
        for row in rows(
            Report.objects.filter(reporter=user), "message__thread__title", "reason", "created_at", "resolved_at"
        )
    ]
    lines += [{"nature": "mention", **row} for row in rows(Mention.objects.filter(user=user), "message__thread__title")]
    return lines


def _close(user) -> None:
    Mention.objects.filter(user=user).delete()


register_personal_data(
    sources=[PersonalDataSource("discussions", _("Discussions"), _discussions, close=_close, order=20)]
)
