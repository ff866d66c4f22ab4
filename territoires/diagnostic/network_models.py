"""The cooperation network's models: links between the actors of a project, and the analyses of
that network computed in a background task (network_metrics.py).

Imported by models.py so that Django finds them; kept apart from the directory's models because
the network is its own part of the diagnostic (see network.py for how it is read).
"""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from territoires.core.models import TimeStampedModel


class Link(TimeStampedModel):
    """A cooperation between two actors of the same project, as someone knows it.

    `direction`: MUTUAL links are read both ways (a shared audience); DIRECTED ones go from `source`
    to `target` (who funds whom, who lends a place to whom). `territory` is the source's territory,
    whose team keeps the link (rules.py). Links derived from an object of engagement
    (`provenance = ENGAGEMENT`) point to it and are kept by `links_derive_from_engagements`, not
    edited by hand.
    """

    class Kind(models.TextChoices):
        COPRODUCTION = "coproduction", _("Coproduction")
        FUNDING = "funding", _("Financement")
        VENUE_LOAN = "venue_loan", _("Prêt ou mise à disposition d'un lieu")
        PROGRAMMING = "programming", _("Programmation")
        SHARED_AUDIENCE = "shared_audience", _("Public partagé")
        TRAINING = "training", _("Formation")
        OTHER = "other", _("Autre coopération")

    class Direction(models.TextChoices):
        MUTUAL = "mutual", _("Réciproque")
        DIRECTED = "directed", _("De l'acteur source vers l'acteur cible")

    class Intensity(models.IntegerChoices):
        OCCASIONAL = 1, _("Ponctuelle")
        REGULAR = 2, _("Régulière")
        STRONG = 3, _("Forte (partenariat structurant)")

    class Provenance(models.TextChoices):
        DECLARED = "declared", _("Déclarée par l'acteur")
        INTERVIEW = "interview", _("Relevée en entretien")
        ENGAGEMENT = "engagement", _("Co-organisation d'un objet d'engagement")

    project = models.ForeignKey("projects.SharedProject", on_delete=models.CASCADE, related_name="network_links")
    territory = models.ForeignKey(
        "projects.Participation", verbose_name=_("territoire"), on_delete=models.CASCADE, related_name="network_links"
    )
    source = models.ForeignKey(
        "diagnostic.Entry", verbose_name=_("acteur source"), on_delete=models.CASCADE, related_name="links_out"
    )
    target = models.ForeignKey(
        "diagnostic.Entry", verbose_name=_("acteur cible"), on_delete=models.CASCADE, related_name="links_in"
    )
    kind = models.CharField(_("nature du lien"), max_length=20, choices=Kind.choices)
    direction = models.CharField(_("sens"), max_length=10, choices=Direction.choices, default=Direction.MUTUAL)
    intensity = models.PositiveSmallIntegerField(_("intensité"), choices=Intensity.choices, default=Intensity.REGULAR)
    start_year = models.PositiveSmallIntegerField(_("depuis (année)"), null=True, blank=True)
    end_year = models.PositiveSmallIntegerField(_("jusqu'à (année)"), null=True, blank=True)
    provenance = models.CharField(_("d'où vient ce lien"), max_length=20, choices=Provenance.choices)
    engagement = models.ForeignKey(
        "diagnostic.Entry",
        verbose_name=_("objet d'engagement co-organisé"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="derived_links",
    )
    note = models.TextField(_("précisions"), blank=True)
    is_synthetic = models.BooleanField(
        _("lien fictif"), default=False, help_text=_("Lien inventé pour la démonstration.")
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("lien de coopération")
        verbose_name_plural = _("liens de coopération")
        ordering = ["source__name", "target__name", "id"]
        indexes = [models.Index(fields=["project", "territory"], name="diag_link_scope")]
        constraints = [
            models.CheckConstraint(
                condition=~Q(source=F("target")),
                name="diag_link_not_to_itself",
                violation_error_message=_("Un acteur ne peut pas être lié à lui-même."),
            ),
            models.CheckConstraint(
                condition=Q(end_year__isnull=True) | Q(start_year__isnull=True) | Q(end_year__gte=F("start_year")),
                name="diag_link_years_ordered",
                violation_error_message=_("L'année de fin ne peut précéder l'année de début."),
            ),
            models.UniqueConstraint(
                fields=["source", "target", "kind", "provenance"],
                condition=Q(engagement__isnull=True),
                name="diag_link_once",
                violation_error_message=_("Ce lien est déjà enregistré."),
            ),
            models.UniqueConstraint(
                fields=["source", "target", "engagement"],
                condition=Q(engagement__isnull=False),
                name="diag_link_once_per_engagement",
            ),
        ]

    def __str__(self):
        arrow = "→" if self.direction == self.Direction.DIRECTED else "↔"
        return f"{self.source} {arrow} {self.target} ({self.get_kind_display()})"

    @property
    def period(self) -> str:
        if self.start_year and self.end_year:
            return f"{self.start_year}–{self.end_year}"
        if self.start_year:
            return _("depuis %(year)s") % {"year": self.start_year}
        if self.end_year:
            return _("jusqu'en %(year)s") % {"year": self.end_year}
        return ""

    @property
    def is_derived(self) -> bool:
        return self.provenance == self.Provenance.ENGAGEMENT


class NetworkAnalysis(models.Model):
    """One computation of the network's metrics (degree, betweenness, communities, isolated actors,
    bridges between families) over a project's actors and links, or one territory's; run by a
    background task that stores its progress, then its results, for the page to poll."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("En attente")
        RUNNING = "running", _("En cours")
        DONE = "done", _("Terminée")
        FAILED = "failed", _("Échec")

    project = models.ForeignKey("projects.SharedProject", on_delete=models.CASCADE, related_name="network_analyses")
    territory = models.ForeignKey(
        "projects.Participation",
        verbose_name=_("territoire"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="network_analyses",
        help_text=_("Vide : tout le projet."),
    )
    status = models.CharField(_("état"), max_length=10, choices=Status.choices, default=Status.QUEUED)
    progress = models.PositiveSmallIntegerField(_("avancement (%)"), default=0)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("demandée le"), auto_now_add=True)
    finished_at = models.DateTimeField(_("terminée le"), null=True, blank=True)
    node_count = models.PositiveIntegerField(_("acteurs"), default=0)
    link_count = models.PositiveIntegerField(_("liens"), default=0)
    duration_ms = models.PositiveIntegerField(_("durée du calcul (ms)"), default=0)
    # {"nodes": {entry_id: [degree, weighted_degree, betweenness, community]}, "summary": {...},
    #  "family_pairs": [...], "brokers": [...], "bridge_links": [...]} — see network_metrics.py.
    results = models.JSONField(_("résultats"), default=dict, blank=True)
    error = models.TextField(_("erreur"), blank=True)

    class Meta:
        verbose_name = _("analyse du réseau")
        verbose_name_plural = _("analyses du réseau")
        ordering = ["-created_at", "-id"]

    def __str__(self):
        scope = self.territory.organisation.name if self.territory_id else _("tout le projet")
        return f"{self.project} · {scope} · {self.get_status_display()}"

    @property
    def is_pending(self) -> bool:
        return self.status in (self.Status.QUEUED, self.Status.RUNNING)
