"""The visitor's receipt page is rendered once per set of news and served with the code put in
(views._receipt_page_cached, `make bench ONLY=plans.receipt`): these tests fence that shortcut.

A page served from the cache must carry the code asked for and no other code, be the same page as
the one rendered for that code, and say nothing more for an unknown code than for a real one."""

import uuid

import pytest
from django.urls import reverse

from territoires.plans import services
from territoires.plans.feedback import RECEIPT_CODE_SLOT
from territoires.surveys.collection import response_submit
from territoires.surveys.models import Response
from tests.factories import make_project
from tests.plans.helpers import adopt, make_plan
from tests.surveys.factories import make_survey, valid_answers

pytestmark = pytest.mark.django_db


def _answer(deployment):
    return response_submit(
        deployment=deployment,
        answers=valid_answers(),
        channel=Response.Channel.ONLINE,
        idempotency_key=str(uuid.uuid4()),
    ).response


@pytest.fixture
def world(django_capture_on_commit_callbacks):
    ns = make_project()
    built = make_survey(project_ns=ns)
    answers = [_answer(built.deployment) for _ in range(2)]
    plan, _territory, _axis, _objective, actions, _indicator = make_plan(ns, 0)
    question = built.survey.questions.exclude(kind="note").first()
    services.outcome_set(
        plan=plan,
        user=ns.referents[0],
        kind="surveys.question",
        target_id=question.pk,
        status="kept",
        action=actions[0],
    )
    with django_capture_on_commit_callbacks(execute=True):
        adopt(plan, ns.referents[0])
    return ns, built, answers, question


def _without(page: str, code: str) -> str:
    return page.replace(code, "CODE")


def test_two_codes_of_the_same_news_get_the_same_page_each_with_its_own_code(client, world):
    _ns, _built, (first, second), question = world
    url = reverse("plans:receipt")
    one = client.get(url, {"code": first.receipt_code}).content.decode()
    two = client.get(url, {"code": second.receipt_code}).content.decode()
    assert question.label in one and "Action 1" in one
    assert f'value="{first.receipt_code}"' in one and f'value="{second.receipt_code}"' in two
    assert first.receipt_code not in two and RECEIPT_CODE_SLOT not in one + two
    # The language link keeps the code asked for, not the one the page was first rendered for.
    assert f"code%3D{second.receipt_code}" in two
    assert _without(one, first.receipt_code) == _without(two, second.receipt_code)


def test_a_code_typed_loosely_is_shown_normalised(client, world):
    _ns, _built, (first, _second), _question = world
    typed = f"{first.receipt_code[:4].lower()}-{first.receipt_code[4:]}"
    page = client.get(reverse("plans:receipt"), {"code": typed}).content.decode()
    assert f'value="{first.receipt_code}"' in page and "Action 1" in page


def test_an_unknown_code_and_a_code_without_news_get_the_same_page(client, world):
    ns, built, _answers, _question = world
    other_town = _answer(built.deployments[1])  # its territory has no adopted plan
    url = reverse("plans:receipt")
    unknown = client.get(url, {"code": "ZZZZZZZZZZ"}).content.decode()
    no_news = client.get(url, {"code": other_town.receipt_code}).content.decode()
    assert "Pas de nouvelles pour ce code" in unknown
    assert _without(unknown, "ZZZZZZZZZZ") == _without(no_news, other_town.receipt_code)


def test_signed_in_people_and_odd_query_strings_are_rendered_not_cached(client, world):
    ns, _built, (first, _second), _question = world
    url = reverse("plans:receipt")
    odd = client.get(url, {"code": first.receipt_code, "x": "<b>"}).content.decode()
    assert "Action 1" in odd and f'value="{first.receipt_code}"' in odd
    client.force_login(ns.agents[1])
    page = client.get(url, {"code": first.receipt_code}).content.decode()
    assert "Action 1" in page and f'value="{first.receipt_code}"' in page


def test_the_page_follows_a_new_outcome(client, world, django_capture_on_commit_callbacks):
    ns, built, (first, _second), question = world
    url = reverse("plans:receipt")
    assert "Action 1" in client.get(url, {"code": first.receipt_code}).content.decode()
    from territoires.plans.models import ActionPlan

    plan = ActionPlan.objects.get(territory__organisation=ns.towns[0])
    with django_capture_on_commit_callbacks(execute=True):
        services.plan_amend(plan=plan, user=ns.referents[0])
        services.outcome_set(
            plan=plan,
            user=ns.referents[0],
            kind="surveys.question",
            target_id=question.pk,
            status="not_kept",
            explanation="Déjà fait par le département",
        )
    page = client.get(url, {"code": first.receipt_code}).content.decode()
    assert "Déjà fait par le département" in page


def test_a_second_code_of_the_same_news_is_served_from_two_columns(client, world, django_assert_num_queries):
    """Once the page of a survey's news in a territory is rendered, another answer's code there is
    served after one read of its scope (participation, survey): the answer itself is not loaded."""
    _ns, _built, (first, second), _question = world
    url = reverse("plans:receipt")
    client.get(url, {"code": first.receipt_code})
    with django_assert_num_queries(1) as queries:
        page = client.get(url, {"code": second.receipt_code}).content.decode()
    # Two columns by one join, not the answer with its survey, project and organisation.
    from territoires.surveys.models import Survey

    assert Survey._meta.db_table not in queries.captured_queries[0]["sql"]
    assert f'value="{second.receipt_code}"' in page and "Action 1" in page
    assert first.receipt_code not in page
