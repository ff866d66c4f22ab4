"""What the directory holds about a person (territoires/core/personal_data.py): the entries they
created, which stay at closure. (The contacts written on an entry are an organisation's contacts,
managed by the territory, not data of the account.)"""

import datetime

from django.utils.translation import gettext_lazy as _

from territoires.core.personal_data import PersonalDataSource, RetentionRule, register_personal_data, rows
from territoires.diagnostic.models import Entry

# A REFI-QDA export holds transcripts (personal data), an import the file it came from: both are
# working copies, gone (rows and files) after this many days.
CODING_EXCHANGE_DAYS = 7


def _entries(user) -> list[dict]:
    return rows(Entry.objects.filter(created_by=user), "project__title", "kind", "name", "status", "created_at")


def _purge_coding_exchanges(now) -> int:
    from territoires.core.storage import delete_with_files
    from territoires.diagnostic.qdpx.models import CodingExchange

    limit = now - datetime.timedelta(days=CODING_EXCHANGE_DAYS)
    return delete_with_files(CodingExchange.objects.filter(created_at__lt=limit))


register_personal_data(
    sources=[PersonalDataSource("annuaire", _("Fiches de l'annuaire créées"), _entries, order=50)],
    rules=[
        RetentionRule(
            "diagnostic.coding_exchanges",
            _("Exports et imports REFI-QDA du codage (fichiers compris) : 7 jours"),
            _purge_coding_exchanges,
        )
    ],
)

# The interviews declare their own source (read by the same discovery, through this module).
from territoires.diagnostic.interviews import personal_data as _interviews  # noqa: E402,F401
