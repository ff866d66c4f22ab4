"""Bad input never saves half a thing, never returns a 500, and never runs a script."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.signals import request_finished
from django.db import close_old_connections
from django.urls import reverse

from territoires.community import services
from territoires.community.models import Attachment, Message, Thread
from tests.factories import ThemeFactory, UserFactory, make_project, pdf_bytes

pytestmark = pytest.mark.django_db

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def close_keeping_connection(response):
    """Close a file response (and its file) as the server would, without the request_finished
    signal closing the test's database connection (as the test client itself does)."""
    request_finished.disconnect(close_old_connections)
    try:
        response.close()
    finally:
        request_finished.connect(close_old_connections)


@pytest.fixture
def data():
    return make_project(observers=1)


@pytest.fixture
def thread(data):
    return services.thread_create(
        user=data.referents[0], title="Guides d'entretien", body="Bonjour", project=data.project
    )


def test_script_injection_is_inert(client, data, thread):
    client.force_login(data.referents[1])
    body = '<script>alert("x")</script><img src=x onerror="alert(1)"> [lien](javascript:alert(2)) **gras**'
    client.post(reverse("community:thread_reply", args=[thread.pk]), {"body": body})
    title = '<script>alert("titre")</script>'
    client.post(reverse("community:project_thread_create", args=[data.project.slug]), {"title": title, "body": body})
    for url in (thread.get_absolute_url(), Thread.objects.get(title=title).get_absolute_url()):
        html = client.get(url).content.decode()
        assert "<script>alert" not in html
        assert "onerror" not in html
        assert "javascript:alert" not in html
        assert "<strong>gras</strong>" in html
    assert (
        "&lt;script&gt;alert(&quot;titre&quot;)&lt;/script&gt;"
        in client.get(reverse("community:project_space", args=[data.project.slug])).content.decode()
    )


def test_hundred_thousand_characters_are_refused(client, data, thread):
    client.force_login(data.referents[1])
    response = client.post(reverse("community:thread_reply", args=[thread.pk]), {"body": "a" * 100_000})
    assert response.status_code == 400
    assert "Un message compte au plus 20000 caractères" in response.content.decode()
    assert Message.objects.filter(thread=thread).count() == 1
    response = client.post(
        reverse("community:project_thread_create", args=[data.project.slug]), {"title": "x" * 5000, "body": "a"}
    )
    assert response.status_code == 200
    assert Thread.objects.count() == 1


def test_reply_to_a_thread_one_cannot_see(client, data, thread):
    outsider = make_project(title="Autre").referents[0]
    client.force_login(outsider)
    response = client.post(reverse("community:thread_reply", args=[thread.pk]), {"body": "Je m'invite"})
    assert response.status_code == 404
    # An observer reads shared threads at most, and never writes.
    client.force_login(data.observers[0])
    response = client.post(reverse("community:thread_reply", args=[thread.pk]), {"body": "Je m'invite"})
    assert response.status_code == 404
    assert Message.objects.filter(thread=thread).count() == 1


@pytest.mark.parametrize(
    "path",
    [
        "/discussions/999999/",
        "/discussions/999999999999999999999999/",
        "/discussions/messages/999999/modifier/",
        "/discussions/messages/999999/masquer/",
        "/discussions/pieces-jointes/999999/",
        "/projets/projet-de-test/espace/999999/",
        "/discussions/themes/nexiste-pas/",
    ],
)
def test_forged_ids_are_404(client, data, path):
    client.force_login(data.facilitator)
    assert client.get(path).status_code == 404


def test_forged_quote_and_thread_of_another_project(client, data, thread):
    other = make_project(title="Autre")
    foreign = services.thread_create(user=other.referents[0], title="Ailleurs", body="Secret", project=other.project)
    client.force_login(data.referents[1])
    foreign_message = foreign.messages.get()
    response = client.post(
        reverse("community:thread_reply", args=[thread.pk]), {"body": "Je cite", "quote": foreign_message.pk}
    )
    assert response.status_code == 400
    assert "Secret" not in response.content.decode()
    response = client.post(reverse("community:thread_reply", args=[thread.pk]), {"body": "Je cite", "quote": "abc"})
    assert response.status_code == 400
    # The other project's thread, through this project's URL: 404.
    assert client.get(f"/projets/{data.project.slug}/espace/{foreign.pk}/").status_code == 404
    assert Message.objects.filter(thread=thread).count() == 1


def test_disguised_or_oversized_attachments_are_refused(client, data, thread, settings):
    client.force_login(data.referents[1])
    fake = SimpleUploadedFile("rapport.pdf", b"MZ\x90\x00 not a pdf", content_type="application/pdf")
    response = client.post(reverse("community:thread_reply", args=[thread.pk]), {"body": "Pièce", "files": [fake]})
    assert response.status_code == 400
    assert "ni un PDF ni une image" in response.content.decode()
    settings.MAX_UPLOAD_MB = 0
    big = SimpleUploadedFile("gros.pdf", pdf_bytes(), content_type="application/pdf")
    response = client.post(reverse("community:thread_reply", args=[thread.pk]), {"body": "Pièce", "files": [big]})
    assert response.status_code == 400
    assert Message.objects.filter(thread=thread).count() == 1
    assert Attachment.objects.count() == 0


def test_attachments_are_served_only_to_readers(client, data, thread):
    client.force_login(data.referents[1])
    files = [
        SimpleUploadedFile("guide.pdf", pdf_bytes(), content_type="application/pdf"),
        SimpleUploadedFile("photo.png", PNG, content_type="image/png"),
    ]
    response = client.post(reverse("community:thread_reply", args=[thread.pk]), {"body": "Pièces", "files": files})
    assert response.status_code == 302
    pdf, png = Attachment.objects.order_by("id")
    assert (pdf.content_type, png.content_type) == ("application/pdf", "image/png")
    response = client.get(pdf.get_absolute_url())
    assert response.status_code == 200
    assert b"".join(response.streaming_content).startswith(b"%PDF-")
    close_keeping_connection(response)
    client.logout()
    assert client.get(pdf.get_absolute_url()).status_code == 404
    client.force_login(make_project(title="Autre").referents[0])
    assert client.get(png.get_absolute_url()).status_code == 404


def test_empty_and_whitespace_messages_are_refused(client):
    theme = ThemeFactory()
    client.force_login(UserFactory())
    response = client.post(
        reverse("community:theme_thread_create", args=[theme.slug]), {"title": "  ", "body": "   \n  "}
    )
    assert response.status_code == 200
    assert Thread.objects.count() == 0


def test_hiding_needs_a_reason_and_reports_once(client, data, thread):
    reply = services.message_post(user=data.referents[1], thread=thread, body="Message")
    client.force_login(data.facilitator)
    response = client.post(reverse("community:message_hide", args=[reply.pk]), {"reason": ""})
    assert response.status_code == 200
    reply.refresh_from_db()
    assert not reply.is_hidden
    client.force_login(data.referents[0])
    url = reverse("community:message_report", args=[reply.pk])
    assert client.post(url, {"reason": "Propos blessants"}).status_code == 302
    response = client.post(url, {"reason": "Encore"})
    assert response.status_code == 200
    assert "déjà signalé" in response.content.decode()
