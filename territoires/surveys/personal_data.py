"""What the survey module holds about a person with an account (territoires/core/personal_data.py),
and how long residents' contact addresses and answer exports are kept.

Residents' answers are anonymous and belong to no account: a collector's download lists how many
answers they gathered, never the answers."""

import datetime

from django.db.models import Count, Q
from django.utils.translation import gettext_lazy as _

from territoires.core.personal_data import PersonalDataSource, RetentionRule, register_personal_data, rows
from territoires.surveys.models import Collector, ContactRequest, Export, Response, Survey

# A resident who left an address to hear what became of the survey is told within the year after
# the collection closed (the feedback step of the process); the address is never kept longer than
# CONTACT_REQUEST_MAX_DAYS after it was left, even if the survey is still open.
CONTACT_REQUEST_AFTER_CLOSE_DAYS = 365
CONTACT_REQUEST_MAX_DAYS = 3 * 365
# Exports are copies of the answers: a month to download them.
EXPORT_DAYS = 30


def _surveys(user) -> list[dict]:
    lines = rows(
        Survey.objects.filter(created_by=user),
        "project__title",
        "title",
        "status",
        "created_at",
        nature="questionnaire créé",
    )
    lines += rows(
        Collector.objects.filter(user=user),
        "deployment__survey__title",
        "deployment__participation__organisation__name",
        "added_at",
        nature="membre du groupe d'enquête",
    )
    collected = (
        Response.objects.filter(collector=user)
        .values("deployment__survey__title", "deployment__participation__organisation__name")
        .annotate(answers=Count("pk"))
        .order_by("deployment__survey__title")
    )
    lines += [{"nature": "réponses recueillies (nombre)", **row} for row in collected]
    lines += rows(
        Export.objects.filter(requested_by=user),
        "survey__title",
        "format",
        "status",
        "created_at",
        nature="export demandé",
    )
    return lines


def _close(user) -> None:
    # Ends the field collection rights at once (the device's collector token checks this row).
    Collector.objects.filter(user=user).delete()


def _purge_contact_requests(now) -> int:
    after_close = now - datetime.timedelta(days=CONTACT_REQUEST_AFTER_CLOSE_DAYS)
    too_old = (now - datetime.timedelta(days=CONTACT_REQUEST_MAX_DAYS)).date()
    return ContactRequest.objects.filter(
        Q(deployment__survey__status=Survey.Status.CLOSED, deployment__survey__closed_at__lt=after_close)
        | Q(created_on__lt=too_old)
    ).delete()[0]


def _purge_exports(now) -> int:
    from territoires.surveys.exports import exports_purge

    return exports_purge(older_than_days=EXPORT_DAYS)


register_personal_data(
    sources=[PersonalDataSource("enquetes", _("Enquêtes"), _surveys, close=_close, order=45)],
    rules=[
        RetentionRule(
            "surveys.contact_requests",
            _("Adresses laissées par les habitants : un an après la clôture de l'enquête, trois ans au plus"),
            _purge_contact_requests,
        ),
        RetentionRule("surveys.exports", _("Exports de réponses (fichiers compris) : 30 jours"), _purge_exports),
    ],
)
