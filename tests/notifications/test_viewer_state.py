"""The unread count and the "Suivre" state are cached per user: every change through the services
shows at once, for the user and for every other process (the cache is dropped after commit)."""

import pytest

from territoires.notifications import services
from tests.factories import UserFactory, make_project

pytestmark = pytest.mark.django_db


def test_the_unread_count_follows_new_and_read_notifications(django_capture_on_commit_callbacks):
    user, actor = UserFactory(), UserFactory()
    assert services.unread_count(user) == 0  # now cached
    with django_capture_on_commit_callbacks(execute=True):
        services.notify(recipients=[user], verb="mention", text="Vous êtes mentionné", url="/", actor=actor)
    assert services.unread_count(user) == 1
    with django_capture_on_commit_callbacks(execute=True):
        services.notify(recipients=[user, actor], verb="reply", text="Nouvelle réponse", url="/", actor=actor)
    assert services.unread_count(user) == 2
    assert services.unread_count(actor) == 0  # never notified of their own act
    with django_capture_on_commit_callbacks(execute=True):
        services.notifications_mark_read(user=user)
    assert services.unread_count(user) == 0


def test_the_follow_state_follows_each_change():
    project = make_project().project
    user = UserFactory()
    assert not services.is_following(user=user, target=project)  # now cached
    services.follow_set(user=user, target=project, following=True)
    assert services.is_following(user=user, target=project)
    services.follow_set(user=user, target=project, following=False)
    assert not services.is_following(user=user, target=project)


def test_the_header_shows_the_new_count_on_the_next_page(client, django_capture_on_commit_callbacks):
    user, actor = UserFactory(), UserFactory()
    client.force_login(user)
    assert "1 notification non lue" not in client.get("/mon-espace/").content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        services.notify(recipients=[user], verb="mention", text="Vous êtes mentionné", url="/", actor=actor)
    assert "1 notification non lue" in client.get("/mon-espace/").content.decode()
