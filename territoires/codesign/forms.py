from django import forms
from django.core.validators import MaxLengthValidator
from django.utils.translation import gettext_lazy as _

from territoires.codesign.models import (
    Idea,
    Method,
    Objective,
    SuccessCriterion,
    Workshop,
    WorkshopRegistration,
)
from territoires.codesign.services import MAX_CAPACITY, MAX_CODES
from territoires.codesign.voting import method_choices
from territoires.core.forms import DateInput, DateTimeInput, DsfrForm, DsfrModelForm, SubmissionKeyMixin

PHOTO_TYPES = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp"}
PHOTO_MAX_BYTES = 8 * 1024 * 1024


class PlanForm(DsfrForm):
    summary = forms.CharField(
        label=_("Intentions"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=5000,
        help_text=_("Ce que la co-construction doit produire, avec qui, dans quel esprit."),
    )
    families = forms.ModelMultipleChoiceField(
        label=_("Familles d'acteurs à associer"),
        queryset=None,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Les familles de l'annuaire du projet."),
    )
    methods = forms.MultipleChoiceField(
        label=_("Méthodes choisies"),
        # The restitution meeting is no co-design method: the plan's feedback page schedules it.
        choices=[choice for choice in Method.choices if choice[0] != Method.RESTITUTION],
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    ideas_open = forms.BooleanField(
        label=_("Boîte à idées ouverte aux habitants (sans compte, avec modération)"), required=False
    )

    def __init__(self, *args, families, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["families"].queryset = families


class MilestoneForm(DsfrForm):
    date = forms.DateField(label=_("Date"), widget=DateInput)
    label = forms.CharField(label=_("Intitulé"), max_length=200)
    step = forms.ChoiceField(label=_("Étape de la méthode"), required=False)

    def __init__(self, *args, steps, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["step"].choices = [("", _("(aucune)")), *steps]


class WorkshopForm(DsfrModelForm):
    class Meta:
        model = Workshop
        fields = [
            "title",
            "description",
            "method",
            "family",
            "starts_at",
            "ends_at",
            "place",
            "place_details",
            "facilitator",
            "capacity",
            "registration_closes_at",
            "notes",
        ]
        widgets = {
            "description": forms.Textarea(attrs={"rows": 5}),
            "notes": forms.Textarea(attrs={"rows": 6}),
            "starts_at": DateTimeInput,
            "ends_at": DateTimeInput,
            "registration_closes_at": DateTimeInput,
        }

    def __init__(self, *args, places, families, facilitators, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["place"].queryset = places
        self.fields["family"].queryset = families
        self.fields["facilitator"].queryset = facilitators
        self.fields["capacity"].max_value = MAX_CAPACITY
        self.fields["capacity"].widget.attrs.update({"min": 1, "max": MAX_CAPACITY})
        self.fields["title"].validators.append(MaxLengthValidator(200))


class RegistrationForm(SubmissionKeyMixin, DsfrForm):
    name = forms.CharField(
        label=_("Nom et prénom"), max_length=150, widget=forms.TextInput(attrs={"autocomplete": "name"})
    )
    email = forms.EmailField(
        label=_("Adresse électronique"),
        max_length=254,
        help_text=_(
            "Pour confirmer l'inscription et, si besoin, vous prévenir d'un changement. Format : nom@domaine.fr"
        ),
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    needs = forms.MultipleChoiceField(
        label=_("Besoins d'accessibilité"),
        choices=WorkshopRegistration.Need.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    needs_details = forms.CharField(
        label=_("Autre besoin, ou précisions"), max_length=500, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    consent = forms.BooleanField(
        label=_(
            "J'accepte que mon nom et mon adresse soient connus de l'animateur·rice de l'atelier et du ou de la "
            "référent·e de la collectivité, pour cet atelier seulement."
        )
    )


class IdeaForm(DsfrForm):
    title = forms.CharField(label=_("Idée"), max_length=200)
    body = forms.CharField(
        label=_("Précisions"), required=False, max_length=5000, widget=forms.Textarea(attrs={"rows": 4})
    )
    source = forms.ChoiceField(label=_("D'où vient l'idée ?"), widget=forms.RadioSelect)
    workshop = forms.ModelChoiceField(label=_("Atelier"), queryset=None, required=False)
    finding = forms.ModelChoiceField(label=_("Constat du diagnostic qui l'a suscitée"), queryset=None, required=False)
    survey_topic = forms.ChoiceField(label=_("Thème des réponses libres de l'enquête"), required=False)
    photo = forms.FileField(
        label=_("Photo des post-it ou du paperboard"),
        required=False,
        help_text=_("JPEG, PNG ou WebP, 8 Mo au plus."),
        widget=forms.ClearableFileInput(attrs={"accept": "image/jpeg,image/png,image/webp"}),
    )
    tags = forms.CharField(
        label=_("Étiquettes"),
        required=False,
        max_length=300,
        help_text=_("Séparées par des virgules : mobilité, jeunesse"),
    )

    def __init__(self, *args, workshops, findings, topics, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["source"].choices = [c for c in Idea.Source.choices if c[0] != Idea.Source.ONLINE]
        self.fields["workshop"].queryset = workshops
        self.fields["finding"].queryset = findings
        self.topics = {f"{row.pk}:{index}": (row, label) for index, (row, label, _count) in enumerate(topics)}
        self.fields["survey_topic"].choices = [("", "—")] + [
            (key, f"{label} ({row.survey})") for key, (row, label) in self.topics.items()
        ]

    def clean_photo(self):
        photo = self.cleaned_data.get("photo")
        if not photo:
            return None
        if photo.size > PHOTO_MAX_BYTES:
            raise forms.ValidationError(_("La photo dépasse 8 Mo."))
        # The content decides, not the name: a file that no image reader opens is refused.
        from PIL import Image, UnidentifiedImageError

        try:
            with Image.open(photo) as image:
                image.verify()
                kind = image.format
        except (UnidentifiedImageError, OSError, ValueError, SyntaxError):
            raise forms.ValidationError(_("Ce fichier n'est pas une image JPEG, PNG ou WebP lisible.")) from None
        if kind not in PHOTO_TYPES:
            raise forms.ValidationError(_("Ce fichier n'est pas une image JPEG, PNG ou WebP lisible."))
        photo.seek(0)
        return photo

    def clean_tags(self):
        return [name.strip() for name in self.cleaned_data.get("tags", "").split(",") if name.strip()][:10]

    def topic(self):
        return self.topics.get(self.cleaned_data.get("survey_topic") or "", (None, ""))


class ResidentIdeaForm(SubmissionKeyMixin, DsfrForm):
    title = forms.CharField(label=_("Votre idée"), max_length=200, help_text=_("En une phrase."))
    body = forms.CharField(
        label=_("Précisions (facultatif)"), required=False, max_length=3000, widget=forms.Textarea(attrs={"rows": 4})
    )


class ModerationForm(DsfrForm):
    decision = forms.ChoiceField(
        label=_("Décision"),
        choices=[(Idea.Status.PUBLISHED, _("Publier")), (Idea.Status.REJECTED, _("Ne pas publier"))],
        widget=forms.RadioSelect,
    )
    note = forms.CharField(label=_("Motif (si l'idée n'est pas publiée)"), required=False, max_length=300)


class MergeForm(DsfrForm):
    duplicate = forms.ModelChoiceField(label=_("Idée en double, à fusionner dans celle-ci"), queryset=None)

    def __init__(self, *args, ideas, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["duplicate"].queryset = ideas


class CommentForm(DsfrForm):
    body = forms.CharField(label=_("Votre commentaire"), max_length=3000, widget=forms.Textarea(attrs={"rows": 3}))


class ObjectiveForm(DsfrModelForm):
    class Meta:
        model = Objective
        fields = ["title", "description", "ideas", "findings"]
        widgets = {
            "description": forms.Textarea(attrs={"rows": 4}),
            "ideas": forms.CheckboxSelectMultiple,
            "findings": forms.CheckboxSelectMultiple,
        }

    def __init__(self, *args, ideas, findings, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["ideas"].queryset = ideas
        self.fields["findings"].queryset = findings


class CriterionForm(DsfrModelForm):
    class Meta:
        model = SuccessCriterion
        fields = ["indicator", "unit", "baseline", "target", "target_date", "source"]
        widgets = {"target_date": DateInput}
        help_texts = {
            "indicator": _("Ce qui se mesure : « part des 15-25 ans venus au moins une fois à la médiathèque »."),
            "unit": _("%, personnes, séances…"),
            "source": _("D'où viendra la mesure : fréquentation, enquête habitants, billetterie…"),
        }


class BallotForm(DsfrForm):
    title = forms.CharField(label=_("Question posée"), max_length=250)
    description = forms.CharField(
        label=_("Consignes"), required=False, max_length=3000, widget=forms.Textarea(attrs={"rows": 3})
    )
    method = forms.ChoiceField(label=_("Mode de scrutin"), choices=method_choices, widget=forms.RadioSelect)
    points = forms.IntegerField(
        label=_("Gommettes par personne (vote par gommettes)"), min_value=1, max_value=50, initial=5
    )
    workshop = forms.ModelChoiceField(label=_("Atelier où le vote a lieu (facultatif)"), queryset=None, required=False)
    ideas = forms.ModelMultipleChoiceField(
        label=_("Idées soumises au vote"), queryset=None, required=False, widget=forms.CheckboxSelectMultiple
    )
    other_options = forms.CharField(
        label=_("Autres propositions (actions en projet), une par ligne"),
        required=False,
        max_length=8000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )

    def __init__(self, *args, ideas, workshops, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["ideas"].queryset = ideas
        self.fields["workshop"].queryset = workshops

    def options(self) -> list:
        ideas = [(idea.title, idea) for idea in self.cleaned_data.get("ideas") or []]
        others = [(line, None) for line in (self.cleaned_data.get("other_options") or "").splitlines() if line.strip()]
        return ideas + others


class VoterCodesForm(DsfrForm):
    count = forms.IntegerField(label=_("Nombre de codes à imprimer"), min_value=1, max_value=MAX_CODES, initial=30)


class VoterCodeForm(DsfrForm):
    code = forms.CharField(
        label=_("Votre code de vote"),
        max_length=20,
        help_text=_("Le code à 8 caractères remis à l'accueil de l'atelier."),
        widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "characters", "spellcheck": "false"}),
    )


class ReceiptForm(DsfrForm):
    code = forms.CharField(label=_("Code de suivi"), max_length=20)
