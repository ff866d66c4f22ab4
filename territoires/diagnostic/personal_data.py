"""What the directory holds about a person (territoires/core/personal_data.py): the entries they
created, which stay at closure. (The contacts written on an entry are an organisation's contacts,
managed by the territory, not data of the account.)"""

from django.utils.translation import gettext_lazy as _

from territoires.core.personal_data import PersonalDataSource, register_personal_data, rows
from territoires.diagnostic.models import Entry


def _entries(user) -> list[dict]:
    return rows(Entry.objects.filter(created_by=user), "project__title", "kind", "name", "status", "created_at")


register_personal_data(sources=[PersonalDataSource("annuaire", _("Fiches de l'annuaire créées"), _entries, order=50)])

# The interviews declare their own source (read by the same discovery, through this module).
from territoires.diagnostic.interviews import personal_data as _interviews  # noqa: E402,F401
