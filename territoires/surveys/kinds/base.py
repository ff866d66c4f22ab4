"""What every question kind answers: the base class of the registry (see kinds/__init__.py).

A kind is a stateless object (one instance per kind, shared by every request). Each method takes
the question it works on: a `Question` row (builder, exports, XLSForm, arrays) or a compiled
question (validation, the questionnaire's pages), both with the same attribute names.
"""

from django.utils.translation import gettext_lazy

# The builder's groups of settings (QuestionForm.field_groups; static/surveys/builder.js shows only
# the groups of the chosen kind).
OPTIONS = "options"
ALLOW_OTHER = "allow_other"
MAX_CHOICES = "max_choices"
SCALE = "scale"
BOUNDS = "bounds"
ROWS = "rows"
NO_FUTURE = "no_future"


class QuestionKind:
    code: str = ""
    # Settings of the builder that apply to this kind (the others are dropped or refused).
    settings: frozenset = frozenset()
    # False for display-only rows (a note): nothing stored, nothing exported, nothing counted.
    has_answer: bool = True
    # Answers are codes from a known list: usable with "in" / "not in" in a condition.
    coded: bool = False
    # Answers are numbers: usable with "at least" / "at most" in a condition.
    numeric: bool = False
    # Answers are lists of codes (XLSForm tests them with selected()).
    answers_are_lists: bool = False
    # Answers kept as typed (spaces inside included); other kinds strip a text before checking it.
    free_text: bool = False
    # Asked only where the territory lists its neighbourhoods.
    needs_neighbourhoods: bool = False
    # The questionnaire's widget (templates/surveys/collect/kinds/) and the builder's preview line.
    widget_template: str = "surveys/collect/kinds/input.html"
    preview_template: str = "surveys/builder/kinds/text.html"
    preview_mark: str = ""  # the builder preview's mark before each option ("" : a rank number)
    # What the builder's condition help says this question can be tested with, when no codes.
    condition_hint = gettext_lazy("« a reçu une réponse » seulement")

    # --- structure (questionnaire.check_question) ------------------------------------------------

    def check(self, question, add) -> None:
        """Kind-specific checks of a question's settings; `add(field, message)` reports one."""

    def answer_codes(self, question) -> list | None:
        """The codes a condition may test for this question (None: any value)."""
        return None

    # --- validation (schema.answers_validate) ----------------------------------------------------

    def clean(self, question, value, raw: dict, cleaned: dict, neighbourhood_codes):
        """The cleaned answer, or ValueError with the French message (the general path)."""
        from territoires.surveys.schema import _message

        raise ValueError(_message("unknown_choice"))

    def fast_check(self, question):
        """A function value -> cleaned value or schema._SLOW_PATH for the common well-formed
        answer, or None when the general path is as fast. Called once per question when the
        schema's checks are built, never per answer."""
        return None

    # --- the questionnaire's pages (run.py) --------------------------------------------------

    def widget(self, question, view: dict, value, *, answers, language, deployment, paper) -> None:
        """Fill the template context of one question (choices, rows, bounds) in `view`."""

    def from_post(self, question, post):
        """The answer typed in an HTML form, as the validator expects it (None: not answered)."""
        value = post.get(question.code)
        if value is not None and value.strip() != "":
            return value
        return None

    def paper_codes_error(self, question, post) -> str:
        """What is wrong with the option numbers typed for this question on the paper form, or ""
        (only the kinds whose paper widget takes typed numbers have anything to say)."""
        return ""

    # --- exports (exports.build_layout) ---------------------------------------------------------

    def export_columns(self, question, layout) -> tuple[list, object]:
        """The columns of the question in an export and the function that fills them."""
        from territoires.surveys import exports

        column = exports.Column(layout.name(question.code), question.label, **layout.common)
        return [column], exports._plain(question.code)

    # --- XLSForm (xlsform.py) --------------------------------------------------------------------

    def xlsform_rows(self, question, base: dict, form) -> list[dict]:
        """The rows of the `survey` sheet for the question (its choices through form.add_choices)."""
        raise NotImplementedError(self.code)

    # --- dashboards (analytics/arrays.py) -------------------------------------------------------

    def variables(self, question) -> list:
        """The encoded columns of the dashboards' arrays."""
        return []

    def __repr__(self):
        return f"<question kind {self.code}>"
