"""The export request form: format, delimiter, BOM and, for leads, the territory."""

from django import forms
from django.utils.translation import gettext_lazy as _

from territoires.core.forms import DsfrForm, SubmissionKeyMixin
from territoires.surveys.exports import FORMATS
from territoires.surveys.models import Export

ALL_TERRITORIES = "all"


class ExportForm(SubmissionKeyMixin, DsfrForm):
    format = forms.ChoiceField(
        label=_("Format"),
        choices=[(value, label) for value, label in Export.Format.choices if value in FORMATS],
        initial=Export.Format.CSV,
        widget=forms.RadioSelect,
        help_text=_(
            "CSV et Excel : une ligne par réponse, une colonne par question (choix multiples : une colonne 0/1 "
            "par option). SPSS : avec les libellés des variables et des valeurs. Dictionnaire : la liste des "
            "variables, de leurs codes et de leurs conditions d'affichage."
        ),
    )
    delimiter = forms.ChoiceField(
        label=_("Séparateur (CSV et dictionnaire)"),
        choices=[(",", _("Virgule (,)")), (";", _("Point-virgule (;) — Excel en français"))],
        initial=";",
    )
    bom = forms.BooleanField(
        label=_("Ajouter l'en-tête UTF-8 (BOM) pour qu'Excel affiche bien les accents"),
        required=False,
        initial=True,
    )
    territory = forms.ChoiceField(label=_("Territoire"))

    def __init__(self, *args, scope, **kwargs):
        super().__init__(*args, **kwargs)
        choices = [(str(d.pk), d.participation.organisation.name) for d in scope.deployments]
        if scope.all_territories:
            choices.insert(0, (ALL_TERRITORIES, _("Tous les territoires")))
        self.fields["territory"].choices = choices
        if len(choices) == 1:
            self.fields["territory"].help_text = _("Vos exports contiennent les réponses de votre territoire.")

    def deployment_id(self) -> int | None:
        value = self.cleaned_data["territory"]
        return None if value == ALL_TERRITORIES else int(value)
