"""Public and member pages run a bounded number of SQL queries, whatever the amount of data.

Each page is rendered twice: once on a small data set (one project, three territories) and once
after the data set has grown (eight projects of five territories, observers, completed steps,
signatures, committee meetings). The count must stay within MAX_QUERIES and must not grow.

Anonymous GETs go through the public page cache (territoires.core.cache); the cache is cleared
before each measured request so that what is counted is the uncached render, the one that reaches
the database.
"""

import datetime

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from territoires.core.registry import _project_counts  # noqa: E402
from territoires.projects.models import Meeting, Signature, StepCompletion, ThemeInterest
from territoires.projects.phases import STEPS_BY_CODE
from territoires.projects.services import charter_current
from tests.factories import OrganisationFactory, ThemeFactory, make_project

pytestmark = pytest.mark.django_db

# The project page adds one query per count that a module registers (territoires/core/registry.py),
# however many rows the modules hold; the header adds one for the unread notifications.
MAX_QUERIES = 16 + len(_project_counts)
STEP_CODES = list(STEPS_BY_CODE)


def _enrich(built, *, steps: int, signatures: int, meetings: int, themes: int):
    """Add what makes pages heavier: completed steps, signatures, meetings, themes with interests."""
    project = built.project
    participations = list(project.participations.filter(role="participant").order_by("pk"))
    StepCompletion.objects.bulk_create(
        StepCompletion(participation=participation, step=code)
        for participation in participations
        for code in STEP_CODES[:steps]
    )
    charter = charter_current(project)
    parties = [built.agency, *built.towns][:signatures]
    for index, organisation in enumerate(parties):
        is_agency = organisation == built.agency
        Signature.objects.create(
            charter=charter,
            organisation=organisation,
            signatory_name=f"Signataire {index}",
            signatory_title="Maire" if not is_agency else "Directeur général délégué",
            signed_on=datetime.date(2021, 9, 20),
            **(
                {}
                if is_agency
                else {
                    "deliberation_number": f"D-2021-{index:03d}",
                    "deliberation_date": datetime.date(2021, 9, 20),
                    "deliberative_body": Signature.DeliberativeBody.MUNICIPAL_COUNCIL,
                    "members_in_office": 33,
                    "votes_for": 33,
                }
            ),
        )
    for index in range(meetings):
        Meeting.objects.create(
            committee=project.committee,
            title=f"Comité de pilotage {index + 1}",
            starts_at=timezone.now() - datetime.timedelta(days=30 * index),
            agenda="1. Point d'étape",
        )
    for _index in range(themes):
        theme = ThemeFactory(proposed_by_organisation=built.towns[0])
        ThemeInterest.objects.bulk_create(ThemeInterest(theme=theme, organisation=town) for town in built.towns)


def _small():
    built = make_project(participants=3)
    _enrich(built, steps=1, signatures=1, meetings=0, themes=1)
    return built


def _large():
    """Seven more projects, then the measured one: five territories, observers, the most of everything."""
    for index in range(7):
        extra = make_project(participants=5, observers=2, title=f"Projet supplémentaire {index}")
        _enrich(extra, steps=4, signatures=3, meetings=2, themes=2)
    built = make_project(participants=5, observers=3, title="Projet le plus fourni")
    _enrich(built, steps=len(STEP_CODES), signatures=6, meetings=4, themes=3)
    OrganisationFactory.create_batch(20)
    return built


def _pages(built):
    project = built.project
    return {
        "home": reverse("projects:home"),
        "project_list": reverse("projects:project_list"),
        "project": project.get_absolute_url(),
        "charter": reverse("projects:charter_detail", args=[project.slug]),
        "territory": reverse("projects:territory_detail", args=[project.slug, built.towns[0].slug]),
        "theme_list": reverse("projects:theme_list"),
    }


def _count(client, url) -> int:
    cache.clear()  # count the uncached render, not a page-cache hit
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200, url
    assert response.get("X-Page-Cache") != "hit", url
    return len(captured.captured_queries)


def _measure(client, built, *, as_referent: bool) -> dict[str, int]:
    if as_referent:
        client.force_login(built.referents[0])
    else:
        client.logout()
    return {name: _count(client, url) for name, url in _pages(built).items()}


@pytest.mark.parametrize("as_referent", [False, True], ids=["anonymous", "referent"])
def test_page_query_counts_are_bounded_and_do_not_grow(client, as_referent, django_assert_max_num_queries):
    small = _measure(client, _small(), as_referent=as_referent)
    large_built = _large()
    large = _measure(client, large_built, as_referent=as_referent)

    for url in _pages(large_built).values():
        cache.clear()
        with django_assert_max_num_queries(MAX_QUERIES):
            assert client.get(url).status_code == 200
    assert all(count <= MAX_QUERIES for count in small.values()), small
    grown = {name: (small[name], large[name]) for name in small if large[name] > small[name]}
    assert not grown, f"query count grows with data (small, large): {grown}"


def test_anonymous_pages_are_served_from_the_page_cache_on_second_view(client, django_assert_num_queries):
    built = _small()
    for url in _pages(built).values():
        cache.clear()
        client.get(url)
        with django_assert_num_queries(0):
            response = client.get(url)
        assert response["X-Page-Cache"] == "hit", url
