"""Follows, in-app notifications and e-mail preferences.

A follow or a notification points at any object (a shared project, a theme, a thread, a news item…)
through a content type and an id, so this app depends on no domain app: the modules that own the
objects call `territoires.notifications.services`.
"""

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class Follow(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("personne"), on_delete=models.CASCADE, related_name="follows"
    )
    target_type = models.ForeignKey(ContentType, verbose_name=_("type d'objet"), on_delete=models.CASCADE)
    target_id = models.PositiveBigIntegerField(_("identifiant de l'objet"))
    created_at = models.DateTimeField(_("depuis le"), auto_now_add=True)

    class Meta:
        verbose_name = _("abonnement")
        verbose_name_plural = _("abonnements")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["user", "target_type", "target_id"], name="one_follow_per_target")
        ]
        indexes = [models.Index(fields=["target_type", "target_id"], name="follow_target_idx")]

    def __str__(self):
        return f"{self.user} → {self.target_type.name} #{self.target_id}"


class NotificationQuerySet(models.QuerySet):
    def unread(self):
        return self.filter(read_at__isnull=True)

    def pending_digest(self):
        """Unread, never e-mailed: what the next daily digest will carry."""
        return self.filter(read_at__isnull=True, emailed_at__isnull=True)


class Notification(models.Model):
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("destinataire"),
        on_delete=models.CASCADE,
        related_name="notifications",
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("auteur"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    # A short code saying what happened ("mention", "reply", "news", "moderation"…), for filtering.
    verb = models.CharField(_("nature"), max_length=40)
    text = models.CharField(_("texte"), max_length=500)
    url = models.CharField(_("lien"), max_length=500)
    target_type = models.ForeignKey(
        ContentType, verbose_name=_("type d'objet"), null=True, blank=True, on_delete=models.SET_NULL
    )
    target_id = models.PositiveBigIntegerField(_("identifiant de l'objet"), null=True, blank=True)
    # Mentions are e-mailed at once (when the recipient wants it); the rest waits for the digest.
    immediate = models.BooleanField(_("envoi immédiat"), default=False)
    created_at = models.DateTimeField(_("créée le"), auto_now_add=True, db_index=True)
    read_at = models.DateTimeField(_("lue le"), null=True, blank=True)
    emailed_at = models.DateTimeField(_("envoyée par courriel le"), null=True, blank=True)

    objects = NotificationQuerySet.as_manager()

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["recipient", "-created_at"], name="notification_inbox_idx"),
            models.Index(
                fields=["recipient"],
                condition=Q(read_at__isnull=True),
                name="notification_unread_idx",
            ),
        ]

    def __str__(self):
        return self.text

    @property
    def is_read(self) -> bool:
        return self.read_at is not None


class EmailPreference(models.Model):
    class Mode(models.TextChoices):
        DAILY = "daily", _("Un résumé quotidien, et les mentions tout de suite")
        DIGEST_ONLY = "digest_only", _("Un résumé quotidien, mentions comprises")
        MENTIONS_ONLY = "mentions_only", _("Seulement les mentions, tout de suite")
        NONE = "none", _("Aucun courriel")

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("personne"),
        on_delete=models.CASCADE,
        related_name="email_preference",
    )
    mode = models.CharField(_("courriels"), max_length=20, choices=Mode.choices, default=Mode.DAILY)
    updated_at = models.DateTimeField(_("modifiée le"), auto_now=True)

    class Meta:
        verbose_name = _("préférence de courriel")
        verbose_name_plural = _("préférences de courriel")

    def __str__(self):
        return f"{self.user} : {self.get_mode_display()}"

    DIGEST_MODES = (Mode.DAILY, Mode.DIGEST_ONLY)
    IMMEDIATE_MODES = (Mode.DAILY, Mode.MENTIONS_ONLY)
