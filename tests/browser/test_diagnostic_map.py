"""The directory's map with its list, and the territories side by side, in the browser: a visitor
filters the public map on a phone (the points and the list follow the filter); axe-core finds no
serious or critical violation on the map page with its list and on the comparison page."""

from decimal import Decimal

import pytest
from playwright.sync_api import expect

from territoires.diagnostic import services
from tests.browser.helpers import PHONE
from tests.browser.test_accessibility import BLOCKING, assert_accessible, describe
from tests.factories import make_project

pytestmark = pytest.mark.browser


@pytest.fixture
def built(transactional_db):
    built = make_project(participants=3)
    territory = built.project.participations.get(organisation=built.towns[0])
    families = services.families_for(project=built.project)

    def add(kind, name, latitude, longitude, publish=True, **data):
        return services.entry_create(
            territory=territory, kind=kind, user=built.referents[0], publish=publish,
            data={"name": name, "latitude": Decimal(latitude), "longitude": Decimal(longitude), **data},
        )  # fmt: skip

    add("actor", "Compagnie du Marais", "46.3237", "-0.4588", family=families[2], contact_name="Alex Dupont")
    add("place", "Médiathèque Pierre-Moinot", "46.3260", "-0.4640", basilic_type="bibliotheque")
    add("place", "Musée Bernard d'Agesci", "46.3170", "-0.4510", basilic_type="musee")
    add("place", "Salle secrète en projet", "46.3200", "-0.4600", publish=False, basilic_type="theatre")
    return built


def test_a_visitor_filters_the_public_map_on_a_phone(phone, built):
    phone.goto(f"/annuaire/projet/{built.project.slug}/carte/")
    expect(phone.get_by_role("heading", level=1)).to_have_text("Carte et liste de l'annuaire")
    expect(phone.locator("#compte-carte")).to_contain_text("3 fiches sélectionnées")
    assert "Salle secrète" not in phone.content()  # unpublished: never shown to the public
    markers = phone.locator(".leaflet-marker-icon")
    expect(markers.first).to_be_visible()

    phone.locator("#id_type").select_option("place")
    phone.get_by_role("button", name="Appliquer les filtres").click()
    phone.wait_for_load_state("load")
    expect(phone.locator("#compte-carte")).to_contain_text("2 fiches sélectionnées")
    listing = phone.locator("ol.fr-raw-list h3")
    expect(listing).to_have_count(2)
    assert set(listing.all_inner_texts()) == {"Médiathèque Pierre-Moinot", "Musée Bernard d'Agesci"}
    phone.locator(".leaflet-marker-icon").first.wait_for()
    # The map shows the same selection (a cluster counts its points).
    data = phone.evaluate("fetch(document.querySelector('[data-directory-map]').dataset.url).then(r => r.json())")
    assert {f["properties"]["name"] for f in data["features"]} == {
        "Médiathèque Pierre-Moinot",
        "Musée Bernard d'Agesci",
    }
    # The page fits the phone's width.
    assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    # A point opens its popup with a link to the card.
    phone.locator(".diagnostic-marker").first.click()
    expect(phone.locator(".leaflet-popup a", has_text="Ouvrir la fiche")).to_be_visible()


def assert_map_accessible(page, axe, path):
    """Checked once the map has drawn its points (they come after the page's load)."""
    page.goto(path)
    page.locator(".leaflet-marker-icon").first.wait_for()
    violations = [v for v in axe.run(page).response["violations"] if v["impact"] in BLOCKING]
    assert not violations, f"axe-core sur {path} :\n{describe(violations)}"


def test_map_page_with_its_list_and_the_comparison_are_accessible(page, axe, login, built):
    slug = built.project.slug
    assert_map_accessible(page, axe, f"/annuaire/projet/{slug}/carte/")
    assert_map_accessible(page, axe, f"/annuaire/projet/{slug}/carte/?type=place&famille=999")
    assert_accessible(page, axe, f"/annuaire/projet/{slug}/comparaison/")
    login(built.facilitator)
    assert_accessible(page, axe, f"/annuaire/projet/{slug}/comparaison/")
    expect(page.get_by_role("table").first).to_be_visible()
