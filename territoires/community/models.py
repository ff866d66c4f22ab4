"""Discussions: an open space by theme (public) and a private space per shared project.

A thread belongs to exactly one space: a theme (open to every registered user) or a shared project
(its members; observers as the project's facilitator allows). Its messages are numbered from 1 (the
opening message) so that a long thread is paginated by position ranges, never by large offsets.
"""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from territoires.core.models import TimeStampedModel
from territoires.projects.models import SharedProject, Theme

TITLE_MAX = 200
BODY_MAX = 20_000
REASON_MAX = 1_000
MESSAGES_PER_PAGE = 50


class ProjectSpace(models.Model):
    """A project's discussion settings; a project without a row uses the defaults."""

    class ObserverAccess(models.TextChoices):
        NONE = "none", _("Rien : l'espace est réservé aux membres du projet")
        SHARED = "shared", _("En lecture seule, les discussions marquées « partagées avec les observateurs »")
        ALL = "all", _("En lecture seule, toutes les discussions")

    project = models.OneToOneField(SharedProject, on_delete=models.CASCADE, related_name="discussion_space")
    observer_access = models.CharField(
        _("ce que voient les collectivités observatrices"),
        max_length=10,
        choices=ObserverAccess.choices,
        default=ObserverAccess.NONE,
    )
    updated_at = models.DateTimeField(_("modifié le"), auto_now=True)

    class Meta:
        verbose_name = _("espace de discussion d'un projet")
        verbose_name_plural = _("espaces de discussion des projets")

    def __str__(self):
        return str(self.project)


class ThreadQuerySet(models.QuerySet):
    def in_theme(self, theme):
        return self.filter(theme=theme, project__isnull=True)

    def in_project(self, project):
        return self.filter(project=project)

    def public(self):
        return self.filter(project__isnull=True)


class Thread(TimeStampedModel):
    title = models.CharField(_("titre"), max_length=TITLE_MAX)
    # Exactly one space: a theme's open space (project empty) or a project's space.
    theme = models.ForeignKey(
        Theme, verbose_name=_("thème"), null=True, blank=True, on_delete=models.PROTECT, related_name="threads"
    )
    project = models.ForeignKey(
        SharedProject,
        verbose_name=_("projet"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="threads",
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("auteur"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    shared_with_observers = models.BooleanField(
        _("partagée avec les observateurs"),
        default=False,
        help_text=_("Les collectivités observatrices peuvent la lire si le projet le permet."),
    )
    # Kept up to date by the services, so that lists show counts without aggregating messages.
    message_count = models.PositiveIntegerField(_("messages"), default=0)
    last_message_at = models.DateTimeField(_("dernier message le"), null=True, blank=True, db_index=True)

    objects = ThreadQuerySet.as_manager()

    class Meta:
        verbose_name = _("discussion")
        verbose_name_plural = _("discussions")
        ordering = ["-last_message_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(project__isnull=False) | Q(theme__isnull=False), name="thread_belongs_to_a_space"
            )
        ]
        indexes = [
            models.Index(fields=["project", "-last_message_at"], name="thread_project_recent_idx"),
            models.Index(fields=["theme", "-last_message_at"], name="thread_theme_recent_idx"),
        ]

    def __str__(self):
        return self.title

    @property
    def is_public(self) -> bool:
        return self.project_id is None

    @property
    def reply_count(self) -> int:
        return max(self.message_count - 1, 0)

    def get_absolute_url(self):
        if self.project_id:
            return reverse("community:project_thread", args=[self.project.slug, self.pk])
        return reverse("community:thread", args=[self.pk])

    def page_url(self, position: int) -> str:
        """The URL of the page that shows message number `position`, with its anchor."""
        page = (position - 1) // MESSAGES_PER_PAGE + 1
        query = f"?page={page}" if page > 1 else ""
        return f"{self.get_absolute_url()}{query}#message-{position}"


class Message(models.Model):
    thread = models.ForeignKey(Thread, on_delete=models.CASCADE, related_name="messages")
    # 1 for the opening message, then 2, 3… in order of posting: pages are position ranges.
    position = models.PositiveIntegerField(_("numéro"))
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("auteur"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    body = models.TextField(_("message"), max_length=BODY_MAX)
    # The body rendered once, when written (Markdown sanitised by nh3): a page of 50 messages must
    # not run Markdown 50 times per view.
    body_html = models.TextField(editable=False, default="")
    quoted = models.ForeignKey(
        "self", verbose_name=_("message cité"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("publié le"), auto_now_add=True)
    edited_at = models.DateTimeField(_("modifié le"), null=True, blank=True)
    hidden_at = models.DateTimeField(_("masqué le"), null=True, blank=True)
    hidden_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("masqué par"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    hidden_reason = models.CharField(_("motif de masquage"), max_length=REASON_MAX, blank=True)

    class Meta:
        verbose_name = _("message")
        verbose_name_plural = _("messages")
        ordering = ["thread", "position"]
        constraints = [models.UniqueConstraint(fields=["thread", "position"], name="one_message_per_position")]

    def __str__(self):
        return f"{self.thread} — n° {self.position}"

    def get_absolute_url(self):
        return self.thread.page_url(self.position)

    @property
    def is_hidden(self) -> bool:
        return self.hidden_at is not None


class MessageRevision(models.Model):
    """A message's previous text, kept at each edit (seen by its author and the moderators)."""

    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="revisions")
    body = models.TextField(_("texte précédent"))
    replaced_at = models.DateTimeField(_("remplacé le"), auto_now_add=True)
    edited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("version précédente d'un message")
        verbose_name_plural = _("versions précédentes des messages")
        ordering = ["message", "-replaced_at", "-id"]

    def __str__(self):
        return f"{self.message} ({self.replaced_at:%Y-%m-%d %H:%M})"


EXTENSIONS = {"application/pdf": "pdf", "image/png": "png", "image/jpeg": "jpg", "image/gif": "gif"}


def attachment_upload_to(attachment, filename):
    return f"discussions/{attachment.message.thread_id}/{uuid.uuid4().hex}.{attachment.extension}"


class Attachment(models.Model):
    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(_("fichier"), upload_to=attachment_upload_to, max_length=255)
    original_name = models.CharField(_("nom du fichier"), max_length=200)
    # Judged from the file's content when it was uploaded, never from its name.
    content_type = models.CharField(_("type"), max_length=50)
    size = models.PositiveIntegerField(_("taille"))

    class Meta:
        verbose_name = _("pièce jointe")
        verbose_name_plural = _("pièces jointes")
        ordering = ["message", "id"]

    def __str__(self):
        return self.original_name

    def get_absolute_url(self):
        return reverse("community:attachment", args=[self.pk])

    @property
    def extension(self) -> str:
        """The extension of the type judged from the content, never the one the file was sent with."""
        return EXTENSIONS.get(self.content_type, "bin")

    @property
    def is_image(self) -> bool:
        return self.content_type.startswith("image/")


class Mention(models.Model):
    """Someone named in a message with @; kept so that an edit notifies only the newly named."""

    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="mentions")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")

    class Meta:
        verbose_name = _("mention")
        verbose_name_plural = _("mentions")
        constraints = [models.UniqueConstraint(fields=["message", "user"], name="one_mention_per_message_and_user")]

    def __str__(self):
        return f"@{self.user} — {self.message}"


class Report(models.Model):
    """A reader flags a message to the moderators."""

    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="reports")
    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("signalé par"), on_delete=models.CASCADE, related_name="+"
    )
    reason = models.CharField(_("motif"), max_length=REASON_MAX)
    created_at = models.DateTimeField(_("signalé le"), auto_now_add=True)
    resolved_at = models.DateTimeField(_("traité le"), null=True, blank=True)

    class Meta:
        verbose_name = _("signalement")
        verbose_name_plural = _("signalements")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["message", "reporter"], name="one_report_per_message_and_reporter")
        ]

    def __str__(self):
        return f"{self.message} — {self.reporter}"
