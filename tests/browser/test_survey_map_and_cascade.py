"""A resident on a phone answers an imported form with a cascading choice (the communes follow the
département) and a position question: a tap on the map fills latitude and longitude, typing them
moves the point; without JavaScript the fields alone remain; axe-core finds nothing serious. A
survey group member does the same offline on the field page, whose worker has cached Leaflet."""

import pytest
from playwright.sync_api import expect

from territoires.surveys.models import Collector, Response, Survey
from territoires.surveys.schema import schema_cache_clear
from territoires.surveys.xlsform import xlsform_import
from tests.browser.helpers import PHONE, new_context, watch_errors
from tests.browser.test_survey_collect import blocking, pick
from tests.surveys.factories import make_survey
from tests.surveys.test_choice_filter import CHOICES, SURVEY, cascade_form, upload

pytestmark = pytest.mark.browser


@pytest.fixture
def deployment(transactional_db):
    ns = make_survey(status=Survey.Status.DRAFT)
    rows = [*SURVEY[:3], ["geopoint", "lieu", "Où mangez-vous ?", "", "", ""]]
    survey = xlsform_import(project=ns.project, user=ns.project_ns.consultant, file=upload(cascade_form(rows, CHOICES)))
    Survey.objects.filter(pk=survey.pk).update(status=Survey.Status.PUBLISHED)
    schema_cache_clear()
    deployment = survey.deployments.order_by("pk").first()
    Collector.objects.create(deployment=deployment, user=ns.collector)
    deployment.collector = ns.collector
    return deployment


@pytest.fixture(scope="module")
def axe():
    from axe_playwright_python.sync_playwright import Axe

    return Axe()


def test_cascading_choices_and_the_map_on_a_phone(browser, live_server, deployment, axe):
    context = new_context(browser, live_server, viewport=PHONE, device_scale_factor=2, is_mobile=True, has_touch=True)
    page = context.new_page()
    errors = watch_errors(page)
    page.goto(f"/enquete/{deployment.public_token}/")
    commune = page.locator("[data-question=commune]")
    expect(commune).to_be_hidden()
    pick(page, "Deux-Sèvres")
    expect(commune).to_be_visible()
    expect(commune.get_by_label("Niort", exact=True)).to_be_visible()
    expect(commune.locator("[data-choice=bourges]")).to_be_hidden()
    pick(page, "Niort")
    pick(page, "Cher")  # another département: Niort goes, unticked; Bourges comes
    expect(commune.locator("[data-choice=niort]")).to_be_hidden()
    expect(page.locator("#q-commune-2")).not_to_be_checked()
    pick(page, "Bourges")

    block = page.locator("[data-geopoint-map-for='q-lieu']")
    expect(block).to_be_visible()
    latitude, longitude = page.get_by_label("Latitude"), page.get_by_label("Longitude")
    page.locator("[data-geopoint-map]").tap(position={"x": 120, "y": 90})
    expect(latitude).not_to_have_value("")
    expect(longitude).not_to_have_value("")
    expect(page.locator("[data-geopoint-status]")).to_contain_text("Point placé")
    expect(page.locator("[data-geopoint-map] path.leaflet-interactive")).to_have_count(1)
    latitude.fill("47,0810")
    longitude.fill("2,3988")
    expect(page.locator("[data-geopoint-map] path.leaflet-interactive")).to_have_count(1)
    page.screenshot(path="/tmp/i11_phone_map.png", full_page=True)
    assert blocking(axe, page) == []
    page.get_by_role("button", name="Terminer").or_(page.get_by_role("button", name="Envoyer")).first.click()
    expect(page.get_by_text("Merci")).to_be_visible()
    context.close()
    assert not errors, errors
    answers = deployment.survey.responses.get().answers
    assert answers["commune"] == "bourges" and answers["lieu"] == {"lat": 47.081, "lon": 2.3988}


def test_without_javascript_the_fields_remain(browser, live_server, deployment):
    context = new_context(browser, live_server, java_script_enabled=False)
    page = context.new_page()
    page.goto(f"/enquete/{deployment.public_token}/")
    expect(page.locator("[data-geopoint-map-for='q-lieu']")).to_be_hidden()
    expect(page.get_by_label("Latitude")).to_be_visible()
    expect(page.get_by_label("Longitude")).to_be_visible()
    context.close()


def test_the_field_page_keeps_its_map_and_cascade_offline(browser, live_server, deployment):
    from tests.factories import PASSWORD

    context = new_context(browser, live_server, viewport=PHONE, is_mobile=True, has_touch=True)
    page = context.new_page()
    errors = watch_errors(page)
    page.goto("/compte/connexion/")
    page.fill("input[name=username]", deployment.collector.email)
    page.fill("input[name=password]", PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    page.wait_for_load_state()
    page.goto(f"/enquete/{deployment.public_token}/terrain/")
    expect(page.locator("[data-offline-ready]")).to_be_visible()  # Leaflet is in the worker's cache

    context.set_offline(True)
    page.reload()  # served by the service worker, scripts included
    expect(page.locator("[data-geopoint-map-for='q-lieu']")).to_be_visible()
    pick(page, "Yvelines")
    commune = page.locator("[data-question=commune]")
    expect(commune.locator("[data-choice=niort]")).to_be_hidden()
    pick(page, "Mantes-la-Jolie")
    page.locator("[data-geopoint-map]").tap(position={"x": 150, "y": 100})
    expect(page.get_by_label("Latitude")).not_to_have_value("")
    page.get_by_role("button", name="Enregistrer cette réponse").click()
    expect(page.locator("[data-queue-count]")).to_have_text("1 réponse en attente d'envoi")
    # The form is emptied for the next respondent: the point goes too.
    expect(page.locator("[data-geopoint-map] path.leaflet-interactive")).to_have_count(0)
    context.set_offline(False)
    expect(page.locator("[data-queue-count]")).to_have_text("0 réponse en attente d'envoi", timeout=15_000)
    answers = Response.objects.get().answers
    assert answers["commune"] == "mantes" and set(answers["lieu"]) == {"lat", "lon"}
    context.close()
    assert not errors, errors
