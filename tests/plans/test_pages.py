"""The plan's pages as their users meet them: a fixed query count whatever the plan's size, the
receipt lookup that tells nothing to a prober, the timeline that reads the adoption."""

import uuid

import pytest
from django.urls import reverse

from territoires.plans import services
from territoires.surveys.collection import response_submit
from territoires.surveys.models import Response
from tests.factories import make_project
from tests.plans.helpers import adopt, make_plan
from tests.surveys.factories import make_survey, valid_answers

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("public", [False, True])
def test_plan_page_query_count_does_not_grow_with_the_plan(client, django_assert_max_num_queries, public):
    ns = make_project()
    plan, _territory, _axis, objective, actions, _indicator = make_plan(ns, actions=3)
    user = ns.referents[0]
    for n in range(30):
        services.action_save(
            plan=plan, user=user, objective=objective, parent=actions[n % 3], data={"title": f"Sous-action {n}"}
        )
    adopt(plan, user)
    url = reverse("plans:plan_detail", args=[ns.project.slug, ns.towns[0].slug])
    if not public:
        client.force_login(user)
    client.get(url)  # warm the per-process caches (project header, permissions)
    with django_assert_max_num_queries(15):
        response = client.get(url)
    assert response.status_code == 200
    assert "Sous-action 29" in response.content.decode()


def test_receipt_codes_cannot_be_probed_and_a_real_one_reads_its_news(client, django_capture_on_commit_callbacks):
    ns = make_project()
    built = make_survey(project_ns=ns)
    answer = response_submit(
        deployment=built.deployment,
        answers=valid_answers(),
        channel=Response.Channel.ONLINE,
        idempotency_key=str(uuid.uuid4()),
    ).response
    url = reverse("plans:receipt")
    unknown = client.get(url, {"code": "ZZZZZZZZZZ"})
    no_news_yet = client.get(url, {"code": answer.receipt_code})
    assert unknown.status_code == no_news_yet.status_code == 200
    assert "Pas de nouvelles pour ce code" in unknown.content.decode()
    assert "Pas de nouvelles pour ce code" in no_news_yet.content.decode()
    # The territory adopts its plan and says what became of a question's answers.
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
    assert (
        "Pas de nouvelles pour ce code" in client.get(url, {"code": answer.receipt_code}).content.decode()
    )  # not adopted yet
    # A write changes the content version once committed, as in production: the news are cached under it.
    with django_capture_on_commit_callbacks(execute=True):
        adopt(plan, ns.referents[0])
    page = client.get(url, {"code": answer.receipt_code.lower()}).content.decode()
    assert "Action 1" in page and question.label in page
    # Another territory's resident: the same page shape, no news of town 0.
    other = response_submit(
        deployment=built.deployments[1],
        answers=valid_answers(),
        channel=Response.Channel.ONLINE,
        idempotency_key=str(uuid.uuid4()),
    ).response
    assert "Pas de nouvelles pour ce code" in client.get(url, {"code": other.receipt_code}).content.decode()
    # The public feedback page lists the fate of the question.
    feedback = client.get(reverse("plans:feedback", args=[ns.project.slug, ns.towns[0].slug])).content.decode()
    assert question.label in feedback and "Retenue" in feedback


def test_receipt_lookups_are_limited_per_client(client, settings):
    settings.SURVEY_RATE_LIMIT_PER_MINUTE = 3
    url = reverse("plans:receipt")
    statuses = [client.get(url, {"code": f"ABCDEFGH{n:02d}"}, REMOTE_ADDR="203.0.113.9").status_code for n in range(5)]
    assert statuses[:3] == [200, 200, 200] and statuses[-1] == 429


def test_the_adoption_form_records_the_deliberation_and_the_territory_page_shows_the_step(client):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from tests.factories import pdf_bytes
    from tests.plans.helpers import DELIBERATION

    ns = make_project()
    plan, territory, *_ = make_plan(ns)
    services.plan_submit(plan=plan, user=ns.referents[0])
    client.force_login(ns.referents[0])
    url = reverse("plans:plan_adopt", args=[ns.project.slug, ns.towns[0].slug])
    data = {**DELIBERATION, "deliberation_date": "2022-06-20", "votes_for": 20}
    data["deliberation_document"] = SimpleUploadedFile("d.pdf", pdf_bytes(), content_type="application/pdf")
    refused = client.post(url, data)
    assert refused.status_code == 400
    assert "Les voix ne tombent pas juste" in refused.content.decode()
    data = {**DELIBERATION, "deliberation_date": "2022-06-20"}
    data["deliberation_document"] = SimpleUploadedFile("d.pdf", pdf_bytes(), content_type="application/pdf")
    assert client.post(url, data).status_code == 302
    plan.refresh_from_db()
    assert plan.status == "adopted"
    sheet = client.get(territory.get_absolute_url()).content.decode()
    assert "Délibération D-2022-101 du 20/06/2022" in sheet


def test_the_plans_side_by_side_show_each_adoption_and_an_action_reads_its_rolled_up_progress(client):
    ns = make_project()
    plan, _territory, _axis, objective, actions, _indicator = make_plan(ns)
    user = ns.referents[0]
    first = services.action_save(
        plan=plan, user=user, objective=objective, parent=actions[0], data={"title": "Étape A", "weight": 3}
    )
    services.action_save(
        plan=plan, user=user, objective=objective, parent=actions[0], data={"title": "Étape B", "weight": 1}
    )
    adopt(plan, user)
    services.action_follow_up(action=first, user=user, status="done", progress=0)
    page = client.get(reverse("plans:project_plans", args=[ns.project.slug])).content.decode()
    assert "Délibération D-2022-101" in page
    assert "Pas encore de plan" in page  # the three other towns
    action_page = client.get(reverse("plans:action_detail", args=[actions[0].pk])).content.decode()
    assert "75 %" in action_page  # (3 × 100 + 1 × 0) / 4


def test_the_adopting_deliberation_is_downloaded_by_whoever_reads_the_adopted_plan(client):
    ns = make_project()
    plan, *_ = make_plan(ns)
    adoption = adopt(plan, ns.referents[0])
    url = reverse("plans:adoption_document", args=[ns.project.slug, ns.towns[0].slug, adoption.pk])
    response = client.get(url)
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert b"".join(response.streaming_content).startswith(b"%PDF")
    assert "attachment" in response["Content-Disposition"]


def test_editing_an_action_or_an_objective_keeps_what_the_form_was_not_asked_to_change(client):
    """The edit forms open with the action's objective and the objective's axis selected: a referent
    who changes only a title saves it (a walk-through found every action edit refused)."""
    ns = make_project()
    plan, _territory, axis, objective, actions, _indicator = make_plan(ns, actions=1)
    client.force_login(ns.referents[0])
    args = [ns.project.slug, ns.towns[0].slug]
    edit = reverse("plans:action_edit", args=[*args, actions[0].pk])
    form = client.get(edit).context["form"]
    assert form["objective"].value() == objective.pk
    data = {name: form[name].value() for name in form.fields if form[name].value() is not None}
    data["title"] = "Action renommée"
    data = {name: ([str(v) for v in value] if isinstance(value, list) else value) for name, value in data.items()}
    response = client.post(edit, data)
    assert response.status_code == 302, response.content.decode()[:3000]
    actions[0].refresh_from_db()
    assert actions[0].title == "Action renommée" and actions[0].objective_id == objective.pk

    edit = reverse("plans:objective_edit", args=[*args, objective.pk])
    form = client.get(edit).context["form"]
    assert form["axis"].value() == axis.pk


def test_a_negative_budget_is_refused_with_a_message_and_nothing_changes(client):
    ns = make_project()
    plan, _territory, _axis, objective, actions, _indicator = make_plan(ns, actions=1)
    client.force_login(ns.referents[0])
    edit = reverse("plans:action_edit", args=[ns.project.slug, ns.towns[0].slug, actions[0].pk])
    form = client.get(edit).context["form"]
    data = {name: form[name].value() for name in form.fields if form[name].value() is not None}
    data = {name: ([str(v) for v in value] if isinstance(value, list) else value) for name, value in data.items()}
    response = client.post(edit, {**data, "budget": "-10"})
    assert response.status_code == 400
    assert "supérieure ou égale à 0" in response.content.decode()
    actions[0].refresh_from_db()
    assert actions[0].budget is None
