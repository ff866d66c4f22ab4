"""Threads and visible messages are searchable by exactly the people who may read them."""

import pytest

from territoires.community import services
from territoires.community.models import ProjectSpace
from territoires.search.selectors import search_documents
from tests.factories import ThemeFactory, UserFactory, make_project

pytestmark = pytest.mark.django_db


def titles(user, query):
    return [hit.document.title for hit in search_documents(user, query).hits]


def test_project_threads_follow_the_observer_setting():
    data = make_project(observers=1)
    observer, member = data.observers[0], data.referents[1]
    services.thread_create(
        user=data.referents[0],
        title="Laveries et marchés",
        body="Enquêter dans les laveries automatiques",
        project=data.project,
        shared_with_observers=True,
    )
    assert "Laveries et marchés" in titles(member, "laveries")
    assert titles(observer, "laveries") == []
    assert titles(UserFactory(), "laveries") == []
    services.project_space_set_observer_access(
        user=data.facilitator, project=data.project, observer_access=ProjectSpace.ObserverAccess.SHARED
    )
    assert "Laveries et marchés" in titles(observer, "laveries")
    services.project_space_set_observer_access(
        user=data.facilitator, project=data.project, observer_access=ProjectSpace.ObserverAccess.NONE
    )
    assert titles(observer, "laveries") == []


def test_hidden_message_leaves_the_index_and_public_threads_are_public():
    theme = ThemeFactory()
    author, other = UserFactory(), UserFactory()
    facilitator = make_project().facilitator
    thread = services.thread_create(user=author, title="Médiathèque hors les murs", body="Bibliobus", theme=theme)
    reply = services.message_post(user=other, thread=thread, body="Propos injurieux sur le bibliothécaire")
    from django.contrib.auth.models import AnonymousUser

    assert titles(AnonymousUser(), "bibliothécaire") == ["Réponse : Médiathèque hors les murs"]
    services.message_hide(user=facilitator, message=reply, reason="Propos injurieux")
    assert titles(AnonymousUser(), "bibliothécaire") == []
    assert titles(AnonymousUser(), "bibliobus") == ["Médiathèque hors les murs"]
    services.message_restore(user=facilitator, message=reply)
    assert titles(AnonymousUser(), "bibliothécaire") == ["Réponse : Médiathèque hors les murs"]


def test_rebuilding_the_index_keeps_threads_and_visible_replies_only():
    from django.contrib.auth.models import AnonymousUser

    from territoires.search.models import SearchDocument
    from territoires.search.services import index_rebuild

    theme = ThemeFactory()
    author, other = UserFactory(), UserFactory()
    facilitator = make_project().facilitator
    thread = services.thread_create(user=author, title="Kiosques à musique", body="Concerts d'été", theme=theme)
    services.message_post(user=other, thread=thread, body="Les fanfares municipales")
    hidden = services.message_post(user=other, thread=thread, body="Propos grossiers sur les fanfares")
    services.message_hide(user=facilitator, message=hidden, reason="Propos injurieux")
    discussions = SearchDocument.objects.filter(category="discussion")
    before = sorted(discussions.values_list("title", "text", "audience"))
    assert len(before) == 2
    discussions.delete()  # rows lost: the rebuild restores them
    index_rebuild()
    assert sorted(discussions.values_list("title", "text", "audience")) == before
    assert titles(AnonymousUser(), "fanfares") == ["Réponse : Kiosques à musique"]
    assert titles(AnonymousUser(), "concerts") == ["Kiosques à musique"]
