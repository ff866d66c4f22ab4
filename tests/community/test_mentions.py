"""@mentions notify (in the app and at once by e-mail) only people who can read the thread."""

import pytest
from django.core import mail

from territoires.accounts.models import User
from territoires.community import services
from territoires.community.mentions import resolve_mentions
from territoires.community.models import Mention, ProjectSpace
from territoires.notifications.models import Notification
from tests.factories import UserFactory, make_project

pytestmark = pytest.mark.django_db


def names(user) -> str:
    return f"{user.first_name} {user.last_name}"


def test_mention_by_name_and_by_identifier_notifies_readers_only(django_capture_on_commit_callbacks):
    data = make_project(observers=1)
    outsider = make_project(title="Autre").referents[0]
    colleague, consultant, observer = data.referents[1], data.consultant, data.observers[0]
    body = (
        f"Merci @{names(colleague)} ! @{consultant.email.split('@')[0]}, tu relis ? "
        f"@{names(outsider)} et @{names(observer)} ne lisent pas cet espace."
    )
    with django_capture_on_commit_callbacks(execute=True):
        thread = services.thread_create(user=data.referents[0], title="Guide", body=body, project=data.project)
    mentioned = set(Notification.objects.filter(verb="mention").values_list("recipient_id", flat=True))
    assert mentioned == {colleague.pk, consultant.pk}
    assert sorted(message.to[0] for message in mail.outbox) == sorted([colleague.email, consultant.email])
    assert all(thread.get_absolute_url() in message.body for message in mail.outbox)
    assert not Notification.objects.filter(recipient__in=[outsider, observer]).exists()


def test_observer_mentioned_in_a_shared_thread_when_the_project_allows_it():
    data = make_project(observers=1)
    ProjectSpace.objects.create(project=data.project, observer_access=ProjectSpace.ObserverAccess.SHARED)
    observer = data.observers[0]
    services.thread_create(
        user=data.referents[0],
        title="Partagée",
        body=f"@{names(observer)} bienvenue",
        project=data.project,
        shared_with_observers=True,
    )
    services.thread_create(
        user=data.referents[0], title="Réservée", body=f"@{names(observer)} chut", project=data.project
    )
    assert Notification.objects.filter(recipient=observer, verb="mention").count() == 1


def test_edit_notifies_only_the_newly_mentioned():
    data = make_project()
    a, b = data.referents[1], data.referents[2]
    thread = services.thread_create(user=data.referents[0], title="Titre", body=f"@{names(a)}", project=data.project)
    message = thread.messages.get()
    services.message_edit(user=data.referents[0], message=message, body=f"@{names(a)} et @{names(b)}")
    assert Notification.objects.filter(recipient=a, verb="mention").count() == 1
    assert Notification.objects.filter(recipient=b, verb="mention").count() == 1
    assert Mention.objects.count() == 2


def test_homonyms_are_not_guessed_and_emails_in_text_are_not_mentions():
    first = UserFactory(first_name="Claire", last_name="Martin", email="claire.martin@niort.fr")
    second = UserFactory(first_name="Claire", last_name="Martin", email="cmartin@bourges.fr")
    everyone = lambda user: True  # noqa: E731
    assert resolve_mentions("Bonjour @Claire Martin", can_read=everyone) == []
    assert resolve_mentions("Bonjour @cmartin.", can_read=everyone) == [second]
    assert resolve_mentions("Écrire à claire.martin@niort.fr", can_read=everyone) == []
    # The longest name wins over the identifier; among a project's people, accents do not matter.
    other = UserFactory(first_name="Élodie", last_name="Le Gall", email="claire@exemple.fr")
    assert resolve_mentions("merci @Élodie le gall, à demain", can_read=everyone) == [other]
    people = User.objects.filter(pk__in=[first.pk, second.pk, other.pk])
    assert resolve_mentions("merci @elodie le gall, à demain", can_read=everyone, people=people) == [other]
    assert resolve_mentions("@claire.martin", can_read=everyone) == [first]
    assert resolve_mentions("@claire.martin", can_read=lambda user: user != first) == []
