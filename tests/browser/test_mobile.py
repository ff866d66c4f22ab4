"""On a phone (375 × 812), the project page fits the screen and the menu button opens the navigation."""

import pytest
from playwright.sync_api import expect

from tests.factories import make_project

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
