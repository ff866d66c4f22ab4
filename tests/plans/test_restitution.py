"""A restitution meeting is an event: the team schedules it from the feedback page as a workshop of
the territory's co-design plan, residents see it on the public feedback page and the poster, and
register as they do for a workshop (no account, seats and waiting list: codesign's own code)."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from territoires.codesign.models import Method, Workshop, WorkshopRegistration
from tests.factories import make_project
from tests.plans.helpers import adopt, make_plan

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(django_capture_on_commit_callbacks):
    ns = make_project()
    plan, territory, *_rest = make_plan(ns, 0)
    with django_capture_on_commit_callbacks(execute=True):
        adopt(plan, ns.referents[0])
    ns.plan, ns.territory = plan, territory
    ns.feedback_url = reverse("plans:feedback", args=[ns.project.slug, ns.towns[0].slug])
    ns.schedule_url = reverse("plans:restitution_schedule", args=[ns.project.slug, ns.towns[0].slug])
    return ns


def _data(**changes):
    starts = (timezone.localtime() + datetime.timedelta(days=20)).replace(hour=18, minute=30, second=0, microsecond=0)
    data = {
        "title": "Réunion de restitution du plan",
        "description": "Le maire et l'équipe présentent le plan adopté.",
        "starts_at": starts.strftime("%Y-%m-%dT%H:%M"),
        "ends_at": (starts + datetime.timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M"),
        "place_details": "Salle des fêtes",
        "capacity": "2",
        "submission_key": "3a9f5c7e-1111-4222-8333-444455556666",
    }
    data.update(changes)
    return data


def test_the_team_schedules_it_residents_see_it_and_register_without_an_account(
    client, world, django_capture_on_commit_callbacks
):
    client.force_login(world.referents[0])
    page = client.get(world.feedback_url).content.decode()
    assert "Programmer une réunion de restitution" in page
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(world.schedule_url, _data())
    assert response.status_code == 302
    # The same form sent again is stored once.
    client.post(world.schedule_url, _data())
    workshop = Workshop.objects.get()
    assert workshop.method == Method.RESTITUTION and workshop.is_published
    assert workshop.plan.territory_id == world.territory.pk
    client.logout()
    public = client.get(world.feedback_url).content.decode()
    assert "Prochaine réunion de restitution" in public and "Salle des fêtes" in public
    assert workshop.get_absolute_url() in public
    assert "Programmer une réunion" not in public
    # A resident registers on the workshop's page, as for any workshop: seats, then the waiting list.
    for name in ("Awa", "Bruno", "Chloe"):
        client.post(
            workshop.get_absolute_url(), {"name": name, "email": f"{name.lower()}@example.org", "consent": "on"}
        )
    statuses = list(WorkshopRegistration.objects.order_by("pk").values_list("status", flat=True))
    assert statuses == ["confirmed", "confirmed", "waiting"]
    client.force_login(world.referents[0])
    poster = client.get(reverse("plans:feedback_poster", args=[world.project.slug, world.towns[0].slug]))
    assert poster.status_code == 200 and poster.content.startswith(b"%PDF")


def test_a_meeting_in_the_past_or_of_a_plan_not_adopted_is_refused_and_nothing_is_stored(client, world):
    client.force_login(world.referents[0])
    yesterday = (timezone.localtime() - datetime.timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")
    refused = client.post(world.schedule_url, _data(starts_at=yesterday, ends_at=""))
    assert refused.status_code == 400 and "dans le futur" in refused.content.decode()
    refused = client.post(world.schedule_url, _data(capacity="0"))
    assert refused.status_code == 400
    refused = client.post(world.schedule_url, _data(place_details=""))
    assert refused.status_code == 400 and "Indiquez le lieu" in refused.content.decode()
    assert not Workshop.objects.exists()
    other_plan, *_rest = make_plan(world, 1)
    client.force_login(world.referents[1])
    url = reverse("plans:restitution_schedule", args=[world.project.slug, world.towns[1].slug])
    refused = client.post(url, _data())
    assert refused.status_code == 400 and "abord adopter le plan" in refused.content.decode()
    assert not Workshop.objects.exists()


def test_only_the_territorys_team_schedules_it(client, world):
    assert client.post(world.schedule_url, _data()).status_code == 302  # to the sign-in page
    client.force_login(world.referents[1])
    assert client.post(world.schedule_url, _data()).status_code == 403
    assert "Programmer une réunion" not in client.get(world.feedback_url).content.decode()
    assert not Workshop.objects.exists()


def test_a_past_meeting_is_no_longer_announced(client, world):
    from territoires.codesign.services import plan_for

    Workshop.objects.create(
        plan=plan_for(territory=world.territory),
        method=Method.RESTITUTION,
        title="Ancienne réunion",
        starts_at=timezone.now() - datetime.timedelta(days=2),
        place_details="Mairie",
        capacity=10,
        status=Workshop.Status.PUBLISHED,
    )
    assert "Prochaine réunion de restitution" not in client.get(world.feedback_url).content.decode()


def test_the_co_design_plan_does_not_offer_restitution_as_a_method():
    from territoires.codesign.forms import PlanForm

    assert Method.RESTITUTION not in dict(PlanForm.base_fields["methods"].choices)


def test_without_an_upcoming_meeting_the_page_says_so(client, world):
    assert "Aucune réunion de restitution n'est annoncée" in client.get(world.feedback_url).content.decode()


def test_every_upcoming_meeting_is_listed_soonest_first(client, world):
    from territoires.codesign.services import plan_for

    plan = plan_for(territory=world.territory)
    now = timezone.now()
    for title, days in (("Réunion quartier sud", 30), ("Réunion passée", -2), ("Réunion centre-ville", 9)):
        Workshop.objects.create(
            plan=plan, method=Method.RESTITUTION, title=title, starts_at=now + datetime.timedelta(days=days),
            place_details="Mairie", capacity=10, status=Workshop.Status.PUBLISHED,
        )  # fmt: skip
    Workshop.objects.create(
        plan=plan, method=Method.RESTITUTION, title="Réunion en préparation", place_details="Mairie", capacity=10,
        starts_at=now + datetime.timedelta(days=5),
    )  # fmt: skip
    page = client.get(world.feedback_url).content.decode()
    assert "Prochaines réunions de restitution (2)" in page and "n'est annoncée" not in page
    assert page.index("Réunion centre-ville") < page.index("Réunion quartier sud")
    assert "Réunion passée" not in page and "Réunion en préparation" not in page
    assert page.count("Voir la réunion et s'inscrire") == 2
