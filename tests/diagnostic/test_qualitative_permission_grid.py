"""Who may do what on the diagnostic's findings, residents' texts and observation notes: roles ×
objects × actions, checked on the rule and over HTTP (tests/support.py's shared world, as in
tests/diagnostic/test_permission_grid.py).

Everything belongs to town X of a public project. Allowed → 200 or a redirect that is not the login
page; refused → 403 or 404 (a finding or a text one may not read answers like one that does not
exist), a visitor → the login page or 404; a refused POST changes nothing; a refused reader never
sees the secret (a draft's statement, an unpublished text, a note's content).
"""

import datetime

import pytest
from django.urls import reverse

from territoires.diagnostic.expression import services as expression_services
from territoires.diagnostic.expression.models import Expression
from territoires.diagnostic.observation import services as observation_services
from territoires.diagnostic.observation.models import ObservationNote
from territoires.diagnostic.synthesis import services as synthesis_services
from territoires.diagnostic.synthesis.models import Finding
from territoires.surveys.models import Collector, Deployment, Survey
from tests.factories import UserFactory, make_project
from tests.support import GridCheck, data_kept_for_the_module, fresh, grid_users

pytestmark = pytest.mark.django_db

Y, N = True, False
ROLES = ("visitor", "resident", "observer", "agent_x", "elected_x", "referent_x", "referent_y", "collector_x",
         "consultant", "facilitator", "other_project")  # fmt: skip

# fmt: off
GRID = {
    # object, action:                 vis res obs agX elX refX refY colX cons fac other
    ("finding", "view_draft"):        (N,  N,  N,  Y,  Y,  Y,   N,   N,   Y,   Y,  N),
    ("finding", "view_published"):    (Y,  Y,  Y,  Y,  Y,  Y,   Y,   Y,   Y,   Y,  Y),
    ("finding", "create"):            (N,  N,  N,  N,  N,  N,   N,   N,   Y,   Y,  N),
    ("finding", "edit"):              (N,  N,  N,  N,  N,  N,   N,   N,   Y,   Y,  N),
    ("finding", "add_evidence"):      (N,  N,  N,  N,  N,  N,   N,   N,   Y,   Y,  N),
    ("finding", "validate"):          (N,  N,  N,  N,  N,  Y,   N,   N,   N,   Y,  N),
    ("finding", "publish"):           (N,  N,  N,  N,  N,  Y,   N,   N,   N,   Y,  N),
    ("expression", "write"):          (Y,  Y,  Y,  Y,  Y,  Y,   Y,   Y,   Y,   Y,  Y),
    ("expression", "view_pending"):   (N,  N,  N,  Y,  Y,  Y,   N,   N,   Y,   Y,  N),
    ("expression", "view_published"): (Y,  Y,  Y,  Y,  Y,  Y,   Y,   Y,   Y,   Y,  Y),
    ("expression", "queue"):          (N,  N,  N,  Y,  Y,  Y,   N,   N,   Y,   Y,  N),
    ("expression", "moderate"):       (N,  N,  N,  Y,  Y,  Y,   N,   N,   Y,   Y,  N),
    ("expression", "set_prompt"):     (N,  N,  N,  N,  N,  Y,   N,   N,   N,   Y,  N),
    ("observation", "view"):          (N,  N,  N,  Y,  Y,  Y,   N,   Y,   Y,   Y,  N),
    ("observation", "create"):        (N,  N,  N,  Y,  Y,  Y,   N,   Y,   Y,   Y,  N),
    ("observation", "edit"):          (N,  N,  N,  N,  N,  Y,   N,   N,   Y,   Y,  N),
}
# fmt: on

CASES = [
    pytest.param(role, obj, action, allowed, id=f"{obj}-{action}-{role}")
    for (obj, action), cells in GRID.items()
    for role, allowed in zip(ROLES, cells, strict=True)
]

SECRET_STATEMENT = "Constat secret en brouillon"
SECRET_TEXT = "Texte secret en attente de modération"
SECRET_NOTE = "Observation secrète du parvis"


def build_world():
    world = make_project(observers=1)
    other = make_project(title="Autre projet")
    world.x = world.project.participations.get(organisation=world.towns[0])
    survey = Survey.objects.create(project=world.project, title="Enquête", created_by=world.facilitator)
    deployment = Deployment.objects.create(survey=survey, participation=world.x)
    collector = UserFactory()
    Collector.objects.create(deployment=deployment, user=collector, added_by=world.referents[0])
    synthesis = synthesis_services.synthesis_for(project=world.project, territory=world.x)
    world.draft = synthesis_services.finding_create(
        synthesis=synthesis, user=world.consultant, statement=SECRET_STATEMENT
    )
    world.validated = synthesis_services.finding_create(synthesis=synthesis, user=world.consultant, statement="Validé")
    synthesis_services.finding_validate(finding=world.validated, user=world.referents[0])
    world.published = synthesis_services.finding_create(synthesis=synthesis, user=world.consultant, statement="Public")
    synthesis_services.finding_validate(finding=world.published, user=world.referents[0])
    synthesis_services.finding_publish(finding=world.published, user=world.referents[0])
    world.prompt = expression_services.prompt_set(
        territory=world.x, user=world.referents[0], question="Qu'est-ce qui fait de vous un acteur ?", is_open=True
    )
    world.pending, _ = expression_services.expression_submit(prompt=world.prompt, text=SECRET_TEXT)
    world.public, _ = expression_services.expression_submit(
        prompt=world.prompt, text="Texte publié avec accord", consent_to_publish=True
    )
    expression_services.expression_moderate(expression=world.public, user=world.referents[0], status="published")
    world.note = observation_services.observation_create(
        territory=world.x, user=world.consultant,
        data={"public_space": "Parvis", "observed_on": datetime.date(2021, 10, 1), "time_slot": "morning",
              "people": SECRET_NOTE},
    )  # fmt: skip
    world.users = grid_users(world, other, collector_x=collector)
    return world


@pytest.fixture(scope="module")
def shared_world(django_db_setup, django_db_blocker):
    with data_kept_for_the_module(django_db_blocker, build_world) as world:
        yield world


def check_for(obj, action, world) -> GridCheck:  # noqa: PLR0911 — one branch per cell of the grid
    slug, town = world.project.slug, world.towns[0].slug
    if obj == "finding":
        draft, validated = world.draft, world.validated
        if action == "view_draft":
            return GridCheck("diagnostic.view_finding", draft, "get", draft.get_absolute_url(), secret=SECRET_STATEMENT)
        if action == "view_published":
            return GridCheck("diagnostic.view_finding", world.published, "get", world.published.get_absolute_url())
        if action == "create":
            return GridCheck(
                "diagnostic.write_synthesis", draft.synthesis, "post",
                reverse("synthesis:finding_create", args=[slug, town]),
                {"statement": "Nouveau constat de la grille", "strength": "weak"},
                changed=lambda: Finding.objects.filter(statement="Nouveau constat de la grille").exists(),
            )  # fmt: skip
        if action == "edit":
            return GridCheck(
                "diagnostic.change_finding", draft, "post", reverse("synthesis:finding_edit", args=[draft.pk]),
                {"statement": "Constat réécrit", "strength": "weak"},
                changed=lambda: Finding.objects.get(pk=draft.pk).statement == "Constat réécrit",
            )  # fmt: skip
        if action == "add_evidence":
            url = reverse("synthesis:evidence_add", args=[draft.pk, "directory"])
            return GridCheck("diagnostic.change_finding", draft, "get", url)
        if action == "validate":
            return GridCheck(
                "diagnostic.validate_finding", draft, "post", reverse("synthesis:finding_status", args=[draft.pk]),
                {"action": "validate"}, changed=lambda: Finding.objects.get(pk=draft.pk).status == "validated",
            )  # fmt: skip
        if action == "publish":
            return GridCheck(
                "diagnostic.publish_finding", validated, "post",
                reverse("synthesis:finding_status", args=[validated.pk]), {"action": "publish"},
                changed=lambda: Finding.objects.get(pk=validated.pk).status == "published",
            )  # fmt: skip
    if obj == "expression":
        pending = world.pending
        if action == "write":
            text = "Un texte écrit pendant le test de la grille"
            return GridCheck(
                None, None, "post", reverse("expression:write", args=[slug, town]), {"text": text},
                changed=lambda: Expression.objects.filter(text=text).exists(),
            )  # fmt: skip
        if action == "view_pending":
            return GridCheck(
                "diagnostic.view_expression", pending, "get", pending.get_absolute_url(), secret=SECRET_TEXT
            )
        if action == "view_published":
            return GridCheck("diagnostic.view_expression", world.public, "get", world.public.get_absolute_url())
        if action == "queue":
            return GridCheck(
                "diagnostic.moderate_expressions", world.x, "get", reverse("expression:queue", args=[slug, town]),
                secret=SECRET_TEXT,
            )  # fmt: skip
        if action == "moderate":
            return GridCheck(
                "diagnostic.moderate_expressions", world.x, "post", reverse("expression:moderate", args=[pending.pk]),
                {"status": "kept", "reason": "no_consent"},
                changed=lambda: Expression.objects.get(pk=pending.pk).status == "kept",
            )  # fmt: skip
        if action == "set_prompt":
            return GridCheck(
                "diagnostic.set_expression_prompt", world.x, "get", reverse("expression:prompt", args=[slug, town])
            )
    if obj == "observation":
        note = world.note
        if action == "view":
            return GridCheck("diagnostic.view_observation", note, "get", note.get_absolute_url(), secret=SECRET_NOTE)
        if action == "create":
            return GridCheck(
                "diagnostic.add_observation", world.x, "post", reverse("observation:create", args=[slug, town]),
                {"public_space": "Square de la grille", "observed_on": "2021-10-02", "time_slot": "evening",
                 "uses": "Jeux de ballon"},
                changed=lambda: ObservationNote.objects.filter(public_space="Square de la grille").exists(),
            )  # fmt: skip
        if action == "edit":
            return GridCheck(
                "diagnostic.change_observation", note, "post", reverse("observation:edit", args=[note.pk]),
                {"public_space": "Parvis renommé", "observed_on": "2021-10-01", "time_slot": "morning",
                 "people": SECRET_NOTE},
                changed=lambda: ObservationNote.objects.get(pk=note.pk).public_space == "Parvis renommé",
            )  # fmt: skip
    raise AssertionError((obj, action))


@pytest.mark.parametrize(("role", "obj", "action", "allowed"), CASES)
def test_qualitative_permission_grid(client, shared_world, role, obj, action, allowed):
    world = shared_world
    user = world.users[role]
    check = check_for(obj, action, world)
    if check.permission is not None:
        target = type(check.obj).objects.get(pk=check.obj.pk)
        assert fresh(user).has_perm(check.permission, target) is allowed
    if user is not None:
        client.force_login(user)
    response = getattr(client, check.method)(check.url, check.data or {})
    status = response.status_code
    body = response.content.decode()
    sent_to_login = status == 302 and response["Location"].startswith(reverse("accounts:login"))
    if allowed:
        assert status in (200, 302), status
        assert not sent_to_login
    elif user is None:
        assert sent_to_login or status == 404, status
    else:
        assert status in (403, 404), status
    if check.changed is not None:
        assert check.changed() is allowed
    if check.secret and not allowed:
        assert check.secret not in body


@pytest.mark.parametrize("role", ROLES)
def test_visible_to_agrees_with_the_rule(shared_world, role):
    """Finding.objects.visible_to (the query other modules use) opens exactly what the rule opens."""
    user = fresh(shared_world.users[role])
    findings = Finding.objects.filter(project=shared_world.project)
    visible = set(Finding.objects.visible_to(user).filter(project=shared_world.project).values_list("pk", flat=True))
    assert visible == {f.pk for f in findings if user.has_perm("diagnostic.view_finding", f)}


def test_unpublished_texts_never_reach_the_public_gallery(client, shared_world):
    world = shared_world
    body = client.get(reverse("expression:gallery", args=[world.project.slug, world.towns[0].slug])).content.decode()
    assert "Texte publié avec accord" in body
    assert SECRET_TEXT not in body
