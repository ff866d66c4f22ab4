"""Storing answers through the three channels: once, with their channel, territory and collector;
bad input refused with a clear message and nothing saved; no IP address anywhere."""

import json
import logging
import uuid

import pytest
from django.urls import reverse

from territoires.core.process_caches import reset_process_caches
from territoires.surveys.collection import (
    SubmissionRefused,
    contact_request_save,
    response_submit,
)
from territoires.surveys.models import ContactRequest, Question, Response, Survey
from territoires.surveys.schema import AnswersInvalid
from tests.factories import PASSWORD
from tests.surveys.factories import COLLECT_PERMISSION_GRID, make_collect_grid_case, make_survey, valid_answers


@pytest.fixture
def built(db):
    return make_survey()


def submit(built, deployment=None, **kwargs):
    kwargs.setdefault("answers", valid_answers())
    kwargs.setdefault("channel", Response.Channel.ONLINE)
    kwargs.setdefault("idempotency_key", str(uuid.uuid4()))
    return response_submit(deployment=deployment or built.deployment, **kwargs)


# --- the service ---------------------------------------------------------------------------------


def test_submit_stores_one_row_with_weighting_columns(built, django_assert_max_num_queries):
    with django_assert_max_num_queries(5):  # schema (2, first time) + INSERT in a savepoint (3)
        submission = submit(built)
    response = submission.response
    assert submission.created
    assert response.deployment == built.deployment
    assert response.survey == built.survey
    assert (response.age_band, response.gender, response.channel) == ("25-34", "f", "online")
    assert response.answers["frequence"] == "souvent"
    assert len(response.receipt_code) == 10


def test_submit_path_is_one_insert_once_schema_is_cached(built):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    submit(built)
    with CaptureQueriesContext(connection) as queries:
        submit(built)
    statements = [q["sql"].split()[0].upper() for q in queries.captured_queries]
    assert statements.count("INSERT") == 1
    assert "SELECT" not in statements and "UPDATE" not in statements


def test_replayed_key_is_stored_once(built):
    key = str(uuid.uuid4())
    first = submit(built, idempotency_key=key)
    second = submit(built, idempotency_key=key, answers=valid_answers(commentaire="autre"))
    assert not second.created
    assert second.response.pk == first.response.pk
    assert Response.objects.count() == 1


def test_replay_after_closing_still_answers_stored(built):
    key = str(uuid.uuid4())
    submit(built, idempotency_key=key)
    Survey.objects.filter(pk=built.survey.pk).update(status=Survey.Status.CLOSED)
    built.deployment.survey.refresh_from_db()
    assert not submit(built, idempotency_key=key).created


def test_key_of_another_territory_refused(built):
    key = str(uuid.uuid4())
    submit(built, idempotency_key=key)
    with pytest.raises(SubmissionRefused):
        submit(built, deployment=built.deployments[1], idempotency_key=key)
    assert Response.objects.count() == 1


@pytest.mark.parametrize(
    ("change", "fragment"),
    [
        ({"survey_status": Survey.Status.CLOSED}, "clos"),
        ({"survey_status": Survey.Status.DRAFT}, "pas encore publié"),
        ({"deployment_open": False}, "close sur ce territoire"),
    ],
)
def test_closed_or_unpublished_refused(built, change, fragment):
    if "survey_status" in change:
        built.survey.status = change["survey_status"]
        built.survey.save()
    else:
        built.deployment.is_open = False
        built.deployment.save()
    built.deployment.refresh_from_db()
    with pytest.raises(SubmissionRefused) as refused:
        submit(built)
    assert fragment in refused.value.message
    assert Response.objects.count() == 0


@pytest.mark.parametrize("key", ["", "pas-une-clé", None, "1" * 100])
def test_missing_or_bad_key_refused(built, key):
    with pytest.raises(SubmissionRefused):
        submit(built, idempotency_key=key)
    assert Response.objects.count() == 0


def test_invalid_answers_save_nothing(built):
    with pytest.raises(AnswersInvalid):
        submit(built, answers=valid_answers(frequence="inconnue"))
    with pytest.raises(AnswersInvalid):
        submit(built, answers={})
    assert Response.objects.count() == 0


def test_contact_stored_apart(built):
    response = submit(built).response
    contact = contact_request_save(deployment=built.deployment, email="habitante@exemple.fr")
    assert contact_request_save(deployment=built.deployment, email="HABITANTE@exemple.fr").pk == contact.pk
    # nothing links them: no field of one names the other
    assert "habitante" not in json.dumps(response.answers)
    assert {f.name for f in ContactRequest._meta.concrete_fields} == {"id", "deployment", "email", "created_on"}
    # (the plans' feedback e-mails point at a contact request; nothing points it at an answer)
    assert not any(getattr(f, "related_model", None) is Response for f in ContactRequest._meta.get_fields())


def test_contact_bad_email(built):
    from django.core.exceptions import ValidationError

    for bad in ["", "pas une adresse", "a@" + "b" * 300 + ".fr"]:
        with pytest.raises(ValidationError):
            contact_request_save(deployment=built.deployment, email=bad)
    assert ContactRequest.objects.count() == 0


# --- online channel (HTML, one page per section) -----------------------------------------------


def _page_form(response):
    """The hidden fields of the rendered page (state, page)."""
    import re

    html = response.content.decode()
    fields = dict(re.findall(r'<input type="hidden" name="(state|page|langue)" value="([^"]*)"', html))
    return fields


def post_page(client, url, previous, data):
    return client.post(url, {**_page_form(previous), **data})


def test_online_flow_without_javascript(client, built):
    url = reverse("surveys:answer", args=[built.deployment.public_token])
    page = client.get(url)
    assert page.status_code == 200
    assert "Votre profil" in page.content.decode()
    # missing required: errors in French on the page, answers kept
    page2 = post_page(client, url, page, {"cp": "79000", "shown": ["age", "genre", "quartier", "cp"]})
    assert page2.status_code == 400
    body = page2.content.decode()
    assert "Cette question est obligatoire." in body and 'value="79000"' in body
    page3 = post_page(
        client,
        url,
        page2,
        {"age": "25-34", "genre": "f", "quartier": "gare", "shown": ["age", "genre", "quartier", "cp"]},
    )
    assert "Vos pratiques" in page3.content.decode()
    # unhappy: the conditional section "avis" comes next
    page4 = post_page(
        client,
        url,
        page3,
        {
            "frequence": "rare",
            "satisfaction": "1",
            "shown": ["frequence", "lieux", "satisfaction", "nb_sorties", "derniere_sortie"],
        },
    )
    assert "Votre avis" in page4.content.decode()
    page5 = post_page(
        client,
        url,
        page4,
        {"pourquoi": "Trop loin", "priorites__a": "2", "priorites__b": "1", "priorites__c": "3", "offre__prix": "1"},
    )
    assert "Pour finir" in page5.content.decode()
    done = post_page(client, url, page5, {"commentaire": "Merci"})
    assert done.status_code == 302
    response = Response.objects.get()
    assert response.channel == "online" and response.collector is None
    assert response.answers["priorites"] == ["b", "a", "c"]
    assert response.answers["offre"] == {"prix": 1}
    assert response.answers["quartier"] == "gare"
    assert done.url == reverse("surveys:thanks", args=[built.deployment.public_token, response.receipt_code])
    thanks = client.get(done.url)
    assert response.receipt_code in thanks.content.decode()
    # the same final page sent again (back button, double click) is stored once
    again = post_page(client, url, page5, {"commentaire": "Merci"})
    assert again.status_code == 302 and again.url == done.url
    assert Response.objects.count() == 1


def test_online_question_appearing_on_same_page_is_shown_again(client, built):
    url = reverse("surveys:answer", args=[built.deployment.public_token])
    page = client.get(url)
    page = post_page(client, url, page, {"age": "25-34", "genre": "f", "shown": ["age", "genre", "quartier", "cp"]})
    assert "Vos pratiques" in page.content.decode()
    # "nb_sorties" was shown (frequence unanswered); answering "jamais" hides it: go on.
    page2 = post_page(
        client, url, page, {"frequence": "jamais", "satisfaction": "4", "shown": ["frequence", "satisfaction"]}
    )
    assert "Pour finir" in page2.content.decode()


def test_online_previous_keeps_answers(client, built):
    url = reverse("surveys:answer", args=[built.deployment.public_token])
    page = client.get(url)
    page2 = post_page(client, url, page, {"age": "80+", "genre": "m", "shown": ["age", "genre", "quartier", "cp"]})
    assert "Vos pratiques" in page2.content.decode()
    back = post_page(client, url, page2, {"action": "previous", "frequence": "rare"})
    body = back.content.decode()
    assert "Votre profil" in body
    assert 'value="80+" checked' in body


def test_online_forged_state_starts_over(client, built):
    url = reverse("surveys:answer", args=[built.deployment.public_token])
    response = client.post(url, {"state": "forged", "page": "0", "age": "25-34"})
    assert response.status_code == 400
    assert "expiré" in response.content.decode()


@pytest.mark.parametrize("page_value", ["abc", "999", "-1"])
def test_online_forged_page_index(client, built, page_value):
    url = reverse("surveys:answer", args=[built.deployment.public_token])
    first = client.get(url)
    data = {**_page_form(first), "page": page_value}
    assert client.post(url, data).status_code in (200, 400)


@pytest.mark.parametrize(
    ("status", "is_open", "code"),
    [(Survey.Status.DRAFT, True, 404), (Survey.Status.CLOSED, True, 410), (Survey.Status.PUBLISHED, False, 410)],
)
def test_online_closed_pages(client, built, status, is_open, code):
    Survey.objects.filter(pk=built.survey.pk).update(status=status)
    built.deployment.is_open = is_open
    built.deployment.save()
    url = reverse("surveys:answer", args=[built.deployment.public_token])
    assert client.get(url).status_code == code
    assert client.post(url, {"age": "25-34"}).status_code == code
    assert Response.objects.count() == 0


def test_unknown_token_404(client, db):
    assert client.get("/enquete/inconnu123/").status_code == 404
    assert client.get("/enquete/" + "x" * 300 + "/").status_code == 404


def test_second_language(client, db):
    built = make_survey(second_language="en")
    url = reverse("surveys:answer", args=[built.deployment.public_token])
    body = client.get(url + "?langue=en").content.decode()
    assert "How old are you?" in body and "Your cultural practices" in body
    assert "Quel âge avez-vous" in client.get(url).content.decode()
    assert "Quel âge avez-vous" in client.get(url + "?langue=de").content.decode()


def test_contact_form(client, built):
    response = submit(built).response
    url = reverse("surveys:contact", args=[built.deployment.public_token])
    bad = client.post(url, {"code": response.receipt_code, "email": "nope"})
    assert bad.status_code == 400 and "adresse électronique valide" in bad.content.decode()
    ok = client.post(url, {"code": response.receipt_code, "email": "moi@exemple.fr"})
    assert ok.status_code == 302
    assert ContactRequest.objects.get().email == "moi@exemple.fr"
    assert client.post(url, {"code": "FORGED", "email": "moi@exemple.fr"}).status_code == 404


def test_receipt_lookup(client, built):
    response = submit(built).response
    page = client.get(reverse("surveys:receipt", args=[response.receipt_code]))
    assert page.status_code == 200
    assert built.survey.title in page.content.decode()
    assert "En cours de collecte" in page.content.decode()
    assert client.get(reverse("surveys:receipt_lookup"), {"code": response.receipt_code.lower()}).status_code == 302
    assert client.get(reverse("surveys:receipt_lookup"), {"code": "ZZZZZZZZZZ"}).status_code == 404
    assert client.get(reverse("surveys:receipt_lookup"), {"code": "x" * 5000}).status_code == 404


# --- rate limit and anonymity ------------------------------------------------------------------


def test_flood_of_guessed_codes_on_thanks_page_gets_429(client, built, settings):
    settings.SURVEY_RATE_LIMIT_PER_MINUTE = 3
    token = built.deployment.public_token
    statuses = [
        client.get(
            reverse("surveys:thanks", args=[token, f"ZZZZZZZZ{index:02d}"]), REMOTE_ADDR="203.0.113.78"
        ).status_code
        for index in range(5)
    ]
    assert statuses[:3] == [404, 404, 404]
    assert statuses[-1] == 429
    flood = client.get(reverse("surveys:thanks", args=[token, "ZZZZZZZZ99"]), REMOTE_ADDR="203.0.113.78")
    assert flood.status_code == 429
    assert "Patientez une minute" in flood.content.decode()
    # the thanks page and the lookup share one budget of misses
    lookup = client.get(reverse("surveys:receipt_lookup"), {"code": "ZZZZZZZZZZ"}, REMOTE_ADDR="203.0.113.78")
    assert lookup.status_code == 429
    # a genuine receipt still shows, and another client is not affected
    response = submit(built).response
    assert (
        client.get(
            reverse("surveys:thanks", args=[token, response.receipt_code]), REMOTE_ADDR="203.0.113.78"
        ).status_code
        == 200
    )
    assert (
        client.get(reverse("surveys:thanks", args=[token, "ZZZZZZZZ98"]), REMOTE_ADDR="198.51.100.10").status_code
        == 404
    )


def test_flood_from_one_client_gets_429(client, built, settings, caplog):
    settings.SURVEY_RATE_LIMIT_PER_MINUTE = 3
    url = reverse("surveys:answer", args=[built.deployment.public_token])
    statuses = []
    caplog.set_level(logging.DEBUG)
    for _index in range(5):
        page = client.get(url, REMOTE_ADDR="203.0.113.77")
        state = _page_form(page)
        # a one-page shortcut: post the whole questionnaire on the last page
        data = {**state, "page": "3", "commentaire": "x"}
        statuses.append(client.post(url, data, REMOTE_ADDR="203.0.113.77").status_code)
    assert 429 in statuses
    flood = client.post(url, {**state, "page": "3", "shown": "commentaire"}, REMOTE_ADDR="203.0.113.77")
    assert flood.status_code == 429
    assert "Patientez une minute" in flood.content.decode()
    # another client is not affected
    page = client.get(url, REMOTE_ADDR="198.51.100.9")
    other = client.post(url, {**_page_form(page), "page": "3", "shown": "commentaire"}, REMOTE_ADDR="198.51.100.9")
    assert other.status_code != 429
    assert "203.0.113.77" not in caplog.text


def test_no_ip_address_stored(client, built, settings):
    ip = "203.0.113.254"
    url = reverse("surveys:answer", args=[built.deployment.public_token])
    page = client.get(url, REMOTE_ADDR=ip)
    client.post(url, {**_page_form(page), "page": "3", "shown": "commentaire"}, REMOTE_ADDR=ip)
    response = submit(built, answers=valid_answers()).response
    contact_request_save(deployment=built.deployment, email="x@exemple.fr")
    assert page.status_code == 200
    dumped = json.dumps(
        list(Response.objects.values()) + list(ContactRequest.objects.values()),
        default=str,
    )
    assert ip not in dumped
    assert response.pk
    from django.core.cache import cache

    # the cache holds counters under a hash, never the address
    keys = list(getattr(cache, "_cache", {}).keys())
    assert keys and not any(ip in str(key) for key in keys)


# --- field channel (JSON) -------------------------------------------------------------------------


def json_post(client, url, payload, **extra):
    return client.post(url, json.dumps(payload), content_type="application/json", **extra)


def field_payload(**overrides):
    payload = {
        "idempotency_key": str(uuid.uuid4()),
        "answers": valid_answers(),
        "collected_at": "2021-11-02T10:15:00+01:00",
        "channel": "field",
    }
    payload.update(overrides)
    return payload


def test_field_submit_codes(client, built):
    url = reverse("surveys:submit_json", args=[built.deployment.public_token])
    assert json_post(client, url, field_payload()).status_code == 401
    client.login(email=built.collector.email, password=PASSWORD)
    payload = field_payload()
    created = json_post(client, url, payload)
    assert created.status_code == 201, created.content
    assert json_post(client, url, payload).status_code == 200
    response = Response.objects.get()
    assert response.collector == built.collector
    assert response.channel == "field"
    assert response.collected_at.isoformat().startswith("2021-11-02T09:15")
    bad = json_post(client, url, field_payload(answers=valid_answers(nb_sorties=1000)))
    assert bad.status_code == 400
    assert "nb_sorties" in bad.json()["errors"]
    assert json_post(client, url, field_payload(answers="x")).status_code == 400
    assert client.post(url, "{not json", content_type="application/json").status_code == 400
    assert json_post(client, url, ["a"]).status_code == 400
    huge = json_post(client, url, field_payload(answers=valid_answers(commentaire="x" * 600_000)))
    assert huge.status_code == 413
    text = json_post(client, url, field_payload(answers=valid_answers(commentaire="x" * 100_000)))
    assert text.status_code == 400 and "300" in text.json()["errors"]["commentaire"]
    assert Response.objects.count() == 1


def test_field_submit_other_territory_forbidden(client, built):
    """A collector of one territory cannot post into another; the territory comes from the URL."""
    client.login(email=built.collector.email, password=PASSWORD)
    other = reverse("surveys:submit_json", args=[built.deployments[1].public_token])
    assert json_post(client, other, field_payload()).status_code == 403
    forged = field_payload(deployment=built.deployments[1].pk, territory=built.deployments[1].participation_id)
    json_post(client, reverse("surveys:submit_json", args=[built.deployment.public_token]), forged)
    assert Response.objects.get().deployment == built.deployment


def test_field_submit_closed_409(client, built):
    client.login(email=built.collector.email, password=PASSWORD)
    built.deployment.is_open = False
    built.deployment.save()
    response = json_post(client, reverse("surveys:submit_json", args=[built.deployment.public_token]), field_payload())
    assert response.status_code == 409
    assert "close" in response.json()["message"]


def test_field_submit_csrf_enforced(built):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.login(email=built.collector.email, password=PASSWORD)
    url = reverse("surveys:submit_json", args=[built.deployment.public_token])
    assert json_post(client, url, field_payload()).status_code == 403
    page = client.get(reverse("surveys:collect_field", args=[built.deployment.public_token]))
    token = page.cookies["csrftoken"].value if "csrftoken" in page.cookies else client.cookies["csrftoken"].value
    assert json_post(client, url, field_payload(), HTTP_X_CSRFTOKEN=token).status_code == 201


def test_field_flood_429(client, built, settings):
    settings.SURVEY_RATE_LIMIT_PER_MINUTE = 1  # ten times for a signed-in collector
    client.login(email=built.collector.email, password=PASSWORD)
    url = reverse("surveys:submit_json", args=[built.deployment.public_token])
    statuses = [json_post(client, url, field_payload()).status_code for _index in range(12)]
    assert statuses.count(201) == 10 and statuses[-1] == 429
    assert Response.objects.count() == 10


def test_schema_json(client, built):
    url = reverse("surveys:schema_json", args=[built.deployment.public_token])
    assert client.get(url).status_code == 401
    client.login(email=built.collector.email, password=PASSWORD)
    data = client.get(url).json()
    assert data["structure_version"] == 1 and data["open"] is True
    assert [q["code"] for q in data["sections"][0]["questions"]] == ["age", "genre", "quartier", "cp"]
    assert data["neighbourhoods"][0]["code"] == "centre"
    assert client.get(reverse("surveys:schema_json", args=[built.deployments[1].public_token])).status_code == 403


def test_service_worker_served_under_enquete(client, db):
    response = client.get(reverse("surveys:service_worker"))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/javascript")
    assert b"caches" in b"".join(response.streaming_content)


# --- paper channel ----------------------------------------------------------------------------------


def test_paper_entry(client, built):
    url = reverse("surveys:paper_entry", args=[built.deployment.public_token])
    assert client.get(url).status_code == 302  # login first
    referent = built.project_ns.referents[0]
    client.login(email=referent.email, password=PASSWORD)
    page = client.get(url)
    assert page.status_code == 200
    import re

    key = re.search(r'name="idempotency_key" value="([^"]+)"', page.content.decode()).group(1)
    data = {
        "idempotency_key": key,
        "age": "35-49",
        "genre": "m",
        "frequence": "rare",
        "lieux__codes": "1 3 a",
        "lieux__other": "Festival",
        "satisfaction": "2",
        "pourquoi": "Horaires",
        "priorites__a": "1",
        "priorites__b": "2",
        "priorites__c": "3",
        "offre__prix": "nsp",
    }
    saved = client.post(url, data)
    assert saved.status_code == 302
    response = Response.objects.get()
    assert response.channel == "paper" and response.collector == referent
    assert response.answers["lieux"] == ["bib", "cine", "other"]
    assert response.answers["offre"] == {"prix": "nsp"}
    # resent: stored once; the session count says 1
    assert client.post(url, data).status_code == 302
    assert Response.objects.count() == 1
    assert "1 questionnaire saisi" in client.get(saved.url).content.decode()
    bad = client.post(url, {**data, "idempotency_key": str(uuid.uuid4()), "lieux__codes": "1 9"})
    assert bad.status_code == 400
    assert "« 9 » en position 2" in bad.content.decode()  # test_paper_entry.py says more
    assert Response.objects.count() == 1


def test_scales_explain_themselves_once(client, built):
    """A grid of ratings without a help text of its own says what its scale means; a rating that
    has one (the builder's "1: not at all … 5: completely") is not given a second, generic one."""
    client.login(email=built.project_ns.referents[0].email, password=PASSWORD)
    paper = client.get(reverse("surveys:paper_entry", args=[built.deployment.public_token])).content.decode()
    assert "Pour chaque ligne, de 1 (pas du tout) à 4 (tout à fait)." in paper
    online = reverse("surveys:answer", args=[built.deployment.public_token])
    satisfaction = Question.objects.get(survey=built.survey, code="satisfaction")
    for help_text, generic_hint in (("", True), ("1 : pas du tout satisfait·e ; 5 : très satisfait·e.", False)):
        satisfaction.help_text = help_text
        satisfaction.save(update_fields=["help_text"])
        reset_process_caches()  # changed behind the builder's back: as after a restart
        first_page = client.get(online)
        profile = {"age": "25-34", "genre": "f", "quartier": "gare", "shown": ["age", "genre", "quartier", "cp"]}
        page = post_page(client, online, first_page, profile).content.decode()
        assert "Êtes-vous satisfait" in page
        assert ("De 1 (pas du tout) à 5 (tout à fait)." in page) is generic_hint, help_text
        assert (help_text in page) if help_text else True


def test_paper_sheet_resent_after_back_is_stored_once_unless_confirmed(client, built):
    """Back after saving, then Enter on the form the browser refilled: the page had given it a new
    key, so the same sheet would be stored twice. The agent is told, nothing is stored, and a
    second identical sheet is stored only when they say it is another one."""
    url = reverse("surveys:paper_entry", args=[built.deployment.public_token])
    client.login(email=built.project_ns.referents[0].email, password=PASSWORD)
    sheet = {"age": "35-49", "genre": "m", "frequence": "rare", "satisfaction": "4"}
    assert client.post(url, {**sheet, "idempotency_key": str(uuid.uuid4())}).status_code == 302
    first = Response.objects.get()

    again = client.post(url, {**sheet, "idempotency_key": str(uuid.uuid4())})
    assert again.status_code == 409
    page = again.content.decode()
    assert f"identique au précédent (code {first.receipt_code})" in page
    assert 'name="autre_questionnaire"' in page
    assert Response.objects.count() == 1

    confirmed = client.post(url, {**sheet, "idempotency_key": str(uuid.uuid4()), "autre_questionnaire": "1"})
    assert confirmed.status_code == 302
    assert Response.objects.count() == 2
    # A different sheet goes through at once; the guard compares with the last sheet only.
    assert client.post(url, {**sheet, "satisfaction": "5", "idempotency_key": str(uuid.uuid4())}).status_code == 302
    assert Response.objects.count() == 3
    # The session keeps a hash of the last sheet, never its answers.
    assert "35-49" not in str(client.session.get("surveys_paper_last"))


def test_a_survey_group_member_finds_the_field_page_in_their_space(client, db):
    """A member of a territory's survey group may belong to no organisation: their space lists the
    territories where they collect, with the field page and the paper entry, while collection is
    open; others get no such block."""
    built, collector = make_collect_grid_case("collector")
    space = reverse("projects:dashboard")
    deployment = built.deployments[0]
    field_url = reverse("surveys:collect_field", args=[deployment.public_token])
    client.force_login(collector)
    page = client.get(space).content.decode()
    assert "Collecte sur le terrain" in page and field_url in page
    assert reverse("surveys:paper_entry", args=[deployment.public_token]) in page
    assert client.get(field_url).status_code == 200
    other_field_url = reverse("surveys:collect_field", args=[built.deployments[1].public_token])
    assert other_field_url not in page

    deployment.is_open = False
    deployment.save(update_fields=["is_open"])
    assert "Collecte sur le terrain" not in client.get(space).content.decode()

    client.force_login(built.project_ns.observers[0])
    assert "Collecte sur le terrain" not in client.get(space).content.decode()


@pytest.mark.parametrize(("who", "own", "other"), COLLECT_PERMISSION_GRID)
def test_collect_permission_grid(client, db, who, own, other):
    built, user = make_collect_grid_case(who)
    client.login(email=user.email, password=PASSWORD)
    for deployment, allowed in ((built.deployments[0], own), (built.deployments[1], other)):
        for name in ("collect_field", "paper_entry"):
            status = client.get(reverse(f"surveys:{name}", args=[deployment.public_token])).status_code
            assert (status == 200) is allowed, (who, name, status)
        status = json_post(
            client, reverse("surveys:submit_json", args=[deployment.public_token]), field_payload()
        ).status_code
        assert (status == 201) is allowed, (who, status)


def test_poster_pdf(client, built):
    client.login(email=built.project_ns.referents[0].email, password=PASSWORD)
    response = client.get(reverse("surveys:poster", args=[built.deployment.public_token]))
    assert response.status_code == 200
    assert response.content.startswith(b"%PDF")
    client.logout()
    assert client.get(reverse("surveys:poster", args=[built.deployment.public_token])).status_code == 302


@pytest.mark.django_db(transaction=True)
def test_concurrent_replays_store_one_row():
    """Ten threads send the same answer at once (a phone retrying on a flaky network): the unique
    constraint decides, every thread hears "stored", one row exists. PostgreSQL only: the SQLite
    test database lives in one connection's memory."""
    import threading

    from django.db import connection, connections

    if connection.vendor != "postgresql":
        pytest.skip("needs a database shared between threads (PostgreSQL)")
    built = make_survey()
    key = str(uuid.uuid4())
    results, errors = [], []
    barrier = threading.Barrier(10)

    def send():
        try:
            barrier.wait()
            results.append(submit(built, idempotency_key=key))
        except Exception as error:  # noqa: BLE001 - reported below
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=send) for _index in range(10)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors, errors
    assert sum(result.created for result in results) == 1
    assert len({result.response.pk for result in results}) == 1
    assert Response.objects.filter(idempotency_key=key).count() == 1


def test_client_address_from_the_proxy_header_only_when_configured(rf, settings):
    from territoires.surveys.collection import client_fingerprint

    first = rf.post("/", REMOTE_ADDR="10.0.0.1", HTTP_X_REAL_IP="203.0.113.1")
    second = rf.post("/", REMOTE_ADDR="10.0.0.1", HTTP_X_REAL_IP="203.0.113.2")
    assert client_fingerprint(first) == client_fingerprint(second)  # header ignored by default
    settings.CLIENT_ADDRESS_HEADER = "HTTP_X_REAL_IP"
    assert client_fingerprint(first) != client_fingerprint(second)
    assert "203.0.113.1" not in client_fingerprint(first)


@pytest.mark.django_db(transaction=True)
def test_replay_outside_any_transaction_is_stored_once_and_leaves_the_connection_usable():
    """As under gunicorn: no transaction around the request, the INSERT runs in autocommit and the
    unique key refuses the replay; the next answer is stored normally."""
    from django.db import connection

    built = make_survey()
    assert not connection.in_atomic_block
    key = str(uuid.uuid4())
    assert submit(built, idempotency_key=key).created
    replay = submit(built, idempotency_key=key, answers=valid_answers(commentaire="autre"))
    assert not replay.created
    assert submit(built).created
    assert Response.objects.filter(idempotency_key=key).count() == 1
    assert Response.objects.count() == 2


@pytest.mark.django_db(transaction=True)
def test_answer_stored_once_when_the_database_dropped_the_connection():
    """The hot path skips Django's health check: a connection the server closed (restart, idle
    timeout) is replaced and the answer stored once, never a 500 for the respondent."""
    import psycopg
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("only PostgreSQL connections can be closed by the server")
    built = make_survey()
    assert submit(built).created  # the connection is open and reused from here
    backend_pid = connection.connection.info.backend_pid
    params = connection.get_connection_params()
    params.pop("cursor_factory", None)
    params.pop("context", None)
    with psycopg.connect(**params, autocommit=True) as other:
        other.execute("SELECT pg_terminate_backend(%s)", [backend_pid])
    key = str(uuid.uuid4())
    assert submit(built, idempotency_key=key).created
    assert connection.connection.info.backend_pid != backend_pid
    assert Response.objects.filter(idempotency_key=key).count() == 1
    assert Response.objects.count() == 2


@pytest.mark.django_db(transaction=True)
def test_answer_insert_is_prepared_on_postgresql():
    """The server stops parsing and planning the answer INSERT once it has been sent a few times
    on a connection; Django's own queries stay unprepared (client-side binding)."""
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("prepared statements are PostgreSQL's")
    built = make_survey()
    for _index in range(connection.connection.prepare_threshold + 1):
        assert submit(built).created
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        prepared = [row[0] for row in cursor.fetchall()]
    assert len(prepared) == 1 and prepared[0].startswith('INSERT INTO "surveys_response"')
    assert Response.objects.count() == connection.connection.prepare_threshold + 1


def test_poster_pdf_is_tagged_with_language_title_and_qr_code_text(client, built):
    from tests.pdf_support import assert_tagged_pdf, pdf_objects_text

    client.login(email=built.project_ns.referents[0].email, password=PASSWORD)
    response = client.get(reverse("surveys:poster", args=[built.deployment.public_token]))
    territory = built.deployment.participation.organisation.name
    assert_tagged_pdf(response.content, title=f"{built.survey.title} — {territory}")
    assert b"/Alt" in pdf_objects_text(response.content)  # the QR code's alternative text


def test_receipt_code_found_through_the_shared_registry(built, django_assert_max_num_queries):
    """The feedback pages of later modules find a survey answer by its code without importing surveys."""
    from territoires.core.receipts import receipt_find

    response = submit(built).response
    typed = f" {response.receipt_code[:5].lower()}-{response.receipt_code[5:]} "
    source, found = receipt_find(typed)
    assert source.key == "survey"
    assert found.pk == response.pk
    assert receipt_find("ZZZZZZZZZZ") is None
    with django_assert_max_num_queries(0):
        assert receipt_find("x" * 5000) is None
        assert receipt_find("") is None


# --- the public page's count of answers ----------------------------------------------------------


def test_a_visitor_sees_a_new_answer_counted_within_a_minute_not_ten(built, client, django_capture_on_commit_callbacks):
    """Answers are written by a raw INSERT that sends no signal: they mark the cached public pages
    dirty, and the first visit a minute later renders the page again with the new count."""
    from django.core.cache import cache

    from territoires.core.cache import DIRTY_KEY

    url = built.project.get_absolute_url()

    def shown_count():
        page = client.get(url)
        line = next(li for li in page.content.decode().split("<li>") if "Réponses à l&#x27;enquête" in li)
        return page["X-Page-Cache"], line.split("<strong>")[1].split("</strong>")[0]

    def a_minute_passes():
        cache.set(DIRTY_KEY, cache.get(DIRTY_KEY) - 61, timeout=None)

    assert shown_count() == ("miss", "0")
    with django_capture_on_commit_callbacks(execute=True):
        submit(built)
    # Within the minute the cached page stands (a flood of answers does not empty the cache)…
    assert shown_count() == ("hit", "0")
    # …and once the mark is a minute old, the next visit counts the answer, once.
    a_minute_passes()
    assert shown_count() == ("miss", "1")
    assert shown_count() == ("hit", "1")
    assert cache.get(DIRTY_KEY) is None
    # Another answer marks the pages again.
    with django_capture_on_commit_callbacks(execute=True):
        submit(built)
    a_minute_passes()
    assert shown_count() == ("miss", "2")
