"""The note kind: a text shown to the respondent, with no answer (XLSForm `note`)."""

from territoires.surveys.kinds import register
from territoires.surveys.kinds.base import QuestionKind
from territoires.surveys.models import Question

Kind = Question.Kind


@register
class Note(QuestionKind):
    code = Kind.NOTE
    has_answer = False
    widget_template = "surveys/collect/kinds/note.html"
    preview_template = "surveys/builder/kinds/note.html"
    condition_hint = ""

    def check(self, question, add):
        # Nothing to answer: "required" does not apply and is dropped, like the other kinds' unused settings.
        question.required = False

    def clean(self, question, value, raw, cleaned, neighbourhood_codes):
        return None  # nothing to store: a value sent for a note is dropped

    def from_post(self, question, post):
        return None

    def export_columns(self, question, layout):
        return [], None

    def xlsform_rows(self, question, base, form):
        return [{**base, "type": "note", "required": ""}]
