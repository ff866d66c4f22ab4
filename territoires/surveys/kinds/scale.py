"""Kinds answered on a numeric scale: a rating, and a matrix (one rating per row)."""

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from territoires.surveys.kinds import register
from territoires.surveys.kinds.base import ROWS, SCALE, QuestionKind
from territoires.surveys.kinds.validation import SLOW_PATH, clean_scale_value, message
from territoires.surveys.kinds.widgets import choice, pick
from territoires.surveys.models import DONT_KNOW, Question

Kind = Question.Kind


def _bounds(question) -> tuple[int, int]:
    low = question.scale_min if question.scale_min is not None else 1
    high = question.scale_max if question.scale_max is not None else 5
    return low, high


def _export_scale(question, layout) -> dict:
    from territoires.surveys.exports import SAV_DONT_KNOW

    low, high = _bounds(question)
    values = [(value, str(value)) for value in range(low, high + 1)]
    codes = {value: value for value in range(low, high + 1)}
    missing = []
    if question.allow_dont_know:
        values.append((DONT_KNOW, _("Ne sait pas")))
        codes[DONT_KNOW] = SAV_DONT_KNOW
        missing = [SAV_DONT_KNOW]
    return {"values": values, "sav_codes": codes, "sav_missing": missing, "ordinal": True}


def _xlsform_scale_items(question):
    dont_know = {"code": DONT_KNOW, "label": _("Ne sait pas"), "label_en": "Don't know"}
    items = [{"code": str(v), "label": str(v)} for v in range(question.scale_min, question.scale_max + 1)]
    return items + [dont_know] if question.allow_dont_know else items


def _scale_categories(question):
    low, high = _bounds(question)
    codes = list(range(low, high + 1))
    labels = [str(value) for value in codes]
    if question.allow_dont_know:
        codes.append(DONT_KNOW)
        labels.append(gettext_lazy("Ne sait pas"))
    return codes, labels


def dont_know_number(question) -> int:
    """The number typed for "Ne sait pas" in paper entry: 0, or, on a scale that holds 0, the
    number after its maximum (a 0–10 scale: 11), so that no key picks two entries."""
    low, high = _bounds(question)
    return high + 1 if low <= 0 <= high else 0


class ScaleKind(QuestionKind):
    settings = frozenset({SCALE})


@register
class Rating(ScaleKind):
    code = Kind.RATING
    coded = True
    numeric = True
    widget_template = "surveys/collect/kinds/choices.html"
    preview_template = "surveys/builder/kinds/rating.html"

    def answer_codes(self, question):
        if question.scale_min is None or question.scale_max is None:
            return None
        codes = [str(value) for value in range(question.scale_min, question.scale_max + 1)]
        return codes + [DONT_KNOW] if question.allow_dont_know else codes

    def clean(self, question, value, raw, cleaned, neighbourhood_codes):
        return clean_scale_value(value, question)

    def fast_check(self, question):
        low, high = question.scale.start, question.scale.stop - 1

        def check_rating(value):
            return value if value.__class__ is int and low <= value <= high else SLOW_PATH

        return check_rating

    def widget(self, question, view, value, *, answers, language, deployment, paper):
        qid = view["id"]
        view["choices"] = [
            choice(qid, number, str(number), str(number), str(value) == str(number)) for number in question.scale
        ]
        if question.allow_dont_know:
            view["choices"].append(choice(qid, DONT_KNOW, DONT_KNOW, _("Ne sait pas"), value == DONT_KNOW))
        view["use_select"] = paper  # typing the digit picks the value
        if paper:
            view["template"] = "surveys/collect/kinds/select.html"
            # Each entry starts with the key that picks it: its value, and a number for "don't know".
            for item in view["choices"]:
                item["number"] = dont_know_number(question) if item["value"] == DONT_KNOW else None
        view["scale_labels"] = (question.scale.start, question.scale.stop - 1)
        view["inline"] = True
        view["scale_hint"] = True

    def export_columns(self, question, layout):
        from territoires.surveys import exports

        column = exports.Column(
            layout.name(question.code), question.label, **_export_scale(question, layout), **layout.common
        )
        return [column], exports._plain(question.code)

    def xlsform_rows(self, question, base, form):
        form.add_choices(question.code, _xlsform_scale_items(question))
        return [{**base, "type": f"select_one {question.code}", "appearance": "likert"}]

    def variables(self, question):
        from territoires.surveys.analytics.arrays import Variable

        codes, labels = _scale_categories(question)
        return [Variable(question.code, question.code, "cat", codes, labels)]


@register
class Matrix(ScaleKind):
    code = Kind.MATRIX
    settings = frozenset({SCALE, ROWS})
    widget_template = "surveys/collect/kinds/matrix.html"
    preview_template = "surveys/builder/kinds/matrix.html"

    def clean(self, question, value, raw, cleaned, neighbourhood_codes):
        if not isinstance(value, dict):
            raise ValueError(message("matrix_type"))
        labels = {row["code"]: row["label"] for row in question.rows}
        result = {}
        for row_code, row_value in value.items():
            if row_code not in question.row_codes:
                raise ValueError(message("matrix_row"))
            if row_value in (None, ""):
                continue
            try:
                result[row_code] = clean_scale_value(row_value, question)
            except ValueError:
                scale = question.scale
                raise ValueError(
                    message("matrix_value", row=labels[row_code], min=scale.start, max=scale.stop - 1)
                ) from None
        if question.required and len(result) != len(question.row_codes):
            raise ValueError(message("matrix_missing"))
        # Rows in questionnaire order, so that stored answers read the same way everywhere.
        return {row["code"]: result[row["code"]] for row in question.rows if row["code"] in result}

    def fast_check(self, question):
        low, high = question.scale.start, question.scale.stop - 1
        row_order = tuple(row["code"] for row in question.rows)
        rows = question.row_codes

        def check_matrix(value):
            # Complete rows only: a partial one may be an error to report (required) or need reordering.
            if value.__class__ is not dict or len(value) != len(rows):
                return SLOW_PATH
            for row_code, note in value.items():
                if row_code not in rows or note.__class__ is not int or not low <= note <= high:
                    return SLOW_PATH
            return {row_code: value[row_code] for row_code in row_order}

        return check_matrix

    def from_post(self, question, post):
        rows = {}
        for row in question.rows:
            value = (post.get(f"{question.code}__{row['code']}") or "").strip()
            if value:
                rows[row["code"]] = value
        return rows or None

    def widget(self, question, view, value, *, answers, language, deployment, paper):
        qid = view["id"]
        view["scale_labels"] = (question.scale.start, question.scale.stop - 1)
        current = value if isinstance(value, dict) else {}
        for row in question.rows:
            row_id = f"{qid}-{row['code']}"
            row_value = str(current.get(row["code"], ""))
            choices = [
                choice(row_id, number, str(number), str(number), row_value == str(number), number)
                for number in question.scale
            ]
            if question.allow_dont_know:
                choices.append(
                    choice(
                        row_id,
                        DONT_KNOW,
                        DONT_KNOW,
                        _("Ne sait pas"),
                        row_value == DONT_KNOW,
                        dont_know_number(question),
                    )
                )
            view["rows"].append(
                {
                    "code": row["code"],
                    "id": row_id,
                    "name": f"{question.code}__{row['code']}",
                    "label": pick(row["label"], row.get("label_en", ""), language),
                    "choices": choices,
                }
            )

    def export_columns(self, question, layout):
        from territoires.surveys import exports

        scale = _export_scale(question, layout)
        rows = exports._labels(question.rows)
        columns = [
            exports.Column(
                layout.name(f"{question.code}_{row_code}"), f"{question.label} — {row_label}", **scale, **layout.common
            )
            for row_code, row_label in rows
        ]
        return columns, exports._matrix(question.code, [c for c, _l in rows])

    def xlsform_rows(self, question, base, form):
        from territoires.surveys.xlsform import KIND_COLUMN

        code = question.code
        form.add_choices(code, _xlsform_scale_items(question))
        rows = [{**base, "type": "begin_group", "appearance": "table-list", "required": ""}]
        for item in question.rows:
            rows.append(
                {
                    "type": f"select_one {code}",
                    "name": f"{code}_{item['code']}",
                    **form.labels(item),
                    "required": "yes" if question.required else "",
                    KIND_COLUMN: "matrix_row",
                }
            )
        rows.append({"type": "end_group", "name": code})
        return rows

    def variables(self, question):
        from territoires.surveys.analytics.arrays import Variable

        codes, labels = _scale_categories(question)
        result = []
        for row in question.rows or []:
            row_code = str(row.get("code", ""))
            result.append(
                Variable(
                    f"{question.code}.{row_code}", question.code, "cat", list(codes), list(labels), row_code=row_code
                )
            )
        return result
