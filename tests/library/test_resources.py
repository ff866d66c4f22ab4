"""Publishing, editing and reading resources: the flows a member relies on, and bad input."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from territoires.library import counters
from territoires.library.models import Attachment, Resource, ResourceRevision
from territoires.library.services import resource_publish, resource_unpublish
from territoires.search.selectors import search_documents
from tests.factories import UserFactory, make_project, pdf_bytes
from tests.library.helpers import docx_bytes, make_resource, ods_bytes

pytestmark = pytest.mark.django_db


def form_data(world, **overrides):
    data = {
        "kind": "method",
        "title": "Guide d'atelier de créativité",
        "summary": "Trois heures pour passer des idées aux actions.",
        "body": "## Divergence\n\nQuantité avant qualité.",
        "licence": "etalab-2.0",
        "tags": "atelier, créativité",
        "project": world.project.pk,
        "territory": "",
        "phase": "codesign",
        "visibility": "public",
        "action": "publish",
    }
    data.update(overrides)
    return data


def upload_draft_attachment(client, world):
    """A referent of `world` saves a draft resource for the project with a PDF attached, through
    the form (`client` is left signed in as them); returns (resource, attachment)."""
    client.force_login(world.referents[0])
    key = client.get(reverse("library:resource_create")).context["form"].initial["submission_key"]
    data = form_data(
        world,
        submission_key=key,
        visibility="project",
        action="draft",
        files=SimpleUploadedFile("guide.pdf", pdf_bytes(), "application/pdf"),
    )
    client.post(reverse("library:resource_create"), data)
    return Resource.objects.get(), Attachment.objects.get()


def test_member_publishes_a_resource_with_a_pdf_found_by_search_and_downloaded(client):
    world = make_project()
    client.force_login(world.referents[0])
    page = client.get(reverse("library:resource_create"))
    key = page.context["form"].initial["submission_key"]
    data = form_data(world, submission_key=key, files=SimpleUploadedFile("guide.pdf", pdf_bytes(), "application/pdf"))
    response = client.post(reverse("library:resource_create"), data)
    resource = Resource.objects.get()
    assert response.status_code == 302 and response.url == resource.get_absolute_url()
    assert resource.is_published and resource.published_by == world.referents[0]
    assert resource.publishing_organisation == world.towns[0]
    detail = client.get(resource.get_absolute_url()).content.decode()
    assert f"pour {world.towns[0].name}" in detail

    # The same form sent again (double click, replay) stores nothing more.
    data["files"] = SimpleUploadedFile("guide.pdf", pdf_bytes(), "application/pdf")
    client.post(reverse("library:resource_create"), data)
    assert Resource.objects.count() == 1 and Attachment.objects.count() == 1

    hits = search_documents(AnonymousUser(), "ateliers créativité").hits
    assert [hit.document.url for hit in hits] == [resource.get_absolute_url()]
    client.logout()
    attachment = resource.attachments.get()
    download = client.get(reverse("library:attachment_download", args=[resource.slug, attachment.pk]))
    assert download.status_code == 200
    assert b"".join(download.streaming_content).startswith(b"%PDF-")
    assert download["Content-Disposition"].startswith("attachment")


def test_a_draft_is_invisible_until_published_and_unpublishing_hides_it_again():
    world = make_project()
    resource = make_resource(world, title="Guide des médiathèques", publish=False)
    assert not search_documents(AnonymousUser(), "médiathèques").hits
    assert not Resource.objects.visible_to(AnonymousUser()).exists()
    resource_publish(resource=resource, user=world.referents[0])
    assert search_documents(AnonymousUser(), "médiathèques").total == 1
    resource_unpublish(resource=resource, user=world.facilitator)
    assert search_documents(AnonymousUser(), "médiathèques").total == 0


def test_edit_keeps_the_address_and_records_a_revision(client):
    world = make_project()
    resource = make_resource(world, title="Premier titre")
    url = resource.get_absolute_url()
    client.force_login(world.referents[0])
    response = client.post(
        reverse("library:resource_edit", args=[resource.slug]),
        form_data(world, title="Nouveau titre de la ressource", summary="Résumé revu."),
    )
    assert response.status_code == 302
    resource.refresh_from_db()
    assert resource.title == "Nouveau titre de la ressource" and resource.get_absolute_url() == url
    assert list(resource.revisions.values_list("number", "title")) == [
        (2, "Nouveau titre de la ressource"),
        (1, "Premier titre"),
    ]
    history = client.get(reverse("library:resource_history", args=[resource.slug])).content.decode()
    assert "Premier titre" in history and "Version 2" in history
    assert search_documents(AnonymousUser(), "nouveau titre").total == 1
    assert search_documents(AnonymousUser(), "premier").total == 0


def test_script_and_html_injection_is_rendered_inert(client):
    world = make_project()
    resource = make_resource(
        world,
        title='<img src=x onerror="alert(1)">Guide',
        summary="<script>alert('résumé')</script>",
        body="<script>alert(1)</script>\n\n[clic](javascript:alert(2)) <iframe src='//evil'></iframe> médiathèque",
        tags="<b>gras</b>",
    )
    html = client.get(resource.get_absolute_url()).content.decode()
    assert "<script>alert" not in html and "<img src=x" not in html and "<iframe" not in html
    assert "javascript:alert" not in html and "<b>gras</b>" not in html
    assert "&lt;img src=x" in html
    outcome = search_documents(AnonymousUser(), "médiathèque guide")
    page = client.get(reverse("search:search"), {"q": "médiathèque guide"}).content.decode()
    assert outcome.total == 1 and "<script>alert" not in page and "<img src=x" not in page
    assert "&lt;img src=x onerror" in outcome.hits[0].title_html


@pytest.mark.parametrize(
    "name, content, accepted, label",
    [
        ("guide.pdf", pdf_bytes(), True, "PDF"),
        ("rapport.docx", docx_bytes(), True, "DOCX"),
        ("tableau.ods", ods_bytes(), True, "ODS"),
        ("lieux.csv", "commune;lieu\nNiort;Médiathèque Pierre-Moinot\n".encode(), True, "CSV"),
        ("photo.png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 64, True, "PNG"),
        ("photo.jpg", b"\xff\xd8\xff\xe0" + b"\x00" * 64, True, "JPEG"),
        ("programme.pdf", b"MZ\x90\x00" + b"\x00" * 200, False, ""),  # a Windows executable renamed .pdf
        ("script.csv", b"#!/bin/sh\nrm -rf /\n", False, ""),
        ("archive.docx", b"PK\x03\x04not really a zip", False, ""),
        ("binaire.csv", b"\x00\x01\x02\x03" * 20, False, ""),
        ("page.html", b"<html><script>alert(1)</script></html>", False, ""),
        ("vide.pdf", b"", False, ""),
    ],
)
def test_attachments_are_judged_by_their_content(client, name, content, accepted, label):
    world = make_project()
    client.force_login(world.referents[0])
    data = form_data(world, files=SimpleUploadedFile(name, content, "application/pdf"))
    response = client.post(reverse("library:resource_create"), data)
    if accepted:
        assert response.status_code == 302
        assert Attachment.objects.get().format_label == label
    else:
        assert response.status_code == 400
        assert "Fichiers joints" in response.content.decode()
        assert not Resource.objects.exists() and not Attachment.objects.exists()


def test_an_oversized_file_is_refused_and_nothing_is_saved(client, settings):
    settings.MAX_UPLOAD_MB = 1
    world = make_project()
    client.force_login(world.referents[0])
    big = pdf_bytes() + b"0" * (1024 * 1024 + 10)
    response = client.post(
        reverse("library:resource_create"), form_data(world, files=SimpleUploadedFile("gros.pdf", big))
    )
    assert response.status_code == 400
    assert "la limite est de 1,0" in response.content.decode()
    assert not Resource.objects.exists()


def test_links_the_user_may_not_make_are_refused(client):
    world = make_project()
    other = make_project(title="Autre projet")
    client.force_login(world.referents[0])
    foreign_territory = other.project.participations.first()
    for overrides in (
        {"project": other.project.pk},
        {"project": "99999999999999999999"},
        {"territory": foreign_territory.pk},
        {"visibility": "territory"},
        {"project": "", "visibility": "project"},
        {"kind": "virus", "licence": "wtfpl", "phase": "nope"},
        {"title": "x" * 5000},
    ):
        response = client.post(reverse("library:resource_create"), form_data(world, **overrides))
        assert response.status_code == 400, overrides
    assert not Resource.objects.exists()


def test_view_and_download_counts_are_flushed_in_batches():
    world = make_project()
    resource = make_resource(world)
    for _ in range(counters.FLUSH_EVERY + 5):
        counters.record_hit(Resource, resource.pk, "view_count")
    resource.refresh_from_db()
    assert resource.view_count == counters.FLUSH_EVERY
    from territoires.library.selectors import displayed_counts

    assert displayed_counts(resource) == (counters.FLUSH_EVERY + 5, 0)
    counters.flush_all(Resource, [resource.pk], "view_count")
    resource.refresh_from_db()
    assert resource.view_count == counters.FLUSH_EVERY + 5


def test_a_page_view_writes_nothing(client, django_assert_max_num_queries):
    world = make_project()
    resource = make_resource(world)
    client.get(resource.get_absolute_url())
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        client.get(resource.get_absolute_url())
    writes = [q["sql"] for q in queries if q["sql"].lstrip().upper().startswith(("UPDATE", "INSERT", "DELETE"))]
    assert writes == []


def test_library_list_facets_and_bounded_query_count(client, django_assert_max_num_queries):
    world = make_project()
    for index in range(25):
        make_resource(world, title=f"Ressource {index}", kind="dataset" if index % 2 else "method", visibility="public")
    make_resource(world, title="Réservée au projet", visibility="project")
    page = client.get(reverse("library:library_list"))
    html = page.content.decode()
    assert page.status_code == 200 and "25 ressources" in html and "Réservée au projet" not in html
    assert "Jeu de données (12)" in html and "Méthode (13)" in html
    filtered = client.get(reverse("library:library_list"), {"kind": "dataset"}).content.decode()
    assert "12 ressources" in filtered
    with django_assert_max_num_queries(12):
        client.get(reverse("library:library_list"), {"page": 2, "theme": "1"})
    client.force_login(world.referents[1])
    member_page = client.get(reverse("library:library_list")).content.decode()
    assert "26 ressources" in member_page
    with django_assert_max_num_queries(16):
        client.get(reverse("library:library_list"))
    with django_assert_max_num_queries(20):
        client.get(reverse("library:project_resources", args=[world.project.slug]))


def test_forged_filters_and_pages_never_fail(client):
    make_project()
    for params in (
        {"kind": "<script>", "theme": "abc", "year": "9" * 40, "project": "-1", "page": "x"},
        {"licence": "'; DROP TABLE library_resource; --", "phase": "\x00"},
        {"page": "99999"},
    ):
        assert client.get(reverse("library:library_list"), params).status_code == 200
    assert client.get(reverse("library:resource_detail", args=["nexiste-pas"])).status_code == 404


def test_project_page_has_a_resources_tab_and_count(client):
    world = make_project()
    make_resource(world, title="Ressource publique")
    make_resource(world, title="Ressource du projet", visibility="project")
    html = client.get(world.project.get_absolute_url()).content.decode()
    assert reverse("library:project_resources", args=[world.project.slug]) in html
    tab = client.get(reverse("library:project_resources", args=[world.project.slug])).content.decode()
    assert "Ressource publique" in tab and "Ressource du projet" not in tab


def test_revisions_are_kept_per_edit():
    world = make_project()
    resource = make_resource(world)
    assert ResourceRevision.objects.filter(resource=resource).count() == 1


def test_registered_user_without_project_cannot_open_the_form(client):
    client.force_login(UserFactory())
    assert client.get(reverse("library:resource_create")).status_code == 403


def test_admin_edits_and_deletions_keep_search_in_step(client):
    from territoires.accounts.models import User

    world = make_project()
    resource = make_resource(world, title="Guide des médiathèques")
    admin = User.objects.create_superuser(email="root@exemple.fr", password="x")
    client.force_login(admin)
    change_url = reverse("admin:library_resource_change", args=[resource.pk])
    form = client.get(change_url).context["adminform"].form
    data = {name: value for name, value in form.initial.items() if value is not None and name != "themes"}
    data.update(
        {
            "title": "Guide des ludothèques",
            "project": world.project.pk,
            "territory": resource.territory_id,
            "attachments-TOTAL_FORMS": "1",
            "attachments-INITIAL_FORMS": "1",
            "attachments-0-id": resource.attachments.get().pk,
            "attachments-0-resource": resource.pk,
        }
    )
    assert client.post(change_url, data).status_code == 302
    assert search_documents(AnonymousUser(), "ludothèques").total == 1
    assert search_documents(AnonymousUser(), "médiathèques").total == 0
    response = client.post(reverse("admin:library_resource_delete", args=[resource.pk]), {"post": "yes"})
    assert response.status_code == 302 and not Resource.objects.exists()
    assert search_documents(AnonymousUser(), "ludothèques").total == 0


def test_cached_lists_follow_writes_and_never_cross_audiences(client, django_capture_on_commit_callbacks):
    world = make_project()
    make_resource(world, title="Ressource publique")
    make_resource(world, title="Réservée au projet", visibility="project")
    client.force_login(world.referents[1])
    assert "Réservée au projet" in client.get(reverse("library:library_list")).content.decode()
    client.logout()
    client.force_login(UserFactory())  # a registered user outside the project: another reach
    assert "Réservée au projet" not in client.get(reverse("library:library_list")).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        make_resource(world, title="Publiée après coup")
    assert "Publiée après coup" in client.get(reverse("library:library_list")).content.decode()
