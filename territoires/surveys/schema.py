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

import re
import threading
from collections import OrderedDict
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from territoires.core.process_caches import register_process_cache
from territoires.surveys.kinds import QuestionKind, choice_filter, kind_of
from territoires.surveys.kinds.validation import (
    CONTROL_RE,  # noqa: F401 — kept importable from here
    LONG_TEXT_MAX,  # noqa: F401
    MESSAGES,  # noqa: F401
    OTHER_TEXT_MAX,  # noqa: F401
    POSTCODE_RE,  # noqa: F401
    SHORT_TEXT_MAX,  # noqa: F401
    SLOW_PATH,
    as_number,
    message,
)
from territoires.surveys.models import AGE_BANDS, GENDERS, OTHER, Question

Kind = Question.Kind

# Labels stay lazy: they are drawn in the language of each request (the questionnaire's second
# language too), and JSON encoding turns them into text then.
AGE_BAND_OPTIONS = tuple({"code": code, "label": label, "label_en": ""} for code, label in AGE_BANDS)
GENDER_OPTIONS = tuple({"code": code, "label": label, "label_en": ""} for code, label in GENDERS)
FIXED_OPTIONS = {Kind.AGE_BAND: AGE_BAND_OPTIONS, Kind.GENDER: GENDER_OPTIONS}


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
    # The kind's object (kinds/), looked up once here rather than per answer.
    handler: QuestionKind | None = None
    no_future: bool = False
    pattern: "re.Pattern | None" = None  # constraint["pattern"], compiled
    also: frozenset = frozenset()  # constraint["also"]: numbers accepted outside the bounds
    constraint_message: str = ""
    # Copied from the kind for the per-answer loops (an attribute read, no lookup).
    free_text: bool = False
    needs_neighbourhoods: bool = False
    # Cascading choices: ((question, column, op), …) from kinds/choice_filter.py; () for none.
    choice_filter: tuple = ()

    def offered_options(self, answers: dict) -> tuple:
        """The options offered given the answers so far (all of them without a choice filter)."""
        if not self.choice_filter:
            return self.options
        return tuple(o for o in self.options if choice_filter.offered(self.choice_filter, o, answers))

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
        settings = self.handler.settings if self.handler is not None else ()
        if "scale" in settings:
            data.update(scale_min=self.scale.start, scale_max=self.scale.stop - 1, allow_dont_know=self.allow_dont_know)
        if "bounds" in settings:
            data.update(min_value=self.min_value, max_value=self.max_value)
        if self.no_future:
            data["no_future"] = True
        if self.rows:
            data["rows"] = list(self.rows)
        if self.choice_filter:
            data["choice_filter"] = [{"question": q, "column": c, "op": op} for q, c, op in self.choice_filter]
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
            if question.needs_neighbourhoods and not has_neighbourhoods:
                continue
            index = question.section_index
            if index not in section_shown:
                condition = self.sections[index].condition
                section_shown[index] = condition is None or condition.matches(effective)
            if not section_shown[index]:
                continue
            if question.condition is not None and not question.condition.matches(effective):
                continue
            if question.choice_filter and not question.offered_options(effective):
                continue  # no option left to choose: not asked (kinds/choice_filter.py)
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


_as_number = as_number


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


def _pattern(constraint) -> "re.Pattern | None":
    pattern = constraint.get("pattern") if isinstance(constraint, dict) else None
    if not isinstance(pattern, str) or not pattern:
        return None
    try:
        return re.compile(pattern)
    except re.error:
        return None  # refused when saved (questionnaire.check_question); never a 500 here


def _numbers(values) -> list[float]:
    numbers = [as_number(value) for value in values] if isinstance(values, list) else []
    return [number for number in numbers if number is not None]


def _compiled_option(option: dict) -> dict:
    compiled = {
        "code": str(option["code"]),
        "label": _text(option.get("label")),
        "label_en": _text(option.get("label_en")),
    }
    filters = option.get("filters")
    if isinstance(filters, dict) and filters:
        compiled["filters"] = {str(k): _text(v) for k, v in filters.items()}
    return compiled


def compile_schema(survey) -> SurveySchema:
    """Two queries: the sections, then the questions."""
    sections_rows = list(survey.sections.order_by("position", "pk"))
    index_of = {section.pk: index for index, section in enumerate(sections_rows)}
    questions_by_section: dict[int, list] = {index: [] for index in range(len(sections_rows))}
    compiled_questions = []
    for question in survey.questions.order_by("section__position", "section_id", "position", "pk"):
        handler = kind_of(question.kind)
        if question.kind in FIXED_OPTIONS:
            options = FIXED_OPTIONS[question.kind]
        else:
            options = tuple(
                _compiled_option(o)
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
            allow_other=question.allow_other and handler is not None and "allow_other" in handler.settings,
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
            handler=handler,
            no_future=question.no_future,
            pattern=_pattern(question.constraint),
            also=frozenset(_numbers((question.constraint or {}).get("also"))),
            constraint_message=str((question.constraint or {}).get("message") or ""),
            free_text=handler is not None and handler.free_text,
            needs_neighbourhoods=handler is not None and handler.needs_neighbourhoods,
            choice_filter=choice_filter.normalise(question.choice_filter)
            if handler is not None and "options" in handler.settings
            else (),
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

_message = message
_SLOW_PATH = SLOW_PATH


def _clean_value(question: CompiledQuestion, value, raw: dict, cleaned: dict, neighbourhood_codes):
    """The general path: the question's kind checks and cleans the value (or raises ValueError)."""
    if question.handler is None:
        raise ValueError(_message("unknown_choice"))  # a kind this version does not know
    return question.handler.clean(question, value, raw, cleaned, neighbourhood_codes)


# --- fast checks: the common well-formed answer, accepted in a few operations ----------------------
#
# Nearly every answer is a plain code, a list of codes, an integer in range or a row of integers,
# exactly as the questionnaire sends it. A fast check (a kind's `fast_check`) accepts that case and
# returns what the general path (_clean_value) would return for it; anything else (a number as text,
# spaces, "other", "don't know", an error to report) gets _SLOW_PATH and goes through the general
# path unchanged. Checked for agreement with the general path on every kind in
# tests/surveys/test_schema_fast_checks.py and tests/surveys/test_kinds_fast_path.py.


def _fast_check(question: CompiledQuestion):
    """A function value -> cleaned value or _SLOW_PATH, for the kinds where one pays; else None."""
    return question.handler.fast_check(question) if question.handler is not None else None


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
        if isinstance(value, str) and not question.free_text:
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
