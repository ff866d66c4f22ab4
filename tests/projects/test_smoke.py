import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_public_pages_answer_for_a_visitor(client, demo_project):
    project = demo_project.project
    town = demo_project.towns[0]
    for url in [
        reverse("projects:home"),
        reverse("projects:project_list"),
        reverse("projects:theme_list"),
        project.get_absolute_url(),
        reverse("projects:charter_detail", args=[project.slug]),
        reverse("projects:territory_detail", args=[project.slug, town.slug]),
    ]:
        response = client.get(url)
        assert response.status_code == 200, url
        assert project.title.encode() in response.content or url in ("/", "/projets/", "/themes/")


def test_the_home_page_counts_participating_authorities_not_observers(client):
    from tests.factories import make_project

    make_project(participants=3, observers=2)
    content = client.get(reverse("projects:home")).content.decode()
    assert "<strong>3</strong> collectivités engagées" in content
    assert "<strong>1</strong> projet partagé publié" in content
