"""An import of a file into a territory's directory, its per-line problems, and the duplicates it
proposes for review (imported by territoires/diagnostic/models.py so that Django sees them)."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from territoires.core.models import TimeStampedModel
from territoires.core.storage import private_storage


class ImportJob(TimeStampedModel):
    """One uploaded file: its reading (encoding, delimiter), its column mapping, then its run."""

    class Status(models.TextChoices):
        UPLOADED = "uploaded", _("À vérifier")
        QUEUED = "queued", _("En attente")
        RUNNING = "running", _("En cours")
        DONE = "done", _("Terminé")
        FAILED = "failed", _("Échec")

    class Target(models.TextChoices):
        DIRECTORY = "directory", _("Annuaire du territoire")
        POPULATION = "population", _("Population par âge et sexe (INSEE)")

    project = models.ForeignKey("projects.SharedProject", on_delete=models.CASCADE, related_name="directory_imports")
    territory = models.ForeignKey(
        "projects.Participation", verbose_name=_("territoire"), on_delete=models.CASCADE, related_name="imports"
    )
    target = models.CharField(_("contenu"), max_length=12, choices=Target.choices, default=Target.DIRECTORY)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    # Kept while the import is prepared; deleted once it has run (the report is in ImportLineError).
    file = models.FileField(_("fichier"), upload_to="diagnostic/imports/", storage=private_storage, blank=True)
    filename = models.CharField(_("nom du fichier"), max_length=200)
    file_format = models.CharField(_("format"), max_length=8)  # csv, xlsx, geojson
    sha256 = models.CharField(max_length=64)
    encoding = models.CharField(_("encodage"), max_length=20, blank=True)
    delimiter = models.CharField(_("séparateur"), max_length=1, blank=True)
    columns = models.JSONField(_("colonnes du fichier"), default=list)
    row_count = models.PositiveIntegerField(_("lignes"), default=0)
    preset = models.CharField(_("modèle de colonnes"), max_length=30, blank=True)
    mapping = models.JSONField(_("correspondance des colonnes"), default=dict, blank=True)
    kind = models.CharField(_("type de fiche"), max_length=20, blank=True)
    source = models.CharField(_("source"), max_length=200, blank=True)
    source_year = models.PositiveSmallIntegerField(_("année de la source"), null=True, blank=True)
    status = models.CharField(_("statut"), max_length=10, choices=Status.choices, default=Status.UPLOADED)
    progress = models.PositiveSmallIntegerField(_("avancement (%)"), default=0)
    created_count = models.PositiveIntegerField(_("fiches créées"), default=0)
    updated_count = models.PositiveIntegerField(_("fiches mises à jour"), default=0)
    unchanged_count = models.PositiveIntegerField(_("fiches inchangées"), default=0)
    skipped_count = models.PositiveIntegerField(_("lignes hors territoire"), default=0)
    error_count = models.PositiveIntegerField(_("lignes refusées"), default=0)
    duplicate_count = models.PositiveIntegerField(_("doublons proposés"), default=0)
    error = models.TextField(_("erreur"), blank=True)
    finished_at = models.DateTimeField(_("terminé le"), null=True, blank=True)

    class Meta:
        verbose_name = _("import de fichier")
        verbose_name_plural = _("imports de fichiers")
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return f"{self.filename} ({self.territory})"

    @property
    def stalled(self) -> bool:
        """Queued or running and silent for 30 minutes: the worker probably died (nothing was written:
        the run writes in one transaction at its end)."""
        import datetime

        from django.utils import timezone

        return self.status in (self.Status.QUEUED, self.Status.RUNNING) and (
            self.updated_at < timezone.now() - datetime.timedelta(minutes=30)
        )

    @property
    def in_progress(self) -> bool:
        return self.status in (self.Status.QUEUED, self.Status.RUNNING) and not self.stalled


class ImportLineError(models.Model):
    """A line of the file that was not imported, and why (the downloadable report)."""

    job = models.ForeignKey(ImportJob, on_delete=models.CASCADE, related_name="line_errors")
    line = models.PositiveIntegerField(_("ligne"))
    name = models.CharField(_("nom"), max_length=200, blank=True)
    message = models.TextField(_("problème"))

    class Meta:
        verbose_name = _("ligne refusée")
        verbose_name_plural = _("lignes refusées")
        ordering = ["job", "line", "id"]

    def __str__(self):
        return f"{self.job_id} · {self.line}: {self.message[:60]}"


class DuplicateProposal(TimeStampedModel):
    """Two entries of a territory that look like the same actor or place: never merged silently,
    a person merges them (with the directory's merge service) or says they differ."""

    class Reason(models.TextChoices):
        OFFICIAL_ID = "official_id", _("Même identifiant officiel")
        SIMILAR = "similar", _("Nom et adresse proches")

    class Status(models.TextChoices):
        OPEN = "open", _("À examiner")
        MERGED = "merged", _("Fusionnées")
        DISMISSED = "dismissed", _("Distinctes")

    job = models.ForeignKey(ImportJob, on_delete=models.CASCADE, related_name="duplicates", null=True, blank=True)
    territory = models.ForeignKey("projects.Participation", on_delete=models.CASCADE, related_name="+")
    existing = models.ForeignKey("diagnostic.Entry", on_delete=models.CASCADE, related_name="+")
    imported = models.ForeignKey("diagnostic.Entry", on_delete=models.CASCADE, related_name="+")
    reason = models.CharField(_("raison"), max_length=12, choices=Reason.choices)
    score = models.PositiveSmallIntegerField(_("ressemblance (%)"), default=100)
    status = models.CharField(_("statut"), max_length=10, choices=Status.choices, default=Status.OPEN)
    resolved_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("doublon proposé")
        verbose_name_plural = _("doublons proposés")
        ordering = ["-score", "id"]
        constraints = [
            models.UniqueConstraint(fields=["existing", "imported"], name="one_proposal_per_entry_pair"),
        ]

    def __str__(self):
        return f"{self.imported_id} ~ {self.existing_id} ({self.score})"
