"""Action plans in the browser: a referent adopts the plan through the deliberation form and the
territory's timeline moves; a resident types a receipt code on a phone and reads what became of
their answer; axe-core finds no serious or critical violation on the plans' pages."""

import uuid

import pytest

from territoires.plans import services
from territoires.surveys.collection import response_submit
from territoires.surveys.models import Response
from tests.browser.helpers import PHONE, new_context
from tests.browser.test_accessibility import assert_accessible
from tests.factories import make_project, pdf_bytes
from tests.plans.helpers import DELIBERATION, adopt, make_plan
from tests.surveys.factories import make_survey, valid_answers

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def axe():
    from axe_playwright_python.sync_playwright import Axe

    return Axe()


@pytest.fixture
def built(transactional_db):
    ns = make_project(participants=3)
    ns.survey = make_survey(project_ns=ns)
    ns.plan, ns.territory, _axis, _objective, ns.actions, ns.indicator = make_plan(ns)
    return ns


def test_a_referent_adopts_the_plan_and_the_timeline_moves(page, axe, login, built, tmp_path):
    slug, town = built.project.slug, built.towns[0].slug
    services.plan_submit(plan=built.plan, user=built.referents[0])
    login(built.referents[0])
    assert_accessible(page, axe, f"/plans/projet/{slug}/{town}/")
    assert_accessible(page, axe, f"/plans/projet/{slug}/")
    assert_accessible(page, axe, f"/plans/action/{built.actions[0].pk}/")
    assert_accessible(page, axe, f"/plans/indicateur/{built.indicator.pk}/")
    assert_accessible(page, axe, f"/plans/projet/{slug}/{town}/versions/")
    page.goto(f"/plans/projet/{slug}/{town}/")
    page.get_by_role("link", name="Enregistrer la délibération d'adoption").click()
    page.wait_for_load_state("load")
    assert_accessible(page, axe, page.url)
    pdf = tmp_path / "deliberation.pdf"
    pdf.write_bytes(pdf_bytes())
    for name, value in DELIBERATION.items():
        if name == "deliberative_body":
            page.locator(f"#id_{name}").select_option(value)
        elif name == "deliberation_date":
            page.locator(f"#id_{name}").fill(value.isoformat())
        else:
            page.locator(f"#id_{name}").fill(str(value))
    page.locator("#id_votes_for").fill("20")  # the votes no longer add up
    page.locator("#id_deliberation_document").set_input_files(str(pdf))
    page.get_by_role("button", name="Enregistrer l'adoption").click()
    page.wait_for_load_state("load")
    assert page.get_by_role("alert").get_by_text("Les voix ne tombent pas juste").count() >= 1
    page.locator("#id_votes_for").fill(str(DELIBERATION["votes_for"]))
    page.locator("#id_deliberation_document").set_input_files(str(pdf))
    page.get_by_role("button", name="Enregistrer l'adoption").click()
    page.wait_for_load_state("load")
    assert page.get_by_text("Adopté par la délibération D-2022-101").is_visible()
    page.goto(built.territory.get_absolute_url())
    assert page.get_by_text("Délibération D-2022-101 du 20/06/2022").first.is_visible()


def test_a_resident_reads_what_became_of_their_answer_on_a_phone(browser, live_server, axe, built):
    answer = response_submit(
        deployment=built.survey.deployment,
        answers=valid_answers(),
        channel=Response.Channel.ONLINE,
        idempotency_key=str(uuid.uuid4()),
    ).response
    question = built.survey.survey.questions.exclude(kind="note").first()
    services.outcome_set(
        plan=built.plan,
        user=built.referents[0],
        kind="surveys.question",
        target_id=question.pk,
        status="kept",
        action=built.actions[0],
    )
    adopt(built.plan, built.referents[0])
    context = new_context(browser, live_server, viewport=PHONE)
    page = context.new_page()
    try:
        assert_accessible(page, axe, f"/plans/projet/{built.project.slug}/{built.towns[0].slug}/votre-parole/")
        page.get_by_label("Votre code de suivi").fill(answer.receipt_code.lower())
        page.get_by_role("button", name="Voir ce qu'est devenue ma contribution").click()
        page.wait_for_load_state("load")
        assert page.get_by_role("link", name="Action 1").first.is_visible()
        assert_accessible(page, axe, page.url)
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    finally:
        context.close()


def test_the_team_schedules_a_restitution_and_a_resident_registers_on_a_phone(
    page, browser, live_server, axe, login, built
):
    import datetime

    from django.utils import timezone

    adopt(built.plan, built.referents[0])
    feedback = f"/plans/projet/{built.project.slug}/{built.towns[0].slug}/votre-parole/"
    login(built.referents[0])
    assert_accessible(page, axe, feedback)
    starts = (timezone.localtime() + datetime.timedelta(days=21)).replace(hour=18, minute=30)
    page.locator("#id_starts_at").fill(starts.strftime("%Y-%m-%dT%H:%M"))
    page.locator("#id_place_details").fill("Salle des fêtes du centre")
    page.locator("#id_capacity").fill("40")
    page.get_by_role("button", name="Publier la réunion").click()
    page.wait_for_load_state("load")
    assert page.get_by_text("La réunion de restitution est publiée").is_visible()
    context = new_context(browser, live_server, viewport=PHONE)
    phone = context.new_page()
    try:
        assert_accessible(phone, axe, feedback)
        assert phone.get_by_text("Prochaine réunion de restitution").is_visible()
        assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
        phone.get_by_role("link", name="Voir la réunion et s'inscrire").click()
        phone.wait_for_load_state("load")
        assert_accessible(phone, axe, phone.url)
        phone.get_by_label("Nom et prénom").fill("Awa Diallo")
        phone.get_by_label("Adresse électronique").fill("awa@example.org")
        phone.locator("label[for=id_consent]").click()
        phone.locator("form button[type=submit]").last.click()
        phone.wait_for_load_state("load")
        assert "Votre place est réservée" in phone.content()
    finally:
        context.close()
