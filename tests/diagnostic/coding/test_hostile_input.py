"""Hostile input on every coding form and filter (the routes the demo's crawl does not reach yet,
tests/fuzz/test_hostile_input.py's UNREACHED): never a 5xx, and nothing saved from garbage."""

import pytest
from django.urls import reverse

from territoires.diagnostic.coding import services
from territoires.diagnostic.coding.models import Code, Coding
from tests.diagnostic.coding.helpers import make_codes, make_transcript
from tests.factories import make_project
from tests.fuzz.test_hostile_input import HOSTILE

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    world = make_project()
    world.transcript = make_transcript(world)
    world.access, world.hours, world.sociability = make_codes(world)
    world.coding = services.coding_create(
        source=world.transcript, codes=[world.hours], start=0, end=10, user=world.consultant
    )[0]
    return world


FIELDS = {
    "transcript": ("start", "end", "codes", "participant", "memo", "version", "submission_key"),
    "code_edit": ("name", "parent", "definition", "example", "colour"),
    "code_delete": ("target",),
    "codebook": ("name", "parent", "definition", "example", "colour"),
}


@pytest.mark.parametrize("label", list(HOSTILE))
def test_hostile_values_never_get_a_server_error(client, world, label):
    value = HOSTILE[label]
    value = value if len(value) < 100_000 else value[:100_000]
    client.force_login(world.consultant)
    urls = {
        "transcript": reverse("coding:transcript", args=[world.transcript.pk]),
        "code_edit": reverse("coding:code_edit", args=[world.hours.pk]),
        "code_delete": reverse("coding:code_delete", args=[world.access.pk]),
        "codebook": reverse("coding:codebook", args=[world.project.slug]),
    }
    before = Coding.objects.count(), Code.objects.count()
    for name, url in urls.items():
        data = dict.fromkeys(FIELDS[name], value)
        assert client.post(url, data).status_code < 500, (name, label)
        assert client.post(url, {key: [value, value] for key in FIELDS[name]}).status_code < 500, (name, label)
        assert client.get(url, {"codeur": value, "page": value}).status_code < 500, (name, label)
    for url in (
        reverse("coding:excerpts", args=[world.hours.pk]),
        reverse("coding:analysis", args=[world.project.slug]),
    ):
        response = client.get(url, {"territory": value, "profile": value, "page": value, "territoire": value,
                                    "sous_codes": value})  # fmt: skip
        assert response.status_code < 500, (url, label)
    assert client.post(reverse("coding:coding_delete"), {"coding": value}).status_code < 500
    # A hostile text may be a valid code name (the codebook accepts any words), never a coding.
    assert Coding.objects.count() <= before[0]
    assert Code.objects.count() <= before[1] + 1


def test_a_json_body_is_refused_without_a_server_error(client, world):
    client.force_login(world.consultant)
    url = reverse("coding:transcript", args=[world.transcript.pk])
    response = client.post(url, data="[" * 10_000 + "]" * 10_000, content_type="application/json")
    assert response.status_code < 500
    assert Coding.objects.count() == 1
