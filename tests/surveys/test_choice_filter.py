"""Cascading choices (XLSForm choice_filter): a form shaped like pyxform's own cascading example
(a list filtered by an earlier answer through an extra column of the choices sheet, two levels,
`${q} = column` and `column = ${q}`, `selected(${q}, name)`, `name != ${q}`) is imported; the
options offered follow the earlier answers in validation (fast and general path alike), on the
online page (without JavaScript too), on the paper form (every option printed with its condition)
and in the XLSForm export; other expressions are refused with their row, in French."""

import dataclasses
import html
import io
import re

import openpyxl
import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from territoires.surveys.models import Question, Survey
from territoires.surveys.schema import AnswersInvalid, answers_validate, schema_cache_clear, schema_for
from territoires.surveys.xlsform import pyxform_problems, xlsform_check, xlsform_export, xlsform_import
from tests.factories import PASSWORD
from tests.surveys.factories import make_survey
from tests.surveys.test_xlsform_pipeline import upload, workbook_bytes

pytestmark = pytest.mark.django_db


SURVEY = [
    ["type", "name", "label", "required", "choice_filter", "appearance"],
    ["select_one departements", "departement", "Votre département", "yes", "", ""],
    ["select_one communes", "commune", "Votre commune", "yes", "departement=${departement}", ""],
    ["select_one quartiers", "quartier", "Votre quartier", "", "${departement} = dep and commune = ${commune}", ""],
    ["select_multiple lieux", "lieux", "Lieux fréquentés", "", "", ""],
    ["select_one lieux", "prefere", "Celui que vous préférez", "", "selected(${lieux}, name)", "minimal"],
    ["select_one lieux", "second", "Et ensuite ?", "", "name != ${prefere} and selected(${lieux}, name)", ""],
]
CHOICES = [
    ["list_name", "name", "label", "departement", "dep", "commune"],
    ["departements", "78", "Yvelines", "", "", ""],
    ["departements", "79", "Deux-Sèvres", "", "", ""],
    ["departements", "18", "Cher", "", "", ""],
    ["communes", "mantes", "Mantes-la-Jolie", "78", "", ""],
    ["communes", "niort", "Niort", "79", "", ""],
    ["communes", "chauray", "Chauray", "79", "", ""],
    ["communes", "bourges", "Bourges", "18", "", ""],
    ["communes", "vierzon", "Vierzon", "18", "", ""],
    ["quartiers", "val_fourre", "Val Fourré", "", "78", "mantes"],
    ["quartiers", "clou_bouchet", "Clou-Bouchet", "", "79", "niort"],
    ["quartiers", "tour_chabot", "Tour-Chabot", "", "79", "niort"],
    ["quartiers", "chancellerie", "Chancellerie", "", "18", "bourges"],
    ["lieux", "bib", "Médiathèque", "", "", ""],
    ["lieux", "musee", "Musée", "", "", ""],
    ["lieux", "cine", "Cinéma", "", "", ""],
]


def cascade_form(survey=SURVEY, choices=CHOICES) -> bytes:
    return workbook_bytes({"survey": survey, "choices": choices, "settings": [["form_title"], ["Cantines"]]})


@pytest.fixture
def imported():
    ns = make_survey(status=Survey.Status.DRAFT)
    survey = xlsform_import(project=ns.project, user=ns.project_ns.consultant, file=upload(cascade_form()))
    survey.status = Survey.Status.PUBLISHED
    survey.save()
    schema_cache_clear()
    ns.survey, ns.deployment = survey, survey.deployments.order_by("pk").first()
    return ns


def test_the_reference_converter_accepts_the_form():
    assert pyxform_problems(cascade_form()) == []


def test_the_filters_are_imported_with_their_columns(imported):
    questions = {q.code: q for q in imported.survey.questions.all()}
    assert questions["commune"].choice_filter == [{"question": "departement", "column": "departement", "op": "eq"}]
    assert questions["quartier"].choice_filter == [
        {"question": "departement", "column": "dep", "op": "eq"},
        {"question": "commune", "column": "commune", "op": "eq"},
    ]
    assert questions["prefere"].choice_filter == [{"question": "lieux", "column": "name", "op": "selected"}]
    assert questions["second"].choice_filter == [
        {"question": "prefere", "column": "name", "op": "neq"},
        {"question": "lieux", "column": "name", "op": "selected"},
    ]
    niort = next(o for o in questions["commune"].options if o["code"] == "niort")
    assert niort["filters"] == {"departement": "79"}
    assert questions["quartier"].options[0]["filters"] == {"dep": "78", "commune": "mantes"}
    assert "filters" not in questions["lieux"].options[0]


def validate(ns, answers):
    return answers_validate(schema_for(ns.survey), answers, deployment=ns.deployment)


def test_only_the_options_the_earlier_answers_allow_are_accepted(imported):
    cleaned = validate(imported, {"departement": "79", "commune": "niort", "quartier": "clou_bouchet"})
    assert cleaned == {"departement": "79", "commune": "niort", "quartier": "clou_bouchet"}
    with pytest.raises(AnswersInvalid) as refused:
        validate(imported, {"departement": "79", "commune": "bourges", "quartier": "chancellerie"})
    assert refused.value.errors == {"commune": "Ce choix n'est pas proposé compte tenu de vos réponses précédentes."}
    with pytest.raises(AnswersInvalid) as refused:
        validate(imported, {"departement": "79", "commune": "niort", "quartier": "val_fourre"})
    assert set(refused.value.errors) == {"quartier"}
    # Chauray lists no neighbourhood: the question is not asked, its answer dropped.
    assert validate(imported, {"departement": "79", "commune": "chauray", "quartier": "clou_bouchet"}) == {
        "departement": "79",
        "commune": "chauray",
    }
    # selected(${lieux}, name) and name != ${prefere}: only places ticked, the favourite excepted.
    base = {"departement": "18", "commune": "bourges"}
    assert validate(imported, {**base, "lieux": ["bib", "cine"], "prefere": "cine", "second": "bib"})["second"] == "bib"
    with pytest.raises(AnswersInvalid) as refused:
        validate(imported, {**base, "lieux": ["bib", "cine"], "prefere": "musee", "second": "cine"})
    assert set(refused.value.errors) == {"prefere"}
    with pytest.raises(AnswersInvalid) as refused:
        validate(imported, {**base, "lieux": ["bib", "cine"], "prefere": "cine", "second": "cine"})
    assert set(refused.value.errors) == {"second"}
    # Nothing ticked: no favourite to ask.
    assert "prefere" not in validate(imported, {**base, "prefere": "cine"})


def test_a_required_cascading_choice_is_required_once_it_has_options(imported):
    with pytest.raises(AnswersInvalid) as refused:
        validate(imported, {"departement": "78"})
    assert refused.value.errors == {"commune": "Cette question est obligatoire."}


ANSWERS = st.fixed_dictionaries(
    {},
    optional={
        "departement": st.sampled_from(["78", "79", "18", "75", " 79", 79, ""]),
        "commune": st.sampled_from(["mantes", "niort", "chauray", "bourges", "x", " niort", 3, None]),
        "quartier": st.sampled_from(["val_fourre", "clou_bouchet", "chancellerie", "", ["niort"]]),
        "lieux": st.lists(st.sampled_from(["bib", "musee", "cine", "autre", " bib"]), max_size=4),
        "prefere": st.sampled_from(["bib", "musee", "cine", ["bib"], ""]),
        "second": st.sampled_from(["bib", "musee", "cine", None]),
    },
)


def outcome(schema, answers, deployment):
    try:
        return "cleaned", answers_validate(schema, answers, deployment=deployment)
    except AnswersInvalid as invalid:
        return "invalid", invalid.errors


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(answers=ANSWERS)
def test_fast_checks_agree_with_the_general_path_on_cascading_choices(imported, answers):
    schema = schema_for(imported.survey)
    general = dataclasses.replace(schema, fast_checks=dict.fromkeys(schema.by_code))
    assert outcome(schema, answers, imported.deployment) == outcome(general, answers, imported.deployment)


def test_the_online_page_shows_the_options_of_the_earlier_answer(client, imported):
    from territoires.surveys.views.collect import question_views

    schema = schema_for(imported.survey)
    views = question_views(
        [schema.by_code["commune"]],
        {"departement": "79"},
        {},
        language="fr",
        deployment=imported.deployment,
        visible_codes={"commune"},
    )
    hidden = {choice["value"]: choice.get("hidden", False) for choice in views[0]["choices"]}
    assert hidden == {"mantes": True, "niort": False, "chauray": False, "bourges": True, "vierzon": True}
    # The first page, as served: every option drawn, the question hidden until a département is
    # chosen (collect.js then shows the options that match).
    page = client.get(reverse("surveys:answer", args=[imported.deployment.public_token])).content.decode()
    assert 'data-question="commune"' in page and 'data-choice="vierzon"' in page
    assert re.search(r'data-question="commune"[^>]*hidden', page)
    assert '"choice_filter": [{"question": "departement", "column": "departement", "op": "eq"}]' in page


def test_the_online_flow_without_javascript_offers_the_matching_communes(client, imported):
    url = reverse("surveys:answer", args=[imported.deployment.public_token])
    page = client.get(url).content.decode()
    state = dict(re.findall(r'<input type="hidden" name="(state|page|langue)" value="([^"]*)"', page))
    # Without JavaScript only these were shown: the commune appears once the département is sent.
    again = client.post(url, {**state, "departement": "79", "lieux": "bib", "shown": ["departement", "lieux"]})
    body = again.content.decode()
    # The page comes back with the question, and the Deux-Sèvres towns only.
    assert re.search(r'data-question="commune"(?![^>]*hidden)', body)
    assert re.search(r'data-choice="niort"(?![^>]*hidden)', body)
    assert re.search(r'data-choice="bourges"[^>]*hidden', body)


def test_the_paper_form_prints_every_option_with_its_condition(client, imported):
    referent = imported.project_ns.referents[0]
    deployment = imported.survey.deployments.get(participation__organisation=referent.memberships.first().organisation)
    client.login(email=referent.email, password=PASSWORD)
    page = client.get(reverse("surveys:paper_entry", args=[deployment.public_token])).content.decode()
    assert "Bourges (si Votre département = Cher)" in page
    assert "Clou-Bouchet (si Votre département = Deux-Sèvres et Votre commune = Niort)" in page
    assert "Musée (si Musée coché à « Lieux fréquentés »)" in page


def test_the_export_writes_the_filter_back_and_reads_the_same(imported):
    content = xlsform_export(imported.survey)
    xlsform_check(content)  # pyxform converts it
    book = openpyxl.load_workbook(io.BytesIO(content))
    survey_rows = list(book["survey"].values)
    header = survey_rows[0]
    commune = next(row for row in survey_rows if row[header.index("name")] == "commune")
    assert commune[header.index("choice_filter")] == "departement = ${departement}"
    choices = list(book["choices"].values)
    assert "departement" in choices[0] and "dep" in choices[0]
    again = xlsform_import(project=imported.project, user=imported.project_ns.consultant, file=upload(content))
    for question in imported.survey.questions.all():
        copy = again.questions.get(code=question.code)
        assert (copy.kind, copy.choice_filter, copy.options) == (
            question.kind,
            question.choice_filter,
            question.options,
        )


@pytest.mark.parametrize(
    ("row", "reason"),
    [
        (
            ["select_one communes", "commune", "Commune", "", "departement = ${departement} or departement = '0'", ""],
            "non pris en charge",
        ),
        (
            ["select_one communes", "commune", "Commune", "", "starts-with(name, ${departement})", ""],
            "non pris en charge",
        ),
        (
            ["select_one communes", "commune", "Commune", "", "region = ${departement}", ""],
            "absente de la feuille choices",
        ),
        (["select_one communes", "commune", "Commune", "", "departement = ${plus_tard}", ""], "posée avant"),
        (["select_one communes", "commune", "Commune", "", "label = ${departement}", ""], "pas une colonne de filtre"),
        (["select_one communes or_other", "commune", "Commune", "", "departement = ${departement}", ""], "Autre"),
        (["rank communes", "commune", "Commune", "", "departement = ${departement}", ""], "select_one"),
    ],
)
def test_other_filters_are_refused_with_their_row_in_french(row, reason):
    ns = make_survey()
    before = Question.objects.count()
    survey = [SURVEY[0], SURVEY[1], row, ["text", "plus_tard", "Plus tard", "", "", ""]]
    with pytest.raises(ValidationError) as refused:
        xlsform_import(project=ns.project, user=ns.project_ns.consultant, file=upload(cascade_form(survey)))
    messages = refused.value.messages
    assert any("Feuille « survey », ligne 3 :" in m and reason in m for m in messages), messages
    assert Question.objects.count() == before


def test_the_builder_keeps_the_filter_cells_of_the_options_it_keeps(imported):
    from territoires.surveys.questionnaire import question_save

    survey = imported.survey
    survey.status = Survey.Status.DRAFT
    survey.save()
    commune = survey.questions.get(code="commune")
    options = [{"code": o["code"], "label": o["label"].upper()} for o in commune.options if o["code"] != "vierzon"]
    question_save(
        survey=survey,
        section=commune.section,
        user=imported.project_ns.consultant,
        values={"options": options},
        question=commune,
    )
    commune.refresh_from_db()
    assert commune.options[0] == {"code": "mantes", "label": "MANTES-LA-JOLIE", "filters": {"departement": "78"}}
    # The question it depends on cannot go while the filter cites it.
    from territoires.surveys.questionnaire import question_delete

    with pytest.raises(ValidationError, match="commune"):
        question_delete(question=survey.questions.get(code="departement"), user=imported.project_ns.consultant)


def test_the_builder_preview_shows_each_option_with_its_condition(client, imported):
    client.force_login(imported.project_ns.facilitator)
    page = client.get(reverse("surveys:preview", args=[imported.survey.pk])).content.decode()
    assert "Niort (si Votre département = Deux-Sèvres)" in page


def test_the_builder_form_says_what_an_option_added_by_hand_would_miss(client, imported):
    client.force_login(imported.project_ns.facilitator)

    def form_of(code):
        question = imported.survey.questions.get(code=code)
        url = reverse("surveys:question_edit", args=[imported.survey.pk, question.pk])
        return html.unescape(client.get(url).content.decode())

    commune = form_of("commune")
    assert (
        "Choix en cascade (« choice_filter » d'un XLSForm) : les options proposées dépendent de « departement »."
        in commune
    )
    assert "ne sera proposée à personne" in commune
    # Filtered on the options' own codes: an option added by hand is filtered like the others.
    second = form_of("second")
    assert "dépendent de « prefere », « lieux »" in second and "ne sera proposée à personne" not in second
