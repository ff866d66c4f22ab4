"""Core: sanitised Markdown, the public page cache, the security policy header and the language switch."""

import html

import pytest
from django.conf import settings
from django.db import transaction
from django.urls import reverse

from territoires.core.markdown import render_markdown
from territoires.projects import services
from territoires.projects.models import SharedProject
from tests.factories import make_project


def text(response) -> str:
    return html.unescape(response.content.decode())


# Markdown ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "source",
    [
        "<script>alert('xss')</script>",
        "Bonjour <SCRIPT src=https://evil.example/x.js></SCRIPT>",
        '<img src="x" onerror="alert(1)">',
        '<a href="#" onclick="alert(1)">clic</a>',
        "<iframe src='https://evil.example'></iframe>",
        '<p style="background:url(javascript:alert(1))">x</p>',
    ],
)
def test_markdown_neutralises_html_scripts(source):
    rendered = render_markdown(source).lower()
    for dangerous in ("<script", "onerror", "onclick", "<iframe", "javascript:", "style="):
        assert dangerous not in rendered


@pytest.mark.parametrize(
    "source",
    [
        "[cliquez](javascript:alert(1))",
        "[cliquez](JaVaScRiPt:alert(1))",
        "[cliquez](  javascript:alert(1))",
        '<a href="javascript:alert(1)">x</a>',
        "[cliquez](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
        "[cliquez](vbscript:msgbox(1))",
        "![image](javascript:alert(1))",
    ],
)
def test_markdown_neutralises_dangerous_links(source):
    rendered = render_markdown(source).lower()
    assert "javascript:" not in rendered
    assert "data:" not in rendered
    assert "vbscript:" not in rendered


def test_markdown_keeps_ordinary_formatting_and_safe_links():
    rendered = render_markdown("## Objectifs\n\n- **Écouter** les habitants\n- [Le site](https://www.niort.fr)")
    assert "<h2>Objectifs</h2>" in rendered
    assert "<strong>Écouter</strong>" in rendered
    assert 'href="https://www.niort.fr"' in rendered
    assert "noopener" in rendered


@pytest.mark.django_db
def test_a_project_page_never_runs_a_script_typed_in_its_description(client):
    world = make_project(participants=3)
    SharedProject.objects.filter(pk=world.project.pk).update(
        description="Texte <script>document.title='pirate'</script> [lien](javascript:alert(1))"
    )
    page = client.get(world.project.get_absolute_url()).content.decode().lower()
    assert "<script>document" not in page
    assert "javascript:alert" not in page


# Public page cache -------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_visitor_gets_a_cached_page_on_the_second_visit(client):
    world = make_project(participants=3)
    first = client.get(world.project.get_absolute_url())
    second = client.get(world.project.get_absolute_url())
    assert first["X-Page-Cache"] == "miss"
    assert second["X-Page-Cache"] == "hit"
    assert second.content == first.content


@pytest.mark.django_db(transaction=True)
def test_a_visitor_sees_a_new_title_right_after_it_is_saved(client, django_user_model):
    world = make_project(participants=3, title="Ancien titre du projet")
    url = world.project.get_absolute_url()
    assert "Ancien titre du projet" in text(client.get(url))
    assert client.get(url)["X-Page-Cache"] == "hit"

    from django.test import Client

    facilitator = Client()
    facilitator.force_login(world.facilitator)
    response = facilitator.post(
        reverse("projects:project_edit", args=[world.project.slug]),
        {"title": "Nouveau titre du projet", "starts_on": "2021-09-01", "ends_on": "2022-06-30", "is_public": "on"},
    )
    assert response.status_code == 302

    page = client.get(url)
    assert "Nouveau titre du projet" in text(page)
    assert "Ancien titre du projet" not in text(page)


@pytest.mark.django_db(transaction=True)
def test_a_visitor_loses_access_right_after_a_project_is_unpublished(client):
    world = make_project(participants=3, title="Projet bientôt retiré")
    url = world.project.get_absolute_url()
    assert client.get(url).status_code == 200
    assert client.get(url)["X-Page-Cache"] == "hit"
    with transaction.atomic():
        services.project_set_publication(project=world.project, is_public=False, user=world.facilitator)
    response = client.get(url)
    assert response.status_code in (403, 404)
    assert "Projet bientôt retiré" not in text(response).split("<main", 1)[-1]
    assert "Projet bientôt retiré" not in text(client.get(reverse("projects:project_list")))


@pytest.mark.django_db(transaction=True)
def test_a_visitor_sees_a_town_renamed_right_after(client):
    world = make_project(participants=3)
    town = world.towns[0]
    url = reverse("projects:territory_detail", args=[world.project.slug, town.slug])
    client.get(url)
    assert client.get(url)["X-Page-Cache"] == "hit"
    with transaction.atomic():
        town.name = "Mantes-la-Jolie"
        town.save()
    assert "Mantes-la-Jolie" in text(client.get(url))


@pytest.mark.django_db
def test_a_page_is_never_cached_for_a_logged_in_user(client):
    world = make_project(participants=3)
    url = world.project.get_absolute_url()
    client.force_login(world.facilitator)
    for _ in range(2):
        response = client.get(url)
        assert response.status_code == 200
        assert "X-Page-Cache" not in response
    member_page = text(response)
    assert "Mon espace" in member_page

    # A visitor arriving afterwards never gets the member's page.
    from django.test import Client

    visitor = Client().get(url)
    assert visitor["X-Page-Cache"] == "miss"
    assert "Mon espace" not in text(visitor)


@pytest.mark.django_db
def test_a_request_with_a_session_cookie_is_never_cached(client):
    world = make_project(participants=3)
    url = world.project.get_absolute_url()
    client.cookies[settings.SESSION_COOKIE_NAME] = "une-session-quelconque"
    for _ in range(2):
        response = client.get(url)
        assert response.status_code == 200
        assert "X-Page-Cache" not in response


@pytest.mark.django_db
def test_a_request_with_flash_messages_is_never_cached(client):
    world = make_project(participants=3)
    client.cookies["messages"] = "quelque-chose"
    response = client.get(world.project.get_absolute_url())
    assert "X-Page-Cache" not in response


@pytest.mark.django_db
def test_an_unpublished_project_is_never_served_from_the_cache(client):
    world = make_project(participants=3, public=False)
    for _ in range(2):
        response = client.get(world.project.get_absolute_url())
        assert response.status_code in (403, 404)
        assert "X-Page-Cache" not in response


@pytest.mark.django_db
def test_the_cache_keeps_languages_apart(client):
    client.get("/")
    assert client.get("/")["X-Page-Cache"] == "hit"
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    english = client.get("/")
    assert english["X-Page-Cache"] == "miss"
    assert '<html lang="en"' in english.content.decode()


# Security headers --------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("url", ["/", "/themes/", "/projets/", "/compte/connexion/", "/page-qui-n-existe-pas/"])
def test_the_content_security_policy_header_is_present(client, url):
    response = client.get(url)
    policy = response["Content-Security-Policy"]
    assert "default-src 'self'" in policy
    script_src = next(part for part in policy.split(";") if part.strip().startswith("script-src"))
    assert "'unsafe-inline'" not in script_src and "'unsafe-eval'" not in script_src
    assert "frame-ancestors 'none'" in policy


@pytest.mark.django_db
def test_a_cached_page_keeps_its_security_header(client):
    client.get("/")
    cached = client.get("/")
    assert cached["X-Page-Cache"] == "hit"
    assert "default-src 'self'" in cached["Content-Security-Policy"]


# Language switch ---------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_language_link_sets_the_cookie_and_goes_back(client):
    response = client.get("/langue/en/?next=/themes/")
    assert response.status_code == 302
    assert response["Location"] == "/themes/"
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"
    assert '<html lang="en"' in client.get("/themes/").content.decode()

    back = client.get("/langue/fr/?next=/")
    assert back.cookies[settings.LANGUAGE_COOKIE_NAME].value == "fr"
    assert '<html lang="fr"' in client.get("/").content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize(
    "next_url",
    [
        "https://evil.example/",
        "//evil.example/",
        "http://evil.example/projets/",
        "javascript:alert(1)",
        "\\\\evil.example",
        "/\\evil.example",
        "https:evil.example",
    ],
)
def test_the_language_link_refuses_an_external_next_url(client, next_url):
    response = client.get("/langue/en/", {"next": next_url})
    assert response.status_code == 302
    assert response["Location"] == "/"


@pytest.mark.django_db
def test_an_unknown_language_sets_no_cookie(client):
    response = client.get("/langue/xx/?next=/")
    assert response.status_code == 302
    assert settings.LANGUAGE_COOKIE_NAME not in response.cookies
    assert '<html lang="fr"' in client.get("/").content.decode()


@pytest.mark.django_db
def test_the_browser_language_alone_does_not_switch_to_english(client):
    response = client.get("/", headers={"accept-language": "en-US,en;q=0.9"})
    assert '<html lang="fr"' in response.content.decode()


@pytest.mark.django_db
def test_a_signed_in_member_sees_a_change_as_soon_as_it_is_committed(client, django_capture_on_commit_callbacks):
    """The project page's shared fragment and cached objects are dropped by any committed write."""
    from territoires.projects import services
    from tests.factories import make_project

    world = make_project(participants=3)
    town = world.towns[0]
    participation = world.project.participations.get(organisation=town)
    client.force_login(world.referents[0])
    url = world.project.get_absolute_url()
    assert "0 %" in client.get(url).content.decode()

    with django_capture_on_commit_callbacks(execute=True):
        for step in ("actor_map", "interviews", "resident_survey", "diagnostic_synthesis"):
            services.step_complete(participation=participation, step=step, user=world.referents[0])
    page = client.get(url).content.decode()
    # 4 of 14 steps for one town of three: the town shows 29 %, the project 10 %.
    assert "29 %" in page
    assert "10 %" in page
    assert "Co-construction" in page  # the town's current phase moved on


@pytest.mark.django_db
def test_unknown_query_parameters_neither_fill_nor_poison_the_page_cache(client):
    from django.core.cache import cache

    from tests.factories import make_project

    make_project(participants=3)
    client.get("/projets/?page=1")
    keys_after_first = len(cache._cache)
    for index in range(5):
        response = client.get(f"/projets/?page=1&x={index}")
        assert response.status_code == 200
        assert "X-Page-Cache" not in response
    assert len(cache._cache) == keys_after_first
    assert client.get("/projets/?page=1")["X-Page-Cache"] == "hit"


@pytest.mark.django_db
def test_a_login_does_not_drop_the_cached_public_pages(client, django_capture_on_commit_callbacks):
    from territoires.core.cache import content_version
    from tests.factories import PASSWORD, UserFactory

    user = UserFactory()
    before = content_version()
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        assert client.login(email=user.email, password=PASSWORD)
    assert content_version() == before
    # …while a real change to the user does.
    with django_capture_on_commit_callbacks(execute=True):
        user.first_name = "Autre"
        user.save()
    assert content_version() != before
    assert callbacks == []


@pytest.mark.django_db
def test_old_submission_keys_are_purged_and_recent_ones_kept():
    import datetime
    import uuid

    from django.core.management import call_command
    from django.utils import timezone

    from territoires.core.idempotency import SubmissionKey

    old = SubmissionKey.objects.create(key=uuid.uuid4(), result_url="/a/")
    SubmissionKey.objects.filter(pk=old.pk).update(created_at=timezone.now() - datetime.timedelta(days=31))
    recent = SubmissionKey.objects.create(key=uuid.uuid4(), result_url="/b/")
    call_command("purge_submission_keys", verbosity=0)
    assert list(SubmissionKey.objects.values_list("pk", flat=True)) == [recent.pk]
