from django import forms
from django.utils.translation import gettext_lazy as _

from territoires.core.forms import DateInput, DsfrForm, SubmissionKeyMixin
from territoires.diagnostic.interviews.models import Interview, InterviewGuide, InterviewParticipant
from territoires.diagnostic.models import ActorFamily, Entry


class GuideForm(DsfrForm):
    title = forms.CharField(label=_("Titre du guide"), max_length=200)
    introduction = forms.CharField(
        label=_("Introduction"), required=False, widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Ce que l'enquêteur·rice dit en ouvrant l'entretien : le projet, l'usage des propos, l'anonymat."),
    )  # fmt: skip


class ThemeForm(DsfrForm):
    title = forms.CharField(label=_("Thème"), max_length=200)


class QuestionForm(DsfrForm):
    text = forms.CharField(label=_("Question"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))
    prompts = forms.CharField(
        label=_("Relances"), max_length=4000, required=False, widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Les questions de relance, une par ligne."),
    )  # fmt: skip


class InterviewForm(SubmissionKeyMixin, DsfrForm):
    title = forms.CharField(
        label=_("Intitulé"), max_length=200,
        help_text=_("Sans nom de personne : « Association de quartier, Val Fourré »."),
    )  # fmt: skip
    kind = forms.ChoiceField(label=_("Type d'entretien"), choices=Interview.Kind.choices)
    held_on = forms.DateField(label=_("Date de l'entretien"), widget=DateInput())
    place = forms.ModelChoiceField(
        label=_("Lieu de l'annuaire"), queryset=Entry.objects.none(), required=False,
        help_text=_("Ou, s'il n'y figure pas, l'autre lieu ci-dessous."),
    )  # fmt: skip
    place_label = forms.CharField(
        label=_("Autre lieu"), max_length=200, required=False, help_text=_("« Par téléphone », « Mairie annexe »…")
    )
    interviewer = forms.ModelChoiceField(label=_("Enquêteur·rice"), queryset=None, required=False)
    guide = forms.ModelChoiceField(
        label=_("Version du guide utilisée"), queryset=InterviewGuide.objects.none(), required=False
    )
    consent_given = forms.BooleanField(
        label=_("Consentement recueilli"), required=False,
        help_text=_("La ou les personnes interrogées ont accepté l'enregistrement et l'usage de leurs propos."),
    )  # fmt: skip
    consent_on = forms.DateField(label=_("Date du consentement"), required=False, widget=DateInput())
    consent_file = forms.FileField(
        label=_("Formulaire de consentement signé (PDF)"), required=False,
        help_text=_("PDF de 10 Mo au plus, vérifié par son contenu. Seuls le prestataire, l'ANCT et le ou la "
                    "référent·e du territoire peuvent l'ouvrir."),
        widget=forms.ClearableFileInput(attrs={"accept": "application/pdf"}),
    )  # fmt: skip
    remove_consent_file = forms.BooleanField(label=_("Retirer le formulaire joint"), required=False)
    notes = forms.CharField(
        label=_("Notes de l'enquêteur·rice"), required=False, widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Contexte, ambiance, ce qui n'apparaît pas dans la transcription. Aucun nom."),
    )  # fmt: skip

    def __init__(self, *args, territory, interviewers, has_file=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["place"].queryset = Entry.objects.current().filter(territory=territory, kind=Entry.Kind.PLACE)
        self.fields["interviewer"].queryset = interviewers
        self.fields["interviewer"].label_from_instance = lambda user: user.get_full_name() or user.email
        self.fields["guide"].queryset = InterviewGuide.objects.filter(project_id=territory.project_id)
        if not has_file:
            del self.fields["remove_consent_file"]

    def interview_data(self) -> dict:
        return {name: self.cleaned_data.get(name) for name in (
            "title", "kind", "held_on", "place", "place_label", "interviewer", "guide", "consent_given", "consent_on",
            "notes")}  # fmt: skip


class ParticipantForm(DsfrForm):
    id = forms.IntegerField(widget=forms.HiddenInput, required=False)
    label = forms.CharField(label=_("Désignation"), max_length=120, required=False,
                            help_text=_("« P1 », « Bénévole d'association » : pas de nom."))  # fmt: skip
    profile = forms.ChoiceField(label=_("Profil"), choices=[("", "—"), *InterviewParticipant.Profile.choices],
                                required=False)  # fmt: skip
    family = forms.ModelChoiceField(label=_("Famille d'acteurs"), queryset=ActorFamily.objects.none(), required=False)
    delete = forms.BooleanField(label=_("Retirer"), required=False)

    def __init__(self, *args, project_id=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["family"].queryset = ActorFamily.objects.filter(project_id=project_id)
        if not self.initial.get("id"):
            del self.fields["delete"]  # an empty row is left empty, not removed


ParticipantFormSet = forms.formset_factory(ParticipantForm, extra=2, max_num=40, absolute_max=60)


def participant_rows(formset) -> list[dict]:
    return [
        {key: form.cleaned_data.get(key) for key in ("id", "label", "profile", "family", "delete")}
        for form in formset.forms
        if form.cleaned_data
    ]


class TranscriptForm(DsfrForm):
    text = forms.CharField(
        label=_("Transcription"), required=False, widget=forms.Textarea(attrs={"rows": 20}),
        help_text=_("Saisissez ou collez le texte ; une ligne par prise de parole, par exemple « P1 : … »."),
    )  # fmt: skip
    upload = forms.FileField(
        label=_("Ou déposez un fichier"), required=False,
        help_text=_("Fichier .txt, .docx, .odt ou .pdf (avec du texte, pas un scan) de 10 Mo au plus : son texte "
                    "remplace celui ci-dessus."),
        widget=forms.ClearableFileInput(attrs={"accept": ".txt,.docx,.odt,.pdf"}),
    )  # fmt: skip
    version = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=0, max_value=2_000_000_000)

    def clean(self):
        data = super().clean()
        if not (data.get("text") or "").strip() and not data.get("upload"):
            raise forms.ValidationError(_("Saisissez la transcription ou déposez un fichier."))
        return data


class PseudonymForm(DsfrForm):
    name = forms.CharField(label=_("Nom tel qu'il apparaît"), max_length=120,
                           help_text=_("Un prénom, un nom, un nom de structure qui identifierait quelqu'un."))  # fmt: skip
    replacement = forms.CharField(label=_("Remplacé par"), max_length=120,
                                  help_text=_("Un rôle : « [la directrice du centre social] »."))  # fmt: skip
