"""Who may do what with a panel drawn by lot: roles × (panel, pool, draw, record) × actions, on
the rule and over HTTP. The panel belongs to town X of a public project. Volunteers' names and
contacts: the project's facilitators and X's referent only; the record: everyone."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from territoires.codesign.panels import services
from territoires.codesign.panels.models import Draw, Panel, Volunteer
from tests.codesign.world import build_world
from tests.factories import make_project
from tests.support import data_kept_for_the_module, fresh, grid_users

pytestmark = pytest.mark.django_db

Y, N = True, False
ROLES = (
    "visitor", "resident", "observer", "agent_x", "elected_x", "referent_x", "referent_y",
    "consultant", "facilitator", "other_project",
)  # fmt: skip
# fmt: off
GRID = {
    #                        vis res obs agX elX refX refY cons fac other
    "panel.view":           (Y,  Y,  Y,  Y,  Y,  Y,   Y,   Y,   Y,  Y),
    "panel.view_draft":     (N,  N,  N,  Y,  Y,  Y,   N,   Y,   Y,  N),
    "panel.add":            (N,  N,  N,  Y,  Y,  Y,   N,   Y,   Y,  N),
    "panel.change":         (N,  N,  N,  Y,  Y,  Y,   N,   Y,   Y,  N),
    "pool.view_names":      (N,  N,  N,  N,  N,  Y,   N,   N,   Y,  N),
    "pool.import":          (N,  N,  N,  N,  N,  Y,   N,   N,   Y,  N),
    "pool.withdraw":        (N,  N,  N,  N,  N,  Y,   N,   N,   Y,  N),
    "draw.draw":            (N,  N,  N,  N,  N,  Y,   N,   N,   Y,  N),
    "record.view":          (Y,  Y,  Y,  Y,  Y,  Y,   Y,   Y,   Y,  Y),
}
# fmt: on
CASES = [
    pytest.param(role, action, allowed, id=f"{action}-{role}")
    for action, cells in GRID.items()
    for role, allowed in zip(ROLES, cells, strict=True)
]
SECRET_NAME = "Dominique Volontaire-Secrète"
CSV = "nom;email;telephone;tranche_age;sexe;quartier;aucun_lieu_culturel\nImportée Grille;grille@example.org;;25-34;f;centre;oui\n"


def build():
    world = build_world()
    other = make_project(title="Autre projet")
    referent = world.referents[0]
    world.panel = services.panel_save(
        panel=Panel(plan=world.plan, title="Convention", kind="convention", purpose="Question", size=4,
                    algorithm="legacy"),
        user=referent, neighbourhoods_text="centre: Centre\nnord: Nord",
    )  # fmt: skip
    services.panel_set_status(panel=world.panel, status="recruiting", user=referent)
    world.draft = services.panel_save(
        panel=Panel(plan=world.plan, title="Panel brouillon secret", kind="consensus", purpose="Q", size=4),
        user=referent,
    )
    quotas = {"sex": {"f": [0, 4], "m": [0, 4], "x": [0, 1]}, "non_audience": {"oui": [0, 4], "non": [0, 4]}}
    services.panel_quotas_save(panel=world.panel, quotas=quotas, user=referent)
    world.volunteer = Volunteer.objects.create(
        panel=world.panel, name=SECRET_NAME, email="secret@example.org", contact_key="e:secret@example.org",
        age_band="25-34", sex="f", neighbourhood="centre", non_audience="oui", consent=True,
    )  # fmt: skip
    for i in range(8):
        Volunteer.objects.create(
            panel=world.panel, name=f"V{i}", email=f"v{i}@example.org", contact_key=f"e:v{i}@example.org",
            age_band="35-49", sex="fm"[i % 2], neighbourhood="nord", non_audience="non", consent=True,
        )  # fmt: skip
    world.users = grid_users(world, other)
    return world


@pytest.fixture(scope="module")
def shared_world(django_db_setup, django_db_blocker):
    with data_kept_for_the_module(django_db_blocker, build) as world:
        yield world


def check_for(action, world):
    """(permission, object, method, url, data, changed, secret)."""
    panel = world.panel
    if action == "panel.view":
        return "codesign.view_panel", panel, "get", panel.get_absolute_url(), None, None, ""
    if action == "panel.view_draft":
        return (
            "codesign.view_panel",
            world.draft,
            "get",
            world.draft.get_absolute_url(),
            None,
            None,
            "Panel brouillon secret",
        )
    if action == "panel.add":
        return (
            "codesign.add_panel", world.plan, "post", reverse("codesign:panel_create", args=[world.plan.pk]),
            {"title": "Panel grille", "kind": "consensus", "purpose": "Q", "size": 10, "algorithm": "maximin"},
            lambda: Panel.objects.filter(title="Panel grille").exists(), "",
        )  # fmt: skip
    if action == "panel.change":
        return (
            "codesign.change_panel", panel, "post", reverse("codesign:panel_status", args=[panel.pk]),
            {"status": "closed"}, lambda: Panel.objects.get(pk=panel.pk).status == "closed", "",
        )  # fmt: skip
    if action == "pool.view_names":
        url = reverse("codesign:panel_volunteers", args=[panel.pk])
        return "codesign.view_volunteers", panel, "get", url, None, None, SECRET_NAME
    if action == "pool.import":
        return (
            "codesign.import_volunteers", panel, "post", reverse("codesign:panel_import", args=[panel.pk]),
            {"file": SimpleUploadedFile("v.csv", CSV.encode(), content_type="text/csv")},
            lambda: Volunteer.objects.filter(name="Importée Grille").exists(), "",
        )  # fmt: skip
    if action == "pool.withdraw":
        volunteer = world.volunteer
        return (
            "codesign.draw_panel", panel, "post", reverse("codesign:volunteer_withdraw", args=[volunteer.pk]), {},
            lambda: Volunteer.objects.get(pk=volunteer.pk).withdrawn_at is not None, "",
        )  # fmt: skip
    if action == "draw.draw":
        return (
            "codesign.draw_panel", panel, "post", reverse("codesign:panel_draw", args=[panel.pk]), {},
            lambda: Draw.objects.filter(panel=panel).exists(), "",
        )  # fmt: skip
    if action == "record.view":
        return "codesign.view_panel", panel, "get", panel.get_record_url(), None, None, ""
    raise AssertionError(action)


@pytest.mark.parametrize(("role", "action", "allowed"), CASES)
def test_panels_permission_grid(client, shared_world, role, action, allowed):
    world = shared_world
    user = world.users[role]
    permission, obj, method, url, data, changed, secret = check_for(action, world)
    if action != "record.view":
        assert fresh(user).has_perm(permission, type(obj).objects.get(pk=obj.pk)) is allowed
    if user is not None:
        client.force_login(user)
    response = getattr(client, method)(url, data or {})
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
    if changed is not None:
        assert changed() is allowed
    if secret:
        assert (secret in body) is allowed
    # The record never names anyone, whoever reads it.
    if action == "record.view":
        assert SECRET_NAME not in body and "secret@example.org" not in body
