"""The survey dashboard in a browser: a referent filters it (and sees only its territory), on a
desktop and on a phone; axe-core finds no serious or critical violation on the results pages."""

import re

import pytest
from django.urls import reverse

from tests.browser.helpers import PHONE
from tests.surveys.analytics_support import add_response, set_population
from tests.surveys.factories import make_survey

pytestmark = pytest.mark.browser
BLOCKING = ("serious", "critical")


@pytest.fixture
def results(transactional_db, settings, tmp_path):
    settings.SURVEY_ARRAYS_DIR = tmp_path / "arrays"
    ns = make_survey()
    own, other = ns.deployments[0], ns.deployments[1]
    for index in range(8):
        add_response(
            own,
            ns.valid_answers(genre="f" if index < 5 else "m", frequence="souvent" if index % 2 else "rare"),
            channel="field" if index < 3 else "online",
        )
    for _index in range(4):
        add_response(other, ns.valid_answers(commentaire="Réponse de Deuxville"), channel="paper")
    set_population(own, {(age, gender): 1000 for age in ("15-24", "25-34", "35-49") for gender in "fm"})
    return ns


def _respondents(page) -> str:
    return page.locator("ul.tec-stats li").first.inner_text()


@pytest.mark.parametrize("viewport", [None, PHONE], ids=["desktop", "phone"])
def test_a_referent_filters_the_dashboard(page, login, results, viewport):
    if viewport:
        page.set_viewport_size(viewport)
    login(results.project_ns.referents[0])
    page.goto(reverse("surveys:dashboard", args=[results.survey.pk]))
    assert re.match(r"^8\s+répondants", _respondents(page))
    # A referent has one territory: no territory filter, and the other town never shows.
    assert page.locator("#filtre-territoire").count() == 0
    assert results.deployments[1].participation.organisation.name not in page.content()
    page.select_option("#filtre-canal", "field")
    page.select_option("#filtre-genre", "f")
    page.get_by_role("button", name="Appliquer les filtres").click()
    page.wait_for_load_state()
    assert "canal=field" in page.url and "genre=f" in page.url
    assert re.match(r"^3\s+répondants correspondant aux filtres", _respondents(page))
    assert page.locator("#filtre-canal").input_value() == "field"
    page.get_by_role("link", name="Effacer les filtres").click()
    page.wait_for_load_state()
    assert re.match(r"^8\s+répondants", _respondents(page))


def test_results_pages_are_accessible(page, login, results):
    from axe_playwright_python.sync_playwright import Axe

    axe = Axe()
    login(results.project_ns.consultant)
    survey_id = results.survey.pk
    paths = [
        reverse("surveys:dashboard", args=[survey_id]) + "?genre=f",
        reverse("surveys:territories", args=[survey_id]),
        reverse("surveys:crosstab", args=[survey_id]) + "?lignes=frequence&colonnes=_territoire",
        reverse("surveys:free_text", args=[survey_id]),
        reverse("surveys:monitor", args=[survey_id]) + f"?territoire={results.deployments[0].pk}",
        reverse("surveys:margins", args=[survey_id]),
    ]
    for path in paths:
        response = page.goto(path)
        assert response is not None and response.ok, path
        violations = [v for v in axe.run(page).response["violations"] if v["impact"] in BLOCKING]
        assert not violations, f"{path}: {[(v['id'], v['nodes'][0]['target']) for v in violations]}"
