"""Projects, themes, news, peer events and lessons learned are found by exactly the people who may read
them: roles × items, checked against each item's own read rule; drafts are never found."""

import datetime
import io

import pytest
from django.contrib.auth.models import AnonymousUser
from django.contrib.contenttypes.models import ContentType
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from territoires.accounts.models import User
from territoires.projects import services as project_services
from territoires.projects.models import SharedProject
from territoires.search.models import SearchDocument
from territoires.search.selectors import search_documents
from territoires.sharing import services as sharing_services
from territoires.sharing.models import NewsPost, PeerEvent
from tests.factories import MembershipFactory, OrganisationFactory, make_project
from tests.sharing.world import ROLES, build_world, news

pytestmark = pytest.mark.django_db

READ_PERMISSION = {"news": "sharing.view_news", "event": "sharing.view_event", "lesson": "sharing.view_lesson"}


def found_urls(user, query):
    return {hit.document.url for hit in search_documents(user or AnonymousUser(), query, per_page=100).hits}


def fresh(user):
    return User.objects.get(pk=user.pk) if user else None


def check_grid(world):
    """Every (role, item): found in search ⇔ published and readable by the item's own rule."""
    mismatches = []
    for role in ROLES:
        user = fresh(world.users[role])
        for name, obj in world.objects.items():
            obj.refresh_from_db()
            readable = (user or AnonymousUser()).has_perm(READ_PERMISSION[name.split("_")[0]], obj)
            expected = obj.is_published and readable
            found = obj.get_absolute_url() in found_urls(user, obj.title)
            if found != expected:
                mismatches.append(f"{role} × {name}: {'found' if found else 'not found'}")
    return mismatches


def test_news_events_and_lessons_follow_their_read_rules_and_drafts_stay_hidden():
    world = build_world()
    assert not check_grid(world)
    # Spelled out, for the cases that matter most: drafts and private items do not leak.
    visitor, other_member = None, fresh(world.users["other_member"])
    for name in ("news_draft", "news_observers", "event_members", "event_observers", "event_draft"):
        for user in (visitor, other_member):
            assert world.objects[name].get_absolute_url() not in found_urls(user, world.objects[name].title), name
    for name in ("lesson_project", "lesson_observers", "lesson_draft"):
        for user in (visitor, other_member):
            assert world.objects[name].get_absolute_url() not in found_urls(user, world.objects[name].title), name
    author = fresh(world.users["author"])
    assert world.objects["news_draft"].get_absolute_url() not in found_urls(author, "brouillon actualité")


def test_unpublishing_a_project_hides_its_public_items_from_visitors_then_shows_them_again():
    world = build_world()
    project_services.project_set_publication(project=world.project, is_public=False, user=world.facilitator)
    assert not check_grid(world)
    public_news = world.objects["news_public"]
    assert public_news.get_absolute_url() not in found_urls(None, public_news.title)
    assert public_news.get_absolute_url() in found_urls(fresh(world.observers[0]), public_news.title)
    project_services.project_set_publication(project=world.project, is_public=True, user=world.facilitator)
    assert public_news.get_absolute_url() in found_urls(None, public_news.title)
    assert not check_grid(world)


def test_projects_follow_their_publication_and_themes_are_public():
    world = make_project(public=False, title="Projet des laveries automatiques", observers=1)
    other = make_project(title="Autre projet")
    url = world.project.get_absolute_url()
    readers = [world.referents[0], world.agents[1], world.observers[0], world.facilitator, world.consultant]
    for user in readers:
        assert url in found_urls(fresh(user), "laveries"), user
    for user in (None, other.referents[0], other.facilitator):
        assert url not in found_urls(fresh(user), "laveries"), user
    # Participating towns are part of the project's text.
    assert url in found_urls(fresh(world.referents[0]), world.towns[2].name)
    project_services.project_set_publication(project=world.project, is_public=True, user=world.facilitator)
    assert url in found_urls(None, "laveries")

    town = OrganisationFactory()
    referent = MembershipFactory(organisation=town).user
    theme = project_services.theme_propose(
        organisation=town, user=referent, title="Cafés associatifs", description="Des **lieux** de *rencontre*."
    )
    hits = search_documents(AnonymousUser(), "cafés associatifs").hits
    assert [(hit.document.url, hit.category_label, hit.kind_label) for hit in hits] == [
        (theme.get_absolute_url(), "Thème", "Thème proposé")
    ]
    assert "**" not in hits[0].snippet_html
    agency = OrganisationFactory(agency=True)
    facilitator = MembershipFactory(organisation=agency, role="facilitator").user
    project = project_services.theme_convert_to_project(theme=theme, user=facilitator, facilitator_organisation=agency)
    kinds = {hit.document.category: hit.kind_label for hit in search_documents(fresh(facilitator), "cafés").hits}
    assert kinds == {"theme": "Thème devenu projet", "project": "Projet en préparation"}
    assert project.get_absolute_url() not in found_urls(None, "cafés")  # not published yet


def test_edits_reindex_and_deletion_and_rebuild_keep_the_index_true():
    world = make_project()
    post = news(world, audience=NewsPost.Audience.PUBLIC, title="Ouverture des ateliers")
    post.title = "Calendrier des ateliers"
    sharing_services.news_save(post=post, user=world.referents[0], publish=True)
    assert found_urls(None, "ouverture") == set()
    assert post.get_absolute_url() in found_urls(None, "calendrier")
    sharing_services.news_save(post=post, user=world.referents[0], publish=False)  # back to draft
    assert found_urls(None, "calendrier") == set()

    # Written without the services (an old row, a script): found once the index is rebuilt.
    starts_at = timezone.now() + datetime.timedelta(days=3)
    event = PeerEvent.objects.create(
        project=world.project,
        kind=PeerEvent.Kind.PRACTICE_ANALYSIS,
        title="Analyse de pratiques sur les permanences",
        description="## Déroulé\n\n1. Tour de table",
        starts_at=starts_at,
        audience=PeerEvent.Audience.PUBLIC,
        capacity=10,
        status="published",
        published_at=timezone.now(),
    )
    assert found_urls(None, "permanences") == set()
    stale = SearchDocument.objects.create(
        source_type=ContentType.objects.get_for_model(SharedProject),
        source_id=987654,
        category="project",
        title="Projet disparu",
        url="/disparu/",
        audience="public",
    )
    call_command("search_reindex", stdout=io.StringIO())
    hits = search_documents(AnonymousUser(), "permanences").hits
    assert [(hit.document.url, hit.category_label, hit.kind_label) for hit in hits] == [
        (event.get_absolute_url(), "Rencontre entre pairs", "Séance d'analyse de pratiques")
    ]
    assert "##" not in hits[0].snippet_html
    assert not SearchDocument.objects.filter(pk=stale.pk).exists()
    count = SearchDocument.objects.count()
    call_command("search_reindex", stdout=io.StringIO())
    assert SearchDocument.objects.count() == count  # twice: nothing duplicated


def test_search_page_groups_results_by_kind_and_names_each_kind(client):
    world = make_project(title="Projet médiathèques et habitants")
    news(world, audience=NewsPost.Audience.PUBLIC, title="Les médiathèques ouvrent le dimanche")
    page = client.get(reverse("search:search"), {"q": "médiathèques"}).content.decode()
    assert "Projet partagé (1)" in page and "Actualité (1)" in page and "Tout (2)" in page
    assert page.count("fr-badge--purple-glycine") == 1 and page.count("fr-badge--orange-terre-battue") == 1
    only_news = client.get(reverse("search:search"), {"q": "médiathèques", "category": "news"}).content.decode()
    assert "1 résultat pour" in only_news and "Les <mark>médiathèques</mark> ouvrent" in only_news


def test_admin_edits_and_cascading_deletions_keep_the_index_true(client):
    world = make_project()
    post = news(world, audience=NewsPost.Audience.PUBLIC, title="Ouverture des ateliers")
    admin = User.objects.create_superuser(email="root@exemple.fr", password="x")
    client.force_login(admin)
    change_url = reverse("admin:sharing_newspost_change", args=[post.pk])
    form = client.get(change_url).context["adminform"].form
    data = {name: value for name, value in form.initial.items() if value is not None}
    data.update({"title": "Fermeture des ateliers", "published_at_0": "2022-01-10", "published_at_1": "10:00:00"})
    response = client.post(change_url, data)
    assert response.status_code == 302, response.content.decode()[:3000]
    assert found_urls(None, "ouverture") == set() and post.get_absolute_url() in found_urls(None, "fermeture")
    # Deleting the project deletes its news (cascade): nothing of it stays findable.
    event = PeerEvent.objects.create(
        project=world.project,
        kind=PeerEvent.Kind.PEER_EXCHANGE,
        title="Rencontre des ateliers",
        description="Échanges",
        starts_at=timezone.now(),
        audience=PeerEvent.Audience.PUBLIC,
        capacity=5,
        status="published",
    )
    call_command("search_reindex", stdout=io.StringIO())
    assert len(found_urls(None, "ateliers")) == 2
    SharedProject.objects.filter(pk=world.project.pk).delete()
    assert found_urls(None, "ateliers") == set() and found_urls(None, "projet") == set()
    assert not SearchDocument.objects.filter(source_id__in=[post.pk, event.pk], category__in=["news", "event"])
