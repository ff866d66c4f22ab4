"""Garbage sent to every form: a page or a redirect with a French message, nothing stored, never a 500.

Each case POSTs (or GETs) one kind of bad input as a user who is allowed to use the form, then checks
that the answer is a 200/400 page or a redirect carrying a French error message, and that no row of
the database changed. A resent form (same submission_key) is stored once.
"""

import datetime
import html
import uuid

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from territoires.accounts.models import Membership, Organisation, User
from territoires.core.idempotency import SubmissionKey
from territoires.core.models import AuditEvent
from territoires.projects import services
from territoires.projects.models import (
    Charter,
    CharterArticle,
    Committee,
    CommitteeMember,
    Decision,
    Meeting,
    Method,
    MethodPhase,
    MethodStep,
    Participation,
    SharedProject,
    Signature,
    StepCompletion,
    Theme,
    ThemeInterest,
    Withdrawal,
)
from tests.factories import MembershipFactory, OrganisationFactory, ThemeFactory, make_project, pdf_bytes
from tests.support import data_kept_for_the_module

pytestmark = pytest.mark.django_db

LONG = "é" * 10_000
REQUIRED = "Ce champ est obligatoire."
INVALID_CHOICE = "Sélectionnez un choix valide."
NOT_MY_AUTHORITY = "Choisissez une collectivité à laquelle vous appartenez."

WATCHED_MODELS = (
    User,
    Organisation,
    Membership,
    Theme,
    ThemeInterest,
    SharedProject,
    Participation,
    StepCompletion,
    Withdrawal,
    Charter,
    CharterArticle,
    Signature,
    Committee,
    CommitteeMember,
    Meeting,
    Decision,
    AuditEvent,
    SubmissionKey,
    Method,
    MethodPhase,
    MethodStep,
)


def snapshot() -> dict:
    """Every row of every model a form could write (the data set of a test is small)."""
    return {model.__name__: list(model.objects.order_by("pk").values()) for model in WATCHED_MODELS}


@pytest.fixture(scope="module")
def shared_world(django_db_setup, django_db_blocker):
    """One data set for the module, inside a transaction that each test's savepoint rolls back to."""
    with data_kept_for_the_module(django_db_blocker, build_world) as world:
        yield world


@pytest.fixture
def world(shared_world, db):
    return shared_world


def build_world():
    world = make_project(participants=4, observers=1)
    project = world.project
    world.meeting = services.meeting_save(
        meeting=Meeting(
            committee=project.committee,
            title="COPIL",
            starts_at=datetime.datetime(2021, 10, 5, 14, tzinfo=datetime.UTC),
            place="Niort",
            agenda="Calendrier",
        ),
        decisions=["Calendrier adopté"],
        user=world.facilitator,
    )
    world.member = CommitteeMember.objects.create(
        committee=project.committee, user=world.referents[0], organisation=world.towns[0], kind="cultural_lead"
    )
    world.theme = ThemeFactory(proposed_by_organisation=world.towns[2])
    world.outsider_town = OrganisationFactory(name="Guichen")
    world.outsider = MembershipFactory(organisation=world.outsider_town, role=Membership.Role.REFERENT).user
    world.other_project = make_project(participants=3, title="Autre projet")
    return world


def pdf(content=None, name="deliberation.pdf"):
    return SimpleUploadedFile(name, pdf_bytes() if content is None else content, content_type="application/pdf")


def signature_data(**overrides):
    data = {
        "signatory_name": "Jeanne Martin",
        "signatory_title": "Maire",
        "signed_on": "2021-09-27",
        "deliberation_number": "D-2021-317",
        "deliberation_date": "2021-09-20",
        "deliberative_body": "municipal_council",
        "members_in_office": "45",
        "members_present": "39",
        "members_represented": "5",
        "members_absent": "6",
        "votes_for": "44",
        "votes_against": "0",
        "abstentions": "0",
        "not_taking_part": "0",
        "deliberation_document": pdf(),
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


def meeting_data(**overrides):
    data = {
        "title": "COPIL de mi-parcours",
        "starts_at": "2022-01-18T10:00",
        "place": "Bourges",
        "video_link": "",
        "agenda": "Bilan des diagnostics",
        "minutes": "",
        "decisions_text": "",
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


def theme_data(w, **overrides):
    data = {
        "organisation": str(w.towns[0].pk),
        "title": "Lecture publique et habitants",
        "description": "Comment associer les habitants à la politique de lecture publique de la commune.",
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


def project_data(**overrides):
    data = {
        "title": "Projet renommé",
        "summary": "",
        "description": "",
        "starts_on": "2021-09-01",
        "ends_on": "2022-06-30",
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


def _slug(w):
    return w.project.slug


def _territory(w, index=0):
    return [w.project.slug, w.towns[index].slug]


# (case id, user, method, url(world), data(world) or None, French text expected in the answer)
CASES = [
    # Theme proposal
    (
        "theme-empty",
        "referent",
        "post",
        lambda w: reverse("projects:theme_propose"),
        lambda w: {"organisation": "", "title": "", "description": ""},
        REQUIRED,
    ),
    (
        "theme-long-strings",
        "referent",
        "post",
        lambda w: reverse("projects:theme_propose"),
        lambda w: theme_data(w, title=LONG, description=LONG),
        "comporte au plus 200 caractères",
    ),
    (
        "theme-forged-organisation",
        "referent",
        "post",
        lambda w: reverse("projects:theme_propose"),
        lambda w: theme_data(w, organisation=str(w.towns[1].pk)),
        INVALID_CHOICE,
    ),
    (
        "theme-organisation-not-a-number",
        "referent",
        "post",
        lambda w: reverse("projects:theme_propose"),
        lambda w: theme_data(w, organisation="abc"),
        INVALID_CHOICE,
    ),
    (
        "theme-title-too-short",
        "referent",
        "post",
        lambda w: reverse("projects:theme_propose"),
        lambda w: theme_data(w, title="ab"),
        "comporte au moins 5 caractères",
    ),
    # Interest
    *[
        (
            f"interest-organisation-{label}",
            "referent",
            "post",
            lambda w: reverse("projects:theme_interest", args=[w.theme.slug]),
            data,
            NOT_MY_AUTHORITY,
        )
        for label, data in [
            ("missing", lambda w: {}),
            ("not-a-number", lambda w: {"organisation": "abc"}),
            ("decimal", lambda w: {"organisation": "1.5"}),
            ("unknown", lambda w: {"organisation": "99999999"}),
            ("huge", lambda w: {"organisation": "9" * 40}),
            ("of-another-town", lambda w: {"organisation": str(w.towns[1].pk)}),
            ("withdraw-for-another-town", lambda w: {"organisation": str(w.towns[2].pk), "action": "withdraw"}),
        ]
    ],
    # Observation request
    *[
        (
            f"observe-organisation-{label}",
            "outsider",
            "post",
            lambda w: reverse("projects:project_observe", args=[_slug(w)]),
            data,
            NOT_MY_AUTHORITY,
        )
        for label, data in [
            ("missing", lambda w: {}),
            ("not-a-number", lambda w: {"organisation": "abc"}),
            ("of-a-participant", lambda w: {"organisation": str(w.towns[0].pk)}),
            ("unknown", lambda w: {"organisation": "99999999"}),
        ]
    ],
    # Participants
    (
        "participant-not-a-number",
        "facilitator",
        "post",
        lambda w: reverse("projects:project_participants", args=[_slug(w)]),
        lambda w: {"organisation": "abc", "role": "participant"},
        INVALID_CHOICE,
    ),
    (
        "participant-unknown-role",
        "facilitator",
        "post",
        lambda w: reverse("projects:project_participants", args=[_slug(w)]),
        lambda w: {"organisation": str(w.outsider_town.pk), "role": "king"},
        INVALID_CHOICE,
    ),
    (
        "participant-consultancy",
        "facilitator",
        "post",
        lambda w: reverse("projects:project_participants", args=[_slug(w)]),
        lambda w: {"organisation": str(w.consultancy.pk), "role": "participant"},
        INVALID_CHOICE,
    ),
    (
        "participant-sixth",
        "facilitator",
        "post",
        lambda w: reverse("projects:project_participants", args=[_slug(w)]),
        lambda w: {"organisation": str(w.outsider_town.pk), "role": "participant", "_prepare": "fifth"},
        "au plus 5 collectivités participantes",
    ),
    *[
        (
            f"observer-decision-{label}",
            "facilitator",
            "post",
            lambda w: reverse("projects:project_participants", args=[_slug(w)]),
            data,
            "Cette demande n'existe pas",
        )
        for label, data in [
            ("not-a-number", lambda w: {"action": "accept", "participation": "abc"}),
            ("unknown", lambda w: {"action": "refuse", "participation": "99999999"}),
            (
                "of-another-project",
                lambda w: {"action": "accept", "participation": str(w.other_project.project.participations.first().pk)},
            ),
        ]
    ],
    (
        "observer-decision-already-decided",
        "facilitator",
        "post",
        lambda w: reverse("projects:project_participants", args=[_slug(w)]),
        lambda w: {
            "action": "refuse",
            "participation": str(w.project.participations.get(organisation=w.observer_towns[0]).pk),
        },
        "Cette demande a déjà été traitée.",
    ),
    (
        "launch-twice",
        "facilitator",
        "post",
        lambda w: reverse("projects:project_participants", args=[_slug(w)]),
        lambda w: {"action": "launch"},
        "Ce projet est déjà lancé.",
    ),
    # Project edit and creation
    (
        "project-long-title",
        "facilitator",
        "post",
        lambda w: reverse("projects:project_edit", args=[_slug(w)]),
        lambda w: project_data(title=LONG),
        "comporte au plus 250 caractères",
    ),
    (
        "project-ends-before-it-starts",
        "facilitator",
        "post",
        lambda w: reverse("projects:project_edit", args=[_slug(w)]),
        lambda w: project_data(starts_on="2022-06-30", ends_on="2021-09-01"),
        "La date de fin doit suivre la date de début.",
    ),
    (
        "project-bad-date",
        "facilitator",
        "post",
        lambda w: reverse("projects:project_edit", args=[_slug(w)]),
        lambda w: project_data(starts_on="31/02/2021"),
        "Saisissez une date valide.",
    ),
    (
        "project-forged-consultancy",
        "facilitator",
        "post",
        lambda w: reverse("projects:project_edit", args=[_slug(w)]),
        lambda w: project_data(consultancy=str(w.towns[0].pk)),
        INVALID_CHOICE,
    ),
    (
        "project-create-empty",
        "facilitator",
        "post",
        lambda w: reverse("projects:project_create"),
        lambda w: {"submission_key": "not-a-uuid"},
        REQUIRED,
    ),
    # Charter text
    (
        "charter-no-management-form",
        "facilitator",
        "post",
        lambda w: reverse("projects:charter_edit", args=[_slug(w)]),
        lambda w: {"title": "Charte v2"},
        "Veuillez soumettre au moins 1 formulaire.",
    ),
    (
        "charter-no-article",
        "facilitator",
        "post",
        lambda w: reverse("projects:charter_edit", args=[_slug(w)]),
        lambda w: {"title": "Charte v2", "articles-TOTAL_FORMS": "0", "articles-INITIAL_FORMS": "0"},
        "au moins 1 formulaire",
    ),
    (
        "charter-long-strings",
        "facilitator",
        "post",
        lambda w: reverse("projects:charter_edit", args=[_slug(w)]),
        lambda w: {
            "title": LONG,
            "articles-TOTAL_FORMS": "1",
            "articles-INITIAL_FORMS": "0",
            "articles-0-kind": "hack",
            "articles-0-title": LONG,
            "articles-0-body": "x",
        },
        "comporte au plus 250 caractères",
    ),
    (
        "charter-total-forms-not-a-number",
        "facilitator",
        "post",
        lambda w: reverse("projects:charter_edit", args=[_slug(w)]),
        lambda w: {"title": "Charte v2", "articles-TOTAL_FORMS": "abc", "articles-INITIAL_FORMS": "0"},
        "Veuillez soumettre au moins 1 formulaire.",
    ),
    # Signature
    *[
        (
            f"signature-{label}",
            "referent",
            "post",
            lambda w: reverse("projects:charter_sign", args=[_slug(w), w.towns[0].slug]),
            data,
            message,
        )
        for label, data, message in [
            ("empty", lambda w: dict.fromkeys(signature_data(), ""), REQUIRED),
            ("votes-not-a-number", lambda w: signature_data(votes_for="beaucoup"), "Saisissez un nombre entier."),
            ("votes-negative", lambda w: signature_data(votes_against="-3"), "supérieure ou égale à 0"),
            (
                "votes-huge",
                lambda w: signature_data(members_in_office="99999", votes_for="99999", abstentions="0"),
                "inférieure ou égale à 32767",
            ),
            ("votes-not-adding-up", lambda w: signature_data(votes_for="12"), "Les voix ne tombent pas juste"),
            ("bad-date", lambda w: signature_data(deliberation_date="31/02/2021"), "Saisissez une date valide."),
            (
                "deliberation-in-the-future",
                lambda w: signature_data(deliberation_date=(w.today + datetime.timedelta(days=5)).isoformat()),
                "ne peut pas être dans le futur",
            ),
            (
                "signed-in-the-future",
                lambda w: signature_data(signed_on=(w.today + datetime.timedelta(days=5)).isoformat()),
                "ne peut pas être dans le futur",
            ),
            ("not-a-pdf", lambda w: signature_data(deliberation_document=pdf(b"MZ\x90\x00binary")), "n'est pas un PDF"),
            ("no-document", lambda w: signature_data(deliberation_document=None), REQUIRED),
            ("long-strings", lambda w: signature_data(signatory_name=LONG), "comporte au plus 200 caractères"),
            ("unknown-body", lambda w: signature_data(deliberative_body="parlement"), INVALID_CHOICE),
        ]
    ],
    # Territory sheet
    (
        "territory-forged-referent",
        "referent",
        "post",
        lambda w: reverse("projects:territory_edit", args=_territory(w)),
        lambda w: {"referent": str(w.referents[1].pk), "context": "Contexte"},
        INVALID_CHOICE,
    ),
    (
        "territory-referent-not-a-number",
        "referent",
        "post",
        lambda w: reverse("projects:territory_edit", args=_territory(w)),
        lambda w: {"referent": "abc", "context": "Contexte"},
        INVALID_CHOICE,
    ),
    # Steps
    *[
        (
            f"step-{label}",
            "referent",
            "post",
            lambda w: reverse("projects:territory_step", args=_territory(w)),
            data,
            "Étape inconnue.",
        )
        for label, data in [
            ("forged", lambda w: {"step": "plan_adopted'; DROP TABLE projects_stepcompletion;--", "done": "1"}),
            ("missing", lambda w: {"done": "1"}),
            ("long", lambda w: {"step": LONG, "done": "1"}),
        ]
    ],
    (
        "step-out-of-order",
        "referent",
        "post",
        lambda w: reverse("projects:territory_step", args=_territory(w)),
        lambda w: {"step": "plan_adopted"},
        "« Plan adopté par l'exécutif » ne peut pas encore être marquée faite : terminez d'abord "
        "« Plan d'action rédigé ».",
    ),
    (
        "step-note-too-long",
        "referent",
        "post",
        lambda w: reverse("projects:territory_step", args=_territory(w)),
        lambda w: {"step": "actor_map", "note": LONG},
        "La note compte au plus 2 000 caractères.",
    ),
    (
        "step-reopen-a-step-to-do",
        "referent",
        "get",
        lambda w: reverse("projects:territory_step_reopen", args=[*_territory(w), "actor_map"]),
        lambda w: {},
        "L'étape « Cartographie des familles d'acteurs et des lieux » est déjà à faire.",
    ),
    # Project method
    (
        "method-empty",
        "facilitator",
        "post",
        lambda w: reverse("projects:project_method", args=[_slug(w)]),
        lambda w: {"lead_role_label": ""},
        REQUIRED,
    ),
    (
        "method-long",
        "facilitator",
        "post",
        lambda w: reverse("projects:project_method", args=[_slug(w)]),
        lambda w: {"lead_role_label": LONG},
        "au plus 150 caractères",
    ),
    (
        "project-create-forged-method",
        "facilitator",
        "post",
        lambda w: reverse("projects:project_create"),
        lambda w: {**project_data(), "method_template": str(Method.objects.get(project=w.project).pk)},
        "Cette méthode n'est plus proposée : choisissez-en une autre.",
    ),
    # Withdrawal
    *[
        (
            f"withdrawal-{label}",
            "referent",
            "post",
            lambda w: reverse("projects:territory_withdrawal", args=_territory(w)),
            data,
            message,
        )
        for label, data, message in [
            ("no-date", lambda w: {"reason": "Budget"}, "Indiquez la date de réception du courrier recommandé."),
            ("bad-date", lambda w: {"letter_received_on": "hier"}, "Saisissez une date valide."),
            (
                "future-date",
                lambda w: {"letter_received_on": (w.today + datetime.timedelta(days=2)).isoformat()},
                "ne peut pas être dans le futur",
            ),
            (
                "long-reason",
                lambda w: {"letter_received_on": "2022-01-10", "reason": LONG},
                "comporte au plus 5000 caractères",
            ),
        ]
    ],
    *[
        (
            f"withdrawal-close-{label}",
            "facilitator",
            "post",
            lambda w: reverse("projects:territory_withdrawal", args=_territory(w, 1)),
            data,
            message,
        )
        for label, data, message in [
            ("bad-date", lambda w: {"closed_on": "demain", "_prepare": "withdrawal"}, "Saisissez une date valide."),
            (
                "missing",
                lambda w: {"closed_on": "", "_prepare": "withdrawal"},
                "Indiquez la date de clôture des actions engagées.",
            ),
            (
                "before-the-letter",
                lambda w: {"closed_on": "2021-01-01", "_prepare": "withdrawal"},
                "avant la réception du courrier",
            ),
        ]
    ],
    # Committee
    (
        "committee-forged-user",
        "facilitator",
        "post",
        lambda w: reverse("projects:committee_detail", args=[_slug(w)]),
        lambda w: {"user": str(w.outsider.pk), "organisation": str(w.towns[0].pk), "kind": "elected"},
        INVALID_CHOICE,
    ),
    (
        "committee-bad-kind",
        "facilitator",
        "post",
        lambda w: reverse("projects:committee_detail", args=[_slug(w)]),
        lambda w: {"user": str(w.agents[0].pk), "organisation": str(w.towns[0].pk), "kind": "king"},
        INVALID_CHOICE,
    ),
    (
        "committee-remove-not-a-number",
        "facilitator",
        "post",
        lambda w: reverse("projects:committee_detail", args=[_slug(w)]),
        lambda w: {"action": "remove", "member": "abc"},
        "Ce membre ne siège pas au comité.",
    ),
    (
        "committee-remove-member-of-another-committee",
        "facilitator",
        "post",
        lambda w: reverse("projects:committee_detail", args=[_slug(w)]),
        lambda w: {"action": "remove", "member": "99999999"},
        "Ce membre ne siège pas au comité.",
    ),
    # Meetings
    *[
        (
            f"meeting-{label}",
            "facilitator",
            "post",
            lambda w: reverse("projects:meeting_create", args=[_slug(w)]),
            data,
            message,
        )
        for label, data, message in [
            ("empty", lambda w: dict.fromkeys(meeting_data(), ""), REQUIRED),
            ("bad-datetime", lambda w: meeting_data(starts_at="lundi"), "Saisissez une date et une heure valides."),
            ("long-title", lambda w: meeting_data(title=LONG), "comporte au plus 200 caractères"),
            (
                "long-video-link",
                lambda w: meeting_data(video_link="https://v.fr/" + "a" * 300),
                "au plus 200 caractères",
            ),
            ("huge-video-link", lambda w: meeting_data(video_link="https://v.fr/" + "a" * 10_000), "URL valide"),
            ("javascript-link", lambda w: meeting_data(video_link="javascript:alert(1)"), "Saisissez une URL valide."),
            ("no-place", lambda w: meeting_data(place=""), "Indiquez un lieu ou un lien de visioconférence."),
            ("forged-attendee", lambda w: meeting_data(attendees=["99999999"]), "Sélectionnez un choix valide"),
            ("attendee-not-a-number", lambda w: meeting_data(attendees=["abc"]), "n’est pas une valeur correcte"),
        ]
    ],
    # Login
    (
        "login-garbage",
        None,
        "post",
        lambda w: reverse("accounts:login"),
        lambda w: {"username": LONG, "password": LONG},
        "Adresse électronique ou mot de passe incorrect.",
    ),
]


def _prepare(w, data):
    step = data.pop("_prepare", None)
    if step == "fifth":
        services.participation_add(
            project=w.project, organisation=OrganisationFactory(), role="participant", user=w.facilitator
        )
    elif step == "withdrawal":
        services.withdrawal_notify(
            participation=w.project.participations.get(organisation=w.towns[1]),
            letter_received_on=datetime.date(2022, 1, 10),
            reason="",
            user=w.facilitator,
        )


def _user(w, who):
    return {"referent": w.referents[0], "facilitator": w.facilitator, "outsider": w.outsider, None: None}[who]


def answer_text(client, response) -> str:
    """The French text the user reads: the page itself, or the page a redirect leads to."""
    if response.status_code == 302:
        response = client.get(response["Location"])
        assert response.status_code == 200
    return html.unescape(response.content.decode())


@pytest.mark.parametrize(
    ("user", "method", "url", "data", "message"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_bad_input_gets_a_french_message_and_changes_nothing(client, world, user, method, url, data, message):
    payload = data(world)
    _prepare(world, payload)
    if (account := _user(world, user)) is not None:
        client.force_login(account)
    before = snapshot()
    response = getattr(client, method)(url(world), payload)
    assert response.status_code in (200, 302, 400), response.status_code
    if response.status_code == 302:
        assert not response["Location"].startswith(reverse("accounts:login"))
    assert snapshot() == before
    assert message in answer_text(client, response)


# Pages with bad query strings --------------------------------------------------------------------

PAGES = [
    lambda w: reverse("projects:project_list"),
    lambda w: reverse("projects:theme_list"),
    lambda w: reverse("projects:committee_detail", args=[_slug(w)]),
    lambda w: reverse("projects:decision_list", args=[_slug(w)]),
    lambda w: reverse("projects:project_audit_log", args=[_slug(w)]),
]
QUERIES = [
    "?page=abc",
    "?page=999999",
    "?page=-1",
    "?page=1e10",
    "?page=" + "9" * 50,
    "?statut=hack&q=" + "x" * 5000,
    "?action=<script>&page=",
]


@pytest.mark.parametrize("query", QUERIES)
@pytest.mark.parametrize("page", range(len(PAGES)))
def test_list_pages_survive_any_query_string(client, world, page, query):
    client.force_login(world.facilitator)
    response = client.get(PAGES[page](world) + query)
    assert response.status_code == 200


def test_unknown_objects_are_404_not_500(client, world):
    client.force_login(world.facilitator)
    slug = _slug(world)
    for url in [
        reverse("projects:project_detail", args=["n-existe-pas"]),
        reverse("projects:theme_detail", args=["n-existe-pas"]),
        reverse("projects:territory_detail", args=[slug, "n-existe-pas"]),
        reverse("projects:territory_edit", args=[slug, world.outsider_town.slug]),
        reverse("projects:charter_sign", args=[slug, "n-existe-pas"]),
        reverse("projects:meeting_detail", args=[slug, 99999999]),
        reverse("projects:meeting_edit", args=[slug, 99999999]),
        # A meeting of another project, reached through this project's address.
        reverse("projects:meeting_detail", args=[slug, _other_meeting(world).pk]),
        reverse("projects:signature_document", args=[slug, 99999999]),
    ]:
        assert client.get(url).status_code == 404, url


def _other_meeting(world):
    other = world.other_project.project
    return services.meeting_save(
        meeting=Meeting(
            committee=other.committee,
            title="Autre",
            starts_at=datetime.datetime(2021, 10, 5, 14, tzinfo=datetime.UTC),
            place="Paris",
            agenda="x",
        ),
        user=world.facilitator,
    )


# Control: the same forms with good input do store ------------------------------------------------


def test_a_good_signature_is_stored(client, world):
    client.force_login(world.referents[0])
    response = client.post(reverse("projects:charter_sign", args=[_slug(world), world.towns[0].slug]), signature_data())
    assert response.status_code == 302
    assert Signature.objects.filter(organisation=world.towns[0]).count() == 1


def test_a_good_meeting_is_stored(client, world):
    client.force_login(world.facilitator)
    data = meeting_data(attendees=[str(world.member.pk)], decisions_text="Première\n\nSeconde")
    response = client.post(reverse("projects:meeting_create", args=[_slug(world)]), data)
    assert response.status_code == 302
    meeting = Meeting.objects.get(title="COPIL de mi-parcours")
    assert [d.text for d in meeting.decisions.order_by("number")] == ["Première", "Seconde"]
    assert list(meeting.attendees.all()) == [world.member]


def test_a_good_interest_is_stored_once(client, world):
    client.force_login(world.referents[0])
    url = reverse("projects:theme_interest", args=[world.theme.slug])
    for _ in range(2):
        assert client.post(url, {"organisation": str(world.towns[0].pk)}).status_code == 302
    assert ThemeInterest.objects.filter(theme=world.theme, organisation=world.towns[0]).count() == 1


def test_a_committee_member_is_removed(client, world):
    client.force_login(world.facilitator)
    url = reverse("projects:committee_detail", args=[_slug(world)])
    assert client.post(url, {"action": "remove", "member": str(world.member.pk)}).status_code == 302
    # They leave the committee; the meetings they attended still list them.
    assert CommitteeMember.objects.get(pk=world.member.pk).left_at is not None
    assert not CommitteeMember.objects.current().filter(pk=world.member.pk).exists()


# A form sent twice is stored once ----------------------------------------------------------------


def _send_twice(client, url, data):
    first = client.post(url, data)
    second = client.post(url, data)
    assert first.status_code == 302, first.status_code
    assert second.status_code == 302, second.status_code
    assert second["Location"] == first["Location"]
    return first, second


def test_a_theme_proposal_sent_twice_is_stored_once(client, world):
    client.force_login(world.referents[0])
    data = theme_data(world, submission_key=str(uuid.uuid4()))
    _send_twice(client, reverse("projects:theme_propose"), data)
    assert Theme.objects.filter(title=data["title"]).count() == 1
    assert SubmissionKey.objects.filter(key=data["submission_key"]).count() == 1


def test_a_replay_that_raced_its_original_leads_to_its_result(client, world, monkeypatch):
    """Both requests passed the `already_submitted` check before either committed."""
    from territoires.projects.views import themes

    client.force_login(world.referents[0])
    data = theme_data(world, submission_key=str(uuid.uuid4()))
    first = client.post(reverse("projects:theme_propose"), data)
    monkeypatch.setattr(themes, "already_submitted", lambda key: None)
    second = client.post(reverse("projects:theme_propose"), data)
    assert second.status_code == 302
    assert second["Location"] == first["Location"]
    assert Theme.objects.filter(title=data["title"]).count() == 1


def test_a_meeting_sent_twice_is_stored_once(client, world):
    client.force_login(world.facilitator)
    data = meeting_data(submission_key=str(uuid.uuid4()), decisions_text="Une décision")
    _send_twice(client, reverse("projects:meeting_create", args=[_slug(world)]), data)
    assert Meeting.objects.filter(title=data["title"]).count() == 1
    assert Decision.objects.filter(text="Une décision").count() == 1


@pytest.mark.parametrize("who", ["referent", "facilitator"])
def test_a_withdrawal_sent_twice_is_stored_once(client, world, who):
    client.force_login(_user(world, who))
    data = {"letter_received_on": "2022-01-10", "reason": "Budget", "submission_key": str(uuid.uuid4())}
    _send_twice(client, reverse("projects:territory_withdrawal", args=_territory(world)), data)
    assert Withdrawal.objects.count() == 1
    assert AuditEvent.objects.filter(action=AuditEvent.Action.WITHDRAWAL_NOTIFIED).count() == 1
    withdrawal = Withdrawal.objects.get()
    assert withdrawal.effective_on is None and withdrawal.engaged_actions_closed_on is None


def test_a_signature_sent_twice_is_stored_once(client, world):
    client.force_login(world.referents[0])
    url = reverse("projects:charter_sign", args=[_slug(world), world.towns[0].slug])
    key = str(uuid.uuid4())
    client.post(url, signature_data(submission_key=key))
    response = client.post(url, signature_data(submission_key=key))
    assert response.status_code == 302
    assert Signature.objects.count() == 1
    assert AuditEvent.objects.filter(action=AuditEvent.Action.CHARTER_SIGNED).count() == 1
