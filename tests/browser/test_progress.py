"""A visitor, without an account, follows how far each territory has gone."""

import pytest
from playwright.sync_api import expect

from territoires.projects import services
from territoires.projects.models import Participation
from tests.factories import make_project

pytestmark = pytest.mark.browser

PHASES = [
    "Diagnostic territorial",
    "Co-construction",
    "Adoption du plan",
    "Retour aux habitants",
    "Suivi et évaluation",
]


@pytest.fixture
def project_under_way(transactional_db):
    built = make_project(participants=3)
    done = {
        0: ["actor_map", "interviews", "resident_survey", "diagnostic_synthesis", "method_choice"],  # 5 / 14
        1: ["actor_map", "interviews"],  # 2 / 14
        2: [],
    }
    for index, steps in done.items():
        participation = Participation.objects.get(project=built.project, organisation=built.towns[index])
        for step in steps:
            services.step_complete(participation=participation, step=step, user=built.referents[index])
    return built


def test_visitor_sees_each_territory_progress_and_a_timeline(page, project_under_way):
    built = project_under_way
    page.goto(f"/projets/{built.project.slug}/")
    expect(page.get_by_role("heading", level=1)).to_have_text(built.project.title)

    cards = page.locator("#territoires + ul > li")
    expect(cards).to_have_count(3)
    for town, percent in zip(built.towns, ["36 %", "14 %", "0 %"], strict=True):
        card = cards.filter(has=page.get_by_role("link", name=town.name, exact=True))
        expect(card).to_contain_text(percent)
        for phase in PHASES:
            expect(card).to_contain_text(phase)
    first = cards.filter(has=page.get_by_role("link", name=built.towns[0].name, exact=True))
    expect(first).to_contain_text("Diagnostic territorial : terminée")
    expect(first).to_contain_text("Phase en cours : Co-construction")
    expect(first).to_contain_text("Adoption du plan : à venir")

    first.get_by_role("link", name=built.towns[0].name, exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(built.towns[0].name)
    timeline = page.locator("ol.tec-timeline")
    expect(timeline.locator("> li")).to_have_count(len(PHASES))
    expect(timeline.locator("> li").nth(0)).to_contain_text("1. Diagnostic territorial")
    expect(timeline.locator("> li").nth(0)).to_contain_text("Terminée")
    expect(timeline.locator("> li").nth(1)).to_contain_text("En cours")
    expect(timeline.locator("> li").nth(2)).to_contain_text("À venir")
    expect(page.locator("#avancement .tec-progress")).to_contain_text("36 %")
    # A visitor reads the steps; only the territory's referent and the facilitator mark them.
    expect(timeline.get_by_role("button")).to_have_count(0)
    expect(timeline).to_contain_text("Cartographie des familles d'acteurs et des lieux")


def test_a_referent_marks_steps_in_order_and_confirms_before_reopening(page, login, project_under_way):
    built = project_under_way
    town = built.towns[1]  # 2 of 14 steps done: 14 %
    login(built.referents[1])
    page.goto(f"/projets/{built.project.slug}/territoires/{town.slug}/")
    page.evaluate("window.sameDocument = true")
    progress = page.locator("#avancement .tec-progress__label")
    expect(progress).to_have_text("14 %")
    # The step after the next one waits for it, and says so.
    expect(page.locator("#etape-diagnostic_synthesis")).to_contain_text("Après « Enquête auprès des habitants »")
    expect(page.locator("#etape-diagnostic_synthesis").get_by_role("button")).to_have_count(0)
    expect(page.locator("#etape-resident_survey")).to_contain_text("Sera renseignée automatiquement par le module")

    survey = page.locator("#etape-resident_survey")
    survey.get_by_text("Ajouter une note (facultatif)").click()
    survey.get_by_label("Note sur « Enquête auprès des habitants »").fill("412 réponses")
    survey.get_by_role("button", name="Marquer comme faite").click()
    expect(progress).to_have_text("21 %")
    # The section was replaced in place: same document; the step shows who, when and the note.
    assert page.evaluate("window.sameDocument") is True
    survey = page.locator("#etape-resident_survey")
    expect(survey).to_contain_text(f"par {built.referents[1].get_full_name()}")
    expect(survey).to_contain_text("Note : 412 réponses")
    # An earlier step is reopened only once the later ones are: only the last done step offers it.
    expect(page.locator("#etape-interviews").get_by_role("link", name="Rouvrir")).to_have_count(0)

    survey.get_by_role("link", name="Rouvrir").click()  # asks first
    expect(page.get_by_role("heading", level=1)).to_have_text("Rouvrir l'étape « Enquête auprès des habitants » ?")
    participation = Participation.objects.get(project=built.project, organisation=town)
    assert "resident_survey" in participation.done_step_codes
    page.get_by_role("button", name="Rouvrir l'étape").click()
    expect(page.locator("#avancement .tec-progress__label")).to_have_text("14 %")
    participation = Participation.objects.get(project=built.project, organisation=town)
    assert sorted(participation.done_step_codes) == ["actor_map", "interviews"]
