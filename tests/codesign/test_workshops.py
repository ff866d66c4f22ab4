"""Workshops: public registration without an account, waiting list (the peer events' rules, shared
in core/seats.py), closing, cancellation, attendance, the sign-in sheet and iCalendar."""

import datetime
import io

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from territoires.codesign import services
from territoires.codesign.models import Workshop, WorkshopRegistration
from tests.codesign.world import build_world

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    return build_world()


def register(workshop, name, email, **kwargs):
    return services.workshop_register(workshop=workshop, name=name, email=email, **kwargs)


def test_seats_then_waiting_list_then_promotion_on_cancel(world, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        first = register(world.workshop, "Awa Diallo", "awa@example.org", needs=["wheelchair", "unknown"])
        second = register(world.workshop, "Bruno Petit", "bruno@example.org")
        third = register(world.workshop, "Chloé Martin", "chloe@example.org")
    assert [first.status, second.status, third.status] == ["confirmed", "confirmed", "waiting"]
    assert first.needs == ["wheelchair"]
    assert services.waiting_position(third) == 1
    with django_capture_on_commit_callbacks(execute=True):
        promoted = services.registration_cancel(registration=first)
    assert [r.pk for r in promoted] == [third.pk]
    assert WorkshopRegistration.objects.get(pk=third.pk).status == "confirmed"
    subjects = [message.subject for message in mail.outbox]
    assert any("Une place s'est libérée" in subject for subject in subjects)
    assert any("Liste d'attente" in subject for subject in subjects)


def test_registering_twice_is_refused_whatever_the_case_and_changes_nothing(world):
    register(world.workshop, "Awa Diallo", "awa@example.org")
    with pytest.raises(ValidationError, match="déjà inscrite"):
        register(world.workshop, "Awa D.", "AWA@Example.org")
    assert world.workshop.registrations.count() == 1


def test_registration_closed_after_the_closing_date_or_for_a_draft(world):
    Workshop.objects.filter(pk=world.workshop.pk).update(
        registration_closes_at=timezone.now() - datetime.timedelta(minutes=1)
    )
    with pytest.raises(ValidationError, match="closes"):
        register(Workshop.objects.get(pk=world.workshop.pk), "Awa", "awa@example.org")
    Workshop.objects.filter(pk=world.workshop.pk).update(registration_closes_at=None, status="draft")
    with pytest.raises(ValidationError, match="closes"):
        register(Workshop.objects.get(pk=world.workshop.pk), "Awa", "awa@example.org")
    assert not WorkshopRegistration.objects.exists()


def test_more_seats_go_to_the_waiting_list(world):
    for index in range(3):
        register(world.workshop, f"Personne {index}", f"p{index}@example.org")
    workshop = Workshop.objects.get(pk=world.workshop.pk)
    workshop.capacity = 3
    services.workshop_save(workshop=workshop, user=world.referents[0], publish=True)
    assert workshop.registrations.filter(status="waiting").count() == 0


def test_capacity_below_registrations_and_a_place_of_another_town_are_refused(world):
    register(world.workshop, "Awa", "awa@example.org")
    register(world.workshop, "Bruno", "bruno@example.org")
    workshop = Workshop.objects.get(pk=world.workshop.pk)
    workshop.capacity = 1
    with pytest.raises(ValidationError) as refused:
        services.workshop_save(workshop=workshop, user=world.referents[0], publish=True)
    assert "capacity" in refused.value.message_dict
    from territoires.diagnostic import services as directory

    elsewhere = directory.entry_create(
        territory=world.y, kind="place", user=world.referents[1], data={"name": "Ailleurs", "basilic_type": "musee"}
    )
    other = Workshop(
        plan=world.plan,
        title="X",
        method="thematic",
        starts_at=timezone.now() + datetime.timedelta(days=3),
        place=elsewhere,
        capacity=10,
    )
    with pytest.raises(ValidationError) as refused:
        services.workshop_save(workshop=other, user=world.referents[0], publish=True)
    assert "place" in refused.value.message_dict


def test_public_page_registers_without_account_and_a_replay_is_stored_once(client, world):
    url = world.workshop.get_absolute_url()
    page = client.get(url)
    assert page.status_code == 200
    key = page.context["form"].initial["submission_key"]
    data = {
        "name": "Awa Diallo",
        "email": "awa@example.org",
        "needs": ["sign_language"],
        "consent": "on",
        "submission_key": key,
    }
    first = client.post(url, data)
    assert first.status_code == 302
    again = client.post(url, data)
    assert again.status_code == 302 and again["Location"] == first["Location"]
    assert WorkshopRegistration.objects.count() == 1
    manage = client.get(first["Location"])
    assert "Votre place est réservée" in manage.content.decode()
    # Without consent, or with a bad address: a 400 with the messages, nothing stored.
    refused = client.post(url, {"name": "Bruno", "email": "pas-une-adresse"})
    assert refused.status_code == 400
    assert WorkshopRegistration.objects.count() == 1


def test_over_capacity_and_closed_over_http_say_so(client, world):
    url = world.workshop.get_absolute_url()
    for index in range(2):
        register(world.workshop, f"P{index}", f"p{index}@example.org")
    page = client.get(url).content.decode()
    assert "liste d'attente" in page
    Workshop.objects.filter(pk=world.workshop.pk).update(
        registration_closes_at=timezone.now() - datetime.timedelta(minutes=1)
    )
    response = client.post(url, {"name": "Tard", "email": "tard@example.org", "consent": "on"})
    assert response.status_code == 400
    assert "closes" in response.content.decode()
    assert WorkshopRegistration.objects.count() == 2


def test_attendance_sign_in_sheet_and_ical(client, world):
    awa = register(world.workshop, "Awa Diallo", "awa@example.org")
    register(world.workshop, "Bruno Petit", "bruno@example.org")
    client.force_login(world.referents[0])
    url = reverse("codesign:workshop_registrations", args=[world.workshop.public_token])
    assert "Awa Diallo" in client.get(url).content.decode()
    client.post(url, {"present": [str(awa.pk), "abc", "99999999999999999999"]})
    assert list(WorkshopRegistration.objects.filter(attended=True)) == [awa]
    pdf = client.get(reverse("codesign:workshop_sign_in_sheet", args=[world.workshop.public_token]))
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    import io

    from pypdf import PdfReader

    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf.content)).pages)
    assert "Awa Diallo" in text and "Bruno Petit" in text
    ics = client.get(reverse("codesign:workshop_ics", args=[world.workshop.public_token]))
    assert b"BEGIN:VEVENT" in ics.content and b"Assises de la culture" in ics.content
    assert "Médiathèque des Pierres" in ics.content.decode()


def test_cancelling_a_workshop_tells_everyone_registered(client, world, django_capture_on_commit_callbacks):
    register(world.workshop, "Awa Diallo", "awa@example.org")
    register(world.workshop, "Bruno Petit", "bruno@example.org")
    register(world.workshop, "Chloé Martin", "chloe@example.org")  # waiting
    url = reverse("codesign:workshop_cancel", args=[world.workshop.public_token])
    client.force_login(world.observers[0])
    assert client.post(url, {"reason": "Pirate"}).status_code == 403
    client.force_login(world.referents[0])
    assert "3 personnes inscrites ou en attente" in client.get(url).content.decode()
    assert client.post(url, {"reason": "  "}).status_code == 400
    assert Workshop.objects.get(pk=world.workshop.pk).status == "published"
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(url, {"reason": "La salle est inondée ; une nouvelle date suivra."}).status_code == 302
    workshop = Workshop.objects.get(pk=world.workshop.pk)
    assert workshop.status == "cancelled"
    assert sorted(message.to[0] for message in mail.outbox) == [
        "awa@example.org",
        "bruno@example.org",
        "chloe@example.org",
    ]
    assert all("La salle est inondée" in message.body for message in mail.outbox)
    page = client.get(workshop.get_absolute_url()).content.decode()
    assert "Atelier annulé" in page and "Cet atelier est annulé" in page
    with pytest.raises(ValidationError, match="closes"):
        register(workshop, "Tard", "tard@example.org")
    assert b"STATUS:CANCELLED" in client.get(reverse("codesign:workshop_ics", args=[workshop.public_token])).content
    assert client.post(url, {"reason": "Encore"}).status_code == 400


def test_reminders_go_once_to_seated_people_48_hours_ahead(world, django_capture_on_commit_callbacks):
    from django.core.management import call_command

    seated = register(world.workshop, "Awa Diallo", "awa@example.org")
    register(world.workshop, "Bruno Petit", "bruno@example.org")
    register(world.workshop, "Chloé Martin", "chloe@example.org")  # waiting: no reminder
    assert services.workshop_reminders_send() == 0  # ten days ahead: too early
    Workshop.objects.filter(pk=world.workshop.pk).update(starts_at=timezone.now() + datetime.timedelta(hours=30))
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("send_workshop_reminders", stdout=io.StringIO())
    assert sorted(message.to[0] for message in mail.outbox) == ["awa@example.org", "bruno@example.org"]
    assert all(message.subject.startswith("Rappel : Assises de la culture") for message in mail.outbox)
    assert WorkshopRegistration.objects.get(pk=seated.pk).reminded_at is not None
    assert services.workshop_reminders_send() == 0


def test_a_cancellation_reason_sent_with_a_nul_byte_is_stored_without_it(client, world):
    """Found by the fuzzer on PostgreSQL: a multipart form's NUL reached a text column (500)."""
    url = reverse("codesign:workshop_cancel", args=[world.workshop.public_token])
    client.force_login(world.referents[0])
    response = client.post(url, {"reason": "Salle\x00 indisponible"})  # multipart, as the page sends it
    assert response.status_code == 302
    assert Workshop.objects.get(pk=world.workshop.pk).notes == "Salle indisponible"
