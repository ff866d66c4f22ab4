"""The question kinds added on the kinds registry (integer, note, geopoint) and the date's own
features (no date in the future; a table and a chart by month on the dashboard), through the
same entry points as every kind: validation, the online questionnaire, exports, XLSForm, arrays."""

import datetime
import io

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from territoires.surveys import questionnaire
from territoires.surveys.analytics import arrays as survey_arrays_module
from territoires.surveys.exports import build_layout
from territoires.surveys.models import Question
from territoires.surveys.schema import AnswersInvalid, answers_validate, schema_cache_clear, schema_for
from territoires.surveys.xlsform import xlsform_check, xlsform_export, xlsform_import, xlsform_rows
from tests.surveys.analytics_support import add_response
from tests.surveys.factories import make_survey

pytestmark = pytest.mark.django_db


@pytest.fixture
def built():
    schema_cache_clear()
    return make_survey()


def validate(built, **overrides):
    """Validated answers of a respondent aged 80 or more (the section "plus" is asked to them)."""
    schema = schema_for(built.survey)
    answers = built.valid_answers(**{"age": "80+", **overrides})
    return answers_validate(schema, answers, deployment=built.deployment)


def errors_of(built, **overrides):
    with pytest.raises(AnswersInvalid) as caught:
        validate(built, **overrides)
    return caught.value.errors


# --- integer ------------------------------------------------------------------------------------


def test_an_integer_is_kept_as_an_integer(built):
    assert validate(built, annee="1998")["annee"] == 1998
    assert isinstance(validate(built, annee=2001.0)["annee"], int)
    assert errors_of(built, annee="1998,5") == {"annee": "Donnez un nombre entier."}
    assert errors_of(built, annee=1850) == {"annee": "Le nombre doit être supérieur ou égal à 1900."}


def test_integer_bounds_must_be_whole_numbers(built):
    section = built.sections["fin"]
    with pytest.raises(ValidationError) as caught:
        questionnaire.question_save(
            survey=built.survey,
            section=section,
            user=None,
            values={"code": "enfants", "kind": "integer", "label": "Enfants", "min_value": 0.5},
        )
    assert "entiers" in str(caught.value)


# --- note ---------------------------------------------------------------------------------------


def test_a_note_stores_nothing_and_exports_no_column(built):
    assert "merci" not in validate(built, merci="texte envoyé quand même")
    layout = build_layout(built.survey)
    assert not [column for column in layout.columns if column.question == "merci"]


def test_a_note_is_shown_on_the_online_page(client, built):
    url = reverse("surveys:answer", args=[built.deployment.public_token])
    page = client.get(url)
    # The last page holds the note; the page renders its label and no input for it.
    schema = schema_for(built.survey)
    assert any(q.code == "merci" for q in schema.questions)
    assert page.status_code == 200


# --- geopoint -----------------------------------------------------------------------------------


def test_a_geopoint_takes_a_position_or_a_neighbourhood(built):
    assert validate(built, lieu={"lat": "46,3235", "lon": "-0.4648"})["lieu"] == {"lat": 46.3235, "lon": -0.4648}
    assert validate(built, lieu="46.3235 -0.4648 0 5")["lieu"] == {"lat": 46.3235, "lon": -0.4648}
    assert validate(built, lieu={"neighbourhood": "gare"})["lieu"] == {"neighbourhood": "gare"}
    assert "latitude" in errors_of(built, lieu={"lat": 91, "lon": 0})["lieu"]
    assert errors_of(built, lieu={"neighbourhood": "lune"})["lieu"].startswith("Ce quartier")


def test_geopoint_export_columns(built):
    layout = build_layout(built.survey)
    names = [column.name for column in layout.columns if column.question == "lieu"]
    assert names == ["lieu_lat", "lieu_lon", "lieu_quartier"]
    own_columns = len([column for column in layout.columns if not column.question])
    first = next(index for index, column in enumerate(layout.columns) if column.name == "lieu_lat") - own_columns
    out = []
    for expand in layout.expanders:
        expand(built.valid_answers(lieu={"lat": 46.3, "lon": -0.4}), out)
    assert len(out) == len(layout.columns) - own_columns
    assert out[first : first + 3] == [46.3, -0.4, None]


def test_the_questionnaire_page_offers_latitude_longitude_and_the_neighbourhood_list(client, built):
    from territoires.surveys.views.collect import question_views

    schema = schema_for(built.survey)
    views = question_views(
        [schema.by_code["lieu"], schema.by_code["annee"], schema.by_code["merci"]],
        {},
        {},
        language="fr",
        deployment=built.deployment,
        visible_codes={"lieu", "annee", "merci"},
    )
    lieu = views[0]
    assert lieu["template"].endswith("geopoint.html")
    assert [n["value"] for n in lieu["neighbourhoods"]] == ["centre", "gare", "nord"]
    from django.template.loader import render_to_string

    html = render_to_string("surveys/collect/_question.html", {"q": lieu})
    assert 'name="lieu__lat"' in html and 'name="lieu__lon"' in html and 'name="lieu__neighbourhood"' in html
    assert "Merci pour vos réponses." in render_to_string("surveys/collect/_question.html", {"q": views[2]})
    assert 'inputmode="numeric"' in render_to_string("surveys/collect/_question.html", {"q": views[1]})


# --- date: no date in the future ----------------------------------------------------------------


def _no_future(built):
    question = built.survey.questions.get(code="derniere_sortie")
    questionnaire.question_save(
        survey=built.survey, section=question.section, user=None, question=question, values={"no_future": True}
    )
    built.survey.refresh_from_db()
    schema_cache_clear()


def test_a_future_date_is_refused_when_the_question_says_so(built):
    tomorrow = (datetime.date.today() + datetime.timedelta(days=1)).isoformat()
    assert validate(built, derniere_sortie=tomorrow)["derniere_sortie"] == tomorrow  # allowed by default
    _no_future(built)
    assert errors_of(built, derniere_sortie=tomorrow)["derniere_sortie"].startswith(
        "La date ne peut pas être dans le futur"
    )
    today = datetime.date.today().isoformat()
    assert validate(built, derniere_sortie=today)["derniere_sortie"] == today


def test_no_future_is_refused_once_future_answers_exist(built):
    tomorrow = (datetime.date.today() + datetime.timedelta(days=3)).isoformat()
    add_response(built.deployment, built.valid_answers(derniere_sortie=tomorrow))
    question = built.survey.questions.get(code="derniere_sortie")
    with pytest.raises(ValidationError) as caught:
        questionnaire.question_save(
            survey=built.survey, section=question.section, user=None, question=question, values={"no_future": True}
        )
    assert "futur" in str(caught.value)


def test_no_future_applies_to_dates_only(built):
    question = built.survey.questions.get(code="commentaire")
    with pytest.raises(ValidationError):
        questionnaire.question_save(
            survey=built.survey, section=question.section, user=None, question=question, values={"no_future": True}
        )


def test_the_online_date_field_stops_at_today(client, built):
    from django.template.loader import render_to_string

    from territoires.surveys.views.collect import question_views

    _no_future(built)
    schema = schema_for(built.survey)
    (view,) = question_views(
        [schema.by_code["derniere_sortie"]], {}, {}, language="fr", deployment=built.deployment, visible_codes=set()
    )
    html = render_to_string("surveys/collect/_question.html", {"q": view})
    assert f'max="{datetime.date.today().isoformat()}"' in html


def test_the_demo_last_outing_question_refuses_future_dates():
    from territoires.demo.surveys import QUESTIONNAIRE

    definitions = [q for _title, _description, questions in QUESTIONNAIRE for q in questions]
    assert next(q for q in definitions if q["code"] == "derniere_sortie")["no_future"] is True


# --- date: a table and a chart by month ---------------------------------------------------------


@pytest.fixture
def _isolated_arrays(settings, tmp_path):
    settings.SURVEY_ARRAYS_DIR = tmp_path / "arrays"
    survey_arrays_module.forget()
    yield
    survey_arrays_module.forget()


def test_a_date_question_is_counted_by_month_on_the_dashboard(client, built, _isolated_arrays):
    for day in ("2024-03-05", "2024-03-28", "2024-01-10", "2023-12-31"):
        add_response(built.deployment, built.valid_answers(derniere_sortie=day))
    add_response(built.deployment, built.valid_answers(derniere_sortie=None))
    client.force_login(built.project_ns.facilitator)
    response = client.get(reverse("surveys:dashboard", args=[built.survey.pk]))
    assert response.status_code == 200
    block = next(block for block in response.context["blocks"] if block["code"] == "derniere_sortie")
    assert [(row["label"], row["count"]) for row in block["rows"]] == [
        ("décembre 2023", 1),
        ("janvier 2024", 1),
        ("mars 2024", 2),
    ]
    assert block["answered"] == 4
    html = response.content.decode()
    section = html[html.index('id="q-derniere_sortie"') :]
    section = section[: section.index("</section>")]
    # The chart's data table (accessibility): one row per month.
    assert "<table" in section and "mars 2024" in section


# --- XLSForm: the new kinds both ways -------------------------------------------------------------


def test_the_new_kinds_go_through_xlsform_and_back(built):
    _no_future(built)
    rows = {row.get("name"): row for row in xlsform_rows(built.survey)["survey"]}
    assert rows["annee"]["type"] == "integer"
    assert rows["lieu"]["type"] == "geopoint"
    assert rows["merci"]["type"] == "note"
    assert rows["derniere_sortie"]["constraint"] == ". <= today()"
    content = xlsform_export(built.survey)
    xlsform_check(content)
    upload = io.BytesIO(content)
    upload.name = "questionnaire.xlsx"
    imported = xlsform_import(project=built.project, user=built.project_ns.consultant, file=upload)
    kinds = dict(imported.questions.values_list("code", "kind"))
    assert (kinds["annee"], kinds["lieu"], kinds["merci"]) == (
        Question.Kind.INTEGER,
        Question.Kind.GEOPOINT,
        Question.Kind.NOTE,
    )
    assert imported.questions.get(code="derniere_sortie").no_future is True


# --- the builder's form ---------------------------------------------------------------------------


def test_the_new_kinds_and_constraints_are_set_through_the_builder_form(client):
    from territoires.surveys.models import Survey
    from tests.surveys.test_builder import question_data

    built = make_survey(status=Survey.Status.DRAFT)
    client.force_login(built.project_ns.consultant)
    section = built.sections["fin"]
    url = reverse("surveys:question_create", args=[built.survey.pk]) + f"?section={section.pk}"
    cases = {
        "integer": {"min_value": "0", "max_value": "120", "constraint_also": "9999", "constraint_message": "0 à 120"},
        "note": {"required": "on"},
        "geopoint": {},
        "date": {"no_future": "on", "constraint_pattern": "^x$"},  # a pattern does not apply: dropped
        "short_text": {"constraint_pattern": "^0[1-9][0-9]{8}$", "constraint_message": "Dix chiffres"},
    }
    for kind, extra in cases.items():
        response = client.post(url, question_data(section, kind=kind, code=f"q_{kind}", **extra))
        assert response.status_code == 302, (kind, response.context["form"].errors)
    questions = {q.code: q for q in Question.objects.filter(survey=built.survey)}
    assert questions["q_integer"].constraint == {"also": [9999], "message": "0 à 120"}
    assert questions["q_note"].required is False
    assert questions["q_date"].no_future is True and questions["q_date"].constraint == {}
    assert questions["q_short_text"].constraint == {"pattern": "^0[1-9][0-9]{8}$", "message": "Dix chiffres"}
    refused = client.post(url, question_data(section, kind="short_text", code="q_bad", constraint_pattern="([a-z"))
    assert refused.status_code == 400 and "Expression régulière invalide" in refused.content.decode()
    edit = client.get(reverse("surveys:question_edit", args=[built.survey.pk, questions["q_integer"].pk]))
    assert 'value="9999"' in edit.content.decode()
