from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from territoires.core.models import TimeStampedModel
from territoires.core.storage import private_storage


def exchange_upload_to(exchange, filename):
    # The browser's file name is kept in `original_name`, never in the path.
    return f"diagnostic/qdpx/{exchange.project_id}/{exchange.kind}-{exchange.token}.{exchange.extension}"


class CodingExchange(TimeStampedModel):
    """One REFI-QDA export or import, run by a background task for the person who asked for it.

    An export holds the file it built (transcripts: personal data), downloaded by that person only
    while they still may; an import holds the uploaded file, the problems found (`errors`, nothing
    changed then) or what it created (`summary`). Files are private (core/storage.py)."""

    class Kind(models.TextChoices):
        EXPORT_QDPX = "export_qdpx", _("Export du projet REFI-QDA (.qdpx)")
        EXPORT_QDC = "export_qdc", _("Export de la grille de codage (.qdc)")
        IMPORT_QDPX = "import_qdpx", _("Import d'un projet REFI-QDA (.qdpx)")
        IMPORT_QDC = "import_qdc", _("Import d'une grille de codage (.qdc)")

    class Status(models.TextChoices):
        QUEUED = "queued", _("En attente")
        RUNNING = "running", _("En cours")
        DONE = "done", _("Terminé")
        FAILED = "failed", _("Échec")

    project = models.ForeignKey("projects.SharedProject", on_delete=models.CASCADE, related_name="coding_exchanges")
    # An export of one territory only, or the territory a project is imported into; blank: the whole project.
    territory = models.ForeignKey(
        "projects.Participation",
        verbose_name=_("territoire"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="coding_exchanges",
    )
    kind = models.CharField(_("type"), max_length=20, choices=Kind.choices)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    status = models.CharField(_("statut"), max_length=10, choices=Status.choices, default=Status.QUEUED)
    token = models.CharField(max_length=32, editable=False)
    file = models.FileField(
        _("fichier"), storage=private_storage, upload_to=exchange_upload_to, blank=True, max_length=255
    )
    original_name = models.CharField(_("nom du fichier reçu"), max_length=255, blank=True)
    errors = models.JSONField(_("problèmes"), default=list, blank=True)
    summary = models.JSONField(_("résultat"), default=dict, blank=True)
    finished_at = models.DateTimeField(_("terminé le"), null=True, blank=True)

    class Meta:
        verbose_name = _("échange REFI-QDA")
        verbose_name_plural = _("échanges REFI-QDA")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["project", "requested_by", "created_at"], name="diag_exchange_mine")]

    def __str__(self):
        return f"{self.get_kind_display()} — {self.get_status_display()}"

    @property
    def is_export(self) -> bool:
        return self.kind in (self.Kind.EXPORT_QDPX, self.Kind.EXPORT_QDC)

    @property
    def extension(self) -> str:
        return "qdc" if self.kind in (self.Kind.EXPORT_QDC, self.Kind.IMPORT_QDC) else "qdpx"

    @property
    def is_pending(self) -> bool:
        return self.status in (self.Status.QUEUED, self.Status.RUNNING)
