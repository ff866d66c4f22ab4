from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from territoires.core.models import TimeStampedModel
from territoires.diagnostic import codes

DEFAULT_FAMILIES = [
    _("Institutions culturelles"),
    _("Associations"),
    _("Artistes et collectifs"),
    _("Acteurs sociaux et éducatifs"),
    _("Entreprises"),
    _("Collectifs d'habitants"),
    _("Services publics"),
]


class ActorFamily(models.Model):
    """A family of actors in a project's taxonomy; seeded on first use (services.families_for)."""

    project = models.ForeignKey("projects.SharedProject", on_delete=models.CASCADE, related_name="actor_families")
    name = models.CharField(_("nom"), max_length=120)
    position = models.PositiveSmallIntegerField(_("ordre"), default=0)

    class Meta:
        verbose_name = _("famille d'acteurs")
        verbose_name_plural = _("familles d'acteurs")
        ordering = ["project", "position", "name"]
        constraints = [models.UniqueConstraint(fields=["project", "name"], name="one_family_name_per_project")]

    def __str__(self):
        return self.name


class EntryQuerySet(models.QuerySet):
    def current(self):
        """Entries that were not merged into another one."""
        return self.filter(merged_into__isnull=True)

    def published(self):
        return self.current().filter(status=Entry.Status.PUBLISHED)


class Entry(TimeStampedModel):
    """An entry of a territory's directory: an actor, a place or an object of engagement.

    One table for the three kinds (see the app's docstring); the fields of a kind are blank on the
    others. `source` and `source_year` say where the entry's facts come from; a fact that came from
    elsewhere (a person's edit, another file) has its own line in `FieldSource`.
    """

    class Kind(models.TextChoices):
        ACTOR = "actor", _("Acteur")
        PLACE = "place", _("Lieu")
        ENGAGEMENT = "engagement", _("Objet d'engagement")

    class Status(models.TextChoices):
        DRAFT = "draft", _("Non publiée")
        PUBLISHED = "published", _("Publiée")

    kind = models.CharField(_("type de fiche"), max_length=20, choices=Kind.choices)
    territory = models.ForeignKey(
        "projects.Participation", verbose_name=_("territoire"), on_delete=models.CASCADE, related_name="entries"
    )
    # Copy of territory.project_id, kept by the services: the project's directory filters on it.
    project = models.ForeignKey(
        "projects.SharedProject", on_delete=models.CASCADE, related_name="directory_entries", editable=False
    )
    name = models.CharField(_("nom"), max_length=200)
    description = models.TextField(_("présentation"), blank=True)
    neighbourhood = models.CharField(_("quartier"), max_length=120, blank=True)
    address = models.CharField(_("adresse"), max_length=300, blank=True)
    latitude = models.DecimalField(_("latitude"), max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(_("longitude"), max_digits=9, decimal_places=6, null=True, blank=True)
    website = models.URLField(_("site internet"), max_length=300, blank=True)
    status = models.CharField(_("publication"), max_length=20, choices=Status.choices, default=Status.DRAFT)
    is_synthetic = models.BooleanField(
        _("fiche fictive"), default=False, help_text=_("Fiche inventée pour la démonstration.")
    )
    source = models.CharField(_("source"), max_length=200)
    source_year = models.PositiveSmallIntegerField(_("année de la source"))
    # An identifier in the source (Muséofile "M0841", a library code, a festival id): what a
    # re-import recognises.
    source_ref = models.CharField(_("identifiant dans la source"), max_length=60, blank=True)

    # Actors
    family = models.ForeignKey(
        ActorFamily,
        verbose_name=_("famille d'acteurs"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="entries",
    )
    legal_form = models.CharField(_("forme juridique"), max_length=20, choices=codes.LEGAL_FORMS, blank=True)
    missions = models.TextField(_("missions"), blank=True)
    audiences = models.TextField(_("publics touchés"), blank=True)
    siret = models.CharField(_("SIRET"), max_length=14, blank=True)
    rna = models.CharField(_("RNA"), max_length=10, blank=True)
    contact_name = models.CharField(_("personne à contacter"), max_length=120, blank=True)
    contact_email = models.EmailField(_("courriel du contact"), blank=True)
    contact_phone = models.CharField(_("téléphone du contact"), max_length=30, blank=True)

    # Places
    basilic_type = models.CharField(_("type de lieu (Basilic)"), max_length=30, choices=codes.BASILIC_TYPES, blank=True)
    bpe_code = models.CharField(_("code d'équipement INSEE (BPE)"), max_length=4, choices=codes.BPE_TYPEQU, blank=True)
    capacity = models.PositiveIntegerField(_("capacité (places)"), null=True, blank=True)
    accessibility = models.TextField(_("accessibilité"), blank=True)
    operator = models.ForeignKey(
        "self",
        verbose_name=_("géré par"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="operated_places",
        limit_choices_to={"kind": "actor"},
    )

    # Objects of engagement
    engagement_type = models.CharField(
        _("nature de l'objet"), max_length=20, choices=codes.ENGAGEMENT_TYPES, blank=True
    )
    starts_on = models.DateField(_("début"), null=True, blank=True)
    ends_on = models.DateField(_("fin"), null=True, blank=True)
    involved = models.ManyToManyField(
        "self", verbose_name=_("acteurs et lieux impliqués"), blank=True, symmetrical=False, related_name="engagements"
    )

    merged_into = models.ForeignKey(
        "self",
        verbose_name=_("fusionnée dans"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="merged_entries",
    )
    published_at = models.DateTimeField(_("publiée le"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    objects = EntryQuerySet.as_manager()

    class Meta:
        verbose_name = _("fiche de l'annuaire")
        verbose_name_plural = _("fiches de l'annuaire")
        ordering = ["name", "id"]
        indexes = [
            models.Index(fields=["project", "territory", "kind", "name"], name="diag_entry_listing"),
            models.Index(fields=["project", "status"], name="diag_entry_status"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(latitude__isnull=True, longitude__isnull=True)
                | Q(latitude__isnull=False, longitude__isnull=False),
                name="diag_entry_position_whole",
                violation_error_message=_("Indiquez la latitude et la longitude, ou aucune des deux."),
            ),
            models.CheckConstraint(
                condition=Q(ends_on__isnull=True) | Q(starts_on__isnull=True) | Q(ends_on__gte=models.F("starts_on")),
                name="diag_entry_dates_ordered",
                violation_error_message=_("La fin ne peut précéder le début."),
            ),
        ]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("diagnostic:entry_detail", args=[self.pk])

    @property
    def is_published(self) -> bool:
        return self.status == self.Status.PUBLISHED and self.merged_into_id is None

    @property
    def kind_class(self):
        from territoires.diagnostic.kinds import kind_of

        return kind_of(self.kind)


class FieldSource(models.Model):
    """Where one fact of an entry comes from when it is not the entry's own source: a person's edit,
    another file. One line per (entry, field); the latest writer wins."""

    entry = models.ForeignKey(Entry, on_delete=models.CASCADE, related_name="field_sources")
    field = models.CharField(_("champ"), max_length=40)
    source = models.CharField(_("source"), max_length=200)
    year = models.PositiveSmallIntegerField(_("année"))

    class Meta:
        verbose_name = _("source d'un champ")
        verbose_name_plural = _("sources des champs")
        constraints = [models.UniqueConstraint(fields=["entry", "field"], name="one_source_per_entry_field")]

    def __str__(self):
        return f"{self.entry} · {self.field}: {self.source} ({self.year})"


# The second slice of the diagnostic keeps its models in their own packages (see each __init__).
from territoires.diagnostic.coding.models import Code, Coding  # noqa: E402,F401
from territoires.diagnostic.expression.models import Expression, ExpressionPrompt  # noqa: E402,F401
from territoires.diagnostic.imports.models import DuplicateProposal, ImportJob, ImportLineError  # noqa: E402,F401
from territoires.diagnostic.interviews.models import (  # noqa: E402,F401
    GuideQuestion,
    GuideTheme,
    Interview,
    InterviewGuide,
    InterviewParticipant,
    Pseudonym,
    Transcript,
)
from territoires.diagnostic.network_models import Link, NetworkAnalysis  # noqa: E402,F401  (the network, see that module)
from territoires.diagnostic.observation.models import (  # noqa: E402,F401
    ObservationNote,
    ObservationPhoto,
    ObservationTag,
)
from territoires.diagnostic.qdpx.models import CodingExchange  # noqa: E402,F401
from territoires.diagnostic.synthesis.models import Evidence, Finding, Synthesis, SynthesisPdf  # noqa: E402,F401
