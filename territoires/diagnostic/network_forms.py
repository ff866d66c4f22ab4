"""The link form: two actors and what ties them. The service (network_services.link_create /
link_update) checks the same rules again as a whole; the form shows every error at once."""

from django import forms
from django.core.validators import MaxValueValidator, MinValueValidator
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from territoires.core.forms import DsfrForm, SubmissionKeyMixin
from territoires.diagnostic.models import Link
from territoires.diagnostic.network_services import EARLIEST_YEAR

MANUAL_PROVENANCES = [(code, label) for code, label in Link.Provenance.choices if code != Link.Provenance.ENGAGEMENT]


class ActorChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, entry):
        return f"{entry.name} — {entry.territory.organisation.name}"


class LinkForm(SubmissionKeyMixin, DsfrForm):
    source = ActorChoiceField(
        label=_("Acteur source"),
        queryset=None,
        help_text=_("Un acteur d'un territoire dont vous tenez l'annuaire."),
        error_messages={"invalid_choice": _("Choisissez un acteur de votre territoire dans la liste.")},
    )
    target = ActorChoiceField(
        label=_("Acteur cible"),
        queryset=None,
        help_text=_("Un acteur du projet, de ce territoire ou d'un autre."),
        error_messages={"invalid_choice": _("Choisissez un acteur de ce projet dans la liste.")},
    )
    kind = forms.ChoiceField(label=_("Nature du lien"), choices=Link.Kind.choices)
    direction = forms.ChoiceField(
        label=_("Sens"),
        choices=Link.Direction.choices,
        initial=Link.Direction.MUTUAL,
        widget=forms.RadioSelect,
        help_text=_("Orienté : l'acteur source finance, accueille, programme ou forme l'acteur cible."),
    )
    intensity = forms.TypedChoiceField(
        label=_("Intensité"), choices=Link.Intensity.choices, coerce=int, initial=Link.Intensity.REGULAR
    )
    start_year = forms.IntegerField(label=_("Depuis (année)"), required=False)
    end_year = forms.IntegerField(
        label=_("Jusqu'à (année)"), required=False, help_text=_("Vide si le lien dure encore.")
    )
    provenance = forms.ChoiceField(label=_("D'où vient ce lien"), choices=MANUAL_PROVENANCES)
    note = forms.CharField(
        label=_("Précisions"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args, sources, targets, link: Link | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["source"].queryset = sources.select_related("territory__organisation").order_by("name", "pk")
        self.fields["target"].queryset = targets.select_related("territory__organisation").order_by("name", "pk")
        latest = timezone.localdate().year + 5
        for name in ("start_year", "end_year"):
            self.fields[name].widget.attrs.update({"min": EARLIEST_YEAR, "max": latest, "inputmode": "numeric"})
            self.fields[name].error_messages.update(
                {
                    "min_value": _("Indiquez une année à partir de %(limit_value)s."),
                    "max_value": _("Indiquez une année jusqu'à %(limit_value)s."),
                    "invalid": _("Indiquez une année en chiffres, par exemple 2019."),
                }
            )
            self.fields[name].validators = [MinValueValidator(EARLIEST_YEAR), MaxValueValidator(latest)]
        if link is not None and not self.is_bound:
            for name in ("kind", "direction", "intensity", "start_year", "end_year", "provenance", "note"):
                self.initial[name] = getattr(link, name)
            self.initial["source"] = link.source_id
            self.initial["target"] = link.target_id

    def clean(self):
        data = super().clean()
        source, target = data.get("source"), data.get("target")
        if source is not None and target is not None and source.pk == target.pk:
            self.add_error("target", _("Un acteur ne peut pas être lié à lui-même."))
        start, end = data.get("start_year"), data.get("end_year")
        if start and end and end < start:
            self.add_error("end_year", _("L'année de fin ne peut précéder l'année de début."))
        return data

    def link_data(self) -> dict:
        data = self.cleaned_data
        return {
            name: data[name]
            for name in ("kind", "direction", "intensity", "start_year", "end_year", "provenance", "note")
        }
