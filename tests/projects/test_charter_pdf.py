"""The charter's PDF is tagged for screen readers (PDF/UA), in French, with the charter's title."""

import pytest
from django.urls import reverse

from tests.pdf_support import assert_tagged_pdf

pytestmark = pytest.mark.django_db


def test_the_charter_pdf_is_tagged_with_language_and_title(client, demo_project):
    project = demo_project.project
    response = client.get(reverse("projects:charter_pdf", args=[project.slug]))
    assert response.status_code == 200
    assert response.content.startswith(b"%PDF")
    assert_tagged_pdf(response.content, title=project.charters.order_by("-version").first().title)
