"""The cooperation network in the browser: the graph draws from its JSON (no script error), axe-core
finds no serious or critical violation on the network page, the link form with its errors and the
metrics page once computed, and the page reads on a phone."""

import pytest

from territoires.diagnostic.models import Link
from tests.browser.helpers import new_context, watch_errors
from tests.browser.test_accessibility import BLOCKING, assert_accessible, describe
from tests.diagnostic.network_helpers import make_actor, make_link
from tests.factories import make_project

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def axe():
    from axe_playwright_python.sync_playwright import Axe

    return Axe()


@pytest.fixture
def built(transactional_db):
    built = make_project(participants=3)
    theatre = make_actor(built, "Théâtre du Marais", family_name="Institutions culturelles")
    social = make_actor(built, "Centre social Clou-Bouchet", family_name="Acteurs sociaux et éducatifs")
    asso = make_actor(built, "Lire ensemble", family_name="Associations")
    make_actor(built, "Collectif isolé", family_name="Collectifs d'habitants")
    make_link(built, theatre, social, kind=Link.Kind.VENUE_LOAN, direction=Link.Direction.DIRECTED, intensity=3)
    make_link(built, social, asso, kind=Link.Kind.SHARED_AUDIENCE)
    return built


def test_the_network_page_draws_the_graph_for_a_visitor(page, axe, built):
    errors = watch_errors(page)
    assert_accessible(page, axe, f"/annuaire/projet/{built.project.slug}/reseau/")
    status = page.locator("[data-network-status]")
    status.filter(has_text="4 acteurs et 2 liens affichés").wait_for()
    assert page.locator("[data-network-graph] canvas").count() >= 1
    assert page.get_by_role("table").get_by_text("Théâtre du Marais").is_visible()
    assert not errors


def test_link_form_errors_and_metrics_for_the_referent(page, axe, login, built):
    login(built.referents[0])
    slug = built.project.slug
    assert_accessible(page, axe, f"/annuaire/projet/{slug}/reseau/liens/nouveau/")
    page.locator("#id_source").select_option(label="Théâtre du Marais — " + built.towns[0].name)
    page.locator("#id_target").select_option(label="Théâtre du Marais — " + built.towns[0].name)
    page.get_by_role("button", name="Enregistrer le lien").click()
    page.wait_for_load_state("load")
    assert page.get_by_role("alert").get_by_text("lié à lui-même").count() >= 1
    violations = [v for v in axe.run(page).response["violations"] if v["impact"] in BLOCKING]
    assert not violations, describe(violations)
    assert_accessible(page, axe, f"/annuaire/projet/{slug}/reseau/indicateurs/")
    page.get_by_role("button", name="Calculer les indicateurs").click()
    page.get_by_text("Terminé", exact=True).wait_for()
    assert_accessible(page, axe, f"/annuaire/projet/{slug}/reseau/indicateurs/")
    assert (
        page.get_by_role("table", name="Passeurs entre familles").get_by_text("Centre social Clou-Bouchet").is_visible()
    )


def test_the_network_on_a_phone(browser, live_server, built):
    context = new_context(browser, live_server, viewport={"width": 390, "height": 844})
    try:
        page = context.new_page()
        errors = watch_errors(page)
        page.goto(f"{live_server.url}/annuaire/projet/{built.project.slug}/reseau/")
        page.locator("[data-network-status]").filter(has_text="liens affichés").wait_for()
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 390, f"la page déborde : {width} px"
        # The referent's table has a "Modifier" link per row, with screen-reader-only text: it
        # widened the page to 1,858 px before the table's scrolling container was positioned.
        from tests.factories import PASSWORD

        page.goto(f"{live_server.url}/compte/connexion/")
        page.fill("input[name=username]", built.referents[0].email)
        page.fill("input[name=password]", PASSWORD)
        page.get_by_role("button", name="Se connecter").click()
        page.wait_for_load_state()
        page.goto(f"{live_server.url}/annuaire/projet/{built.project.slug}/reseau/")
        assert page.get_by_role("link", name="Modifier").count()
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 390, f"la page déborde pour le référent : {width} px"
        assert not errors
    finally:
        context.close()
