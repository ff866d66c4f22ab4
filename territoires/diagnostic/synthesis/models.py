from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from territoires.core.models import TimeStampedModel


class Synthesis(TimeStampedModel):
    """A territory's diagnostic synthesis, or the project's cross-territory one (territory empty)."""

    project = models.ForeignKey("projects.SharedProject", on_delete=models.CASCADE, related_name="syntheses")
    territory = models.ForeignKey(
        "projects.Participation",
        verbose_name=_("territoire"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="syntheses",
    )
    introduction = models.TextField(
        _("introduction"), blank=True, help_text=_("Contexte et méthode de la synthèse (Markdown).")
    )
    is_synthetic = models.BooleanField(_("synthèse fictive"), default=False)

    class Meta:
        verbose_name = _("synthèse du diagnostic")
        verbose_name_plural = _("synthèses du diagnostic")
        constraints = [
            models.UniqueConstraint(
                fields=["project"], condition=Q(territory__isnull=True), name="one_project_synthesis"
            ),
            models.UniqueConstraint(
                fields=["territory"], condition=Q(territory__isnull=False), name="one_synthesis_per_territory"
            ),
        ]

    def __str__(self):
        if self.territory_id:
            return str(_("Synthèse du diagnostic — %(territory)s") % {"territory": self.territory.organisation})
        return str(_("Synthèse transversale — %(project)s") % {"project": self.project})

    @property
    def is_cross_territory(self) -> bool:
        return self.territory_id is None

    def get_absolute_url(self):
        if self.territory_id:
            return reverse("synthesis:territory", args=[self.project.slug, self.territory.organisation.slug])
        return reverse("synthesis:project", args=[self.project.slug])


class FindingQuerySet(models.QuerySet):
    def published(self):
        return self.filter(status=Finding.Status.PUBLISHED)

    def visible_to(self, user):
        """Published findings of the projects this person may open, and every finding of the
        syntheses they work on (see synthesis/rules.py: the same reach, as a query)."""
        from territoires.accounts.access import is_platform_admin, memberships_of
        from territoires.accounts.models import Membership
        from territoires.projects.models import SharedProject

        if is_platform_admin(user):
            return self
        visible_projects = SharedProject.objects.visible_to(user).values("pk")
        condition = Q(status=Finding.Status.PUBLISHED, project__in=visible_projects)
        if user.is_authenticated:
            roles = memberships_of(user)
            authority = [org for org, role in roles.items() if role in _AUTHORITY_ROLES]
            facilitating = [org for org, role in roles.items() if role == Membership.Role.FACILITATOR]
            consulting = [org for org, role in roles.items() if role == Membership.Role.CONSULTANT]
            condition |= Q(project__facilitator_organisation_id__in=facilitating)
            condition |= Q(project__consultancy_id__in=consulting)
            # A territory's staff work on their own territory's synthesis; the cross-territory one
            # they read once it is validated (it speaks about them too).
            condition |= Q(territory__organisation_id__in=authority, territory__role="participant")
            condition |= Q(
                territory__isnull=True,
                status=Finding.Status.VALIDATED,
                project__participations__organisation_id__in=authority,
                project__participations__role="participant",
            )
        return self.filter(condition).distinct()


_AUTHORITY_ROLES = ("referent", "agent", "elected")


class Finding(TimeStampedModel):
    """A finding of the diagnostic ("constat"): a statement, its strength and its evidence.

    Life cycle: draft (the consultancy writes) → validated (by the territory's referent; by the
    facilitator for the cross-territory synthesis) → published. Editing a validated or published
    finding's statement sends it back to draft: a validation holds for the text that was read.
    """

    class Strength(models.TextChoices):
        STRONG = "strong", _("Constat solide (plusieurs sources concordantes)")
        MODERATE = "moderate", _("Constat étayé (une source solide)")
        WEAK = "weak", _("Signal faible (à confirmer)")

    class Status(models.TextChoices):
        DRAFT = "draft", _("Brouillon")
        VALIDATED = "validated", _("Validé")
        PUBLISHED = "published", _("Publié")

    synthesis = models.ForeignKey(Synthesis, on_delete=models.CASCADE, related_name="findings")
    # Copies of synthesis.project / synthesis.territory, kept by the services: other modules
    # (co-design, plans) filter findings by project and territory without a join.
    project = models.ForeignKey(
        "projects.SharedProject", on_delete=models.CASCADE, related_name="findings", editable=False
    )
    territory = models.ForeignKey(
        "projects.Participation",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="findings",
        editable=False,
    )
    statement = models.CharField(_("constat"), max_length=400)
    analysis = models.TextField(_("analyse"), blank=True, help_text=_("Ce qui fonde le constat (Markdown)."))
    strength = models.CharField(_("solidité"), max_length=20, choices=Strength.choices, default=Strength.MODERATE)
    status = models.CharField(_("statut"), max_length=20, choices=Status.choices, default=Status.DRAFT)
    position = models.PositiveIntegerField(_("ordre"), default=0)
    is_synthetic = models.BooleanField(_("constat fictif"), default=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    validated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("validé par"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    validated_at = models.DateTimeField(_("validé le"), null=True, blank=True)
    published_at = models.DateTimeField(_("publié le"), null=True, blank=True)

    objects = FindingQuerySet.as_manager()

    class Meta:
        verbose_name = _("constat")
        verbose_name_plural = _("constats")
        ordering = ["synthesis", "position", "id"]
        indexes = [models.Index(fields=["project", "territory", "status"], name="diag_finding_scope")]
        constraints = [
            models.CheckConstraint(
                condition=Q(status="draft") | Q(validated_at__isnull=False),
                name="diag_finding_validated_has_date",
            ),
        ]

    def __str__(self):
        return self.statement

    def get_absolute_url(self):
        return reverse("synthesis:finding_detail", args=[self.pk])


class Evidence(models.Model):
    """One piece of evidence of a finding: a kind (see synthesis/evidence.py) and the reference
    that kind needs to show its target live (a survey question and its filters, a directory
    querystring, an observation note's id...). The target is not copied: the reader sees it as it
    is now, or "preuve réservée" when their role does not let them see it."""

    finding = models.ForeignKey(Finding, on_delete=models.CASCADE, related_name="evidence")
    kind = models.CharField(_("type de preuve"), max_length=30)
    reference = models.JSONField(_("référence"), default=dict)
    note = models.CharField(_("ce que montre cette preuve"), max_length=300, blank=True)
    position = models.PositiveIntegerField(_("ordre"), default=0)
    created_at = models.DateTimeField(_("ajoutée le"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("preuve")
        verbose_name_plural = _("preuves")
        ordering = ["finding", "position", "id"]

    def __str__(self):
        return f"{self.finding} · {self.kind}"

    @property
    def kind_class(self):
        from territoires.diagnostic.synthesis.evidence import evidence_kind

        return evidence_kind(self.kind)


class SynthesisPdf(TimeStampedModel):
    """A PDF of a synthesis, built by a background task for the person who asked for it: it holds
    what that person may read (their evidence, "preuve réservée" elsewhere), so only they download it."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("En attente")
        RUNNING = "running", _("En cours")
        DONE = "done", _("Terminé")
        FAILED = "failed", _("Échec")

    synthesis = models.ForeignKey(Synthesis, on_delete=models.CASCADE, related_name="pdfs")
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    status = models.CharField(_("statut"), max_length=10, choices=Status.choices, default=Status.QUEUED)
    # MEDIA_ROOT is served by no URL: the file goes out through synthesis:pdf_download only.
    file = models.FileField(_("fichier"), upload_to="diagnostic/syntheses/%Y/%m/", blank=True, max_length=255)
    error = models.TextField(_("erreur"), blank=True)
    finished_at = models.DateTimeField(_("terminé le"), null=True, blank=True)

    class Meta:
        verbose_name = _("PDF de synthèse")
        verbose_name_plural = _("PDF de synthèse")
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.synthesis} ({self.get_status_display()})"
