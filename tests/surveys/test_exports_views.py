"""The export pages as their users drive them: who may export what (a role × action grid over HTTP),
the background build with its progress and failure message, the download through a checked view."""

import uuid

import pytest
from django.urls import reverse

from territoires.surveys import exports
from territoires.surveys.models import Export, Response
from tests.factories import MembershipFactory, OrganisationFactory, UserFactory, make_project
from tests.surveys.factories import make_survey, valid_answers

pytestmark = pytest.mark.django_db

ROLES = (
    "visitor",  # anonymous
    "resident",  # logged in, no membership
    "observer",  # referent of an accepted observer town
    "other_project",  # referent of a town in another project
    "collector",  # survey group member of town X, no role in any authority
    "agent_x",
    "referent_x",
    "referent_y",  # referent of another participating town
    "consultant",
    "facilitator",
)
Y, N = True, False
# fmt: off
GRID = [
    # action              visitor resident observer other collector agent_x ref_x ref_y consultant facilitator
    ("view_page",            N,     N,       N,      N,     N,       Y,     Y,    Y,     Y,        Y),
    ("export_all",           N,     N,       N,      N,     N,       N,     N,    N,     Y,        Y),
    ("export_x",             N,     N,       N,      N,     N,       Y,     Y,    N,     Y,        Y),
    ("download_all_export",  N,     N,       N,      N,     N,       N,     N,    N,     Y,        Y),
    ("download_x_export",    N,     N,       N,      N,     N,       Y,     Y,    N,     Y,        Y),
    ("poll_x_export",        N,     N,       N,      N,     N,       Y,     Y,    N,     Y,        Y),
]
# fmt: on


@pytest.fixture
def world():
    ns = make_project(observers=1)
    built = make_survey(project_ns=ns)
    x, y = built.deployments[0], built.deployments[1]
    for deployment in (x, x, y):
        Response.objects.create(
            survey=built.survey,
            deployment=deployment,
            structure_version=1,
            channel="online",
            idempotency_key=uuid.uuid4(),
            answers=valid_answers(),
            age_band="25-34",
            gender="f",
        )
    other = make_project(participants=3, title="Autre projet")
    users = {
        "visitor": None,
        "resident": UserFactory(),
        "observer": ns.observers[0],
        "other_project": other.referents[0],
        "collector": built.collector,
        "agent_x": ns.agents[0],
        "referent_x": ns.referents[0],
        "referent_y": ns.referents[1],
        "consultant": ns.consultant,
        "facilitator": ns.facilitator,
    }
    all_export = Export.objects.create(survey=built.survey, requested_by=ns.facilitator, format="csv")
    x_export = Export.objects.create(survey=built.survey, requested_by=ns.referents[0], format="csv", deployment=x)
    for export in (all_export, x_export):
        exports.export_build_file(export_id=export.pk)
    built.all_export, built.x_export = all_export, x_export
    built.x, built.y = x, y
    built.users = users
    return built


def _client(client, user):
    if user is not None:
        client.force_login(user)
    return client


def _post(client, built, territory, **extra):
    data = {"format": "csv", "delimiter": ";", "bom": "on", "territory": territory, **extra}
    return client.post(reverse("surveys:exports", args=[built.survey.pk]), data)


def _attempt(client, built, action):
    """(allowed, response) — allowed judged on what happened, not only on the status code."""
    survey = built.survey
    if action == "view_page":
        response = client.get(reverse("surveys:exports", args=[survey.pk]))
        return response.status_code == 200, response
    if action in ("export_all", "export_x"):
        before = Export.objects.count()
        territory = "all" if action == "export_all" else str(built.x.pk)
        response = _post(client, built, territory)
        created = Export.objects.count() - before
        assert created in (0, 1)
        return created == 1, response
    if action.startswith("download"):
        export = built.all_export if action == "download_all_export" else built.x_export
        response = client.get(reverse("surveys:export_download", args=[survey.pk, export.pk]))
        if response.status_code == 200:
            b"".join(response.streaming_content)
        return response.status_code == 200, response
    if action == "poll_x_export":
        response = client.get(
            reverse("surveys:export_status", args=[survey.pk, built.x_export.pk]), headers={"HX-Request": "true"}
        )
        return response.status_code == 200, response
    raise AssertionError(action)


@pytest.mark.parametrize(("action", "expected"), [(row[0], row[1:]) for row in GRID], ids=[row[0] for row in GRID])
def test_permission_grid(client, world, action, expected):
    for role, allowed in zip(ROLES, expected, strict=True):
        client.logout()
        user = world.users[role]
        got, response = _attempt(_client(client, user), world, action)
        assert got == allowed, f"{action} × {role}: HTTP {response.status_code}"
        assert response.status_code < 500
        if not allowed:
            if user is None:
                assert response.status_code == 302 and "/compte/" in response["Location"]
            else:
                assert response.status_code in (400, 403, 404), f"{action} × {role}"


def test_referent_form_offers_only_its_territory_and_a_forged_one_is_refused(client, world):
    client.force_login(world.users["referent_x"])
    page = client.get(reverse("surveys:exports", args=[world.survey.pk])).content.decode()
    assert f'value="{world.x.pk}"' in page
    assert f'value="{world.y.pk}"' not in page and 'value="all"' not in page
    before = Export.objects.count()
    for forged in (str(world.y.pk), "all", "999999999999999999999", "abc", ""):
        response = _post(client, world, forged)
        assert response.status_code == 400
        assert "Sélectionnez un choix valide" in response.content.decode() or "obligatoire" in response.content.decode()
    assert Export.objects.count() == before
    response = _post(client, world, str(world.x.pk), format="pdf", delimiter="|")
    assert response.status_code == 400
    assert Export.objects.count() == before


def test_referent_lists_only_its_territory_exports(client, world):
    client.force_login(world.users["referent_x"])
    page = client.get(reverse("surveys:exports", args=[world.survey.pk])).content.decode()
    assert reverse("surveys:export_download", args=[world.survey.pk, world.x_export.pk]) in page
    assert reverse("surveys:export_download", args=[world.survey.pk, world.all_export.pk]) not in page


def test_referent_download_contains_only_its_territory(client, world):
    client.force_login(world.users["referent_x"])
    response = client.get(reverse("surveys:export_download", args=[world.survey.pk, world.x_export.pk]))
    content = b"".join(response.streaming_content).decode()
    lines = content.strip().splitlines()
    assert len(lines) == 1 + 2
    y_name = world.y.participation.organisation.name
    assert y_name not in content
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["Cache-Control"] == "private, no-store"


def test_behind_nginx_the_export_is_handed_to_the_proxy_only_after_the_permission_check(client, world, settings):
    """With FILES_ACCEL_REDIRECT the view still decides; nginx only sends. A referent of another
    territory gets a 404 and no header naming the file."""
    settings.FILES_ACCEL_REDIRECT = "/_fichiers/"
    url = reverse("surveys:export_download", args=[world.survey.pk, world.x_export.pk])
    client.force_login(world.users["referent_x"])
    response = client.get(url)
    assert response.status_code == 200
    world.x_export.refresh_from_db()
    assert response["X-Accel-Redirect"] == "/_fichiers/private/" + world.x_export.file.name
    assert response["Cache-Control"] == "private, no-store"
    client.force_login(world.users["referent_y"])
    refused = client.get(url)
    assert refused.status_code == 404 and "X-Accel-Redirect" not in refused


def test_forged_ids_give_404(client, world):
    client.force_login(world.users["facilitator"])
    survey = world.survey
    for url in (
        reverse("surveys:exports", args=[999999]),
        reverse("surveys:export_download", args=[survey.pk, 999999]),
        reverse("surveys:export_status", args=[survey.pk, 999999]),
        f"/enquetes/{survey.pk}/exports/{10**30}/telecharger/",
        f"/enquetes/{10**30}/exports/",
    ):
        assert client.get(url, headers={"HX-Request": "true"}).status_code == 404, url
    # An export of another survey is not reachable through this survey's URL.
    other = make_survey(project_ns=world.project_ns, title="Autre enquête")
    url = reverse("surveys:export_download", args=[other.survey.pk, world.x_export.pk])
    assert client.get(url).status_code == 404


def test_request_builds_in_background_then_downloads(client, world, django_capture_on_commit_callbacks):
    client.force_login(world.users["consultant"])
    with django_capture_on_commit_callbacks(execute=True):
        response = _post(client, world, "all")
    assert response.status_code == 302
    export = Export.objects.latest("pk")
    assert export.status == Export.Status.DONE
    assert (export.progress, export.row_count) == (100, 3)
    assert export.options == {"delimiter": ";", "bom": True}
    # Stored outside MEDIA_ROOT, without any public URL.
    from django.conf import settings

    assert not export.file.path.startswith(str(settings.MEDIA_ROOT))
    assert export.file.url == ""
    page = client.get(reverse("surveys:exports", args=[world.survey.pk])).content.decode()
    assert "Terminé" in page and "3 réponses" in page
    response = client.get(reverse("surveys:export_download", args=[world.survey.pk, export.pk]))
    content = b"".join(response.streaming_content)
    assert content.startswith(b"\xef\xbb\xbfid;territoire;canal")
    assert response["Content-Type"] == "text/csv; charset=utf-8"


def test_a_form_sent_twice_is_stored_once(client, world):
    client.force_login(world.users["facilitator"])
    key = str(uuid.uuid4())
    before = Export.objects.count()
    for _attempt_number in range(2):
        assert _post(client, world, "all", submission_key=key).status_code == 302
    assert Export.objects.count() == before + 1


def test_too_many_exports_in_progress_are_refused(client, world):
    client.force_login(world.users["facilitator"])
    for _index in range(exports.MAX_RUNNING_PER_USER):
        assert _post(client, world, "all").status_code == 302  # left queued: on_commit does not run here
    response = _post(client, world, "all")
    assert response.status_code == 400
    assert "exports en cours" in response.content.decode()


def test_progress_is_stored_while_building(world, monkeypatch):
    monkeypatch.setattr(exports, "CHUNK", 1)
    seen = []
    original = exports._mark

    def spy(export_id, **fields):
        seen.append(dict(fields))
        original(export_id, **fields)

    monkeypatch.setattr(exports, "_mark", spy)
    export = Export.objects.create(survey=world.survey, requested_by=world.users["facilitator"], format="xlsx")
    export = exports.export_build_file(export_id=export.pk)
    assert seen[0]["status"] == Export.Status.RUNNING
    progress = [fields["progress"] for fields in seen[1:-1]]
    assert progress == sorted(progress) and progress[0] > 0 and max(progress) <= 99
    assert [fields["row_count"] for fields in seen[1:-1]] == [1, 2, 3]
    assert seen[-1]["status"] == Export.Status.DONE and seen[-1]["progress"] == 100


def test_polling_shows_progress_then_stops_when_done(client, world):
    client.force_login(world.users["facilitator"])
    export = Export.objects.create(
        survey=world.survey, requested_by=world.users["facilitator"], format="csv", status="running", progress=42
    )
    url = reverse("surveys:export_status", args=[world.survey.pk, export.pk])
    row = client.get(url, headers={"HX-Request": "true"}).content.decode()
    assert "42 %" in row and 'hx-trigger="every 2s"' in row
    exports.export_build_file(export_id=export.pk)
    row = client.get(url, headers={"HX-Request": "true"}).content.decode()
    assert "hx-trigger" not in row and "Télécharger" in row
    assert 'hx-swap-oob="true"' in row and "prêt à télécharger" in row
    # Without htmx, the row's URL sends back to the page.
    assert client.get(url).status_code == 302


def test_failure_is_shown_with_a_clear_message(client, world, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(exports, "write_csv", broken)
    export = Export.objects.create(survey=world.survey, requested_by=world.users["facilitator"], format="csv")
    export = exports.export_build_file(export_id=export.pk)
    assert export.status == Export.Status.FAILED
    assert "erreur inattendue" in export.error and "disk" not in export.error
    client.force_login(world.users["facilitator"])
    page = client.get(reverse("surveys:exports", args=[world.survey.pk])).content.decode()
    assert "Échec" in page and "Relancez-le" in page
    assert client.get(reverse("surveys:export_download", args=[world.survey.pk, export.pk])).status_code == 404


def test_known_refusal_is_shown_as_is(world, monkeypatch):
    monkeypatch.setattr(exports, "XLSX_MAX_ROWS", 2)
    export = Export.objects.create(survey=world.survey, requested_by=world.users["facilitator"], format="xlsx")
    export = exports.export_build_file(export_id=export.pk)
    assert export.status == Export.Status.FAILED
    assert "choisissez le format CSV" in export.error


def test_stalled_export_is_flagged(client, world):
    export = Export.objects.create(survey=world.survey, requested_by=world.users["facilitator"], format="csv")
    Export.objects.filter(pk=export.pk).update(
        status="running", updated_at=export.created_at - exports.STALLED_AFTER * 2
    )
    client.force_login(world.users["facilitator"])
    page = client.get(reverse("surveys:exports", args=[world.survey.pk])).content.decode()
    assert "Interrompu" in page


def test_export_list_query_count_is_bounded(client, world, django_assert_max_num_queries):
    facilitator = world.users["facilitator"]
    for index in range(25):
        organisation = OrganisationFactory()
        requester = MembershipFactory(organisation=organisation).user
        Export.objects.create(
            survey=world.survey,
            requested_by=requester if index % 2 else facilitator,
            format="csv",
            deployment=world.x if index % 3 else None,
        )
    client.force_login(facilitator)
    with django_assert_max_num_queries(30):
        response = client.get(reverse("surveys:exports", args=[world.survey.pk]))
    assert response.status_code == 200
    assert "fr-pagination" in response.content.decode()


def test_empty_state(client):
    built = make_survey()
    client.force_login(built.project_ns.facilitator)
    page = client.get(reverse("surveys:exports", args=[built.survey.pk])).content.decode()
    assert "Aucun export pour le moment" in page


def test_old_exports_are_purged_with_their_files(world):
    export = Export.objects.get(pk=world.x_export.pk)
    path = export.file.path
    Export.objects.filter(pk=export.pk).update(created_at=export.created_at - exports.STALLED_AFTER * 24 * 2 * 31)
    assert exports.exports_purge(older_than_days=30) == 1
    assert not Export.objects.filter(pk=export.pk).exists()
    import os

    assert not os.path.exists(path)
    assert Export.objects.filter(pk=world.all_export.pk).exists()
