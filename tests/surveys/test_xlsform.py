"""XLSForm export and import: pyxform accepts what we export, a round trip keeps the structure, and a
malformed workbook is refused with its sheet, line and reason, creating nothing."""

import io

import openpyxl
import pytest
from django.core.exceptions import ValidationError
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from territoires.surveys import questionnaire
from territoires.surveys.models import Question, Section, Survey
from territoires.surveys.xlsform import parse_relevance, relevance, xlsform_check, xlsform_export, xlsform_import
from tests.surveys.factories import make_survey

pytestmark = pytest.mark.django_db

STRUCTURE_FIELDS = (
    "code",
    "kind",
    "label",
    "label_en",
    "help_text",
    "help_text_en",
    "required",
    "options",
    "allow_other",
    "max_choices",
    "scale_min",
    "scale_max",
    "allow_dont_know",
    "min_value",
    "max_value",
    "rows",
    "condition",
)


def structure(survey):
    sections, questions = questionnaire.ordered_structure(survey)
    rank = {section.pk: index for index, section in enumerate(sections)}
    return (
        [(s.title, s.title_en, s.condition) for s in sections],
        [(rank[q.section_id], *(getattr(q, name) for name in STRUCTURE_FIELDS)) for q in questions],
    )


def sheets_of(content):
    workbook = openpyxl.load_workbook(io.BytesIO(content))
    result = {}
    for sheet in workbook.worksheets:
        rows = list(sheet.iter_rows(values_only=True))
        header = rows[0]
        result[sheet.title] = [dict(zip(header, row, strict=True)) for row in rows[1:]]
    return result


def workbook(sheets: dict[str, list[dict]]) -> io.BytesIO:
    book = openpyxl.Workbook()
    book.remove(book.active)
    for name, rows in sheets.items():
        sheet = book.create_sheet(name)
        columns = list(dict.fromkeys(key for row in rows for key in row))
        sheet.append(columns)
        for row in rows:
            sheet.append([row.get(column, "") for column in columns])
    output = io.BytesIO()
    book.save(output)
    output.seek(0)
    output.name = "formulaire.xlsx"
    return output


@pytest.fixture
def built():
    return make_survey(second_language="en")


def test_the_export_is_a_valid_xlsform_with_every_kind_mapped(built):
    content = xlsform_export(built.survey)
    warnings = xlsform_check(content)  # raises if pyxform refuses it
    assert warnings == []
    rows = {row["name"]: row for row in sheets_of(content)["survey"] if row["name"] and row["type"] != "end_group"}
    assert rows["frequence"]["type"] == "select_one frequence"
    assert rows["lieux"]["type"] == "select_multiple lieux"
    assert rows["lieux"]["constraint"] == "count-selected(.) <= 3"
    assert rows["lieux__other"]["relevant"] == "selected(${lieux}, 'other')"
    assert rows["satisfaction"]["appearance"] == "likert"
    assert rows["nb_sorties"]["type"] == "decimal"
    assert rows["nb_sorties"]["constraint"] == ". >= 0 and . <= 100"
    assert rows["nb_sorties"]["relevant"] == "not(${frequence} = 'jamais')"
    assert rows["priorites"]["type"] == "rank priorites"
    assert rows["offre"]["type"] == "begin_group" and rows["offre"]["appearance"] == "table-list"
    assert rows["offre_prix"]["type"] == "select_one offre"
    assert rows["derniere_sortie"]["type"] == "date"
    assert rows["cp"]["constraint"] == "regex(., '^[0-9]{5}$')"
    assert rows["age"]["required"] == "yes"
    assert rows["section_3"]["relevant"] == "${satisfaction} <= 2"
    assert rows["frequence"]["label::English (en)"] == "How often do you go out?"
    assert rows["lieux"]["hint::French (fr)"] == "Trois au plus."
    choices = sheets_of(content)["choices"]
    assert {c["name"] for c in choices if c["list_name"] == "age"} == {
        "15-24",
        "25-34",
        "35-49",
        "50-64",
        "65-79",
        "80+",
    }
    assert [c["name"] for c in choices if c["list_name"] == "satisfaction"] == ["1", "2", "3", "4", "5", "nsp"]


def test_round_trip_keeps_the_structure(built):
    content = xlsform_export(built.survey)
    upload = io.BytesIO(content)
    upload.name = "export.xlsx"
    imported = xlsform_import(project=built.project, user=built.project_ns.consultant, file=upload)
    assert imported.status == Survey.Status.DRAFT
    assert imported.title == built.survey.title
    assert imported.second_language == "en"
    assert structure(imported) == structure(built.survey)
    # Deployed in every territory, with the neighbourhood list.
    assert imported.deployments.count() == 4
    assert imported.deployments.first().neighbourhoods == [
        {"code": n["code"], "label": n["label"]} for n in built.deployment.neighbourhoods
    ]


def test_a_kobo_style_form_is_imported():
    ns = make_survey(status=Survey.Status.DRAFT)
    upload = workbook(
        {
            "survey": [
                {"type": "text", "name": "prenom", "label": "Prénom"},
                {"type": "select_one yn", "name": "sortie", "label": "Sortez-vous ?", "required": "TRUE"},
                {
                    "type": "select_multiple lieux or_other",
                    "name": "lieux",
                    "label": "Lieux",
                    "relevant": "${sortie} = 'oui'",
                },
                {"type": "integer", "name": "age_exact", "label": "Âge", "constraint": ". >= 15 and . <= 110"},
                {"type": "range", "name": "note", "label": "Note", "parameters": "start=0 end=10 step=1"},
                {"type": "note", "name": "merci", "label": "Merci"},
                {"type": "start", "name": "start"},
            ],
            "choices": [
                {"list_name": "yn", "name": "oui", "label": "Oui"},
                {"list_name": "yn", "name": "non", "label": "Non"},
                {"list_name": "lieux", "name": "bib", "label": "Médiathèque"},
                {"list_name": "lieux", "name": "musee", "label": "Musée"},
            ],
            "settings": [{"form_title": "Enquête Kobo"}],
        }
    )
    survey = xlsform_import(project=ns.project, user=ns.project_ns.consultant, file=upload)
    questions = {q.code: q for q in survey.questions.all()}
    assert set(questions) == {"prenom", "sortie", "lieux", "age_exact", "note", "merci"}
    assert (questions["merci"].kind, questions["age_exact"].kind) == ("note", "integer")
    assert questions["sortie"].required is True
    assert questions["lieux"].allow_other is True
    assert questions["lieux"].condition == {"all": [{"question": "sortie", "op": "in", "values": ["oui"]}]}
    assert (questions["age_exact"].min_value, questions["age_exact"].max_value) == (15, 110)
    assert (questions["note"].kind, questions["note"].scale_min, questions["note"].scale_max) == ("rating", 0, 10)
    assert survey.title == "Enquête Kobo"


@pytest.mark.parametrize(
    ("sheets", "expected"),
    [
        (
            {
                "survey": [{"type": "select_one absente", "name": "q1", "label": "Q"}],
                "choices": [{"list_name": "x", "name": "a", "label": "A"}],
            },
            "ligne 2",
        ),
        (
            {
                "survey": [
                    {"type": "text", "name": "q1", "label": "Q"},
                    {"type": "barcode", "name": "code_barre", "label": "Code-barres"},
                ]
            },
            "Feuille « survey », ligne 3 : type « barcode » non pris en charge",
        ),
        (
            {
                "survey": [
                    {"type": "text", "name": "q1", "label": "Q", "relevant": "${q2} = 'a'"},
                    {"type": "text", "name": "q2", "label": "Q2"},
                ]
            },
            "vient après elle",
        ),
        (
            {"survey": [{"type": "integer", "name": "n", "label": "N", "constraint": ". mod 2 = 0"}]},
            "Feuille « survey », ligne 2 : contrainte non reconnue",
        ),
        (
            {"survey": [{"type": "text", "name": "q1", "label": "Q", "relevant": "string-length(${q1}) > 3"}]},
            "Feuille « survey », ligne 2 : condition",
        ),
        (
            {
                "survey": [
                    {"type": "begin_repeat", "name": "r", "label": "R"},
                    {"type": "text", "name": "t", "label": "T"},
                    {"type": "end_repeat"},
                ]
            },
            "répétés",
        ),
        ({"feuille": [{"a": "b"}]}, "pas de feuille « survey »"),
        ({"survey": [{"type": "text", "name": "territory", "label": "Q"}]}, "réservé"),
    ],
)
def test_a_malformed_xlsform_is_refused_with_its_line_and_nothing_is_created(sheets, expected):
    ns = make_survey()
    before = (Survey.objects.count(), Question.objects.count())
    with pytest.raises(ValidationError) as refused:
        xlsform_import(project=ns.project, user=ns.project_ns.consultant, file=workbook(sheets))
    assert expected in " ".join(refused.value.messages)
    assert (Survey.objects.count(), Question.objects.count()) == before


def test_a_file_that_is_not_a_workbook_is_refused():
    ns = make_survey()
    upload = io.BytesIO(b"PK\x03\x04 not really a zip")
    with pytest.raises(ValidationError, match="classeur Excel lisible"):
        xlsform_import(project=ns.project, user=ns.project_ns.consultant, file=upload)


@pytest.mark.parametrize(
    "condition",
    [
        {"all": [{"question": "a", "op": "in", "values": ["x", "y"]}]},
        {"all": [{"question": "m", "op": "in", "values": ["x"]}, {"question": "n", "op": "gte", "values": [3]}]},
        {
            "any": [
                {"question": "a", "op": "not_in", "values": ["x"]},
                {"question": "b", "op": "answered", "values": []},
            ]
        },
        {"all": [{"question": "m", "op": "not_in", "values": ["x", "z"]}]},
    ],
)
def test_relevance_expressions_read_back_as_the_same_condition(condition):
    kinds = {"a": "single", "b": "short_text", "m": "multiple", "n": "number"}
    assert parse_relevance(relevance(condition, kinds), 2) == condition


def test_a_territory_question_goes_only_into_its_territory_export(built):
    section = built.sections["fin"]
    questionnaire.question_save(
        survey=built.survey,
        section=section,
        user=None,
        values={"code": "fete_locale", "kind": "short_text", "label": "La fête locale ?"},
        participation=built.deployment.participation,
    )

    def names(content):
        return {row["name"] for row in sheets_of(content)["survey"]}

    assert "fete_locale" not in names(xlsform_export(built.survey))
    own = xlsform_export(built.survey, participation_id=built.deployment.participation_id)
    assert "fete_locale" in names(own)
    xlsform_check(own)
    assert "fete_locale" not in names(
        xlsform_export(built.survey, participation_id=built.deployments[1].participation_id)
    )


# Any questionnaire the builder accepts comes back identical -----------------------------------------------


TEXT = st.text(alphabet="abcdéèàç ÉÀ'-?", min_size=1, max_size=20).map(str.strip).filter(bool)
CODE = st.from_regex(r"[a-z][a-z0-9]{0,5}", fullmatch=True)


@st.composite
def coded_items(draw, bilingual, min_size=2, max_size=5):
    codes = draw(
        st.lists(CODE, min_size=min_size, max_size=max_size, unique=True).filter(
            lambda c: "other" not in c and "nsp" not in c
        )
    )
    items = []
    for code in codes:
        item = {"code": code, "label": draw(TEXT)}
        if bilingual and draw(st.booleans()):
            item["label_en"] = draw(TEXT)
        items.append(item)
    return items


@st.composite
def question_values(draw, kind, bilingual):
    values = {
        "kind": kind,
        "label": draw(TEXT),
        "help_text": draw(st.one_of(st.just(""), TEXT)),
        "required": draw(st.booleans()),
    }
    if bilingual:
        values["label_en"] = draw(st.one_of(st.just(""), TEXT))
        values["help_text_en"] = draw(st.one_of(st.just(""), TEXT))
    if kind in ("single", "multiple", "ranking"):
        values["options"] = draw(coded_items(bilingual))
        if kind != "ranking":
            values["allow_other"] = draw(st.booleans())
        if kind != "single" and draw(st.booleans()):
            available = len(values["options"]) + (1 if values.get("allow_other") else 0)
            values["max_choices"] = draw(st.integers(1, available))
    if kind in ("rating", "matrix"):
        low = draw(st.integers(-3, 3))
        values.update(scale_min=low, scale_max=low + draw(st.integers(1, 10)), allow_dont_know=draw(st.booleans()))
    if kind == "matrix":
        values["rows"] = draw(coded_items(bilingual, min_size=1, max_size=4))
    if kind == "number":
        low = draw(st.one_of(st.none(), st.integers(-50, 50), st.just(2.5)))
        high = draw(st.one_of(st.none(), st.integers(60, 500)))
        values.update(min_value=low, max_value=high)
    return values


def condition_for(draw, earlier):
    """A condition on earlier questions, as the builder would store it (or none)."""
    testable = [q for q in earlier if q.kind in ("single", "multiple", "rating", "age_band", "gender", "number")]
    if not testable or not draw(st.booleans()):
        return {}
    targets = draw(st.lists(st.sampled_from(testable), min_size=1, max_size=2, unique_by=lambda q: q.code))
    clauses = []
    for target in targets:
        if target.kind == "number":
            clauses.append(
                {
                    "question": target.code,
                    "op": draw(st.sampled_from(["gte", "lte"])),
                    "values": [draw(st.integers(-5, 90))],
                }
            )
            continue
        codes = questionnaire.answer_codes(target)
        op = draw(st.sampled_from(["in", "not_in", "answered"]))
        values = [] if op == "answered" else draw(st.lists(st.sampled_from(codes), min_size=1, max_size=2, unique=True))
        clauses.append({"question": target.code, "op": op, "values": values})
    mode = "any" if len(clauses) > 1 and draw(st.booleans()) else "all"
    return {mode: clauses}


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
)
@given(data=st.data())
def test_any_questionnaire_survives_a_round_trip(data, django_db_blocker):
    from django.db import transaction

    from tests.factories import make_project

    with django_db_blocker.unblock(), transaction.atomic():
        ns = make_project(participants=3)
        bilingual = data.draw(st.booleans())
        survey = questionnaire.survey_create(
            project=ns.project, user=ns.consultant, title=data.draw(TEXT), second_language="en" if bilingual else ""
        )
        sections = [survey.sections.get()]
        for _index in range(data.draw(st.integers(0, 2))):
            sections.append(questionnaire.section_save(survey=survey, user=None, title=data.draw(TEXT)))
        kinds = data.draw(st.lists(st.sampled_from(Question.Kind.values), min_size=1, max_size=8))
        for index, kind in enumerate(kinds):
            section = sections[min(index * len(sections) // len(kinds), len(sections) - 1)]
            earlier = list(survey.questions.all())
            values = data.draw(question_values(kind, bilingual))
            values["code"] = f"q{index}"
            values["condition"] = condition_for(data.draw, earlier)
            questionnaire.question_save(survey=survey, section=section, user=None, values=values)
        for section in sections[1:]:
            rank = [s.pk for s in sections].index(section.pk)
            before = [q for q in survey.questions.all() if [s.pk for s in sections].index(q.section_id) < rank]
            condition = condition_for(data.draw, before)
            if condition:
                questionnaire.section_save(
                    survey=survey, user=None, section=section, title=section.title, condition=condition
                )
        content = xlsform_export(survey)
        xlsform_check(content)
        upload = io.BytesIO(content)
        upload.name = "questionnaire.xlsx"
        imported = xlsform_import(project=ns.project, user=ns.consultant, file=upload)
        assert structure(imported) == structure(Survey.objects.get(pk=survey.pk))
        assert imported.second_language == survey.second_language
        assert Section.objects.filter(survey=imported).count() == len(sections)
        transaction.set_rollback(True)
