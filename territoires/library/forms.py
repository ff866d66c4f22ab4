from django import forms
from django.utils.translation import gettext_lazy as _

from territoires.core.forms import DsfrModelForm, SubmissionKeyMixin
from territoires.library.models import Resource
from territoires.library.validators import ACCEPTED_FORMATS_TEXT
from territoires.projects.models import Theme


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one input; each is checked by its content in the service."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput(attrs={"multiple": True}))
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(item, initial) for item in data if item]
        return [single(data, initial)] if data else []


class TerritoryChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, participation):
        return f"{participation.organisation.name} — {participation.project.title}"


class ResourceForm(DsfrModelForm):
    themes = forms.ModelMultipleChoiceField(
        label=_("Thèmes"), queryset=Theme.objects.none(), required=False, widget=forms.CheckboxSelectMultiple
    )
    territory = TerritoryChoiceField(
        label=_("Territoire"),
        queryset=None,
        required=False,
        empty_label=_("Aucun territoire en particulier"),
        help_text=_(
            "Le territoire dont parle la ressource : celui de votre collectivité, ou, pour l'animation, un territoire d'un projet que vous animez."
        ),
    )
    files = MultipleFileField(
        label=_("Fichiers joints"),
        required=False,
        help_text=_("Formats acceptés : %(formats)s. Le type est vérifié d'après le contenu du fichier.")
        % {"formats": ACCEPTED_FORMATS_TEXT},
    )

    class Meta:
        model = Resource
        fields = [
            "kind", "title", "summary", "body", "external_url", "licence", "themes", "tags",
            "project", "territory", "phase", "visibility",
        ]  # fmt: skip
        widgets = {
            "summary": forms.Textarea(attrs={"rows": 3}),
            "body": forms.Textarea(attrs={"rows": 12}),
        }
        help_texts = {
            "body": _("Mise en forme Markdown possible (titres, listes, liens, tableaux)."),
            "tags": _("Séparés par des virgules, par exemple : entretien, jeunesse, médiathèque."),
            "external_url": _("Pour une vidéo ou un lien web : l'adresse de la page."),
            "visibility": _("Les membres du projet : collectivités participantes, prestataire et ANCT."),
        }

    def __init__(self, *args, projects, territories, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["project"].queryset = projects
        self.fields["project"].empty_label = _("Aucun projet")
        self.fields["territory"].queryset = territories
        self.fields["themes"].queryset = Theme.objects.order_by("title")
        self.fields["phase"].choices = [("", _("Aucune phase"))] + list(Resource.PHASE_CHOICES)
        self.fields["title"].min_length = 3
        self.fields["body"].max_length = 100_000

    def clean_tags(self):
        tags = [tag.strip()[:40] for tag in self.cleaned_data.get("tags", "").split(",") if tag.strip()]
        return ", ".join(dict.fromkeys(tags))[:300]


class ResourceCreateForm(SubmissionKeyMixin, ResourceForm):
    pass
