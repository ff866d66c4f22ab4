"""The opinion map (pol.is style) of a shared project's co-design.

- `OpinionMap`: the project's question and its set of statements, shared by the towns;
- `OpinionConversation`: the map running in one territory (its own participants, votes, state and
  results), so that the same statements are voted on in each town and the maps compared;
- `Statement`: a short statement, seeded by the team or proposed by a resident (then moderated);
- `OpinionParticipant`: a resident who votes, known by a keyed hash of a signed cookie's random id
  or of a one-time code, never by name;
- `OpinionVote`: agree / disagree / pass, one per participant and statement;
- `OpinionResult`: one computation (compute.py) stored with its configuration.
"""

import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

STATEMENT_MAX_LENGTH = 280


def new_token() -> str:
    return secrets.token_urlsafe(12)


class OpinionMap(models.Model):
    project = models.ForeignKey("projects.SharedProject", on_delete=models.CASCADE, related_name="opinion_maps")
    title = models.CharField(_("question posée"), max_length=200)
    description = models.TextField(_("présentation"), blank=True)
    residents_propose = models.BooleanField(
        _("les habitants peuvent proposer des affirmations"),
        default=True,
        help_text=_("Elles sont publiées après modération."),
    )
    synthetic = models.BooleanField(_("votes synthétiques (démonstration)"), default=False, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("carte des opinions")
        verbose_name_plural = _("cartes des opinions")
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("codesign:opinion_map", args=[self.pk])


class OpinionConversation(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("En préparation")
        OPEN = "open", _("Ouverte au vote")
        CLOSED = "closed", _("Vote clos")

    class Configuration(models.TextChoices):
        AUTO = "auto", _("Automatique (petit panel jusqu'à 300 participants)")
        STANDARD = "standard", _("Standard (comme pol.is : 7 votes, 2 à 5 groupes)")
        SMALL = "small", _("Petit panel (3 votes, 2 ou 3 groupes, seuil à 80 %)")

    opinion_map = models.ForeignKey(OpinionMap, on_delete=models.CASCADE, related_name="conversations")
    territory = models.ForeignKey(
        "projects.Participation", verbose_name=_("territoire"), on_delete=models.CASCADE, related_name="+"
    )
    status = models.CharField(_("état"), max_length=10, choices=Status.choices, default=Status.DRAFT)
    results_public = models.BooleanField(_("carte publiée"), default=False)
    configuration = models.CharField(
        _("réglages du calcul"), max_length=10, choices=Configuration.choices, default=Configuration.AUTO
    )
    public_token = models.CharField(max_length=24, unique=True, default=new_token, editable=False)

    class Meta:
        verbose_name = _("conversation")
        verbose_name_plural = _("conversations")
        ordering = ["territory__organisation__name", "id"]
        constraints = [
            models.UniqueConstraint(fields=["opinion_map", "territory"], name="one_conversation_per_territory")
        ]

    def __str__(self):
        return f"{self.opinion_map} — {self.territory.organisation}"

    def get_absolute_url(self):
        return reverse("codesign:opinion_conversation", args=[self.pk])

    @property
    def is_open(self) -> bool:
        return self.status == self.Status.OPEN


class StatementQuerySet(models.QuerySet):
    def published(self):
        return self.filter(status=Statement.Status.PUBLISHED)


class Statement(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", _("À modérer")
        PUBLISHED = "published", _("Publiée")
        REJECTED = "rejected", _("Refusée")

    opinion_map = models.ForeignKey(OpinionMap, on_delete=models.CASCADE, related_name="statements")
    text = models.CharField(_("affirmation"), max_length=STATEMENT_MAX_LENGTH)
    # Lower-cased, spaces collapsed: the same statement is not proposed twice.
    text_key = models.CharField(max_length=STATEMENT_MAX_LENGTH, editable=False)
    status = models.CharField(_("modération"), max_length=10, choices=Status.choices, default=Status.PUBLISHED)
    moderation_note = models.CharField(_("motif"), max_length=300, blank=True)
    seeded = models.BooleanField(_("proposée par l'équipe"), default=True)
    proposed_in = models.ForeignKey(
        OpinionConversation, null=True, blank=True, on_delete=models.SET_NULL, related_name="proposed_statements"
    )
    proposed_by = models.ForeignKey(
        "codesign.OpinionParticipant", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = StatementQuerySet.as_manager()

    class Meta:
        verbose_name = _("affirmation")
        verbose_name_plural = _("affirmations")
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(
                fields=["opinion_map", "text_key"],
                name="one_statement_text_per_map",
                violation_error_message=_("Cette affirmation existe déjà."),
            )
        ]

    def __str__(self):
        return self.text


class OpinionParticipant(models.Model):
    conversation = models.ForeignKey(OpinionConversation, on_delete=models.CASCADE, related_name="participants")
    key = models.CharField(max_length=64)
    via_code = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("participant·e")
        verbose_name_plural = _("participant·es")
        constraints = [models.UniqueConstraint(fields=["conversation", "key"], name="one_participant_per_key")]

    def __str__(self):
        return f"#{self.pk}"


class OpinionCode(models.Model):
    """A one-time code printed for a workshop: whoever types it votes as one participant, on any
    device, without a cookie; the code is bound to its participant on first use."""

    conversation = models.ForeignKey(OpinionConversation, on_delete=models.CASCADE, related_name="codes")
    code = models.CharField(max_length=12, unique=True)
    participant = models.OneToOneField(
        OpinionParticipant, null=True, blank=True, on_delete=models.SET_NULL, related_name="code"
    )

    class Meta:
        verbose_name = _("code de participation")
        verbose_name_plural = _("codes de participation")
        ordering = ["id"]

    def __str__(self):
        return self.code


class OpinionVote(models.Model):
    class Value(models.IntegerChoices):
        AGREE = 1, _("D'accord")
        DISAGREE = -1, _("Pas d'accord")
        PASS = 0, _("Je passe")

    conversation = models.ForeignKey(OpinionConversation, on_delete=models.CASCADE, related_name="votes")
    participant = models.ForeignKey(OpinionParticipant, on_delete=models.CASCADE, related_name="votes")
    statement = models.ForeignKey(Statement, on_delete=models.CASCADE, related_name="votes")
    value = models.SmallIntegerField(_("vote"), choices=Value.choices)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("vote")
        verbose_name_plural = _("votes")
        constraints = [
            models.UniqueConstraint(
                fields=["participant", "statement"],
                name="one_opinion_vote_per_statement",
                violation_error_message=_("Vous avez déjà donné votre avis sur cette affirmation."),
            ),
            models.CheckConstraint(condition=Q(value__in=[-1, 0, 1]), name="opinion_vote_value"),
        ]
        # Covers the computation's one query (services.votes_load): a conversation's votes are read
        # from the index alone, in order, not row by row (make bench ONLY=codesign.opinion).
        indexes = [
            models.Index(fields=["conversation", "participant", "statement", "value"], name="opinion_vote_matrix")
        ]

    def __str__(self):
        return f"{self.participant} — {self.statement_id}: {self.value}"


class OpinionResult(models.Model):
    class Status(models.TextChoices):
        QUEUED = "queued", _("En attente")
        RUNNING = "running", _("En cours")
        DONE = "done", _("Terminé")
        FAILED = "failed", _("Échec")

    conversation = models.ForeignKey(OpinionConversation, on_delete=models.CASCADE, related_name="results")
    status = models.CharField(_("état"), max_length=10, choices=Status.choices, default=Status.QUEUED)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("demandé le"), auto_now_add=True)
    finished_at = models.DateTimeField(_("terminé le"), null=True, blank=True)
    duration_ms = models.PositiveIntegerField(_("durée du calcul (ms)"), default=0)
    participant_count = models.PositiveIntegerField(_("participants"), default=0)
    vote_count = models.PositiveIntegerField(_("votes"), default=0)
    # See services.result_run: {"config", "k", "groups": [...], "participants": [[x, y, group]],
    # "consensus": {...}, "statements": {id: text}}.
    data = models.JSONField(default=dict, blank=True)
    error = models.TextField(_("message"), blank=True)

    class Meta:
        verbose_name = _("calcul de la carte")
        verbose_name_plural = _("calculs de la carte")
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return f"{self.conversation} — {self.get_status_display()}"
