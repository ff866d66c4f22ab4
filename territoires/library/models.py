from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from territoires.core.models import TimeStampedModel
from territoires.projects.phases import PHASES


class ResourceQuerySet(models.QuerySet):
    def published(self):
        return self.filter(status=Resource.Status.PUBLISHED)

    def visible_to(self, user):
        """Published resources this user may read (platform admins: all). Drafts are never listed here."""
        from territoires.search.access import reach_of

        reach = reach_of(user)
        published = self.published()
        if reach.is_admin:
            return published
        visible = Q(visibility=Resource.Visibility.PUBLIC)
        if reach.is_authenticated:
            visible |= Q(visibility=Resource.Visibility.PROJECT, project_id__in=reach.member_project_ids)
            visible |= Q(visibility=Resource.Visibility.TERRITORY, team_organisation_id__in=reach.organisation_ids)
            visible |= Q(visibility=Resource.Visibility.TERRITORY, project_id__in=reach.crew_project_ids)
        return published.filter(visible)


class Resource(TimeStampedModel):
    """A method, tool, data set or document that an authority shares, with its files and licence.

    Its address (/ressources/<slug>/) is fixed at creation and never follows later title edits.
    """

    class Kind(models.TextChoices):
        METHOD = "method", _("Méthode")
        TOOL = "tool", _("Outil")
        DATASET = "dataset", _("Jeu de données")
        DOCUMENT = "document", _("Document")
        REPORT = "report", _("Rapport")
        TESTIMONY = "testimony", _("Témoignage")
        VIDEO = "video", _("Vidéo")
        WEB_LINK = "web_link", _("Lien web")

    class Licence(models.TextChoices):
        ETALAB_2 = "etalab-2.0", _("Licence Ouverte / Etalab 2.0")
        CC_BY_4 = "cc-by-4.0", _("CC BY 4.0")
        CC_BY_SA_4 = "cc-by-sa-4.0", _("CC BY-SA 4.0")
        ALL_RIGHTS_RESERVED = "all-rights-reserved", _("Tous droits réservés")

    class Visibility(models.TextChoices):
        PUBLIC = "public", _("Public : tout le monde")
        PROJECT = "project", _("Membres du projet")
        TERRITORY = "territory", _("Équipe du territoire")

    class Status(models.TextChoices):
        DRAFT = "draft", _("Brouillon")
        PUBLISHED = "published", _("Publiée")

    PHASE_CHOICES = [(phase.code, phase.label) for phase in PHASES]

    kind = models.CharField(_("nature"), max_length=20, choices=Kind.choices, default=Kind.DOCUMENT)
    title = models.CharField(_("titre"), max_length=200)
    slug = models.SlugField(_("identifiant d'URL"), max_length=220, unique=True)
    summary = models.CharField(_("résumé"), max_length=500)
    body = models.TextField(_("contenu"), blank=True)
    external_url = models.URLField(_("lien"), max_length=500, blank=True)
    licence = models.CharField(_("licence"), max_length=30, choices=Licence.choices, default=Licence.ETALAB_2)
    themes = models.ManyToManyField("projects.Theme", verbose_name=_("thèmes"), blank=True, related_name="resources")
    tags = models.CharField(_("mots-clés"), max_length=300, blank=True)
    project = models.ForeignKey(
        "projects.SharedProject",
        verbose_name=_("projet"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="resources",
    )
    territory = models.ForeignKey(
        "projects.Participation",
        verbose_name=_("territoire"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="resources",
    )
    phase = models.CharField(_("phase"), max_length=30, choices=PHASE_CHOICES, blank=True)
    visibility = models.CharField(_("visibilité"), max_length=20, choices=Visibility.choices, default=Visibility.PUBLIC)
    status = models.CharField(_("statut"), max_length=20, choices=Status.choices, default=Status.DRAFT)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("créée par"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="created_resources",
    )
    published_at = models.DateTimeField(_("publiée le"), null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("publiée par"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    # The authority (or agency, consultancy) on whose behalf it was published.
    publishing_organisation = models.ForeignKey(
        "accounts.Organisation",
        verbose_name=_("au nom de"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="published_resources",
    )
    # Copies kept by the services so that listing and facets filter on plain columns, without a join
    # to the territory nor a date function per row: the territory's authority, the publication year.
    team_organisation_id = models.PositiveBigIntegerField(null=True, blank=True, editable=False)
    published_year = models.PositiveSmallIntegerField(_("année de publication"), null=True, blank=True, editable=False)
    # Flushed from cache counters in batches (see counters.py): a page view writes nothing.
    view_count = models.PositiveIntegerField(_("consultations"), default=0)
    download_count = models.PositiveIntegerField(_("téléchargements"), default=0)

    objects = ResourceQuerySet.as_manager()

    class Meta:
        verbose_name = _("ressource")
        verbose_name_plural = _("ressources")
        ordering = ["-published_at", "-created_at"]
        indexes = [
            models.Index(fields=["status", "visibility", "-published_at"], name="library_res_listing"),
            # Covers the visibility filter, every facet but themes and the list order: counting and
            # grouping 20,000 resources reads this index only, never the rows and their long bodies.
            models.Index(
                fields=[
                    "status",
                    "visibility",
                    "project",
                    "team_organisation_id",
                    "kind",
                    "licence",
                    "published_year",
                    "published_at",
                ],
                name="library_res_covering",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~Q(visibility="project") | Q(project__isnull=False),
                name="resource_project_visibility_needs_project",
                violation_error_message=_("Une ressource réservée aux membres du projet doit être liée à un projet."),
            ),
            models.CheckConstraint(
                condition=~Q(visibility="territory") | Q(territory__isnull=False),
                name="resource_territory_visibility_needs_territory",
                violation_error_message=_(
                    "Une ressource réservée à l'équipe d'un territoire doit être liée à ce territoire."
                ),
            ),
        ]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("library:resource_detail", args=[self.slug])

    @property
    def is_published(self) -> bool:
        return self.status == self.Status.PUBLISHED

    @property
    def tag_list(self) -> list[str]:
        return [tag.strip() for tag in self.tags.split(",") if tag.strip()]

    @property
    def phase_label(self) -> str:
        return dict(self.PHASE_CHOICES).get(self.phase, "")


def attachment_path(attachment, filename):
    return f"ressources/{attachment.resource_id}/{filename}"


class Attachment(models.Model):
    """A file of a resource; its type was judged by its content when it was uploaded (validators.py)."""

    resource = models.ForeignKey(Resource, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(_("fichier"), upload_to=attachment_path, max_length=300)
    name = models.CharField(_("nom du fichier"), max_length=200)
    format_label = models.CharField(_("format"), max_length=40)
    content_type = models.CharField(_("type de contenu"), max_length=100)
    size = models.PositiveBigIntegerField(_("taille"))
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    uploaded_at = models.DateTimeField(_("déposé le"), auto_now_add=True)
    download_count = models.PositiveIntegerField(_("téléchargements"), default=0)

    class Meta:
        verbose_name = _("pièce jointe")
        verbose_name_plural = _("pièces jointes")
        ordering = ["resource", "uploaded_at", "id"]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("library:attachment_download", args=[self.resource.slug, self.pk])


class ResourceRevision(models.Model):
    """The text of a resource as it was saved, one row per edit: the edit history."""

    resource = models.ForeignKey(Resource, on_delete=models.CASCADE, related_name="revisions")
    number = models.PositiveIntegerField(_("version"))
    title = models.CharField(_("titre"), max_length=200)
    summary = models.CharField(_("résumé"), max_length=500)
    body = models.TextField(_("contenu"), blank=True)
    edited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("par"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    edited_at = models.DateTimeField(_("le"), auto_now_add=True)
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("version de ressource")
        verbose_name_plural = _("versions de ressources")
        ordering = ["resource", "-number"]
        constraints = [models.UniqueConstraint(fields=["resource", "number"], name="one_resource_revision_per_number")]

    def __str__(self):
        return f"{self.resource} (v{self.number})"
