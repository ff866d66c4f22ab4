"""Panels drawn by lot in the browser: a resident volunteers on a phone; the referent draws the
panel and the public record shows the seed and the probabilities, no name; axe-core on every new
page."""

import random

import pytest
from playwright.sync_api import expect

from territoires.codesign.panels import services
from territoires.codesign.panels.models import AGE_BANDS, Draw, Panel, Volunteer
from tests.browser.actions import tick
from tests.browser.test_accessibility import BLOCKING, assert_accessible, describe
from tests.codesign.world import build_world

pytestmark = pytest.mark.browser


@pytest.fixture
def world(transactional_db):
    world = build_world()
    referent = world.referents[0]
    world.panel = services.panel_save(
        panel=Panel(plan=world.plan, title="Convention citoyenne culture", kind="convention",
                    purpose="Quelle culture pour demain ?", size=8, algorithm="legacy"),
        user=referent, neighbourhoods_text="centre: Centre-ville\nnord: Quartier nord",
    )  # fmt: skip
    services.panel_set_status(panel=world.panel, status="recruiting", user=referent)
    rng = random.Random(8)  # noqa: S311
    ages = [code for code, _label in AGE_BANDS][:5]  # nobody aged 80 or over in this pool
    Volunteer.objects.bulk_create(
        Volunteer(
            panel=world.panel, name=f"Volontaire {i}", email=f"v{i}@example.org", contact_key=f"e:v{i}@example.org",
            age_band=rng.choice(ages), sex="fm"[i % 2], neighbourhood=rng.choice(["centre", "nord"]),
            non_audience="oui" if i % 3 == 0 else "non", consent=True,
        )
        for i in range(60)
    )  # fmt: skip
    return world


def test_a_resident_volunteers_on_a_phone(phone, world):
    phone.goto(world.panel.get_public_url())
    expect(phone.get_by_role("heading", level=1)).to_contain_text("Devenir volontaire")
    widths = phone.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert widths[0] <= widths[1], f"La page déborde : {widths[0]} px pour {widths[1]} px"
    phone.get_by_label("Nom et prénom").fill("Awa Diallo")
    phone.get_by_label("Adresse électronique (ou téléphone ci-dessous)").fill("awa@example.org")
    tick(phone.get_by_label("25 à 34 ans"))
    tick(phone.get_by_label("Femme"))
    phone.get_by_label("Votre quartier").select_option("nord")
    tick(phone.get_by_label("Non, dans aucun de ces lieux"))
    phone.get_by_role("button", name="Je me porte volontaire").click()
    expect(phone.get_by_role("alert")).to_contain_text("Le formulaire comporte des erreurs")
    assert not Volunteer.objects.filter(name="Awa Diallo").exists()
    tick(phone.get_by_label("J'accepte"))
    phone.get_by_role("button", name="Je me porte volontaire").click()
    expect(phone.get_by_text("Code de suivi")).to_be_visible()
    volunteer = Volunteer.objects.get(name="Awa Diallo")
    assert (volunteer.age_band, volunteer.neighbourhood, volunteer.non_audience) == ("25-34", "nord", "oui")
    expect(phone.get_by_text(volunteer.receipt_code)).to_be_visible()
    phone.screenshot(path="/tmp/panels-phone-volunteered.png", full_page=True)


def test_the_referent_draws_and_the_public_record_shows(page, world, login, axe):
    panel = world.panel
    assert_accessible(page, axe, panel.get_public_url())
    page.get_by_role("button", name="Je me porte volontaire").click()
    violations = [v for v in axe.run(page).response["violations"] if v["impact"] in BLOCKING]
    assert not violations, describe(violations)

    login(world.referents[0])
    for path in (
        f"/co-construction/plan/{world.plan.pk}/panels/",
        f"/co-construction/plan/{world.plan.pk}/panels/nouveau/",
        panel.get_absolute_url(),
        f"/co-construction/panel/{panel.pk}/modifier/",
        f"/co-construction/panel/{panel.pk}/quotas/",
        f"/co-construction/panel/{panel.pk}/volontaires/",
        f"/co-construction/panel/{panel.pk}/volontaires/import/",
    ):
        assert_accessible(page, axe, path)
    # Quotas the pool cannot meet: refused before drawing, the stratum named.
    page.goto(f"/co-construction/panel/{panel.pk}/quotas/")
    page.get_by_label("Tranche d'âge : 80 ans ou plus — minimum").fill("1")
    page.get_by_label("Tranche d'âge : 80 ans ou plus — maximum").fill("2")
    page.get_by_role("button", name="Enregistrer les quotas").click()
    page.get_by_role("button", name="Tirer au sort les 8 membres").click(timeout=60_000)
    expect(page.get_by_text("Tirage refusé avant de tirer")).to_be_visible()
    expect(page.get_by_text("80 ans ou plus » : il en faut au moins 1, le vivier n'en compte que 0")).to_be_visible()
    assert not Draw.objects.exists()
    page.goto(f"/co-construction/panel/{panel.pk}/quotas/")
    page.get_by_role("button", name="Recalculer depuis le recensement").click()
    page.goto(panel.get_absolute_url())
    # Tests run tasks inline: the draw runs inside this request (on a loaded machine, seconds).
    page.get_by_role("button", name="Tirer au sort les 8 membres").click(timeout=90_000)
    expect(page.get_by_text("Tirage lancé")).to_be_visible(timeout=90_000)
    draw = Draw.objects.get()
    assert draw.status == Draw.Status.DONE, draw.error

    # The record, as anyone reads it.
    page.context.clear_cookies()
    assert_accessible(page, axe, panel.get_record_url())
    expect(page.get_by_text(str(draw.seed))).to_be_visible()
    expect(page.get_by_role("columnheader", name="Probabilité de sélection")).to_be_visible()
    assert "Volontaire " not in page.inner_text("main")
    page.screenshot(path="/tmp/panels-record.png", full_page=True)
