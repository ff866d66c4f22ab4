"""Who may export and import the project's coding (REFI-QDA): roles × actions, on the rule and over
HTTP. The `.qdpx` holds transcripts: only the transcript circle exports it (consultancy and
facilitators for the whole project, a referent for their own territory); the `.qdc` codebook goes to
every project member; importing changes the shared codebook: consultancy and facilitators only.
Refused → 403 or 404, a visitor → the login page, and nothing is queued."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from territoires.diagnostic.qdpx import services, writer
from territoires.diagnostic.qdpx.models import CodingExchange
from tests.diagnostic.qdpx_helpers import build_corpus
from tests.factories import make_project
from tests.fuzz.crawler import close_keeping_connection
from tests.support import data_kept_for_the_module, grid_users

pytestmark = pytest.mark.django_db

Y, N = True, False
ROLES = ("visitor", "resident", "observer", "agent_x", "elected_x", "referent_x", "referent_y", "consultant",
         "facilitator", "other_project")  # fmt: skip

# fmt: off
GRID = {
    #  action:              vis res obs agX elX refX refY cons fac other
    "open_page":            (N,  N,  N,  Y,  Y,  Y,   Y,   Y,   Y,  N),
    "export_project":       (N,  N,  N,  N,  N,  N,   N,   Y,   Y,  N),
    "export_territory_x":   (N,  N,  N,  N,  N,  Y,   N,   Y,   Y,  N),
    "export_codebook":      (N,  N,  N,  Y,  Y,  Y,   Y,   Y,   Y,  N),
    "import_codebook":      (N,  N,  N,  N,  N,  N,   N,   Y,   Y,  N),
    "import_project_x":     (N,  N,  N,  N,  N,  N,   N,   Y,   Y,  N),
}
# fmt: on

RULES = {
    "open_page": ("diagnostic.export_codebook", "project"),
    "export_project": ("diagnostic.export_coding_project", "project"),
    "export_territory_x": ("diagnostic.export_coding_territory", "x"),
    "export_codebook": ("diagnostic.export_codebook", "project"),
    "import_codebook": ("diagnostic.import_codebook", "project"),
    "import_project_x": ("diagnostic.import_coding_project", "x"),
}

CASES = [
    pytest.param(role, action, allowed, id=f"{action}-{role}")
    for action, cells in GRID.items()
    for role, allowed in zip(ROLES, cells, strict=True)
]


def build_world():
    world = make_project(observers=1)
    build_corpus(world)
    other = make_project(title="Autre projet")
    world.codebook = writer.codebook_xml(world.project)
    world.users = grid_users(world, other)
    return world


@pytest.fixture(scope="module")
def shared_world(django_db_setup, django_db_blocker):
    with data_kept_for_the_module(django_db_blocker, build_world) as world:
        yield world


@pytest.mark.parametrize(("role", "action", "allowed"), CASES)
def test_rule(shared_world, role, action, allowed):
    from django.contrib.auth.models import AnonymousUser

    world = shared_world
    user = world.users[role] or AnonymousUser()
    permission, target = RULES[action]
    obj = world.project if target == "project" else world.x
    assert user.has_perm(permission, obj) is allowed


def _post(client, world, action):
    url = reverse("qdpx:exchange", args=[world.project.slug])
    if action == "open_page":
        return client.get(url)
    if action == "export_project":
        return client.post(url, {"action": "export", "export-scope": ""})
    if action == "export_territory_x":
        return client.post(url, {"action": "export", "export-scope": str(world.x.pk)})
    if action == "export_codebook":
        return client.post(url, {"action": "export_qdc"})
    if action == "import_codebook":
        return client.post(url, {"action": "import_qdc", "qdc-file": SimpleUploadedFile("g.qdc", world.codebook)})
    return client.post(
        url,
        {"action": "import_qdpx", "qdpx-territory": str(world.x.pk), "qdpx-file": SimpleUploadedFile("p.qdpx", b"PK")},
    )


@pytest.mark.parametrize(("role", "action", "allowed"), CASES)
def test_http(client, shared_world, role, action, allowed):
    world = shared_world
    user = world.users[role]
    if user is not None:
        client.force_login(user)
    before = CodingExchange.objects.count()
    response = _post(client, world, action)
    if allowed:
        if action == "open_page":
            assert response.status_code == 200
        else:
            assert response.status_code == 302 and "/codage/echange/" in response["Location"], response.status_code
            assert CodingExchange.objects.count() == before + 1
    else:
        if user is None:
            assert response.status_code in (302, 404)
            if response.status_code == 302:
                assert "/connexion/" in response["Location"] or "login" in response["Location"]
        else:
            # A refused export of the whole project is a form error for those who may export a territory.
            assert response.status_code in (400, 403, 404), response.status_code
        assert CodingExchange.objects.count() == before


def test_only_the_requester_sees_and_downloads_an_export(client, shared_world, tmp_path, settings):
    settings.PRIVATE_MEDIA_ROOT = str(tmp_path)
    world = shared_world
    exchange = CodingExchange.objects.create(
        project=world.project, kind="export_qdpx", requested_by=world.consultant, token="grid"
    )
    services.coding_exchange_run(exchange_id=exchange.pk)
    status = reverse("qdpx:status", args=[exchange.pk])
    download = reverse("qdpx:download", args=[exchange.pk])
    for someone in (world.facilitator, world.referents[0], world.observers[0]):
        client.force_login(someone)
        assert client.get(status).status_code == 404
        assert client.get(download).status_code == 404
    client.force_login(world.consultant)
    assert client.get(status).status_code == 200
    response = client.get(download)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    assert b"".join(response.streaming_content)[:2] == b"PK"
    close_keeping_connection(response)


def test_a_referent_who_lost_the_role_can_no_longer_download(client, shared_world, tmp_path, settings):
    settings.PRIVATE_MEDIA_ROOT = str(tmp_path)
    world = shared_world
    referent = world.referents[0]
    exchange = CodingExchange.objects.create(
        project=world.project, territory=world.x, kind="export_qdpx", requested_by=referent, token="lost"
    )
    services.coding_exchange_run(exchange_id=exchange.pk)
    exchange.refresh_from_db()
    assert exchange.status == "done"
    referent.memberships.update(role="agent")
    client.force_login(referent)
    assert client.get(reverse("qdpx:download", args=[exchange.pk])).status_code == 404
