from django import forms
from django.utils.translation import gettext_lazy as _

from territoires.core.forms import DateInput, DsfrForm, SubmissionKeyMixin
from territoires.diagnostic.models import Entry
from territoires.diagnostic.observation.models import ObservationNote, ObservationPhoto


class ObservationForm(SubmissionKeyMixin, DsfrForm):
    place = forms.ModelChoiceField(
        label=_("Lieu de l'annuaire"), queryset=Entry.objects.none(), required=False,
        help_text=_("Ou, s'il n'y figure pas, l'espace public ci-dessous."),
    )  # fmt: skip
    public_space = forms.CharField(label=_("Espace public"), max_length=200, required=False,
                                   help_text=_("Une place, un parc, un arrêt de bus, un marché…"))  # fmt: skip
    observed_on = forms.DateField(label=_("Date de l'observation"), widget=DateInput())
    time_slot = forms.ChoiceField(label=_("Créneau"), choices=[("", "—")] + ObservationNote.TimeSlot.choices)
    co_observers = forms.CharField(label=_("Autres observateur·rices"), max_length=200, required=False,
                                   help_text=_("Prénoms ou fonctions ; vous êtes l'observateur·rice principal·e."))  # fmt: skip
    people = forms.CharField(label=_("Qui est là"), required=False, widget=forms.Textarea(attrs={"rows": 3}),
                             help_text=_("Publics présents, âges, groupes ; qui manque."))  # fmt: skip
    uses = forms.CharField(label=_("Usages"), required=False, widget=forms.Textarea(attrs={"rows": 3}),
                           help_text=_("Ce que les gens font du lieu."))  # fmt: skip
    flows = forms.CharField(label=_("Flux et circulations"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
    moments = forms.CharField(label=_("Moments et ambiances"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
    remarks = forms.CharField(label=_("Autres remarques"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
    tags = forms.CharField(label=_("Étiquettes"), max_length=600, required=False,
                           help_text=_("Séparées par des virgules, par exemple : jeunes, marché, soirée."))  # fmt: skip

    def __init__(self, *args, territory, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["place"].queryset = Entry.objects.current().filter(territory=territory, kind=Entry.Kind.PLACE)

    def note_data(self) -> dict:
        return {name: self.cleaned_data.get(name) for name in (
            "place", "public_space", "observed_on", "time_slot", "co_observers", "people", "uses", "flows",
            "moments", "remarks")}  # fmt: skip


class PhotoForm(DsfrForm):
    image = forms.FileField(
        label=_("Photo"),
        help_text=_("JPEG, PNG ou WebP. Les métadonnées (position GPS, appareil) sont retirées à l'envoi."),
        widget=forms.ClearableFileInput(attrs={"accept": "image/jpeg,image/png,image/webp"}),
    )
    caption = forms.CharField(label=_("Légende"), max_length=200, help_text=_("Ce que montre la photo."))
    consent = forms.ChoiceField(
        label=_("Personnes sur la photo"),
        choices=ObservationPhoto.Consent.choices,
        widget=forms.RadioSelect,
        error_messages={
            "required": _(
                "Indiquez si des personnes sont reconnaissables sur la photo, et si elles ont donné leur accord."
            )
        },
        help_text=_(
            "Les visages ne sont pas l'objet de l'observation : photographiez les lieux et les usages. "
            "Une personne reconnaissable doit avoir donné son accord ; sinon, masquez son visage avant l'envoi."
        ),
    )
