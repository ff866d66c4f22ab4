"""Seats, waiting list and calendar files of peer events."""

import datetime
import threading

import icalendar
import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from territoires.notifications.models import Notification
from territoires.sharing import services
from territoires.sharing.models import PeerEvent, Registration
from tests.factories import UserFactory, make_project
from tests.sharing.world import event

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(db):
    return make_project(participants=4, observers=1)


def statuses(peer_event):
    return [
        (registration.user_id, registration.status)
        for registration in Registration.objects.filter(event=peer_event).order_by("created_at", "id")
    ]


def test_past_capacity_goes_to_the_waiting_list_in_arrival_order(world):
    peer_event = event(world, audience=PeerEvent.Audience.PUBLIC, capacity=2)
    people = UserFactory.create_batch(4)
    results = [services.event_register(event=peer_event, user=person).status for person in people]
    assert results == ["confirmed", "confirmed", "waiting", "waiting"]
    third = Registration.objects.get(event=peer_event, user=people[2])
    fourth = Registration.objects.get(event=peer_event, user=people[3])
    assert services.waiting_position(event=peer_event, registration=third) == 1
    assert services.waiting_position(event=peer_event, registration=fourth) == 2


def test_cancelling_a_seat_promotes_the_first_person_waiting_and_tells_them(world):
    peer_event = event(world, audience=PeerEvent.Audience.PUBLIC, capacity=1)
    first, second, third = UserFactory.create_batch(3)
    for person in (first, second, third):
        services.event_register(event=peer_event, user=person)
    promoted = services.event_unregister(event=peer_event, user=first)
    assert [registration.user_id for registration in promoted] == [second.pk]
    assert statuses(peer_event) == [(second.pk, "confirmed"), (third.pk, "waiting")]
    assert Notification.objects.filter(recipient=second, verb="event_seat_freed").exists()
    assert not Notification.objects.filter(recipient=third, verb="event_seat_freed").exists()


def test_leaving_the_waiting_list_promotes_nobody(world):
    peer_event = event(world, audience=PeerEvent.Audience.PUBLIC, capacity=1)
    first, second, third = UserFactory.create_batch(3)
    for person in (first, second, third):
        services.event_register(event=peer_event, user=person)
    assert services.event_unregister(event=peer_event, user=second) == []
    assert statuses(peer_event) == [(first.pk, "confirmed"), (third.pk, "waiting")]


def test_registering_twice_is_refused_with_a_message(world, client):
    peer_event = event(world, audience=PeerEvent.Audience.PUBLIC, capacity=5)
    person = UserFactory()
    services.event_register(event=peer_event, user=person)
    with pytest.raises(ValidationError, match="déjà inscrit"):
        services.event_register(event=peer_event, user=person)
    client.force_login(person)
    url = reverse("sharing:event_registration", args=[world.project.slug, peer_event.pk])
    response = client.post(url, {"action": "register"}, follow=True)
    assert "déjà inscrit" in response.content.decode()
    assert Registration.objects.filter(event=peer_event, user=person).count() == 1


def test_the_page_says_when_one_lands_on_the_waiting_list(world, client):
    peer_event = event(world, audience=PeerEvent.Audience.PUBLIC, capacity=1)
    services.event_register(event=peer_event, user=UserFactory())
    person = UserFactory()
    client.force_login(person)
    url = reverse("sharing:event_registration", args=[world.project.slug, peer_event.pk])
    page = client.post(url, {"action": "register"}, follow=True).content.decode()
    assert "liste d&#x27;attente (position 1)" in page or "liste d'attente (position 1)" in page
    assert Registration.objects.get(event=peer_event, user=person).status == "waiting"
    # Cancelling from the page frees the place on the list.
    client.post(url, {"action": "cancel"})
    assert not Registration.objects.filter(event=peer_event, user=person).exists()


def test_a_past_or_draft_event_takes_no_registration(world):
    peer_event = event(world, audience=PeerEvent.Audience.PUBLIC)
    PeerEvent.objects.filter(pk=peer_event.pk).update(starts_at=timezone.now() - datetime.timedelta(hours=1))
    peer_event.refresh_from_db()
    with pytest.raises(ValidationError, match="closes"):
        services.event_register(event=peer_event, user=UserFactory())
    draft = event(world, audience=PeerEvent.Audience.PUBLIC, publish=False)
    with pytest.raises(ValidationError, match="closes"):
        services.event_register(event=draft, user=UserFactory())


def test_raising_the_capacity_seats_the_waiting_list(world):
    peer_event = event(world, audience=PeerEvent.Audience.PUBLIC, capacity=1)
    people = UserFactory.create_batch(3)
    for person in people:
        services.event_register(event=peer_event, user=person)
    peer_event.capacity = 2
    services.event_save(event=peer_event, user=world.referents[0], publish=True)
    assert [status for _user, status in statuses(peer_event)] == ["confirmed", "confirmed", "waiting"]


def test_the_capacity_cannot_drop_below_the_seats_taken(world):
    peer_event = event(world, audience=PeerEvent.Audience.PUBLIC, capacity=3)
    for person in UserFactory.create_batch(2):
        services.event_register(event=peer_event, user=person)
    peer_event.capacity = 1
    with pytest.raises(ValidationError) as error:
        services.event_save(event=peer_event, user=world.referents[0], publish=True)
    assert "capacity" in error.value.message_dict
    assert PeerEvent.objects.get(pk=peer_event.pk).capacity == 3


@pytest.mark.django_db(transaction=True)
def test_concurrent_registrations_never_overbook():
    """Eight people ask for the last three seats at once: three seats, five on the waiting list."""
    if connection.vendor == "sqlite" and connection.settings_dict["NAME"].startswith(("file:memorydb", ":memory:")):
        pytest.skip("La base SQLite en mémoire des tests ne se partage pas entre fils ; vérifié sur PostgreSQL.")
    world = make_project(participants=3)
    peer_event = event(world, audience=PeerEvent.Audience.PUBLIC, capacity=3)
    people = UserFactory.create_batch(8)
    barrier = threading.Barrier(len(people))
    errors = []

    def register(person):
        try:
            barrier.wait()
            services.event_register(event=peer_event, user=person)
        except Exception as error:  # noqa: BLE001 - reported below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=register, args=(person,)) for person in people]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    counted = Registration.objects.filter(event=peer_event)
    assert counted.filter(status="confirmed").count() == 3
    assert counted.filter(status="waiting").count() == 5


def test_event_ics_parses_and_describes_the_event(world, client):
    peer_event = event(world, audience=PeerEvent.Audience.PUBLIC, title="Rencontre à Niort")
    response = client.get(reverse("sharing:event_ics", args=[world.project.slug, peer_event.pk]))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
    calendar = icalendar.Calendar.from_ical(response.content)
    events = list(calendar.walk("VEVENT"))
    assert len(events) == 1
    assert str(events[0]["summary"]) == "Rencontre à Niort"
    assert events[0].decoded("dtstart") == peer_event.starts_at
    assert str(events[0]["location"]) == "Médiathèque de Niort"
    # The video link stays on the page, for registered people.
    assert b"salle-secrete" not in response.content


def test_project_calendar_lists_only_what_the_visitor_may_see(world, client):
    event(world, audience=PeerEvent.Audience.PUBLIC, title="Rencontre publique")
    event(world, audience=PeerEvent.Audience.MEMBERS, title="Rencontre des membres")
    event(world, audience=PeerEvent.Audience.PUBLIC, title="Rencontre brouillon", publish=False)
    url = reverse("sharing:project_calendar", args=[world.project.slug])
    summaries = [str(e["summary"]) for e in icalendar.Calendar.from_ical(client.get(url).content).walk("VEVENT")]
    assert summaries == ["Rencontre publique"]
    client.force_login(world.referents[1])
    summaries = [str(e["summary"]) for e in icalendar.Calendar.from_ical(client.get(url).content).walk("VEVENT")]
    assert sorted(summaries) == ["Rencontre des membres", "Rencontre publique"]


def test_a_project_feed_keeps_its_past_events_the_platform_calendar_keeps_a_year(world, client):
    """A project's feed is its history (a project over for years still lists what it held); the
    platform's calendar keeps its one-year window."""
    old = event(world, audience=PeerEvent.Audience.PUBLIC, title="Rencontre de 2021")
    four_years = datetime.timedelta(days=4 * 365)  # an event is created ahead, then it is history
    PeerEvent.objects.filter(pk=old.pk).update(starts_at=old.starts_at - four_years, ends_at=old.ends_at - four_years)
    event(world, audience=PeerEvent.Audience.PUBLIC, title="Rencontre à venir")

    def summaries(url):
        return sorted(str(e["summary"]) for e in icalendar.Calendar.from_ical(client.get(url).content).walk("VEVENT"))

    project_feed = reverse("sharing:project_calendar", args=[world.project.slug])
    assert summaries(project_feed) == ["Rencontre de 2021", "Rencontre à venir"]
    from territoires.sharing.selectors import calendar_events

    assert [e.title for e in calendar_events(world.referents[0])] == ["Rencontre à venir"]


def form_data(**overrides):
    starts = timezone.localtime() + datetime.timedelta(days=5)
    data = {
        "kind": "practice_analysis",
        "title": "Analyse de pratiques n°2",
        "description": "Une séance",
        "starts_at": starts.strftime("%Y-%m-%dT%H:%M"),
        "ends_at": (starts + datetime.timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M"),
        "place": "Bourges",
        "video_url": "",
        "audience": "members",
        "capacity": "12",
        "action": "publish",
    }
    data.update(overrides)
    return data


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"starts_at": "2020-01-01T10:00"}, "starts_at"),
        ({"starts_at": "pas une date"}, "starts_at"),
        ({"starts_at": "9999-12-31T10:00", "ends_at": ""}, "starts_at"),
        ({"ends_at": "2020-01-01T10:00"}, "ends_at"),
        ({"capacity": "0"}, "capacity"),
        ({"capacity": "99999999999999999999"}, "capacity"),
        ({"place": "", "video_url": ""}, "place"),
        ({"video_url": "javascript:alert(1)", "place": ""}, "video_url"),
        ({"kind": "fête"}, "kind"),
        ({"audience": "tout-le-monde"}, "audience"),
        ({"title": "x" * 500}, "title"),
    ],
)
def test_bad_event_input_is_refused_and_nothing_is_saved(world, client, overrides, field):
    client.force_login(world.referents[0])
    response = client.post(reverse("sharing:event_create", args=[world.project.slug]), form_data(**overrides))
    assert response.status_code == 400
    assert field in response.context["form"].errors
    assert not PeerEvent.objects.exists()


def test_an_event_is_created_and_published_from_the_form(world, client):
    client.force_login(world.referents[0])
    response = client.post(reverse("sharing:event_create", args=[world.project.slug]), form_data())
    peer_event = PeerEvent.objects.get()
    assert response.status_code == 302 and response["Location"] == peer_event.get_absolute_url()
    assert peer_event.is_published and peer_event.organiser == world.referents[0]


def test_forged_event_ids_are_not_found(world, client):
    other = make_project(participants=3, title="Autre")
    foreign = event(other, audience=PeerEvent.Audience.PUBLIC)
    slug = world.project.slug
    for url in [
        f"/projets/{slug}/rencontres/{foreign.pk}/",
        f"/projets/{slug}/rencontres/99999999999999999999999/",
        f"/projets/{slug}/rencontres/0/rencontre.ics",
    ]:
        assert client.get(url).status_code == 404, url
    client.force_login(world.referents[0])
    response = client.post(f"/projets/{slug}/rencontres/{foreign.pk}/inscription/", {"action": "register"})
    assert response.status_code == 404
    assert not Registration.objects.exists()


def test_notes_are_added_after_the_event_without_touching_its_date(world, client):
    peer_event = event(world, audience=PeerEvent.Audience.MEMBERS)
    PeerEvent.objects.filter(pk=peer_event.pk).update(
        starts_at=timezone.now() - datetime.timedelta(days=2, seconds=17), ends_at=None
    )
    peer_event.refresh_from_db()
    client.force_login(world.referents[0])
    url = reverse("sharing:event_edit", args=[world.project.slug, peer_event.pk])
    form = client.get(url).context["form"]
    data = {name: form[name].value() or "" for name in form.fields if name != "resources"}
    data["starts_at"] = timezone.localtime(peer_event.starts_at).strftime("%Y-%m-%dT%H:%M")
    data.update(notes="## Ce que nous retenons\n\n- <script>alert(1)</script>Les marchés", action="publish")
    response = client.post(url, data)
    assert response.status_code == 302, response.context["form"].errors
    page = client.get(peer_event.get_absolute_url()).content.decode()
    assert "Ce que nous retenons</h3>" in page  # under the page's "Compte rendu" h2 and "<script>alert(1)" not in page


def test_event_lists_show_ones_own_registration(world, client):
    full = event(world, audience=PeerEvent.Audience.PUBLIC, capacity=1, title="Rencontre complète")
    services.event_register(event=full, user=UserFactory())
    person = UserFactory()
    services.event_register(event=full, user=person)
    client.force_login(person)
    for url in [reverse("sharing:event_list"), reverse("sharing:project_events", args=[world.project.slug])]:
        assert "Vous êtes en liste d'attente" in client.get(url).content.decode()
