from django import forms
from django.utils.translation import gettext_lazy as _

from territoires.codesign.opinion.models import STATEMENT_MAX_LENGTH, OpinionConversation, Statement
from territoires.codesign.opinion.services import MAX_CODES, MAX_STATEMENTS
from territoires.core.forms import DsfrForm, SubmissionKeyMixin


class OpinionMapForm(SubmissionKeyMixin, DsfrForm):
    title = forms.CharField(label=_("Question posée"), max_length=200)
    description = forms.CharField(
        label=_("Présentation (facultatif)"), required=False, max_length=3000, widget=forms.Textarea(attrs={"rows": 3})
    )
    residents_propose = forms.BooleanField(
        label=_("Les habitants peuvent proposer des affirmations (publiées après modération)"),
        required=False,
        initial=True,
    )
    statements = forms.CharField(
        label=_("Affirmations de départ"),
        help_text=_("Une par ligne, %(n)d caractères au plus chacune.") % {"n": STATEMENT_MAX_LENGTH},
        required=False,
        max_length=MAX_STATEMENTS * (STATEMENT_MAX_LENGTH + 2),
        widget=forms.Textarea(attrs={"rows": 8}),
    )

    def statement_lines(self) -> list[str]:
        return [line.strip() for line in self.cleaned_data["statements"].splitlines() if line.strip()]


class StatementForm(SubmissionKeyMixin, DsfrForm):
    text = forms.CharField(
        label=_("Affirmation"),
        max_length=STATEMENT_MAX_LENGTH,
        help_text=_("Une phrase courte, sur laquelle on peut être d'accord ou non ; pas de lien."),
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class StatementModerationForm(DsfrForm):
    decision = forms.ChoiceField(
        label=_("Décision"),
        choices=[(Statement.Status.PUBLISHED, _("Publier")), (Statement.Status.REJECTED, _("Ne pas publier"))],
        widget=forms.RadioSelect,
    )
    note = forms.CharField(label=_("Motif (si elle n'est pas publiée)"), required=False, max_length=300)


class ConfigurationForm(DsfrForm):
    configuration = forms.ChoiceField(label=_("Réglages du calcul"), choices=OpinionConversation.Configuration.choices)


class CodesForm(DsfrForm):
    count = forms.IntegerField(label=_("Nombre de codes à imprimer"), min_value=1, max_value=MAX_CODES, initial=30)


class ParticipationCodeForm(DsfrForm):
    code = forms.CharField(label=_("Code de participation (sur votre papier)"), max_length=20)
