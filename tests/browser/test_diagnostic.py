"""The territorial directory in the browser: axe-core finds no serious or critical violation on the
directory, a card and the entry form (with its errors), and the directory reads on a phone."""

import pytest

from territoires.diagnostic import services
from tests.browser.test_accessibility import BLOCKING, assert_accessible, describe
from tests.factories import make_project

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def axe():
    from axe_playwright_python.sync_playwright import Axe

    return Axe()


@pytest.fixture
def built(transactional_db):
    built = make_project(participants=3)
    territory = built.project.participations.get(organisation=built.towns[0])
    families = services.families_for(project=built.project)
    built.actor = services.entry_create(
        territory=territory, kind="actor", user=built.referents[0], publish=True,
        data={"name": "Compagnie du Marais", "family": families[2], "missions": "Théâtre de rue",
              "neighbourhood": "Centre", "contact_name": "Alex Dupont", "latitude": "46.3237", "longitude": "-0.4588"},
    )  # fmt: skip
    built.place = services.entry_create(
        territory=territory, kind="place", user=built.referents[0], publish=True,
        data={"name": "Salle Galatée", "basilic_type": "salle_spectacle", "bpe_code": "F308", "operator": built.actor},
        source="Ministère de la Culture — Basilic", source_year=2023,
    )  # fmt: skip
    return built


def test_directory_and_card_for_a_visitor(page, axe, built):
    slug, town = built.project.slug, built.towns[0].slug
    assert_accessible(page, axe, f"/annuaire/projet/{slug}/{town}/")
    assert_accessible(page, axe, f"/annuaire/projet/{slug}/")
    assert_accessible(page, axe, built.place.get_absolute_url())
    assert page.get_by_text("Ministère de la Culture — Basilic, 2023").first.is_visible()


def test_form_with_errors_history_and_merge_for_the_referent(page, axe, login, built):
    slug, town = built.project.slug, built.towns[0].slug
    login(built.referents[0])
    assert_accessible(page, axe, built.actor.get_absolute_url())
    assert page.get_by_text("Alex Dupont").is_visible()
    form_path = f"/annuaire/projet/{slug}/{town}/nouvelle/actor/"
    assert_accessible(page, axe, form_path)
    page.locator("#id_name").fill("Collectif")
    page.locator("#id_latitude").fill("-0.4588")
    page.locator("#id_longitude").fill("46.3237")
    page.get_by_role("button", name="Enregistrer sans publier").click()
    page.wait_for_load_state("load")
    assert page.get_by_role("alert").get_by_text("semblent inversées").count() >= 1
    violations = [v for v in axe.run(page).response["violations"] if v["impact"] in BLOCKING]
    assert not violations, describe(violations)
    assert_accessible(page, axe, f"/annuaire/fiche/{built.actor.pk}/historique/")
    assert_accessible(page, axe, f"/annuaire/fiche/{built.actor.pk}/fusionner/")


def test_the_directory_on_a_phone(browser, live_server, built):
    from tests.browser.helpers import new_context

    context = new_context(browser, live_server, viewport={"width": 390, "height": 844})
    try:
        page = context.new_page()
        page.goto(f"{live_server.url}/annuaire/projet/{built.project.slug}/{built.towns[0].slug}/")
        assert page.get_by_role("link", name="Compagnie du Marais").is_visible()
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 390, f"la page déborde : {width} px"
    finally:
        context.close()
