from django import forms
from django.utils.translation import gettext_lazy as _

from territoires.core.forms import DateInput, DateTimeInput, DsfrForm, DsfrModelForm, SubmissionKeyMixin
from territoires.plans.models import (
    Action,
    ActionPlan,
    Audience,
    Axis,
    ContributionOutcome,
    Indicator,
    Objective,
    PlanAdoption,
    Proposal,
)
from territoires.projects.deliberations import DELIBERATION_FIELDS
from territoires.projects.forms import DELIBERATION_HELP_TEXTS, deliberation_fields_configure


class PlanForm(SubmissionKeyMixin, DsfrModelForm):
    class Meta:
        model = ActionPlan
        fields = ["title", "summary"]


class AxisForm(DsfrModelForm):
    class Meta:
        model = Axis
        fields = ["title", "description"]


class ObjectiveForm(DsfrModelForm):
    class Meta:
        model = Objective
        fields = ["axis", "title", "description"]

    def __init__(self, *args, plan, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["axis"].queryset = plan.axes.all()
        self.fields["axis"].empty_label = _("Choisir un axe")


class ActionForm(DsfrModelForm):
    revision = forms.IntegerField(widget=forms.HiddenInput, required=False)
    audiences = forms.MultipleChoiceField(
        label=_("Publics visés"), choices=Audience.choices, required=False, widget=forms.CheckboxSelectMultiple
    )

    class Meta:
        model = Action
        fields = [
            "objective",
            "parent",
            "title",
            "description",
            "lead",
            "partners",
            "places",
            "audiences",
            "budget",
            "starts_on",
            "ends_on",
            "weight",
        ]
        widgets = {
            "starts_on": DateInput,
            "ends_on": DateInput,
            "partners": forms.CheckboxSelectMultiple,
            "places": forms.CheckboxSelectMultiple,
        }

    def __init__(self, *args, plan, **kwargs):
        super().__init__(*args, **kwargs)
        from territoires.diagnostic.models import Entry

        self.fields["objective"].queryset = plan.objectives.all()
        self.fields["objective"].empty_label = _("Choisir un objectif")
        parents = plan.actions.all()
        if self.instance.pk:
            parents = parents.exclude(pk=self.instance.pk)
            self.fields["revision"].initial = self.instance.revision
        self.fields["parent"].queryset = parents
        self.fields["parent"].empty_label = _("Aucune (action principale)")
        self.fields["parent"].required = False
        directory = Entry.objects.filter(territory_id=plan.territory_id, merged_into__isnull=True).order_by("name")
        self.fields["partners"].queryset = directory.filter(kind=Entry.Kind.ACTOR)
        self.fields["places"].queryset = directory.filter(kind=Entry.Kind.PLACE)
        self.fields["partners"].help_text = _("Acteurs de l'annuaire de votre territoire.")
        self.fields["places"].help_text = _("Lieux de l'annuaire de votre territoire.")

    def _post_clean(self):
        # The service validates and writes (revision check included); nothing is saved through the form.
        pass


class FollowUpForm(DsfrForm):
    status = forms.ChoiceField(label=_("Statut"), choices=Action.Status.choices)
    progress = forms.IntegerField(label=_("Avancement (%)"), min_value=0, max_value=100)
    revision = forms.IntegerField(widget=forms.HiddenInput, required=False)


class ActionUpdateForm(SubmissionKeyMixin, DsfrForm):
    happened_on = forms.DateField(label=_("Date"), widget=DateInput)
    text = forms.CharField(label=_("Ce qui s'est passé"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3}))


class CommentForm(SubmissionKeyMixin, DsfrForm):
    text = forms.CharField(label=_("Votre commentaire"), max_length=3000, widget=forms.Textarea(attrs={"rows": 3}))


class MilestoneForm(DsfrForm):
    label = forms.CharField(label=_("Jalon"), max_length=200)
    due_on = forms.DateField(label=_("Échéance"), widget=DateInput)


class OriginForm(DsfrForm):
    """One select listing every candidate, grouped by kind (usable without JavaScript); an option's
    value is "kind:id", split by the view."""

    target_id = forms.ChoiceField(label=_("Élément du diagnostic ou de la concertation"), choices=())
    note = forms.CharField(label=_("En quoi l'action y répond"), max_length=500, required=False)

    def __init__(self, *args, choices_by_kind: dict, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["target_id"].choices = [("", _("Choisir un élément"))] + list(choices_by_kind.items())


class IndicatorForm(DsfrModelForm):
    """The indicator, and where its measurements come from: typed in (or a CSV), or a question of a
    survey of the project deployed in the plan's territory, read from its dashboard."""

    source_kind = forms.ChoiceField(
        label=_("Source des mesures"), choices=Indicator.Source.choices, initial=Indicator.Source.TYPED
    )
    survey_question = forms.ChoiceField(
        label=_("Question de l'enquête"),
        required=False,
        help_text=_("Une enquête de ce projet menée sur ce territoire : une question à choix, une note ou un nombre."),
    )
    survey_reading = forms.ChoiceField(
        label=_("Ce qui est lu"), required=False, choices=[("", _("Choisir"))] + list(Indicator.SurveyReading.choices)
    )
    survey_option = forms.ChoiceField(label=_("Réponse (pour une part ou un nombre)"), required=False)
    survey_age = forms.ChoiceField(label=_("Filtre : tranche d'âge"), required=False)
    survey_gender = forms.ChoiceField(label=_("Filtre : genre"), required=False)
    survey_channel = forms.ChoiceField(label=_("Filtre : mode de collecte"), required=False)

    class Meta:
        model = Indicator
        fields = [
            "name",
            "unit",
            "objective",
            "action",
            "baseline_value",
            "baseline_on",
            "baseline_source",
            "target_value",
            "target_on",
            "measurement_source",
        ]
        widgets = {"baseline_on": DateInput, "target_on": DateInput}
        help_texts = {"objective": _("Un objectif ou une action, l'un des deux.")}

    def __init__(self, *args, plan, **kwargs):
        from territoires.plans.survey_source import option_choices, question_choices
        from territoires.surveys.models import AGE_BANDS, GENDERS, Response

        super().__init__(*args, **kwargs)
        self.plan = plan
        self.fields["objective"].queryset = plan.objectives.all()
        self.fields["action"].queryset = plan.actions.all()
        self.fields["objective"].empty_label = _("Aucun")
        self.fields["action"].empty_label = _("Aucune")
        self.fields["survey_question"].choices = [("", _("Aucune"))] + question_choices(plan)
        self.fields["survey_option"].choices = [("", _("Aucune"))] + option_choices(plan)
        everyone = [("", _("Tous"))]
        self.fields["survey_age"].choices = everyone + list(AGE_BANDS)
        self.fields["survey_gender"].choices = everyone + list(GENDERS)
        self.fields["survey_channel"].choices = everyone + list(Response.Channel.choices)

    def clean(self):
        from territoires.surveys.models import Survey

        cleaned = super().clean()
        survey, code = None, ""
        if cleaned.get("source_kind") == Indicator.Source.SURVEY:
            survey_id, _sep, code = (cleaned.get("survey_question") or "").partition(":")
            survey = Survey.objects.filter(pk=survey_id).first() if survey_id.isdigit() else None
        cleaned["survey"] = survey
        cleaned["survey_question_code"] = code
        cleaned["survey_option_code"] = cleaned.get("survey_option") or ""
        cleaned["survey_filters"] = {
            "age": cleaned.get("survey_age") or "",
            "gender": cleaned.get("survey_gender") or "",
            "channel": cleaned.get("survey_channel") or "",
        }
        return cleaned

    def _post_clean(self):
        pass


class SurveyReadForm(SubmissionKeyMixin, DsfrForm):
    """ "Lire maintenant": the indicator's survey read as its dashboard shows it now."""


class MeasurementForm(SubmissionKeyMixin, DsfrForm):
    measured_on = forms.DateField(label=_("Date de la mesure"), widget=DateInput)
    value = forms.DecimalField(label=_("Valeur"), max_digits=14, decimal_places=2)
    source = forms.CharField(label=_("Source"), max_length=300, required=False)


class MeasurementImportForm(DsfrForm):
    file = forms.FileField(
        label=_("Fichier CSV"),
        help_text=_(
            "Colonnes : indicateur ; date ; valeur ; unité (facultative) ; source (facultative). 2 Mo au plus."
        ),
    )


class VersionNoteForm(DsfrForm):
    note = forms.CharField(label=_("Ce qui change dans cette version"), max_length=500, required=False)


class AdoptionForm(SubmissionKeyMixin, DsfrModelForm):
    class Meta:
        model = PlanAdoption
        fields = [*DELIBERATION_FIELDS, "deliberation_document"]
        widgets = {"deliberation_date": DateInput}
        help_texts = DELIBERATION_HELP_TEXTS

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        deliberation_fields_configure(self)

    def deliberation_values(self) -> dict:
        return {name: self.cleaned_data.get(name) for name in DELIBERATION_FIELDS}

    def _post_clean(self):
        # The service checks the deliberation (the charter's rules) and builds the record.
        pass


class OutcomeForm(DsfrForm):
    status = forms.ChoiceField(label=_("Devenir"), choices=ContributionOutcome.Status.choices)
    action = forms.ModelChoiceField(label=_("Action qui la reprend"), queryset=Action.objects.none(), required=False)
    explanation = forms.CharField(
        label=_("Explication pour les habitants"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args, plan, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["action"].queryset = plan.actions.all()
        self.fields["action"].empty_label = _("Aucune")


class ProposalForm(DsfrModelForm):
    class Meta:
        model = Proposal
        fields = ["title", "description", "objectives", "is_published"]
        widgets = {"objectives": forms.CheckboxSelectMultiple}
        help_texts = {
            "objectives": _("Les objectifs des plans des villes qui portent cette proposition."),
            "is_published": _("Une proposition publiée se lit par tous ceux qui voient le projet."),
        }

    def __init__(self, *args, project, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["objectives"].queryset = Objective.objects.filter(plan__project=project).select_related(
            "plan__territory__organisation"
        )
        self.fields["objectives"].label_from_instance = lambda o: f"{o.plan.territory.organisation.name} — {o.title}"

    def _post_clean(self):
        pass


class ReceiptForm(DsfrForm):
    code = forms.CharField(label=_("Votre code de suivi"), max_length=40, help_text=_("Par exemple : 7KQ2-MX9P-4R"))


class RestitutionForm(SubmissionKeyMixin, DsfrForm):
    """A restitution meeting of the adopted plan, open to residents' registration."""

    title = forms.CharField(
        label=_("Titre"), max_length=200, initial=_("Réunion de restitution : ce que le plan a fait de votre parole")
    )
    description = forms.CharField(
        label=_("Présentation"), required=False, max_length=3000, widget=forms.Textarea(attrs={"rows": 3})
    )
    starts_at = forms.DateTimeField(label=_("Début"), widget=DateTimeInput)
    ends_at = forms.DateTimeField(label=_("Fin"), required=False, widget=DateTimeInput)
    place = forms.ModelChoiceField(label=_("Lieu (annuaire)"), queryset=None, required=False, empty_label=_("Aucun"))
    place_details = forms.CharField(
        label=_("Lieu ou précisions"),
        max_length=300,
        required=False,
        help_text=_("Par exemple : salle des fêtes, 1er étage."),
    )
    capacity = forms.IntegerField(label=_("Nombre de places"), min_value=1, max_value=10000, initial=60)

    def __init__(self, *args, territory, **kwargs):
        from territoires.diagnostic.models import Entry

        super().__init__(*args, **kwargs)
        self.fields["place"].queryset = Entry.objects.filter(
            territory=territory, kind="place", merged_into__isnull=True
        ).order_by("name")
