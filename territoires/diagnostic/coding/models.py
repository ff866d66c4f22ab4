import uuid

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

colour_validator = RegexValidator(r"^#[0-9a-fA-F]{6}$", _("Une couleur s'écrit #RRVVBB, par exemple #1f6feb."))


class Code(models.Model):
    """A code of the project's codebook (shared by its territories). REFI-QDA identifies it by `guid`."""

    guid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    project = models.ForeignKey("projects.SharedProject", on_delete=models.CASCADE, related_name="codes")
    parent = models.ForeignKey(
        "self", verbose_name=_("code parent"), null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    name = models.CharField(_("code"), max_length=120)
    definition = models.TextField(_("définition"), blank=True)
    example = models.TextField(_("exemple"), blank=True)
    colour = models.CharField(_("couleur"), max_length=7, default="#6a6af4", validators=[colour_validator])
    position = models.PositiveSmallIntegerField(_("ordre"), default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("code")
        verbose_name_plural = _("grille de codage")
        ordering = ["project", "position", "name"]
        constraints = [
            models.UniqueConstraint(fields=["project", "name"], name="diag_code_unique_name_per_project"),
        ]

    def __str__(self):
        return self.name


class Coding(models.Model):
    """One code applied to a passage [start, end) of a transcript or of a resident's text.

    `territory` and `profile` are copied from the source when the coding is saved, so that the
    frequencies by territory and by profile are one GROUP BY on this table. `quote` keeps the words
    as they were coded and `transcript_version` the version they were coded on (coding/anchoring.py)."""

    guid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    code = models.ForeignKey(Code, verbose_name=_("code"), on_delete=models.PROTECT, related_name="codings")
    project = models.ForeignKey("projects.SharedProject", on_delete=models.CASCADE, related_name="+", editable=False)
    territory = models.ForeignKey(
        "projects.Participation", on_delete=models.CASCADE, related_name="codings", editable=False
    )
    transcript = models.ForeignKey(
        "diagnostic.Transcript", null=True, blank=True, on_delete=models.CASCADE, related_name="codings"
    )
    expression = models.ForeignKey(
        "diagnostic.Expression", null=True, blank=True, on_delete=models.CASCADE, related_name="codings"
    )
    participant = models.ForeignKey(
        "diagnostic.InterviewParticipant",
        verbose_name=_("personne qui parle"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="codings",
    )
    profile = models.CharField(_("profil"), max_length=20, blank=True)
    start = models.PositiveIntegerField(_("début"))
    end = models.PositiveIntegerField(_("fin"))
    quote = models.TextField(_("extrait"))
    transcript_version = models.PositiveIntegerField(default=1)
    is_stale = models.BooleanField(
        _("à revoir"), default=False, help_text=_("Le passage n'a pas été retrouvé après une modification du texte.")
    )
    memo = models.TextField(_("mémo"), blank=True)
    coder = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("codé par"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="codings",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("codage")
        verbose_name_plural = _("codages")
        ordering = ["start", "id"]
        indexes = [
            models.Index(fields=["code", "territory"], name="diag_coding_by_code"),
            models.Index(fields=["transcript", "start"], name="diag_coding_in_transcript"),
            models.Index(fields=["project", "territory", "code"], name="diag_coding_frequencies"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=(Q(transcript__isnull=False) & Q(expression__isnull=True))
                | (Q(transcript__isnull=True) & Q(expression__isnull=False)),
                name="diag_coding_one_source",
            ),
            models.CheckConstraint(condition=Q(end__gt=F("start")), name="diag_coding_nonempty_passage"),
        ]

    def __str__(self):
        return f"{self.code} : « {self.quote[:60]} »"
