import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from territoires.core.models import TimeStampedModel
from territoires.core.storage import private_storage


class InterviewGuide(TimeStampedModel):
    """One version of a project's interview guide. A new version is a copy (guide_new_version): the
    interviews already held keep pointing at the version they were held with."""

    project = models.ForeignKey("projects.SharedProject", on_delete=models.CASCADE, related_name="interview_guides")
    title = models.CharField(_("titre"), max_length=200)
    version = models.PositiveSmallIntegerField(_("version"), default=1)
    introduction = models.TextField(_("introduction"), blank=True)
    is_current = models.BooleanField(_("version en cours"), default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("guide d'entretien")
        verbose_name_plural = _("guides d'entretien")
        ordering = ["project", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["project", "version"], name="diag_guide_one_number_per_version"),
            models.UniqueConstraint(
                fields=["project"], condition=Q(is_current=True), name="diag_guide_one_current_version"
            ),
        ]

    def __str__(self):
        return f"{self.title} (v{self.version})"


class GuideTheme(models.Model):
    guide = models.ForeignKey(InterviewGuide, on_delete=models.CASCADE, related_name="themes")
    title = models.CharField(_("thème"), max_length=200)
    position = models.PositiveSmallIntegerField(_("ordre"), default=0)

    class Meta:
        verbose_name = _("thème du guide")
        verbose_name_plural = _("thèmes du guide")
        ordering = ["guide", "position", "id"]

    def __str__(self):
        return self.title


class GuideQuestion(models.Model):
    theme = models.ForeignKey(GuideTheme, on_delete=models.CASCADE, related_name="questions")
    text = models.TextField(_("question"))
    prompts = models.TextField(_("relances"), blank=True)
    position = models.PositiveSmallIntegerField(_("ordre"), default=0)

    class Meta:
        verbose_name = _("question du guide")
        verbose_name_plural = _("questions du guide")
        ordering = ["theme", "position", "id"]

    def __str__(self):
        return self.text[:80]


def consent_upload_to(interview, filename):
    # The browser's file name is not kept (it may carry a participant's name).
    return f"diagnostic/interviews/{interview.project_id}/{interview.guid}/consent.pdf"


def transcript_source_upload_to(transcript, filename):
    suffix = filename.rsplit(".", 1)[-1].lower() if "." in filename else "bin"
    return f"diagnostic/interviews/{transcript.interview.project_id}/{transcript.interview.guid}/source.{suffix}"


class Interview(TimeStampedModel):
    class Kind(models.TextChoices):
        SEMI_DIRECTIVE = "semi_directive", _("Entretien semi-directif")
        COLLECTIVE = "collective", _("Entretien collectif")

    guid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)  # REFI-QDA's identity
    territory = models.ForeignKey(
        "projects.Participation", verbose_name=_("territoire"), on_delete=models.CASCADE, related_name="interviews"
    )
    project = models.ForeignKey(
        "projects.SharedProject", on_delete=models.CASCADE, related_name="interviews", editable=False
    )
    title = models.CharField(
        _("intitulé"), max_length=200, help_text=_("Sans nom de personne : « Association de quartier, Val Fourré ».")
    )
    kind = models.CharField(_("type d'entretien"), max_length=20, choices=Kind.choices, default=Kind.SEMI_DIRECTIVE)
    held_on = models.DateField(_("date de l'entretien"))
    place = models.ForeignKey(
        "diagnostic.Entry",
        verbose_name=_("lieu de l'annuaire"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="interviews_held",
        limit_choices_to={"kind": "place"},
    )
    place_label = models.CharField(_("autre lieu"), max_length=200, blank=True)
    interviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("enquêteur·rice"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="interviews_conducted",
    )
    guide = models.ForeignKey(
        InterviewGuide,
        verbose_name=_("guide utilisé"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="interviews",
    )
    consent_given = models.BooleanField(_("consentement recueilli"), default=False)
    consent_on = models.DateField(_("date du consentement"), null=True, blank=True)
    consent_file = models.FileField(
        _("formulaire de consentement signé (PDF)"),
        storage=private_storage,
        upload_to=consent_upload_to,
        blank=True,
    )
    notes = models.TextField(_("notes de l'enquêteur·rice"), blank=True)
    is_synthetic = models.BooleanField(_("entretien fictif"), default=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("entretien")
        verbose_name_plural = _("entretiens")
        ordering = ["-held_on", "-id"]
        indexes = [models.Index(fields=["territory", "held_on"], name="diag_interview_listing")]

    def __str__(self):
        return f"{self.title} — {self.held_on:%d/%m/%Y}"

    def save(self, *args, **kwargs):
        if self.territory_id and not self.project_id:
            self.project_id = self.territory.project_id
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return reverse("interviews:detail", args=[self.pk])


class InterviewParticipant(models.Model):
    """A person interviewed, by profile: a label ("P1", "Directrice de médiathèque"), never required to be a name."""

    class Profile(models.TextChoices):
        ACTOR = "actor", _("Acteur (structure de l'annuaire)")
        RESIDENT = "resident", _("Habitant·e")
        ELECTED = "elected", _("Élu·e")
        AGENT = "agent", _("Agent de la collectivité")

    interview = models.ForeignKey(Interview, on_delete=models.CASCADE, related_name="participants")
    label = models.CharField(_("désignation"), max_length=120, help_text=_("« P1 », « Bénévole d'association »…"))
    profile = models.CharField(_("profil"), max_length=20, choices=Profile.choices)
    family = models.ForeignKey(
        "diagnostic.ActorFamily",
        verbose_name=_("famille d'acteurs"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        verbose_name = _("personne interrogée")
        verbose_name_plural = _("personnes interrogées")
        ordering = ["interview", "position", "id"]

    def __str__(self):
        return f"{self.label} ({self.get_profile_display()})"


class Transcript(models.Model):
    """The text of an interview. Each edit raises `version`; codings remember the version and the
    words they were made on (coding/anchoring.py)."""

    class Source(models.TextChoices):
        TYPED = "typed", _("Saisie")
        TXT = "txt", _("Fichier texte")
        DOCX = "docx", _("Document Word (.docx)")
        ODT = "odt", _("Document OpenDocument (.odt)")
        PDF = "pdf", _("PDF")
        QDPX = "qdpx", _("Projet REFI-QDA importé")

    guid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    interview = models.OneToOneField(Interview, on_delete=models.CASCADE, related_name="transcript")
    text = models.TextField(_("transcription"))
    version = models.PositiveIntegerField(default=1, editable=False)
    source = models.CharField(_("origine"), max_length=10, choices=Source.choices, default=Source.TYPED)
    source_file = models.FileField(storage=private_storage, upload_to=transcript_source_upload_to, blank=True)
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("transcription")
        verbose_name_plural = _("transcriptions")

    def __str__(self):
        return f"{self.interview} (v{self.version})"


class Pseudonym(models.Model):
    """A name that appears in the territory's transcripts and the role that replaces it in every
    quote read outside the circle allowed to read transcripts (interviews/pseudonyms.py)."""

    territory = models.ForeignKey("projects.Participation", on_delete=models.CASCADE, related_name="pseudonyms")
    name = models.CharField(_("nom tel qu'il apparaît"), max_length=120)
    replacement = models.CharField(
        _("remplacé par"), max_length=120, help_text=_("« [la directrice du centre social] »")
    )

    class Meta:
        verbose_name = _("pseudonyme")
        verbose_name_plural = _("liste de pseudonymisation")
        ordering = ["territory", "name"]
        constraints = [models.UniqueConstraint(fields=["territory", "name"], name="diag_pseudonym_one_per_name")]

    def __str__(self):
        return f"{self.name} → {self.replacement}"
