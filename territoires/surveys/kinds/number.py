"""Kinds answered with a number: a number (decimals allowed) and an integer (kept as an integer)."""

import math

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from territoires.surveys.kinds import register
from territoires.surveys.kinds.base import BOUNDS, QuestionKind
from territoires.surveys.kinds.validation import SLOW_PATH, as_number, constraint_error, format_number, message
from territoires.surveys.models import Question

Kind = Question.Kind


def xlsform_number(value) -> str:
    return str(int(value)) if float(value).is_integer() else repr(float(value))


@register
class Number(QuestionKind):
    code = Kind.NUMBER
    settings = frozenset({BOUNDS})
    numeric = True
    xlsform_type = "decimal"
    widget_template = "surveys/collect/kinds/number.html"
    preview_template = "surveys/builder/kinds/number.html"
    condition_hint = gettext_lazy("un nombre (au moins, au plus)")

    def in_bounds(self, question, number: float) -> None:
        if number in question.also:
            return  # a sentinel code ("9999: does not know") accepted outside the bounds
        if question.min_value is not None and number < question.min_value:
            raise constraint_error(question, message("too_small", min=format_number(question.min_value)))
        if question.max_value is not None and number > question.max_value:
            raise constraint_error(question, message("too_large", max=format_number(question.max_value)))

    def clean(self, question, value, raw, cleaned, neighbourhood_codes):
        number = as_number(value)
        if number is None:
            raise ValueError(message("not_number"))
        self.in_bounds(question, number)
        return int(number) if number.is_integer() and abs(number) < 2**53 else number

    def fast_check(self, question):
        low = question.min_value if question.min_value is not None else -math.inf
        high = question.max_value if question.max_value is not None else math.inf

        def check_number(value):
            return value if value.__class__ is int and low <= value <= high and -(2**53) < value < 2**53 else SLOW_PATH

        return check_number

    def widget(self, question, view, value, *, answers, language, deployment, paper):
        view["min"] = question.min_value
        view["max"] = question.max_value

    def export_columns(self, question, layout):
        from territoires.surveys import exports

        column = exports.Column(layout.name(question.code), question.label, numeric=True, precise=True, **layout.common)
        return [column], exports._plain(question.code)

    def xlsform_rows(self, question, base, form):
        bounds = []
        if question.min_value is not None:
            bounds.append(f". >= {xlsform_number(question.min_value)}")
        if question.max_value is not None:
            bounds.append(f". <= {xlsform_number(question.max_value)}")
        constraint = " and ".join(bounds)
        also = [f". = {xlsform_number(value)}" for value in (question.constraint or {}).get("also", [])]
        if also:
            constraint = " or ".join(([f"({constraint})"] if constraint else []) + also)
        return [{**base, "type": self.xlsform_type, "constraint": constraint, **form.constraint_message(question)}]

    def variables(self, question):
        from territoires.surveys.analytics.arrays import Variable

        return [Variable(question.code, question.code, "num")]


@register
class Integer(Number):
    """A whole number (a count, a year): stored, exported and analysed as an integer."""

    code = Kind.INTEGER
    xlsform_type = "integer"
    widget_template = "surveys/collect/kinds/integer.html"
    preview_template = "surveys/builder/kinds/integer.html"

    def check(self, question, add):
        for name in ("min_value", "max_value"):
            value = getattr(question, name)
            if value is not None and math.isfinite(value) and not float(value).is_integer():
                add(name, _("Les bornes d'un nombre entier sont des nombres entiers."))

    def clean(self, question, value, raw, cleaned, neighbourhood_codes):
        number = as_number(value)
        if number is None:
            raise ValueError(message("not_number"))
        if not number.is_integer() or abs(number) >= 2**53:
            raise ValueError(message("not_whole"))
        self.in_bounds(question, number)
        return int(number)
