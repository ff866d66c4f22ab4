"""A private project is indistinguishable from a slug that does not exist for whoever may not see it:
every project URL answers a visitor and an outsider exactly as it answers for an unknown slug."""

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from tests.factories import MembershipFactory, OrganisationFactory, make_project

pytestmark = pytest.mark.django_db

MISSING_SLUG = "projet-qui-n-existe-pas"


def _project_routes(patterns=None, prefix="", namespace=""):
    """(url name, kwarg names) of every route that takes the project's slug (`projets/<slug>/…`)."""
    for entry in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(entry, URLResolver):
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from _project_routes(entry.url_patterns, prefix + str(entry.pattern), inner)
        elif isinstance(entry, URLPattern) and entry.name:
            route = prefix + str(entry.pattern)
            if "projets/<slug:slug>/" in route or "projet/<slug:slug>/" in route:
                if route.startswith(("bibliotheque/", "ressources/")) and "projet/" not in route:
                    continue
                yield f"{namespace}{entry.name}", list(entry.pattern.converters)


def _kwargs(names, slug, town):
    values = {}
    for name in names:
        if name == "slug":
            values[name] = slug
        elif name in ("organisation_slug", "territory_slug"):
            values[name] = town.slug
        elif name == "kind":
            values[name] = "x"
        elif name == "step":
            values[name] = "etape"
        else:
            values[name] = 1
    return values


@pytest.fixture
def private():
    world = make_project(public=False)
    outsider = MembershipFactory(organisation=OrganisationFactory()).user
    return world, outsider


def _urls(world):
    routes = sorted({(name, tuple(names)) for name, names in _project_routes()})
    assert len(routes) >= 20, routes  # charter, territories, committee, resources, surveys, space…
    town = world.towns[0]
    return [
        (
            reverse(name, kwargs=_kwargs(names, world.project.slug, town)),
            reverse(name, kwargs=_kwargs(names, MISSING_SLUG, town)),
        )
        for name, names in routes
    ]


@pytest.mark.parametrize("who", ["visitor", "outsider"])
def test_private_project_answers_like_a_missing_slug(client, private, who):
    world, outsider = private
    if who == "outsider":
        client.force_login(outsider)
    differences = []
    for url, missing in _urls(world):
        for method in ("get", "post"):
            got, expected = getattr(client, method)(url), getattr(client, method)(missing)
            if got.status_code != expected.status_code or (
                expected.status_code == 302
                and got["Location"].replace(world.project.slug, MISSING_SLUG) != expected["Location"]
            ):
                differences.append((method, url, got.status_code, expected.status_code))
    assert differences == []


def test_private_project_pages_404_to_an_outsider_and_members_still_see_them(client, private):
    world, outsider = private
    slug = world.project.slug
    town = world.towns[0]
    urls = [
        reverse("projects:project_detail", args=[slug]),
        reverse("projects:charter_detail", args=[slug]),
        reverse("projects:territory_detail", args=[slug, town.slug]),
        reverse("projects:committee_detail", args=[slug]),
        reverse("projects:decision_list", args=[slug]),
        reverse("projects:project_method", args=[slug]),
        reverse("library:project_resources", args=[slug]),
        reverse("surveys:project_surveys", args=[slug]),
    ]
    client.force_login(outsider)
    for url in urls:
        assert client.get(url).status_code == 404, url
    client.force_login(world.facilitator)
    for url in urls:
        assert client.get(url).status_code == 200, url
    client.force_login(world.referents[0])
    assert client.get(urls[0]).status_code == 200
