"""The questionnaire builder in the browser: the consultancy builds (with bad input first), a referent
adds its territory's question on a phone, and axe-core finds no serious or critical violation on the
builder, the question form (with its errors), the preview and a deployment page."""

import pytest
from playwright.sync_api import expect

from territoires.surveys.models import Question, Survey
from tests.browser.actions import tick
from tests.browser.helpers import PHONE, new_context, watch_errors
from tests.browser.test_accessibility import BLOCKING, assert_accessible, describe
from tests.surveys.factories import make_survey

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def axe():
    from axe_playwright_python.sync_playwright import Axe

    return Axe()


@pytest.fixture
def built(transactional_db):
    return make_survey(status=Survey.Status.DRAFT, second_language="en")


def test_the_consultant_builds_with_bad_input_then_good(page, axe, login, built):
    survey = built.survey
    login(built.project_ns.consultant)
    assert_accessible(page, axe, f"/projets/{built.project.slug}/enquetes/")
    assert_accessible(page, axe, f"/enquetes/{survey.pk}/questionnaire/")
    assert_accessible(page, axe, f"/enquetes/{survey.pk}/questionnaire/apercu/")
    assert_accessible(page, axe, f"/enquetes/territoires/{built.deployment.pk}/")
    assert_accessible(page, axe, f"/enquetes/{survey.pk}/questionnaire/sections/{built.sections['avis'].pk}/")
    assert_accessible(page, axe, f"/enquetes/{survey.pk}/questionnaire/informations/")
    assert_accessible(page, axe, f"/projets/{built.project.slug}/enquetes/nouvelle/")
    assert_accessible(page, axe, f"/projets/{built.project.slug}/enquetes/importer/")

    page.goto(f"/enquetes/{survey.pk}/questionnaire/")
    page.get_by_role("link", name="Ajouter une question à la section Pour finir").click()
    # Only the settings of the chosen kind show.
    page.get_by_label("Type de question").select_option("rating")
    expect(page.locator("input[name=scale_min]")).to_be_visible()
    expect(page.locator("textarea[name=options]")).to_be_hidden()
    page.locator("input[name=code]").fill("satisfaction")  # already used
    page.locator("textarea[name=label]").fill("Recommanderiez-vous nos lieux ?")
    page.locator("input[name=scale_min]").fill("10")
    page.locator("input[name=scale_max]").fill("1")
    page.get_by_role("button", name="Enregistrer la question").click()
    alert = page.get_by_role("alert")
    expect(alert).to_contain_text("déjà utilisé par une autre question")
    expect(alert).to_contain_text("Le maximum de l'échelle doit être supérieur au minimum")
    violations = [v for v in axe.run(page).response["violations"] if v["impact"] in BLOCKING]
    assert not violations, describe(violations)

    page.locator("input[name=code]").fill("recommandation")
    page.locator("input[name=scale_min]").fill("0")
    page.locator("input[name=scale_max]").fill("10")
    tick(page.get_by_label("Proposer « Ne sait pas »"))
    page.locator("select[name=condition_question_1]").select_option("frequence")
    expect(page.get_by_text("Réponses possibles : jamais, rare, souvent")).to_be_visible()
    page.locator("select[name=condition_op_1]").select_option("not_in")
    page.locator("input[name=condition_values_1]").fill("jamais")
    page.get_by_role("button", name="Enregistrer la question").click()
    expect(page.locator("#question-" + str(Question.objects.get(code="recommandation").pk))).to_contain_text(
        "« frequence » n'est pas parmi jamais"
    )
    question = Question.objects.get(survey=survey, code="recommandation")
    assert (question.scale_min, question.scale_max, question.allow_dont_know) == (0, 10, True)
    assert question.condition == {"all": [{"question": "frequence", "op": "not_in", "values": ["jamais"]}]}

    # Publishing opens the collection.
    page.get_by_role("button", name="Publier et ouvrir la collecte").click()
    expect(page.get_by_text("L'enquête est publiée")).to_be_visible()


def test_a_referent_adds_its_own_question_on_a_phone(browser, live_server, axe, built):
    context = new_context(browser, live_server, viewport=PHONE, is_mobile=True, has_touch=True)
    phone = context.new_page()
    errors = watch_errors(phone)
    from tests.factories import PASSWORD

    referent = built.project_ns.referents[0]
    phone.goto("/compte/connexion/")
    phone.fill("input[name=username]", referent.email)
    phone.fill("input[name=password]", PASSWORD)
    phone.get_by_role("button", name="Se connecter").click()
    phone.wait_for_load_state()

    for path in (f"/projets/{built.project.slug}/enquetes/", f"/enquetes/{built.survey.pk}/questionnaire/"):
        assert_accessible(phone, axe, path)
        widths = phone.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
        assert widths == [375, 375], f"{path} déborde : {widths[0]} px pour un écran de 375 px"
    town = built.deployment.participation.organisation.name
    phone.get_by_role("link", name=f"Ajouter une question propre à {town} à la section Pour finir").click()
    phone.get_by_label("Type de question").select_option("single")
    phone.locator("input[name=code]").fill("fete_quartier")
    phone.locator("textarea[name=label]").fill("Êtes-vous allé·e à la fête de quartier ?")
    phone.locator("textarea[name=options]").fill("oui | Oui\nNon")
    phone.get_by_role("button", name="Enregistrer la question").click()
    expect(phone.get_by_role("alert")).to_contain_text("Ligne 2 : indiquez un code puis le libellé")
    phone.locator("textarea[name=options]").fill("oui | Oui | Yes\nnon | Non | No")
    phone.get_by_role("button", name="Enregistrer la question").click()
    expect(phone.get_by_text("propre à " + town).first).to_be_visible()
    question = Question.objects.get(survey=built.survey, code="fete_quartier")
    assert question.participation_id == built.deployment.participation_id
    assert question.options[1] == {"code": "non", "label": "Non", "label_en": "No"}
    context.close()
    assert not errors, errors
