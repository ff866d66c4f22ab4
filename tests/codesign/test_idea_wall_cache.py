"""The idea wall is served to visitors from the public page cache (make bench ONLY=codesign.idea_wall):
a new or moderated idea shows at once, the team never gets a cached page, unknown parameters are
served but not cached."""

import pytest
from django.core.cache import cache
from django.urls import reverse

from territoires.codesign import services
from tests.codesign.world import build_world

pytestmark = pytest.mark.django_db


def test_the_visitors_wall_is_cached_and_follows_every_write(client, django_capture_on_commit_callbacks):
    cache.clear()
    world = build_world()
    wall = reverse("codesign:idea_wall", args=[world.plan.pk])
    first = client.get(wall)
    assert first.status_code == 200 and first["X-Page-Cache"] == "miss"
    assert client.get(wall)["X-Page-Cache"] == "hit"
    with django_capture_on_commit_callbacks(execute=True):
        services.idea_create(plan=world.plan, user=world.referents[0], title="Une idée toute neuve", source="team")
    fresh = client.get(wall)
    assert "Une idée toute neuve" in fresh.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        world.plan.ideas_open = True
        world.plan.save()
        pending = services.idea_submit(plan=world.plan, title="Idée en attente de relecture")
    assert "Idée en attente de relecture" not in client.get(wall).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        services.idea_moderate(idea=pending, user=world.referents[0], decision="published")
    assert "Idée en attente de relecture" in client.get(wall).content.decode()
    assert "X-Page-Cache" not in client.get(wall + "?autre=1")
    client.force_login(world.referents[0])
    assert "X-Page-Cache" not in client.get(wall)
