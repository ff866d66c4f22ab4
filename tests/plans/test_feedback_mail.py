"""Residents who left their address are told, once, that the plan says what became of their words;
the e-mail's link erases their address."""

import pytest
from django.core import mail
from django.urls import reverse

from territoires.plans import services
from territoires.plans.models import FeedbackDelivery
from territoires.projects.models import StepCompletion
from territoires.surveys.models import ContactRequest
from tests.factories import make_project
from tests.plans.helpers import adopt, make_plan
from tests.surveys.factories import make_survey

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(django_capture_on_commit_callbacks):
    ns = make_project()
    ns.survey = make_survey(project_ns=ns)
    ns.plan, ns.territory, _axis, _objective, ns.actions, _indicator = make_plan(ns)
    ns.here = ContactRequest.objects.create(deployment=ns.survey.deployments[0], email="habitante@exemple.fr")
    ns.elsewhere = ContactRequest.objects.create(deployment=ns.survey.deployments[1], email="voisin@exemple.fr")
    ns.question = ns.survey.survey.questions.exclude(kind="note").first()
    ns.capture = django_capture_on_commit_callbacks
    return ns


def publish(world):
    with world.capture(execute=True):
        return services.feedback_publish(plan=world.plan, user=world.referents[0])


def test_feedback_is_published_after_adoption_with_outcomes_and_each_address_is_told_once(world):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError, match="une fois le plan adopté"):
        publish(world)
    adopt(world.plan, world.referents[0])
    with pytest.raises(ValidationError, match="Dites d'abord"):
        publish(world)
    assert mail.outbox == []
    services.outcome_set(
        plan=world.plan,
        user=world.referents[0],
        kind="surveys.question",
        target_id=world.question.pk,
        status="kept",
        action=world.actions[0],
    )
    # The timeline's step before it ("survey group mobilised") is the team's to mark.
    from territoires.projects.services import step_complete

    step_complete(participation=world.territory, step="survey_group_mobilised", user=world.referents[0])
    publish(world)
    assert [m.to for m in mail.outbox] == [["habitante@exemple.fr"]]  # not the other town's resident
    message = mail.outbox[0]
    assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert "votre-parole" in message.body
    assert StepCompletion.objects.filter(participation=world.territory, step="feedback_published").exists()
    publish(world)  # published again: nobody is told twice
    assert len(mail.outbox) == 1
    assert FeedbackDelivery.objects.count() == 1


def test_the_link_of_the_email_erases_the_address(client, world):
    adopt(world.plan, world.referents[0])
    services.outcome_set(
        plan=world.plan,
        user=world.referents[0],
        kind="surveys.question",
        target_id=world.question.pk,
        status="kept",
        action=world.actions[0],
    )
    publish(world)
    link = mail.outbox[0].extra_headers["List-Unsubscribe"].strip("<>")
    path = link.split("://", 1)[1].split("/", 1)[1]
    page = client.get("/" + path)
    assert page.status_code == 200 and "habitante@exemple.fr" in page.content.decode()
    assert ContactRequest.objects.filter(pk=world.here.pk).exists()  # a GET (a link preview) erases nothing
    assert client.post("/" + path, {"List-Unsubscribe": "One-Click"}).status_code == 200
    assert not ContactRequest.objects.filter(pk=world.here.pk).exists()
    assert ContactRequest.objects.filter(pk=world.elsewhere.pk).exists()
    assert client.get("/" + path).status_code == 404
    forged = reverse("plans:contact_unsubscribe", args=["bm9uLXNpZ25l"])
    assert client.post(forged, {"List-Unsubscribe": "One-Click"}).status_code == 404


def test_the_poster_is_a_pdf_for_the_team_only(client, world):
    adopt(world.plan, world.referents[0])
    url = reverse("plans:feedback_poster", args=[world.project.slug, world.towns[0].slug])
    client.force_login(world.referents[1])
    assert client.get(url).status_code == 403
    client.force_login(world.referents[0])
    response = client.get(url)
    assert response.status_code == 200 and response.content.startswith(b"%PDF")
