"""XLSForm import as a pipeline (read → parse → pyxform's check → build), each step alone, and
workbooks written the way forms published by KoboToolbox and ODK users are (our own test
workbooks reproducing their features: upper-case headers, `label::French (fr)` columns, the legacy
"select one from" spelling, `!=`, `not()`, nested parentheses, `selected()`, numeric ranges with
sentinel codes, regular expressions in curly quotes, constraint messages, integers, notes,
geopoints, `${name}` in labels). Every problem of a workbook is reported at once, in French,
with its sheet and line."""

import io

import openpyxl
import pytest
from django.core.exceptions import ValidationError

from territoires.surveys.models import Question, Survey
from territoires.surveys.schema import AnswersInvalid, answers_validate, schema_cache_clear, schema_for
from territoires.surveys.xlsform import (
    parse_form,
    parse_number_constraint,
    pyxform_problems,
    read_workbook,
    xlsform_import,
)
from tests.surveys.factories import make_survey

pytestmark = pytest.mark.django_db


def workbook_bytes(sheets: dict[str, list[list]]) -> bytes:
    """Sheets as rows of cells, the first row being the header exactly as typed."""
    book = openpyxl.Workbook()
    book.remove(book.active)
    for name, rows in sheets.items():
        sheet = book.create_sheet(name)
        for row in rows:
            sheet.append(row)
    output = io.BytesIO()
    book.save(output)
    return output.getvalue()


def upload(content: bytes, name="enquete_kobo.xlsx"):
    file = io.BytesIO(content)
    file.name = name
    return file


SURVEY_HEADER = [
    "TYPE",
    "Name",
    "Label::French (fr)",
    "Label::English (en)",
    "Hint::French (fr)",
    "Required",
    "Relevant",
    "Constraint",
    "Constraint_Message::French (fr)",
]


def kobo_like_form() -> bytes:
    return workbook_bytes(
        {
            "survey": [
                SURVEY_HEADER,
                ["begin group", "profil", "Profil", "Profile", "", "", "", "", ""],
                ["text", "prenom", "Votre prénom ?", "First name?", "", "yes", "", "", ""],
                ["note", "bonjour", "Bonjour ${prenom} !", "Hello ${prenom}!", "", "", "", "", ""],
                [
                    "integer",
                    "age",
                    "Âge (9999 : ne sait pas)",
                    "Age",
                    "",
                    "yes",
                    "",
                    "(. >= 0 and . < 92) or . = 9999",
                    "Un âge entre 0 et 91, ou 9999",
                ],
                ["select one from oui_non", "sort", "Sortez-vous ?", "Do you go out?", "", "yes", "", "", ""],
                ["select all that apply from lieux", "lieux", "Où ?", "Where?", "", "", "${sort} = 'oui'", "", ""],
                ["end group", "", "", "", "", "", "", "", ""],
                ["begin group", "detail", "Détail", "Details", "", "", "${sort} != 'non'", "", ""],
                [
                    "text",
                    "tel",
                    "Téléphone",
                    "Phone",
                    "Dix chiffres",
                    "",
                    "not(${sort} = 'non')",
                    "regex(., ‘^0[1-9][0-9]{8}$’)",
                    "Dix chiffres, sans espace",
                ],
                [
                    "date",
                    "derniere",
                    "Dernière sortie",
                    "Last outing",
                    "",
                    "",
                    "(selected(${lieux}, 'bib') or selected(${lieux}, 'musee'))",
                    ". <= today()",
                    "",
                ],
                ["geopoint", "ou", "Où habitez-vous ?", "Where do you live?", "", "", "", "", ""],
                ["decimal", "budget", "Budget", "Budget", "", "", "", ". >= 0", "Un montant positif"],
                ["end group", "", "", "", "", "", "", "", ""],
                ["start", "start", "", "", "", "", "", "", ""],
            ],
            "choices": [
                ["List Name", "Name", "Label::French (fr)", "Label::English (en)"],
                ["oui_non", "oui", "Oui", "Yes"],
                ["oui_non", "non", "Non", "No"],
                ["lieux", "bib", "Médiathèque", "Library"],
                ["lieux", "musee", "Musée", "Museum"],
                ["lieux", "cine", "Cinéma", "Cinema"],
            ],
            "settings": [["form_title", "default_language"], ["Enquête publiée", "French (fr)"]],
        }
    )


def test_each_step_works_alone():
    content = kobo_like_form()
    workbook = read_workbook(content, name="x.xlsx")
    assert workbook.headers["survey"][:3] == ["type", "name", "label::French (fr)"]
    assert workbook.headers["choices"][0] == "list_name"
    parsed = parse_form(workbook)  # no database needed
    assert list(parsed.problems) == []
    assert [draft.question.code for draft in parsed.drafts] == [
        "prenom",
        "bonjour",
        "age",
        "sort",
        "lieux",
        "tel",
        "derniere",
        "ou",
        "budget",
    ]
    assert pyxform_problems(content) == []


def test_a_form_written_like_published_kobo_forms_is_imported(client):
    ns = make_survey(status=Survey.Status.DRAFT)
    survey = xlsform_import(project=ns.project, user=ns.project_ns.consultant, file=upload(kobo_like_form()))
    questions = {q.code: q for q in survey.questions.all()}
    assert survey.title == "Enquête publiée" and survey.second_language == "en"
    assert questions["bonjour"].kind == Question.Kind.NOTE
    assert questions["age"].kind == Question.Kind.INTEGER
    assert (questions["age"].min_value, questions["age"].max_value) == (0, 91)
    assert questions["age"].constraint == {"also": [9999], "message": "Un âge entre 0 et 91, ou 9999"}
    assert questions["sort"].kind == Question.Kind.SINGLE and questions["sort"].label_en == "Do you go out?"
    assert questions["lieux"].kind == Question.Kind.MULTIPLE
    assert questions["lieux"].condition == {"all": [{"question": "sort", "op": "in", "values": ["oui"]}]}
    assert questions["tel"].constraint == {"pattern": "^0[1-9][0-9]{8}$", "message": "Dix chiffres, sans espace"}
    assert questions["tel"].condition == {"all": [{"question": "sort", "op": "not_in", "values": ["non"]}]}
    assert questions["derniere"].no_future is True
    assert questions["derniere"].condition == {"all": [{"question": "lieux", "op": "in", "values": ["bib", "musee"]}]}
    assert questions["ou"].kind == Question.Kind.GEOPOINT
    assert questions["budget"].kind == Question.Kind.NUMBER and questions["budget"].min_value == 0
    detail = survey.sections.get(title="Détail")
    assert detail.condition == {"all": [{"question": "sort", "op": "not_in", "values": ["non"]}]}

    # The imported rules are the ones answers are checked with.
    schema_cache_clear()
    survey.status = Survey.Status.PUBLISHED
    survey.save()
    deployment = survey.deployments.first()
    schema = schema_for(survey)
    base = {"prenom": "Ana", "age": 40, "sort": "oui"}
    assert answers_validate(schema, {**base, "age": 9999}, deployment=deployment)["age"] == 9999
    with pytest.raises(AnswersInvalid) as refused:
        answers_validate(schema, {**base, "age": 95, "tel": "06 12", "budget": -3}, deployment=deployment)
    assert refused.value.errors == {
        "age": "Un âge entre 0 et 91, ou 9999",
        "tel": "Dix chiffres, sans espace",
        "budget": "Un montant positif",
    }
    assert answers_validate(schema, {**base, "tel": "0612345678"}, deployment=deployment)["tel"] == "0612345678"


def test_label_references_show_the_answer_given(client):
    from territoires.surveys.views.collect import question_views

    ns = make_survey(status=Survey.Status.DRAFT)
    survey = xlsform_import(project=ns.project, user=ns.project_ns.consultant, file=upload(kobo_like_form()))
    schema_cache_clear()
    schema = schema_for(survey)
    (view,) = question_views(
        [schema.by_code["bonjour"]],
        {"prenom": "Ana"},
        {},
        language="fr",
        deployment=survey.deployments.first(),
        visible_codes={"bonjour"},
    )
    assert view["label"] == "Bonjour Ana !"


def test_every_problem_of_a_workbook_is_reported_at_once_in_french():
    ns = make_survey()
    before = (Survey.objects.count(), Question.objects.count())
    content = workbook_bytes(
        {
            "survey": [
                ["type", "name", "label", "constraint", "choice_filter", "relevant"],
                ["text", "q1", "Q1 ${inconnue}", "", "", ""],
                ["begin_repeat", "membres", "Membres du foyer", "", "", ""],
                ["text", "prenom_membre", "Prénom", "", "", ""],
                ["end_repeat", "", "", "", "", ""],
                ["select_one communes", "commune", "Commune", "", "dept = ${q1} or dept = '0'", ""],
                ["integer", "n", "N", ". mod 2 = 0", "", ""],
                ["decimal", "d", "D", ". > 2.5", "", ""],
                ["geotrace", "trace", "Tracé", "", "", ""],
                ["text", "q2", "Q2", "", "", "string-length(${q1}) > 3"],
                ["select_one absente", "q3", "Q3", "", "", ""],
                ["text", "q1", "Encore q1", "", "", ""],
            ],
            "choices": [
                ["list_name", "name", "label", "dept"],
                ["communes", "niort", "Niort", "79"],
                ["communes", "", "Sans nom", "79"],
            ],
        }
    )
    with pytest.raises(ValidationError) as refused:
        xlsform_import(project=ns.project, user=ns.project_ns.consultant, file=upload(content))
    messages = refused.value.messages
    text = "\n".join(messages)
    expected_lines = {
        2: "${inconnue}",
        3: "répétés",
        6: "filtre de choix",
        7: "contrainte non reconnue",
        8: "borne stricte",
        9: "geotrace",
        10: "condition",
        11: "absente",
        12: "utilisé deux fois",
    }
    for line, reason in expected_lines.items():
        assert any(f"Feuille « survey », ligne {line} :" in m and reason in m for m in messages), (line, text)
    assert any("Feuille « choices », ligne 3 :" in m for m in messages)
    # French only: none of pyxform's English wording.
    for english in ("Unknown", "must", "There is", "row", "is not"):
        assert english not in text
    assert (Survey.objects.count(), Question.objects.count()) == before


@pytest.mark.parametrize(
    ("constraint", "integer", "expected"),
    [
        (". >= 0 and . <= 91", True, (0, 91, [])),
        ("(. >= 0 and . < 92) or . = 9999", True, (0, 91, [9999])),
        ("(. > -1 and . <= 120) or . = -99 or . = -98", True, (0, 120, [-99, -98])),
        (". >= 1.5", False, (1.5, None, [])),
        ("((. >= 1) and (. <= 5))", True, (1, 5, [])),
    ],
)
def test_number_constraints(constraint, integer, expected):
    assert parse_number_constraint(constraint, integer=integer) == expected


@pytest.mark.parametrize("constraint", [". mod 2 = 0", ". > 2.5", "(. >= 0 and . <= 5) or (. >= 10 and . <= 20)"])
def test_number_constraints_outside_what_is_supported_are_refused(constraint):
    with pytest.raises(ValueError):
        parse_number_constraint(constraint, integer=False)
