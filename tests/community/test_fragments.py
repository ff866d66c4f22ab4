"""Cached message fragments never carry one viewer's rights or CSRF token to another viewer."""

import pytest
from django.urls import reverse

from territoires.community import services
from tests.factories import make_project

pytestmark = pytest.mark.django_db


def test_fragments_follow_each_viewer_and_each_change(client):
    data = make_project()
    thread = services.thread_create(user=data.referents[0], title="Fil", body="Premier jet", project=data.project)
    message = thread.messages.get()
    edit_url = reverse("community:message_edit", args=[message.pk])
    client.force_login(data.referents[0])
    assert edit_url in client.get(thread.get_absolute_url()).content.decode()
    client.force_login(data.referents[1])
    page = client.get(thread.get_absolute_url()).content.decode()
    assert edit_url not in page and "Premier jet" in page
    services.message_edit(user=data.referents[0], message=message, body="Version corrigée")
    page = client.get(thread.get_absolute_url()).content.decode()
    assert "Version corrigée" in page and "Premier jet" not in page
    services.message_hide(user=data.facilitator, message=message, reason="Doublon")
    page = client.get(thread.get_absolute_url()).content.decode()
    assert "Message masqué par la modération" in page and "Version corrigée" not in page


def test_restore_form_of_a_moderator_is_rendered_with_their_csrf_token():
    from django.test import Client

    data = make_project()
    thread = services.thread_create(user=data.referents[0], title="Fil", body="Texte", project=data.project)
    message = services.message_post(user=data.referents[1], thread=thread, body="À masquer")
    services.message_hide(user=data.facilitator, message=message, reason="Hors sujet")
    client = Client(enforce_csrf_checks=True)
    client.force_login(data.facilitator)
    page = client.get(thread.get_absolute_url())
    html = page.content.decode()
    action = reverse("community:message_restore", args=[message.pk])
    form = html[html.index(action) :]
    token = form.split('name="csrfmiddlewaretoken" value="')[1].split('"')[0]
    response = client.post(action, {"csrfmiddlewaretoken": token})
    assert response.status_code == 302
    message.refresh_from_db()
    assert not message.is_hidden
