"""Discussion pages run a bounded number of queries, whatever the length of the thread or list."""

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from territoires.community import services
from territoires.community.models import Message, Thread
from territoires.notifications import services as notifications
from tests.factories import ThemeFactory, UserFactory, make_project

pytestmark = pytest.mark.django_db

MAX_QUERIES = 20


def grow_thread(thread, authors, count):
    """Many replies from many authors, written in bulk (the page's cost is what is measured)."""
    thread.refresh_from_db()
    start = thread.message_count
    Message.objects.bulk_create(
        Message(
            thread=thread,
            position=start + index + 1,
            author=authors[index % len(authors)],
            body=f"Réponse {index}",
            body_html=f"<p>Réponse {index}</p>",
        )
        for index in range(count)
    )
    Thread.objects.filter(pk=thread.pk).update(message_count=start + count)


def queries_for(client, url) -> int:
    cache.clear()
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(captured)


def test_thread_page_is_bounded_from_10_to_500_replies(client):
    data = make_project(observers=1)
    authors = [*data.referents, *data.agents, data.consultant, data.facilitator]
    thread = services.thread_create(user=data.referents[0], title="Long fil", body="Début", project=data.project)
    quoted = services.message_post(user=data.referents[1], thread=thread, body="À citer")
    services.message_post(user=data.referents[2], thread=thread, body="Je cite", quoted_id=quoted.pk)
    client.force_login(data.referents[0])
    grow_thread(thread, authors, 10)
    small = [queries_for(client, thread.get_absolute_url())]
    grow_thread(thread, authors, 490)
    thread.refresh_from_db()
    large = [
        queries_for(client, thread.get_absolute_url()),
        queries_for(client, thread.get_absolute_url() + "?page=5"),
        queries_for(client, thread.get_absolute_url() + "?page=last"),
    ]
    assert max(large) <= max(small) + 1 <= MAX_QUERIES, (small, large)
    page = client.get(thread.get_absolute_url() + "?page=last").content.decode()
    # 503 messages, 50 a page: the last page holds the last three.
    assert "Réponse 489" in page and "Réponse 486" not in page
    public = services.thread_create(user=UserFactory(), title="Public", body="Début", theme=ThemeFactory())
    grow_thread(public, authors, 500)
    client.logout()
    assert queries_for(client, public.get_absolute_url() + "?page=3") <= MAX_QUERIES


@pytest.mark.parametrize("role", ["member", "observer", "visitor"])
def test_lists_are_bounded(client, role):
    data = make_project(observers=1)
    theme = ThemeFactory()
    users = {"member": data.referents[0], "observer": data.observers[0], "visitor": None}

    def add_threads(count):
        for index in range(count):
            author = data.referents[index % len(data.referents)]
            services.thread_create(
                user=author, title=f"Projet {index}", body="Texte", project=data.project, shared_with_observers=True
            )
            services.thread_create(user=author, title=f"Public {index}", body="Texte", theme=theme)

    from territoires.community.models import ProjectSpace

    ProjectSpace.objects.create(project=data.project, observer_access="shared")
    if users[role]:
        client.force_login(users[role])
    urls = [reverse("community:home"), reverse("community:theme_space", args=[theme.slug])]
    if role != "visitor":
        urls += [
            reverse("community:project_space", args=[data.project.slug]),
            reverse("notifications:list"),
            reverse("notifications:preferences"),
        ]
    add_threads(2)
    if users[role]:  # one follow of each kind, so that the larger set only adds rows
        for target in (theme, data.project, Thread.objects.filter(project=data.project).first()):
            notifications.follow_set(user=users[role], target=target, following=True)
    small = [queries_for(client, url) for url in urls]
    add_threads(25)
    if users[role]:
        notifications.follow_set(user=users[role], target=theme, following=True)
        notifications.follow_set(user=users[role], target=data.project, following=True)
        notifications.notify(recipients=[users[role]] * 1, verb="news", text="x", url="/")
        for thread in Thread.objects.all()[:30]:
            notifications.follow_set(user=users[role], target=thread, following=True)
            notifications.notify(recipients=[users[role]], verb="reply", text=thread.title, url="/", target=thread)
    large = [queries_for(client, url) for url in urls]
    for url, before, after in zip(urls, small, large, strict=True):
        assert after <= before + 2 and after <= MAX_QUERIES, (url, before, after)


def test_moderation_queue_is_bounded(client):
    data = make_project()
    thread = services.thread_create(user=data.referents[0], title="Fil", body="Début", project=data.project)
    client.force_login(data.facilitator)

    def add_reports(count):
        for index in range(count):
            message = services.message_post(user=data.referents[1], thread=thread, body=f"M{index}")
            services.message_report(user=data.referents[2], message=message, reason="Propos déplacés")

    add_reports(2)
    small = queries_for(client, reverse("community:moderation"))
    add_reports(20)
    large = queries_for(client, reverse("community:moderation"))
    assert large <= small <= MAX_QUERIES
