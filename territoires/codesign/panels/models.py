"""Panels drawn by lot: a panel of the territory's co-design plan, its volunteer pool, its quotas,
its draws (the first one and the replacements) with what anyone needs to replay them.

Personal data: a volunteer's name, e-mail and phone are seen by the panel's facilitators (the
project's ANCT facilitators) and the territory's referent only (rules.py), never published; the
published record holds counts and probabilities per category, never a person.
"""

import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from territoires.core.models import TimeStampedModel

AGE_BANDS = [
    ("15-24", _("15 à 24 ans")),
    ("25-34", _("25 à 34 ans")),
    ("35-49", _("35 à 49 ans")),
    ("50-64", _("50 à 64 ans")),
    ("65-79", _("65 à 79 ans")),
    ("80+", _("80 ans ou plus")),
]
SEXES = [("f", _("Femme")), ("m", _("Homme")), ("x", _("Autre ou ne souhaite pas répondre"))]
NON_AUDIENCE = [("oui", _("Aucun lieu culturel en 12 mois")), ("non", _("Au moins un lieu culturel en 12 mois"))]
FEATURES = ("age_band", "sex", "neighbourhood", "non_audience")


def new_token() -> str:
    return secrets.token_urlsafe(12)


class Panel(TimeStampedModel):
    """A consensus conference or a citizens' convention of the territory's co-design plan."""

    class Kind(models.TextChoices):
        CONSENSUS = "consensus", _("Conférence de consensus")
        CONVENTION = "convention", _("Convention citoyenne")

    class Status(models.TextChoices):
        DRAFT = "draft", _("En préparation")
        RECRUITING = "recruiting", _("Appel à volontaires ouvert")
        CLOSED = "closed", _("Appel à volontaires clos")
        DRAWN = "drawn", _("Panel tiré au sort")

    class Algorithm(models.TextChoices):
        MAXIMIN = "maximin", _("Maximin (probabilité minimale la plus haute)")
        NASH = "nash", _("Nash (produit des probabilités le plus haut)")
        LEGACY = "legacy", _("Historique (tirage stratifié glouton, rapide pour les grands viviers)")

    plan = models.ForeignKey("codesign.CodesignPlan", on_delete=models.CASCADE, related_name="panels")
    title = models.CharField(_("titre"), max_length=200)
    kind = models.CharField(_("forme"), max_length=20, choices=Kind.choices)
    purpose = models.TextField(_("question posée au panel"))
    size = models.PositiveSmallIntegerField(_("nombre de membres"), default=30)
    status = models.CharField(_("état"), max_length=20, choices=Status.choices, default=Status.DRAFT)
    algorithm = models.CharField(_("algorithme"), max_length=20, choices=Algorithm.choices, default=Algorithm.MAXIMIN)
    # [{"code": "centre", "label": "Centre-ville"}]: the strata of the neighbourhood question.
    neighbourhoods = models.JSONField(_("quartiers"), default=list, blank=True)
    # {feature: {value: [min, max]}}; empty until derived from the census margins or set by hand.
    quotas = models.JSONField(_("quotas"), default=dict, blank=True)
    quotas_source = models.CharField(_("origine des quotas"), max_length=300, blank=True)
    public_token = models.CharField(max_length=24, unique=True, default=new_token, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("panel tiré au sort")
        verbose_name_plural = _("panels tirés au sort")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(size__gte=2) & Q(size__lte=500),
                name="panel_size_between_2_and_500",
                violation_error_message=_("Un panel compte de 2 à 500 membres."),
            )
        ]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("codesign:panel_detail", args=[self.pk])

    def get_public_url(self):
        return reverse("codesign:panel_volunteer", args=[self.public_token])

    def get_record_url(self):
        return reverse("codesign:panel_record", args=[self.pk])

    @property
    def is_recruiting(self) -> bool:
        return self.status == self.Status.RECRUITING

    def neighbourhood_choices(self) -> list[tuple[str, str]]:
        return [(item["code"], item["label"]) for item in self.neighbourhoods if item.get("code")]

    def feature_values(self) -> dict[str, list[tuple[str, str]]]:
        return {
            "age_band": [(code, str(label)) for code, label in AGE_BANDS],
            "sex": [(code, str(label)) for code, label in SEXES],
            "neighbourhood": self.neighbourhood_choices(),
            "non_audience": [(code, str(label)) for code, label in NON_AUDIENCE],
        }


class VolunteerQuerySet(models.QuerySet):
    def in_pool(self):
        return self.filter(withdrawn_at__isnull=True)


class Volunteer(models.Model):
    """A resident who volunteers to be drawn; no account needed."""

    class Source(models.TextChoices):
        FORM = "form", _("Formulaire en ligne")
        IMPORT = "import", _("Import d'un fichier")

    panel = models.ForeignKey(Panel, on_delete=models.CASCADE, related_name="volunteers")
    name = models.CharField(_("nom et prénom"), max_length=150)
    email = models.EmailField(_("adresse électronique"), blank=True)
    phone = models.CharField(_("téléphone"), max_length=30, blank=True)
    # Lower-cased e-mail or digits of the phone: "volunteers twice" whatever the typing.
    contact_key = models.CharField(max_length=254, editable=False)
    age_band = models.CharField(_("tranche d'âge"), max_length=8, choices=AGE_BANDS)
    sex = models.CharField(_("sexe"), max_length=1, choices=SEXES)
    neighbourhood = models.CharField(_("quartier"), max_length=60, blank=True)
    non_audience = models.CharField(_("lieux culturels fréquentés"), max_length=3, choices=NON_AUDIENCE)
    consent = models.BooleanField(_("consentement"), default=False)
    source = models.CharField(_("origine"), max_length=10, choices=Source.choices, default=Source.FORM)
    synthetic = models.BooleanField(_("donnée fictive (démonstration)"), default=False)
    receipt_code = models.CharField(max_length=12, unique=True, null=True, blank=True, editable=False)
    submission_key = models.CharField(max_length=64, unique=True, null=True, blank=True, editable=False)
    created_at = models.DateTimeField(_("inscrit·e le"), auto_now_add=True)
    withdrawn_at = models.DateTimeField(_("désisté·e le"), null=True, blank=True)
    # Set when the e-mail "vous avez été tiré·e au sort" left: a task run twice sends it once.
    drawn_notified_at = models.DateTimeField(_("prévenu·e du tirage le"), null=True, blank=True, editable=False)

    objects = VolunteerQuerySet.as_manager()

    class Meta:
        verbose_name = _("volontaire")
        verbose_name_plural = _("volontaires")
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(
                fields=["panel", "contact_key"],
                name="one_volunteer_per_contact_per_panel",
                violation_error_message=_("Ce contact est déjà inscrit au vivier de ce panel."),
            )
        ]

    def __str__(self):
        return self.name

    def categories(self) -> dict[str, str]:
        return {feature: getattr(self, feature) for feature in FEATURES}


class Draw(models.Model):
    """One run of the algorithm: the panel's first draw, or the replacement of a member who
    withdrew. It keeps the pool as drawn from (ids and categories), the quotas and the seed, so
    that anyone can replay it and get the same people."""

    class Kind(models.TextChoices):
        PANEL = "panel", _("Tirage du panel")
        REPLACEMENT = "replacement", _("Remplacement")

    class Status(models.TextChoices):
        QUEUED = "queued", _("En attente")
        RUNNING = "running", _("En cours")
        DONE = "done", _("Effectué")
        FAILED = "failed", _("Échec")

    panel = models.ForeignKey(Panel, on_delete=models.CASCADE, related_name="draws")
    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.PANEL)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.QUEUED)
    algorithm = models.CharField(max_length=20, choices=Panel.Algorithm.choices)
    seed = models.BigIntegerField(_("graine"))
    seats = models.PositiveSmallIntegerField(_("places tirées"))
    quotas = models.JSONField(default=dict)
    # [[volunteer id, age band, sex, neighbourhood, non-audience], …] sorted by id.
    pool = models.JSONField(default=list)
    selected = models.JSONField(default=list)  # volunteer ids
    probabilities = models.JSONField(default=dict)
    probabilities_exact = models.BooleanField(default=True)
    pool_counts = models.JSONField(default=dict)
    selected_counts = models.JSONField(default=dict)
    replaces = models.ForeignKey(
        Volunteer, null=True, blank=True, on_delete=models.SET_NULL, related_name="replaced_by_draws"
    )
    error = models.TextField(blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    requested_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    duration_seconds = models.FloatField(null=True, blank=True)

    class Meta:
        verbose_name = _("tirage au sort")
        verbose_name_plural = _("tirages au sort")
        ordering = ["requested_at", "id"]

    def __str__(self):
        return f"{self.panel} — {self.get_kind_display()} ({self.seed})"
