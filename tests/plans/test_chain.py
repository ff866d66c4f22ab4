"""The process chain as a reader follows it: an action answers a finding of the diagnostic; a
resident's text has a fate said in the plan, read with its receipt code, never shown to others
while it is unpublished."""

import pytest
from django.urls import reverse

from territoires.diagnostic.expression import services as expression
from territoires.diagnostic.synthesis import services as synthesis
from territoires.plans import services
from tests.factories import make_project
from tests.plans.helpers import adopt, make_plan

pytestmark = pytest.mark.django_db

SECRET_TEXT = "Je voudrais un atelier de slam au centre social du Pontreau le samedi."


@pytest.fixture
def world():
    ns = make_project()
    ns.plan, ns.territory, _axis, _objective, ns.actions, _indicator = make_plan(ns)
    record = synthesis.synthesis_for(project=ns.project, territory=ns.territory)
    ns.finding = synthesis.finding_create(
        synthesis=record, user=ns.consultant, statement="Les jeunes des quartiers ne trouvent pas de lieu de pratique."
    )
    prompt = expression.prompt_set(
        territory=ns.territory,
        user=ns.referents[0],
        question="Qu'est-ce qui fait de vous un acteur culturel ?",
        is_open=True,
    )
    ns.text, _created = expression.expression_submit(prompt=prompt, text=SECRET_TEXT, consent_to_publish=False)
    return ns


def test_an_action_answers_a_finding_shown_to_whoever_may_read_it(client, world):
    services.origin_add(
        action=world.actions[0], user=world.referents[0], kind="diagnostic.finding", target_id=world.finding.pk
    )
    adopt(world.plan, world.referents[0])
    url = reverse("plans:action_detail", args=[world.actions[0].pk])
    public = client.get(url).content.decode()
    assert "Constat du diagnostic" in public and "élément réservé" in public  # a draft finding
    assert "ne trouvent pas de lieu" not in public
    client.force_login(world.consultant)
    assert "ne trouvent pas de lieu" in client.get(url).content.decode()
    synthesis.finding_validate(finding=world.finding, user=world.referents[0])
    synthesis.finding_publish(finding=world.finding, user=world.referents[0])
    client.logout()
    assert "ne trouvent pas de lieu" in client.get(url).content.decode()


def test_a_texts_fate_is_read_by_its_author_and_never_shows_its_words_to_others(
    client, world, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        services.outcome_set(
            plan=world.plan, user=world.referents[0], kind="diagnostic.expression", target_id=world.text.pk,
            status="kept", action=world.actions[0],
        )  # fmt: skip
        adopt(world.plan, world.referents[0])
    feedback = client.get(reverse("plans:feedback", args=[world.project.slug, world.towns[0].slug])).content.decode()
    assert "Contribution non publiée" in feedback and SECRET_TEXT not in feedback
    assert "Action 1" in feedback
    news = client.get(reverse("plans:receipt"), {"code": world.text.receipt_code}).content.decode()
    assert "Action 1" in news and "atelier de slam" in news


def test_the_codesign_objectives_are_taken_over_with_their_criteria_as_indicators(client, world):
    import datetime
    from decimal import Decimal

    from territoires.codesign import services as codesign
    from territoires.codesign.models import CodesignPlan, Objective

    codesign_plan = codesign.plan_for(territory=world.territory)
    source = codesign.objective_save(
        objective=Objective(plan=codesign_plan, title="Ouvrir les équipements aux jeunes le soir"),
        user=world.referents[0],
        findings=[world.finding],
    )
    codesign.criterion_add(
        objective=source, user=world.referents[0], indicator="Jeunes accueillis le soir", unit="personnes",
        baseline=Decimal(20), target=Decimal(120), source="Billetterie", target_date=datetime.date(2027, 6, 30),
    )  # fmt: skip
    codesign.criterion_add(
        objective=source, user=world.referents[0], indicator="Satisfaction des jeunes", unit="%",
        baseline=Decimal(40), target=Decimal(70), source="Enquête",
    )  # fmt: skip
    axis = world.plan.axes.first()
    elsewhere = codesign.objective_save(
        objective=Objective(plan=codesign.plan_for(territory=world.project.participations.get(organisation=world.towns[1])), title="Ailleurs"),
        user=world.referents[1],
    )  # fmt: skip
    with pytest.raises(Exception, match="pas ceux de la co-construction de ce territoire"):
        services.objectives_take_over(
            plan=world.plan, user=world.referents[0], axis=axis, codesign_objectives=[elsewhere]
        )
    created, skipped = services.objectives_take_over(
        plan=world.plan, user=world.referents[0], axis=axis, codesign_objectives=[source]
    )
    assert [o.codesign_objective_id for o in created] == [source.pk]
    assert skipped == ["Satisfaction des jeunes"]  # no due date: the team adds it by hand
    indicator = created[0].indicators.get()
    assert (indicator.name, indicator.baseline_value, indicator.target_value) == ("Jeunes accueillis le soir", 20, 120)
    again, _skipped = services.objectives_take_over(
        plan=world.plan, user=world.referents[0], axis=axis, codesign_objectives=[source]
    )
    assert again == []  # taken once
    client.force_login(world.referents[0])
    page = client.get(world.plan.get_absolute_url()).content.decode()
    assert "Issu de la co-construction" in page and f"/co-construction/objectif/{source.pk}/" in page
    assert CodesignPlan.objects.count() == 2


def test_a_residents_idea_reads_its_fate_with_its_receipt_code(client, world, django_capture_on_commit_callbacks):
    from territoires.codesign import services as codesign
    from territoires.codesign.models import CodesignPlan

    codesign_plan = codesign.plan_for(territory=world.territory)
    CodesignPlan.objects.filter(pk=codesign_plan.pk).update(ideas_open=True)
    idea = codesign.idea_submit(plan=codesign_plan, title="Un festival de quartier au Pontreau")
    url = reverse("plans:receipt")
    assert "Pas de nouvelles pour ce code" in client.get(url, {"code": idea.receipt_code}).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        services.outcome_set(
            plan=world.plan, user=world.referents[0], kind="codesign.idea", target_id=idea.pk,
            status="not_kept", explanation="Un festival existe déjà à deux rues : nous le rapprochons du quartier.",
        )  # fmt: skip
        adopt(world.plan, world.referents[0])
    news = client.get(url, {"code": idea.receipt_code}).content.decode()
    assert "Non retenue" in news and "deux rues" in news
