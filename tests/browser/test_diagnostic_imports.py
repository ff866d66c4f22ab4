"""A referent imports the Basilic file into Niort's directory, resolves the duplicate it proposes and
finds the entries in the list; axe-core finds no serious or critical violation on the import pages
(upload with an error, columns and preview, result, duplicates), on a computer and on a phone."""

from pathlib import Path

import pytest

from territoires.diagnostic import services
from tests.browser.test_accessibility import BLOCKING, assert_accessible, describe
from tests.factories import make_project

pytestmark = pytest.mark.browser
SAMPLE = Path(__file__).resolve().parents[1] / "diagnostic" / "samples" / "basilic.csv"


@pytest.fixture(scope="module")
def axe():
    from axe_playwright_python.sync_playwright import Axe

    return Axe()


@pytest.fixture
def built(transactional_db):
    built = make_project(participants=2)
    built.towns[0].insee_code = "79191"
    built.towns[0].save(update_fields=["insee_code"])
    territory = built.project.participations.get(organisation=built.towns[0])
    built.existing = services.entry_create(
        territory=territory, kind="place", user=built.referents[0], publish=True,
        data={"name": "Musée Bernard d'Agesci", "address": "26 avenue de Limoges, 79000 Niort", "basilic_type": "musee"},
    )  # fmt: skip
    return built


def check(page, axe):
    violations = [v for v in axe.run(page).response["violations"] if v["impact"] in BLOCKING]
    assert not violations, describe(violations)


def test_a_referent_imports_resolves_a_duplicate_and_sees_the_entries(page, axe, login, built):
    slug, town = built.project.slug, built.towns[0].slug
    login(built.referents[0])
    page.goto(f"/annuaire/projet/{slug}/{town}/")
    page.get_by_role("link", name="Importer un fichier").click()
    page.wait_for_load_state("load")
    check(page, axe)
    # A file that is not one: said, in French, on the page.
    page.set_input_files(
        "#id_file", {"name": "lieux.geojson", "mimeType": "application/json", "buffer": b'{"type": "x"}'}
    )
    page.get_by_role("button", name="Déposer et vérifier").click()
    page.wait_for_load_state("load")
    assert page.get_by_role("alert").get_by_text("n'est pas un GeoJSON utilisable").count() == 1
    check(page, axe)
    page.set_input_files("#id_file", str(SAMPLE))
    page.get_by_role("button", name="Déposer et vérifier").click()
    page.wait_for_load_state("load")
    assert page.get_by_text("Modèle de colonnes reconnu").is_visible()
    assert page.get_by_role("cell", name="Musée Bernard d'Agesci").count() == 1  # preview
    check(page, axe)
    page.get_by_role("button", name="Voir l'aperçu").click()
    page.wait_for_load_state("load")
    page.get_by_role("button", name="Importer 24 lignes").click()
    page.wait_for_load_state("load")
    assert page.get_by_text("Import terminé").is_visible()
    assert page.get_by_text("10 fiches créées (non publiées)").is_visible()
    check(page, axe)
    page.get_by_role("link", name="Examiner les doublons").click()
    page.wait_for_load_state("load")
    check(page, axe)
    page.get_by_role("button", name="Fusionner, garder la fiche existante").click()
    page.wait_for_load_state("load")
    assert page.get_by_text("Les deux fiches sont fusionnées").is_visible()
    assert page.get_by_text("Aucun doublon à examiner.").is_visible()
    page.goto(f"/annuaire/projet/{slug}/{town}/")
    main = page.locator("main").inner_text()
    assert "Mediatheque centrale d'agglomération Pierre-Moinot" in main
    assert main.count("Musée Bernard d'Agesci") == 1


def test_import_pages_on_a_phone(browser, live_server, login, built, axe):
    from tests.browser.helpers import new_context

    slug, town = built.project.slug, built.towns[0].slug
    context = new_context(browser, live_server, viewport={"width": 390, "height": 844})
    try:
        phone = context.new_page()
        from tests.factories import PASSWORD

        phone.goto("/compte/connexion/")
        phone.fill("input[name=username]", built.referents[0].email)
        phone.fill("input[name=password]", PASSWORD)
        phone.get_by_role("button", name="Se connecter").click()
        phone.wait_for_load_state()
        assert_accessible(phone, axe, f"/annuaire/projet/{slug}/{town}/imports/")
        width = phone.evaluate("document.documentElement.scrollWidth")
        assert width <= 390, width
    finally:
        context.close()
