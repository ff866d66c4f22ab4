"""Background tasks: they receive ids and send the e-mail (never inside a request)."""

from django.conf import settings
from django.core.mail import send_mail
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django_tasks import task


@task()
def send_registration_email(registration_id: int, kind: str) -> bool:
    """Confirmation, waiting list or seat freed: what the resident keeps to manage their registration."""
    from territoires.codesign.models import WorkshopRegistration

    registration = WorkshopRegistration.objects.select_related("workshop").filter(pk=registration_id).first()
    if registration is None:
        return False
    workshop = registration.workshop
    manage_url = settings.SITE_URL.rstrip("/") + reverse(
        "codesign:registration_manage", args=[registration.manage_token]
    )
    with translation.override("fr"):
        when = timezone.localtime(workshop.starts_at).strftime("%d/%m/%Y à %H:%M")
        subject = {
            "confirmed": _("Inscription confirmée : %(title)s"),
            "waiting": _("Liste d'attente : %(title)s"),
            "promoted": _("Une place s'est libérée : %(title)s"),
            "cancelled": _("Atelier annulé : %(title)s"),
            "reminder": _("Rappel : %(title)s, %(when)s"),
        }.get(kind, _("Votre inscription : %(title)s")) % {"title": workshop.title, "when": when}
        if kind == "cancelled":
            status_line = _("L'atelier est annulé. %(reason)s") % {"reason": workshop.notes}
        elif registration.status == WorkshopRegistration.Status.WAITING:
            status_line = _(
                "Vous êtes sur la liste d'attente ; si une place se libère, elle vous revient et vous en êtes prévenu·e."
            )
        else:
            status_line = _("Votre place est réservée.")
        body = "\n\n".join(
            [
                _("Bonjour %(name)s,") % {"name": registration.name},
                f"{workshop.title} — {when} — {workshop.place_label}",
                status_line,
                _("Pour annuler ou consulter votre inscription : %(url)s") % {"url": manage_url},
            ]
        )
    send_mail(subject, body, None, [registration.email])
    return True
