"""Forms of the questionnaire builder. They parse what people type (option lists, conditions) into
the values the services take; the services check the structure and the answers already received."""

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from territoires.core.forms import DsfrForm, SubmissionKeyMixin
from territoires.surveys.kinds import KINDS, kinds_with
from territoires.surveys.kinds.base import ALLOW_OTHER, BOUNDS, MAX_CHOICES, NO_FUTURE, OPTIONS, ROWS, SCALE
from territoires.surveys.models import Question, Survey
from territoires.surveys.questionnaire import (
    MAX_SCALE_POINTS,
    SCALE_BOUNDS,
    answer_codes,
    clauses_of,
    format_coded_lines,
    parse_coded_lines,
)

Kind = Question.Kind
CONDITION_ROWS = 3
MAX_XLSFORM_MB = 5

OPERATOR_CHOICES = [
    ("", _("— pas de condition —")),
    ("in", _("est parmi")),
    ("not_in", _("n'est pas parmi")),
    ("answered", _("a reçu une réponse")),
    ("gte", _("est au moins")),
    ("lte", _("est au plus")),
]

CODED_LINES_HELP = _("Une ligne par élément : « code | libellé », par exemple « musee | Musée ».")
CODED_LINES_HELP_EN = _(
    "Une ligne par élément : « code | libellé | libellé en seconde langue », par exemple « musee | Musée | Museum »."
)


def constraint_from_form(self, kind) -> dict:
    """The XLSForm constraint of a question form (`self`); settings of another kind are dropped.
    Shared by the builder's question forms as their `_constraint` method."""
    data = self.cleaned_data
    constraint = {}
    pattern = (data.get("constraint_pattern") or "").strip()
    if pattern and kind in KIND_GROUPS["pattern"]:
        constraint["pattern"] = pattern
    also_text = (data.get("constraint_also") or "").replace(",", " ").split()
    if also_text and kind in KIND_GROUPS["also"]:
        try:
            numbers = [float(value) for value in also_text]
        except ValueError:
            self.add_error("constraint_also", _("Indiquez des nombres séparés par des espaces."))
            numbers = []
        if numbers:
            constraint["also"] = [int(n) if n.is_integer() else n for n in numbers]
    message = (data.get("constraint_message") or "").strip()
    if message and constraint:
        constraint["message"] = message
    return constraint


class SurveyCreateForm(SubmissionKeyMixin, DsfrForm):
    title = forms.CharField(label=_("Titre de l'enquête"), max_length=200)
    second_language = forms.ChoiceField(
        label=_("Seconde langue"),
        choices=[("", _("Aucune"))] + list(Survey._meta.get_field("second_language").choices),
        required=False,
        help_text=_("Les habitants pourront répondre en français ou dans cette langue."),
    )
    introduction = forms.CharField(
        label=_("Introduction"),
        widget=forms.Textarea(attrs={"rows": 4}),
        required=False,
        max_length=5000,
        help_text=_("Affichée avant la première question. Mise en forme Markdown possible."),
    )


class SurveySettingsForm(DsfrForm):
    title = forms.CharField(label=_("Titre de l'enquête"), max_length=200)
    title_en = forms.CharField(label=_("Titre (seconde langue)"), max_length=200, required=False)
    second_language = SurveyCreateForm.base_fields["second_language"]
    introduction = forms.CharField(
        label=_("Introduction"), widget=forms.Textarea(attrs={"rows": 4}), required=False, max_length=5000
    )
    introduction_en = forms.CharField(
        label=_("Introduction (seconde langue)"),
        widget=forms.Textarea(attrs={"rows": 4}),
        required=False,
        max_length=5000,
    )
    thanks_message = forms.CharField(
        label=_("Message de remerciement"),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        max_length=2000,
        help_text=_("Affiché après l'envoi des réponses, avec le code de suivi."),
    )


class ConditionFieldsMixin:
    """Up to three criteria "show when <earlier question> <operator> <values>", all to be met."""

    def add_condition_fields(self, questions, initial_condition):
        choices = [("", _("— choisir une question —"))] + [
            (question.code, f"{question.code} — {question.label[:80]}") for question in questions
        ]
        clauses = clauses_of(initial_condition)
        self.fields["condition_mode"] = forms.ChoiceField(
            label=_("Afficher quand"),
            choices=[("all", _("tous les critères sont remplis")), ("any", _("au moins un critère est rempli"))],
            required=False,
        )
        if not self.is_bound:
            self.initial["condition_mode"] = "any" if "any" in (initial_condition or {}) else "all"
        for index in range(1, CONDITION_ROWS + 1):
            clause = clauses[index - 1] if index <= len(clauses) else {}
            self.fields[f"condition_question_{index}"] = forms.ChoiceField(
                label=_("Question testée"), choices=choices, required=False
            )
            self.fields[f"condition_op_{index}"] = forms.ChoiceField(
                label=_("Opérateur"), choices=OPERATOR_CHOICES, required=False
            )
            self.fields[f"condition_values_{index}"] = forms.CharField(
                label=_("Réponses ou valeur"),
                required=False,
                max_length=500,
                help_text=_("Codes séparés par des virgules (par exemple « jamais, rare ») ou un nombre."),
            )
            if clause and not self.is_bound:
                self.initial[f"condition_question_{index}"] = clause.get("question", "")
                self.initial[f"condition_op_{index}"] = clause.get("op", "")
                self.initial[f"condition_values_{index}"] = ", ".join(str(v) for v in clause.get("values", []))
        self.condition_questions = questions

    def condition_rows(self):
        return [
            (
                index,
                self[f"condition_question_{index}"],
                self[f"condition_op_{index}"],
                self[f"condition_values_{index}"],
            )
            for index in range(1, CONDITION_ROWS + 1)
        ]

    def condition_codes(self) -> dict[str, list[str]]:
        """{question code: the answer codes a condition may test} for the page's script."""
        return {question.code: codes for question, codes in self.condition_reference() if codes}

    def condition_reference(self):
        """The codes each earlier question accepts, shown beside the criteria."""
        return [(question, answer_codes(question)) for question in self.condition_questions]

    def clean_condition(self):
        clauses = []
        for index in range(1, CONDITION_ROWS + 1):
            code = self.cleaned_data.get(f"condition_question_{index}")
            op = self.cleaned_data.get(f"condition_op_{index}")
            raw = self.cleaned_data.get(f"condition_values_{index}") or ""
            if not code and not op and not raw.strip():
                continue
            if not code:
                self.add_error(f"condition_question_{index}", _("Choisissez la question testée."))
                continue
            if not op:
                self.add_error(f"condition_op_{index}", _("Choisissez un opérateur."))
                continue
            values = [value.strip() for value in raw.split(",") if value.strip()]
            if op in ("in", "not_in") and not values:
                self.add_error(f"condition_values_{index}", _("Indiquez au moins une réponse (son code)."))
                continue
            if op in ("gte", "lte") and len(values) != 1:
                self.add_error(f"condition_values_{index}", _("Indiquez un seul nombre."))
                continue
            clauses.append({"question": code, "op": op, "values": values})
        mode = "any" if self.cleaned_data.get("condition_mode") == "any" else "all"
        return {mode: clauses} if clauses else {}


class SectionForm(ConditionFieldsMixin, DsfrForm):
    title = forms.CharField(label=_("Titre de la section"), max_length=200)
    title_en = forms.CharField(label=_("Titre (seconde langue)"), max_length=200, required=False)
    description = forms.CharField(
        label=_("Description"), widget=forms.Textarea(attrs={"rows": 3}), required=False, max_length=5000
    )
    description_en = forms.CharField(
        label=_("Description (seconde langue)"),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        max_length=5000,
    )

    def __init__(self, *args, survey, questions, condition=None, **kwargs):
        super().__init__(*args, **kwargs)
        if not survey.second_language:
            del self.fields["title_en"], self.fields["description_en"]
        self.add_condition_fields(questions, condition)

    def clean(self):
        cleaned = super().clean()
        cleaned["condition"] = self.clean_condition()
        return cleaned

    _constraint = constraint_from_form

    def service_values(self) -> dict:
        data = self.cleaned_data
        return {
            "title": data["title"],
            "title_en": data.get("title_en", ""),
            "description": data.get("description", ""),
            "description_en": data.get("description_en", ""),
            "condition": data["condition"],
        }


# Which settings each kind uses: the page shows only those (static/surveys/builder.js); without
# JavaScript every group shows, with this list in its legend.
# Read off each kind's settings (territoires/surveys/kinds/).
KIND_GROUPS = {
    "options": kinds_with(OPTIONS),
    "choices": kinds_with(OPTIONS),
    "scale": kinds_with(SCALE),
    "bounds": kinds_with(BOUNDS),
    "rows": kinds_with(ROWS),
    "max_choices": kinds_with(MAX_CHOICES),
    "allow_other": kinds_with(ALLOW_OTHER),
    "no_future": kinds_with(NO_FUTURE),
    # XLSForm constraints: a pattern for texts, codes accepted outside the bounds for numbers.
    "pattern": tuple(code for code, kind in KINDS.items() if kind.free_text),
    "also": kinds_with(BOUNDS),
}
KIND_GROUPS["constraint"] = KIND_GROUPS["pattern"] + KIND_GROUPS["also"]


def cascade_help(question) -> str:
    """What the builder says of a cascading choice (XLSForm choice_filter, kinds/choice_filter.py)."""
    from territoires.surveys.kinds import choice_filter

    criteria = choice_filter.normalise(question.choice_filter)
    text = _("Choix en cascade (« choice_filter » d'un XLSForm) : les options proposées dépendent de %(q)s.") % {
        "q": ", ".join(f"« {question_code} »" for question_code, _column, _op in criteria)
    }
    if choice_filter.columns(question.choice_filter):
        text += " " + _(
            "Une option gardée garde son filtre ; une option ajoutée ici n'en a pas et ne sera proposée à "
            "personne : ajoutez-la plutôt dans le fichier XLSForm, puis importez-le de nouveau."
        )
    return text


class QuestionForm(ConditionFieldsMixin, DsfrForm):
    section = forms.TypedChoiceField(label=_("Section"), coerce=int)
    kind = forms.ChoiceField(label=_("Type de question"), choices=Kind.choices)
    code = forms.CharField(
        label=_("Code"),
        max_length=60,
        help_text=_(
            "Nom de la variable dans les exports : lettres sans accent, chiffres et « _ » (par exemple « frequence »)."
        ),
    )
    label = forms.CharField(label=_("Intitulé"), max_length=500, widget=forms.Textarea(attrs={"rows": 2}))
    label_en = forms.CharField(
        label=_("Intitulé (seconde langue)"), max_length=500, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    help_text = forms.CharField(
        label=_("Aide"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )
    help_text_en = forms.CharField(
        label=_("Aide (seconde langue)"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )
    required = forms.BooleanField(label=_("Réponse obligatoire"), required=False)
    options = forms.CharField(
        label=_("Options de réponse"), required=False, max_length=20000, widget=forms.Textarea(attrs={"rows": 6})
    )
    allow_other = forms.BooleanField(label=_("Ajouter « Autre, précisez »"), required=False)
    max_choices = forms.IntegerField(
        label=_("Nombre maximal de choix"),
        required=False,
        min_value=1,
        max_value=100,
        help_text=_("Choix multiple ou classement : laissez vide pour ne pas limiter."),
    )
    scale_min = forms.IntegerField(
        label=_("Minimum de l'échelle"), required=False, min_value=SCALE_BOUNDS[0], max_value=SCALE_BOUNDS[1]
    )
    scale_max = forms.IntegerField(
        label=_("Maximum de l'échelle"),
        required=False,
        min_value=SCALE_BOUNDS[0],
        max_value=SCALE_BOUNDS[1],
        help_text=_("Par exemple de 1 à 5 ou de 1 à 10 (%(n)d points au plus).") % {"n": MAX_SCALE_POINTS},
    )
    allow_dont_know = forms.BooleanField(label=_("Proposer « Ne sait pas »"), required=False)
    min_value = forms.FloatField(label=_("Valeur minimale"), required=False, min_value=-1e12, max_value=1e12)
    max_value = forms.FloatField(label=_("Valeur maximale"), required=False, min_value=-1e12, max_value=1e12)
    rows = forms.CharField(
        label=_("Lignes du tableau"), required=False, max_length=20000, widget=forms.Textarea(attrs={"rows": 5})
    )
    constraint_pattern = forms.CharField(
        label=_("Forme attendue (expression régulière)"),
        required=False,
        max_length=500,
        help_text=_("Textes : par exemple ^0[1-9][0-9]{8}$ pour un numéro de téléphone à dix chiffres."),
    )
    constraint_also = forms.CharField(
        label=_("Codes acceptés hors des bornes"),
        required=False,
        max_length=200,
        help_text=_("Nombres : par exemple 9999 pour « ne sait pas », séparés par des espaces."),
    )
    constraint_message = forms.CharField(
        label=_("Message si la réponse ne convient pas"),
        required=False,
        max_length=500,
    )
    no_future = forms.BooleanField(
        label=_("Pas de date dans le futur"),
        required=False,
        help_text=_("Pour un événement passé (« votre dernière sortie ») : une date après aujourd'hui est refusée."),
    )

    def __init__(self, *args, survey, sections, questions, question=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.survey = survey
        self.fields["section"].choices = [(section.pk, section.title) for section in sections]
        bilingual = bool(survey.second_language)
        if not bilingual:
            del self.fields["label_en"], self.fields["help_text_en"]
        lines_help = CODED_LINES_HELP_EN if bilingual else CODED_LINES_HELP
        self.fields["options"].help_text = lines_help
        self.fields["rows"].help_text = lines_help
        if question is not None and question.choice_filter:
            self.fields["options"].help_text = f"{lines_help} {cascade_help(question)}"
        if question is not None and not self.is_bound:
            for name in (
                "kind",
                "code",
                "label",
                "label_en",
                "help_text",
                "help_text_en",
                "required",
                "allow_other",
                "max_choices",
                "scale_min",
                "scale_max",
                "allow_dont_know",
                "min_value",
                "max_value",
                "no_future",
            ):
                self.initial[name] = getattr(question, name)
            self.initial["section"] = question.section_id
            constraint = question.constraint or {}
            self.initial["constraint_pattern"] = constraint.get("pattern", "")
            self.initial["constraint_also"] = " ".join(
                str(int(v)) if float(v).is_integer() else str(v) for v in constraint.get("also", [])
            )
            self.initial["constraint_message"] = constraint.get("message", "")
            self.initial["options"] = format_coded_lines(question.options or [])
            self.initial["rows"] = format_coded_lines(question.rows or [])
        self.add_condition_fields(questions, question.condition if question is not None else None)
        self.fields["kind"].widget.attrs["data-question-kind"] = ""

    def _parse_lines(self, name, example):
        try:
            return parse_coded_lines(self.cleaned_data.get(name) or "", what=example)
        except ValidationError as error:
            self.add_error(name, error)
            return []

    def clean(self):
        cleaned = super().clean()
        kind = cleaned.get("kind")
        cleaned["condition"] = self.clean_condition()
        cleaned["parsed_options"] = self._parse_lines("options", _("Musée")) if kind in KIND_GROUPS["options"] else []
        cleaned["parsed_rows"] = self._parse_lines("rows", _("Les horaires")) if kind in KIND_GROUPS["rows"] else []
        cleaned["constraint"] = self._constraint(kind)
        return cleaned

    _constraint = constraint_from_form

    def service_values(self) -> dict:
        """Settings that do not apply to the chosen kind are dropped rather than refused: a form
        whose kind changed keeps values typed for the previous kind in hidden fields."""
        data = self.cleaned_data
        kind = data["kind"]
        return {
            "code": data["code"],
            "kind": kind,
            "label": data["label"],
            "label_en": data.get("label_en", ""),
            "help_text": data.get("help_text", ""),
            "help_text_en": data.get("help_text_en", ""),
            "required": data["required"],
            "options": data["parsed_options"],
            "allow_other": data["allow_other"] if kind in KIND_GROUPS["allow_other"] else False,
            "max_choices": data["max_choices"] if kind in KIND_GROUPS["max_choices"] else None,
            "scale_min": data["scale_min"] if kind in KIND_GROUPS["scale"] else None,
            "scale_max": data["scale_max"] if kind in KIND_GROUPS["scale"] else None,
            "allow_dont_know": data["allow_dont_know"] if kind in KIND_GROUPS["scale"] else False,
            "min_value": data["min_value"] if kind in KIND_GROUPS["bounds"] else None,
            "max_value": data["max_value"] if kind in KIND_GROUPS["bounds"] else None,
            "rows": data["parsed_rows"],
            "no_future": data.get("no_future", False) if kind in KIND_GROUPS["no_future"] else False,
            "constraint": data["constraint"],
            "condition": data["condition"],
        }

    def field_groups(self):
        """Fieldsets of the page, each with the kinds it applies to ("" for all)."""

        def group(legend, names, kinds=()):
            fields = [self[name] for name in names if name in self.fields]
            return {
                "legend": legend,
                "fields": fields,
                "kinds": " ".join(kinds),
                "kind_labels": ", ".join(str(Kind(kind).label) for kind in kinds),
            }

        return [
            group(
                _("La question"),
                ["section", "kind", "code", "label", "label_en", "help_text", "help_text_en", "required"],
            ),
            group(_("Options de réponse"), ["options", "allow_other"], KIND_GROUPS["options"]),
            group(_("Nombre de choix"), ["max_choices"], KIND_GROUPS["max_choices"]),
            group(_("Échelle"), ["scale_min", "scale_max", "allow_dont_know"], KIND_GROUPS["scale"]),
            group(_("Bornes"), ["min_value", "max_value"], KIND_GROUPS["bounds"]),
            group(_("Lignes du tableau"), ["rows"], KIND_GROUPS["rows"]),
            group(_("Date"), ["no_future"], KIND_GROUPS["no_future"]),
            group(
                _("Contrainte"),
                ["constraint_pattern", "constraint_also", "constraint_message"],
                KIND_GROUPS["constraint"],
            ),
        ]


class DeploymentForm(DsfrForm):
    is_open = forms.BooleanField(
        label=_("Collecte ouverte dans ce territoire"),
        required=False,
        help_text=_(
            "Décochez pour fermer la collecte : le lien public, la page de terrain et la saisie papier "
            "refuseront alors les nouvelles réponses."
        ),
    )
    neighbourhoods = forms.CharField(
        label=_("Quartiers proposés aux habitants"),
        required=False,
        max_length=20000,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("Une ligne par quartier : « code | nom », par exemple « centre | Centre-ville »."),
    )

    def clean_neighbourhoods(self):
        try:
            return parse_coded_lines(self.cleaned_data.get("neighbourhoods") or "", what=_("Centre-ville"))
        except ValidationError as error:
            raise ValidationError(error.messages) from error


class CollectorForm(DsfrForm):
    member = forms.ModelChoiceField(
        label=_("Membre de la collectivité"), queryset=None, empty_label=_("Choisir une personne")
    )

    def __init__(self, *args, candidates, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["member"].queryset = candidates
        self.fields["member"].label_from_instance = lambda user: user.get_full_name() or user.email


class XLSFormImportForm(SubmissionKeyMixin, DsfrForm):
    file = forms.FileField(
        label=_("Fichier XLSForm (.xlsx)"),
        help_text=_("Exporté de KoboToolbox, d'ODK ou de cette plateforme ; %(mb)d Mo au plus.")
        % {"mb": MAX_XLSFORM_MB},
        widget=forms.ClearableFileInput(
            attrs={
                "accept": ".xlsx,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                "class": "fr-upload",
            }
        ),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_XLSFORM_MB * 1024 * 1024:
            raise ValidationError(_("Le fichier dépasse %(mb)d Mo.") % {"mb": MAX_XLSFORM_MB})
        head = upload.read(4)
        upload.seek(0)
        if not upload.name.lower().endswith(".xlsx") or head != b"PK\x03\x04":
            raise ValidationError(_("Choisissez un classeur Excel au format .xlsx."))
        return upload
