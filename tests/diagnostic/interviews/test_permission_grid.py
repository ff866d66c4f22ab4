"""Who may do what on the interview guide, the interviews, their transcripts, consent forms and the
pseudonymisation list: roles × objects × actions, on the rule and over HTTP (as in
tests/diagnostic/test_qualitative_permission_grid.py).

Everything belongs to town X of a public project. Allowed → 200 or a redirect that is not the login
page; refused → 403 or 404; a visitor → the login page or 404; a refused POST changes nothing; a
refused reader never sees the secret (the transcript's words, a listed name).
"""

import datetime
from dataclasses import dataclass

import pytest
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from territoires.diagnostic.interviews import services
from territoires.diagnostic.interviews.models import GuideTheme, Interview, InterviewGuide, Pseudonym, Transcript
from territoires.surveys.models import Collector, Deployment, Survey
from tests.factories import UserFactory, make_project, pdf_bytes
from tests.support import data_kept_for_the_module, fresh, grid_users

pytestmark = pytest.mark.django_db

Y, N = True, False
ROLES = ("visitor", "resident", "observer", "agent_x", "elected_x", "referent_x", "referent_y", "collector_x",
         "consultant", "facilitator", "other_project")  # fmt: skip

# fmt: off
GRID = {
    # object, action:              vis res obs agX elX refX refY colX cons fac other
    ("guide", "view"):             (N,  N,  N,  Y,  Y,  Y,   Y,   N,   Y,   Y,  N),
    ("guide", "change"):           (N,  N,  N,  N,  N,  N,   N,   N,   Y,   Y,  N),
    ("interview", "list"):         (N,  N,  N,  Y,  Y,  Y,   N,   N,   Y,   Y,  N),
    ("interview", "view"):         (N,  N,  N,  Y,  Y,  Y,   N,   N,   Y,   Y,  N),
    ("interview", "create"):       (N,  N,  N,  N,  N,  Y,   N,   N,   Y,   Y,  N),
    ("interview", "change"):       (N,  N,  N,  N,  N,  Y,   N,   N,   Y,   Y,  N),
    ("transcript", "view"):        (N,  N,  N,  N,  N,  Y,   N,   N,   Y,   Y,  N),
    ("transcript", "change"):      (N,  N,  N,  N,  N,  Y,   N,   N,   Y,   Y,  N),
    ("consent", "view"):           (N,  N,  N,  N,  N,  Y,   N,   N,   Y,   Y,  N),
    ("pseudonyms", "view"):        (N,  N,  N,  N,  N,  Y,   N,   N,   Y,   Y,  N),
    ("pseudonyms", "change"):      (N,  N,  N,  N,  N,  Y,   N,   N,   Y,   Y,  N),
}
# fmt: on

CASES = [
    pytest.param(role, obj, action, allowed, id=f"{obj}-{action}-{role}")
    for (obj, action), cells in GRID.items()
    for role, allowed in zip(ROLES, cells, strict=True)
]

SECRET_WORDS = "Propos confidentiels de la personne interrogée"
SECRET_NAME = "Gwendoline Secrète"


def build_world():
    world = make_project(observers=1)
    other = make_project(title="Autre projet")
    world.x = world.project.participations.get(organisation=world.towns[0])
    survey = Survey.objects.create(project=world.project, title="Enquête", created_by=world.facilitator)
    deployment = Deployment.objects.create(survey=survey, participation=world.x)
    collector = UserFactory()
    Collector.objects.create(deployment=deployment, user=collector, added_by=world.referents[0])
    world.guide = services.guide_create(project=world.project, user=world.consultant, title="Guide")
    world.theme = services.theme_save(guide=world.guide, user=world.consultant, title="Pratiques")
    world.interview = services.interview_create(
        territory=world.x, user=world.consultant,
        data={"title": "Entretien de la grille", "kind": "semi_directive", "held_on": datetime.date(2021, 10, 5),
              "place_label": "Mairie", "consent_given": True, "consent_on": datetime.date(2021, 10, 5),
              "guide": None},
        participants=[{"label": "P1", "profile": "resident"}],
        consent_file=SimpleUploadedFile("c.pdf", pdf_bytes("Consentement")),
    )  # fmt: skip
    services.transcript_save(interview=world.interview, user=world.consultant, text=SECRET_WORDS)
    world.pseudonym = services.pseudonym_save(
        territory=world.x, user=world.referents[0], name=SECRET_NAME, replacement="[une habitante]"
    )
    world.users = grid_users(world, other, collector_x=collector)
    return world


@pytest.fixture(scope="module")
def shared_world(django_db_setup, django_db_blocker):
    with data_kept_for_the_module(django_db_blocker, build_world) as world:
        yield world


@dataclass
class Check:
    permission: str
    obj: object
    method: str
    url: str
    data: dict | None = None
    changed: object = None
    secret: str = ""
    # The page answers whoever reads the interview's metadata; only the secret follows the rule.
    page_permission: str = ""


def interview_post(title):
    return {
        "title": title, "kind": "collective", "held_on": "2021-10-07", "place_label": "Salle des fêtes",
        "consent_given": "on", "consent_on": "2021-10-07", "participants-TOTAL_FORMS": "1",
        "participants-INITIAL_FORMS": "0", "participants-0-label": "Groupe", "participants-0-profile": "resident",
    }  # fmt: skip


def check_for(obj, action, world) -> Check:  # noqa: PLR0911 — one branch per cell of the grid
    slug, town = world.project.slug, world.towns[0].slug
    interview = world.interview
    if obj == "guide":
        if action == "view":
            return Check("diagnostic.view_interview_guide", world.project, "get",
                         reverse("interviews:guide", args=[slug]))  # fmt: skip
        return Check(
            "diagnostic.change_interview_guide", world.project, "post",
            reverse("interviews:theme_add", args=[world.guide.pk]), {"theme-title": "Thème de la grille"},
            changed=lambda: GuideTheme.objects.filter(title="Thème de la grille").exists(),
        )  # fmt: skip
    if obj == "interview":
        if action == "list":
            return Check("diagnostic.view_interviews", world.x, "get", reverse("interviews:list", args=[slug, town]))
        if action == "view":
            return Check("diagnostic.view_interview", interview, "get", interview.get_absolute_url())
        if action == "create":
            return Check(
                "diagnostic.add_interview", world.x, "post", reverse("interviews:create", args=[slug, town]),
                interview_post("Entretien créé par la grille"),
                changed=lambda: Interview.objects.filter(title="Entretien créé par la grille").exists(),
            )  # fmt: skip
        return Check(
            "diagnostic.change_interview", interview, "post", reverse("interviews:edit", args=[interview.pk]),
            {**interview_post("Entretien renommé"), "participants-INITIAL_FORMS": "0"},
            changed=lambda: Interview.objects.get(pk=interview.pk).title == "Entretien renommé",
        )  # fmt: skip
    if obj == "transcript":
        if action == "view":
            return Check("diagnostic.view_transcript", interview, "get", interview.get_absolute_url(),
                         secret=SECRET_WORDS, page_permission="diagnostic.view_interview")  # fmt: skip
        return Check(
            "diagnostic.change_transcript", interview, "post", reverse("interviews:transcript", args=[interview.pk]),
            {"text": "Transcription réécrite", "version": "1"},
            changed=lambda: Transcript.objects.get(interview=interview).text == "Transcription réécrite",
        )  # fmt: skip
    if obj == "consent":
        # Each test has its own media folder (tests/conftest.py): the signed form is put back there.
        stored = Interview.objects.get(pk=interview.pk).consent_file
        stored.storage.save(stored.name, ContentFile(pdf_bytes("Consentement")))
        return Check("diagnostic.view_consent", interview, "get", reverse("interviews:consent", args=[interview.pk]))
    if obj == "pseudonyms":
        url = reverse("interviews:pseudonyms", args=[slug, town])
        if action == "view":
            return Check("diagnostic.manage_pseudonyms", world.x, "get", url, secret=SECRET_NAME)
        return Check(
            "diagnostic.manage_pseudonyms", world.x, "post", url, {"name": "Nom de la grille", "replacement": "[x]"},
            changed=lambda: Pseudonym.objects.filter(name="Nom de la grille").exists(),
        )  # fmt: skip
    raise AssertionError((obj, action))


@pytest.mark.parametrize(("role", "obj", "action", "allowed"), CASES)
def test_interview_permission_grid(client, shared_world, role, obj, action, allowed):
    world = shared_world
    user = world.users[role]
    check = check_for(obj, action, world)
    target = type(check.obj).objects.get(pk=check.obj.pk)
    assert fresh(user).has_perm(check.permission, target) is allowed
    if user is not None:
        client.force_login(user)
    response = getattr(client, check.method)(check.url, check.data or {})
    status = response.status_code
    body = b"".join(response.streaming_content).decode("latin-1") if response.streaming else response.content.decode()
    if response.streaming:
        # Not response.close(): it sends request_finished, which would close the shared world's connection.
        for close in response._resource_closers:
            close()
    sent_to_login = status == 302 and response["Location"].startswith(reverse("accounts:login"))
    if check.secret:
        assert (check.secret in body) is allowed
    if check.page_permission:
        allowed = fresh(user).has_perm(check.page_permission, target)
    if allowed:
        assert status in (200, 302), status
        assert not sent_to_login
    elif user is None:
        assert sent_to_login or status == 404, status
    else:
        assert status in (403, 404), status
    if check.changed is not None:
        assert check.changed() is allowed


@pytest.mark.parametrize("role", ROLES)
def test_the_rules_take_a_transcript_or_a_territory_as_well(shared_world, role):
    """The coding screens and the exchange ask on a transcript or a territory: the same answer."""
    world = shared_world
    user = fresh(world.users[role])
    transcript = Transcript.objects.get(interview=world.interview)
    expected = user.has_perm("diagnostic.view_transcript", world.interview)
    assert user.has_perm("diagnostic.view_transcript", transcript) is expected
    assert user.has_perm("diagnostic.view_transcript", world.x) is expected


def test_a_guide_version_used_by_an_interview_is_frozen(client, shared_world):
    world = shared_world
    Interview.objects.filter(pk=world.interview.pk).update(guide=world.guide)
    client.force_login(world.consultant)
    response = client.post(reverse("interviews:theme_add", args=[world.guide.pk]), {"theme-title": "Trop tard"})
    assert response.status_code == 400 and not GuideTheme.objects.filter(title="Trop tard").exists()
    assert "nouvelle version" in response.content.decode()
    response = client.post(reverse("interviews:guide_new_version", args=[world.guide.pk]))
    assert response.status_code == 302
    new = InterviewGuide.objects.get(project=world.project, is_current=True)
    assert new.version == 2 and [t.title for t in new.themes.all()] == ["Pratiques"]
    assert Interview.objects.get(pk=world.interview.pk).guide_id == world.guide.pk
    assert client.post(reverse("interviews:theme_add", args=[new.pk]), {"theme-title": "Nouveau"}).status_code == 302
    assert not world.guide.themes.filter(title="Nouveau").exists()
