"""Every registered question kind: its fast check (if any) accepts exactly what its general
validation accepts and cleans it the same way, for generated questions of that kind (options,
"other", maximum of choices, scales, "don't know", bounds, rows, required, a condition on an
earlier question) and values near the valid ones. No database: the schema is built in memory.

A deliberately broken fast check must make this comparison fail
(test_a_broken_fast_check_is_caught), so that the test cannot pass by comparing nothing.
"""

import dataclasses
import datetime
import json
import re
from types import SimpleNamespace

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from territoires.surveys.kinds import KINDS, base
from territoires.surveys.models import DONT_KNOW, OTHER, Question
from territoires.surveys.schema import (
    FIXED_OPTIONS,
    AnswersInvalid,
    CompiledQuestion,
    CompiledSection,
    SurveySchema,
    _compile_condition,
    answers_validate,
)

NEIGHBOURHOODS = [{"code": "centre", "label": "Centre"}, {"code": "gare", "label": "Gare"}]
DEPLOYMENT = SimpleNamespace(neighbourhoods=NEIGHBOURHOODS, participation_id=None)
GATE = "porte"  # a single choice asked first, that conditions may test

CODES = ["a", "b", "c", "d", "bib", "x1"]
ROW_CODES = ["prix", "horaires", "acces"]


def _question(code, kind, index, **values):
    handler = KINDS[kind]
    options = FIXED_OPTIONS.get(kind) or tuple(values.pop("options", ()))
    rows = tuple(values.pop("rows", ()))
    fields = {
        "label": code,
        "label_en": "",
        "help_text": "",
        "help_text_en": "",
        "required": False,
        "allow_other": False,
        "max_choices": None,
        "scale_min": None,
        "scale_max": None,
        "allow_dont_know": False,
        "min_value": None,
        "max_value": None,
        "condition": None,
        "no_future": False,
        **values,
    }
    return CompiledQuestion(
        code=code,
        kind=kind,
        options=options,
        option_codes=frozenset(o["code"] for o in options),
        rows=rows,
        row_codes=frozenset(r["code"] for r in rows),
        section_index=0,
        participation_id=None,
        handler=handler,
        free_text=handler.free_text,
        needs_neighbourhoods=handler.needs_neighbourhoods,
        **fields,
    )


def _items(codes):
    return tuple({"code": code, "label": code.upper(), "label_en": ""} for code in codes)


@st.composite
def kind_settings(draw, kind):
    """Settings a builder could give a question of this kind."""
    settings_of = KINDS[kind].settings
    values = {"required": draw(st.booleans())}
    if base.OPTIONS in settings_of:
        values["options"] = _items(draw(st.lists(st.sampled_from(CODES), min_size=2, max_size=5, unique=True)))
    if base.ALLOW_OTHER in settings_of:
        values["allow_other"] = draw(st.booleans())
    if base.MAX_CHOICES in settings_of and draw(st.booleans()):
        available = len(values["options"]) + (1 if values.get("allow_other") else 0)
        values["max_choices"] = draw(st.integers(1, available))
    if base.SCALE in settings_of:
        low = draw(st.integers(-3, 3))
        values.update(scale_min=low, scale_max=low + draw(st.integers(1, 10)), allow_dont_know=draw(st.booleans()))
    if base.ROWS in settings_of:
        values["rows"] = _items(draw(st.lists(st.sampled_from(ROW_CODES), min_size=1, max_size=3, unique=True)))
    if base.BOUNDS in settings_of:
        # Bounds the values below straddle (each bound ±1 is among them).
        low = draw(st.sampled_from([None, -50, -3, 0, 1, -2.5]))
        high = draw(st.sampled_from([None, 5, 60, 99, 99.5, 500]))
        values.update(min_value=low, max_value=high)
    if base.NO_FUTURE in settings_of:
        values["no_future"] = draw(st.booleans())
    # XLSForm constraints: codes accepted outside the bounds, a pattern for texts, their message.
    if base.BOUNDS in settings_of:
        values["also"] = frozenset(draw(st.sampled_from([(), (9999,), (-1, 9999)])))
    if KINDS[kind].free_text:
        pattern = draw(st.sampled_from([None, r"^[0-9]+$", r"[a-z]"]))
        values["pattern"] = re.compile(pattern) if pattern else None
    if values.get("also") or values.get("pattern"):
        values["constraint_message"] = draw(st.sampled_from(["", "Réponse hors du format demandé."]))
    if kind == Question.Kind.NOTE:
        values["required"] = False
    condition = draw(
        st.sampled_from(
            [
                None,
                {"all": [{"question": GATE, "op": "in", "values": ["oui"]}]},
                {"all": [{"question": GATE, "op": "not_in", "values": ["oui"]}]},
                {"any": [{"question": GATE, "op": "answered", "values": []}]},
            ]
        )
    )
    values["condition"] = _compile_condition(condition)
    return values


def schema_of(question) -> SurveySchema:
    gate = _question(GATE, Question.Kind.SINGLE, 0, options=_items(["oui", "non"]))
    questions = (gate, question)
    return SurveySchema(
        survey_id=1,
        structure_version=1,
        sections=(CompiledSection(0, 1, "S", "", "", "", None, questions),),
        questions=questions,
        by_code={q.code: q for q in questions},
    )


def general_only(schema):
    return dataclasses.replace(schema, fast_checks=dict.fromkeys(schema.by_code))


def outcome(schema, answers):
    """The cleaned answers as JSON text (so that the order of a matrix's rows counts too), or the errors."""
    try:
        return "cleaned", json.dumps(answers_validate(schema, answers, deployment=DEPLOYMENT))
    except AnswersInvalid as invalid:
        return "invalid", invalid.errors


TODAY = datetime.date.today()
SCALARS = st.sampled_from(
    [*CODES, "", " a", "a ", OTHER, DONT_KNOW, "centre", "gare", "nord", "oui", "79000", "2A004", "abc"]
    + list(range(-5, 15))
    + [-51, -50, 59, 60, 61, 98, 99, 100, 101, 499, 500, 501, 2**53, -(2**53), 2.0, 2.5, -2.5, 99.5]
    + [True, False, "4", " 4 ", "2,5", "1e3", None]
    + [(TODAY + datetime.timedelta(days=d)).isoformat() for d in (-400, -1, 0, 1, 30)]
    + ["1899-12-31", "2101-01-01", "2024-02-30", "46.3 -0.46"]
)
VALUES = (
    SCALARS
    | st.lists(st.sampled_from([*CODES, OTHER, "", 1, True]), max_size=6)
    | st.dictionaries(st.sampled_from([*ROW_CODES, "autre"]), SCALARS, max_size=4)
    | st.fixed_dictionaries({"lat": SCALARS, "lon": SCALARS})
    | st.fixed_dictionaries({"neighbourhood": SCALARS})
)


def near_valid(question):
    """Values at the edges of this question's settings: each bound and scale end ±1, its codes,
    lists of its codes, complete and partial rows — where a fast check and the general path could
    disagree — mixed with the generic values above."""
    edges = set()
    for bound in (question.min_value, question.max_value, question.scale_min, question.scale_max):
        if bound is not None:
            edges.update({bound - 1, bound, bound + 1, 9999, -1})
            if float(bound).is_integer():
                edges.update({int(bound) - 1, int(bound), int(bound) + 1, float(bound)})
    numbers = st.sampled_from(sorted(edges, key=repr)) if edges else st.integers(-5, 14)
    codes = sorted(question.option_codes | {OTHER, "z"})
    families = [
        numbers,
        st.sampled_from(codes),
        st.lists(st.sampled_from(codes), max_size=len(codes) + 1) | st.permutations(sorted(question.option_codes)),
        st.permutations(sorted(question.row_codes)).flatmap(
            lambda order: st.tuples(*[numbers | st.just(DONT_KNOW) for _row in order]).map(
                lambda notes, order=order: dict(zip(order, notes, strict=True))
            )
        )
        | st.dictionaries(st.sampled_from(sorted(question.row_codes) or ["r"]), numbers),
        VALUES,
    ]
    # Each family as likely as the others (a plain `|` would drown the edges among the generic values).
    return st.integers(0, len(families) - 1).flatmap(lambda index: families[index])


OTHER_TEXTS = st.sampled_from([None, "", "  ", "Un festival", "x" * 301, 3])


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@pytest.mark.parametrize("kind", sorted(KINDS))
@given(data=st.data())
def test_fast_and_general_validation_agree_for_every_kind(kind, data):
    question = _question("q", kind, 1, **data.draw(kind_settings(kind)))
    schema = schema_of(question)
    general = general_only(schema)
    answers = {"q": data.draw(near_valid(question)), GATE: data.draw(st.sampled_from(["oui", "non", None]))}
    other = data.draw(OTHER_TEXTS)
    if other is not None:
        answers[question.other_field] = other
    answers = {code: value for code, value in answers.items() if value is not None}
    assert outcome(schema, answers) == outcome(general, answers)


def test_every_kind_of_question_model_is_registered():
    assert set(KINDS) == set(Question.Kind.values)


# --- the comparison catches a broken fast check ---------------------------------------------------

# A well-formed value of each kind with a fast check, and one its general path refuses or cleans
# differently: a fast check that accepts everything must disagree on the second.
BROKEN_CASES = {
    "single": ({"options": _items(["a", "b"])}, "z"),
    "age_band": ({}, "12-14"),
    "gender": ({}, "q"),
    "multiple": ({"options": _items(["a", "b", "c"]), "max_choices": 2}, ["a", "b", "c"]),
    "rating": ({"scale_min": 1, "scale_max": 5}, 6),
    "matrix": ({"scale_min": 1, "scale_max": 4, "rows": _items(["prix", "acces"])}, {"prix": 9, "acces": 1}),
    "number": ({"min_value": 0, "max_value": 100}, 101),
    "integer": ({"min_value": 0, "max_value": 100}, 101),
}


def kinds_with_a_fast_check():
    found = []
    for kind, handler in sorted(KINDS.items()):
        values = BROKEN_CASES.get(kind, ({}, None))[0]
        if handler.fast_check(_question("q", kind, 1, **values)) is not None:
            found.append(kind)
    return found


def test_every_kind_with_a_fast_check_has_a_broken_case():
    assert set(kinds_with_a_fast_check()) <= set(BROKEN_CASES)


@pytest.mark.parametrize("kind", sorted(BROKEN_CASES))
def test_a_broken_fast_check_is_caught(kind, monkeypatch):
    values, bad_value = BROKEN_CASES[kind]
    question = _question("q", kind, 1, **values)
    schema = schema_of(question)
    answers = {"q": bad_value}
    assert outcome(schema, answers) == outcome(general_only(schema), answers)  # the real check agrees
    # Broken on purpose: accepts any value as it is.
    broken = dataclasses.replace(schema, fast_checks={GATE: None, "q": lambda value: value})
    assert outcome(broken, answers) != outcome(general_only(schema), answers)
