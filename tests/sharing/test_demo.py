"""The demo's news, events and lessons: loaded once, shown to the right people."""

import pytest
from django.urls import reverse

from territoires.demo import data
from territoires.demo import sharing as sharing_demo
from territoires.demo.loader import load_reference_project
from territoires.projects.models import SharedProject
from territoires.sharing.models import Lesson, NewsPost, PeerEvent, Registration

pytestmark = pytest.mark.django_db


def test_demo_loads_once_and_its_pages_answer(client):
    load_reference_project()
    project = SharedProject.objects.get(title=data.PROJECT["title"])
    assert sharing_demo.load(project) is True
    counts = (NewsPost.objects.count(), PeerEvent.objects.count(), Lesson.objects.count(), Registration.objects.count())
    assert sharing_demo.load(project) is False
    assert counts == (
        NewsPost.objects.count(),
        PeerEvent.objects.count(),
        Lesson.objects.count(),
        Registration.objects.count(),
    )
    assert counts[:3] == (6, 3, 2)
    # The reference project ended in June 2022: its events all took place, each with its notes.
    assert all(event.is_past and event.notes for event in PeerEvent.objects.all())
    practice = PeerEvent.objects.get(kind=PeerEvent.Kind.PRACTICE_ANALYSIS)
    assert practice.registrations.count() == 5
    assert "Décisions" in PeerEvent.objects.get(starts_at__month=1).notes
    for url in [
        reverse("sharing:news_list"),
        reverse("sharing:event_list"),
        reverse("sharing:lesson_list"),
        reverse("sharing:project_news", args=[project.slug]),
        reverse("sharing:project_events", args=[project.slug]),
        reverse("sharing:project_lessons", args=[project.slug]),
        reverse("sharing:news_feed"),
        *[lesson.get_absolute_url() for lesson in Lesson.objects.all()],
    ]:
        assert client.get(url).status_code == 200, url
    # A visitor sees the public news, not the observers' ones.
    page = client.get(reverse("sharing:news_list")).content.decode()
    assert "Lancement du projet partagé" in page and "groupe d&#x27;enquête de Niort" not in page
    client.login(username="referente.poitiers@ville.demo", password="territoires-demo-2021")
    page = client.get(reverse("sharing:news_list")).content.decode()
    assert "groupe d&#x27;enquête de Niort" in page
    assert client.get(practice.get_absolute_url()).context["registration"].status == "confirmed"
