"""On a phone (375 × 812), the project page fits the screen and the menu button opens the navigation."""

import pytest
from playwright.sync_api import expect

from tests.browser.helpers import PHONE
from tests.factories import PASSWORD, make_project

pytestmark = pytest.mark.browser


def test_project_page_fits_a_phone_and_the_menu_opens(phone, transactional_db):
    title = "Concevoir l'action culturelle municipale avec les habitants"
    built = make_project(participants=5, observers=1, title=title)
    phone.goto(f"/projets/{built.project.slug}/")
    expect(phone.get_by_role("heading", level=1)).to_be_visible()

    widths = phone.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert widths[0] <= widths[1], f"La page déborde horizontalement : {widths[0]} px pour {widths[1]} px d'écran"

    navigation = phone.get_by_role("navigation", name="Menu principal")
    expect(navigation).to_be_hidden()
    phone.get_by_role("button", name="Menu").click()
    expect(navigation).to_be_visible()
    expect(navigation.get_by_role("link", name="Projets partagés")).to_be_visible()
    phone.get_by_role("button", name="Fermer").click()
    expect(navigation).to_be_hidden()


def test_the_project_sections_stay_on_one_line_that_scrolls_on_a_phone(phone, transactional_db):
    """Up to ten section links (modules, committee, participants, journal): one line scrolled sideways,
    not six rows of tags pushing the page down; the page itself does not overflow."""
    built = make_project(participants=4)
    phone.goto("/compte/connexion/")
    phone.fill("input[name=username]", built.facilitator.email)
    phone.fill("input[name=password]", PASSWORD)
    phone.get_by_role("button", name="Se connecter").click()
    phone.wait_for_load_state()
    phone.goto(f"/projets/{built.project.slug}/")
    sections = phone.get_by_role("navigation", name="Sections du projet")
    links = sections.get_by_role("link")
    assert links.count() >= 6
    tops = {round(box["y"]) for box in (links.nth(i).bounding_box() for i in range(links.count()))}
    assert len(tops) == 1, f"Les sections du projet tiennent sur {len(tops)} lignes"
    scroll, width = sections.locator("ul").evaluate("list => [list.scrollWidth, list.clientWidth]")
    assert scroll > width  # the rest is reached by scrolling the line
    journal = sections.get_by_role("link", name="Journal")
    journal.focus()  # a keyboard user reaches the last one: it scrolls into view
    assert journal.bounding_box()["x"] + journal.bounding_box()["width"] <= PHONE["width"]
    widths = phone.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert widths[0] <= widths[1]
