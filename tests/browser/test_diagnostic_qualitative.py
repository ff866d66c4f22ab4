"""The qualitative diagnostic in the browser: a resident writes on a phone and keeps a receipt code;
a referent validates a finding and opens its evidence; axe-core finds no serious or critical
violation on the new pages (with their error states)."""

import datetime

import pytest

from territoires.diagnostic.expression import services as expression_services
from territoires.diagnostic.expression.models import Expression
from territoires.diagnostic.observation import services as observation_services
from territoires.diagnostic.synthesis import services as synthesis_services
from territoires.diagnostic.synthesis.models import Finding
from tests.browser.helpers import PHONE, new_context, watch_errors
from tests.browser.test_accessibility import BLOCKING, assert_accessible, describe
from tests.factories import make_project

pytestmark = pytest.mark.browser

QUESTION = "Qu'est-ce qui fait de vous un acteur de la vie culturelle de votre quartier ?"


@pytest.fixture(scope="module")
def axe():
    from axe_playwright_python.sync_playwright import Axe

    return Axe()


@pytest.fixture
def built(transactional_db):
    built = make_project(participants=3)
    built.x = built.project.participations.get(organisation=built.towns[0])
    built.prompt = expression_services.prompt_set(
        territory=built.x, user=built.referents[0], question=QUESTION, neighbourhoods="Centre\nClou Bouchet",
        is_open=True,
    )  # fmt: skip
    built.text, _ = expression_services.expression_submit(
        prompt=built.prompt, text="Je chante à la chorale du quartier chaque jeudi.", neighbourhood="Centre",
        consent_to_publish=True,
    )  # fmt: skip
    expression_services.expression_moderate(expression=built.text, user=built.referents[0], status="published")
    built.note = observation_services.observation_create(
        territory=built.x, user=built.consultant, tags="marché, jeunes",
        data={"public_space": "Place du marché", "observed_on": datetime.date(2021, 10, 12), "time_slot": "morning",
              "people": "Des familles", "uses": "Marché, un accordéoniste joue"},
    )  # fmt: skip
    synthesis = synthesis_services.synthesis_for(project=built.project, territory=built.x)
    built.finding = synthesis_services.finding_create(
        synthesis=synthesis, user=built.consultant, statement="Les pratiques amateurs font vivre les quartiers",
        strength="moderate", analysis="Les textes et l'observation **convergent**.",
    )  # fmt: skip
    synthesis_services.evidence_add(
        finding=built.finding, user=built.consultant, kind="observation", reference={"note": built.note.pk},
        note="Le marché comme scène",
    )  # fmt: skip
    synthesis_services.evidence_add(
        finding=built.finding, user=built.consultant, kind="expression", reference={"expression": built.text.pk}
    )
    return built


def test_a_resident_writes_on_a_phone_and_gets_a_receipt_code(browser, live_server, axe, built):
    context = new_context(browser, live_server, viewport=PHONE, device_scale_factor=2, is_mobile=True, has_touch=True)
    page = context.new_page()
    errors = watch_errors(page)
    path = f"/parole/projet/{built.project.slug}/{built.towns[0].slug}/"
    assert_accessible(page, axe, path)
    assert page.get_by_role("heading", name=QUESTION).is_visible()
    # Too short first: a clear message, nothing stored, the page stays usable.
    page.locator("#id_text").fill("Court")
    page.get_by_role("button", name="Envoyer mon texte").click()
    page.wait_for_load_state("load")
    assert page.get_by_role("alert").get_by_text("Votre texte n'a pas été envoyé").is_visible()
    violations = [v for v in axe.run(page).response["violations"] if v["impact"] in BLOCKING]
    assert not violations, describe(violations)
    page.locator("#id_text").fill("J'apprends la couture aux voisines dans la salle commune, le samedi.")
    page.get_by_label("Votre quartier").select_option("Clou Bouchet")
    page.get_by_text("J'accepte que mon texte soit publié").click()
    page.get_by_role("button", name="Envoyer mon texte").click()
    page.wait_for_load_state("load")
    code = page.locator("[data-receipt-code]").inner_text().strip()
    stored = Expression.objects.get(text__startswith="J'apprends la couture")
    assert code == stored.receipt_code and stored.neighbourhood == "Clou Bouchet" and stored.consent_to_publish
    violations = [v for v in axe.run(page).response["violations"] if v["impact"] in BLOCKING]
    assert not violations, describe(violations)
    # The page's width fits the phone: no horizontal scrolling.
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"] + 1
    page.get_by_role("link", name="Suivre mon texte").click()
    page.wait_for_load_state("load")
    assert page.get_by_text("En attente de modération").is_visible()
    assert_accessible(page, axe, f"/parole/projet/{built.project.slug}/{built.towns[0].slug}/textes/")
    assert page.get_by_text("Je chante à la chorale").is_visible()
    assert not errors, errors
    context.close()


def test_a_referent_validates_a_finding_and_opens_its_evidence(page, axe, login, built):
    login(built.referents[0])
    slug, town = built.project.slug, built.towns[0].slug
    assert_accessible(page, axe, f"/diagnostic/projet/{slug}/{town}/synthese/")
    page.get_by_role("link", name="Les pratiques amateurs font vivre les quartiers", exact=True).click()
    page.wait_for_load_state("load")
    violations = [v for v in axe.run(page).response["violations"] if v["impact"] in BLOCKING]
    assert not violations, describe(violations)
    page.get_by_role("button", name="Valider le constat").click()
    page.wait_for_load_state("load")
    assert Finding.objects.get(pk=built.finding.pk).status == "validated"
    page.get_by_role("button", name="Publier le constat").click()
    page.wait_for_load_state("load")
    assert Finding.objects.get(pk=built.finding.pk).status == "published"
    assert page.get_by_text("Le marché comme scène").is_visible()
    page.get_by_role("link", name=str(built.note)).click()
    page.wait_for_load_state("load")
    assert page.get_by_text("un accordéoniste joue").is_visible()
    violations = [v for v in axe.run(page).response["violations"] if v["impact"] in BLOCKING]
    assert not violations, describe(violations)


def test_working_pages_are_accessible_for_the_consultancy(page, axe, login, built):
    login(built.consultant)
    slug, town = built.project.slug, built.towns[0].slug
    for path in (
        f"/diagnostic/projet/{slug}/",
        f"/diagnostic/projet/{slug}/{town}/synthese/constat/",
        f"/diagnostic/constat/{built.finding.pk}/preuve/survey_figure/",
        f"/diagnostic/constat/{built.finding.pk}/preuve/directory/",
        f"/diagnostic/constat/{built.finding.pk}/preuve/observation/",
        f"/diagnostic/constat/{built.finding.pk}/preuve/expression/",
        f"/diagnostic/observations/projet/{slug}/{town}/",
        f"/diagnostic/observations/projet/{slug}/{town}/nouvelle/",
        built.note.get_absolute_url(),
        f"/parole/projet/{slug}/{town}/moderation/",
        built.text.get_absolute_url(),
    ):
        assert_accessible(page, axe, path)
    # The PDF of the synthesis, built by the background task, then offered for download.
    page.goto(f"/diagnostic/projet/{slug}/{town}/synthese/")
    page.get_by_role("button", name="Préparer le PDF de la synthèse").click()
    page.wait_for_load_state("load")
    assert page.get_by_text("Le PDF est prêt.").is_visible()
    assert page.get_by_role("link", name="Télécharger le PDF").is_visible()
    violations = [v for v in axe.run(page).response["violations"] if v["impact"] in BLOCKING]
    assert not violations, describe(violations)
    # A form with errors: the new note sent empty.
    page.goto(f"/diagnostic/observations/projet/{slug}/{town}/nouvelle/")
    page.get_by_role("button", name="Enregistrer").click()
    page.wait_for_load_state("load")
    assert page.get_by_role("alert").first.is_visible()
    violations = [v for v in axe.run(page).response["violations"] if v["impact"] in BLOCKING]
    assert not violations, describe(violations)
