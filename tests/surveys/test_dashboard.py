"""The survey dashboard: counts and shares weighted and unweighted, filters, freshness,
permissions (a referent sees its own territory only, whatever the query string), query counts."""

import pytest
from django.urls import reverse

from territoires.surveys.analytics import arrays as survey_arrays_module
from tests.surveys.analytics_support import add_response
from tests.surveys.factories import make_survey

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _isolated_arrays(settings, tmp_path):
    settings.SURVEY_ARRAYS_DIR = tmp_path / "arrays"
    survey_arrays_module.forget()
    yield
    survey_arrays_module.forget()


@pytest.fixture
def survey_ns():
    ns = make_survey()
    first, second = ns.deployments[0], ns.deployments[1]
    for index in range(6):
        add_response(
            first, ns.valid_answers(frequence="souvent" if index % 2 else "rare", genre="f" if index < 4 else "m")
        )
    for _index in range(3):
        add_response(
            second, ns.valid_answers(frequence="jamais", genre="m", commentaire="Secret de Deuxville"), channel="paper"
        )
    return ns


def url(ns, name="surveys:dashboard"):
    return reverse(name, args=[ns.survey.pk])


def test_dashboard_shows_counts_for_a_facilitator(client, survey_ns):
    client.force_login(survey_ns.project_ns.facilitator)
    response = client.get(url(survey_ns))
    assert response.status_code == 200
    blocks = {block["code"]: block for block in response.context["blocks"]}
    rows = {row["label"]: row for row in blocks["frequence"]["rows"]}
    assert rows["Jamais"]["count"] == 3
    assert rows["Rarement"]["count"] == 3
    assert rows["Souvent"]["count"] == 3
    assert response.context["overview"]["respondents"] == 9


PAGES = [
    ("surveys:dashboard", ""),
    ("surveys:dashboard", "?territoire=abc&canal=x&age=zz&genre=q&reponse=nope=1&reponse=lieux=bib"),
    ("surveys:territories", ""),
    ("surveys:crosstab", "?lignes=frequence&colonnes=_territoire"),
    ("surveys:crosstab", "?lignes=frequence&colonnes=frequence"),
    ("surveys:crosstab", "?lignes=x" + "y" * 3000 + "&colonnes=genre"),
    ("surveys:free_text", ""),
    ("surveys:free_text", "?question=lieux__other&q=festival"),
    ("surveys:free_text", "?question=inconnue&page=999999"),
    ("surveys:monitor", ""),
    ("surveys:monitor", "?territoire=99999999999999999999999"),
    ("surveys:margins", ""),
    ("surveys:non_audience", ""),
]


@pytest.mark.parametrize(("name", "query"), PAGES)
def test_every_results_page_renders_for_a_facilitator_even_with_bad_input(client, survey_ns, name, query):
    client.force_login(survey_ns.project_ns.facilitator)
    response = client.get(url(survey_ns, name) + query)
    assert response.status_code in (200, 400)
