"""Kinds answered by typing: short and long texts, and the French postcode."""

from django.utils.translation import gettext_lazy

from territoires.surveys.kinds import register
from territoires.surveys.kinds.base import QuestionKind
from territoires.surveys.kinds.validation import (
    LONG_TEXT_MAX,
    POSTCODE_RE,
    SHORT_TEXT_MAX,
    clean_text,
    constraint_error,
    message,
)
from territoires.surveys.models import Question

Kind = Question.Kind


class TextKind(QuestionKind):
    free_text = True
    limit = SHORT_TEXT_MAX

    def clean(self, question, value, raw, cleaned, neighbourhood_codes):
        text = clean_text(value, self.limit)
        if question.pattern is not None and text and question.pattern.search(text) is None:
            raise constraint_error(question, message("pattern"))
        return text

    def xlsform_rows(self, question, base, form):
        row = {**base, "type": "text", "appearance": self.appearance}
        pattern = (question.constraint or {}).get("pattern")
        if pattern:
            row["constraint"] = "regex(., " + "'" + pattern.replace("'", "") + "')"
            row.update(form.constraint_message(question))
        return [row]

    def export_columns(self, question, layout):
        from territoires.surveys import exports

        column = exports.Column(layout.name(question.code), question.label, is_text=True, **layout.common)
        return [column], exports._text(question.code)

    def variables(self, question):
        from territoires.surveys.analytics.arrays import Variable

        return [Variable(question.code, question.code, "text", [1], [gettext_lazy("Répondu")])]


@register
class ShortText(TextKind):
    code = Kind.SHORT_TEXT
    widget_template = "surveys/collect/kinds/short_text.html"

    appearance = ""


@register
class LongText(TextKind):
    code = Kind.LONG_TEXT
    limit = LONG_TEXT_MAX
    widget_template = "surveys/collect/kinds/long_text.html"
    preview_template = "surveys/builder/kinds/long_text.html"

    appearance = "multiline"


@register
class Postcode(QuestionKind):
    code = Kind.POSTCODE
    widget_template = "surveys/collect/kinds/postcode.html"
    preview_template = "surveys/builder/kinds/postcode.html"

    def clean(self, question, value, raw, cleaned, neighbourhood_codes):
        code = str(value).replace(" ", "").strip() if isinstance(value, (str, int)) else ""
        if isinstance(value, int):
            code = f"{value:05d}"
        if not POSTCODE_RE.match(code):
            raise ValueError(message("postcode"))
        return code

    def xlsform_rows(self, question, base, form):
        from territoires.surveys.xlsform import POSTCODE_CONSTRAINT

        return [{**base, "type": "text", "constraint": POSTCODE_CONSTRAINT}]

    def variables(self, question):
        from territoires.surveys.analytics.arrays import Variable

        return [Variable(question.code, question.code, "cat", [], [], dynamic=True)]
