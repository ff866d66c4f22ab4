import pytest
from django.core import mail
from django.urls import reverse

from territoires.community import services
from territoires.community.models import Message, ProjectSpace, Thread
from territoires.notifications.models import Notification
from tests.factories import PASSWORD, ThemeFactory, UserFactory, make_project

pytestmark = pytest.mark.django_db


def login(client, user):
    assert client.login(email=user.email, password=PASSWORD)
    return client


def test_public_thread_created_and_replied_through_pages(client):
    theme = ThemeFactory()
    author, other = UserFactory(), UserFactory()
    login(client, author)
    response = client.post(
        reverse("community:theme_thread_create", args=[theme.slug]),
        {"title": "Recruter un groupe d'enquête", "body": "Comment avez-vous fait ?"},
    )
    thread = Thread.objects.get()
    assert response.status_code == 302 and response.url == thread.get_absolute_url()
    client.logout()
    login(client, other)
    response = client.post(reverse("community:thread_reply", args=[thread.pk]), {"body": "Par les centres sociaux."})
    assert response.status_code == 302
    thread.refresh_from_db()
    assert thread.message_count == 2
    page = client.get(thread.get_absolute_url())
    assert page.status_code == 200
    assert "Par les centres sociaux." in page.content.decode()
    client.logout()
    assert client.get(thread.get_absolute_url()).status_code == 200


def test_project_thread_and_mention(client, django_capture_on_commit_callbacks):
    data = make_project()
    referent, colleague = data.referents[0], data.referents[1]
    with django_capture_on_commit_callbacks(execute=True):
        thread = services.thread_create(
            user=referent,
            title="Lieux à enquêter",
            body=f"@{colleague.first_name} {colleague.last_name} tu as la liste des médiathèques ?",
            project=data.project,
        )
    assert Notification.objects.filter(recipient=colleague, verb="mention").count() == 1
    assert [m.to for m in mail.outbox] == [[colleague.email]]
    login(client, colleague)
    response = client.get(thread.get_absolute_url())
    assert response.status_code == 200
    assert client.get(reverse("notifications:list")).status_code == 200
    assert client.get(reverse("community:project_space", args=[data.project.slug])).status_code == 200


def test_hide_notifies_author(client):
    data = make_project()
    thread = services.thread_create(
        user=data.referents[0], title="Guide d'entretien", body="Version 1", project=data.project
    )
    message = services.message_post(user=data.referents[1], thread=thread, body="Hors sujet")
    login(client, data.facilitator)
    response = client.post(reverse("community:message_hide", args=[message.pk]), {"reason": "Hors sujet, merci."})
    assert response.status_code == 302
    message.refresh_from_db()
    assert message.is_hidden
    assert Notification.objects.filter(recipient=data.referents[1], verb="moderation").exists()
    page = client.get(thread.get_absolute_url()).content.decode()
    assert "Message masqué par la modération" in page
    assert ProjectSpace.objects.count() == 0
    assert Message.objects.count() == 2
