"""What news, peer events and lessons hold about a person (territoires/core/personal_data.py).
Authored news, events and lessons stay at closure; registrations go (a seat at a coming event is
given to the waiting list, as when the person unregisters)."""

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from territoires.core.personal_data import PersonalDataSource, register_personal_data, rows
from territoires.sharing.models import Lesson, NewsPost, PeerEvent, Registration


def _sharing(user) -> list[dict]:
    lines = rows(
        NewsPost.objects.filter(author=user),
        "project__title",
        "title",
        "summary",
        "body",
        "status",
        "published_at",
        nature="actualité",
    )
    lines += rows(
        PeerEvent.objects.filter(organiser=user),
        "project__title",
        "title",
        "starts_at",
        "status",
        nature="rencontre organisée",
    )
    lines += rows(
        Registration.objects.filter(user=user),
        "event__title",
        "event__starts_at",
        "status",
        "created_at",
        nature="inscription à une rencontre",
    )
    lines += rows(
        Lesson.objects.filter(author=user),
        "project__title",
        "title",
        "summary",
        "status",
        "published_at",
        nature="retour d'expérience",
    )
    return lines


def _close(user) -> None:
    from territoires.sharing.services import event_unregister

    coming = Registration.objects.filter(user=user, event__starts_at__gt=timezone.now()).select_related("event")
    for registration in coming:
        event_unregister(event=registration.event, user=user)
    Registration.objects.filter(user=user).delete()


register_personal_data(
    sources=[
        PersonalDataSource(
            "partage", _("Actualités, rencontres et retours d'expérience"), _sharing, close=_close, order=40
        )
    ]
)
