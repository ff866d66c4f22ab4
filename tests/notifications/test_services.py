import io

import pytest
from django.core import mail
from django.core.management import call_command
from django.urls import reverse

from territoires.notifications import services
from territoires.notifications.models import EmailPreference, Follow, Notification
from tests.factories import UserFactory, make_project

pytestmark = pytest.mark.django_db


def test_follow_set_is_idempotent_and_reversible():
    data = make_project()
    user = data.referents[0]
    services.follow_set(user=user, target=data.project, following=True)
    services.follow_set(user=user, target=data.project, following=True)
    assert Follow.objects.filter(user=user).count() == 1
    assert services.is_following(user=user, target=data.project)
    services.follow_set(user=user, target=data.project, following=False)
    assert not Follow.objects.filter(user=user).exists()


def test_notify_skips_the_actor_and_duplicates():
    a, b = UserFactory(), UserFactory()
    created = services.notify(recipients=[a, b, b], verb="news", text="Nouvelle", url="/", actor=a)
    assert [n.recipient_id for n in created] == [b.pk]
    assert services.unread_count(b) == 1
    assert mail.outbox == []  # not immediate: waits for the digest


def test_notify_followers_filters_with_can_see():
    data = make_project()
    allowed, refused = data.referents[0], UserFactory()
    for user in (allowed, refused):
        services.follow_set(user=user, target=data.project, following=True)
    services.notify_followers(
        target=data.project, verb="news", text="Nouvelle", url="/", can_see=lambda user: user == allowed
    )
    assert list(Notification.objects.values_list("recipient_id", flat=True)) == [allowed.pk]


def test_immediate_notification_is_emailed_once_with_unsubscribe_headers(django_capture_on_commit_callbacks):
    user = UserFactory()
    with django_capture_on_commit_callbacks(execute=True):
        services.notify(recipients=[user], verb="mention", text="Vous êtes mentionné·e", url="/x/", immediate=True)
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [user.email]
    assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert "/notifications/desabonnement/" in message.extra_headers["List-Unsubscribe"]
    assert Notification.objects.get().emailed_at is not None


def test_immediate_email_respects_preferences(django_capture_on_commit_callbacks):
    user = UserFactory()
    services.email_preference_set(user=user, mode=EmailPreference.Mode.DIGEST_ONLY)
    with django_capture_on_commit_callbacks(execute=True):
        services.notify(recipients=[user], verb="mention", text="Mention", url="/x/", immediate=True)
    assert mail.outbox == []
    # … and the mention then goes into the digest.
    call_command("send_digests", stdout=io.StringIO())
    assert len(mail.outbox) == 1


def test_digest_one_email_per_user_with_unread_items_then_nothing():
    a, b, quiet, opted_out = UserFactory(), UserFactory(), UserFactory(), UserFactory()
    services.email_preference_set(user=opted_out, mode=EmailPreference.Mode.NONE)
    services.notify(recipients=[a, b, opted_out], verb="news", text="Première", url="/1/")
    services.notify(recipients=[a], verb="news", text="Seconde", url="/2/")
    read = services.notify(recipients=[b], verb="news", text="Déjà lue", url="/3/")
    services.notifications_mark_read(user=b, ids=[read[0].pk])
    call_command("send_digests", stdout=io.StringIO())
    by_recipient = {message.to[0]: message for message in mail.outbox}
    assert set(by_recipient) == {a.email, b.email}
    assert "Première" in by_recipient[a.email].body and "Seconde" in by_recipient[a.email].body
    assert "Déjà lue" not in by_recipient[b.email].body
    assert quiet.email not in by_recipient
    # The subject counts in words: "2 nouveautés", "1 nouveauté", never "nouveauté(s)".
    assert by_recipient[a.email].subject.endswith("Votre résumé : 2 nouveautés")
    assert by_recipient[b.email].subject.endswith("Votre résumé : 1 nouveauté")
    # Sent once: the next day's run finds nothing new.
    call_command("send_digests", stdout=io.StringIO())
    assert len(mail.outbox) == 2


def test_unsubscribe_link_works_without_login(client):
    user = UserFactory()
    services.notify(recipients=[user], verb="news", text="Nouvelle", url="/1/")
    call_command("send_digests", stdout=io.StringIO())
    body = mail.outbox[0].body
    url = next(line.split(" ")[-1] for line in body.splitlines() if "/notifications/desabonnement/" in line)
    path = url.replace(services.site_url(), "")
    assert client.get(path).status_code == 200
    assert services.email_mode_of(user) == EmailPreference.Mode.DAILY  # a GET (link scanner) changes nothing
    # One-click, as RFC 8058 mail clients do: the body "List-Unsubscribe=One-Click", no session, no CSRF token.
    response = client.post(path, {"List-Unsubscribe": "One-Click"})
    assert response.status_code == 200
    assert services.email_mode_of(user) == EmailPreference.Mode.NONE


def test_unsubscribe_form_post_needs_its_csrf_token_and_one_click_needs_its_body():
    from django.test import Client

    user = UserFactory()
    path = reverse("notifications:unsubscribe", args=[services.unsubscribe_token(user)])
    browser = Client(enforce_csrf_checks=True)
    # A cross-site form (no token, not the RFC 8058 body) changes nothing.
    assert browser.post(path).status_code == 403
    assert browser.post(path, {"List-Unsubscribe": "Yes"}).status_code == 403
    assert services.email_mode_of(user) == EmailPreference.Mode.DAILY
    # The page's own confirmation form carries its token and works.
    page = browser.get(path)
    token = page.cookies["csrftoken"].value
    assert 'name="csrfmiddlewaretoken"' in page.content.decode()
    response = browser.post(path, {"csrfmiddlewaretoken": token})
    assert response.status_code == 200
    assert services.email_mode_of(user) == EmailPreference.Mode.NONE


def test_forged_unsubscribe_token_is_refused(client):
    user = UserFactory()
    token = services.unsubscribe_token(user)
    response = client.post(reverse("notifications:unsubscribe", args=[token[:-2] + "xx"]))
    assert response.status_code == 404
    assert services.email_mode_of(user) == EmailPreference.Mode.DAILY


def test_follow_view_refuses_what_one_cannot_see_and_lets_one_stop_following(client):
    from territoires.community import services as community
    from territoires.notifications.models import Follow

    data = make_project()
    thread = community.thread_create(user=data.referents[0], title="Réservée", body="Texte", project=data.project)
    outsider = UserFactory()
    client.force_login(outsider)
    url = reverse("notifications:follow")
    assert client.post(url, {"kind": "thread", "id": thread.pk, "following": "1"}).status_code == 404
    assert client.post(url, {"kind": "thread", "id": "abc", "following": "1"}).status_code == 404
    assert client.post(url, {"kind": "nope", "id": thread.pk, "following": "1"}).status_code == 404
    assert not Follow.objects.filter(user=outsider).exists()
    # Someone who followed it, then lost access, no longer sees its title but may unfollow it.
    services.follow_set(user=outsider, target=thread, following=True)
    page = client.get(reverse("notifications:preferences")).content.decode()
    assert "Réservée" not in page and "ne vous est plus accessible" in page
    response = client.post(url, {"kind": "thread", "id": thread.pk, "following": "0"})
    assert response.status_code == 302
    assert not Follow.objects.filter(user=outsider).exists()
