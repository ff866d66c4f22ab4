"""The position question's map: Leaflet (vendored) is loaded online and in the field, where the
service worker caches it with the page's other files; paper entry keeps the fields only; a tile
server, when one is set, is allowed by the content security policy and nothing else is."""

import pytest
from django.test import override_settings
from django.urls import reverse

from territoires.core.middleware import ContentSecurityPolicyMiddleware, tile_source
from territoires.surveys.models import Survey
from territoires.surveys.schema import schema_cache_clear
from territoires.surveys.xlsform import xlsform_import
from tests.factories import PASSWORD
from tests.surveys.factories import make_survey
from tests.surveys.test_choice_filter import CHOICES, cascade_form, upload

pytestmark = pytest.mark.django_db
LEAFLET = "/static/vendor/leaflet-1.9.4/leaflet.js"


@pytest.fixture
def built():
    ns = make_survey(status=Survey.Status.DRAFT)
    rows = [["type", "name", "label"], ["geopoint", "lieu", "Où mangez-vous ?"], ["text", "nom", "Nom"]]
    survey = xlsform_import(project=ns.project, user=ns.project_ns.consultant, file=upload(cascade_form(rows, CHOICES)))
    Survey.objects.filter(pk=survey.pk).update(status=Survey.Status.PUBLISHED)
    schema_cache_clear()
    town = ns.project_ns.referents[0].memberships.first().organisation
    ns.deployment = survey.deployments.get(participation__organisation=town)
    return ns


def test_the_online_page_loads_the_map_above_the_fields(client, built):
    page = client.get(reverse("surveys:answer", args=[built.deployment.public_token])).content.decode()
    assert LEAFLET in page and "/static/vendor/leaflet-1.9.4/leaflet.css" in page and "geopoint-map.js" in page
    block = page[page.index("data-geopoint-map-for") :]
    # Hidden until the script shows it; the fields that are the answer come after it.
    assert block.index("hidden") < block.index(">") and 'name="lieu__lat"' in block and 'name="lieu__lon"' in block
    assert 'data-tile-url=""' in block and "Sans fond de carte" in block


def test_the_field_page_loads_leaflet_as_a_script_its_worker_caches(client, built):
    collector = built.project_ns.referents[0]
    client.login(email=collector.email, password=PASSWORD)
    page = client.get(reverse("surveys:collect_field", args=[built.deployment.public_token])).content.decode()
    # collect-field.js sends every script[src] and stylesheet of the page to the worker's precache.
    assert f'<script src="{LEAFLET}" defer>' in page
    paper = client.get(reverse("surveys:paper_entry", args=[built.deployment.public_token])).content.decode()
    assert "leaflet" not in paper and "data-geopoint-map-for" not in paper and 'name="lieu__lat"' in paper


def test_a_page_without_a_position_question_loads_no_map(client):
    built = make_survey()
    page = client.get(reverse("surveys:answer", args=[built.deployments[0].public_token])).content.decode()
    assert "leaflet" not in page


@pytest.mark.parametrize(
    ("url", "source"),
    [
        ("", ""),
        ("https://tuiles.exemple.fr/plan/{z}/{x}/{y}.png", "https://tuiles.exemple.fr"),
        ("https://{s}.tile.exemple.org/{z}/{x}/{y}.png", "https://*.tile.exemple.org"),
        ("javascript:alert(1)", ""),
    ],
)
def test_the_tile_server_alone_is_added_to_the_policy(url, source):
    assert tile_source(url) == source
    with override_settings(MAP_TILE_URL=url):
        policy = ContentSecurityPolicyMiddleware(lambda request: None).POLICY
    assert ("img-src 'self' data:;" in policy) == (not source)
    if source:
        assert f"img-src 'self' data: {source};" in policy
    assert "script-src 'self';" in policy
