from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from territoires.core.models import TimeStampedModel
from territoires.core.receipts import new_receipt_code

AGE_BANDS = [
    ("-15", _("moins de 15 ans")),
    ("15-24", _("15 à 24 ans")),
    ("25-34", _("25 à 34 ans")),
    ("35-49", _("35 à 49 ans")),
    ("50-64", _("50 à 64 ans")),
    ("65-79", _("65 à 79 ans")),
    ("80+", _("80 ans ou plus")),
]
MAX_TEXT_LENGTH = 5000
MIN_TEXT_LENGTH = 10


class ExpressionPrompt(TimeStampedModel):
    """The question a territory asks its residents, set by its referent; one per territory."""

    territory = models.OneToOneField(
        "projects.Participation", on_delete=models.CASCADE, related_name="expression_prompt"
    )
    project = models.ForeignKey(
        "projects.SharedProject", on_delete=models.CASCADE, related_name="expression_prompts", editable=False
    )
    question = models.CharField(_("question posée aux habitants"), max_length=300)
    introduction = models.TextField(
        _("présentation"),
        blank=True,
        help_text=_("Quelques lignes sur la démarche : qui lit les textes, ce qu'ils deviennent."),
    )
    neighbourhoods = models.TextField(
        _("quartiers proposés"),
        blank=True,
        help_text=_("Un quartier par ligne ; laissé vide, le quartier se saisit librement."),
    )
    is_open = models.BooleanField(_("ouvert aux contributions"), default=False)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("appel à expression")
        verbose_name_plural = _("appels à expression")

    def __str__(self):
        return self.question

    @property
    def neighbourhood_choices(self) -> list[str]:
        return [line.strip() for line in self.neighbourhoods.splitlines() if line.strip()]

    def get_absolute_url(self):
        return reverse("expression:write", args=[self.project.slug, self.territory.organisation.slug])


class ExpressionQuerySet(models.QuerySet):
    def published(self):
        return self.filter(status=Expression.Status.PUBLISHED, consent_to_publish=True)


class Expression(models.Model):
    """A resident's text. Anonymous: no account, no address; an optional neighbourhood and age band."""

    class Status(models.TextChoices):
        PENDING = "pending", _("En attente de modération")
        PUBLISHED = "published", _("Publié")
        KEPT = "kept", _("Retenu sans publication")
        REJECTED = "rejected", _("Écarté")

    class Reason(models.TextChoices):
        NO_CONSENT = "no_consent", _("L'auteur n'a pas souhaité la publication")
        PERSONAL_DATA = "personal_data", _("Le texte cite des personnes ou des données personnelles")
        ABUSE = "abuse", _("Propos injurieux, diffamatoires ou discriminatoires")
        OFF_TOPIC = "off_topic", _("Hors sujet ou publicité")
        DUPLICATE = "duplicate", _("Doublon")

    prompt = models.ForeignKey(ExpressionPrompt, on_delete=models.PROTECT, related_name="expressions")
    # Copies of prompt.territory / prompt.project, kept by the services: lists filter on them.
    territory = models.ForeignKey(
        "projects.Participation", on_delete=models.CASCADE, related_name="expressions", editable=False
    )
    project = models.ForeignKey(
        "projects.SharedProject", on_delete=models.CASCADE, related_name="expressions", editable=False
    )
    question = models.CharField(_("question posée"), max_length=300)  # as asked when the text was written
    text = models.TextField(_("texte"))
    neighbourhood = models.CharField(_("quartier"), max_length=120, blank=True)
    age_band = models.CharField(_("tranche d'âge"), max_length=8, blank=True, choices=AGE_BANDS)
    consent_to_publish = models.BooleanField(_("accord pour la publication"), default=False)
    status = models.CharField(_("modération"), max_length=20, choices=Status.choices, default=Status.PENDING)
    reason = models.CharField(_("motif"), max_length=20, choices=Reason.choices, blank=True)
    receipt_code = models.CharField(_("code de suivi"), max_length=12, unique=True, default=new_receipt_code)
    submission_key = models.UUIDField(null=True, blank=True, unique=True, editable=False)
    is_synthetic = models.BooleanField(_("texte fictif"), default=False)
    submitted_at = models.DateTimeField(_("reçu le"), auto_now_add=True, db_index=True)
    moderated_at = models.DateTimeField(_("modéré le"), null=True, blank=True)
    moderated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    objects = ExpressionQuerySet.as_manager()

    class Meta:
        verbose_name = _("expression d'habitant")
        verbose_name_plural = _("expressions d'habitants")
        ordering = ["-submitted_at", "-id"]
        indexes = [models.Index(fields=["territory", "status", "submitted_at"], name="diag_expression_queue")]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status="published") | Q(consent_to_publish=True),
                name="diag_expression_published_with_consent",
                violation_error_message=_("Un texte n'est publié qu'avec l'accord de son auteur."),
            )
        ]

    def __str__(self):
        # Not the text: the journal and the admin's lists name a text without quoting a resident.
        return str(_("Texte d'habitant n° %(id)s") % {"id": self.pk})

    def get_absolute_url(self):
        return reverse("expression:detail", args=[self.pk])

    @property
    def is_public(self) -> bool:
        return self.status == self.Status.PUBLISHED and self.consent_to_publish
