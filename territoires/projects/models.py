import datetime

from django.conf import settings
from django.db import models
from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from territoires.accounts.access import is_platform_admin, memberships_of
from territoires.accounts.models import Organisation, unique_slug
from territoires.core.dates import add_calendar_months
from territoires.core.models import TimeStampedModel
from territoires.projects.deliberations import DeliberationRecord
from territoires.projects.phases import STEP_CHOICES, progress_percent, progress_timeline

MIN_PARTICIPANTS = 3
MAX_PARTICIPANTS = 5
WITHDRAWAL_NOTICE_MONTHS = 3


class ThemeQuerySet(models.QuerySet):
    def with_interest_count(self):
        return self.annotate(interest_count=Count("interests", distinct=True))

    def by_popularity(self):
        return self.with_interest_count().order_by("-interest_count", "-created_at")


class Theme(TimeStampedModel):
    class Status(models.TextChoices):
        PROPOSED = "proposed", _("Proposé")
        PROJECT = "project", _("Devenu projet partagé")
        ARCHIVED = "archived", _("Archivé")

    title = models.CharField(_("intitulé"), max_length=200)
    slug = models.SlugField(max_length=220, unique=True)
    description = models.TextField(_("description"))
    proposed_by_organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("proposé par"),
        on_delete=models.PROTECT,
        related_name="proposed_themes",
    )
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    status = models.CharField(_("statut"), max_length=20, choices=Status.choices, default=Status.PROPOSED)

    objects = ThemeQuerySet.as_manager()

    class Meta:
        verbose_name = _("thème")
        verbose_name_plural = _("thèmes")
        ordering = ["-created_at"]

    def __str__(self):
        return self.title

    def save(self, *args, **kwargs):
        if not self.slug:
            self.slug = unique_slug(Theme, self.title)
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return reverse("projects:theme_detail", args=[self.slug])


class ThemeInterest(models.Model):
    """One organisation's vote of interest for a theme (one per organisation, withdrawable)."""

    theme = models.ForeignKey(Theme, on_delete=models.CASCADE, related_name="interests")
    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="theme_interests")
    expressed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("marque d'intérêt")
        verbose_name_plural = _("marques d'intérêt")
        constraints = [models.UniqueConstraint(fields=["theme", "organisation"], name="one_interest_per_organisation")]

    def __str__(self):
        return f"{self.organisation} → {self.theme}"


class SharedProjectQuerySet(models.QuerySet):
    def public(self):
        return self.filter(is_public=True)

    def visible_to(self, user):
        if is_platform_admin(user):
            return self
        if not user.is_authenticated:
            return self.public()
        org_ids = list(memberships_of(user))
        # Same reach as the projects.view_project rule: participants and accepted observers only
        # (a pending or refused observation request opens nothing).
        return self.filter(
            Q(is_public=True)
            | Q(facilitator_organisation_id__in=org_ids)
            | Q(consultancy_id__in=org_ids)
            | Q(participations__organisation_id__in=org_ids, participations__role=Participation.Role.PARTICIPANT)
            | Q(
                participations__organisation_id__in=org_ids,
                participations__role=Participation.Role.OBSERVER,
                participations__observer_status=Participation.ObserverStatus.ACCEPTED,
            )
        ).distinct()


class SharedProject(TimeStampedModel):
    class Status(models.TextChoices):
        DRAFT = "draft", _("En préparation")
        LAUNCHED = "launched", _("En cours")
        CLOSED = "closed", _("Terminé")

    title = models.CharField(_("titre"), max_length=250)
    slug = models.SlugField(max_length=220, unique=True)
    theme = models.ForeignKey(
        Theme, verbose_name=_("thème"), null=True, blank=True, on_delete=models.SET_NULL, related_name="projects"
    )
    summary = models.CharField(_("résumé"), max_length=400, blank=True)
    description = models.TextField(_("description"), blank=True)
    starts_on = models.DateField(_("début"), null=True, blank=True)
    ends_on = models.DateField(_("fin"), null=True, blank=True)
    facilitator_organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("organisation animatrice"),
        on_delete=models.PROTECT,
        related_name="facilitated_projects",
    )
    consultancy = models.ForeignKey(
        Organisation,
        verbose_name=_("prestataire"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="consulted_projects",
    )
    status = models.CharField(_("statut"), max_length=20, choices=Status.choices, default=Status.DRAFT)
    launched_at = models.DateTimeField(_("lancé le"), null=True, blank=True)
    is_public = models.BooleanField(
        _("publié"), default=False, help_text=_("Un projet publié est visible par tous les visiteurs.")
    )

    objects = SharedProjectQuerySet.as_manager()

    class Meta:
        verbose_name = _("projet partagé")
        verbose_name_plural = _("projets partagés")
        ordering = ["-starts_on", "-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__isnull=True) | Q(starts_on__isnull=True) | Q(ends_on__gte=models.F("starts_on")),
                name="project_ends_after_it_starts",
                violation_error_message=_("La date de fin doit suivre la date de début."),
            )
        ]

    def __str__(self):
        return self.title

    def save(self, *args, **kwargs):
        if not self.slug:
            self.slug = unique_slug(SharedProject, self.title)
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return reverse("projects:project_detail", args=[self.slug])

    def clean(self):
        from django.core.exceptions import ValidationError

        if self.starts_on and self.ends_on and self.ends_on < self.starts_on:
            raise ValidationError({"ends_on": _("La date de fin doit suivre la date de début.")})


class ParticipationQuerySet(models.QuerySet):
    def participants(self):
        return self.filter(role=Participation.Role.PARTICIPANT)

    def active_participants(self):
        """Participants that count for the project: not withdrawn (notified withdrawals still count)."""
        today = timezone.localdate()
        return self.participants().exclude(withdrawal__effective_on__lte=today)


class Participation(TimeStampedModel):
    """An organisation's place in a shared project: participant (a territory) or observer."""

    class Role(models.TextChoices):
        PARTICIPANT = "participant", _("Collectivité participante")
        OBSERVER = "observer", _("Collectivité observatrice")

    class ObserverStatus(models.TextChoices):
        REQUESTED = "requested", _("Demande en attente")
        ACCEPTED = "accepted", _("Acceptée")
        REFUSED = "refused", _("Refusée")

    project = models.ForeignKey(SharedProject, on_delete=models.CASCADE, related_name="participations")
    organisation = models.ForeignKey(
        Organisation, verbose_name=_("collectivité"), on_delete=models.PROTECT, related_name="participations"
    )
    role = models.CharField(_("rôle"), max_length=20, choices=Role.choices)
    observer_status = models.CharField(
        _("statut de la demande d'observation"), max_length=20, choices=ObserverStatus.choices, blank=True
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # The territory sheet: context of this authority for this project, edited by its referent.
    referent = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("référent·e"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="referent_of",
    )
    context = models.TextField(_("contexte du territoire"), blank=True)
    cultural_landscape = models.TextField(_("paysage culturel"), blank=True)
    points_of_attention = models.TextField(_("points d'attention"), blank=True)

    objects = ParticipationQuerySet.as_manager()

    class Meta:
        verbose_name = _("participation")
        verbose_name_plural = _("participations")
        ordering = ["organisation__name"]
        constraints = [
            models.UniqueConstraint(
                fields=["project", "organisation"],
                name="one_participation_per_organisation",
                violation_error_message=_("Cette collectivité est déjà associée au projet."),
            )
        ]

    def __str__(self):
        return f"{self.organisation} — {self.project}"

    def get_absolute_url(self):
        return reverse("projects:territory_detail", args=[self.project.slug, self.organisation.slug])

    @property
    def is_participant(self):
        return self.role == self.Role.PARTICIPANT

    # Progress: computed from prefetched step completions so a list page stays at a fixed query count.
    @property
    def done_step_codes(self) -> list[str]:
        return [completion.step for completion in self.step_completions.all()]

    @property
    def progress_percent(self) -> int:
        return progress_percent(self.done_step_codes)

    @property
    def timeline(self):
        return progress_timeline(self.done_step_codes)

    @property
    def current_phase(self):
        """The first phase not completed yet (None once every phase is done)."""
        return next((progress.phase for progress in self.timeline if progress.state != "done"), None)

    @property
    def current_withdrawal(self):
        try:
            return self.withdrawal
        except Withdrawal.DoesNotExist:
            return None

    STATE_LABELS = {
        "active": _("Active"),
        "withdrawal_notified": _("Retrait notifié"),
        "withdrawn": _("Retirée"),
    }

    @property
    def participation_state_label(self) -> str:
        return self.STATE_LABELS[self.participation_state]

    @property
    def participation_state(self) -> str:
        withdrawal = self.current_withdrawal
        if withdrawal is None:
            return "active"
        return "withdrawn" if withdrawal.is_effective() else "withdrawal_notified"


class StepCompletion(models.Model):
    participation = models.ForeignKey(Participation, on_delete=models.CASCADE, related_name="step_completions")
    step = models.CharField(_("étape"), max_length=40, choices=STEP_CHOICES)
    completed_at = models.DateTimeField(_("faite le"), auto_now_add=True)
    completed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("étape franchie")
        verbose_name_plural = _("étapes franchies")
        constraints = [models.UniqueConstraint(fields=["participation", "step"], name="one_completion_per_step")]

    def __str__(self):
        return f"{self.participation} : {self.get_step_display()}"


class Withdrawal(TimeStampedModel):
    """A party's withdrawal, notified by registered letter.

    It takes effect three calendar months after the letter is received, and not before the actions
    the party had engaged are closed.
    """

    participation = models.OneToOneField(Participation, on_delete=models.CASCADE, related_name="withdrawal")
    letter_received_on = models.DateField(_("date de réception du courrier recommandé"))
    notice_ends_on = models.DateField(_("fin du préavis de trois mois"))
    engaged_actions_closed_on = models.DateField(_("actions engagées closes le"), null=True, blank=True)
    # The day the withdrawal takes effect, known once the engaged actions are closed.
    effective_on = models.DateField(_("retrait effectif le"), null=True, blank=True)
    reason = models.TextField(_("motif"), blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("retrait")
        verbose_name_plural = _("retraits")

    def __str__(self):
        return f"{self.participation} — {self.letter_received_on:%d/%m/%Y}"

    @staticmethod
    def notice_end_for(letter_received_on: datetime.date) -> datetime.date:
        return add_calendar_months(letter_received_on, WITHDRAWAL_NOTICE_MONTHS)

    @property
    def expected_effective_on(self) -> datetime.date:
        """When it takes effect: end of notice, or later if the engaged actions close after it."""
        if self.engaged_actions_closed_on and self.engaged_actions_closed_on > self.notice_ends_on:
            return self.engaged_actions_closed_on
        return self.notice_ends_on

    def is_effective(self, today: datetime.date | None = None) -> bool:
        today = today or timezone.localdate()
        return self.effective_on is not None and self.effective_on <= today


class Charter(TimeStampedModel):
    """One version of a project's charter; parties sign a version."""

    project = models.ForeignKey(SharedProject, on_delete=models.CASCADE, related_name="charters")
    version = models.PositiveIntegerField(_("version"))
    title = models.CharField(_("titre"), max_length=250)
    preamble = models.TextField(_("préambule"), blank=True)
    in_force_on = models.DateField(_("en vigueur depuis le"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("charte")
        verbose_name_plural = _("chartes")
        ordering = ["project", "-version"]
        constraints = [models.UniqueConstraint(fields=["project", "version"], name="one_charter_per_version")]

    def __str__(self):
        return f"{self.title} (v{self.version})"

    @property
    def is_in_force(self) -> bool:
        return self.in_force_on is not None


class CharterArticle(models.Model):
    class Kind(models.TextChoices):
        PURPOSE = "purpose", _("Contexte et objet")
        AGENCY_COMMITMENTS = "agency_commitments", _("Engagements de l'Agence")
        AUTHORITY_COMMITMENTS = "authority_commitments", _("Engagements des collectivités")
        UNFOLDING = "unfolding", _("Déroulement du projet partagé")
        GOVERNANCE = "governance", _("Gouvernance")
        DURATION = "duration", _("Durée et retrait")
        OTHER = "other", _("Autre")

    charter = models.ForeignKey(Charter, on_delete=models.CASCADE, related_name="articles")
    number = models.PositiveSmallIntegerField(_("numéro"))
    kind = models.CharField(_("nature"), max_length=30, choices=Kind.choices, default=Kind.OTHER)
    title = models.CharField(_("titre"), max_length=250)
    body = models.TextField(_("texte"))

    class Meta:
        verbose_name = _("article")
        verbose_name_plural = _("articles")
        ordering = ["charter", "number"]
        constraints = [models.UniqueConstraint(fields=["charter", "number"], name="one_article_per_number")]

    def __str__(self):
        return f"Article {self.number} — {self.title}"


def deliberation_upload_to(signature, filename):
    return f"deliberations/{signature.charter.project_id}/{timezone.now():%Y%m%d%H%M%S}-{signature.organisation_id}.pdf"


class Signature(TimeStampedModel, DeliberationRecord):
    """A party's signature; an authority's rests on a council deliberation (DeliberationRecord's
    fields, blank for the national agency)."""

    charter = models.ForeignKey(Charter, on_delete=models.PROTECT, related_name="signatures")
    organisation = models.ForeignKey(Organisation, verbose_name=_("partie"), on_delete=models.PROTECT, related_name="+")
    signatory_name = models.CharField(_("nom du ou de la signataire"), max_length=200)
    signatory_title = models.CharField(_("qualité du ou de la signataire"), max_length=200)
    signed_on = models.DateField(_("date de signature"))
    deliberation_document = models.FileField(
        _("délibération (PDF)"), upload_to=deliberation_upload_to, blank=True, max_length=255
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("signature")
        verbose_name_plural = _("signatures")
        ordering = ["signed_on", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["charter", "organisation"],
                name="one_signature_per_party",
                violation_error_message=_("Cette partie a déjà signé cette version de la charte."),
            )
        ]

    def __str__(self):
        return f"{self.organisation} — {self.charter}"


class Committee(models.Model):
    """The steering committee (COPIL) of a shared project."""

    project = models.OneToOneField(SharedProject, on_delete=models.CASCADE, related_name="committee")
    name = models.CharField(_("nom"), max_length=200, default=_("Comité de pilotage"))

    class Meta:
        verbose_name = _("comité de pilotage")
        verbose_name_plural = _("comités de pilotage")

    def __str__(self):
        return f"{self.name} — {self.project}"


class CommitteeMemberQuerySet(models.QuerySet):
    def current(self):
        return self.filter(left_at__isnull=True)


class CommitteeMember(models.Model):
    class Kind(models.TextChoices):
        AGENCY = "agency", _("Représentant·e de l'Agence")
        CULTURAL_LEAD = "cultural_lead", _("Responsable des affaires culturelles")
        ELECTED = "elected", _("Élu·e")
        CONSULTANT = "consultant", _("Prestataire")

    committee = models.ForeignKey(Committee, on_delete=models.CASCADE, related_name="members")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("personne"), on_delete=models.PROTECT, related_name="+"
    )
    organisation = models.ForeignKey(
        Organisation, verbose_name=_("organisation"), on_delete=models.PROTECT, related_name="+"
    )
    kind = models.CharField(_("qualité"), max_length=20, choices=Kind.choices)
    # A member who leaves keeps their row, so past meetings still list them among those present.
    left_at = models.DateTimeField(_("a quitté le comité le"), null=True, blank=True)

    objects = CommitteeMemberQuerySet.as_manager()

    class Meta:
        verbose_name = _("membre du comité")
        verbose_name_plural = _("membres du comité")
        ordering = ["kind", "organisation__name"]
        constraints = [
            models.UniqueConstraint(
                fields=["committee", "user"],
                name="one_seat_per_person",
                violation_error_message=_("Cette personne siège déjà au comité."),
            )
        ]

    def __str__(self):
        return f"{self.user} ({self.get_kind_display()}, {self.organisation})"


def minutes_upload_to(meeting, filename):
    return f"committee-minutes/{meeting.committee.project_id}/{timezone.now():%Y%m%d%H%M%S}-{meeting.pk or 'new'}.pdf"


class Meeting(TimeStampedModel):
    committee = models.ForeignKey(Committee, on_delete=models.CASCADE, related_name="meetings")
    title = models.CharField(_("intitulé"), max_length=200)
    starts_at = models.DateTimeField(_("date et heure"))
    place = models.CharField(_("lieu"), max_length=250, blank=True)
    video_link = models.URLField(_("lien de visioconférence"), blank=True)
    agenda = models.TextField(_("ordre du jour"))
    minutes = models.TextField(_("compte rendu"), blank=True)
    attendees = models.ManyToManyField(CommitteeMember, verbose_name=_("présents"), blank=True, related_name="meetings")
    minutes_document = models.FileField(
        _("compte rendu signé (PDF)"), upload_to=minutes_upload_to, blank=True, max_length=255
    )

    class Meta:
        verbose_name = _("réunion du comité")
        verbose_name_plural = _("réunions du comité")
        ordering = ["-starts_at"]

    def __str__(self):
        return f"{self.title} — {timezone.localtime(self.starts_at):%d/%m/%Y}"

    def get_absolute_url(self):
        return reverse("projects:meeting_detail", args=[self.committee.project.slug, self.pk])


class MeetingInvitation(models.Model):
    """A committee member invited to a meeting: one row per person, so an invitation goes out once."""

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="invitations")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    invited_at = models.DateTimeField(_("invitée le"), auto_now_add=True)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("invitation à une réunion")
        verbose_name_plural = _("invitations aux réunions")
        constraints = [models.UniqueConstraint(fields=["meeting", "user"], name="one_invitation_per_person")]

    def __str__(self):
        return f"{self.user} → {self.meeting}"


class DecisionQuerySet(models.QuerySet):
    def open(self):
        return self.filter(status__in=Decision.OPEN_STATUSES)

    def overdue(self, today: datetime.date | None = None):
        return self.open().filter(due_on__lt=today or timezone.localdate())


class Decision(models.Model):
    class Status(models.TextChoices):
        TODO = "todo", _("À faire")
        IN_PROGRESS = "in_progress", _("En cours")
        DONE = "done", _("Faite")
        ABANDONED = "abandoned", _("Abandonnée")

    OPEN_STATUSES = (Status.TODO, Status.IN_PROGRESS)

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="decisions")
    number = models.PositiveSmallIntegerField(_("numéro"))
    text = models.TextField(_("décision"))
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("responsable"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="committee_decisions",
    )
    due_on = models.DateField(_("échéance"), null=True, blank=True)
    status = models.CharField(_("statut"), max_length=20, choices=Status.choices, default=Status.TODO)
    status_changed_at = models.DateTimeField(_("statut modifié le"), null=True, blank=True)

    objects = DecisionQuerySet.as_manager()

    class Meta:
        verbose_name = _("décision")
        verbose_name_plural = _("décisions")
        ordering = ["-meeting__starts_at", "number"]
        constraints = [models.UniqueConstraint(fields=["meeting", "number"], name="one_decision_per_number")]

    def __str__(self):
        return f"{self.meeting} — décision {self.number}"

    @property
    def is_open(self) -> bool:
        return self.status in self.OPEN_STATUSES

    def is_overdue(self, today: datetime.date | None = None) -> bool:
        return self.is_open and self.due_on is not None and self.due_on < (today or timezone.localdate())
