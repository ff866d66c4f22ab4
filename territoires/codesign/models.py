"""Co-design of a territory's action plan: the plan (families of actors, methods, calendar), the
workshops and their registrations, ideas (divergence), objectives with success criteria
(definition) and ballots (convergence).

Everything hangs from the territory's `CodesignPlan` (one per participating territory), so that
access is decided once, from the plan's territory and project (rules.py, selectors.py).
"""

import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from territoires.core.models import TimeStampedModel
from territoires.core.seats import CONFIRMED, WAITING
from territoires.core.storage import private_storage


class Method(models.TextChoices):
    """The co-design methods the charter names."""

    THEMATIC = "thematic", _("Ateliers thématiques")
    BY_FAMILY = "by_family", _("Ateliers par famille d'acteurs")
    PROTOTYPING = "prototyping", _("Prototypage")
    CONSENSUS = "consensus", _("Conférence de consensus")
    CONVENTION = "convention", _("Convention citoyenne")
    # Not a co-design method: the meeting where the adopted plan is shown to residents (plans'
    # feedback page schedules it as a workshop, so that residents register the same way).
    RESTITUTION = "restitution", _("Réunion de restitution du plan d'action")


def new_public_token() -> str:
    return secrets.token_urlsafe(12)


class CodesignPlan(TimeStampedModel):
    """A territory's co-design plan: who is involved, by which methods, when."""

    territory = models.OneToOneField(
        "projects.Participation", verbose_name=_("territoire"), on_delete=models.CASCADE, related_name="codesign_plan"
    )
    # Copy of territory.project_id: lists by project filter on it.
    project = models.ForeignKey(
        "projects.SharedProject", on_delete=models.CASCADE, related_name="codesign_plans", editable=False
    )
    summary = models.TextField(_("intentions"), blank=True, help_text=_("Ce que la co-construction doit produire."))
    families = models.ManyToManyField(
        "diagnostic.ActorFamily", verbose_name=_("familles d'acteurs associées"), blank=True, related_name="+"
    )
    methods = models.JSONField(_("méthodes"), default=list, blank=True)
    ideas_open = models.BooleanField(_("boîte à idées ouverte aux habitants"), default=False)
    ideas_token = models.CharField(max_length=24, unique=True, default=new_public_token, editable=False)

    class Meta:
        verbose_name = _("plan de co-construction")
        verbose_name_plural = _("plans de co-construction")

    def __str__(self):
        return str(self.territory.organisation)

    def get_absolute_url(self):
        return reverse("codesign:plan_detail", args=[self.project.slug, self.territory.organisation.slug])

    def method_labels(self) -> list[str]:
        return [str(Method(code).label) for code in self.methods if code in Method.values]


class Milestone(models.Model):
    """A date of the plan's calendar, attached to a step of the project's method when it has one."""

    plan = models.ForeignKey(CodesignPlan, on_delete=models.CASCADE, related_name="milestones")
    date = models.DateField(_("date"))
    label = models.CharField(_("intitulé"), max_length=200)
    step = models.SlugField(_("étape de la méthode"), max_length=40, blank=True)

    class Meta:
        verbose_name = _("échéance")
        verbose_name_plural = _("calendrier")
        ordering = ["date", "id"]

    def __str__(self):
        return f"{self.date:%d/%m/%Y} — {self.label}"


class WorkshopQuerySet(models.QuerySet):
    def published(self):
        return self.filter(status=Workshop.Status.PUBLISHED)


class Workshop(TimeStampedModel):
    """An atelier of the plan: a method, a date, a place of the directory, a facilitator, seats."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Brouillon")
        PUBLISHED = "published", _("Publié")
        CANCELLED = "cancelled", _("Annulé")

    plan = models.ForeignKey(CodesignPlan, on_delete=models.CASCADE, related_name="workshops")
    title = models.CharField(_("titre"), max_length=200)
    description = models.TextField(_("présentation"), blank=True)
    method = models.CharField(_("méthode"), max_length=20, choices=Method.choices)
    family = models.ForeignKey(
        "diagnostic.ActorFamily",
        verbose_name=_("famille d'acteurs visée"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    starts_at = models.DateTimeField(_("début"), db_index=True)
    ends_at = models.DateTimeField(_("fin"), null=True, blank=True)
    place = models.ForeignKey(
        "diagnostic.Entry",
        verbose_name=_("lieu (annuaire)"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        limit_choices_to={"kind": "place"},
    )
    place_details = models.CharField(_("précisions sur le lieu"), max_length=300, blank=True)
    facilitator = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("animateur·rice"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="facilitated_workshops",
    )
    capacity = models.PositiveIntegerField(_("nombre de places"))
    registration_closes_at = models.DateTimeField(
        _("clôture des inscriptions"), null=True, blank=True, help_text=_("Par défaut : le début de l'atelier.")
    )
    status = models.CharField(_("statut"), max_length=20, choices=Status.choices, default=Status.DRAFT)
    notes = models.TextField(_("compte rendu"), blank=True)
    public_token = models.CharField(max_length=24, unique=True, default=new_public_token, editable=False)

    objects = WorkshopQuerySet.as_manager()

    class Meta:
        verbose_name = _("atelier")
        verbose_name_plural = _("ateliers")
        ordering = ["starts_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__isnull=True) | Q(ends_at__gte=models.F("starts_at")),
                name="workshop_ends_after_it_starts",
                violation_error_message=_("La fin doit suivre le début."),
            ),
            models.CheckConstraint(
                condition=Q(capacity__gte=1),
                name="workshop_has_a_seat",
                violation_error_message=_("Au moins une place."),
            ),
        ]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("codesign:workshop_detail", args=[self.public_token])

    @property
    def is_published(self) -> bool:
        return self.status == self.Status.PUBLISHED

    @property
    def closes_at(self):
        return self.registration_closes_at or self.starts_at

    @property
    def registration_open(self) -> bool:
        return self.is_published and timezone.now() < self.closes_at

    @property
    def place_label(self) -> str:
        parts = [self.place.name if self.place_id else "", self.place.address if self.place_id else ""]
        parts.append(self.place_details)
        return ", ".join(part for part in parts if part)


class WorkshopRegistration(models.Model):
    """A resident's seat at a workshop, or their place on its waiting list; no account needed.

    The name and contact are personal data: shown only to the workshop's facilitator and the
    territory's referent (rules.py), deleted with the workshop.
    """

    class Status(models.TextChoices):
        CONFIRMED = CONFIRMED, _("Inscrit·e")
        WAITING = WAITING, _("Sur liste d'attente")

    class Need(models.TextChoices):
        WHEELCHAIR = "wheelchair", _("Accès en fauteuil roulant")
        SIGN_LANGUAGE = "sign_language", _("Interprétation en langue des signes (LSF)")
        HEARING_LOOP = "hearing_loop", _("Boucle à induction magnétique")
        LARGE_PRINT = "large_print", _("Documents en gros caractères")
        EASY_READ = "easy_read", _("Documents en FALC (facile à lire et à comprendre)")
        CHILDCARE = "childcare", _("Garde d'enfants")

    workshop = models.ForeignKey(Workshop, on_delete=models.CASCADE, related_name="registrations")
    name = models.CharField(_("nom et prénom"), max_length=150)
    email = models.EmailField(_("adresse électronique"))
    # Lower-cased copy of the address: "register twice" is the same address whatever its case.
    email_key = models.CharField(max_length=254, editable=False)
    needs = models.JSONField(_("besoins d'accessibilité"), default=list, blank=True)
    needs_details = models.CharField(_("autres besoins"), max_length=500, blank=True)
    status = models.CharField(_("statut"), max_length=20, choices=Status.choices)
    attended = models.BooleanField(_("présent·e"), default=False)
    manage_token = models.CharField(max_length=24, unique=True, default=new_public_token, editable=False)
    created_at = models.DateTimeField(_("inscrit·e le"), auto_now_add=True)
    promoted_at = models.DateTimeField(_("passé·e de la liste d'attente le"), null=True, blank=True)
    reminded_at = models.DateTimeField(_("rappel envoyé le"), null=True, blank=True)

    class Meta:
        verbose_name = _("inscription à un atelier")
        verbose_name_plural = _("inscriptions aux ateliers")
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["workshop", "email_key"],
                name="one_workshop_registration_per_address",
                violation_error_message=_("Cette adresse est déjà inscrite à cet atelier."),
            )
        ]

    def __str__(self):
        return f"{self.name} — {self.workshop}"

    def need_labels(self) -> list[str]:
        labels = [str(self.Need(code).label) for code in self.needs if code in self.Need.values]
        if self.needs_details:
            labels.append(self.needs_details)
        return labels


# Divergence ---------------------------------------------------------------------------------------


class IdeaTag(models.Model):
    plan = models.ForeignKey(CodesignPlan, on_delete=models.CASCADE, related_name="tags")
    name = models.CharField(_("nom"), max_length=60)

    class Meta:
        verbose_name = _("étiquette")
        verbose_name_plural = _("étiquettes")
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["plan", "name"], name="one_tag_name_per_plan")]

    def __str__(self):
        return self.name


class IdeaQuerySet(models.QuerySet):
    def current(self):
        return self.filter(merged_into__isnull=True)

    def published(self):
        return self.current().filter(status=Idea.Status.PUBLISHED)


def idea_photo_path(idea, filename):
    return f"codesign/ideas/{idea.plan_id}/{secrets.token_hex(8)}-{filename[-60:]}"


class Idea(TimeStampedModel):
    """An idea of the divergence phase, with what prompted it (a workshop, a resident, a survey
    topic, a finding of the diagnostic)."""

    class Source(models.TextChoices):
        WORKSHOP = "workshop", _("Atelier")
        ONLINE = "online", _("Habitant·e, en ligne")
        SURVEY = "survey", _("Réponses libres de l'enquête")
        FINDING = "finding", _("Constat du diagnostic")
        TEAM = "team", _("Équipe du projet")

    class Status(models.TextChoices):
        PENDING = "pending", _("À modérer")
        PUBLISHED = "published", _("Publiée")
        REJECTED = "rejected", _("Refusée")

    plan = models.ForeignKey(CodesignPlan, on_delete=models.CASCADE, related_name="ideas")
    title = models.CharField(_("idée"), max_length=200)
    body = models.TextField(_("précisions"), blank=True)
    source = models.CharField(_("origine"), max_length=20, choices=Source.choices)
    workshop = models.ForeignKey(
        Workshop, verbose_name=_("atelier"), null=True, blank=True, on_delete=models.SET_NULL, related_name="ideas"
    )
    finding = models.ForeignKey(
        "diagnostic.Finding",
        verbose_name=_("constat du diagnostic"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="codesign_ideas",
    )
    survey_topics = models.ForeignKey(
        "surveys.TextTopics", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    survey_topic_label = models.CharField(_("thème de l'enquête"), max_length=200, blank=True)
    photo = models.FileField(
        _("photo (post-it, paperboard)"), upload_to=idea_photo_path, blank=True, storage=private_storage
    )
    tags = models.ManyToManyField(IdeaTag, verbose_name=_("étiquettes"), blank=True, related_name="ideas")
    status = models.CharField(_("modération"), max_length=20, choices=Status.choices, default=Status.PUBLISHED)
    moderation_note = models.CharField(_("motif"), max_length=300, blank=True)
    merged_into = models.ForeignKey(
        "self",
        verbose_name=_("fusionnée dans"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="merged",
    )
    receipt_code = models.CharField(max_length=12, unique=True, null=True, blank=True, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    objects = IdeaQuerySet.as_manager()

    class Meta:
        verbose_name = _("idée")
        verbose_name_plural = _("idées")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["plan", "status", "merged_into"], name="codesign_idea_wall")]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("codesign:idea_detail", args=[self.pk])

    @property
    def is_published(self) -> bool:
        return self.status == self.Status.PUBLISHED and self.merged_into_id is None


class IdeaComment(models.Model):
    idea = models.ForeignKey(Idea, on_delete=models.CASCADE, related_name="comments")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    body = models.TextField(_("commentaire"), max_length=3000)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("commentaire")
        verbose_name_plural = _("commentaires")
        ordering = ["created_at", "id"]

    def __str__(self):
        return f"{self.author} — {self.idea}"


# Definition ---------------------------------------------------------------------------------------


class Objective(TimeStampedModel):
    """An objective of the plan, built from ideas (and findings), with measurable success criteria.
    The action plans take these over."""

    plan = models.ForeignKey(CodesignPlan, on_delete=models.CASCADE, related_name="objectives")
    title = models.CharField(_("objectif"), max_length=250)
    description = models.TextField(_("description"), blank=True)
    ideas = models.ManyToManyField(Idea, verbose_name=_("idées à l'origine"), blank=True, related_name="objectives")
    findings = models.ManyToManyField(
        "diagnostic.Finding", verbose_name=_("constats du diagnostic"), blank=True, related_name="codesign_objectives"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("objectif")
        verbose_name_plural = _("objectifs")
        ordering = ["created_at", "id"]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("codesign:objective_detail", args=[self.pk])


class SuccessCriterion(models.Model):
    objective = models.ForeignKey(Objective, on_delete=models.CASCADE, related_name="criteria")
    indicator = models.CharField(_("indicateur"), max_length=250)
    unit = models.CharField(_("unité"), max_length=40)
    baseline = models.DecimalField(_("valeur de départ"), max_digits=14, decimal_places=2)
    target = models.DecimalField(_("cible"), max_digits=14, decimal_places=2)
    target_date = models.DateField(_("échéance"), null=True, blank=True)
    source = models.CharField(_("source de la mesure"), max_length=250)

    class Meta:
        verbose_name = _("critère de réussite")
        verbose_name_plural = _("critères de réussite")
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(baseline=models.F("target")),
                name="criterion_target_differs_from_baseline",
                violation_error_message=_("La cible doit différer de la valeur de départ."),
            )
        ]

    def __str__(self):
        return self.indicator


# Convergence --------------------------------------------------------------------------------------


class Ballot(TimeStampedModel):
    """A vote on ideas or draft actions, by one of the methods of voting.py."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("En préparation")
        OPEN = "open", _("Ouvert")
        CLOSED = "closed", _("Clos")

    plan = models.ForeignKey(CodesignPlan, on_delete=models.CASCADE, related_name="ballots")
    workshop = models.ForeignKey(
        Workshop, verbose_name=_("atelier"), null=True, blank=True, on_delete=models.SET_NULL, related_name="ballots"
    )
    title = models.CharField(_("question"), max_length=250)
    description = models.TextField(_("consignes"), blank=True)
    method = models.CharField(_("mode de scrutin"), max_length=20)
    points = models.PositiveSmallIntegerField(
        _("gommettes par personne"), default=5, help_text=_("Vote par gommettes seulement.")
    )
    status = models.CharField(_("état"), max_length=20, choices=Status.choices, default=Status.DRAFT)
    # The address of the shared tablet: anyone with it votes, with a one-time code each.
    kiosk_token = models.CharField(max_length=24, unique=True, default=new_public_token, editable=False)
    opened_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("scrutin")
        verbose_name_plural = _("scrutins")
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("codesign:ballot_detail", args=[self.pk])

    @property
    def voting(self):
        from territoires.codesign.voting import method_of

        return method_of(self.method)

    @property
    def is_open(self) -> bool:
        return self.status == self.Status.OPEN


class BallotOption(models.Model):
    ballot = models.ForeignKey(Ballot, on_delete=models.CASCADE, related_name="options")
    label = models.CharField(_("proposition"), max_length=250)
    idea = models.ForeignKey(Idea, null=True, blank=True, on_delete=models.SET_NULL, related_name="ballot_options")
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        verbose_name = _("proposition soumise au vote")
        verbose_name_plural = _("propositions soumises au vote")
        ordering = ["position", "id"]

    def __str__(self):
        return self.label


class VoterCode(models.Model):
    """A one-time code, printed on the workshop's sign-in sheet, to vote once on a shared tablet."""

    ballot = models.ForeignKey(Ballot, on_delete=models.CASCADE, related_name="voter_codes")
    code = models.CharField(max_length=12, unique=True)
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("code de vote")
        verbose_name_plural = _("codes de vote")
        ordering = ["id"]

    def __str__(self):
        return self.code


class BallotVote(models.Model):
    """One person's vote. `voter_key` says who voted without saying who they are (a keyed hash of
    the account, or the one-time code's id): unique per ballot, so that a vote is stored once."""

    class Channel(models.TextChoices):
        ONLINE = "online", _("En ligne")
        KIOSK = "kiosk", _("Sur place (tablette)")

    ballot = models.ForeignKey(Ballot, on_delete=models.CASCADE, related_name="votes")
    voter_key = models.CharField(max_length=64)
    channel = models.CharField(max_length=10, choices=Channel.choices)
    # {option id (str): value}: approval 1, points, a grade (0 = the worst), a rank (1 = first).
    choices = models.JSONField(default=dict)
    receipt_code = models.CharField(max_length=12, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("bulletin")
        verbose_name_plural = _("bulletins")
        constraints = [
            models.UniqueConstraint(
                fields=["ballot", "voter_key"],
                name="one_vote_per_person_per_ballot",
                violation_error_message=_("Vous avez déjà voté à ce scrutin."),
            )
        ]

    def __str__(self):
        return f"{self.ballot} — {self.receipt_code}"


from territoires.codesign.opinion.models import (  # noqa: E402,F401  (the opinion map, see that module)
    OpinionCode,
    OpinionConversation,
    OpinionMap,
    OpinionParticipant,
    OpinionResult,
    OpinionVote,
    Statement,
)

# Panels drawn by lot live in their own subpackage (territoires/codesign/panels/).
from territoires.codesign.panels.models import Draw, Panel, Volunteer  # noqa: E402, F401
