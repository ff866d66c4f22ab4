from django import forms
from django.utils.translation import gettext_lazy as _

from territoires.core.forms import DsfrForm
from territoires.notifications.models import EmailPreference


class EmailPreferenceForm(DsfrForm):
    mode = forms.ChoiceField(
        label=_("Quels courriels souhaitez-vous recevoir ?"),
        choices=EmailPreference.Mode.choices,
        widget=forms.RadioSelect,
        help_text=_("Les notifications restent toujours visibles sur la plateforme."),
    )
