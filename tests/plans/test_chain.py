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
