"""What a shared project shares outward: news for observers and the public, peer events with their
registrations, and lessons learned.

Who sees what is decided in one place per model, `visible_to(user)` on its QuerySet, built from the
user's reach (territoires.sharing.reach) so that a list is one query whatever the user's roles; the
rules in rules.py say the same thing for one object.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from territoires.accounts.models import Organisation
from territoires.core.models import TimeStampedModel
from territoires.projects.models import SharedProject, Theme
from territoires.sharing.reach import reach_of


class Status(models.TextChoices):
    DRAFT = "draft", _("Brouillon")
    PUBLISHED = "published", _("Publié")


# News ---------------------------------------------------------------------------------------------


def _visible_by_audience(queryset, user, *, field: str, public: str, observers: str):
    """Events and lessons: published ones aimed at everyone in a public project; published ones aimed
    at everyone or at observers in the projects the user observes; everything of the user's projects."""
    reach = reach_of(user)
    if reach.everything:
        return queryset
    visible = Q(status=Status.PUBLISHED, project__is_public=True, **{field: public})
    visible |= Q(status=Status.PUBLISHED, project_id__in=reach.observed, **{f"{field}__in": [public, observers]})
    visible |= Q(project_id__in=reach.member_of)
    return queryset.filter(visible)


class NewsPostQuerySet(models.QuerySet):
    def published(self):
        return self.filter(status=Status.PUBLISHED)

    def public(self):
        """What anyone may read, and what the Atom feeds carry."""
        return self.published().filter(audience=NewsPost.Audience.PUBLIC, project__is_public=True)

    def visible_to(self, user):
        reach = reach_of(user)
        if reach.everything:
            return self
        visible = Q(status=Status.PUBLISHED, audience=NewsPost.Audience.PUBLIC, project__is_public=True)
        visible |= Q(status=Status.PUBLISHED, project_id__in=reach.observed)
        # Members read every post of their project, drafts included: they write them together.
        visible |= Q(project_id__in=reach.member_of)
        return self.filter(visible)


class NewsPost(TimeStampedModel):
    """A "remontée d'information": a project tells its observers, or everyone, where it stands."""

    class Audience(models.TextChoices):
        OBSERVERS = "observers", _("Collectivités observatrices (et membres du projet)")
        PUBLIC = "public", _("Tout public")

    project = models.ForeignKey(
        SharedProject, verbose_name=_("projet partagé"), on_delete=models.CASCADE, related_name="news_posts"
    )
    title = models.CharField(_("titre"), max_length=200)
    summary = models.CharField(_("chapeau"), max_length=400, blank=True)
    body = models.TextField(_("texte"))
    audience = models.CharField(_("destinataires"), max_length=20, choices=Audience.choices)
    status = models.CharField(_("statut"), max_length=20, choices=Status.choices, default=Status.DRAFT)
    published_at = models.DateTimeField(_("publié le"), null=True, blank=True, db_index=True)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("auteur·rice"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("au nom de"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    objects = NewsPostQuerySet.as_manager()

    class Meta:
        verbose_name = _("actualité")
        verbose_name_plural = _("actualités")
        ordering = ["-published_at", "-created_at", "-id"]
        indexes = [models.Index(fields=["status", "audience", "-published_at"], name="news_public_idx")]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("sharing:news_detail", args=[self.project.slug, self.pk])

    @property
    def is_published(self) -> bool:
        return self.status == Status.PUBLISHED


# Peer events --------------------------------------------------------------------------------------


class PeerEventQuerySet(models.QuerySet):
    def published(self):
        return self.filter(status=Status.PUBLISHED)

    def public(self):
        return self.published().filter(audience=PeerEvent.Audience.PUBLIC, project__is_public=True)

    def upcoming(self):
        return self.filter(starts_at__gte=timezone.now())

    def past(self):
        return self.filter(starts_at__lt=timezone.now())

    def visible_to(self, user):
        return _visible_by_audience(
            self, user, field="audience", public=PeerEvent.Audience.PUBLIC, observers=PeerEvent.Audience.OBSERVERS
        )


class PeerEvent(TimeStampedModel):
    """A peer-exchange meeting or a practice-analysis session between the project's territories."""

    class Kind(models.TextChoices):
        PEER_EXCHANGE = "peer_exchange", _("Rencontre d'échange entre pairs")
        PRACTICE_ANALYSIS = "practice_analysis", _("Séance d'analyse de pratiques")

    class Audience(models.TextChoices):
        MEMBERS = "members", _("Membres du projet")
        OBSERVERS = "observers", _("Membres du projet et collectivités observatrices")
        PUBLIC = "public", _("Tout public (inscription avec un compte)")

    project = models.ForeignKey(
        SharedProject, verbose_name=_("projet partagé"), on_delete=models.CASCADE, related_name="peer_events"
    )
    kind = models.CharField(_("type de rencontre"), max_length=30, choices=Kind.choices)
    title = models.CharField(_("titre"), max_length=200)
    description = models.TextField(_("présentation"))
    starts_at = models.DateTimeField(_("début"), db_index=True)
    ends_at = models.DateTimeField(_("fin"), null=True, blank=True)
    place = models.CharField(_("lieu"), max_length=300, blank=True)
    video_url = models.URLField(_("lien de visioconférence"), max_length=500, blank=True)
    audience = models.CharField(_("public visé"), max_length=20, choices=Audience.choices)
    capacity = models.PositiveIntegerField(_("nombre de places"))
    status = models.CharField(_("statut"), max_length=20, choices=Status.choices, default=Status.DRAFT)
    published_at = models.DateTimeField(_("publié le"), null=True, blank=True)
    notes = models.TextField(_("compte rendu"), blank=True)
    resources = models.ManyToManyField(
        "library.Resource", verbose_name=_("ressources liées"), blank=True, related_name="peer_events"
    )
    organiser = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("organisé par"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    objects = PeerEventQuerySet.as_manager()

    class Meta:
        verbose_name = _("rencontre entre pairs")
        verbose_name_plural = _("rencontres entre pairs")
        ordering = ["-starts_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__isnull=True) | Q(ends_at__gte=models.F("starts_at")),
                name="peer_event_ends_after_it_starts",
                violation_error_message=_("La fin doit suivre le début."),
            ),
            models.CheckConstraint(
                condition=Q(capacity__gte=1),
                name="peer_event_has_a_seat",
                violation_error_message=_("Au moins une place."),
            ),
        ]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("sharing:event_detail", args=[self.project.slug, self.pk])

    @property
    def is_published(self) -> bool:
        return self.status == Status.PUBLISHED

    @property
    def is_past(self) -> bool:
        return self.starts_at < timezone.now()

    @property
    def seats_left(self) -> int:
        """Free seats, from the `confirmed_count` that list selectors annotate."""
        return max(self.capacity - getattr(self, "confirmed_count", 0), 0)


class Registration(models.Model):
    """A person's seat at a peer event, or their place on its waiting list (ordered by arrival)."""

    class Status(models.TextChoices):
        CONFIRMED = "confirmed", _("Inscrit·e")
        WAITING = "waiting", _("Sur liste d'attente")

    event = models.ForeignKey(PeerEvent, on_delete=models.CASCADE, related_name="registrations")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("personne"), on_delete=models.CASCADE, related_name="+"
    )
    status = models.CharField(_("statut"), max_length=20, choices=Status.choices)
    created_at = models.DateTimeField(_("inscrit·e le"), auto_now_add=True)
    promoted_at = models.DateTimeField(_("passé·e de la liste d'attente le"), null=True, blank=True)

    class Meta:
        verbose_name = _("inscription")
        verbose_name_plural = _("inscriptions")
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["event", "user"],
                name="one_registration_per_person",
                violation_error_message=_("Vous êtes déjà inscrit·e à cette rencontre."),
            )
        ]

    def __str__(self):
        return f"{self.user} — {self.event}"


# Lessons learned ----------------------------------------------------------------------------------


class LessonQuerySet(models.QuerySet):
    def published(self):
        return self.filter(status=Status.PUBLISHED)

    def visible_to(self, user):
        return _visible_by_audience(
            self,
            user,
            field="visibility",
            public=Lesson.Visibility.PUBLIC,
            observers=Lesson.Visibility.PROJECT_OBSERVERS,
        )


class Lesson(TimeStampedModel):
    """A "retour d'expérience": what a territory learned, written so that another one can reuse it."""

    class Visibility(models.TextChoices):
        PUBLIC = "public", _("Public")
        PROJECT = "project", _("Membres du projet")
        PROJECT_OBSERVERS = "project_observers", _("Membres du projet et collectivités observatrices")

    project = models.ForeignKey(
        SharedProject, verbose_name=_("projet partagé"), on_delete=models.CASCADE, related_name="lessons"
    )
    territory = models.ForeignKey(
        Organisation,
        verbose_name=_("territoire"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="lessons",
        help_text=_("La collectivité dont l'expérience est racontée (aucune : le projet dans son ensemble)."),
    )
    title = models.CharField(_("titre"), max_length=200)
    summary = models.CharField(_("en une phrase"), max_length=400)
    context = models.TextField(_("contexte"))
    what_worked = models.TextField(_("ce qui a marché"), blank=True)
    obstacles = models.TextField(_("difficultés rencontrées"), blank=True)
    solutions = models.TextField(_("solutions trouvées"), blank=True)
    open_questions = models.TextField(_("questions ouvertes"), blank=True)
    themes = models.ManyToManyField(Theme, verbose_name=_("thèmes"), blank=True, related_name="lessons")
    resources = models.ManyToManyField(
        "library.Resource", verbose_name=_("ressources liées"), blank=True, related_name="lessons"
    )
    visibility = models.CharField(_("visibilité"), max_length=20, choices=Visibility.choices)
    status = models.CharField(_("statut"), max_length=20, choices=Status.choices, default=Status.DRAFT)
    published_at = models.DateTimeField(_("publié le"), null=True, blank=True, db_index=True)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("auteur·rice"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    objects = LessonQuerySet.as_manager()

    SECTIONS = ("context", "what_worked", "obstacles", "solutions", "open_questions")

    class Meta:
        verbose_name = _("retour d'expérience")
        verbose_name_plural = _("retours d'expérience")
        ordering = ["-published_at", "-created_at", "-id"]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("sharing:lesson_detail", args=[self.project.slug, self.pk])

    @property
    def is_published(self) -> bool:
        return self.status == Status.PUBLISHED

    def sections(self) -> list[tuple[str, str]]:
        """(heading, Markdown text) of the filled sections, in reading order."""
        return [
            (self._meta.get_field(name).verbose_name, getattr(self, name))
            for name in self.SECTIONS
            if getattr(self, name).strip()
        ]
