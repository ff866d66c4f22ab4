from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from territoires.core.models import TimeStampedModel


class ObservationTag(models.Model):
    """A tag of the project's observation notes, shared by its territories (so they compare)."""

    project = models.ForeignKey("projects.SharedProject", on_delete=models.CASCADE, related_name="observation_tags")
    name = models.CharField(_("étiquette"), max_length=60)

    class Meta:
        verbose_name = _("étiquette d'observation")
        verbose_name_plural = _("étiquettes d'observation")
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["project", "name"], name="one_observation_tag_per_project")]

    def __str__(self):
        return self.name


class ObservationNote(TimeStampedModel):
    class TimeSlot(models.TextChoices):
        MORNING = "morning", _("Matin (avant 12 h)")
        MIDDAY = "midday", _("Midi (12 h – 14 h)")
        AFTERNOON = "afternoon", _("Après-midi (14 h – 18 h)")
        EVENING = "evening", _("Soirée (18 h – 22 h)")
        NIGHT = "night", _("Nuit (après 22 h)")

    territory = models.ForeignKey(
        "projects.Participation", verbose_name=_("territoire"), on_delete=models.CASCADE, related_name="observations"
    )
    project = models.ForeignKey(
        "projects.SharedProject", on_delete=models.CASCADE, related_name="observations", editable=False
    )
    place = models.ForeignKey(
        "diagnostic.Entry",
        verbose_name=_("lieu de l'annuaire"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="observations",
        limit_choices_to={"kind": "place"},
    )
    public_space = models.CharField(
        _("espace public"), max_length=200, blank=True, help_text=_("Une place, un parc, un arrêt de bus…")
    )
    observed_on = models.DateField(_("date de l'observation"))
    time_slot = models.CharField(_("créneau"), max_length=20, choices=TimeSlot.choices)
    observer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("observateur·rice"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="observation_notes",
    )
    co_observers = models.CharField(
        _("autres observateur·rices"), max_length=200, blank=True, help_text=_("Prénoms ou fonctions.")
    )
    people = models.TextField(_("qui est là"), blank=True, help_text=_("Publics présents, âges, groupes, absences."))
    uses = models.TextField(_("usages"), blank=True, help_text=_("Ce que les gens font du lieu."))
    flows = models.TextField(_("flux et circulations"), blank=True)
    moments = models.TextField(_("moments et ambiances"), blank=True)
    remarks = models.TextField(_("autres remarques"), blank=True)
    tags = models.ManyToManyField(ObservationTag, verbose_name=_("étiquettes"), blank=True, related_name="notes")
    is_synthetic = models.BooleanField(_("note fictive"), default=False)

    class Meta:
        verbose_name = _("note d'observation")
        verbose_name_plural = _("notes d'observation")
        ordering = ["-observed_on", "-id"]
        indexes = [models.Index(fields=["territory", "observed_on"], name="diag_observation_listing")]
        constraints = [
            models.CheckConstraint(
                condition=Q(place__isnull=False) | ~Q(public_space=""),
                name="diag_observation_has_a_place",
                violation_error_message=_("Indiquez un lieu de l'annuaire ou un espace public."),
            )
        ]

    def __str__(self):
        return f"{self.where} — {self.observed_on:%d/%m/%Y}"

    @property
    def where(self) -> str:
        return self.place.name if self.place_id else self.public_space

    def get_absolute_url(self):
        return reverse("observation:detail", args=[self.pk])

    def summary_fields(self) -> list[tuple[str, str]]:
        return [
            (self._meta.get_field(name).verbose_name.capitalize(), getattr(self, name))
            for name in ("people", "uses", "flows", "moments", "remarks")
        ]


def photo_upload_to(photo, filename):
    # The name the browser sent is not kept: photos are re-encoded (observation/photos.py).
    return f"diagnostic/observations/{photo.note.project_id}/{photo.note_id}/{photo.token}.jpg"


class ObservationPhoto(models.Model):
    class Consent(models.TextChoices):
        NO_PERSON = "no_person", _("Aucune personne reconnaissable sur la photo")
        CONSENTED = "consented", _("Les personnes reconnaissables ont donné leur accord")
        MASKED = "masked", _("Les visages ont été masqués ou floutés avant l'envoi")

    note = models.ForeignKey(ObservationNote, on_delete=models.CASCADE, related_name="photos")
    token = models.CharField(max_length=32, editable=False)
    # MEDIA_ROOT is served by no URL: photos go out through observation:photo, which checks who reads.
    image = models.FileField(_("photo"), upload_to=photo_upload_to, max_length=255)
    caption = models.CharField(_("légende"), max_length=200)
    consent = models.CharField(_("personnes sur la photo"), max_length=20, choices=Consent.choices)
    width = models.PositiveIntegerField(default=0)
    height = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("photo d'observation")
        verbose_name_plural = _("photos d'observation")
        ordering = ["created_at", "id"]

    def __str__(self):
        return self.caption

    def get_absolute_url(self):
        return reverse("observation:photo", args=[self.pk])
