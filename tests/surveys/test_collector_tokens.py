"""Field devices send their queue with a collector token: who collected, for which territory.

What a survey group member relies on: answers collected offline reach the server after the session
has expired; what the platform relies on: a token works for one member and one territory only, and
stops working when the member leaves the group, is deactivated, changes password, or after
SURVEY_COLLECTOR_TOKEN_SECONDS.
"""

import json
import re
import time
import uuid

import pytest
from django.test import Client
from django.urls import reverse

from territoires.surveys import collection
from territoires.surveys.collection import collector_token_issue
from territoires.surveys.models import Collector, Response
from tests.factories import PASSWORD
from tests.surveys.factories import COLLECT_PERMISSION_GRID, make_collect_grid_case, make_survey, valid_answers


@pytest.fixture
def built(db, monkeypatch):
    # Revocations are remembered a few seconds per process; the tests look right after each change.
    monkeypatch.setattr(collection, "DEPLOYMENT_MEMO_SECONDS", 0)
    return make_survey()


def field_payload():
    return {"idempotency_key": str(uuid.uuid4()), "answers": valid_answers(), "channel": "field"}


def device_post(deployment, token, payload=None):
    """A device with no session and no CSRF cookie: only its collector token."""
    device = Client(enforce_csrf_checks=True)
    url = reverse("surveys:submit_json", args=[deployment.public_token])
    headers = {"HTTP_X_COLLECTOR_TOKEN": token} if token is not None else {}
    return device.post(url, json.dumps(payload or field_payload()), content_type="application/json", **headers)


def page_token(built):
    client = Client()
    client.login(email=built.collector.email, password=PASSWORD)
    page = client.get(reverse("surveys:collect_field", args=[built.deployment.public_token]))
    assert page.status_code == 200
    return re.search(r'data-collector-token="([^"]+)"', page.content.decode()).group(1)


def test_token_from_the_field_page_sends_answers_without_a_session(built):
    token = page_token(built)
    payload = field_payload()
    created = device_post(built.deployment, token, payload)
    assert created.status_code == 201, created.content
    assert device_post(built.deployment, token, payload).status_code == 200  # resent: stored once
    response = Response.objects.get()
    assert response.collector == built.collector
    assert response.deployment == built.deployment and response.channel == "field"


def test_token_renewed_by_the_questionnaire_json(built):
    client = Client()
    client.login(email=built.collector.email, password=PASSWORD)
    data = client.get(reverse("surveys:schema_json", args=[built.deployment.public_token])).json()
    assert data["collector_token_issued"] <= time.time() + 1
    assert device_post(built.deployment, data["collector_token"]).status_code == 201


def test_token_of_one_territory_refused_in_another(built):
    token = page_token(built)
    other = built.deployments[1]
    refused = device_post(other, token)
    assert refused.status_code == 401
    assert "reconnectez-vous" in refused.json()["message"]
    assert not Response.objects.exists()


@pytest.mark.parametrize("token", ["", "abc", "x" * 500, "W1swLCAwLCAiIl0:1a:forged"])
def test_missing_forged_or_garbage_token(built, token):
    response = device_post(built.deployment, token)
    # No token at all falls back to the session path, which this device does not have: 403 (CSRF).
    assert response.status_code in (401, 403)
    assert response.json()["message"]
    assert not Response.objects.exists()


def test_tampered_token_refused(built):
    token = page_token(built)
    payload, rest = token.split(":", 1)
    tampered = payload[:-2] + ("AA" if payload[-2:] != "AA" else "BB") + ":" + rest
    assert device_post(built.deployment, tampered).status_code == 401
    assert not Response.objects.exists()


def test_expired_token_refused(built, settings, monkeypatch):
    settings.SURVEY_COLLECTOR_TOKEN_SECONDS = 3600
    real_time = time.time
    with monkeypatch.context() as patch:
        patch.setattr(time, "time", lambda: real_time() - 3601)
        old = collector_token_issue(built.collector, built.deployment)
    response = device_post(built.deployment, old)
    assert response.status_code == 401
    assert "expiré" in response.json()["message"]
    assert device_post(built.deployment, collector_token_issue(built.collector, built.deployment)).status_code == 201


@pytest.mark.parametrize("revocation", ["removed_from_group", "deactivated", "new_password", "deleted"])
def test_revoked_member_refused(built, revocation):
    token = page_token(built)
    assert device_post(built.deployment, token).status_code == 201
    user = built.collector
    if revocation == "removed_from_group":
        Collector.objects.filter(deployment=built.deployment, user=user).delete()
    elif revocation == "deactivated":
        user.is_active = False
        user.save()
    elif revocation == "new_password":
        user.set_password("un-autre-mot-de-passe-2021")
        user.save()
    else:
        Response.objects.update(collector=None)
        user.delete()
    refused = device_post(built.deployment, token)
    assert refused.status_code == 403
    assert "groupe d'enquête" in refused.json()["message"]
    assert Response.objects.count() == 1


def test_revocation_takes_effect_after_the_memo_delay(built, monkeypatch):
    """Within DEPLOYMENT_MEMO_SECONDS a worker may still accept the member; not after."""
    monkeypatch.setattr(collection, "DEPLOYMENT_MEMO_SECONDS", 10)
    now = [1000.0]
    monkeypatch.setattr(collection.time, "monotonic", lambda: now[0])
    token = page_token(built)
    assert device_post(built.deployment, token).status_code == 201
    Collector.objects.filter(deployment=built.deployment, user=built.collector).delete()
    now[0] += 11
    assert device_post(built.deployment, token).status_code == 403


def test_session_path_still_needs_its_csrf_token(built):
    """Pages cached before tokens existed send the session cookie: CSRF is still checked there."""
    client = Client(enforce_csrf_checks=True)
    client.login(email=built.collector.email, password=PASSWORD)
    url = reverse("surveys:submit_json", args=[built.deployment.public_token])
    refused = client.post(url, json.dumps(field_payload()), content_type="application/json")
    assert refused.status_code == 403
    assert "rechargez la page" in refused.json()["message"]
    assert not Response.objects.exists()


@pytest.mark.parametrize(("who", "own", "other"), COLLECT_PERMISSION_GRID)
def test_token_permission_grid(db, monkeypatch, who, own, other):
    """A token (even one issued by mistake) only works for someone allowed to collect there."""
    built, user = make_collect_grid_case(who)
    for deployment, allowed in ((built.deployments[0], own), (built.deployments[1], other)):
        status = device_post(deployment, collector_token_issue(user, deployment)).status_code
        assert status == (201 if allowed else 403), (who, deployment.pk, status)
    assert Response.objects.count() == own + other
