from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator
from django.utils.translation import gettext_lazy as _

from territoires.codesign.panels.models import AGE_BANDS, FEATURES, SEXES, Panel
from territoires.codesign.panels.quotas import value_labels
from territoires.core.forms import DsfrForm, DsfrModelForm, SubmissionKeyMixin

PURPOSE_MAX_LENGTH = 2000


class PanelForm(DsfrModelForm):
    neighbourhoods_text = forms.CharField(
        label=_("Quartiers (un par ligne)"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_(
            "Les strates « quartier » du tirage et la liste proposée aux volontaires. "
            "Par défaut, les quartiers de l'enquête du territoire."
        ),
    )

    class Meta:
        model = Panel
        fields = ["title", "kind", "purpose", "size", "algorithm"]
        widgets = {"purpose": forms.Textarea(attrs={"rows": 4})}
        help_texts = {
            "size": _("De 2 à 500 personnes ; une convention citoyenne en compte souvent 30 à 150."),
            "algorithm": _(
                "Maximin et Nash donnent à chaque volontaire une chance aussi égale que les quotas le permettent, "
                "mais le calcul dure d'une à plusieurs minutes au-delà de 150 volontaires. L'algorithme historique "
                "tire des milliers de volontaires en quelques secondes sans égaliser les chances. Leximin n'est pas "
                "proposé : il demande un solveur commercial (Gurobi)."
            ),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # The question is read on the public volunteer form: a few paragraphs at most.
        purpose = self.fields["purpose"]
        purpose.max_length = PURPOSE_MAX_LENGTH
        purpose.validators.append(MaxLengthValidator(PURPOSE_MAX_LENGTH))
        purpose.widget.attrs["maxlength"] = str(PURPOSE_MAX_LENGTH)
        if self.instance.pk:
            self.initial.setdefault(
                "neighbourhoods_text", "\n".join(f"{n['code']}: {n['label']}" for n in self.instance.neighbourhoods)
            )
        self.fields["size"].min_value = 2
        self.fields["size"].max_value = 500

    def clean_size(self):
        size = self.cleaned_data["size"]
        if size is None or not 2 <= size <= 500:
            raise ValidationError(_("Un panel compte de 2 à 500 membres."))
        return size


class VolunteerForm(SubmissionKeyMixin, DsfrForm):
    name = forms.CharField(
        label=_("Nom et prénom"), max_length=150, widget=forms.TextInput(attrs={"autocomplete": "name"})
    )
    email = forms.EmailField(
        label=_("Adresse électronique (ou téléphone ci-dessous)"),
        max_length=254,
        required=False,
        help_text=_("Pour vous prévenir si vous êtes tiré·e au sort. Format : nom@domaine.fr"),
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    phone = forms.CharField(
        label=_("Téléphone (facultatif si vous donnez une adresse électronique)"),
        max_length=30,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "tel", "inputmode": "tel"}),
    )
    age_band = forms.ChoiceField(label=_("Votre âge"), choices=AGE_BANDS, widget=forms.RadioSelect)
    sex = forms.ChoiceField(label=_("Vous êtes"), choices=SEXES, widget=forms.RadioSelect)
    neighbourhood = forms.ChoiceField(label=_("Votre quartier"))
    non_audience = forms.ChoiceField(
        label=_("Au cours des 12 derniers mois, êtes-vous allé·e au moins une fois dans un lieu culturel ?"),
        help_text=_(
            "Cinéma, bibliothèque ou médiathèque, musée, salle de spectacle ou de concert, théâtre, centre "
            "culturel, conservatoire, monument, festival… La même question que l'enquête sur les usages culturels."
        ),
        choices=[("non", _("Oui, au moins une fois")), ("oui", _("Non, dans aucun de ces lieux"))],
        widget=forms.RadioSelect,
    )
    consent = forms.BooleanField(
        label=_(
            "J'accepte que ces informations servent au tirage au sort du panel. Mon nom et mon contact ne sont vus "
            "que par l'équipe d'animation (ANCT) et le ou la référent·e de la commune, jamais publiés, et effacés à "
            "la fin du panel."
        ),
        required=True,
        error_messages={"required": _("Votre accord est nécessaire pour figurer dans le vivier.")},
    )

    def __init__(self, *args, panel, **kwargs):
        super().__init__(*args, **kwargs)
        choices = panel.neighbourhood_choices()
        if choices:
            self.fields["neighbourhood"].choices = [("", _("Choisir…")), *choices]
        else:  # no neighbourhood list: no neighbourhood stratum
            del self.fields["neighbourhood"]

    def clean_phone(self):
        phone = self.cleaned_data.get("phone", "").strip()
        if phone and sum(char.isdigit() for char in phone) < 6:
            raise ValidationError(_("Ce numéro de téléphone est incomplet. Exemple : 06 12 34 56 78"))
        if phone and any(not (char.isdigit() or char in " +.-()") for char in phone):
            raise ValidationError(_("Un numéro de téléphone ne contient que des chiffres, espaces, +, ., - ou ()."))
        return phone

    def clean(self):
        data = super().clean()
        if (
            not data.get("email")
            and not data.get("phone")
            and "email" not in self.errors
            and "phone" not in self.errors
        ):
            raise ValidationError(_("Donnez une adresse électronique ou un numéro de téléphone pour être prévenu·e."))
        return data


class VolunteerImportForm(DsfrForm):
    file = forms.FileField(
        label=_("Fichier CSV des volontaires"),
        help_text=_(
            "Colonnes : nom;email;telephone;tranche_age;sexe;quartier;aucun_lieu_culturel (séparateur ; ou ,). "
            "tranche_age : 15-24, 25-34, 35-49, 50-64, 65-79 ou 80+ ; sexe : f, m ou x ; quartier : un quartier de "
            "la liste du panel ; aucun_lieu_culturel : oui ou non. Une seule ligne en erreur et rien n'est importé."
        ),
    )


class QuotasForm(DsfrForm):
    """A min and a max field per stratum of the panel."""

    def __init__(self, *args, panel, **kwargs):
        super().__init__(*args, **kwargs)
        self.panel = panel
        labels = value_labels(panel)
        self.strata = []
        for feature in FEATURES:
            for value, (low, high) in (panel.quotas.get(feature) or {}).items():
                name = f"{feature}__{value}"
                label = f"{labels.get(feature, feature)} : {labels.get((feature, value), value)}"
                self.fields[f"{name}__min"] = forms.IntegerField(
                    label=_("%(stratum)s — minimum") % {"stratum": label}, min_value=0, max_value=500, initial=low
                )
                self.fields[f"{name}__max"] = forms.IntegerField(
                    label=_("%(stratum)s — maximum") % {"stratum": label}, min_value=0, max_value=500, initial=high
                )
                self.strata.append((feature, value, label, self[f"{name}__min"], self[f"{name}__max"]))

    def quotas(self) -> dict:
        quotas: dict = {}
        for feature, value, _label, _low, _high in self.strata:
            name = f"{feature}__{value}"
            quotas.setdefault(feature, {})[value] = [
                self.cleaned_data[f"{name}__min"],
                self.cleaned_data[f"{name}__max"],
            ]
        return quotas


SEX_CODES = [code for code, _label in SEXES]
