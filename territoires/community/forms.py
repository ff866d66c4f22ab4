from django import forms
from django.utils.translation import gettext_lazy as _

from territoires.community.models import BODY_MAX, REASON_MAX, TITLE_MAX, ProjectSpace
from territoires.core.forms import DsfrForm, SubmissionKeyMixin

MENTION_HELP = _(
    "Markdown accepté (**gras**, *italique*, listes, liens). Pour mentionner quelqu'un qui peut lire "
    "cette discussion, écrivez @ suivi de son prénom et de son nom (@Claire Martin) ou de son "
    "identifiant, la partie de son adresse électronique avant l'arobase (@claire.martin)."
)


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    widget = MultipleFileInput

    def clean(self, data, initial=None):
        # The service checks each file's content and size; here only "several files" is handled.
        if isinstance(data, list | tuple):
            return [super(MultipleFileField, self).clean(item, initial) for item in data if item]
        return [super().clean(data, initial)] if data else []


def _body_field(label):
    return forms.CharField(
        label=label,
        max_length=BODY_MAX,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=MENTION_HELP,
        error_messages={
            "max_length": _("Un message compte au plus %(limit_value)d caractères (celui-ci en a %(show_value)d).")
        },
    )


def _files_field():
    return MultipleFileField(
        label=_("Pièces jointes"),
        required=False,
        help_text=_("PDF ou images (PNG, JPEG, GIF), 5 fichiers au plus."),
        widget=MultipleFileInput(attrs={"accept": "application/pdf,image/png,image/jpeg,image/gif"}),
    )


class ThreadForm(SubmissionKeyMixin, DsfrForm):
    title = forms.CharField(label=_("Titre de la discussion"), max_length=TITLE_MAX)
    body = _body_field(_("Premier message"))
    files = _files_field()

    def __init__(self, *args, project=None, **kwargs):
        super().__init__(*args, **kwargs)
        if project is not None:
            self.fields["shared_with_observers"] = forms.BooleanField(
                label=_("Partager avec les collectivités observatrices"),
                required=False,
                help_text=_("Elles pourront la lire (sans écrire) si l'animation du projet l'autorise."),
            )


class ReplyForm(SubmissionKeyMixin, DsfrForm):
    body = _body_field(_("Votre réponse"))
    quote = forms.IntegerField(required=False, widget=forms.HiddenInput, min_value=1, max_value=2**62)
    files = _files_field()


class MessageEditForm(DsfrForm):
    body = _body_field(_("Message"))

    def __init__(self, *args, with_title=False, **kwargs):
        super().__init__(*args, **kwargs)
        if with_title:
            self.fields = {
                "title": forms.CharField(label=_("Titre de la discussion"), max_length=TITLE_MAX),
                **self.fields,
            }


class ReasonForm(DsfrForm):
    reason = forms.CharField(label=_("Motif"), max_length=REASON_MAX, widget=forms.Textarea(attrs={"rows": 3}))


class HideForm(ReasonForm):
    reason = forms.CharField(
        label=_("Motif du masquage"),
        max_length=REASON_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("L'auteur ou l'autrice du message recevra ce motif."),
    )


class ReportForm(ReasonForm):
    reason = forms.CharField(
        label=_("Pourquoi signalez-vous ce message ?"),
        max_length=REASON_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Seule la modération lira votre signalement."),
    )


class ObserverAccessForm(DsfrForm):
    observer_access = forms.ChoiceField(
        label=_("Que voient les collectivités observatrices de l'espace du projet ?"),
        choices=ProjectSpace.ObserverAccess.choices,
        widget=forms.RadioSelect,
    )
