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
