"""The opinion map in the browser: a resident votes on a phone (no account), a referent computes
and reads the map and its table; axe-core on every new page."""

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from territoires.codesign.opinion import services
from territoires.codesign.opinion.models import OpinionResult, OpinionVote, Statement
from tests.browser.test_accessibility import assert_accessible
from tests.codesign.opinion.world import add_votes, build_opinion_world

pytestmark = pytest.mark.browser


@pytest.fixture
def world(transactional_db):
    world = build_opinion_world()
    add_votes(world.conversation, world.statements)
    return world


@pytest.fixture(scope="module")
def axe():
    from axe_playwright_python.sync_playwright import Axe

    return Axe()


def test_a_resident_votes_on_a_phone(phone, world):
    phone.goto(reverse("codesign:opinion_vote", args=[world.conversation.public_token]))
    expect(phone.get_by_role("heading", level=1)).to_have_text("Quelle culture voulons-nous ?")
    widths = phone.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert widths[0] <= widths[1], f"La page déborde : {widths[0]} px pour {widths[1]} px"
    expect(phone.get_by_text(world.statements[0].text)).to_be_visible()
    phone.get_by_role("button", name="D'accord", exact=True).click()
    expect(phone.get_by_text(world.statements[1].text)).to_be_visible()
    phone.get_by_role("button", name="Pas d'accord").click()
    expect(phone.get_by_text(world.statements[2].text)).to_be_visible()
    phone.get_by_role("button", name="Je passe").click()
    expect(phone.get_by_text("Vous avez donné 3 avis sur 8")).to_be_visible()
    # The back button and a resent form store nothing twice.
    phone.go_back()
    phone.go_back()
    votes = OpinionVote.objects.filter(conversation=world.conversation).exclude(participant__key__startswith="test-")
    assert sorted(votes.values_list("value", flat=True)) == [-1, 0, 1]
    phone.locator("#id_proposer-text").fill("Des concerts gratuits l'été dans les parcs")
    phone.get_by_role("button", name="Proposer").click()
    expect(phone.get_by_text("sera soumise au vote une fois relue")).to_be_visible()
    assert Statement.objects.filter(status="pending", proposed_in=world.conversation).count() == 1
    phone.screenshot(path="/tmp/opinion-phone-vote.png", full_page=True)


def test_a_referent_computes_and_reads_the_map_and_its_table(page, login, world, axe):
    login(world.referents[0])
    page.goto(world.conversation.get_absolute_url())
    page.get_by_role("button", name="Calculer la carte").click()
    # The test server runs tasks inline: the map is there on the next page.
    expect(page.get_by_role("heading", name="La carte")).to_be_visible()
    assert OpinionResult.objects.filter(conversation=world.conversation, status="done").exists()
    scatter = page.locator("svg.tec-opinion-scatter")
    expect(scatter).to_be_visible()
    assert scatter.get_attribute("role") == "img"
    table = page.get_by_role("table", name="Les groupes de la carte (données du graphique)")
    expect(table).to_be_visible()
    expect(table.get_by_role("row")).to_have_count(3)  # header + groups A and B
    expect(page.get_by_role("table", name="Affirmations représentatives du groupe A")).to_be_visible()
    expect(page.get_by_text("D'accord dans tous les groupes")).to_be_visible()
    page.screenshot(path="/tmp/opinion-map-referent.png", full_page=True)
    page.get_by_role("button", name="Publier la carte").click()
    expect(page.get_by_text("La carte est publiée")).to_be_visible()
    for path in (
        world.conversation.get_absolute_url(),
        world.map.get_absolute_url(),
        reverse("codesign:opinion_compare", args=[world.map.pk]),
        reverse("codesign:opinion_maps", args=[world.project.slug]),
        reverse("codesign:opinion_vote", args=[world.conversation.public_token]),
    ):
        assert_accessible(page, axe, path)
    services.codes_issue(conversation=world.conversation, user=world.referents[0], count=4)
    assert_accessible(page, axe, reverse("codesign:opinion_codes", args=[world.conversation.pk]))
    page.context.clear_cookies()
    login(world.facilitator)
    assert_accessible(page, axe, reverse("codesign:opinion_map_create", args=[world.project.slug]))
