"""Who may import into a territory's directory, follow an import, download its report and resolve
its duplicates: the directory's roles (tests/diagnostic/test_permission_grid.py) × import actions,
checked on the rule and over HTTP. Refused → 403 (a visitor: the login page) and nothing changes."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from territoires.diagnostic.imports.models import DuplicateProposal, ImportJob
from tests.diagnostic.test_permission_grid import build_world, fresh
from tests.support import data_kept_for_the_module

pytestmark = pytest.mark.django_db

ACTIONS = ("open_imports", "upload", "view_import", "download_report", "review_duplicates", "resolve_duplicate")
Y, N = True, False
# fmt: off
GRID = {
    # role              open upload view report review resolve
    "visitor":          (N,   N,     N,   N,     N,     N),
    "resident":         (N,   N,     N,   N,     N,     N),
    "observer":         (N,   N,     N,   N,     N,     N),
    "agent_x":          (Y,   Y,     Y,   Y,     Y,     Y),
    "elected_x":        (Y,   Y,     Y,   Y,     Y,     Y),
    "referent_x":       (Y,   Y,     Y,   Y,     Y,     Y),
    "referent_y":       (N,   N,     N,   N,     N,     N),  # another town of the project
    "consultant":       (Y,   Y,     Y,   Y,     Y,     Y),
    "facilitator":      (Y,   Y,     Y,   Y,     Y,     Y),
    "other_project":    (N,   N,     N,   N,     N,     N),
}
# fmt: on
CASES = [
    pytest.param(role, action, allowed, id=f"{action}-{role}")
    for role, cells in GRID.items()
    for action, allowed in zip(ACTIONS, cells, strict=True)
]


def build_import_world():
    world = build_world()
    world.job = ImportJob.objects.create(
        project=world.project, territory=world.x, requested_by=world.referents[0], filename="lieux.csv",
        file_format="csv", sha256="0" * 64, status=ImportJob.Status.DONE, source="Fichier de la ville", source_year=2024,
        error_count=1,
    )  # fmt: skip
    world.job.line_errors.create(line=3, name="Ligne secrète", message="le nom est vide")
    published, draft = world.entries["place"]["published"], world.entries["place"]["draft"]
    world.proposal = DuplicateProposal.objects.create(
        job=world.job, territory=world.x, existing=published, imported=draft, reason="similar", score=90
    )
    return world


@pytest.fixture(scope="module")
def shared_world(django_db_setup, django_db_blocker):
    with data_kept_for_the_module(django_db_blocker, build_import_world) as world:
        yield world


def request_for(action, world):
    x = world.towns[0].slug
    if action == "open_imports":
        return "get", reverse("diagnostic:import_list", args=[world.project.slug, x]), None, None
    if action == "upload":
        data = {
            "target": "directory",
            "file": SimpleUploadedFile("f.csv", b"Nom;Adresse\nSalle Pierre;1 rue\n"),
        }
        return (
            "post",
            reverse("diagnostic:import_list", args=[world.project.slug, x]),
            data,
            (lambda: ImportJob.objects.filter(filename="f.csv").exists()),
        )
    if action == "view_import":
        return "get", reverse("diagnostic:import_detail", args=[world.job.pk]), None, None
    if action == "download_report":
        return "get", reverse("diagnostic:import_report", args=[world.job.pk]), None, None
    if action == "review_duplicates":
        return "get", reverse("diagnostic:duplicate_list", args=[world.project.slug, x]), None, None
    if action == "resolve_duplicate":
        return (
            "post",
            reverse("diagnostic:duplicate_resolve", args=[world.proposal.pk]),
            {"action": "dismiss"},
            (lambda: DuplicateProposal.objects.get(pk=world.proposal.pk).status == "dismissed"),
        )
    raise AssertionError(action)


@pytest.mark.parametrize(("role", "action", "allowed"), CASES)
def test_import_permission_grid(client, shared_world, role, action, allowed):
    world = shared_world
    user = world.users[role]
    assert fresh(user).has_perm("diagnostic.import_entries", world.x) is allowed
    if user is not None:
        client.force_login(user)
    method, url, data, changed = request_for(action, world)
    response = getattr(client, method)(url, data or {})
    status = response.status_code
    sent_to_login = status == 302 and response["Location"].startswith(reverse("accounts:login"))
    if allowed:
        assert status in (200, 302) and not sent_to_login, status
    elif user is None:
        assert sent_to_login, status
    else:
        assert status == 403, status
        assert "Ligne secrète" not in response.content.decode(errors="replace")
    if changed is not None:
        assert changed() is allowed
