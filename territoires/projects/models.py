import datetime

from django.apps import apps
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
from territoires.projects.phases import progress_percent, progress_timeline

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
    # The sheet's second heading, named by the project's method ("Paysage culturel" in the culture
    # method, "Acteurs et ressources du territoire" in the general one); the column keeps its first name.
    cultural_landscape = models.TextField(_("deuxième rubrique de la fiche"), blank=True)
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

    # Progress: computed from prefetched step completions and the project's prefetched method
    # (phases and steps), so a list page stays at a fixed query count.
    @property
    def done_step_codes(self) -> list[str]:
        return [completion.step for completion in self.step_completions.all()]

    @property
    def method(self):
        return method_of(self.project)

    @property
    def progress_percent(self) -> int:
        return progress_percent(self.method, self.done_step_codes)

    @property
    def timeline(self):
        return progress_timeline(self.method, self.step_completions.all())

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
    # The code of a step of the project's method (MethodStep.code).
    step = models.CharField(_("étape"), max_length=40)
    completed_at = models.DateTimeField(_("faite le"), auto_now_add=True)
    completed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    note = models.TextField(_("note"), blank=True)

    class Meta:
        verbose_name = _("étape franchie")
        verbose_name_plural = _("étapes franchies")
        constraints = [models.UniqueConstraint(fields=["participation", "step"], name="one_completion_per_step")]

    def __str__(self):
        return f"{self.participation} : {self.step}"


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
        # The code stays "cultural_lead"; the label shown is the project's method's (lead_role_label).
        CULTURAL_LEAD = "cultural_lead", _("Responsable du projet dans la collectivité")
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

    def get_kind_display(self) -> str:
        """The role's label; the lead role is named by the project's method."""
        if self.kind == self.Kind.CULTURAL_LEAD:
            method = method_of(self.committee.project)
            if method is not None and method.lead_role_label:
                return method.lead_role_label
        return str(self.Kind(self.kind).label) if self.kind in self.Kind.values else self.kind


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


# Methods -----------------------------------------------------------------------------------------


class MethodQuerySet(models.QuerySet):
    def templates(self):
        return self.filter(project__isnull=True)


class Method(TimeStampedModel):
    """How a shared project runs: its charter model, the label of each authority's lead in the
    steering committee, the headings of the territory sheet, its phases and steps.

    Without a project, a template that a facilitator picks when creating a project (edited in the
    admin); with one, that project's own copy, which the facilitator may adapt without touching the
    template or the other projects (territoires/projects/methods.py copies it).
    """

    name = models.CharField(_("nom"), max_length=200)
    slug = models.SlugField(_("identifiant"), max_length=60, blank=True)
    description = models.TextField(_("description"), blank=True)
    project = models.OneToOneField(
        SharedProject,
        verbose_name=_("projet"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="method",
    )
    template = models.ForeignKey(
        "self",
        verbose_name=_("modèle d'origine"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="copies",
    )
    is_default = models.BooleanField(
        _("proposé par défaut"), default=False, help_text=_("Le modèle présélectionné à la création d'un projet.")
    )
    lead_role_label = models.CharField(
        _("qualité du ou de la responsable de chaque collectivité au comité de pilotage"), max_length=150
    )
    context_heading = models.CharField(_("fiche territoire : première rubrique"), max_length=150)
    landscape_heading = models.CharField(_("fiche territoire : deuxième rubrique"), max_length=150)
    landscape_help = models.CharField(_("fiche territoire : aide de la deuxième rubrique"), max_length=250, blank=True)
    attention_heading = models.CharField(_("fiche territoire : troisième rubrique"), max_length=150)

    objects = MethodQuerySet.as_manager()

    class Meta:
        verbose_name = _("méthode")
        verbose_name_plural = _("méthodes")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["slug"],
                condition=Q(project__isnull=True) & ~Q(slug=""),
                name="one_template_per_slug",
                violation_error_message=_("Un modèle de méthode porte déjà cet identifiant."),
            )
        ]

    def __str__(self):
        return self.name

    @property
    def is_template(self) -> bool:
        return self.project_id is None

    def phase_list(self) -> list["MethodPhase"]:
        """The phases in order, each with its steps in order (`phase.step_list`), from the
        prefetched `phases` and `steps` when loaded (selectors.METHOD_PREFETCH)."""
        steps_by_phase: dict[int, list[MethodStep]] = {}
        for step in sorted(self.steps.all(), key=lambda s: (s.position, s.pk)):
            steps_by_phase.setdefault(step.phase_id, []).append(step)
        phases = sorted(self.phases.all(), key=lambda p: (p.position, p.pk))
        for phase in phases:
            phase.step_list = steps_by_phase.get(phase.pk, [])
        return phases

    def step_codes(self) -> list[str]:
        return [step.code for step in self.steps.all()]


class MethodTemplate(Method):
    """The templates alone, for the admin."""

    class Meta:
        proxy = True
        verbose_name = _("modèle de méthode")
        verbose_name_plural = _("modèles de méthode")


class MethodArticle(models.Model):
    """An article of a method's charter model; `{titre}` in the text becomes the project's title."""

    method = models.ForeignKey(Method, verbose_name=_("méthode"), on_delete=models.CASCADE, related_name="articles")
    number = models.PositiveSmallIntegerField(_("numéro"))
    kind = models.CharField(
        _("nature"), max_length=30, choices=CharterArticle.Kind.choices, default=CharterArticle.Kind.OTHER
    )
    title = models.CharField(_("titre"), max_length=250)
    body = models.TextField(_("texte"), help_text=_("« {titre} » est remplacé par le titre du projet."))

    class Meta:
        verbose_name = _("article du modèle de charte")
        verbose_name_plural = _("articles du modèle de charte")
        ordering = ["method", "number"]
        constraints = [models.UniqueConstraint(fields=["method", "number"], name="one_method_article_per_number")]

    def __str__(self):
        return f"Article {self.number} — {self.title}"


class MethodPhase(models.Model):
    method = models.ForeignKey(Method, verbose_name=_("méthode"), on_delete=models.CASCADE, related_name="phases")
    position = models.PositiveSmallIntegerField(_("ordre"))
    code = models.SlugField(_("code"), max_length=40)
    label = models.CharField(_("intitulé"), max_length=200)
    description = models.CharField(_("description"), max_length=400, blank=True)

    class Meta:
        verbose_name = _("phase")
        verbose_name_plural = _("phases")
        ordering = ["method", "position", "pk"]
        constraints = [models.UniqueConstraint(fields=["method", "code"], name="one_phase_per_code")]

    def __str__(self):
        return f"{self.method} — {self.label}"


class MethodStep(models.Model):
    class Module(models.TextChoices):
        """The module that will mark the step done by itself, once it does."""

        SURVEYS = "surveys", _("Enquête habitants")
        DIAGNOSTIC = "diagnostic", _("Diagnostic territorial")
        CODESIGN = "codesign", _("Co-construction")
        PLANS = "plans", _("Plans d'action")

    # The step's method, beside its phase, so that a code is unique in the whole method: a
    # territory's completions (StepCompletion.step) name steps by code.
    method = models.ForeignKey(Method, verbose_name=_("méthode"), on_delete=models.CASCADE, related_name="steps")
    phase = models.ForeignKey(MethodPhase, verbose_name=_("phase"), on_delete=models.CASCADE, related_name="steps")
    position = models.PositiveSmallIntegerField(_("ordre"))
    code = models.SlugField(_("code"), max_length=40)
    label = models.CharField(_("intitulé"), max_length=200)
    filled_by = models.CharField(_("renseignée automatiquement par"), max_length=20, choices=Module.choices, blank=True)

    class Meta:
        verbose_name = _("étape")
        verbose_name_plural = _("étapes")
        ordering = ["position", "pk"]
        constraints = [models.UniqueConstraint(fields=["method", "code"], name="one_step_per_code")]

    def __str__(self):
        return self.label

    @property
    def filled_by_hint(self) -> str:
        """Which module will mark this step done by itself; meanwhile people mark it."""
        if self.filled_by not in self.Module.values:
            return ""
        module = self.Module(self.filled_by).label
        # A module is an app of its own (territoires.<code>): until it is installed, it is to come.
        if apps.is_installed(f"territoires.{self.filled_by}"):
            return _(
                "Sera renseignée automatiquement par le module « %(module)s » ; d'ici là, elle se marque à la main."
            ) % {"module": module}
        return _("Sera renseignée automatiquement par le module « %(module)s », à venir.") % {"module": module}


def method_of(project) -> Method | None:
    """The project's method (None for a project made before methods existed and not migrated)."""
    try:
        return project.method
    except Method.DoesNotExist:
        return None
