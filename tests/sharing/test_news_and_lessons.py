"""News feeds, lessons list and search, bad input, and bounded query counts."""

import re
import xml.etree.ElementTree as ET

import pytest
from django.urls import reverse

from territoires.notifications.models import Notification
from territoires.notifications.services import follow_set
from territoires.projects.models import Theme
from territoires.search.models import SearchDocument
from territoires.sharing import services
from territoires.sharing.models import Lesson, NewsPost, PeerEvent
from tests.factories import ThemeFactory, UserFactory, make_project
from tests.sharing.world import event, lesson, news

pytestmark = pytest.mark.django_db

ATOM = "{http://www.w3.org/2005/Atom}"


@pytest.fixture
def world(db):
    return make_project(participants=4, observers=1)


def atom_titles(content: bytes) -> list[str]:
    root = ET.fromstring(content)
    assert root.tag == f"{ATOM}feed"
    return [entry.find(f"{ATOM}title").text for entry in root.findall(f"{ATOM}entry")]


def test_platform_and_project_feeds_carry_only_public_posts(world, client):
    news(world, audience=NewsPost.Audience.PUBLIC, title="Lancement du projet")
    news(world, audience=NewsPost.Audience.OBSERVERS, title="Point d'étape pour les observateurs")
    news(world, audience=NewsPost.Audience.PUBLIC, title="Brouillon public", publish=False)
    hidden = make_project(participants=3, public=False, title="Projet non publié")
    news(hidden, audience=NewsPost.Audience.PUBLIC, title="Public mais projet caché")

    client.force_login(world.facilitator)  # a session changes nothing: feeds are for everyone
    platform = client.get(reverse("sharing:news_feed"))
    assert platform.status_code == 200 and platform["Content-Type"].startswith("application/atom+xml")
    assert atom_titles(platform.content) == [f"{world.project.title} — Lancement du projet"]
    project_feed = client.get(reverse("sharing:project_news_feed", args=[world.project.slug]))
    assert atom_titles(project_feed.content) == ["Lancement du projet"]
    assert client.get(reverse("sharing:project_news_feed", args=[hidden.project.slug])).status_code == 404


def test_the_news_pages_advertise_their_feed(world, client):
    page = client.get(reverse("sharing:project_news", args=[world.project.slug])).content.decode()
    assert 'type="application/atom+xml"' in page
    assert reverse("sharing:project_news_feed", args=[world.project.slug]) in page


def assert_inert(page: str) -> None:
    """The payload may show as text, never as markup that runs."""
    assert "<script>alert" not in page
    assert not re.search(r"<img[^>]*onerror", page)
    assert 'href="javascript:' not in page


def test_script_injection_is_inert_in_pages_and_feeds(world, client):
    payload = '<script>alert("x")</script><img src=x onerror=alert(1)>[lien](javascript:alert(2))'
    post = news(world, audience=NewsPost.Audience.PUBLIC, title='<script>alert("titre")</script>')
    NewsPost.objects.filter(pk=post.pk).update(body=payload, summary=payload)
    page = client.get(post.get_absolute_url()).content.decode()
    assert_inert(page)
    entry = ET.fromstring(client.get(reverse("sharing:news_feed")).content).find(f"{ATOM}entry")
    # The title is text for feed readers; the summary is HTML, the same sanitised markup as the page.
    assert entry.find(f"{ATOM}title").get("type") in (None, "text")
    assert_inert(entry.find(f"{ATOM}summary").text)
    sheet = lesson(world, visibility=Lesson.Visibility.PUBLIC)
    Lesson.objects.filter(pk=sheet.pk).update(context=payload, title="<b>gras</b>")
    page = client.get(sheet.get_absolute_url()).content.decode()
    assert_inert(page)
    assert "<b>gras</b>" not in page


def test_news_form_publishes_once_even_if_sent_twice(world, client):
    client.force_login(world.referents[0])
    url = reverse("sharing:news_create", args=[world.project.slug])
    key = client.get(url).context["form"].initial["submission_key"]
    data = {
        "title": "Groupe d'enquête recruté",
        "summary": "",
        "body": "Vingt habitants",
        "audience": "public",
        "action": "publish",
        "submission_key": key,
    }
    first = client.post(url, data)
    second = client.post(url, data)
    assert NewsPost.objects.count() == 1
    assert first["Location"] == second["Location"] == NewsPost.objects.get().get_absolute_url()


def test_followers_hear_of_a_publication_they_may_read_only(world):
    outsider, observer = UserFactory(), world.observers[0]
    for person in (outsider, observer):
        follow_set(user=person, target=world.project, following=True)
    news(world, audience=NewsPost.Audience.OBSERVERS, title="Pour les observateurs")
    assert Notification.objects.filter(recipient=observer, verb="news_published").count() == 1
    assert not Notification.objects.filter(recipient=outsider).exists()
    news(world, audience=NewsPost.Audience.PUBLIC, title="Pour tous", publish=False)
    assert Notification.objects.filter(verb="news_published").count() == 1  # a draft tells nobody
    event(world, audience=PeerEvent.Audience.PUBLIC)
    assert Notification.objects.filter(recipient=outsider, verb="event_published").count() == 1


def test_published_lessons_are_indexed_for_search_and_drafts_are_not(world):
    theme = ThemeFactory(title="Participation des habitants")
    sheet = lesson(world, visibility=Lesson.Visibility.PROJECT_OBSERVERS)
    services.lesson_save(lesson=sheet, user=world.referents[0], publish=True, themes=[theme])
    document = SearchDocument.objects.get(source_id=sheet.pk, category="lesson")
    assert document.audience == "project_observers" and document.project_id == world.project.pk
    assert document.theme_id_list == [theme.pk]
    assert "groupe d'enquête" in document.text.lower()
    services.lesson_save(lesson=sheet, user=world.referents[0], publish=False)
    assert not SearchDocument.objects.filter(source_id=sheet.pk, category="lesson").exists()


def test_lessons_list_filters_by_theme_and_project_and_drops_forged_filters(world, client):
    culture, rural = ThemeFactory(title="Culture"), ThemeFactory(title="Ruralité")
    first = lesson(world, visibility=Lesson.Visibility.PUBLIC, title="Aller vers les non-publics")
    second = lesson(world, visibility=Lesson.Visibility.PUBLIC, title="Associer les habitants")
    first.themes.set([culture])
    second.themes.set([rural])
    other = make_project(participants=3, title="Autre projet")
    lesson(other, visibility=Lesson.Visibility.PUBLIC, title="Tiers-lieux en campagne")
    url = reverse("sharing:lesson_list")
    client.force_login(UserFactory())  # a session: each answer is rendered, not served from the page cache

    def titles(params):
        response = client.get(url, params)
        assert response.status_code == 200
        return sorted(lesson.title for lesson in response.context["page_obj"])

    assert titles({}) == ["Aller vers les non-publics", "Associer les habitants", "Tiers-lieux en campagne"]
    assert titles({"theme": culture.pk}) == ["Aller vers les non-publics"]
    assert titles({"project": other.project.pk}) == ["Tiers-lieux en campagne"]
    assert titles({"theme": "abc", "project": "99999999999999999999"}) == titles({})
    assert titles({"page": "9999"}) == titles({})


def test_lessons_list_paginates(world, client):
    for index in range(15):
        lesson(world, visibility=Lesson.Visibility.PUBLIC, title=f"Retour numéro {index:02d}")
    first = client.get(reverse("sharing:lesson_list"))
    second = client.get(reverse("sharing:lesson_list"), {"page": 2})
    assert len(first.context["page_obj"]) == 12 and len(second.context["page_obj"]) == 3


def test_lesson_territory_must_take_part_in_the_project(world, client):
    client.force_login(world.referents[0])
    outsider_town = make_project(participants=3, title="Ailleurs").towns[0]
    data = {
        "title": "Un retour d'expérience",
        "summary": "En une phrase",
        "territory": outsider_town.pk,
        "context": "Contexte",
        "visibility": "public",
        "action": "publish",
    }
    response = client.post(reverse("sharing:lesson_create", args=[world.project.slug]), data)
    assert response.status_code == 400 and "territory" in response.context["form"].errors
    assert not Lesson.objects.exists()


@pytest.mark.parametrize(
    "url_name", ["sharing:news_detail", "sharing:news_edit", "sharing:lesson_detail", "sharing:lesson_edit"]
)
def test_forged_ids_are_not_found(world, client, url_name):
    client.force_login(world.facilitator)
    slug = world.project.slug
    foreign = make_project(participants=3, title="Étranger")
    other_objects = {"news": news(foreign, audience="public"), "lesson": lesson(foreign, visibility="public")}
    obj = other_objects[url_name.split(":")[1].split("_")[0]]
    assert client.get(reverse(url_name, args=[slug, obj.pk])).status_code == 404
    assert client.get(reverse(url_name, args=[slug, 10**30])).status_code == 404


def test_huge_or_missing_news_input_is_refused(world, client):
    client.force_login(world.referents[0])
    url = reverse("sharing:news_create", args=[world.project.slug])
    for data in [
        {"title": "x" * 10_000, "body": "b", "audience": "public", "action": "publish"},
        {"title": "Titre correct", "body": "b" * 30_000, "audience": "public", "action": "publish"},
        {"title": "Titre correct", "body": "b", "audience": "ministère", "action": "publish"},
        {"title": "", "body": "", "audience": "", "action": "publish"},
    ]:
        response = client.post(url, data)
        assert response.status_code == 400
    assert not NewsPost.objects.exists()


LIST_QUERY_LIMIT = 14


@pytest.mark.parametrize(
    "url_name",
    [
        "sharing:news_list",
        "sharing:event_list",
        "sharing:lesson_list",
        "sharing:project_news",
        "sharing:project_events",
        "sharing:project_lessons",
    ],
)
def test_list_query_counts_do_not_grow_with_the_rows(world, client, django_assert_max_num_queries, url_name):
    themes = [ThemeFactory(), ThemeFactory()]
    for index in range(12):
        news(world, audience=NewsPost.Audience.PUBLIC, title=f"Actualité {index}")
        news(world, audience=NewsPost.Audience.OBSERVERS, title=f"Observateurs {index}")
        event(world, audience=PeerEvent.Audience.OBSERVERS, title=f"Rencontre {index}")
        lesson(world, visibility=Lesson.Visibility.PROJECT_OBSERVERS, title=f"Retour {index}").themes.set(themes)
    client.force_login(world.observers[0])
    args = [world.project.slug] if url_name.startswith("sharing:project_") else []
    url = reverse(url_name, args=args)
    with django_assert_max_num_queries(LIST_QUERY_LIMIT):
        response = client.get(url)
    assert response.status_code == 200
    assert len(response.context["page_obj"]) >= 10


def test_theme_model_is_the_projects_one():
    assert Lesson._meta.get_field("themes").related_model is Theme


def test_admin_pages_answer_and_deleting_a_lesson_there_unindexes_it(world, client):
    admin = UserFactory(is_superuser=True, is_staff=True)
    sheet = lesson(world, visibility=Lesson.Visibility.PUBLIC)
    peer_event = event(world, audience=PeerEvent.Audience.PUBLIC)
    post = news(world, audience=NewsPost.Audience.PUBLIC)
    client.force_login(admin)
    for name, obj in [("lesson", sheet), ("peerevent", peer_event), ("newspost", post)]:
        assert client.get(reverse(f"admin:sharing_{name}_changelist")).status_code == 200
        assert client.get(reverse(f"admin:sharing_{name}_change", args=[obj.pk])).status_code == 200
    assert SearchDocument.objects.filter(category="lesson", source_id=sheet.pk).exists()
    response = client.post(reverse("admin:sharing_lesson_delete", args=[sheet.pk]), {"post": "yes"})
    assert response.status_code == 302
    assert not SearchDocument.objects.filter(category="lesson", source_id=sheet.pk).exists()


def test_a_post_says_for_which_authority_it_was_written(world, client):
    client.force_login(world.referents[2])
    data = {"title": "Atelier de créativité", "body": "Compte rendu", "audience": "public", "action": "publish"}
    client.post(reverse("sharing:news_create", args=[world.project.slug]), data)
    post = NewsPost.objects.get()
    assert post.organisation == world.towns[2] and post.author == world.referents[2]
    assert world.towns[2].name in client.get(post.get_absolute_url()).content.decode()
