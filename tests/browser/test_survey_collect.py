"""The resident survey in a real browser: a resident answers on a phone; a survey group member
answers offline and the answer is stored exactly once when the network is back; a typist enters a
paper questionnaire with the keyboard; axe-core finds no serious or critical violation."""

import pytest
from playwright.sync_api import expect

from territoires.surveys.models import Response
from tests.browser.helpers import PHONE, new_context, watch_errors
from tests.surveys.factories import make_survey

pytestmark = pytest.mark.browser

BLOCKING = ("serious", "critical")


@pytest.fixture
def built(transactional_db):
    return make_survey()


@pytest.fixture(scope="module")
def axe():
    from axe_playwright_python.sync_playwright import Axe

    return Axe()


def pick(page, label: str) -> None:
    """Tick a DSFR radio button or checkbox by clicking its label, as a person does (the input
    itself is drawn under the label)."""
    pick_id(page, page.get_by_label(label, exact=True).get_attribute("id"))


def pick_id(page, input_id: str) -> None:
    page.locator(f"label[for='{input_id}']").click()
    expect(page.locator(f"[id='{input_id}']")).to_be_checked()


def blocking(axe, page):
    return [
        f"[{v['impact']}] {v['id']}: {v['help']} — {[n['html'][:120] for n in v['nodes'][:3]]}"
        for v in axe.run(page).response["violations"]
        if v["impact"] in BLOCKING
    ]


def test_resident_answers_on_a_phone(phone, built):
    phone.goto(f"/enquete/{built.deployment.public_token}/")
    expect(phone.get_by_role("heading", level=1)).to_have_text(built.survey.title)
    widths = phone.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert widths[0] <= widths[1], f"La page déborde : {widths}"

    # Nothing answered: errors per question, in French, nothing stored.
    phone.get_by_role("button", name="Page suivante").click()
    expect(phone.get_by_role("alert").first).to_contain_text("à corriger")
    expect(phone.locator("#q-age-error")).to_have_text("Cette question est obligatoire.")

    pick(phone, "25 à 34 ans")
    pick(phone, "Femme")
    phone.get_by_label("Votre code postal").fill("79000")
    phone.get_by_role("button", name="Page suivante").click()

    # Conditional question shown and hidden at once (JavaScript), as the server would.
    expect(phone.get_by_label("Combien de sorties culturelles l'an dernier ?")).to_be_visible()
    pick(phone, "Jamais")
    expect(phone.get_by_label("Combien de sorties culturelles l'an dernier ?")).to_be_hidden()
    pick(phone, "Souvent")
    phone.get_by_label("Combien de sorties culturelles l'an dernier ?").fill("500")
    pick(phone, "Médiathèque")
    pick_id(phone, "q-satisfaction-2")
    phone.get_by_role("button", name="Page suivante").click()
    expect(phone.locator("#q-nb_sorties-error")).to_contain_text("inférieur ou égal à 100")
    expect(phone.get_by_label("Médiathèque")).to_be_checked()  # answers kept
    phone.get_by_label("Combien de sorties culturelles l'an dernier ?").fill("8")
    phone.get_by_role("button", name="Page suivante").click()

    # Satisfaction 2: the "avis" section comes.
    expect(phone.get_by_role("heading", name="Votre avis")).to_be_visible()
    phone.get_by_label("Pourquoi n'êtes-vous pas satisfait ?").fill("Les horaires ne conviennent pas.")
    phone.get_by_role("button", name="Page suivante").click()
    phone.get_by_role("button", name="Envoyer mes réponses").click()

    expect(phone.get_by_role("heading", level=1)).to_have_text("Merci, vos réponses sont enregistrées")
    response = Response.objects.get()
    assert phone.locator("#code-suivi").inner_text() == response.receipt_code
    assert response.channel == "online"
    assert response.answers["nb_sorties"] == 8 and response.answers["satisfaction"] == 2

    phone.get_by_label("Adresse électronique").fill("habitante@exemple.fr")
    phone.get_by_role("button", name="Me tenir informé·e").click()
    expect(phone.get_by_role("status")).to_contain_text("conservée à part")


def test_survey_group_member_answers_offline_and_it_is_stored_once(browser, live_server, built):
    from tests.factories import PASSWORD

    context = new_context(browser, live_server, viewport=PHONE, is_mobile=True, has_touch=True)
    page = context.new_page()
    errors = watch_errors(page)
    page.goto("/compte/connexion/")
    page.fill("input[name=username]", built.collector.email)
    page.fill("input[name=password]", PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    page.wait_for_load_state()

    page.goto(f"/enquete/{built.deployment.public_token}/terrain/")
    expect(page.locator("[data-offline-ready]")).to_be_visible()  # the service worker is ready

    context.set_offline(True)
    pick(page, "65 à 79 ans")
    pick(page, "Homme")
    pick(page, "Rarement")
    pick_id(page, "q-satisfaction-4")
    page.get_by_role("button", name="Enregistrer cette réponse").click()
    expect(page.locator("[data-form-message]")).to_contain_text("gardée sur l'appareil")
    expect(page.locator("[data-queue-count]")).to_have_text("1 réponse en attente d'envoi")
    expect(page.locator("[data-network-state]")).to_have_text("Hors ligne")
    assert Response.objects.count() == 0

    # The page reopens without network (service worker), the answer still waiting.
    page.reload()
    expect(page.locator("[data-queue-count]")).to_have_text("1 réponse en attente d'envoi")

    # The session expires while the device is offline: the queue still goes, with its collector token.
    context.clear_cookies()
    context.set_offline(False)
    expect(page.locator("[data-queue-count]")).to_have_text("0 réponse en attente d'envoi", timeout=15_000)
    # Sending again (a second tab, a retry) must not duplicate it.
    page.get_by_role("button", name="Envoyer maintenant").click()
    page.wait_for_timeout(500)
    response = Response.objects.get()
    assert response.channel == "field"
    assert response.collector == built.collector
    assert response.collected_at is not None
    assert response.answers["age"] == "65-79"
    context.close()
    assert not errors, errors


def test_paper_entry_with_the_keyboard(page, login, built):
    login(built.project_ns.agents[0])
    page.goto(f"/enquete/{built.deployment.public_token}/saisie/")
    # The typist starts on the sheet's number, written at the top of the sheet.
    expect(page.locator("#numero-feuille")).to_be_focused()
    keyboard = page.keyboard
    for keys in ["A-17", "Tab", "2", "Tab", "1", "Tab", "Tab", "Tab", "3", "Tab", "1 4", "Tab", "Tab", "5"]:
        if keys == "Tab":
            keyboard.press("Tab")
        else:
            keyboard.type(keys)
    page.get_by_role("button", name="Enregistrer et saisir le suivant").click()
    expect(page.locator("[data-paper-count]")).to_contain_text("1 questionnaire saisi")
    expect(page.locator("#numero-feuille")).to_be_focused()
    response = Response.objects.get()
    assert response.sheet_number == "A-17"
    expect(page.get_by_role("status")).to_contain_text(f"Feuille n° A-17 enregistrée (code {response.receipt_code})")

    # The same sheet number again, and a wrong code: both said, nothing stored.
    keyboard.type("a-17")
    keyboard.press("Tab")
    keyboard.type("2")
    for _index in range(5):  # to the places, typed as numbers
        keyboard.press("Tab")
    keyboard.type("1 12 x")
    keyboard.press("Enter")
    expect(page.locator("#numero-feuille-error")).to_contain_text("La feuille n° A-17 est déjà saisie")
    expect(page.locator("#q-lieux-error")).to_contain_text("« 12 » en position 2, « x » en position 3")
    expect(page.locator("#numero-feuille")).to_be_focused()  # the first field to correct
    assert Response.objects.count() == 1
    assert response.channel == "paper" and response.collector == built.project_ns.agents[0]
    assert response.answers["lieux"] == ["bib", "theatre"]
    assert response.answers["satisfaction"] == 5


def test_questionnaire_pages_accessible(page, axe, login, built):
    token = built.deployment.public_token
    page.goto(f"/enquete/{token}/")
    assert not blocking(axe, page)
    page.get_by_role("button", name="Page suivante").click()  # with error messages
    page.wait_for_load_state("load")
    assert not blocking(axe, page)
    login(built.collector)
    for path in (f"/enquete/{token}/terrain/", f"/enquete/{token}/saisie/", "/enquete/suivi/"):
        page.goto(path)
        page.wait_for_load_state("load")
        assert not blocking(axe, page), path


def _field_page(browser, live_server, built, **options):
    """A survey group member signed in on the field page, in a browser set as asked (locale…)."""
    from tests.factories import PASSWORD

    context = new_context(browser, live_server, viewport=PHONE, is_mobile=True, has_touch=True, **options)
    page = context.new_page()
    errors = watch_errors(page)
    page.goto("/compte/connexion/")
    page.fill("input[name=username]", built.collector.email)
    page.fill("input[name=password]", PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    page.wait_for_load_state()
    page.goto(f"/enquete/{built.deployment.public_token}/terrain/")
    return context, page, errors


def test_field_page_checks_answers_in_french_even_in_an_english_browser(browser, live_server, built, axe):
    """No browser bubble (English in an English browser): the page's own messages, DSFR error
    style, tied to the fields, focus on the first one; then the notice says the answer was sent."""
    context, page, errors = _field_page(browser, live_server, built, locale="en-US")
    assert page.evaluate("navigator.language") == "en-US"
    assert page.evaluate("document.querySelector('form[data-field-form]').noValidate")
    page.get_by_role("button", name="Enregistrer cette réponse").click()

    expect(page.locator("[data-form-message]")).to_contain_text("réponses à corriger : rien n'a été enregistré")
    expect(page.locator("#q-age-error")).to_have_text("Choisissez une réponse : cette question est obligatoire.")
    expect(page.locator("#q-age")).to_have_class("fr-fieldset fr-fieldset--error")
    assert "q-age-error" in page.locator("#q-age").get_attribute("aria-labelledby")
    expect(page.locator("#q-age-1")).to_be_focused()  # the first field in error
    expect(page.locator("#q-frequence-error")).to_be_visible()
    assert page.locator("#q-commentaire-error").count() == 0  # optional: no error
    assert Response.objects.count() == 0
    assert not blocking(axe, page)

    # A number out of its range: said in French too, tied to its field.
    pick(page, "65 à 79 ans")
    expect(page.locator("#q-age-error")).to_have_count(0)  # answered: the error goes at once
    pick(page, "Homme")
    pick(page, "Rarement")
    pick_id(page, "q-satisfaction-4")
    page.locator("#q-nb_sorties").fill("500")
    page.get_by_role("button", name="Enregistrer cette réponse").click()
    expect(page.locator("#q-nb_sorties-error")).to_have_text("Saisissez un nombre entre 0 et 100.")
    assert page.locator("#q-nb_sorties").get_attribute("aria-describedby") == "q-nb_sorties-error"
    expect(page.locator("#q-nb_sorties")).to_be_focused()

    page.locator("#q-nb_sorties").fill("12")
    expect(page.locator("#q-nb_sorties-error")).to_have_count(0)
    page.get_by_role("button", name="Enregistrer cette réponse").click()
    # The notice speaks of what happened: sent, with its receipt code.
    expect(page.locator("[data-form-message]")).to_contain_text("Réponse envoyée et enregistrée (code de suivi")
    response = Response.objects.get()
    expect(page.locator("[data-form-message]")).to_contain_text(response.receipt_code)
    assert "au retour du réseau" not in page.locator("[data-form-message]").inner_text()
    expect(page.locator("[data-queue-count]")).to_have_text("0 réponse en attente d'envoi")
    context.close()
    assert not errors, errors


def test_field_page_says_an_answer_waits_when_the_server_cannot_take_it(browser, live_server, built):
    """Online but the server answers 503: the notice says the answer stays on the device, not that it
    was sent; when the server is back it says it was sent."""
    context, page, errors = _field_page(browser, live_server, built)
    failing = {"on": True}

    def submit(route):
        if failing["on"]:
            route.fulfill(status=503, content_type="application/json", body='{"message": "Indisponible"}')
        else:
            route.continue_()

    page.route("**/envoi/", submit)
    pick(page, "65 à 79 ans")
    pick(page, "Homme")
    pick(page, "Rarement")
    pick_id(page, "q-satisfaction-4")
    page.get_by_role("button", name="Enregistrer cette réponse").click()
    expect(page.locator("[data-form-message]")).to_contain_text("sera renvoyée automatiquement")
    expect(page.locator("[data-queue-count]")).to_have_text("1 réponse en attente d'envoi")
    failing["on"] = False
    page.get_by_role("button", name="Envoyer maintenant").click()
    expect(page.locator("[data-form-message]")).to_contain_text("Réponse envoyée et enregistrée", timeout=15_000)
    assert Response.objects.count() == 1
    context.close()
    assert not errors, errors
