"""A member's heavy page (a plan, a transcript's coding screen, the network) is served again from the
cache while nothing changed: to that person and session only, fresh after any committed change,
with a fresh CSRF token and fresh one-time form keys at each serving."""

import re

import pytest
from django.test import Client
from django.urls import reverse

from territoires.plans import services
from tests.factories import make_project
from tests.plans.helpers import make_plan

pytestmark = pytest.mark.django_db

KEYS = re.compile(r'name="submission_key" value="([0-9a-f-]{36})"')
CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([A-Za-z0-9]+)"')


@pytest.fixture
def world():
    ns = make_project()
    plan, territory, _axis, objective, actions, _indicator = make_plan(ns, actions=3)
    ns.plan, ns.objective, ns.actions = plan, objective, actions
    ns.url = reverse("plans:plan_detail", args=[ns.project.slug, ns.towns[0].slug])
    return ns


def signed_in(user, *, csrf_checks=False) -> Client:
    client = Client(enforce_csrf_checks=csrf_checks)
    client.force_login(user)
    return client


@pytest.fixture
def coding(world):
    from tests.diagnostic.coding.helpers import make_codes, make_transcript

    world.transcript = make_transcript(world)
    world.access, world.hours, world.sociability = make_codes(world)
    world.coding_url = reverse("coding:transcript", args=[world.transcript.pk])
    return world


def test_the_second_reading_is_served_from_the_cache_with_fresh_tokens_and_keys(coding):
    client = signed_in(coding.consultant)
    first, second = client.get(coding.coding_url), client.get(coding.coding_url)
    assert (first["X-Page-Cache"], second["X-Page-Cache"]) == ("miss", "hit")
    assert second["Cache-Control"] == "private"
    first_html, second_html = first.content.decode(), second.content.decode()
    # The same page, but never the same one-time key nor the same masked token.
    assert KEYS.findall(second_html) and len(KEYS.findall(second_html)) == len(KEYS.findall(first_html))
    assert not set(KEYS.findall(first_html)) & set(KEYS.findall(second_html))
    assert CSRF.findall(second_html) and CSRF.findall(second_html)[0] != CSRF.findall(first_html)[0]
    assert KEYS.sub("", CSRF.sub("", first_html)) == KEYS.sub("", CSRF.sub("", second_html))
    assert "\x00" not in second_html


def test_a_coding_sent_from_a_cached_page_is_stored_once(coding, django_capture_on_commit_callbacks):
    """The token put back into the cached page is valid for this browser, and its fresh key makes
    the form idempotent as on a rendered page: sent twice, stored once, with the platform's message."""
    from territoires.diagnostic.coding.models import Coding

    client = signed_in(coding.consultant, csrf_checks=True)
    client.get(coding.coding_url)
    page = client.get(coding.coding_url)
    assert page["X-Page-Cache"] == "hit"
    html = page.content.decode()
    form = {
        "csrfmiddlewaretoken": CSRF.findall(html)[0],
        "submission_key": KEYS.findall(html)[0],
        "start": 0, "end": 10, "codes": [coding.hours.pk], "version": 1, "memo": "",
    }  # fmt: skip
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(coding.coding_url, form).status_code == 302
    again = client.post(coding.coding_url, form, follow=True)
    assert Coding.objects.count() == 1
    assert "Ce codage a déjà été enregistré." in again.content.decode()
    # That page showed a message: it was neither served from the cache nor stored.
    assert "X-Page-Cache" not in again
    assert "déjà été enregistré" not in client.get(coding.coding_url).content.decode()


def test_nobody_else_gets_a_page_cached_for_someone(world):
    signed_in(world.referents[0]).get(world.url)
    other = signed_in(world.facilitator).get(world.url)
    assert other["X-Page-Cache"] == "miss"
    # Nor the same person in another session (another browser).
    assert signed_in(world.referents[0]).get(world.url)["X-Page-Cache"] == "miss"


def test_a_committed_change_is_read_at_once(world, django_capture_on_commit_callbacks):
    client = signed_in(world.referents[0])
    client.get(world.url)
    assert client.get(world.url)["X-Page-Cache"] == "hit"
    with django_capture_on_commit_callbacks(execute=True):
        services.action_save(
            plan=world.plan, user=world.referents[0], objective=world.objective, data={"title": "Action nouvelle"}
        )
    page = client.get(world.url)
    assert page["X-Page-Cache"] == "miss" and "Action nouvelle" in page.content.decode()


def test_other_query_parameters_are_rendered_and_not_stored(coding):
    client = signed_in(coding.consultant)
    assert "X-Page-Cache" not in client.get(coding.coding_url + "?utm=x")
    assert client.get(coding.coding_url + f"?codeur={coding.consultant.pk}")["X-Page-Cache"] == "miss"
    assert client.get(coding.coding_url)["X-Page-Cache"] == "miss"  # another query, another page
    assert client.get(coding.coding_url + f"?codeur={coding.consultant.pk}")["X-Page-Cache"] == "hit"


def test_a_new_coding_shows_on_the_next_reload_and_in_another_tab(coding, django_capture_on_commit_callbacks):
    """Codings are written by bulk_create (no post_save): their service moves the content version
    itself, so the cached coding screen and excerpts page are read afresh after a coding."""
    client = signed_in(coding.consultant)
    excerpts = reverse("coding:excerpts", args=[coding.hours.pk])
    for url in (coding.coding_url, coding.coding_url, excerpts, excerpts):
        client.get(url)
    assert client.get(coding.coding_url)["X-Page-Cache"] == "hit"
    html = client.get(coding.coding_url).content.decode()
    form = {"submission_key": KEYS.findall(html)[0], "start": 0, "end": 10, "codes": [coding.hours.pk], "version": 1}
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(coding.coding_url, form).status_code == 302
    assert "Passage codé" in client.get(coding.coding_url).content.decode()  # the message's page
    reloaded = client.get(coding.coding_url)  # a reload, as in another tab
    assert reloaded["X-Page-Cache"] == "miss" and 'id="codage-' in reloaded.content.decode()
    assert client.get(excerpts)["X-Page-Cache"] == "miss"
