"""A form sent twice (double click, network retry, back button) is stored once.

Each form carries a random submission key; the first submission records the key with the URL of
what it created, in the same transaction as the write; a replay is sent to that URL instead.
"""

import uuid

from django.db import IntegrityError, models, transaction
from django.utils.translation import gettext_lazy as _

FIELD_NAME = "submission_key"


class SubmissionKey(models.Model):
    key = models.UUIDField(primary_key=True)
    result_url = models.CharField(max_length=500)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        app_label = "core"
        verbose_name = _("clé de soumission")
        verbose_name_plural = _("clés de soumission")

    def __str__(self):
        return str(self.key)


def new_submission_key() -> str:
    return str(uuid.uuid4())


def parse_submission_key(request) -> uuid.UUID | None:
    try:
        return uuid.UUID(request.POST.get(FIELD_NAME, ""))
    except ValueError:
        return None


def already_submitted(key: uuid.UUID | None) -> str | None:
    """The URL of what this key already created, if it was used."""
    if key is None:
        return None
    return SubmissionKey.objects.filter(key=key).values_list("result_url", flat=True).first()


def record_submission(key: uuid.UUID | None, result_url: str) -> None:
    """Call inside the write's transaction: a concurrent replay then fails as a whole."""
    if key is None:
        return
    with transaction.atomic():
        try:
            SubmissionKey.objects.create(key=key, result_url=result_url)
        except IntegrityError as error:
            raise DuplicateSubmission(key) from error


class DuplicateSubmission(Exception):
    """Handled by core.middleware.DuplicateSubmissionMiddleware."""

    def __init__(self, key: uuid.UUID):
        super().__init__(key)
        self.key = key


def submission_keys_purge(*, older_than_days: int = 30) -> int:
    """Forget keys old enough that no browser will resend their form; returns how many."""
    import datetime

    from django.utils import timezone

    limit = timezone.now() - datetime.timedelta(days=older_than_days)
    deleted, _details = SubmissionKey.objects.filter(created_at__lt=limit).delete()
    return deleted
