"""Co-design in the browser: a resident registers for a workshop on a phone; a participant votes
on the workshop's tablet with a one-time code; axe-core on every new page."""

import pytest
from playwright.sync_api import expect

from territoires.codesign import services
from territoires.codesign.models import BallotVote, CodesignPlan, Objective, WorkshopRegistration
from tests.browser.actions import tick
from tests.browser.test_accessibility import BLOCKING, assert_accessible, describe
from tests.codesign.world import build_world

pytestmark = pytest.mark.browser


@pytest.fixture
def world(transactional_db):
    world = build_world()
    referent = world.referents[0]
    world.idea = services.idea_create(
        plan=world.plan,
        user=referent,
        title="Soirées jeunes",
        source="finding",
        finding=world.finding,
        tags=["jeunesse"],
    )
    world.objective = services.objective_save(
        objective=Objective(plan=world.plan, title="Faire venir les 15-25 ans"), user=referent, ideas=[world.idea]
    )
    world.ballot = services.ballot_open(
        ballot=services.ballot_create(
            plan=world.plan,
            user=referent,
            title="Quelles priorités ?",
            method="majority_judgment",
            options=[("Soirées jeunes", world.idea), ("Pass culture local", None)],
            workshop=world.workshop,
        ),
        user=referent,
    )
    world.codes = services.voter_codes_issue(ballot=world.ballot, user=referent, count=2)
    CodesignPlan.objects.filter(pk=world.plan.pk).update(ideas_open=True)
    world.plan.refresh_from_db()
    return world


@pytest.fixture(scope="module")
def axe():
    from axe_playwright_python.sync_playwright import Axe

    return Axe()


def test_a_resident_registers_for_a_workshop_on_a_phone(phone, world):
    phone.goto(world.workshop.get_absolute_url())
    expect(phone.get_by_role("heading", level=1)).to_have_text("Assises de la culture")
    widths = phone.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert widths[0] <= widths[1], f"La page déborde : {widths[0]} px pour {widths[1]} px"
    # A first try without consent: told what is missing, nothing stored.
    phone.get_by_label("Nom et prénom").fill("Awa Diallo")
    phone.get_by_label("Adresse électronique").fill("awa@example.org")
    tick(phone.get_by_label("Interprétation en langue des signes (LSF)"))
    phone.get_by_role("button", name="M'inscrire").click()
    expect(phone.get_by_role("alert")).to_contain_text("Le formulaire comporte des erreurs")
    assert not WorkshopRegistration.objects.exists()
    tick(phone.get_by_label("J'accepte"))
    phone.get_by_role("button", name="M'inscrire").click()
    expect(phone.get_by_role("heading", name="Votre place est réservée")).to_be_visible()
    expect(phone.get_by_text("Interprétation en langue des signes (LSF)")).to_be_visible()
    registration = WorkshopRegistration.objects.get()
    assert (registration.name, registration.needs, registration.status) == (
        "Awa Diallo",
        ["sign_language"],
        "confirmed",
    )
    phone.screenshot(path="/tmp/codesign-phone-registered.png", full_page=True)


def grade(page, option: str, mention: str) -> None:
    fieldset = page.locator("fieldset", has_text=option)
    fieldset.locator("label", has_text=mention).click()
    expect(fieldset.get_by_label(mention)).to_be_checked()


def test_a_participant_votes_on_the_kiosk_with_a_one_time_code(page, world):
    code = world.codes[0].code
    page.goto(f"/co-construction/borne/{world.ballot.kiosk_token}/")
    page.get_by_label("Votre code de vote").fill(code.lower())
    page.get_by_role("button", name="Commencer à voter").click()
    # Only one option graded: refused, the code is not spent, the grade is kept.
    # The label, as a person clicks it (DSFR draws the radio over the input): Playwright waits for
    # the page to be stable there, where a forced check on the input could land mid-layout under load.
    grade(page, "Soirées jeunes", "Excellent")
    page.get_by_role("button", name="Valider mon vote").click()
    expect(page.get_by_role("alert")).to_contain_text("il en manque pour : Pass culture local")
    expect(page.locator("fieldset", has_text="Soirées jeunes").get_by_label("Excellent")).to_be_checked()
    grade(page, "Pass culture local", "Passable")
    page.get_by_role("button", name="Valider mon vote").click()
    expect(page.get_by_role("status")).to_contain_text("Merci, votre vote est enregistré")
    page.get_by_role("link", name="Personne suivante").click()
    page.get_by_label("Votre code de vote").fill(code)
    page.get_by_role("button", name="Commencer à voter").click()
    expect(page.get_by_role("alert")).to_contain_text("Ce code a déjà servi")
    assert BallotVote.objects.count() == 1
    vote = BallotVote.objects.get()
    assert sorted(vote.choices.values()) == [2, 5]


def test_new_pages_pass_axe(page, axe, login, world):
    plan, workshop, ballot = world.plan, world.workshop, world.ballot
    public = [
        plan.get_absolute_url(),
        f"/co-construction/projet/{world.project.slug}/",
        f"/co-construction/plan/{plan.pk}/idees/",
        world.idea.get_absolute_url(),
        workshop.get_absolute_url(),
        world.objective.get_absolute_url(),
        f"/co-construction/boite-a-idees/{plan.ideas_token}/",
        "/co-construction/suivi/",
        f"/co-construction/borne/{ballot.kiosk_token}/",
    ]
    for path in public:
        assert_accessible(page, axe, path)
    # The registration form with its errors, and the kiosk's ballot.
    page.goto(workshop.get_absolute_url())
    page.get_by_role("button", name="M'inscrire").click()
    violations = [v for v in axe.run(page).response["violations"] if v["impact"] in BLOCKING]
    assert not violations, describe(violations)
    page.goto(f"/co-construction/borne/{ballot.kiosk_token}/")
    page.get_by_label("Votre code de vote").fill(world.codes[1].code)
    page.get_by_role("button", name="Commencer à voter").click()
    violations = [v for v in axe.run(page).response["violations"] if v["impact"] in BLOCKING]
    assert not violations, describe(violations)

    login(world.referents[0])
    team = [
        plan.get_absolute_url(),
        f"/co-construction/projet/{world.project.slug}/{world.towns[0].slug}/modifier/",
        f"/co-construction/plan/{plan.pk}/ateliers/nouveau/",
        f"/co-construction/plan/{plan.pk}/idees/nouvelle/",
        f"/co-construction/plan/{plan.pk}/objectifs/nouveau/",
        f"/co-construction/plan/{plan.pk}/scrutins/nouveau/",
        f"/co-construction/atelier/{workshop.public_token}/inscriptions/",
        f"/co-construction/atelier/{workshop.public_token}/annuler/",
        world.idea.get_absolute_url(),
        ballot.get_absolute_url(),
        f"/co-construction/scrutin/{ballot.pk}/codes/",
        f"/projets/{world.project.slug}/territoires/{world.towns[0].slug}/",
    ]
    for path in team:
        assert_accessible(page, axe, path)
    services.ballot_close(ballot=ballot, user=world.referents[0])
    assert_accessible(page, axe, ballot.get_absolute_url())
    page.screenshot(path="/tmp/codesign-results.png", full_page=True)
