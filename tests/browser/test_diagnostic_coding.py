"""Qualitative coding in the browser: a consultant codes a passage with the keyboard only (the
selection is announced), a mouse selection across coded passages gives the right offsets, and
axe-core finds no serious or critical violation on the coding pages (with their error states)."""

import pytest

from territoires.diagnostic.coding import services
from territoires.diagnostic.coding.models import Coding
from tests.browser.test_accessibility import BLOCKING, assert_accessible, describe
from tests.diagnostic.coding.helpers import make_codes, make_transcript, span
from tests.factories import make_project

pytestmark = pytest.mark.browser


@pytest.fixture
def built(transactional_db):
    built = make_project(participants=3)
    built.transcript = make_transcript(built)
    built.access, built.hours, built.sociability = make_codes(built)
    start, end = span(built.transcript.text, "Je tiens la bibliothèque de rue")
    services.coding_create(
        source=built.transcript, codes=[built.sociability], start=start, end=end, user=built.facilitator
    )
    return built


def _no_blocking_violation(page, axe):
    violations = [v for v in axe.run(page).response["violations"] if v["impact"] in BLOCKING]
    assert not violations, describe(violations)


def test_a_consultant_codes_a_passage_with_the_keyboard_only(page, axe, login, built):
    login(built.consultant)
    url = f"/diagnostic/codage/transcription/{built.transcript.pk}/"
    assert_accessible(page, axe, url)
    toggle = page.get_by_role("button", name="Sélectionner au clavier")
    toggle.focus()
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "texte-clavier"
    assert toggle.get_attribute("aria-expanded") == "true"
    # The transcript ends with "…les horaires ne collent pas avec le travail.": from the end, 17
    # characters back, then select 27 characters to the left.
    page.keyboard.press("Control+End")
    for _n in range(len(" avec le travail.")):
        page.keyboard.press("ArrowLeft")
    for _n in range(len("les horaires ne collent pas")):
        page.keyboard.press("Shift+ArrowLeft")
    announce = page.locator("#selection-annonce")
    announce.get_by_text("les horaires ne collent pas").wait_for()
    assert announce.get_attribute("aria-live") == "polite"
    start, end = span(built.transcript.text, "les horaires ne collent pas")
    assert page.locator("[name=start]").input_value() == str(start)
    assert page.locator("[name=end]").input_value() == str(end)
    # The announcement is the template's translated sentence, filled in by the script.
    assert (
        announce.text_content() == f"Passage sélectionné, caractères {start} à {end} : « les horaires ne collent pas »."
    )
    assert page.get_by_label("Texte à sélectionner").is_visible()
    assert page.get_by_text("Flèches pour déplacer le curseur").is_visible()
    _no_blocking_violation(page, axe)
    page.keyboard.press("Enter")  # to the codes
    assert page.evaluate("document.activeElement.name") == "codes"
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.value") == str(built.hours.pk)
    page.keyboard.press("Space")
    for _n in range(10):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.name") == "memo":
            break
    page.keyboard.type("Contrainte des horaires de travail")
    for _n in range(5):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.type") == "submit":
            break
    assert page.evaluate("document.activeElement.type") == "submit"
    with page.expect_navigation():
        page.keyboard.press("Enter")
    coding = Coding.objects.get(code=built.hours)
    assert coding.quote == "les horaires ne collent pas"
    assert coding.coder_id == built.consultant.pk and coding.memo == "Contrainte des horaires de travail"
    assert page.get_by_text("Passage codé avec « Horaires »").is_visible()
    _no_blocking_violation(page, axe)


def test_a_mouse_selection_across_a_coded_passage_gives_the_texts_offsets(page, login, built):
    login(built.consultant)
    page.goto(f"/diagnostic/codage/transcription/{built.transcript.pk}/")
    # From inside the coded passage ("bibliothèque") to after it ("le mercredi"), across the
    # passage's closing bracket.
    page.evaluate(
        """() => {
        const region = document.querySelector('[data-coding-text]');
        const walker = document.createTreeWalker(region, NodeFilter.SHOW_TEXT);
        let first = null, last = null, node;
        while ((node = walker.nextNode())) {
          if (!first && node.data.includes('bibliothèque')) first = node;
          if (node.data.includes('le mercredi')) last = node;
        }
        const range = document.createRange();
        range.setStart(first, first.data.indexOf('bibliothèque'));
        range.setEnd(last, last.data.indexOf('le mercredi') + 'le mercredi'.length);
        const selection = window.getSelection();
        selection.removeAllRanges();
        selection.addRange(range);
        region.dispatchEvent(new MouseEvent('mouseup', {bubbles: true}));
      }"""
    )
    text = built.transcript.text
    start = text.index("bibliothèque")
    end = text.index("le mercredi") + len("le mercredi")
    assert page.locator("[name=start]").input_value() == str(start)
    assert page.locator("[name=end]").input_value() == str(end)


def test_coding_pages_are_accessible(page, axe, login, built):
    login(built.consultant)
    slug = built.project.slug
    start, end = span(built.transcript.text, "les horaires ne collent pas")
    services.coding_create(
        source=built.transcript, codes=[built.hours, built.access], start=start, end=end, user=built.consultant
    )
    for path in (
        f"/diagnostic/codage/projet/{slug}/grille/",
        f"/diagnostic/codage/projet/{slug}/analyse/",
        f"/diagnostic/codage/code/{built.hours.pk}/extraits/",
        f"/diagnostic/codage/code/{built.hours.pk}/modifier/",
        f"/diagnostic/codage/code/{built.hours.pk}/supprimer/",
        f"/diagnostic/codage/transcription/{built.transcript.pk}/",
    ):
        assert_accessible(page, axe, path)
    # Error states: a coding sent without code nor valid offsets, a code without a name.
    page.goto(f"/diagnostic/codage/transcription/{built.transcript.pk}/")
    page.locator("[name=start]").fill("50")
    page.locator("[name=end]").fill("10")
    with page.expect_navigation():
        page.get_by_role("button", name="Coder ce passage").click()
    assert page.get_by_text("Choisissez au moins un code").is_visible()
    _no_blocking_violation(page, axe)
    page.goto(f"/diagnostic/codage/projet/{slug}/grille/")
    with page.expect_navigation():
        page.get_by_role("button", name="Ajouter le code").click()
    _no_blocking_violation(page, axe)
    # A staff member of another territory reads the excerpts pseudonymised.
    page.context.clear_cookies()
    login(built.referents[1])
    assert_accessible(page, axe, f"/diagnostic/codage/code/{built.sociability.pk}/extraits/")
    assert page.get_by_text("pseudonymisé").first.is_visible()
