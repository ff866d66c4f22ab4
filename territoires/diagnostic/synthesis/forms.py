from urllib.parse import urlsplit

from django import forms
from django.http import QueryDict
from django.utils.translation import gettext_lazy as _

from territoires.core.forms import DsfrForm, SubmissionKeyMixin
from territoires.diagnostic.synthesis.models import Finding


class FindingForm(SubmissionKeyMixin, DsfrForm):
    statement = forms.CharField(
        label=_("Constat"),
        max_length=400,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Une ou deux phrases, affirmatives : ce que le diagnostic établit."),
    )
    strength = forms.ChoiceField(label=_("Solidité"), choices=Finding.Strength.choices, initial="moderate")
    analysis = forms.CharField(
        label=_("Analyse"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text=_("Ce qui fonde le constat, ses nuances, ses limites. Markdown accepté."),
    )


NOTE_FIELD = forms.CharField(
    label=_("Ce que montre cette preuve"),
    required=False,
    max_length=300,
    help_text=_("Une phrase pour le lecteur, par exemple « 62 % des 15-24 ans ne fréquentent aucun lieu »."),
)


class EvidenceForm(SubmissionKeyMixin, DsfrForm):
    """Base of the add forms of each kind of evidence: `reference()` gives what the kind checks."""

    def __init__(self, *args, finding, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.finding, self.user = finding, user
        self.fields["note"] = NOTE_FIELD

    def reference(self) -> dict:
        raise NotImplementedError


class SurveyFigureForm(EvidenceForm):
    question = forms.ChoiceField(label=_("Question de l'enquête"))
    territory = forms.ChoiceField(label=_("Territoire"), required=False)
    age = forms.ChoiceField(label=_("Tranche d'âge"), required=False)
    gender = forms.ChoiceField(label=_("Genre"), required=False)
    channel = forms.ChoiceField(label=_("Canal de collecte"), required=False)
    dashboard_address = forms.CharField(
        label=_("Ou collez l'adresse du tableau de bord filtré"),
        required=False,
        max_length=2000,
        help_text=_("Ses filtres (y compris les réponses) remplacent ceux choisis ci-dessus."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        from territoires.surveys.models import AGE_BANDS, GENDERS, Question, Response

        questions = (
            Question.objects.filter(survey__project_id=self.finding.project_id)
            .select_related("survey")
            .order_by("survey__created_at", "survey_id", "section__position", "position")
        )
        self.fields["question"].choices = [("", _("Choisir une question"))] + [
            (f"{q.survey_id}:{q.code}", f"{q.survey.title} — {q.label[:120]}") for q in questions
        ]
        territories = [p for p in self.finding.project.participations.all() if p.is_participant]
        self.fields["territory"].choices = [("", _("Tous les territoires"))] + [
            (str(p.pk), p.organisation.name) for p in territories
        ]
        if self.finding.territory_id and not self.is_bound:
            self.initial["territory"] = str(self.finding.territory_id)
        self.fields["age"].choices = [("", _("Tous les âges"))] + list(AGE_BANDS)
        self.fields["gender"].choices = [("", _("Tous"))] + list(GENDERS)
        self.fields["channel"].choices = [("", _("Tous les canaux"))] + list(Response.Channel.choices)
        self.order_fields(["question", "territory", "age", "gender", "channel", "dashboard_address", "note"])

    def reference(self) -> dict:
        from territoires.surveys.models import Deployment

        survey_id, _sep, code = self.cleaned_data["question"].partition(":")
        address = self.cleaned_data.get("dashboard_address", "").strip()
        if address:
            query = urlsplit(address).query
        else:
            query = QueryDict(mutable=True)
            territory = self.cleaned_data.get("territory")
            if territory:
                deployment = Deployment.objects.filter(survey_id=survey_id, participation_id=territory).first()
                # A territory without a deployment of this survey: a filter that matches nothing,
                # which the kind's check reports.
                query["territoire"] = str(deployment.pk if deployment else 2**62)
            for field, key in (("age", "age"), ("gender", "genre"), ("channel", "canal")):
                if self.cleaned_data.get(field):
                    query[key] = self.cleaned_data[field]
            query = query.urlencode()
        return {"survey": survey_id, "question": code, "query": query}


class DirectoryForm(EvidenceForm):
    address = forms.CharField(
        label=_("Adresse de la page de l'annuaire ou de la carte"),
        max_length=2000,
        help_text=_("Filtrez l'annuaire ou la carte du projet, puis copiez ici l'adresse de la page."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.order_fields(["address", "note"])

    def reference(self) -> dict:
        return {"address": self.cleaned_data["address"]}


class ObservationChoiceForm(EvidenceForm):
    note_id = forms.ChoiceField(label=_("Note d'observation"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        from territoires.diagnostic.observation.selectors import visible_notes

        notes = visible_notes(self.user, self.finding.project)
        if self.finding.territory_id:
            notes = notes.filter(territory_id=self.finding.territory_id)
        self.fields["note_id"].choices = [("", _("Choisir une note"))] + [
            (str(note.pk), f"{note} · {note.territory.organisation.name}") for note in notes[:500]
        ]
        self.order_fields(["note_id", "note"])

    def reference(self) -> dict:
        return {"note": self.cleaned_data["note_id"]}


class ExpressionChoiceForm(EvidenceForm):
    expression = forms.ChoiceField(label=_("Texte d'habitant"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        from territoires.diagnostic.expression.models import Expression

        texts = Expression.objects.filter(project_id=self.finding.project_id).exclude(status=Expression.Status.REJECTED)
        if self.finding.territory_id:
            texts = texts.filter(territory_id=self.finding.territory_id)
        texts = [t for t in texts.select_related("territory__organisation", "territory__project", "prompt")[:500]
                 if self.user.has_perm("diagnostic.view_expression", t)]  # fmt: skip
        self.fields["expression"].choices = [("", _("Choisir un texte"))] + [
            (str(t.pk), f"{t.submitted_at:%d/%m/%Y} · {t.get_status_display()} · « {t.text[:90]} »") for t in texts
        ]
        self.order_fields(["expression", "note"])

    def reference(self) -> dict:
        return {"expression": self.cleaned_data["expression"]}


class CodedExcerptsForm(EvidenceForm):
    code = forms.ChoiceField(label=_("Code de la grille"))
    territory = forms.ChoiceField(label=_("Territoire"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        from territoires.diagnostic.coding.forms import codebook_choices
        from territoires.diagnostic.coding.models import Code

        codes = list(Code.objects.filter(project_id=self.finding.project_id))
        self.fields["code"].choices = codebook_choices(codes, blank=_("Choisir un code"))
        territories = [p for p in self.finding.project.participations.all() if p.is_participant]
        self.fields["territory"].choices = [("", _("Tous les territoires"))] + [
            (str(p.pk), p.organisation.name) for p in territories
        ]
        if self.finding.territory_id and not self.is_bound:
            self.initial["territory"] = str(self.finding.territory_id)
        self.order_fields(["code", "territory", "note"])

    def reference(self) -> dict:
        return {"code": self.cleaned_data["code"], "territory": self.cleaned_data.get("territory") or None}


EVIDENCE_FORMS = {
    "survey_figure": SurveyFigureForm,
    "directory": DirectoryForm,
    "observation": ObservationChoiceForm,
    "expression": ExpressionChoiceForm,
    "coded_excerpts": CodedExcerptsForm,
}


class IntroductionForm(DsfrForm):
    introduction = forms.CharField(
        label=_("Introduction"),
        required=False,
        max_length=20000,
        widget=forms.Textarea(attrs={"rows": 10}),
        help_text=_(
            "Contexte, sources et méthode de la synthèse. Markdown accepté. Elle est lue par tous ceux qui ouvrent la synthèse."
        ),
    )
