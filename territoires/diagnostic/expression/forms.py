from django import forms
from django.utils.translation import gettext_lazy as _
from dsfr.utils import dsfr_input_class_attr

from territoires.core.forms import DsfrForm, SubmissionKeyMixin
from territoires.diagnostic.expression.models import AGE_BANDS, MAX_TEXT_LENGTH, Expression


class ExpressionForm(SubmissionKeyMixin, DsfrForm):
    text = forms.CharField(
        label=_("Votre texte"),
        widget=forms.Textarea(attrs={"rows": 8, "maxlength": MAX_TEXT_LENGTH}),
        max_length=MAX_TEXT_LENGTH,
        help_text=_("Écrivez librement, avec vos mots. Ne citez pas de noms de personnes."),
    )
    neighbourhood = forms.CharField(label=_("Votre quartier"), required=False, max_length=120)
    age_band = forms.ChoiceField(
        label=_("Votre âge"), required=False, choices=[("", _("Je préfère ne pas le dire"))] + AGE_BANDS
    )
    consent_to_publish = forms.BooleanField(
        label=_("J'accepte que mon texte soit publié, sans mon nom, dans la galerie des paroles d'habitants"),
        required=False,
        help_text=_("Sans votre accord, votre texte est lu par l'équipe du diagnostic seulement."),
    )

    def __init__(self, *args, prompt, **kwargs):
        super().__init__(*args, **kwargs)
        choices = prompt.neighbourhood_choices
        if choices:
            self.fields["neighbourhood"] = forms.ChoiceField(
                label=_("Votre quartier"),
                required=False,
                choices=[("", _("Je préfère ne pas le dire"))] + [(name, name) for name in choices],
            )
            self.order_fields(["text", "neighbourhood", "age_band", "consent_to_publish"])
            # The mixin's __init__ already bound (and styled) the text field it replaced.
            self._bound_fields_cache.pop("neighbourhood", None)
            dsfr_input_class_attr(self["neighbourhood"])


class PromptForm(DsfrForm):
    question = forms.CharField(label=_("Question posée aux habitants"), max_length=300,
                               widget=forms.Textarea(attrs={"rows": 2}))  # fmt: skip
    introduction = forms.CharField(
        label=_("Présentation"), required=False, widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Qui lit les textes, ce qu'ils deviennent, jusqu'à quand l'appel est ouvert."),
    )  # fmt: skip
    neighbourhoods = forms.CharField(
        label=_("Quartiers proposés"), required=False, widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("Un quartier par ligne ; laissé vide, chacun écrit son quartier s'il le souhaite."),
    )  # fmt: skip
    is_open = forms.BooleanField(label=_("Ouvrir l'appel : la page publique recueille les textes"), required=False)


class ModerationForm(DsfrForm):
    status = forms.ChoiceField(
        label=_("Décision"),
        choices=[(value, label) for value, label in Expression.Status.choices if value != Expression.Status.PENDING],
        widget=forms.RadioSelect,
    )
    reason = forms.ChoiceField(label=_("Motif"), required=False, choices=[("", "—")] + Expression.Reason.choices)
