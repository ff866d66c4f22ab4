"""What the interviews hold about a person with an account (territoires/core/personal_data.py): the
interviews they conducted or recorded. (The people interviewed have no account: they are designated
by a label and a profile, their words are in the transcripts, which the territory keeps under the
register's rules — docs/registre-des-traitements.md, "Entretiens du diagnostic".)"""

from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from territoires.core.personal_data import PersonalDataSource, register_personal_data, rows
from territoires.diagnostic.interviews.models import Interview


def _interviews(user) -> list[dict]:
    return rows(
        Interview.objects.filter(Q(interviewer=user) | Q(created_by=user)),
        "project__title", "territory__organisation__name", "title", "kind", "held_on", "created_at",
    )  # fmt: skip


register_personal_data(
    sources=[PersonalDataSource("entretiens", _("Entretiens menés ou enregistrés"), _interviews, order=51)]
)
