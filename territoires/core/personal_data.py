"""Personal data (RGPD): what each module holds about a person, what it forgets when the person closes
their account, and how long it keeps what it must not keep for ever.

Each app that stores something about a person writes a `personal_data.py` module that registers:
- a `PersonalDataSource`: `export(user)` returns the rows put in the person's download (plain JSON
  values), `close(user)` removes or cuts off, at account closure, what only concerned the person
  (their follows, registrations, invitations); authored contributions stay, signed by the
  de-identified account (territoires/accounts/services.py::account_close);
- `RetentionRule`s: `apply(now)` deletes what has outlived its retention period and returns how many
  rows went. `manage.py apply_retention` runs every rule (daily).

The modules are found by `autodiscover_modules("personal_data")`, so `accounts` (which runs the
download and the closure) never imports a module, and a new module cannot be forgotten by a list
kept somewhere else. The register of processing (docs/registre-des-traitements.md) describes them.
"""

import datetime
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from django.utils.module_loading import autodiscover_modules
from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class PersonalDataSource:
    key: str
    label: str
    export: Callable[[Any], list[dict]]
    close: Callable[[Any], None] | None = None
    order: int = 100


@dataclass(frozen=True)
class RetentionRule:
    key: str
    # What is deleted and after how long, in French: printed by the command, quoted in the register.
    label: str
    apply: Callable[[datetime.datetime], int]


_sources: dict[str, PersonalDataSource] = {}
_rules: dict[str, RetentionRule] = {}
_discovered = False


def register_personal_data(*, sources: Iterable[PersonalDataSource] = (), rules: Iterable[RetentionRule] = ()):
    for source in sources:
        _sources[source.key] = source
    for rule in rules:
        _rules[rule.key] = rule


def _discover() -> None:
    global _discovered
    if not _discovered:
        autodiscover_modules("personal_data")
        _discovered = True


def personal_data_sources() -> list[PersonalDataSource]:
    _discover()
    return sorted(_sources.values(), key=lambda source: (source.order, source.key))


def retention_rules() -> list[RetentionRule]:
    _discover()
    return sorted(_rules.values(), key=lambda rule: rule.key)


def rows(queryset, *fields: str, nature: str | None = None) -> list[dict]:
    """The rows of a queryset as plain dicts, ordered by id so that two downloads compare line by line;
    with `nature`, each row says what it is (several kinds of rows share one section)."""
    found = queryset.order_by("pk").values(*fields)
    return [{"nature": nature, **row} for row in found] if nature else list(found)


# The platform's own records (this module is the one `autodiscover_modules` finds for core) --------

# The journal is the trace of who decided what in shared projects; after five years (beyond the
# projects' duration and the usual time limits of an administrative dispute) it goes.
AUDIT_JOURNAL_YEARS = 5
# A browser resends a form within minutes; a month is far beyond any retry.
SUBMISSION_KEY_DAYS = 30


def _journal(user) -> list[dict]:
    from territoires.core.models import AuditEvent

    return rows(AuditEvent.objects.filter(actor=user), "occurred_at", "action", "object_repr", "project_id", "details")


def _purge_journal(now) -> int:
    from territoires.core.models import AuditEvent

    limit = now - datetime.timedelta(days=365 * AUDIT_JOURNAL_YEARS)
    return AuditEvent.objects.filter(occurred_at__lt=limit).delete()[0]


def _purge_submission_keys(now) -> int:
    from territoires.core.idempotency import submission_keys_purge

    return submission_keys_purge(older_than_days=SUBMISSION_KEY_DAYS)


register_personal_data(
    sources=[PersonalDataSource("journal", _("Vos actions inscrites au journal"), _journal, order=900)],
    rules=[
        RetentionRule("core.journal", _("Journal des actions : 5 ans"), _purge_journal),
        RetentionRule(
            "core.submission_keys", _("Clés anti-double-envoi des formulaires : 30 jours"), _purge_submission_keys
        ),
    ],
)
