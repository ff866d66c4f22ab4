"""The compiled questionnaire: conditions and the validation of every question kind."""

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from territoires.surveys.models import Question
from territoires.surveys.schema import (
    AnswersInvalid,
    answers_validate,
    compile_schema,
    schema_for,
)
from tests.surveys.factories import make_survey, valid_answers


@pytest.fixture
def built(db):
    return make_survey()


@pytest.fixture
def schema(built):
    return schema_for(built.survey)


def errors_of(schema, answers, deployment):
    with pytest.raises(AnswersInvalid) as caught:
        answers_validate(schema, answers, deployment=deployment)
    return caught.value.errors


def codes(questions):
    return [question.code for question in questions]


def test_compiled_once_per_structure_version(built, django_assert_num_queries):
    with django_assert_num_queries(2):
        first = schema_for(built.survey)
    with django_assert_num_queries(0):
        assert schema_for(built.survey) is first
    built.survey.structure_version += 1
    with django_assert_num_queries(2):
        assert schema_for(built.survey) is not first


def test_ordered_sections_and_questions(schema):
    assert [s.title for s in schema.sections] == ["Votre profil", "Vos pratiques", "Votre avis", "Pour finir"]
    assert codes(schema.questions)[:5] == ["age", "genre", "quartier", "cp", "frequence"]
    assert schema.age_band_code == "age" and schema.gender_code == "genre"


def test_valid_answers_are_cleaned(built, schema):
    cleaned = answers_validate(schema, valid_answers(), deployment=built.deployment)
    assert cleaned["lieux"] == ["bib", "other"]
    assert cleaned["lieux__other"] == "Un festival"
    assert cleaned["satisfaction"] == 4
    # the "avis" section is hidden (satisfaction > 2): nothing required from it
    assert "pourquoi" not in cleaned


def test_form_strings_are_coerced(built, schema):
    answers = valid_answers(satisfaction="2", nb_sorties="12,5", cp=" 79 000 ", unhappy=True)
    answers["satisfaction"] = "2"
    cleaned = answers_validate(schema, answers, deployment=built.deployment)
    assert cleaned["satisfaction"] == 2
    assert cleaned["nb_sorties"] == 12.5
    assert cleaned["cp"] == "79000"


# --- conditions --------------------------------------------------------------------------------


def test_section_condition_lte_shows_the_section(schema):
    assert "pourquoi" not in codes(schema.visible_questions({"satisfaction": 4}))
    assert "pourquoi" in codes(schema.visible_questions({"satisfaction": 2}))
    assert "pourquoi" in codes(schema.visible_questions({"satisfaction": "1"}))
    # unanswered or "don't know": a number comparison does not match
    assert "pourquoi" not in codes(schema.visible_questions({}))
    assert "pourquoi" not in codes(schema.visible_questions({"satisfaction": "nsp"}))


def test_question_condition_not_in(schema):
    assert "nb_sorties" in codes(schema.visible_questions({"frequence": "souvent"}))
    assert "nb_sorties" in codes(schema.visible_questions({}))  # not_in is the negation of in
    assert "nb_sorties" not in codes(schema.visible_questions({"frequence": "jamais"}))


def test_condition_ops_in_answered_gte(built):
    survey = built.survey
    Question.objects.filter(survey=survey, code="commentaire").update(
        condition={"all": [{"question": "lieux", "op": "in", "values": ["cine", "theatre"]}]}
    )
    Question.objects.filter(survey=survey, code="derniere_sortie").update(
        condition={"all": [{"question": "nb_sorties", "op": "gte", "values": [1]}]}
    )
    Question.objects.filter(survey=survey, code="cp").update(
        condition={"all": [{"question": "quartier", "op": "answered"}]}
    )
    schema = compile_schema(survey)
    assert "commentaire" in codes(schema.visible_questions({"lieux": ["bib", "cine"]}))
    assert "commentaire" not in codes(schema.visible_questions({"lieux": ["bib"]}))
    assert "derniere_sortie" in codes(schema.visible_questions({"nb_sorties": 3}))
    assert "derniere_sortie" not in codes(schema.visible_questions({"nb_sorties": 0}))
    assert "cp" in codes(schema.visible_questions({"quartier": "gare"}))
    assert "cp" not in codes(schema.visible_questions({"quartier": ""}))


def test_answer_to_hidden_question_cannot_show_more(built):
    # nb_sorties is hidden when frequence is "jamais": its answer must not open derniere_sortie.
    Question.objects.filter(survey=built.survey, code="derniere_sortie").update(
        condition={"all": [{"question": "nb_sorties", "op": "gte", "values": [1]}]}
    )
    schema = compile_schema(built.survey)
    visible = codes(schema.visible_questions({"frequence": "jamais", "nb_sorties": 5}))
    assert "nb_sorties" not in visible and "derniere_sortie" not in visible


def test_hidden_answers_dropped_and_hidden_required_not_required(built, schema):
    answers = valid_answers(frequence="jamais", nb_sorties=12, pourquoi="caché")
    cleaned = answers_validate(schema, answers, deployment=built.deployment)
    assert "nb_sorties" not in cleaned and "pourquoi" not in cleaned


def test_required_only_when_visible(built, schema):
    answers = valid_answers(satisfaction=1)
    assert errors_of(schema, answers, built.deployment) == {"pourquoi": "Cette question est obligatoire."}


def test_territory_question_asked_only_in_its_territory(built):
    own = built.deployments[1].participation
    section = built.sections["fin"]
    Question.objects.create(
        survey=built.survey,
        section=section,
        position=9,
        code="local",
        kind="short_text",
        label="Local",
        participation=own,
    )
    schema = compile_schema(built.survey)
    assert "local" in codes(schema.visible_questions({}, participation_id=own.pk))
    assert "local" not in codes(schema.visible_questions({}, participation_id=built.deployments[0].participation_id))
    cleaned = answers_validate(schema, valid_answers(local="ailleurs"), deployment=built.deployments[0])
    assert "local" not in cleaned


# --- one bad input per question kind ------------------------------------------------------------

BAD_INPUTS = [
    ("frequence", "parfois", "ne fait pas partie"),
    ("frequence", ["rare"], "ne fait pas partie"),
    ("lieux", ["bib", "zoo"], "ne fait pas partie"),
    ("lieux", ["bib", "musee", "cine", "theatre"], "au plus 3"),
    ("lieux", ["bib", "bib"], "plusieurs fois"),
    ("lieux", {"bib": True}, "liste"),
    ("satisfaction", 6, "entre 1 et 5"),
    ("satisfaction", 2.5, "entre 1 et 5"),
    ("satisfaction", True, "entre 1 et 5"),
    ("satisfaction", "beaucoup", "entre 1 et 5"),
    ("nb_sorties", 101, "inférieur ou égal à 100"),
    ("nb_sorties", -1, "supérieur ou égal à 0"),
    ("nb_sorties", "douze", "nombre"),
    ("nb_sorties", "nan", "nombre"),
    ("nb_sorties", "1e999", "nombre"),
    ("commentaire", "x" * 301, "300"),
    ("commentaire", "x" * 100_000, "300"),
    ("commentaire", ["liste"], "texte"),
    ("derniere_sortie", "2021-02-30", "date valide"),
    ("derniere_sortie", "hier", "date valide"),
    ("derniere_sortie", "1850-01-01", "1900"),
    ("quartier", "ailleurs", "quartier"),
    ("cp", "7900", "code postal"),
    ("cp", "99000", "code postal"),
    ("age", "12-14", "ne fait pas partie"),
    ("genre", "z", "ne fait pas partie"),
]


@pytest.mark.parametrize(("code", "value", "fragment"), BAD_INPUTS)
def test_bad_input_gets_a_message_on_its_question(built, schema, code, value, fragment):
    errors = errors_of(schema, valid_answers(**{code: value}), built.deployment)
    assert list(errors) == [code]
    assert fragment in errors[code]


@pytest.mark.parametrize(
    ("overrides", "code", "fragment"),
    [
        ({"pourquoi": "x" * 100_000}, "pourquoi", "5\u202f000"),
        ({"priorites": ["a", "b"]}, "priorites", "de 1 à 3"),
        ({"priorites": ["a", "a", "b"]}, "priorites", "de 1 à 3"),
        ({"priorites": ["a", "b", "z"]}, "priorites", "de 1 à 3"),
        ({"offre": {"prix": 5}}, "offre", "entre 1 et 4"),
        ({"offre": {"inconnue": 2}}, "offre", "Ligne inconnue"),
        ({"offre": [1, 2]}, "offre", "une note par ligne"),
    ],
)
def test_bad_input_in_conditional_section(built, schema, overrides, code, fragment):
    errors = errors_of(schema, valid_answers(unhappy=True, **overrides), built.deployment)
    assert list(errors) == [code]
    assert fragment in errors[code]


def test_other_text_required_and_bounded(built, schema):
    answers = valid_answers()
    del answers["lieux__other"]
    assert "Autre" in errors_of(schema, answers, built.deployment)["lieux"]
    assert "300" in errors_of(schema, valid_answers(lieux__other="y" * 301), built.deployment)["lieux"]
    # without "other" chosen, its text is dropped
    cleaned = answers_validate(schema, valid_answers(lieux=["bib"]), deployment=built.deployment)
    assert "lieux__other" not in cleaned


def test_missing_required_answers(built, schema):
    errors = errors_of(schema, {}, built.deployment)
    assert set(errors) == {"age", "genre", "frequence", "satisfaction"}


def test_rating_and_matrix_dont_know(built, schema):
    cleaned = answers_validate(
        schema, valid_answers(unhappy=True, offre={"acces": "nsp", "prix": "2"}), deployment=built.deployment
    )
    assert cleaned["offre"] == {"prix": 2, "acces": "nsp"}
    cleaned = answers_validate(schema, valid_answers(satisfaction="nsp"), deployment=built.deployment)
    assert cleaned["satisfaction"] == "nsp"


def test_control_characters_removed(built, schema):
    cleaned = answers_validate(schema, valid_answers(commentaire="a\x00b\x07c\nd"), deployment=built.deployment)
    assert cleaned["commentaire"] == "abc\nd"


def test_not_an_object(built, schema):
    assert "__all__" in errors_of(schema, ["a"], built.deployment)


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True) | st.text(max_size=20),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4),
    max_leaves=8,
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    overrides=st.dictionaries(
        st.sampled_from(
            ["age", "genre", "quartier", "cp", "frequence", "lieux", "lieux__other", "satisfaction", "nb_sorties"]
            + ["derniere_sortie", "pourquoi", "priorites", "offre", "commentaire", "inconnue"]
        ),
        JSON_VALUES,
        max_size=6,
    )
)
def test_any_json_input_is_cleaned_or_refused_per_question(built, schema, overrides):
    """Whatever a client sends, the validator answers with cleaned answers or per-question messages
    (never another exception), and cleaned answers are valid again (idempotent)."""
    answers = valid_answers(unhappy=True, **overrides)
    try:
        cleaned = answers_validate(schema, answers, deployment=built.deployment)
    except AnswersInvalid as error:
        assert error.errors and all(isinstance(message, str) and message for message in error.errors.values())
        assert set(error.errors) <= set(schema.by_code)
    else:
        assert set(cleaned) <= set(schema.by_code) | {"lieux__other"}
        assert answers_validate(schema, cleaned, deployment=built.deployment) == cleaned
