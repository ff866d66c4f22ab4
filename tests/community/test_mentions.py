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


def test_mentions_are_highlighted_in_the_message_with_the_persons_name(client):
    data = make_project(observers=1)
    colleague, consultant, observer = data.referents[1], data.consultant, data.observers[0]
    identifier = consultant.email.split("@")[0]
    body = (
        f"Merci @{names(colleague)} ! @{identifier}, tu relis ? `@{names(colleague)}` reste du code, "
        f"[@{names(colleague)}](https://exemple.fr) un lien, @{names(observer)} ne lit pas cet espace, "
        f"et moi-même @{names(data.referents[0])}."
    )
    thread = services.thread_create(user=data.referents[0], title="Guide", body=body, project=data.project)
    client.force_login(data.referents[1])
    page = client.get(thread.get_absolute_url()).content.decode()
    colleague_span = f'<span class="mention">@{names(colleague)}</span>'
    assert page.count(colleague_span) == 1  # not inside the code sample nor the link
    assert f'<span class="mention">@{names(consultant)}</span>, tu relis' in page  # identifier → name
    assert f'<span class="mention">@{names(data.referents[0])}</span>.' in page
    assert f"<code>@{names(colleague)}</code>" in page
    assert f"@{names(observer)} ne lit pas" in page and f'mention">@{names(observer)}' not in page
    # Edited: the highlight follows the new text.
    message = thread.messages.get()
    services.message_edit(user=data.referents[0], message=message, body=f"Finalement @{names(consultant)}")
    message.refresh_from_db()
    assert message.body_html == f'<p>Finalement <span class="mention">@{names(consultant)}</span></p>'


def test_a_mention_cannot_be_forged_nor_carry_markup():
    data = make_project()
    target = User.objects.get(pk=data.referents[1].pk)
    target.first_name, target.last_name = "Zoé", "<img src=x onerror=alert(1)>"
    target.save()
    body = (
        '<span class="mention" onclick="alert(1)">@Personne</span> '
        "@zoe <b>x</b> <script>alert(1)</script> "
        f"@{target.email.split('@')[0]} bonjour"
    )
    thread = services.thread_create(user=data.referents[0], title="Injection", body=body, project=data.project)
    html = thread.messages.get().body_html
    assert '<span class="mention">@Zoé &lt;img src=x onerror=alert(1)&gt;</span> bonjour' in html
    assert html.count("<span") == 1 and "onclick" not in html and "<script" not in html and "<img" not in html


def test_messages_stored_before_the_highlight_get_it_from_the_migration():
    import importlib

    from django.apps import apps

    from territoires.community.models import Message
    from territoires.core.markdown import render_markdown

    data = make_project()
    colleague = data.referents[1]
    thread = services.thread_create(
        user=data.referents[0], title="Ancien", body=f"Bonjour @{names(colleague)}", project=data.project
    )
    message = thread.messages.get()
    Message.objects.filter(pk=message.pk).update(body_html=render_markdown(message.body))  # as stored before
    migration = importlib.import_module("territoires.community.migrations.0003_highlight_stored_mentions")
    migration.highlight_existing(apps, None)
    message.refresh_from_db()
    assert message.body_html == f'<p>Bonjour <span class="mention">@{names(colleague)}</span></p>'
