"""Hostile input on the guide's editing forms (the values of tests/fuzz/test_hostile_input.py):
never a server error, and a refused value changes nothing."""

import pytest
from django.urls import reverse

from territoires.diagnostic.interviews import services
from territoires.diagnostic.interviews.models import GuideQuestion, GuideTheme
from tests.factories import make_project
from tests.fuzz.test_hostile_input import HOSTILE

pytestmark = pytest.mark.django_db


def test_the_guide_forms_never_answer_a_server_error(client):
    world = make_project()
    guide = services.guide_create(project=world.project, user=world.consultant, title="Guide")
    theme = services.theme_save(guide=guide, user=world.consultant, title="Pratiques")
    question = services.question_save(theme=theme, user=world.consultant, text="Que faites-vous ?")
    client.force_login(world.consultant)
    forms = [
        (reverse("interviews:guide_edit", args=[guide.pk]), ("title", "introduction")),
        (reverse("interviews:theme_add", args=[guide.pk]), ("theme-title",)),
        (reverse("interviews:theme_edit", args=[theme.pk]), ("title",)),
        (reverse("interviews:question_add", args=[theme.pk]), ("text", "prompts")),
        (reverse("interviews:question_edit", args=[question.pk]), ("text", "prompts")),
        (reverse("interviews:theme_move", args=[theme.pk]), ("sens",)),
        (reverse("interviews:question_move", args=[question.pk]), ("sens",)),
        (reverse("interviews:guide", args=[world.project.slug]) + "?version=" + "9" * 40, ("title",)),
        (reverse("interviews:pseudonyms", args=[world.project.slug, world.towns[0].slug]), ("name", "replacement")),
    ]
    for url, fields in forms:
        assert client.get(url).status_code < 500, url
        for label, value in HOSTILE.items():
            response = client.post(url, dict.fromkeys(fields, value))
            assert response.status_code < 500, (url, label)
            response = client.post(url, {field: [value, value] for field in fields})
            assert response.status_code < 500, (url, label)
    # NUL bytes are refused by the forms: none reached the database (checked in Python: SQLite's LIKE
    # stops at a NUL).
    assert not any("\x00" in text for text in GuideQuestion.objects.values_list("text", flat=True))
    assert not any("\x00" in title for title in GuideTheme.objects.values_list("title", flat=True))
    assert client.get(reverse("interviews:guide", args=[world.project.slug]), {"version": "abc"}).status_code == 200


def test_a_guide_version_that_does_not_exist_is_said_not_passed_off_as_the_current_one(client):
    world = make_project()
    first = services.guide_create(project=world.project, user=world.consultant, title="Guide")
    services.guide_new_version(guide=first, user=world.consultant)
    client.force_login(world.consultant)
    url = reverse("interviews:guide", args=[world.project.slug])
    assert "pas de version «" not in client.get(url, {"version": "1"}).content.decode()
    assert "pas de version «" not in client.get(url).content.decode()
    for asked in ("7", "abc", "9" * 40):
        response = client.get(url, {"version": asked})
        page = response.content.decode()
        assert response.status_code == 200
        assert f"a pas de version « {asked[:20]} » : vous lisez la version 2, celle en cours" in page
