"""Follow-up after adoption: timeline entries on actions, and members' comments on a plan."""

import pytest
from django.urls import reverse

from territoires.plans.models import ActionUpdate, PlanComment
from tests.factories import make_project
from tests.plans.helpers import adopt, make_plan

pytestmark = pytest.mark.django_db


def test_the_team_notes_what_happened_and_the_public_reads_it(client):
    ns = make_project()
    plan, _territory, _axis, _objective, actions, _indicator = make_plan(ns)
    adopt(plan, ns.referents[0])
    url = reverse("plans:action_update_add", args=[actions[0].pk])
    client.force_login(ns.referents[1])
    assert client.post(url, {"happened_on": "2023-02-01", "text": "Essai"}).status_code == 403
    client.force_login(ns.agents[0])
    client.post(url, {"happened_on": "2999-01-01", "text": "Plus tard"})
    client.post(url, {"happened_on": "2023-02-01", "text": ""})
    assert not ActionUpdate.objects.exists()
    client.post(url, {"happened_on": "2023-02-01", "text": "Première séance avec 24 familles."})
    client.logout()
    page = client.get(reverse("plans:action_detail", args=[actions[0].pk])).content.decode()
    assert "Première séance avec 24 familles." in page


def test_members_comment_on_a_plan_others_cannot(client):
    ns = make_project(observers=1)
    plan, *_ = make_plan(ns)
    url = reverse("plans:plan_comment", args=[ns.project.slug, ns.towns[0].slug])
    client.force_login(ns.observers[0])
    assert client.post(url, {"text": "Observateur"}).status_code == 403
    client.force_login(ns.referents[2])
    client.post(url, {"text": "À Bourges, nous avons fait pareil avec les centres sociaux."})
    assert PlanComment.objects.get().author == ns.referents[2]
    versions = client.get(reverse("plans:plan_versions", args=[ns.project.slug, ns.towns[0].slug])).content.decode()
    assert "centres sociaux" in versions
