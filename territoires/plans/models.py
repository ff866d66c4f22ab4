"""Action plans: each territory's plan, from axes to objectives to actions, with indicators,
versions, the council's adoption, and what became of residents' words.

- A territory (a participating authority's Participation) has one ActionPlan. Its structure is
  axes → objectives → actions (an action may have sub-actions, whose progress rolls up, weighted).
- Indicators sit on an objective or an action: unit, baseline, target, dated measurements.
- Each saved state is a PlanVersion (a snapshot, so two versions can be compared in words). The
  council adopts one version (PlanAdoption, a DeliberationRecord: the charter's fields and checks);
  an adopted plan is locked; a later change opens an amendment, adopted by its own deliberation.
- An action's origins (ActionOrigin) are the ideas, findings, survey questions and directory
  entries it answers: what the process chain (DESIGN.md, "the process as data") follows back.
- ContributionOutcome says what became of a resident's contribution (kept → which action, merged,
  not kept and why), read by the feedback page and by the receipt-code lookup.
"""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from territoires.core.models import TimeStampedModel
from territoires.core.storage import private_storage
from territoires.projects.deliberations import DeliberationRecord

MAX_AMOUNT = Decimal("999999999999.99")


class ActionPlanQuerySet(models.QuerySet):
    def adopted(self):
        return self.exclude(adopted_version__isnull=True)


class ActionPlan(TimeStampedModel):
    class Status(models.TextChoices):
        DRAFT = "draft", _("En rédaction")
        SUBMITTED = "submitted", _("Soumis au vote")
        ADOPTED = "adopted", _("Adopté")
        AMENDING = "amending", _("Adopté, modification en cours")

    territory = models.OneToOneField(
        "projects.Participation", verbose_name=_("territoire"), on_delete=models.CASCADE, related_name="action_plan"
    )

    project = models.ForeignKey(
        "projects.SharedProject", verbose_name=_("projet"), on_delete=models.CASCADE, related_name="action_plans"
    )
    title = models.CharField(_("titre"), max_length=200)
    summary = models.TextField(_("présentation"), blank=True, max_length=5000)
    status = models.CharField(_("statut"), max_length=20, choices=Status.choices, default=Status.DRAFT)
    # The version the council adopted last: what the public sees while an amendment is drafted.
    adopted_version = models.ForeignKey(
        "PlanVersion",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("version adoptée"),
    )
    # When the team published the feedback to residents (and the e-mails went out).
    feedback_published_at = models.DateTimeField(_("retour publié le"), null=True, blank=True)

    objects = ActionPlanQuerySet.as_manager()

    class Meta:
        verbose_name = _("plan d'action")
        verbose_name_plural = _("plans d'action")
        ordering = ["project", "territory__organisation__name"]

    @property
    def status_label(self) -> str:
        """The status as read beside the adopted version: an amendment before the council is not a
        first plan "submitted to the vote"."""
        if self.status == self.Status.SUBMITTED and self.adopted_version_id:
            return _("Adopté, modification soumise au vote")
        return self.get_status_display()

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("plans:plan_detail", args=[self.project.slug, self.territory.organisation.slug])

    @property
    def is_locked(self) -> bool:
        """Adopted and not reopened: nothing may change until an amendment is opened."""
        return self.status in (self.Status.ADOPTED, self.Status.SUBMITTED)


class Axis(models.Model):
    plan = models.ForeignKey(ActionPlan, on_delete=models.CASCADE, related_name="axes")
    position = models.PositiveSmallIntegerField(_("ordre"), default=0)
    title = models.CharField(_("intitulé"), max_length=200)
    description = models.TextField(_("description"), blank=True, max_length=3000)

    class Meta:
        verbose_name = _("axe")
        verbose_name_plural = _("axes")
        ordering = ["plan", "position", "pk"]

    def __str__(self):
        return self.title


class Objective(models.Model):
    plan = models.ForeignKey(ActionPlan, on_delete=models.CASCADE, related_name="objectives")
    axis = models.ForeignKey(Axis, verbose_name=_("axe"), on_delete=models.CASCADE, related_name="objectives")
    position = models.PositiveSmallIntegerField(_("ordre"), default=0)
    title = models.CharField(_("intitulé"), max_length=300)
    description = models.TextField(_("description"), blank=True, max_length=3000)
    # The co-design's objective this one takes over (with its success criteria as indicators).
    codesign_objective = models.ForeignKey(
        "codesign.Objective",
        verbose_name=_("objectif de la co-construction repris"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="plan_objectives",
    )

    class Meta:
        verbose_name = _("objectif")
        verbose_name_plural = _("objectifs")
        ordering = ["axis__position", "axis_id", "position", "pk"]

    def __str__(self):
        return self.title


class Audience(models.TextChoices):
    """Whom an action aims at; "non-audiences" are the survey's people who go to no cultural venue."""

    NON_AUDIENCES = "non_audiences", _("Non-publics (personnes qui ne fréquentent aucun lieu culturel)")
    YOUTH = "youth", _("Jeunes (moins de 25 ans)")
    FAMILIES = "families", _("Familles")
    SENIORS = "seniors", _("Personnes âgées")
    PRIORITY_AREAS = "priority_areas", _("Habitants des quartiers prioritaires")
    DISABLED = "disabled", _("Personnes en situation de handicap")
    ACTORS = "actors", _("Acteurs du territoire")
    ALL = "all", _("Tous les habitants")


class Action(models.Model):
    class Status(models.TextChoices):
        PLANNED = "planned", _("Prévue")
        IN_PROGRESS = "in_progress", _("En cours")
        DONE = "done", _("Réalisée")
        DELAYED = "delayed", _("Retardée")
        ABANDONED = "abandoned", _("Abandonnée")

    plan = models.ForeignKey(ActionPlan, on_delete=models.CASCADE, related_name="actions")
    objective = models.ForeignKey(
        Objective, verbose_name=_("objectif"), on_delete=models.CASCADE, related_name="actions"
    )
    parent = models.ForeignKey(
        "self",
        verbose_name=_("action parente"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="children",
    )
    position = models.PositiveSmallIntegerField(_("ordre"), default=0)
    title = models.CharField(_("intitulé"), max_length=300)
    description = models.TextField(_("description"), blank=True, max_length=5000)
    lead = models.CharField(
        _("pilote"), max_length=200, blank=True, help_text=_("Service ou personne qui porte l'action.")
    )
    partners = models.ManyToManyField(
        "diagnostic.Entry", verbose_name=_("partenaires"), blank=True, related_name="partner_in_actions"
    )
    places = models.ManyToManyField(
        "diagnostic.Entry", verbose_name=_("lieux"), blank=True, related_name="place_of_actions"
    )
    audiences = models.JSONField(_("publics visés"), default=list, blank=True)
    budget = models.DecimalField(
        _("budget (euros)"),
        max_digits=14,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(MAX_AMOUNT)],
    )
    starts_on = models.DateField(_("début"), null=True, blank=True)
    ends_on = models.DateField(_("fin"), null=True, blank=True)
    status = models.CharField(_("statut"), max_length=20, choices=Status.choices, default=Status.PLANNED)
    # A leaf's own progress; an action with sub-actions reads its children's (plans/progress.py).
    progress = models.PositiveSmallIntegerField(_("avancement (%)"), default=0, validators=[MaxValueValidator(100)])
    weight = models.PositiveSmallIntegerField(
        _("poids"),
        default=1,
        validators=[MinValueValidator(1), MaxValueValidator(100)],
        help_text=_("Part de l'action dans l'avancement de son objectif ou de son action parente."),
    )
    # Bumped by every save: a form carries the revision it was opened at, so that two people editing
    # the same action are warned instead of the second silently overwriting the first.
    revision = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name = _("action")
        verbose_name_plural = _("actions")
        ordering = ["objective_id", "parent_id", "position", "pk"]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("plans:action_detail", args=[self.pk])

    @property
    def audience_labels(self) -> list[str]:
        labels = dict(Audience.choices)
        return [labels[code] for code in self.audiences if code in labels]


class Milestone(models.Model):
    action = models.ForeignKey(Action, on_delete=models.CASCADE, related_name="milestones")
    label = models.CharField(_("jalon"), max_length=200)
    due_on = models.DateField(_("échéance"))
    done_on = models.DateField(_("atteint le"), null=True, blank=True)

    class Meta:
        verbose_name = _("jalon")
        verbose_name_plural = _("jalons")
        ordering = ["due_on", "pk"]

    def __str__(self):
        return self.label


class Indicator(models.Model):
    class Source(models.TextChoices):
        TYPED = "typed", _("Saisie ou import CSV")
        SURVEY = "survey", _("Question d'une enquête de suivi, lue sur son tableau de bord")

    class SurveyReading(models.TextChoices):
        SHARE = "share", _("Part des répondants ayant choisi une réponse (%)")
        COUNT = "count", _("Nombre de répondants ayant choisi une réponse")
        MEAN = "mean", _("Moyenne des réponses (note ou nombre)")

    plan = models.ForeignKey(ActionPlan, on_delete=models.CASCADE, related_name="indicators")
    objective = models.ForeignKey(Objective, null=True, blank=True, on_delete=models.CASCADE, related_name="indicators")
    action = models.ForeignKey(Action, null=True, blank=True, on_delete=models.CASCADE, related_name="indicators")
    name = models.CharField(_("indicateur"), max_length=200)
    unit = models.CharField(_("unité"), max_length=40, help_text=_("Par exemple : personnes, %, euros, séances."))
    baseline_value = models.DecimalField(_("valeur de départ"), max_digits=14, decimal_places=2)
    baseline_on = models.DateField(_("date de la valeur de départ"))
    baseline_source = models.CharField(_("source de la valeur de départ"), max_length=300)
    target_value = models.DecimalField(_("cible"), max_digits=14, decimal_places=2)
    target_on = models.DateField(_("date de la cible"))
    measurement_source = models.CharField(
        _("source des mesures"), max_length=300, blank=True, help_text=_("Qui mesure, et comment.")
    )
    # Measured from a survey of the plan's project deployed in its territory (plans/survey_source.py):
    # which question, what is read from its dashboard figures, with the dashboard's simple filters.
    source_kind = models.CharField(
        _("mesures"), max_length=10, choices=Source.choices, default=Source.TYPED, db_default=Source.TYPED
    )
    survey = models.ForeignKey(
        "surveys.Survey",
        verbose_name=_("enquête de suivi"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="plan_indicators",
    )
    survey_question_code = models.SlugField(_("question"), max_length=60, blank=True, default="")
    survey_reading = models.CharField(
        _("ce qui est lu"), max_length=10, choices=SurveyReading.choices, blank=True, default=""
    )
    survey_option_code = models.CharField(_("réponse"), max_length=60, blank=True, default="")
    survey_filters = models.JSONField(_("filtres du tableau de bord"), default=dict, blank=True)

    class Meta:
        verbose_name = _("indicateur")
        verbose_name_plural = _("indicateurs")
        ordering = ["plan", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(objective__isnull=False, action__isnull=True)
                | models.Q(objective__isnull=True, action__isnull=False),
                name="indicator_on_objective_or_action",
            ),
            models.UniqueConstraint(fields=["plan", "name"], name="one_indicator_name_per_plan"),
        ]

    def __str__(self):
        return f"{self.name} ({self.unit})"

    def get_absolute_url(self):
        return reverse("plans:indicator_detail", args=[self.pk])


class Measurement(models.Model):
    indicator = models.ForeignKey(Indicator, on_delete=models.CASCADE, related_name="measurements")
    measured_on = models.DateField(_("date de la mesure"))
    value = models.DecimalField(_("valeur"), max_digits=14, decimal_places=2)
    source = models.CharField(_("source"), max_length=300, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("mesure")
        verbose_name_plural = _("mesures")
        ordering = ["indicator", "measured_on"]
        constraints = [
            models.UniqueConstraint(
                fields=["indicator", "measured_on"],
                name="one_measurement_per_indicator_and_date",
                violation_error_message=_("Une mesure existe déjà à cette date pour cet indicateur."),
            )
        ]

    def __str__(self):
        return f"{self.indicator.name} — {self.measured_on}"


class PlanVersion(models.Model):
    """A saved state of the plan: its whole structure as it stood, so any two can be compared."""

    plan = models.ForeignKey(ActionPlan, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField(_("version"))
    snapshot = models.JSONField(_("contenu"))
    note = models.CharField(_("note"), max_length=500, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("enregistrée le"), default=timezone.now)

    class Meta:
        verbose_name = _("version du plan")
        verbose_name_plural = _("versions du plan")
        ordering = ["plan", "-number"]
        constraints = [models.UniqueConstraint(fields=["plan", "number"], name="one_plan_version_number")]

    def __str__(self):
        return _("Version %(number)d") % {"number": self.number}


def adoption_upload_to(adoption, filename):
    return f"deliberations/plans/{adoption.plan_id}/{timezone.now():%Y%m%d%H%M%S}.pdf"


class PlanAdoption(TimeStampedModel, DeliberationRecord):
    """The council's deliberation adopting a version (the first adoption or an amendment)."""

    class Kind(models.TextChoices):
        ADOPTION = "adoption", _("Adoption")
        AMENDMENT = "amendment", _("Modification")

    plan = models.ForeignKey(ActionPlan, on_delete=models.CASCADE, related_name="adoptions")
    version = models.OneToOneField(PlanVersion, on_delete=models.PROTECT, related_name="adoption")
    kind = models.CharField(_("nature"), max_length=20, choices=Kind.choices)
    deliberation_document = models.FileField(_("délibération (PDF)"), upload_to=adoption_upload_to, max_length=255)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("adoption du plan")
        verbose_name_plural = _("adoptions du plan")
        ordering = ["plan", "deliberation_date", "pk"]

    def __str__(self):
        return f"{self.get_kind_display()} — {self.deliberation_number}"


class ActionOrigin(models.Model):
    """What an action answers: an idea, a finding, a survey question, a directory entry… (kinds in
    plans/origins.py). The target is named by kind and id, resolved (and permission-checked) when read."""

    action = models.ForeignKey(Action, on_delete=models.CASCADE, related_name="origins")
    kind = models.CharField(_("nature"), max_length=40)
    target_id = models.PositiveBigIntegerField()
    note = models.CharField(_("en quoi l'action y répond"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("origine d'une action")
        verbose_name_plural = _("origines des actions")
        constraints = [models.UniqueConstraint(fields=["action", "kind", "target_id"], name="one_origin_per_target")]

    def __str__(self):
        return f"{self.kind}:{self.target_id}"


class ContributionOutcome(TimeStampedModel):
    """What became of residents' words: a contribution (an idea, an expression, a survey question's
    answers…) kept in an action, merged into another, or not kept, with the reason."""

    class Status(models.TextChoices):
        KEPT = "kept", _("Retenue")
        MERGED = "merged", _("Regroupée avec une autre")
        NOT_KEPT = "not_kept", _("Non retenue")

    plan = models.ForeignKey(ActionPlan, on_delete=models.CASCADE, related_name="outcomes")
    kind = models.CharField(_("nature"), max_length=40)
    target_id = models.PositiveBigIntegerField()
    status = models.CharField(_("devenir"), max_length=20, choices=Status.choices)
    action = models.ForeignKey(
        Action, verbose_name=_("action"), null=True, blank=True, on_delete=models.SET_NULL, related_name="outcomes"
    )
    explanation = models.TextField(_("explication"), max_length=2000, blank=True)

    class Meta:
        verbose_name = _("devenir d'une contribution")
        verbose_name_plural = _("devenir des contributions")
        constraints = [
            models.UniqueConstraint(fields=["plan", "kind", "target_id"], name="one_outcome_per_contribution")
        ]

    def __str__(self):
        return f"{self.kind}:{self.target_id} — {self.get_status_display()}"


class FeedbackDelivery(models.Model):
    """One e-mail telling a resident who left their address (a survey's contact request) that the
    plan says what became of their words: sent once per plan and address, by a background task."""

    plan = models.ForeignKey(ActionPlan, on_delete=models.CASCADE, related_name="feedback_deliveries")
    contact_request = models.ForeignKey(
        "surveys.ContactRequest", on_delete=models.CASCADE, related_name="feedback_deliveries"
    )
    sent_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("retour envoyé à un habitant")
        verbose_name_plural = _("retours envoyés aux habitants")
        constraints = [
            models.UniqueConstraint(fields=["plan", "contact_request"], name="one_feedback_per_plan_and_contact")
        ]

    def __str__(self):
        return f"{self.plan} — {self.sent_at:%Y-%m-%d}"


class EvaluationReport(TimeStampedModel):
    """A territory's evaluation report at a chosen date, as a PDF built by a background task; the
    page polls its progress, then offers the file (private storage, served by a checked view)."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("En attente")
        RUNNING = "running", _("En cours")
        DONE = "done", _("Terminé")
        FAILED = "failed", _("Échec")

    plan = models.ForeignKey(ActionPlan, on_delete=models.CASCADE, related_name="reports")
    as_of = models.DateField(_("situation au"))
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    status = models.CharField(_("statut"), max_length=10, choices=Status.choices, default=Status.QUEUED)
    progress = models.PositiveSmallIntegerField(_("avancement (%)"), default=0)
    file = models.FileField(_("fichier"), upload_to="plans/reports/%Y/%m/", blank=True, storage=private_storage)
    error = models.TextField(_("erreur"), blank=True)
    finished_at = models.DateTimeField(_("terminé le"), null=True, blank=True)

    class Meta:
        verbose_name = _("rapport d'évaluation")
        verbose_name_plural = _("rapports d'évaluation")
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.plan} — {self.as_of:%d/%m/%Y}"


class Proposal(TimeStampedModel):
    """A proposal of the consultancy's synthesis for the whole project, as the seed deliberations
    describe it: what the towns propose together, with the evidence it rests on and the towns and
    objectives it came from."""

    project = models.ForeignKey(
        "projects.SharedProject", on_delete=models.CASCADE, related_name="plan_proposals", verbose_name=_("projet")
    )
    position = models.PositiveSmallIntegerField(_("ordre"), default=0)
    title = models.CharField(_("proposition"), max_length=300)
    description = models.TextField(_("description"), blank=True, max_length=5000)
    objectives = models.ManyToManyField(
        Objective, verbose_name=_("objectifs des plans qui la portent"), blank=True, related_name="proposals"
    )
    is_published = models.BooleanField(_("publiée"), default=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("proposition de la synthèse")
        verbose_name_plural = _("synthèse des propositions")
        ordering = ["project", "position", "pk"]

    def __str__(self):
        return self.title


class ProposalEvidence(models.Model):
    """What a proposal rests on: the same kinds as an action's origins (plans/origins.py)."""

    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE, related_name="evidence")
    kind = models.CharField(_("nature"), max_length=40)
    target_id = models.PositiveBigIntegerField()
    note = models.CharField(_("note"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("élément à l'appui")
        verbose_name_plural = _("éléments à l'appui")
        constraints = [
            models.UniqueConstraint(fields=["proposal", "kind", "target_id"], name="one_evidence_per_target")
        ]

    def __str__(self):
        return f"{self.kind}:{self.target_id}"


class ActionUpdate(models.Model):
    """A dated entry of an action's timeline: what happened (a first session, a partner joining, a
    delay and its reason), written during the follow-up and shown on the public follow-up."""

    action = models.ForeignKey(Action, on_delete=models.CASCADE, related_name="updates")
    happened_on = models.DateField(_("date"))
    text = models.TextField(_("ce qui s'est passé"), max_length=2000)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("étape de suivi d'une action")
        verbose_name_plural = _("étapes de suivi des actions")
        ordering = ["-happened_on", "-pk"]

    def __str__(self):
        return f"{self.action} — {self.happened_on}"


class PlanComment(models.Model):
    """A member's comment on a plan while it is drafted (the other towns, the consultancy, the
    facilitators learn from each other's plans and say so)."""

    plan = models.ForeignKey(ActionPlan, on_delete=models.CASCADE, related_name="comments")
    version_number = models.PositiveIntegerField(_("version commentée"), null=True, blank=True)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    text = models.TextField(_("commentaire"), max_length=3000)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("commentaire sur un plan")
        verbose_name_plural = _("commentaires sur les plans")
        ordering = ["created_at", "pk"]

    def __str__(self):
        return f"{self.plan} — {self.author}"
