"""The date kind: a day, optionally never in the future ("your last outing")."""

import datetime

from django.utils import timezone
from django.utils.formats import date_format

from territoires.surveys.kinds import register
from territoires.surveys.kinds.base import NO_FUTURE, QuestionKind
from territoires.surveys.kinds.validation import message
from territoires.surveys.models import Question

Kind = Question.Kind


@register
class Date(QuestionKind):
    code = Kind.DATE
    settings = frozenset({NO_FUTURE})
    widget_template = "surveys/collect/kinds/date.html"
    preview_template = "surveys/builder/kinds/date.html"

    def clean(self, question, value, raw, cleaned, neighbourhood_codes):
        if not isinstance(value, str):
            raise ValueError(message("date"))
        try:
            day = datetime.date.fromisoformat(value.strip()[:10])
        except ValueError:
            raise ValueError(message("date")) from None
        if not 1900 <= day.year <= 2100:
            raise ValueError(message("date_range"))
        if question.no_future:
            today = timezone.localdate()
            if day > today:
                raise ValueError(message("date_future", today=date_format(today, "SHORT_DATE_FORMAT")))
        return day.isoformat()

    def widget(self, question, view, value, *, answers, language, deployment, paper):
        view["max_date"] = timezone.localdate().isoformat() if question.no_future else "2100-12-31"

    def xlsform_rows(self, question, base, form):
        row = {**base, "type": "date"}
        if question.no_future:
            row["constraint"] = ". <= today()"
        return [row]

    def variables(self, question):
        from territoires.surveys.analytics.arrays import Variable

        # Answers counted by month: the dashboard's chart and table of a date question.
        return [Variable(question.code, question.code, "month")]
