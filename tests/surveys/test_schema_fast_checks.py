"""The fast checks of well-formed answers accept exactly what the general validation accepts, and
clean it the same way: for any input, validating with them and without them gives the same
cleaned answers or the same per-question messages."""

import dataclasses

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from territoires.surveys.schema import AnswersInvalid, answers_validate, schema_for
from tests.surveys.factories import make_survey, valid_answers


@pytest.fixture
def built(db):
    return make_survey()


def outcome(schema, answers, deployment):
    try:
        return "cleaned", answers_validate(schema, answers, deployment=deployment)
    except AnswersInvalid as invalid:
        return "invalid", invalid.errors


def general_only(schema):
    """The same schema with every fast check turned off: only the general path validates."""
    return dataclasses.replace(schema, fast_checks=dict.fromkeys(schema.by_code))


# Values near the valid ones, where a fast check and the general path could disagree: codes with and
# without spaces, "other", numbers as int, float, bool or text, bounds ±1, partial or reordered rows.
CODES = st.sampled_from(["jamais", "rare", "souvent", "bib", "musee", "cine", "other", "a", "b", "c", "", " bib"])
CODES |= st.sampled_from(["18-24", "25-34", "65+", "f", "h", "autre", "nsp", "inconnu"])
NUMBERS = st.sampled_from([-1, 0, 1, 2, 4, 5, 6, 12, 100, 101, 2**53, 3.0, 3.5, True, False, "4", " 4 ", "nsp"])
ROWS = st.dictionaries(st.sampled_from(["prix", "horaires", "acces", "autre"]), NUMBERS, max_size=4)
NEAR_VALID = CODES | NUMBERS | ROWS | st.lists(CODES, max_size=6) | st.none()
QUESTIONS = ["age", "genre", "frequence", "lieux", "satisfaction", "nb_sorties", "priorites", "offre"]


SINGLE_VALUES = (
    ["jamais", "rare", "souvent", "bib", "musee", "other", "a", "", " bib", "bib ", "18-24", "25-34", "f", "nsp"]
    + [-1, 0, 1, 2, 4, 5, 6, 12, 100, 101, 2**53, -(2**53), 3.0, 3.5, True, False, "4", " 4 ", None]
    + [[], ["bib"], ["bib", "cine"], ["bib", "bib"], ["bib", "musee", "cine"], ["bib", "musee", "cine", "theatre"]]
    + [["bib", "other"], ["other"], [" bib"], ["bib", 1], ["bib", True], ["a", "b", "c"], ["c", "a", "b"], "bib"]
    + [{}, {"prix": 1}, {"prix": 1, "horaires": 3, "acces": 2}, {"acces": 2, "prix": 1, "horaires": 4}]
    + [{"prix": 1, "horaires": 3, "acces": 5}, {"prix": 1, "horaires": 3, "acces": "nsp"}]
    + [{"prix": 1, "horaires": 3, "acces": True}, {"prix": 1, "horaires": 3, "autre": 2}]
    + [{"prix": 1, "horaires": 3, "acces": 2.0}, {"prix": 1, "horaires": 3, "acces": None}]
)


@pytest.mark.parametrize("unhappy", [False, True])
def test_each_question_agrees_with_the_general_path_on_every_near_valid_value(built, unhappy):
    schema = schema_for(built.survey)
    general = general_only(schema)
    for code in QUESTIONS:
        for value in SINGLE_VALUES:
            answers = valid_answers(unhappy=unhappy, **{code: value})
            expected = outcome(general, answers, built.deployment)
            assert outcome(schema, answers, built.deployment) == expected, (code, value)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(overrides=st.dictionaries(st.sampled_from(QUESTIONS), NEAR_VALID, max_size=5), unhappy=st.booleans())
def test_fast_checks_agree_with_the_general_path(built, overrides, unhappy):
    schema = schema_for(built.survey)
    answers = valid_answers(unhappy=unhappy, **overrides)
    with_fast = outcome(schema, answers, built.deployment)
    assert schema.fast_checks is not None
    assert with_fast == outcome(general_only(schema), answers, built.deployment)


def test_well_formed_answers_take_the_fast_checks(built):
    """The common answer (codes, integers in range, complete rows) never needs the general path:
    every choice, rating, number and matrix question of a valid answer set is accepted by its check."""
    schema = schema_for(built.survey)
    answers = valid_answers(unhappy=True, lieux=["bib", "cine"], offre={"prix": 1, "horaires": 3, "acces": 2})
    answers_validate(schema, answers, deployment=built.deployment)
    for code in ("age", "genre", "frequence", "lieux", "satisfaction", "nb_sorties", "offre"):
        check = schema.fast_checks[code]
        assert check is not None and check(answers[code]) == answers[code], code
    # Rows come back in the questionnaire's order, whatever order the client used.
    assert list(schema.fast_checks["offre"]({"acces": 2, "prix": 1, "horaires": 3})) == ["prix", "horaires", "acces"]
