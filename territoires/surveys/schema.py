"""The questionnaire compiled once per (survey, structure version) and the validation of answers.

Every submission goes through here, so it stays lean: the compiled schema is kept in process memory
(two queries on a miss, none afterwards), and answers are checked by one plain function rather than
a Django form of 30 fields (which deep-copies its fields on every request: shared/LIMITS.md).

Conditions (Section.condition, Question.condition):
    {"all": [{"question": "code", "op": "in" | "not_in" | "answered" | "gte" | "lte", "values": [...]}]}
("any" is accepted too). `not_in` is the negation of `in`, so an unanswered question is "not in" any
list — the same meaning as XLSForm's `${q} != 'x'`. A question is visible when its section and its
own condition match, evaluated in questionnaire order over the answers of visible questions only:
an answer to a question that ends up hidden is dropped and can show nothing further down.
"""

import datetime
import math
import re
import threading
from collections import OrderedDict
from dataclasses import dataclass, field

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from territoires.core.process_caches import register_process_cache
from territoires.surveys.models import AGE_BANDS, DONT_KNOW, GENDERS, OTHER, Question

Kind = Question.Kind

SHORT_TEXT_MAX = 300
LONG_TEXT_MAX = 5000
OTHER_TEXT_MAX = SHORT_TEXT_MAX
CHOICE_KINDS = frozenset({Kind.SINGLE, Kind.AGE_BAND, Kind.GENDER, Kind.NEIGHBOURHOOD})
# Metropolitan and overseas French postcodes (01000–98999; Corsica's 20xxx included).
POSTCODE_RE = re.compile(r"^(?:0[1-9]|[1-8]\d|9[0-8])\d{3}$")
# Control characters other than tab and line breaks: never useful in an answer, and PostgreSQL's
# jsonb refuses NUL outright (a 500 if it got that far).
CONTROL_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
# Labels stay lazy: they are drawn in the language of each request (the questionnaire's second
# language too), and JSON encoding turns them into text then.
AGE_BAND_OPTIONS = tuple({"code": code, "label": label, "label_en": ""} for code, label in AGE_BANDS)
GENDER_OPTIONS = tuple({"code": code, "label": label, "label_en": ""} for code, label in GENDERS)


class AnswersInvalid(Exception):
    """Per-question error messages in French: {"question code": "message"}."""

    def __init__(self, errors: dict[str, str]):
        super().__init__(errors)
        self.errors = errors


@dataclass(frozen=True, slots=True)
class Clause:
    question: str
    op: str
    values: tuple


@dataclass(frozen=True, slots=True)
class Condition:
    clauses: tuple[Clause, ...]
    any: bool = False

    def matches(self, answers: dict) -> bool:
        results = (_clause_matches(clause, answers) for clause in self.clauses)
        return any(results) if self.any else all(results)

    def as_json(self) -> dict:
        key = "any" if self.any else "all"
        return {key: [{"question": c.question, "op": c.op, "values": list(c.values)} for c in self.clauses]}


@dataclass(frozen=True, slots=True)
class CompiledQuestion:
    code: str
    kind: str
    label: str
    label_en: str
    help_text: str
    help_text_en: str
    required: bool
    options: tuple  # ({"code", "label", "label_en"}, …) for choice kinds, age band and gender
    option_codes: frozenset
    allow_other: bool
    max_choices: int | None
    scale_min: int | None
    scale_max: int | None
    allow_dont_know: bool
    min_value: float | None
    max_value: float | None
    rows: tuple
    row_codes: frozenset
    condition: Condition | None
    section_index: int
    participation_id: int | None

    @property
    def scale(self) -> range:
        return range(self.scale_min if self.scale_min is not None else 1, (self.scale_max or 5) + 1)

    @property
    def other_field(self) -> str:
        return f"{self.code}__{OTHER}"

    def as_json(self) -> dict:
        data = {
            "code": self.code,
            "kind": self.kind,
            "label": self.label,
            "required": self.required,
            "condition": self.condition.as_json() if self.condition else None,
        }
        if self.options:
            data["options"] = list(self.options)
        if self.allow_other:
            data["allow_other"] = True
        if self.max_choices:
            data["max_choices"] = self.max_choices
        if self.kind in (Kind.RATING, Kind.MATRIX):
            data.update(scale_min=self.scale.start, scale_max=self.scale.stop - 1, allow_dont_know=self.allow_dont_know)
        if self.kind == Kind.NUMBER:
            data.update(min_value=self.min_value, max_value=self.max_value)
        if self.rows:
            data["rows"] = list(self.rows)
        return data


@dataclass(frozen=True, slots=True)
class CompiledSection:
    index: int
    pk: int
    title: str
    title_en: str
    description: str
    description_en: str
    condition: Condition | None
    questions: tuple[CompiledQuestion, ...]


@dataclass(slots=True)
class SurveySchema:
    survey_id: int
    structure_version: int
    sections: tuple[CompiledSection, ...]
    questions: tuple[CompiledQuestion, ...]
    by_code: dict = field(default_factory=dict)
    age_band_code: str = ""
    gender_code: str = ""
    # {question code: fast check}, built on the first validation (see _fast_check).
    fast_checks: dict | None = None

    def questions_for(self, participation_id: int | None) -> list[CompiledQuestion]:
        """The questions asked in one territory: the common ones and that territory's own."""
        return [q for q in self.questions if q.participation_id is None or q.participation_id == participation_id]

    def visible_questions(
        self, answers: dict, *, participation_id: int | None = None, has_neighbourhoods: bool = True
    ) -> list[CompiledQuestion]:
        """The questions to ask given the answers so far, in order (see the module docstring)."""
        effective: dict = {}
        visible = []
        section_shown: dict[int, bool] = {}
        for question in self.questions:
            if question.participation_id is not None and question.participation_id != participation_id:
                continue
            if question.kind == Kind.NEIGHBOURHOOD and not has_neighbourhoods:
                continue
            index = question.section_index
            if index not in section_shown:
                condition = self.sections[index].condition
                section_shown[index] = condition is None or condition.matches(effective)
            if not section_shown[index]:
                continue
            if question.condition is not None and not question.condition.matches(effective):
                continue
            visible.append(question)
            if question.code in answers:
                effective[question.code] = answers[question.code]
        return visible

    def visible_sections(self, answers: dict, **context) -> list[CompiledSection]:
        codes_by_section: dict[int, list] = {}
        for question in self.visible_questions(answers, **context):
            codes_by_section.setdefault(question.section_index, []).append(question)
        return [section for section in self.sections if section.index in codes_by_section]

    def as_json(self, *, participation_id: int | None = None) -> dict:
        return {
            "survey": self.survey_id,
            "structure_version": self.structure_version,
            "sections": [
                {
                    "index": section.index,
                    "title": section.title,
                    "condition": section.condition.as_json() if section.condition else None,
                    "questions": [
                        q.as_json()
                        for q in section.questions
                        if q.participation_id is None or q.participation_id == participation_id
                    ],
                }
                for section in self.sections
            ],
        }


def _text(value) -> str:
    return "" if value is None else str(value)


def _compile_condition(raw) -> Condition | None:
    if not isinstance(raw, dict):
        return None
    mode_any = "any" in raw and "all" not in raw
    clauses = []
    for item in raw.get("any" if mode_any else "all") or []:
        if not isinstance(item, dict) or not item.get("question"):
            continue
        op = item.get("op", "in")
        if op not in ("in", "not_in", "answered", "gte", "lte"):
            continue
        values = item.get("values")
        if not isinstance(values, list):
            values = [] if values is None else [values]
        if op in ("gte", "lte"):
            numbers = [_as_number(value) for value in values]
            values = [number for number in numbers if number is not None][:1]
            if not values:
                continue
        else:
            values = [str(value) for value in values]
        clauses.append(Clause(str(item["question"]), op, tuple(values)))
    return Condition(tuple(clauses), any=mode_any) if clauses else None


def _as_number(value) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return float(value) if math.isfinite(value) else None
    if isinstance(value, str):
        try:
            number = float(value.strip().replace(",", ".").replace("\u202f", "").replace(" ", ""))
        except ValueError:
            return None
        return number if math.isfinite(number) else None
    return None


def _is_answered(value) -> bool:
    return value not in (None, "", [], {})


def _clause_matches(clause: Clause, answers: dict) -> bool:
    value = answers.get(clause.question)
    if clause.op == "answered":
        return _is_answered(value)
    if clause.op in ("gte", "lte"):
        number = _as_number(value)
        if number is None:
            return False
        return number >= clause.values[0] if clause.op == "gte" else number <= clause.values[0]
    if isinstance(value, list):
        found = any(str(item) in clause.values for item in value)
    elif isinstance(value, dict):
        found = any(str(item) in clause.values for item in value.values())
    else:
        found = _is_answered(value) and str(value) in clause.values
    return found if clause.op == "in" else not found


def compile_schema(survey) -> SurveySchema:
    """Two queries: the sections, then the questions."""
    sections_rows = list(survey.sections.order_by("position", "pk"))
    index_of = {section.pk: index for index, section in enumerate(sections_rows)}
    questions_by_section: dict[int, list] = {index: [] for index in range(len(sections_rows))}
    compiled_questions = []
    for question in survey.questions.order_by("section__position", "section_id", "position", "pk"):
        if question.kind == Kind.AGE_BAND:
            options = AGE_BAND_OPTIONS
        elif question.kind == Kind.GENDER:
            options = GENDER_OPTIONS
        else:
            options = tuple(
                {"code": str(o["code"]), "label": _text(o.get("label")), "label_en": _text(o.get("label_en"))}
                for o in (question.options or [])
                if isinstance(o, dict) and o.get("code") not in (None, "")
            )
        rows = tuple(
            {"code": str(r["code"]), "label": _text(r.get("label")), "label_en": _text(r.get("label_en"))}
            for r in (question.rows or [])
            if isinstance(r, dict) and r.get("code") not in (None, "")
        )
        compiled = CompiledQuestion(
            code=question.code,
            kind=question.kind,
            label=question.label,
            label_en=question.label_en,
            help_text=question.help_text,
            help_text_en=question.help_text_en,
            required=question.required,
            options=options,
            option_codes=frozenset(o["code"] for o in options),
            allow_other=question.allow_other and question.kind in (Kind.SINGLE, Kind.MULTIPLE),
            max_choices=question.max_choices,
            scale_min=question.scale_min,
            scale_max=question.scale_max,
            allow_dont_know=question.allow_dont_know,
            min_value=question.min_value,
            max_value=question.max_value,
            rows=rows,
            row_codes=frozenset(r["code"] for r in rows),
            condition=_compile_condition(question.condition),
            section_index=index_of[question.section_id],
            participation_id=question.participation_id,
        )
        compiled_questions.append(compiled)
        questions_by_section[compiled.section_index].append(compiled)
    sections = tuple(
        CompiledSection(
            index=index,
            pk=section.pk,
            title=section.title,
            title_en=section.title_en,
            description=section.description,
            description_en=section.description_en,
            condition=_compile_condition(section.condition),
            questions=tuple(questions_by_section[index]),
        )
        for index, section in enumerate(sections_rows)
    )
    ordered = tuple(q for section in sections for q in section.questions)
    schema = SurveySchema(
        survey_id=survey.pk,
        structure_version=survey.structure_version,
        sections=sections,
        questions=ordered,
        by_code={q.code: q for q in ordered},
    )
    schema.age_band_code = next((q.code for q in ordered if q.kind == Kind.AGE_BAND), "")
    schema.gender_code = next((q.code for q in ordered if q.kind == Kind.GENDER), "")
    return schema


_CACHE_SIZE = 64
_cache: "OrderedDict[tuple, SurveySchema]" = register_process_cache(
    OrderedDict(),
    name="surveys.schema",
    bench="surveys.submission",
    reason="compiled questionnaires (the last _CACHE_SIZE structure versions), not compiled per answer",
)
_cache_lock = threading.Lock()


def schema_for(survey) -> SurveySchema:
    """The compiled questionnaire, from process memory when its structure has not changed.

    The key includes the survey's creation time: a database rebuilt from scratch (tests, a reset
    demo) can reuse ids, never the same (id, creation time) pair with another structure.
    """
    key = (survey.pk, survey.structure_version, survey.created_at)
    with _cache_lock:
        schema = _cache.get(key)
        if schema is not None:
            _cache.move_to_end(key)
            return schema
    schema = compile_schema(survey)
    with _cache_lock:
        _cache[key] = schema
        while len(_cache) > _CACHE_SIZE:
            _cache.popitem(last=False)
    return schema


def schema_cache_clear() -> None:
    with _cache_lock:
        _cache.clear()


# --- validation -----------------------------------------------------------------------------------

MESSAGES = {
    "required": gettext_lazy("Cette question est obligatoire."),
    "unknown_choice": gettext_lazy("Ce choix ne fait pas partie des réponses proposées."),
    "not_a_list": gettext_lazy("Réponse invalide : une liste de choix est attendue."),
    "duplicate": gettext_lazy("Un même choix est donné plusieurs fois."),
    "other_missing": gettext_lazy("Précisez votre réponse « Autre »."),
    "other_too_long": gettext_lazy("La précision « Autre » dépasse %(max)s caractères."),
    "not_integer": gettext_lazy("Donnez un nombre entier entre %(min)s et %(max)s."),
    "not_number": gettext_lazy("Donnez un nombre."),
    "too_small": gettext_lazy("Le nombre doit être supérieur ou égal à %(min)s."),
    "too_large": gettext_lazy("Le nombre doit être inférieur ou égal à %(max)s."),
    "not_text": gettext_lazy("Réponse invalide : un texte est attendu."),
    "too_long": gettext_lazy("Le texte dépasse %(max)s caractères (%(length)s reçus)."),
    "ranking": gettext_lazy("Classez chaque proposition une seule fois, de 1 à %(count)s."),
    "matrix_type": gettext_lazy("Réponse invalide : une note par ligne est attendue."),
    "matrix_row": gettext_lazy("Ligne inconnue dans ce tableau."),
    "matrix_value": gettext_lazy("Ligne « %(row)s » : donnez une note entre %(min)s et %(max)s."),
    "matrix_missing": gettext_lazy("Répondez à chaque ligne du tableau."),
    "date": gettext_lazy("Donnez une date valide (jour, mois, année)."),
    "date_range": gettext_lazy("La date doit être comprise entre 1900 et 2100."),
    "postcode": gettext_lazy("Donnez un code postal français à cinq chiffres, par exemple 79000."),
    "neighbourhood": gettext_lazy("Ce quartier ne fait pas partie de la liste du territoire."),
    "too_many": gettext_lazy("Choisissez au plus %(max)s réponses."),
}


def _message(key: str, **params) -> str:
    text = str(MESSAGES[key])
    return text % params if params else text


def _format_number(value) -> str:
    if value is None:
        return ""
    return str(int(value)) if float(value).is_integer() else str(value).replace(".", ",")


def _clean_text(value, limit: int) -> str:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str):
        raise ValueError(_message("not_text"))
    text = CONTROL_RE.sub("", value).strip()
    if len(text) > limit:
        raise ValueError(_message("too_long", max=f"{limit:,}".replace(",", "\u202f"), length=len(text)))
    return text


def _clean_scale_value(value, question: CompiledQuestion):
    if question.allow_dont_know and value == DONT_KNOW:
        return DONT_KNOW
    number = _as_number(value)
    scale = question.scale
    if number is None or not number.is_integer() or int(number) not in scale:
        raise ValueError(_message("not_integer", min=scale.start, max=scale.stop - 1))
    return int(number)


def _clean_other(question: CompiledQuestion, chosen: bool, raw: dict, cleaned: dict) -> None:
    if not chosen:
        return
    text = raw.get(question.other_field)
    if not isinstance(text, str) or not CONTROL_RE.sub("", text).strip():
        raise ValueError(_message("other_missing"))
    text = CONTROL_RE.sub("", text).strip()
    if len(text) > OTHER_TEXT_MAX:
        raise ValueError(_message("other_too_long", max=OTHER_TEXT_MAX))
    cleaned[question.other_field] = text


def _clean_value(question: CompiledQuestion, value, raw: dict, cleaned: dict, neighbourhood_codes):
    kind = question.kind
    if kind in CHOICE_KINDS:
        code = str(value).strip() if isinstance(value, (str, int)) and not isinstance(value, bool) else None
        if kind == Kind.NEIGHBOURHOOD:
            if code not in neighbourhood_codes:
                raise ValueError(_message("neighbourhood"))
            return code
        if code in question.option_codes or (question.allow_other and code == OTHER):
            _clean_other(question, code == OTHER, raw, cleaned)
            return code
        raise ValueError(_message("unknown_choice"))
    if kind == Kind.MULTIPLE:
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list):
            raise ValueError(_message("not_a_list"))
        codes = [str(item) for item in value if isinstance(item, (str, int)) and not isinstance(item, bool)]
        if len(codes) != len(value):
            raise ValueError(_message("unknown_choice"))
        if len(set(codes)) != len(codes):
            raise ValueError(_message("duplicate"))
        allowed = question.option_codes | ({OTHER} if question.allow_other else set())
        if any(code not in allowed for code in codes):
            raise ValueError(_message("unknown_choice"))
        if question.max_choices and len(codes) > question.max_choices:
            raise ValueError(_message("too_many", max=question.max_choices))
        _clean_other(question, OTHER in codes, raw, cleaned)
        return codes
    if kind == Kind.RATING:
        return _clean_scale_value(value, question)
    if kind == Kind.NUMBER:
        number = _as_number(value)
        if number is None:
            raise ValueError(_message("not_number"))
        if question.min_value is not None and number < question.min_value:
            raise ValueError(_message("too_small", min=_format_number(question.min_value)))
        if question.max_value is not None and number > question.max_value:
            raise ValueError(_message("too_large", max=_format_number(question.max_value)))
        return int(number) if number.is_integer() and abs(number) < 2**53 else number
    if kind == Kind.SHORT_TEXT:
        return _clean_text(value, SHORT_TEXT_MAX)
    if kind == Kind.LONG_TEXT:
        return _clean_text(value, LONG_TEXT_MAX)
    if kind == Kind.RANKING:
        if not isinstance(value, list):
            raise ValueError(_message("not_a_list"))
        codes = [str(item) for item in value if isinstance(item, (str, int)) and not isinstance(item, bool)]
        if len(codes) != len(value) or len(codes) != len(question.option_codes) or set(codes) != question.option_codes:
            raise ValueError(_message("ranking", count=len(question.option_codes)))
        return codes
    if kind == Kind.MATRIX:
        if not isinstance(value, dict):
            raise ValueError(_message("matrix_type"))
        labels = {row["code"]: row["label"] for row in question.rows}
        result = {}
        for row_code, row_value in value.items():
            if row_code not in question.row_codes:
                raise ValueError(_message("matrix_row"))
            if row_value in (None, ""):
                continue
            try:
                result[row_code] = _clean_scale_value(row_value, question)
            except ValueError:
                scale = question.scale
                raise ValueError(
                    _message("matrix_value", row=labels[row_code], min=scale.start, max=scale.stop - 1)
                ) from None
        if question.required and len(result) != len(question.row_codes):
            raise ValueError(_message("matrix_missing"))
        # Rows in questionnaire order, so that stored answers read the same way everywhere.
        return {row["code"]: result[row["code"]] for row in question.rows if row["code"] in result}
    if kind == Kind.DATE:
        if not isinstance(value, str):
            raise ValueError(_message("date"))
        try:
            day = datetime.date.fromisoformat(value.strip()[:10])
        except ValueError:
            raise ValueError(_message("date")) from None
        if not 1900 <= day.year <= 2100:
            raise ValueError(_message("date_range"))
        return day.isoformat()
    if kind == Kind.POSTCODE:
        code = str(value).replace(" ", "").strip() if isinstance(value, (str, int)) else ""
        if isinstance(value, int):
            code = f"{value:05d}"
        if not POSTCODE_RE.match(code):
            raise ValueError(_message("postcode"))
        return code
    raise ValueError(_message("unknown_choice"))  # a kind this version does not know


# --- fast checks: the common well-formed answer, accepted in a few operations ----------------------
#
# Nearly every answer is a plain code, a list of codes, an integer in range or a row of integers,
# exactly as the questionnaire sends it. A fast check accepts that case and returns what the general
# path (_clean_value) would return for it; anything else (a number as text, spaces, "other", "don't
# know", an error to report) gets _SLOW_PATH and goes through the general path unchanged. Checked
# for agreement with the general path on every kind in tests/surveys/test_schema_fast_checks.py.

_SLOW_PATH = object()


def _fast_check(question: CompiledQuestion):
    """A function value -> cleaned value or _SLOW_PATH, for the kinds where one pays; else None."""
    kind = question.kind
    codes = question.option_codes - {OTHER}  # "other" needs its text: general path
    if kind in (Kind.SINGLE, Kind.AGE_BAND, Kind.GENDER):

        def check_choice(value):
            return value if value.__class__ is str and value in codes else _SLOW_PATH

        return check_choice
    if kind == Kind.MULTIPLE:
        most = question.max_choices or len(codes)

        def check_multiple(value):
            if value.__class__ is not list or not 0 < len(value) <= most:
                return _SLOW_PATH
            for item in value:
                if item.__class__ is not str or item not in codes:
                    return _SLOW_PATH
            return list(value) if len(set(value)) == len(value) else _SLOW_PATH

        return check_multiple
    if kind in (Kind.RATING, Kind.MATRIX):
        low, high = question.scale.start, question.scale.stop - 1
        if kind == Kind.RATING:

            def check_rating(value):
                return value if value.__class__ is int and low <= value <= high else _SLOW_PATH

            return check_rating
        row_order = tuple(row["code"] for row in question.rows)
        rows = question.row_codes

        def check_matrix(value):
            # Complete rows only: a partial one may be an error to report (required) or need reordering.
            if value.__class__ is not dict or len(value) != len(rows):
                return _SLOW_PATH
            for row_code, note in value.items():
                if row_code not in rows or note.__class__ is not int or not low <= note <= high:
                    return _SLOW_PATH
            return {row_code: value[row_code] for row_code in row_order}

        return check_matrix
    if kind == Kind.NUMBER:
        low = question.min_value if question.min_value is not None else -math.inf
        high = question.max_value if question.max_value is not None else math.inf

        def check_number(value):
            return value if value.__class__ is int and low <= value <= high and -(2**53) < value < 2**53 else _SLOW_PATH

        return check_number
    return None


def answers_validate(schema: SurveySchema, raw, *, deployment, only: set[str] | None = None) -> dict:
    """The cleaned answers of the questions visible to this respondent, or AnswersInvalid.

    `raw` is a dict of answers keyed by question code (ANSWER_FORMATS; numbers may arrive as
    strings from a form). Answers to hidden or unknown questions are dropped; a required question
    is missing only when it is visible. `only` restricts the errors reported (one page of the
    online questionnaire) without changing what is cleaned.
    """
    if not isinstance(raw, dict):
        raise AnswersInvalid({"__all__": _("Les réponses doivent être un objet JSON.")})
    neighbourhood_codes = {str(item.get("code")) for item in deployment.neighbourhoods or [] if isinstance(item, dict)}
    visible = schema.visible_questions(
        raw, participation_id=deployment.participation_id, has_neighbourhoods=bool(neighbourhood_codes)
    )
    fast_checks = schema.fast_checks
    if fast_checks is None:
        fast_checks = schema.fast_checks = {q.code: _fast_check(q) for q in schema.questions}
    cleaned: dict = {}
    errors: dict[str, str] = {}
    for question in visible:
        value = raw.get(question.code)
        check = fast_checks[question.code]
        if check is not None and value is not None:
            result = check(value)
            if result is not _SLOW_PATH:
                cleaned[question.code] = result
                continue
        if isinstance(value, str) and question.kind not in (Kind.SHORT_TEXT, Kind.LONG_TEXT):
            value = value.strip()
        if not _is_answered(value) or (isinstance(value, str) and not value.strip()):
            if question.required:
                errors[question.code] = _message("required")
            continue
        try:
            cleaned_value = _clean_value(question, value, raw, cleaned, neighbourhood_codes)
        except ValueError as error:
            errors[question.code] = str(error)
            continue
        if _is_answered(cleaned_value):
            cleaned[question.code] = cleaned_value
        elif question.required:
            errors[question.code] = _message("required")
    if only is not None:
        errors = {code: message for code, message in errors.items() if code in only}
    if errors:
        raise AnswersInvalid(errors)
    return cleaned
