from django import forms
from django.core.validators import MaxLengthValidator, MaxValueValidator, MinLengthValidator, MinValueValidator
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from territoires.accounts.models import Organisation
from territoires.core.forms import DateTimeInput, DsfrForm, DsfrModelForm, SubmissionKeyMixin
from territoires.library.models import Resource
from territoires.projects.models import Theme
from territoires.sharing.models import Lesson, NewsPost, PeerEvent
from territoires.sharing.services import MAX_CAPACITY, starts_moved


def _limit(field, *, max_length=None, min_length=None):
    """Length limits on a model form field after construction (the validators are built in __init__)."""
    if max_length:
        field.max_length = max_length
        field.validators.append(MaxLengthValidator(max_length))
        field.widget.attrs["maxlength"] = str(max_length)
    if min_length:
        field.min_length = min_length
        field.validators.append(MinLengthValidator(min_length))


MARKDOWN_HELP = _("Mise en forme Markdown possible (titres, listes, liens).")
LONG_TEXT = 20_000


class NewsPostForm(DsfrModelForm):
    class Meta:
        model = NewsPost
        fields = ["title", "summary", "body", "audience"]
        widgets = {"body": forms.Textarea(attrs={"rows": 10}), "audience": forms.RadioSelect}
        help_texts = {
            "body": MARKDOWN_HELP,
            "audience": _(
                "Les membres du projet lisent toutes les actualités ; seules les actualités « tout public » "
                "paraissent dans les flux Atom."
            ),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _limit(self.fields["title"], min_length=5)
        _limit(self.fields["body"], max_length=LONG_TEXT)
        self.fields["audience"].choices = NewsPost.Audience.choices


class NewsPostCreateForm(SubmissionKeyMixin, NewsPostForm):
    pass


class PeerEventForm(DsfrModelForm):
    class Meta:
        model = PeerEvent
        fields = [
            "kind",
            "title",
            "description",
            "starts_at",
            "ends_at",
            "place",
            "video_url",
            "audience",
            "capacity",
            "notes",
            "resources",
        ]
        widgets = {
            "description": forms.Textarea(attrs={"rows": 6}),
            "notes": forms.Textarea(attrs={"rows": 8}),
            "starts_at": DateTimeInput,
            "ends_at": DateTimeInput,
            "audience": forms.RadioSelect,
            "resources": forms.CheckboxSelectMultiple,
        }
        help_texts = {
            "resources": _("Les ressources publiées du projet : supports, comptes rendus, outils présentés."),
            "description": MARKDOWN_HELP,
            "place": _("Adresse, ou rien si la rencontre a lieu en visioconférence."),
            "video_url": _("Visible seulement des personnes inscrites."),
            "capacity": _("Au-delà, les inscriptions vont sur une liste d'attente."),
            "notes": _("Après la rencontre : ce qui s'y est dit, ce qui est décidé. Markdown possible."),
        }

    def __init__(self, *args, resources=None, **kwargs):
        super().__init__(*args, **kwargs)
        if "resources" in self.fields:
            self.fields["resources"].queryset = resources if resources is not None else Resource.objects.none()
        _limit(self.fields["title"], min_length=5)
        _limit(self.fields["description"], max_length=LONG_TEXT)
        self.fields["audience"].choices = PeerEvent.Audience.choices
        self.fields["kind"].choices = PeerEvent.Kind.choices
        if "notes" in self.fields:
            _limit(self.fields["notes"], max_length=LONG_TEXT)
        self.fields["capacity"].validators += [MinValueValidator(1), MaxValueValidator(MAX_CAPACITY)]
        self.fields["capacity"].widget.attrs.update({"min": 1, "max": MAX_CAPACITY})
        self.fields["video_url"].assume_scheme = "https"

    def clean(self):
        cleaned = super().clean()
        starts_at, ends_at = cleaned.get("starts_at"), cleaned.get("ends_at")
        starts_changed = self.instance.pk is None or starts_moved(self.instance.starts_at, starts_at)
        if starts_at and starts_changed and starts_at < timezone.now():
            self.add_error("starts_at", _("La date de début est passée : choisissez une date à venir."))
        if starts_at and ends_at and ends_at < starts_at:
            # On the field, where the person reads it (the model constraint would say it for the form).
            self.add_error("ends_at", _("La fin doit suivre le début."))
        return cleaned


class PeerEventCreateForm(SubmissionKeyMixin, PeerEventForm):
    class Meta(PeerEventForm.Meta):
        fields = [name for name in PeerEventForm.Meta.fields if name not in ("notes", "resources")]


class LessonForm(DsfrModelForm):
    class Meta:
        model = Lesson
        fields = [
            "title",
            "summary",
            "territory",
            "themes",
            "context",
            "what_worked",
            "obstacles",
            "solutions",
            "open_questions",
            "resources",
            "visibility",
        ]
        widgets = {
            name: forms.Textarea(attrs={"rows": 6})
            for name in ("context", "what_worked", "obstacles", "solutions", "open_questions")
        } | {
            "visibility": forms.RadioSelect,
            "themes": forms.CheckboxSelectMultiple,
            "resources": forms.CheckboxSelectMultiple,
        }
        help_texts = {
            "context": _("Le territoire, le moment du projet, ce que vous cherchiez à faire. Markdown possible."),
            "open_questions": _("Ce que vous n'avez pas résolu et aimeriez discuter avec d'autres collectivités."),
        }

    def __init__(self, *args, project, resources=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["resources"].queryset = resources if resources is not None else Resource.objects.none()
        self.fields["resources"].help_text = _("Les ressources publiées du projet qui prolongent ce retour.")
        participant_ids = [p.organisation_id for p in project.participations.all() if p.is_participant]
        self.fields["territory"].queryset = Organisation.objects.filter(pk__in=participant_ids).order_by("name")
        self.fields["territory"].empty_label = _("Le projet dans son ensemble")
        self.fields["themes"].queryset = Theme.objects.exclude(status=Theme.Status.ARCHIVED).order_by("title")
        _limit(self.fields["title"], min_length=5)
        self.fields["visibility"].choices = Lesson.Visibility.choices
        for name in Lesson.SECTIONS:
            _limit(self.fields[name], max_length=LONG_TEXT)


class LessonCreateForm(SubmissionKeyMixin, LessonForm):
    pass


class LessonFilterForm(DsfrForm):
    """The filters of the lessons list; unknown values are dropped, never an error page."""

    theme = forms.ModelChoiceField(label=_("Thème"), queryset=Theme.objects.none(), required=False)
    project = forms.ModelChoiceField(label=_("Projet partagé"), queryset=None, required=False)

    def __init__(self, *args, themes, projects, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["theme"].queryset = themes
        self.fields["theme"].empty_label = _("Tous les thèmes")
        self.fields["project"].queryset = projects
        self.fields["project"].empty_label = _("Tous les projets")
