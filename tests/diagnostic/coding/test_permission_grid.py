"""Who may do what on the codebook, the coding screens, the excerpts and the analysis: roles ×
objects × actions, checked on the rule and over HTTP (the shared world of tests/support.py).

Everything belongs to town X of a public project. Allowed → 200 or a redirect that is not the login
page; refused → 403 or 404; a visitor → the login page or 404; a refused POST changes nothing; a
transcript never reaches anyone outside its circle (the consultancy, the facilitators, X's
referent), and the names of the pseudonymisation list never reach a reader outside it.
"""

import pytest
from django.urls import reverse

from territoires.diagnostic.coding import services
from territoires.diagnostic.coding.models import Code, Coding
from territoires.diagnostic.expression import services as expression_services
from tests.diagnostic.coding.helpers import make_codes, make_transcript, span
from tests.factories import make_project
from tests.support import GridCheck, data_kept_for_the_module, fresh, grid_users

pytestmark = pytest.mark.django_db

Y, N = True, False
ROLES = ("visitor", "resident", "observer", "agent_x", "elected_x", "referent_x", "referent_y", "consultant",
         "facilitator", "other_project")  # fmt: skip

# fmt: off
GRID = {
    # object, action:                 vis res obs agX elX refX refY cons fac other
    ("codebook", "view"):             (N,  N,  N,  Y,  Y,  Y,   Y,   Y,   Y,  N),
    ("codebook", "add_code"):         (N,  N,  N,  N,  N,  N,   N,   Y,   Y,  N),
    ("codebook", "edit_code"):        (N,  N,  N,  N,  N,  N,   N,   Y,   Y,  N),
    ("codebook", "merge_code"):       (N,  N,  N,  N,  N,  N,   N,   Y,   Y,  N),
    ("transcript", "view"):           (N,  N,  N,  N,  N,  Y,   N,   Y,   Y,  N),
    ("transcript", "code"):           (N,  N,  N,  N,  N,  Y,   N,   Y,   Y,  N),
    ("coding", "delete_own"):         (N,  N,  N,  N,  N,  N,   N,   Y,   N,  N),
    ("expression", "code"):           (N,  N,  N,  N,  N,  Y,   N,   Y,   Y,  N),
    ("excerpts", "view"):             (N,  N,  N,  Y,  Y,  Y,   Y,   Y,   Y,  N),
    ("excerpts", "read_names"):       (N,  N,  N,  N,  N,  Y,   N,   Y,   Y,  N),
    ("analysis", "view"):             (N,  N,  N,  Y,  Y,  Y,   Y,   Y,   Y,  N),
}
# fmt: on

CASES = [
    pytest.param(role, obj, action, allowed, id=f"{obj}-{action}-{role}")
    for (obj, action), cells in GRID.items()
    for role, allowed in zip(ROLES, cells, strict=True)
]

NAME = "Marie Dupont"  # in the transcript and on X's pseudonymisation list


def build_world():
    world = make_project(observers=1)
    other = make_project(title="Autre projet")
    world.transcript = make_transcript(world)
    world.x = world.transcript.interview.territory
    world.access, world.hours, world.sociability = make_codes(world)
    start, end = span(world.transcript.text, "Marie Dupont : Je tiens la bibliothèque de rue")
    world.coding = services.coding_create(
        source=world.transcript, codes=[world.sociability], start=start, end=end, user=world.consultant
    )[0]
    prompt = expression_services.prompt_set(
        territory=world.x, user=world.referents[0], question="Qu'est-ce qui fait de vous un acteur ?", is_open=True
    )
    world.expression, _ = expression_services.expression_submit(
        prompt=prompt, text="Je chante dans la chorale du centre social.", consent_to_publish=True
    )
    expression_services.expression_moderate(expression=world.expression, user=world.referents[0], status="published")
    world.users = grid_users(world, other)
    return world


@pytest.fixture(scope="module")
def shared_world(django_db_setup, django_db_blocker):
    with data_kept_for_the_module(django_db_blocker, build_world) as world:
        yield world


def check_for(obj, action, world) -> GridCheck:  # noqa: PLR0911 — one branch per cell of the grid
    project, transcript = world.project, world.transcript
    if obj == "codebook":
        if action == "view":
            return GridCheck(
                "diagnostic.view_codebook", project, "get", reverse("coding:codebook", args=[project.slug])
            )
        if action == "add_code":
            return GridCheck(
                "diagnostic.change_codebook", project, "post", reverse("coding:codebook", args=[project.slug]),
                {"name": "Code de la grille", "colour": "#123456"},
                changed=lambda: Code.objects.filter(name="Code de la grille").exists(),
            )  # fmt: skip
        if action == "edit_code":
            return GridCheck(
                "diagnostic.change_codebook", project, "post", reverse("coding:code_edit", args=[world.hours.pk]),
                {"name": "Horaires renommés", "parent": world.access.pk, "colour": "#123456"},
                changed=lambda: Code.objects.filter(name="Horaires renommés").exists(),
            )  # fmt: skip
        if action == "merge_code":
            return GridCheck(
                "diagnostic.change_codebook", project, "post",
                reverse("coding:code_delete", args=[world.sociability.pk]), {"target": world.access.pk},
                changed=lambda: not Code.objects.filter(pk=world.sociability.pk).exists(),
            )  # fmt: skip
    if obj == "transcript":
        url = reverse("coding:transcript", args=[transcript.pk])
        if action == "view":
            return GridCheck("diagnostic.view_transcript", transcript, "get", url, secret="les horaires ne collent pas")
        if action == "code":
            start, end = span(transcript.text, "les horaires ne collent pas")
            return GridCheck(
                "diagnostic.code_transcript", transcript, "post", url,
                {"start": start, "end": end, "codes": [world.hours.pk], "version": 1},
                changed=lambda: Coding.objects.filter(code=world.hours).exists(),
            )  # fmt: skip
    if obj == "coding":
        return GridCheck(
            "diagnostic.delete_coding", world.coding, "post", reverse("coding:coding_delete"),
            {"coding": world.coding.pk}, changed=lambda: not Coding.objects.filter(pk=world.coding.pk).exists(),
        )  # fmt: skip
    if obj == "expression":
        return GridCheck(
            "diagnostic.code_expression", world.expression, "post",
            reverse("coding:expression", args=[world.expression.pk]),
            {"start": 3, "end": 9, "codes": [world.access.pk]},
            changed=lambda: Coding.objects.filter(expression=world.expression).exists(),
        )  # fmt: skip
    if obj == "excerpts":
        url = reverse("coding:excerpts", args=[world.sociability.pk])
        if action == "view":
            return GridCheck("diagnostic.view_code_excerpts", project, "get", url, secret="bibliothèque de rue")
        return GridCheck(None, None, "get", url, secret=NAME)
    if obj == "analysis":
        return GridCheck(
            "diagnostic.view_coding_analysis", project, "get", reverse("coding:analysis", args=[project.slug])
        )
    raise AssertionError((obj, action))


def _target(obj):
    from territoires.projects.selectors import project_page

    model = type(obj)
    if model.__name__ == "SharedProject":
        return project_page(obj.slug, with_progress=False)
    return model.objects.get(pk=obj.pk)


@pytest.mark.parametrize(("role", "obj", "action", "allowed"), CASES)
def test_coding_permission_grid(client, shared_world, role, obj, action, allowed):
    world = shared_world
    user = world.users[role]
    check = check_for(obj, action, world)
    if check.permission is not None:
        assert fresh(user).has_perm(check.permission, _target(check.obj)) is allowed
    if user is not None:
        client.force_login(user)
    response = getattr(client, check.method)(check.url, check.data or {})
    status = response.status_code
    body = response.content.decode()
    if (obj, action) == ("excerpts", "read_names"):
        # Everyone who may read the excerpts reads the quote; the name only inside the circle.
        assert (NAME in body) is allowed
        return
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


def test_outside_the_circle_quotes_are_pseudonymised_and_link_to_no_transcript(client, shared_world):
    world = shared_world
    client.force_login(world.referents[1])
    body = client.get(reverse("coding:excerpts", args=[world.sociability.pk])).content.decode()
    assert "[une bénévole] : Je tiens la bibliothèque de rue" in body
    assert reverse("coding:transcript", args=[world.transcript.pk]) not in body
    client.force_login(world.consultant)
    body = client.get(reverse("coding:excerpts", args=[world.sociability.pk])).content.decode()
    assert "Marie Dupont : Je tiens la bibliothèque de rue" in body
    assert reverse("coding:transcript", args=[world.transcript.pk]) in body
