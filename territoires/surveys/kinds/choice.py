"""Kinds answered by picking codes from a list: single and multiple choice, ranking, and the
fixed lists (age band, gender, the territory's neighbourhoods)."""

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from territoires.surveys.kinds import choice_filter, register
from territoires.surveys.kinds.base import ALLOW_OTHER, MAX_CHOICES, OPTIONS, QuestionKind
from territoires.surveys.kinds.validation import SLOW_PATH, clean_other, message
from territoires.surveys.kinds.widgets import SELECT_THRESHOLD, choice, neighbourhood_options, pick
from territoires.surveys.models import AGE_BANDS, GENDERS, OTHER, Question

Kind = Question.Kind


def _code_of(value):
    return str(value).strip() if isinstance(value, (str, int)) and not isinstance(value, bool) else None


def _check_offered(question, codes, cleaned) -> None:
    """Cascading choices: each code must be offered given the earlier answers (the cleaned ones:
    answers of visible questions only, as schema.visible_questions sees them)."""
    if not getattr(question, "choice_filter", ()):
        return
    offered = {option["code"] for option in question.offered_options(cleaned)}
    if any(code != OTHER and code not in offered for code in codes):
        raise ValueError(message("not_offered"))


class PickOne(QuestionKind):
    """One code out of the question's options (its own, or a fixed list)."""

    coded = True
    widget_template = "surveys/collect/kinds/choices.html"

    def options_of(self, question, deployment):
        return question.options

    def answer_codes(self, question):
        codes = [option["code"] for option in question.options or []]
        return codes + [OTHER] if question.allow_other else codes

    def clean(self, question, value, raw, cleaned, neighbourhood_codes):
        code = _code_of(value)
        if code in question.option_codes or (question.allow_other and code == OTHER):
            _check_offered(question, [code], cleaned)
            clean_other(question, code == OTHER, raw, cleaned)
            return code
        raise ValueError(message("unknown_choice"))

    def fast_check(self, question):
        if getattr(question, "choice_filter", ()):
            return None  # the options offered depend on earlier answers: the general path
        codes = question.option_codes - {OTHER}  # "other" needs its text: general path

        def check_choice(value):
            return value if value.__class__ is str and value in codes else SLOW_PATH

        return check_choice

    def widget(self, question, view, value, *, answers, language, deployment, paper):
        qid = view["id"]
        options = self.options_of(question, deployment)
        selected = set(value) if isinstance(value, list) else {str(value)} if value is not None else set()
        view["choices"] = [
            choice(
                qid,
                index,
                option["code"],
                pick(option["label"], option.get("label_en", ""), language),
                option["code"] in selected,
                index,
            )
            for index, option in enumerate(options, start=1)
        ]
        criteria = getattr(question, "choice_filter", ())
        if criteria:
            # Every option is drawn (static/surveys/collect.js shows those the answers allow as they
            # change); once an earlier answer is known, the options it excludes start hidden (so
            # without JavaScript too); on paper and in the builder's preview each carries its
            # condition in words.
            if paper or view.get("choice_filter_labels"):
                labels = view.get("choice_filter_labels") or {}
                for item, option in zip(view["choices"], options, strict=True):
                    condition = choice_filter.describe(criteria, option, labels)
                    item["label"] = f"{item['label']} ({condition})" if condition else item["label"]
            elif any(parent in answers for parent, _column, _op in criteria):
                for item, option in zip(view["choices"], options, strict=True):
                    item["hidden"] = not choice_filter.offered(criteria, option, answers)
        if question.allow_other:
            view["other"] = {
                "name": question.other_field,
                "id": f"{qid}-autre",
                "checked": OTHER in selected,
                "value": answers.get(question.other_field, ""),
            }
            view["choices"].append(choice(qid, "other", OTHER, _("Autre"), OTHER in selected, "a"))
        self.choose_widget(question, view, value, paper=paper)

    def choose_widget(self, question, view, value, *, paper):
        if paper or len(view["choices"]) > SELECT_THRESHOLD:
            view["use_select"] = True
            view["template"] = "surveys/collect/kinds/select.html"

    def export_columns(self, question, layout):
        from territoires.surveys import exports

        values = self.export_values(question, layout)
        codes = {value: position + 1 for position, (value, _label) in enumerate(values)}
        columns = [
            exports.Column(layout.name(question.code), question.label, values=values, sav_codes=codes, **layout.common)
        ]
        return columns, exports._plain(question.code)

    def export_values(self, question, layout):
        from territoires.surveys import exports

        return exports._labels(question.options)

    def variables(self, question):
        from territoires.surveys.analytics.arrays import Variable, _labelled

        codes, labels = _labelled(question.options or [])
        return [Variable(question.code, question.code, "cat", codes, labels)]


@register
class Single(PickOne):
    code = Kind.SINGLE
    preview_mark = "○"
    settings = frozenset({OPTIONS, ALLOW_OTHER})
    preview_template = "surveys/builder/kinds/options.html"

    def export_columns(self, question, layout):
        from territoires.surveys import exports

        code, label = question.code, question.label
        values = exports._labels(question.options)
        if question.allow_other:
            values.append((OTHER, _("Autre")))
        codes = {value: position + 1 for position, (value, _label) in enumerate(values)}
        columns = [exports.Column(layout.name(code), label, values=values, sav_codes=codes, **layout.common)]
        if not question.allow_other:
            return columns, exports._plain(code)
        columns.append(
            exports.Column(
                layout.name(f"{code}_autre_texte"), f"{label} — {_('autre, précisez')}", is_text=True, **layout.common
            )
        )
        return columns, exports._single_with_other(code, f"{code}__{OTHER}")

    def xlsform_rows(self, question, base, form):
        return _select_rows(question, base, form, multiple=False)

    def variables(self, question):
        from territoires.surveys.analytics.arrays import Variable

        codes, labels = _categories_with_other(question)
        return [Variable(question.code, question.code, "cat", codes, labels)]


def _categories_with_other(question) -> tuple[list, list]:
    """The dashboard categories of a choice: its options, then "Autre" when offered."""
    from territoires.surveys.analytics.arrays import _labelled

    codes, labels = _labelled(question.options or [])
    if question.allow_other:
        codes.append(OTHER)
        labels.append(gettext_lazy("Autre"))
    return codes, labels


def _select_rows(question, base, form, *, multiple: bool):
    from territoires.surveys.xlsform import KIND_COLUMN, OTHER_TEXT

    code = question.code
    items = list(question.options)
    if question.allow_other:
        items.append({"code": OTHER, "label": _("Autre"), "label_en": "Other"})
    form.add_choices(code, items)
    row = {**base, "type": f"{'select_multiple' if multiple else 'select_one'} {code}"}
    if question.choice_filter:
        row["choice_filter"] = choice_filter.expression(choice_filter.normalise_dicts(question.choice_filter))
    if multiple and question.max_choices:
        row["constraint"] = f"count-selected(.) <= {question.max_choices}"
    rows = [row]
    if question.allow_other:
        test = f"selected(${{{code}}}, 'other')" if multiple else f"${{{code}}} = 'other'"
        rows.append(
            {
                "type": "text",
                "name": f"{code}__other",
                **form.labels({"label": _("Précisez"), "label_en": "Please specify"}),
                "relevant": test,
                KIND_COLUMN: OTHER_TEXT,
            }
        )
    return rows


# How "other" is typed among the option numbers on the paper form.
OTHER_TYPED = ("a", "autre", OTHER, "0")


def _typed_tokens(typed: str) -> list[str]:
    return typed.replace(",", " ").replace(";", " ").split()


def _codes_from_numbers(question, typed: str) -> list:
    """ "1 3 a" → the 1st and 3rd options and "other" (typed as a, autre or 0)."""
    codes = []
    by_number = {str(index): option["code"] for index, option in enumerate(question.options, start=1)}
    for token in _typed_tokens(typed):
        token = token.strip().lower()
        if token in by_number:
            codes.append(by_number[token])
        elif question.allow_other and token in OTHER_TYPED:
            codes.append(OTHER)
        else:
            codes.append(token)  # left as typed: refused as an unknown choice, with its message
    return codes[:50]


@register
class Multiple(PickOne):
    code = Kind.MULTIPLE
    preview_mark = "☐"
    answers_are_lists = True
    settings = frozenset({OPTIONS, ALLOW_OTHER, MAX_CHOICES})
    preview_template = "surveys/builder/kinds/options.html"

    def clean(self, question, value, raw, cleaned, neighbourhood_codes):
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list):
            raise ValueError(message("not_a_list"))
        codes = [str(item) for item in value if isinstance(item, (str, int)) and not isinstance(item, bool)]
        if len(codes) != len(value):
            raise ValueError(message("unknown_choice"))
        if len(set(codes)) != len(codes):
            raise ValueError(message("duplicate"))
        allowed = question.option_codes | ({OTHER} if question.allow_other else set())
        if any(code not in allowed for code in codes):
            raise ValueError(message("unknown_choice"))
        if question.max_choices and len(codes) > question.max_choices:
            raise ValueError(message("too_many", max=question.max_choices))
        _check_offered(question, codes, cleaned)
        clean_other(question, OTHER in codes, raw, cleaned)
        return codes

    def fast_check(self, question):
        if getattr(question, "choice_filter", ()):
            return None  # the options offered depend on earlier answers: the general path
        codes = question.option_codes - {OTHER}
        most = question.max_choices or len(codes)

        def check_multiple(value):
            if value.__class__ is not list or not 0 < len(value) <= most:
                return SLOW_PATH
            for item in value:
                if item.__class__ is not str or item not in codes:
                    return SLOW_PATH
            return list(value) if len(set(value)) == len(value) else SLOW_PATH

        return check_multiple

    def from_post(self, question, post):
        code = question.code
        typed = post.get(f"{code}__codes")
        if typed is not None:  # the paper form: option numbers typed in one field ("1 3")
            values = _codes_from_numbers(question, typed)
        else:
            values = post.getlist(code)
        return values or None

    def paper_codes_error(self, question, post):
        """Which option number typed on the paper form ("1 12 x") is wrong, at which position, and
        what the question accepts."""
        typed = post.get(f"{question.code}__codes")
        if not typed:
            return ""
        count = len(question.options)
        wrong = []
        for position, token in enumerate(_typed_tokens(typed), start=1):
            lowered = token.strip().lower()
            if lowered.isdigit() and 1 <= int(lowered) <= count:
                continue
            if question.allow_other and lowered in OTHER_TYPED:
                continue
            wrong.append(_("« %(code)s » en position %(position)s") % {"code": token, "position": position})
        if not wrong:
            return ""
        accepted = _("un numéro de 1 à %(count)s") % {"count": count}
        if question.allow_other:
            accepted = _("%(numbers)s, ou a pour « Autre »") % {"numbers": accepted}
        return (
            _("Code inconnu pour « %(question)s » : %(wrong)s. Tapez %(accepted)s, séparés par des espaces.")
            if len(wrong) == 1
            else _("Codes inconnus pour « %(question)s » : %(wrong)s. Tapez %(accepted)s, séparés par des espaces.")
        ) % {"question": question.label, "wrong": ", ".join(wrong), "accepted": accepted}

    def choose_widget(self, question, view, value, *, paper):
        view["multiple"] = True
        if paper:
            view["template"] = "surveys/collect/kinds/multiple_paper.html"
            numbers = {c["value"]: str(c["number"]) for c in view["choices"]}
            typed = value if isinstance(value, list) else []
            view["codes_value"] = " ".join(numbers.get(str(code), str(code)) for code in typed)

    def export_columns(self, question, layout):
        from territoires.surveys import exports

        code, label = question.code, question.label
        options = exports._labels(question.options)
        columns = [
            exports.Column(
                layout.name(f"{code}_{option_code}"),
                f"{label} — {option_label}",
                values=layout.yes_no,
                numeric=True,
                **layout.common,
            )
            for option_code, option_label in options
        ]
        if question.allow_other:
            columns.append(
                exports.Column(
                    layout.name(f"{code}_autre"),
                    f"{label} — {_('Autre')}",
                    values=layout.yes_no,
                    numeric=True,
                    **layout.common,
                )
            )
            columns.append(
                exports.Column(
                    layout.name(f"{code}_autre_texte"),
                    f"{label} — {_('autre, précisez')}",
                    is_text=True,
                    **layout.common,
                )
            )
        other_key = f"{code}__{OTHER}" if question.allow_other else None
        return columns, exports._multiple(code, [c for c, _l in options], other_key)

    def xlsform_rows(self, question, base, form):
        return _select_rows(question, base, form, multiple=True)

    def variables(self, question):
        from territoires.surveys.analytics.arrays import MAX_MULTIPLE_OPTIONS, Variable

        codes, labels = _categories_with_other(question)
        return [Variable(question.code, question.code, "multi", codes[:MAX_MULTIPLE_OPTIONS], labels)]


@register
class Ranking(QuestionKind):
    code = Kind.RANKING
    answers_are_lists = True
    settings = frozenset({OPTIONS, MAX_CHOICES})
    coded = True
    widget_template = "surveys/collect/kinds/ranking.html"
    preview_template = "surveys/builder/kinds/options.html"

    def answer_codes(self, question):
        return [option["code"] for option in question.options or []] + ([OTHER] if question.allow_other else [])

    def clean(self, question, value, raw, cleaned, neighbourhood_codes):
        if not isinstance(value, list):
            raise ValueError(message("not_a_list"))
        codes = [str(item) for item in value if isinstance(item, (str, int)) and not isinstance(item, bool)]
        if len(codes) != len(value) or len(codes) != len(question.option_codes) or set(codes) != question.option_codes:
            raise ValueError(message("ranking", count=len(question.option_codes)))
        return codes

    def from_post(self, question, post):
        code = question.code
        ranks = {}
        for option in question.options:
            raw = (post.get(f"{code}__{option['code']}") or "").strip()
            if raw:
                ranks[option["code"]] = raw
        if not ranks:
            return None
        try:
            ordered = sorted(ranks, key=lambda option: int(ranks[option]))
            if len(set(ranks.values())) != len(ranks):
                ordered.append("")  # two options with the same rank: refused as a ranking
        except ValueError:
            ordered = [""]
        return ordered

    def widget(self, question, view, value, *, answers, language, deployment, paper):
        ordered = value if isinstance(value, list) else []
        count = len(question.options)
        for index, option in enumerate(question.options, start=1):
            rank = ordered.index(option["code"]) + 1 if option["code"] in ordered else None
            view["ranks"].append(
                {
                    "id": f"{view['id']}-{index}",
                    "name": f"{question.code}__{option['code']}",
                    "label": pick(option["label"], option.get("label_en", ""), language),
                    "choices": [{"value": n, "selected": n == rank} for n in range(1, count + 1)],
                }
            )

    def export_columns(self, question, layout):
        from territoires.surveys import exports

        options = exports._labels(question.options)
        columns = [
            exports.Column(
                layout.name(f"{question.code}_{option_code}"),
                f"{question.label} — {option_label} ({_('rang, 1 = premier')})",
                numeric=True,
                **layout.common,
            )
            for option_code, option_label in options
        ]
        return columns, exports._ranking(question.code, [c for c, _l in options])

    def xlsform_rows(self, question, base, form):
        form.add_choices(question.code, question.options)
        row = {**base, "type": f"rank {question.code}"}
        if question.max_choices:
            # odk:rank ranks every option: the maximum only survives in this platform's column.
            row["tec_max_choices"] = str(question.max_choices)
        return [row]

    def variables(self, question):
        from territoires.surveys.analytics.arrays import Variable, _labelled

        code = question.code
        return [
            Variable(f"{code}.{option_code}", code, "rank", [option_code], [label], option_code=option_code)
            for option_code, label in zip(*_labelled(question.options or []), strict=True)
        ]


class FixedList(PickOne):
    """A census category: the codes are fixed so that margins and answers line up everywhere."""

    fixed: list = []

    def answer_codes(self, question):
        return [code for code, _label in self.fixed]

    def export_values(self, question, layout):
        return [(c, str(lab)) for c, lab in self.fixed]

    def xlsform_rows(self, question, base, form):
        form.add_choices(question.code, [{"code": c, "label": str(label)} for c, label in self.fixed])
        return [{**base, "type": f"select_one {question.code}"}]

    def variables(self, question):
        from territoires.surveys.analytics.arrays import Variable

        return [
            Variable(question.code, question.code, "cat", [c for c, _l in self.fixed], [lab for _c, lab in self.fixed])
        ]


@register
class AgeBand(FixedList):
    code = Kind.AGE_BAND
    fixed = AGE_BANDS
    preview_template = "surveys/builder/kinds/age_band.html"


@register
class Gender(FixedList):
    code = Kind.GENDER
    fixed = GENDERS
    preview_template = "surveys/builder/kinds/gender.html"


@register
class Neighbourhood(PickOne):
    code = Kind.NEIGHBOURHOOD
    needs_neighbourhoods = True
    preview_template = "surveys/builder/kinds/neighbourhood.html"
    condition_hint = gettext_lazy("codes des quartiers du territoire")

    def answer_codes(self, question):
        return None

    def options_of(self, question, deployment):
        return neighbourhood_options(deployment)

    def clean(self, question, value, raw, cleaned, neighbourhood_codes):
        code = _code_of(value)
        if code not in neighbourhood_codes:
            raise ValueError(message("neighbourhood"))
        return code

    def fast_check(self, question):
        return None  # the codes depend on the deployment: the general path checks them

    def export_values(self, question, layout):
        from territoires.surveys import exports

        return exports._neighbourhood_values(layout.deployments)

    def xlsform_rows(self, question, base, form):
        if not form.neighbourhoods:
            # A list may not be empty in XLSForm: a free text until the territories list theirs.
            return [{**base, "type": "text"}]
        form.add_choices(question.code, form.neighbourhoods.values())
        return [{**base, "type": f"select_one {question.code}"}]

    def variables(self, question):
        from territoires.surveys.analytics.arrays import Variable

        return [Variable(question.code, question.code, "cat", [], [], dynamic=True)]
