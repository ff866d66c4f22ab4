"""The survey dashboard in a browser: a referent filters it (and sees only its territory), on a
desktop and on a phone; axe-core finds no serious or critical violation on the results pages."""

import re

import pytest
from django.urls import reverse
from playwright.sync_api import expect

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
    page.locator("summary#filtres-titre").click()  # the filters fold away until asked for
    page.select_option("#filtre-canal", "field")
    page.select_option("#filtre-genre", "f")
    page.get_by_role("button", name="Appliquer les filtres").click()
    page.wait_for_load_state()
    assert "canal=field" in page.url and "genre=f" in page.url
    assert re.match(r"^3\s+répondants correspondant aux filtres", _respondents(page))
    assert page.locator("#filtre-canal").input_value() == "field"  # active filters: shown open
    expect(page.locator("summary#filtres-titre")).to_have_text("Filtres (actifs)")
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


def test_on_a_phone_the_dashboard_opens_on_its_key_figures_and_jumps_to_a_question(page, login, results):
    """Not on rows of tags: the project's and the results' tags take one line each, then come the
    title and the key figures; a closed list of links (no script needed) leads to any question."""
    page.set_viewport_size(PHONE)
    login(results.project_ns.referents[0])
    page.goto(reverse("surveys:dashboard", args=[results.survey.pk]))
    for group in page.locator(".tec-compact-nav .fr-tags-group").all():
        tops = {round(box["y"]) for box in (tag.bounding_box() for tag in group.locator(".fr-tag").all()) if box}
        assert len(tops) == 1, f"Tags on {len(tops)} lines"
    figures = page.locator("#chiffres-cles")
    assert figures.bounding_box()["y"] < PHONE["height"] * 0.75, "Key figures below the first screen"
    expect(page.locator(".tec-key-figures")).to_contain_text("territoire avec des réponses, sur 1")
    expect(page.locator(".tec-key-figures")).to_contain_text("de non-publics à")
    # The list of questions is closed; opened, it leads to a question through its anchor.
    links = page.locator("[data-jump] ol a")
    expect(links.first).to_be_hidden()
    page.get_by_text(re.compile(r"Aller à une question")).click()
    expect(links.first).to_be_visible()
    target = links.filter(has_text="Êtes-vous satisfait")
    target.click()
    assert page.url.endswith("#q-satisfaction")
    heading = page.locator("#q-satisfaction")
    box = heading.bounding_box()
    assert 0 <= box["y"] < PHONE["height"] / 2, box
    # Without JavaScript, the same links are there, in the page.
    assert page.locator("[data-jump] a[href='#q-satisfaction']").count() == 1
