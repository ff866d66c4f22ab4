"""The steering committee: seats matching memberships, decisions followed up, meetings with an
invitation, an iCalendar file and a minutes file, everything in the journal."""

import datetime
import html

import icalendar
import pytest
from django.contrib.auth.models import AnonymousUser
from django.core import mail
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from territoires.accounts.models import Membership, User
from territoires.core.models import AuditEvent
from territoires.notifications.models import Notification
from territoires.projects import services
from territoires.projects.models import CommitteeMember, Decision, Meeting, MeetingInvitation
from tests.factories import MembershipFactory, make_project, pdf_bytes

pytestmark = pytest.mark.django_db
Action = AuditEvent.Action


@pytest.fixture
def world():
    world = make_project(participants=3, observers=1)
    world.committee = world.project.committee
    return world


def seat(world, who, org, kind, *, user=None):
    return services.committee_member_add(
        committee=world.committee, person=who, organisation=org, kind=kind, user=user or world.facilitator
    )


def meeting(world, *, starts_at=None, **fields):
    return services.meeting_save(
        meeting=Meeting(
            committee=world.committee,
            title=fields.pop("title", "COPIL n° 2"),
            starts_at=starts_at or timezone.now() + datetime.timedelta(days=10),
            place="Niort, salle du conseil",
            agenda="Point d'étape des diagnostics",
            **fields,
        ),
        user=world.facilitator,
    )


# Seats and memberships ---------------------------------------------------------------------------

# (who, for which organisation, quality) → None if accepted, else (field, words of the message)
SEAT_GRID = [
    ("referent", "town", "cultural_lead", None),
    ("agent", "town", "cultural_lead", None),
    ("elected", "town", "elected", None),
    ("facilitator", "agency", "agency", None),
    ("consultant", "consultancy", "consultant", None),
    ("agent", "town", "elected", ("kind", "est « Agent » à")),
    ("referent", "town", "elected", ("kind", "pas élu·e")),
    ("elected", "town", "cultural_lead", ("kind", "revient au ou à la référent·e ou à un agent")),
    ("facilitator", "agency", "elected", ("kind", "n'en est pas une")),
    ("consultant", "consultancy", "agency", ("kind", "l'organisation qui anime le projet")),
    ("referent", "town", "consultant", ("kind", "prestataire du projet")),
    ("referent", "other_town", "cultural_lead", ("organisation", "n'appartient pas à")),
    ("observer", "observer_town", "cultural_lead", ("kind", "n'en est pas une")),
]


def _people(world):
    return {
        "referent": world.referents[0],
        "agent": world.agents[0],
        "elected": world.electeds[0],
        "facilitator": world.facilitator,
        "consultant": world.consultant,
        "observer": world.observers[0],
    }


def _orgs(world):
    return {
        "town": world.towns[0],
        "other_town": world.towns[1],
        "agency": world.agency,
        "consultancy": world.consultancy,
        "observer_town": world.observer_towns[0],
    }


@pytest.mark.parametrize(("who", "org", "kind", "refusal"), SEAT_GRID, ids=[f"{w}-{o}-{k}" for w, o, k, _ in SEAT_GRID])
def test_a_seat_must_match_the_persons_membership(world, who, org, kind, refusal):
    person, organisation = _people(world)[who], _orgs(world)[org]
    if refusal is None:
        member = seat(world, person, organisation, kind)
        assert member.kind == kind
        assert AuditEvent.objects.filter(action=Action.COMMITTEE_MEMBER_ADDED, target_id=member.pk).exists()
        return
    field, words = refusal
    with pytest.raises(ValidationError) as error:
        seat(world, person, organisation, kind)
    assert words in error.value.message_dict[field][0]
    assert not CommitteeMember.objects.exists()
    assert not AuditEvent.objects.filter(action=Action.COMMITTEE_MEMBER_ADDED).exists()


def test_the_form_refuses_an_agent_as_an_elected_official_in_french(client, world):
    client.force_login(world.facilitator)
    url = reverse("projects:committee_detail", args=[world.project.slug])
    response = client.post(
        url, {"action": "add", "user": world.agents[0].pk, "organisation": world.towns[0].pk, "kind": "elected"}
    )
    assert response.status_code == 400
    assert "pas élu·e" in response.content.decode()
    assert not CommitteeMember.objects.exists()
    ok = client.post(
        url, {"action": "add", "user": world.electeds[0].pk, "organisation": world.towns[0].pk, "kind": "elected"}
    )
    assert ok.status_code == 302
    assert CommitteeMember.objects.get().user == world.electeds[0]


def test_a_member_who_leaves_stays_among_those_present_at_past_meetings_and_may_come_back(client, world):
    member = seat(world, world.referents[0], world.towns[0], "cultural_lead")
    past = meeting(world, starts_at=timezone.now() - datetime.timedelta(days=30))
    past.attendees.add(member)
    services.committee_member_remove(member=member, user=world.facilitator)
    assert AuditEvent.objects.filter(action=Action.COMMITTEE_MEMBER_REMOVED, target_id=member.pk).exists()
    assert list(past.attendees.all()) == [member]
    assert not world.committee.members.current().exists()
    with pytest.raises(ValidationError):
        services.committee_member_remove(member=member, user=world.facilitator)
    again = seat(world, world.referents[0], world.towns[0], "cultural_lead")
    assert again.pk == member.pk and again.left_at is None
    with pytest.raises(ValidationError) as error:
        seat(world, world.referents[0], world.towns[0], "cultural_lead")
    assert "siège déjà" in error.value.message_dict["user"][0]


# Decisions ---------------------------------------------------------------------------------------


@pytest.fixture
def decided(world):
    world.owner_member = seat(world, world.referents[0], world.towns[0], "cultural_lead")
    world.other_member = seat(world, world.referents[1], world.towns[1], "cultural_lead")
    world.meeting = meeting(world)
    world.decision = services.decision_record(
        meeting=world.meeting,
        text="Organiser une rencontre entre pairs en mars 2022",
        owner=world.referents[0],
        due_on=datetime.date(2022, 3, 31),
        user=world.facilitator,
    )
    return world


# role → (may read the decisions, record one, edit its text/owner/due date, change its status)
DECISION_GRID = {
    "visitor": (False, False, False, False),
    "observer": (False, False, False, False),
    "agent": (True, False, False, False),  # an agent of a participating town, not on the committee
    "other_member": (True, False, False, False),  # a committee member not in charge
    "owner": (True, False, False, True),  # the member in charge of the decision
    "consultant": (True, False, False, False),
    "facilitator": (True, True, True, True),
}


def _decision_user(world, role):
    return {
        "visitor": None,
        "observer": world.observers[0],
        "agent": world.agents[0],
        "other_member": world.referents[1],
        "owner": world.referents[0],
        "consultant": world.consultant,
        "facilitator": world.facilitator,
    }[role]


@pytest.mark.parametrize("role", list(DECISION_GRID))
def test_who_may_record_edit_and_follow_decisions(client, decided, role):
    world = decided
    may_read, may_record, may_edit, may_follow = DECISION_GRID[role]
    user = _decision_user(world, role)
    account = AnonymousUser() if user is None else User.objects.get(pk=user.pk)
    assert account.has_perm("projects.view_committee", world.project) is may_read
    assert account.has_perm("projects.manage_committee", world.project) is may_record
    assert account.has_perm("projects.change_decision", world.decision) is may_edit
    assert account.has_perm("projects.follow_decision", world.decision) is may_follow
    if user is not None:
        client.force_login(user)
    slug = world.project.slug

    listing = client.get(reverse("projects:decision_list", args=[slug]))
    assert (listing.status_code == 200) is may_read
    if may_read:
        assert "Organiser une rencontre entre pairs" in listing.content.decode()

    client.post(world.meeting.get_absolute_url(), {"text": "Décision ajoutée", "status": "todo"})
    assert Decision.objects.filter(text="Décision ajoutée").exists() is may_record

    edit_url = reverse("projects:decision_edit", args=[slug, world.decision.pk])
    response = client.post(edit_url, {"text": "Texte réécrit", "status": "in_progress", "owner": "", "due_on": ""})
    assert response.status_code != 500
    world.decision.refresh_from_db()
    assert (world.decision.status == "in_progress") is may_follow
    # The member in charge changes the status only: the text and the owner stay.
    assert (world.decision.text == "Texte réécrit") is may_edit
    assert (world.decision.owner_id is None) is may_edit


def test_a_decision_is_followed_from_to_do_to_done_and_each_step_is_in_the_journal(client, decided):
    world = decided
    client.force_login(world.referents[0])
    url = reverse("projects:decision_edit", args=[world.project.slug, world.decision.pk])
    assert "Vous en êtes responsable" in client.get(url).content.decode()
    for status in ("in_progress", "done"):
        assert client.post(url, {"status": status}).status_code == 302
    world.decision.refresh_from_db()
    assert world.decision.status == Decision.Status.DONE and world.decision.status_changed_at is not None
    changes = AuditEvent.objects.filter(action=Action.DECISION_CHANGED, target_id=world.decision.pk)
    assert [event.details["status"] for event in changes.order_by("id")] == ["in_progress", "done"]
    assert changes.first().actor == world.referents[0]
    # A status that is not one of the four is refused in French, and nothing changes.
    response = client.post(url, {"status": "finished"})
    assert response.status_code == 400 and "Sélectionnez un choix valide" in response.content.decode()
    world.decision.refresh_from_db()
    assert world.decision.status == Decision.Status.DONE


def test_the_person_in_charge_sits_on_the_committee(decided):
    world = decided
    with pytest.raises(ValidationError) as error:
        services.decision_update(decision=world.decision, owner=world.agents[0], user=world.facilitator)
    assert "membre du comité" in error.value.message_dict["owner"][0]
    with pytest.raises(ValidationError):
        services.decision_record(meeting=world.meeting, text="X", owner=world.agents[0], user=world.facilitator)


def test_the_decision_list_shows_open_ones_first_and_flags_overdue_ones(client, decided):
    world = decided  # the peer meeting decision is due 31 March 2022: overdue today
    done = services.decision_record(meeting=world.meeting, text="Calendrier adopté", user=world.facilitator)
    services.decision_update(decision=done, status="done", user=world.facilitator)
    later = services.decision_record(
        meeting=world.meeting,
        text="Restituer le diagnostic",
        due_on=timezone.localdate() + datetime.timedelta(days=30),
        user=world.facilitator,
    )
    client.force_login(world.referents[1])
    url = reverse("projects:decision_list", args=[world.project.slug])
    page = client.get(url).content.decode()
    assert "Organiser une rencontre" in page and "Restituer le diagnostic" in page
    assert "Calendrier adopté" not in page  # done: not open
    assert "1 décision est en retard" in page and "En retard" in page
    overdue = client.get(url, {"status": "open", "overdue": "on"}).content.decode()
    assert "Organiser une rencontre" in overdue and "Restituer le diagnostic" not in overdue
    done_page = client.get(url, {"status": "done"}).content.decode()
    assert "Calendrier adopté" in done_page and "Organiser une rencontre" not in done_page
    mine = client.get(url, {"status": "all", "owner": world.referents[0].pk}).content.decode()
    assert "Organiser une rencontre" in mine and "Restituer le diagnostic" not in mine
    assert later.is_overdue() is False and world.decision.is_overdue() is True
    # The person in charge finds the way to update it from the list.
    edit_url = reverse("projects:decision_edit", args=[world.project.slug, world.decision.pk])
    assert edit_url not in page  # referent 1 is not in charge of it
    client.force_login(world.referents[0])
    assert edit_url in client.get(url).content.decode()


def test_decisions_without_a_due_date_come_after_those_with_one(client, decided):
    world = decided
    services.decision_record(meeting=world.meeting, text="Sans échéance fixée", user=world.facilitator)
    services.decision_record(
        meeting=world.meeting,
        text="Échéance lointaine",
        due_on=timezone.localdate() + datetime.timedelta(days=300),
        user=world.facilitator,
    )
    client.force_login(world.facilitator)
    page = client.get(reverse("projects:decision_list", args=[world.project.slug])).content.decode()
    positions = [page.index(text) for text in ("Organiser une rencontre", "Échéance lointaine", "Sans échéance fixée")]
    assert positions == sorted(positions)


# Meetings: invitation, iCalendar, minutes ---------------------------------------------------------


def test_each_member_is_invited_once_by_e_mail(world, django_capture_on_commit_callbacks):
    members = [
        seat(world, world.facilitator, world.agency, "agency"),
        seat(world, world.referents[0], world.towns[0], "cultural_lead"),
        seat(world, world.electeds[1], world.towns[1], "elected"),
    ]
    copil = meeting(world)
    with django_capture_on_commit_callbacks(execute=True):
        invited = services.meeting_invite(meeting=copil, user=world.facilitator)
    assert sorted(invited) == sorted(member.user_id for member in members)
    assert sorted(message.to[0] for message in mail.outbox) == sorted(m.user.email for m in members)
    assert all("COPIL n° 2" in message.body and copil.get_absolute_url() in message.body for message in mail.outbox)

    # Sent again (double click, second press): nobody gets it twice.
    with django_capture_on_commit_callbacks(execute=True):
        assert services.meeting_invite(meeting=copil, user=world.facilitator) == []
    assert len(mail.outbox) == 3
    # A member who joins later gets theirs, and only them.
    newcomer = seat(world, world.consultant, world.consultancy, "consultant")
    with django_capture_on_commit_callbacks(execute=True):
        assert services.meeting_invite(meeting=copil, user=world.facilitator) == [newcomer.user_id]
    assert [message.to[0] for message in mail.outbox[3:]] == [world.consultant.email]
    assert MeetingInvitation.objects.filter(meeting=copil).count() == 4
    assert Notification.objects.filter(verb="meeting_invitation").count() == 4
    assert AuditEvent.objects.filter(action=Action.MEETING_INVITATIONS_SENT, target_id=copil.pk).count() == 2


def test_a_meeting_created_with_the_invitation_box_ticked_sends_it_after_commit(
    client, world, django_capture_on_commit_callbacks
):
    seat(world, world.referents[0], world.towns[0], "cultural_lead")
    client.force_login(world.facilitator)
    data = {
        "title": "COPIL de lancement",
        "starts_at": "2030-10-05T14:00",
        "place": "Paris",
        "agenda": "Calendrier",
        "invite": "on",
    }
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("projects:meeting_create", args=[world.project.slug]), data)
    assert response.status_code == 302
    assert [message.to[0] for message in mail.outbox] == [world.referents[0].email]
    copil = Meeting.objects.get(title="COPIL de lancement")
    assert AuditEvent.objects.filter(action=Action.MEETING_SCHEDULED, target_id=copil.pk).exists()
    # The page's button sends nothing more.
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("projects:meeting_invitations", args=[world.project.slug, copil.pk]))
    assert len(mail.outbox) == 1


def test_the_icalendar_file_has_the_meeting(client, world):
    starts_at = datetime.datetime(2022, 3, 10, 14, 0, tzinfo=datetime.UTC)
    copil = meeting(world, starts_at=starts_at, title="COPIL de mi-parcours", video_link="https://visio.example/x")
    client.force_login(world.referents[0])
    response = client.get(reverse("projects:meeting_ical", args=[world.project.slug, copil.pk]))
    assert response.status_code == 200 and response["Content-Type"].startswith("text/calendar")
    calendar = icalendar.Calendar.from_ical(response.content)
    events = calendar.walk("VEVENT")
    assert len(events) == 1
    event = events[0]
    assert str(event["summary"]).startswith("COPIL de mi-parcours")
    assert event.decoded("dtstart") == starts_at
    assert str(event["location"]) == "Niort, salle du conseil"
    assert str(event["uid"]).startswith(f"committee-meeting-{copil.pk}@")
    assert "visio.example" not in response.content.decode()  # the link stays on the page
    client.force_login(world.observers[0])
    assert client.get(reverse("projects:meeting_ical", args=[world.project.slug, copil.pk])).status_code == 403


def test_the_minutes_file_is_checked_by_its_content(client, world, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    copil = meeting(world)
    client.force_login(world.facilitator)
    url = reverse("projects:meeting_edit", args=[world.project.slug, copil.pk])
    data = {"title": copil.title, "starts_at": "2030-01-18T10:00", "place": copil.place, "agenda": copil.agenda}
    fake = SimpleUploadedFile("compte-rendu.pdf", b"PK\x03\x04 un document Word", content_type="application/pdf")
    response = client.post(url, {**data, "minutes_file": fake})
    assert response.status_code == 400
    assert "pas un PDF (son contenu ne correspond pas au format PDF)" in response.content.decode()
    copil.refresh_from_db()
    assert not copil.minutes_document
    assert not [path for path in tmp_path.rglob("*") if path.is_file()]

    real = SimpleUploadedFile("compte-rendu.pdf", pdf_bytes(), content_type="application/pdf")
    assert client.post(url, {**data, "minutes_file": real}).status_code == 302
    copil.refresh_from_db()
    assert copil.minutes_document
    event = AuditEvent.objects.filter(action=Action.MEETING_CHANGED, target_id=copil.pk).latest("id")
    assert "compte rendu signé (PDF)" in event.details["changes"]
    document_url = reverse("projects:meeting_minutes_document", args=[world.project.slug, copil.pk])
    client.force_login(world.agents[1])
    assert b"".join(client.get(document_url).streaming_content) == pdf_bytes()
    client.force_login(world.observers[0])
    assert client.get(document_url).status_code == 403


def test_meetings_and_decisions_reach_the_journal_in_words(client, world):
    seat(world, world.electeds[0], world.towns[0], "elected")
    copil = meeting(world)
    decision = services.decision_record(
        meeting=copil, text="Valider le calendrier", due_on=datetime.date(2022, 3, 31), user=world.facilitator
    )
    services.decision_update(decision=decision, status="abandoned", user=world.facilitator)
    copil.place = "Bourges"
    services.meeting_save(meeting=copil, user=world.facilitator)
    client.force_login(world.facilitator)
    page = client.get(reverse("projects:project_audit_log", args=[world.project.slug])).content.decode()
    for words in (
        "Membre ajouté au comité de pilotage",
        "qualité : Élu·e",
        "Réunion du comité programmée",
        "Décision du comité enregistrée",
        "échéance : 31 mars 2022",
        "statut : À faire",
        "statut : Abandonnée",
        "Réunion du comité modifiée",
        "modifié : lieu",
    ):
        assert words in page, words
    for code in ("elected", "abandoned", ": todo", "2022-03-31"):
        assert code not in page.split("<tbody>")[1], code


def test_membership_of_a_new_elected_official_is_needed_before_they_sit(world):
    """An elected official's seat follows their membership: once they are elected of the town, they sit."""
    person = MembershipFactory(organisation=world.towns[2], role=Membership.Role.AGENT).user
    with pytest.raises(ValidationError):
        seat(world, person, world.towns[2], "elected")
    Membership.objects.filter(user=person).update(role=Membership.Role.ELECTED)
    assert seat(world, person, world.towns[2], "elected").kind == "elected"


def test_a_decision_sent_twice_is_recorded_once(client, decided):
    world = decided
    client.force_login(world.facilitator)
    data = {
        "text": "Publier le compte rendu",
        "status": "todo",
        "submission_key": "6f1c1f5e-4a56-4d83-9a0e-0c7c3d1d2b11",
    }
    for _ in range(2):
        assert client.post(world.meeting.get_absolute_url(), data).status_code == 302
    assert Decision.objects.filter(text="Publier le compte rendu").count() == 1


def test_a_past_meeting_invites_nobody(world, django_capture_on_commit_callbacks):
    seat(world, world.referents[0], world.towns[0], "cultural_lead")
    past = meeting(world, starts_at=timezone.now() - datetime.timedelta(days=3))
    with pytest.raises(ValidationError) as error:
        services.meeting_invite(meeting=past, user=world.facilitator)
    assert "déjà eu lieu" in error.value.messages[0]
    with django_capture_on_commit_callbacks(execute=True):
        services.meeting_save(meeting=past, invite=True, user=world.facilitator)
    assert not mail.outbox and not MeetingInvitation.objects.exists()


def test_the_admin_seats_people_under_the_same_rule(world):
    from territoires.projects.admin import CommitteeMemberAdminForm

    form_class = type("Form", (CommitteeMemberAdminForm,), {"parent_committee": world.committee})
    refused = form_class({"user": world.agents[0].pk, "organisation": world.towns[0].pk, "kind": "elected"})
    assert not refused.is_valid() and "pas élu·e" in refused.errors["kind"][0]
    accepted = form_class({"user": world.electeds[0].pk, "organisation": world.towns[0].pk, "kind": "elected"})
    assert accepted.is_valid(), accepted.errors


def test_decision_pages_keep_a_fixed_number_of_queries(client, decided):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    world = decided
    client.force_login(world.referents[0])
    urls = [world.meeting.get_absolute_url(), reverse("projects:decision_list", args=[world.project.slug])]

    def counts():
        result = []
        for url in urls:
            client.get(url)  # per-request caches warm (project page, memberships)
            with CaptureQueriesContext(connection) as queries:
                assert client.get(url).status_code == 200
            result.append(len(queries))
        return result

    before = counts()
    for index in range(5):
        services.decision_record(
            meeting=world.meeting,
            text=f"Décision {index}",
            owner=world.referents[index % 2],
            due_on=datetime.date(2022, 1, 1),
            user=world.facilitator,
        )
    assert counts() == before


def test_the_add_a_member_list_names_each_person_s_organisation_and_role(client, world):
    client.force_login(world.facilitator)
    page = html.unescape(client.get(reverse("projects:committee_detail", args=[world.project.slug])).content.decode())
    town = world.towns[0]
    elected = world.electeds[0]
    assert f"{elected} — {town.name} (Élu·e)" in page
    assert f"{world.agents[0]} — {town.name} (" in page
