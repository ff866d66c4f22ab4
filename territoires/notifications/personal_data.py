"""What notifications hold about a person (territoires/core/personal_data.py): follows, notifications
and the e-mail preference, all deleted at closure; notifications older than a year go for everyone."""

import datetime

from django.utils.translation import gettext_lazy as _

from territoires.core.personal_data import PersonalDataSource, RetentionRule, register_personal_data, rows
from territoires.notifications.models import EmailPreference, Follow, Notification

NOTIFICATION_DAYS = 365


def _notifications(user) -> list[dict]:
    lines = rows(Follow.objects.filter(user=user), "target_type__model", "target_id", "created_at", nature="abonnement")
    lines += rows(
        Notification.objects.filter(recipient=user), "verb", "text", "url", "created_at", nature="notification"
    )
    lines += rows(EmailPreference.objects.filter(user=user), "mode", nature="préférence de courriel")
    return lines


def _close(user) -> None:
    Follow.objects.filter(user=user).delete()
    Notification.objects.filter(recipient=user).delete()
    EmailPreference.objects.filter(user=user).delete()


def _purge(now) -> int:
    return Notification.objects.filter(created_at__lt=now - datetime.timedelta(days=NOTIFICATION_DAYS)).delete()[0]


register_personal_data(
    sources=[
        PersonalDataSource("notifications", _("Abonnements et notifications"), _notifications, close=_close, order=60)
    ],
    rules=[RetentionRule("notifications.notifications", _("Notifications : un an"), _purge)],
)
