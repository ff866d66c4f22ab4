"""Paper entry: the sheet's number (optional, once per territory, listed and exported), and typed
option numbers that say which code is wrong, where, and for which question."""

import csv
import io
import re
import types
import uuid

import pytest
from django.urls import reverse

from territoires.surveys import exports
from territoires.surveys.collection import response_submit
from territoires.surveys.models import Response
from territoires.surveys.schema import AnswersInvalid
from tests.factories import PASSWORD
from tests.surveys.factories import make_survey

SHEET = {"age": "35-49", "genre": "m", "frequence": "rare", "satisfaction": "4"}


@pytest.fixture
def built(db):
    ns = make_survey()
    ns.deployment = ns.deployments[0]
    return ns


@pytest.fixture
def entry(client, built):
    client.login(email=built.project_ns.referents[0].email, password=PASSWORD)
    url = reverse("surveys:paper_entry", args=[built.deployment.public_token])

    def post(**data):
        return client.post(url, {**SHEET, "idempotency_key": str(uuid.uuid4()), **data})

    post.url = url
    return post


def test_the_sheet_number_is_optional_stored_cleaned_and_listed(client, built, entry):
    page = client.get(entry.url).content.decode()
    assert 'for="numero-feuille"' in page and 'name="_sheet_number"' in page
    assert entry().status_code == 302  # no number: stored all the same
    saved = entry(_sheet_number=" b-12 ", satisfaction="5")
    assert saved.status_code == 302
    response = Response.objects.get(sheet_number="B-12")
    page = client.get(saved.url).content.decode()
    assert f"Feuille n° B-12 enregistrée (code {response.receipt_code})" in page
    table = page[page.index("Vos dernières feuilles saisies") :]
    assert "<td>B-12</td>" in table and "<td>—</td>" in table
    assert Response.objects.filter(sheet_number="").count() == 1


def test_a_sheet_number_is_entered_once_per_territory(client, built, entry):
    assert entry(_sheet_number="124").status_code == 302
    first = Response.objects.get()
    again = entry(_sheet_number="124", satisfaction="2", pourquoi="Trop loin")
    assert again.status_code == 400
    page = again.content.decode()
    assert f"La feuille n° 124 est déjà saisie pour ce territoire (code de suivi {first.receipt_code})" in page
    assert 'id="numero-feuille" name="_sheet_number" type="text" value="124"' in page
    assert 'aria-describedby="numero-feuille-error" aria-invalid="true"' in page
    assert Response.objects.count() == 1
    # Another territory numbers its own sheets.
    other = response_submit(
        deployment=built.deployments[1],
        answers=built.valid_answers(),
        channel=Response.Channel.PAPER,
        idempotency_key=str(uuid.uuid4()),
        sheet_number="124",
    )
    assert other.created


def test_the_same_answers_on_two_numbered_sheets_are_two_sheets(entry):
    """The guard against a sheet resent after Back compares answers; two numbers are two sheets."""
    assert entry(_sheet_number="1").status_code == 302
    assert entry(_sheet_number="2").status_code == 302
    assert Response.objects.count() == 2


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("12" * 11, "Le numéro de feuille fait 20 caractères au plus."),
        ("n°3", "Le numéro de feuille ne peut contenir que des chiffres"),
        ("<b>", "Le numéro de feuille ne peut contenir que des chiffres"),
    ],
)
def test_a_bad_sheet_number_is_refused_with_its_reason(entry, typed, message):
    response = entry(_sheet_number=typed)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Response.objects.exists()


def test_a_replayed_numbered_sheet_is_stored_once(entry):
    key = str(uuid.uuid4())
    assert entry(_sheet_number="7", idempotency_key=key).status_code == 302
    assert entry(_sheet_number="7", idempotency_key=key).status_code == 302  # a double Enter
    assert Response.objects.count() == 1


def test_the_service_refuses_a_taken_sheet_number(built):
    def submit(number):
        return response_submit(
            deployment=built.deployment,
            answers=built.valid_answers(),
            channel=Response.Channel.PAPER,
            idempotency_key=str(uuid.uuid4()),
            sheet_number=number,
        )

    submit("A1")
    with pytest.raises(AnswersInvalid) as refused:
        submit("a1")
    assert "déjà saisie" in refused.value.errors["sheet_number"]


def test_a_wrong_code_says_which_where_and_for_which_question(entry):
    response = entry(lieux__codes="1 12 x")
    assert response.status_code == 400
    page = response.content.decode()
    assert (
        "Codes inconnus pour « Quels lieux avez-vous fréquentés ces douze derniers mois ? » : « 12 » en position 2, « x » en position 3. "
        "Tapez un numéro de 1 à 5, ou a pour « Autre », séparés par des espaces."
    ) in page.replace("&#x27;", "'")
    assert 'value="1 12 x"' in page  # kept as typed, to correct
    assert not Response.objects.exists()
    one = entry(lieux__codes="2 ; 0", lieux__other="Festival").status_code
    assert one == 302  # "0" and "a" mean "other", separators are free


def test_every_error_of_a_sheet_is_said_at_once(entry):
    response = entry(lieux__codes="9", _sheet_number="n°1", age="")
    page = response.content.decode()
    assert "« 9 » en position 1" in page
    assert "Le numéro de feuille ne peut contenir" in page
    assert "3 réponses sont à corriger" in page or "2 réponses sont à corriger" in page


def test_the_sheet_number_is_exported(built, entry):
    assert entry(_sheet_number="B-12").status_code == 302
    stream = io.StringIO()
    exports.write_csv(built.survey, stream)
    rows = list(csv.reader(io.StringIO(stream.getvalue())))
    header = rows[0]
    assert "feuille_papier" in header
    assert rows[1][header.index("feuille_papier")] == "B-12"


def test_the_field_page_json_may_carry_a_paper_sheet_number(client, built):
    client.login(email=built.project_ns.referents[0].email, password=PASSWORD)
    url = reverse("surveys:submit_json", args=[built.deployment.public_token])
    page = client.get(reverse("surveys:collect_field", args=[built.deployment.public_token])).content.decode()
    token = re.search(r'data-collector-token="([^"]+)"', page).group(1)
    payload = {
        "idempotency_key": str(uuid.uuid4()),
        "answers": built.valid_answers(),
        "channel": "paper",
        "sheet_number": "33",
    }
    import json

    sent = client.post(url, json.dumps(payload), content_type="application/json", HTTP_X_COLLECTOR_TOKEN=token)
    assert sent.status_code == 201
    payload["idempotency_key"] = str(uuid.uuid4())
    again = client.post(url, json.dumps(payload), content_type="application/json", HTTP_X_COLLECTOR_TOKEN=token)
    assert again.status_code == 400 and "déjà saisie" in again.json()["errors"]["sheet_number"]


def test_don_t_know_has_its_keyboard_number_in_a_paper_rating(client, built, entry):
    """In a drop-down list the typed key picks the entry that starts with it: "Ne sait pas" starts
    with 0 (or, on a scale holding 0, the number after its maximum)."""
    from territoires.surveys.kinds.scale import dont_know_number

    page = client.get(entry.url).content.decode()
    rating = page[page.index('id="q-satisfaction"') :]
    rating = rating[: rating.index("</select>")]
    assert '<option value="nsp">0 · Ne sait pas</option>' in rating
    assert '<option value="1">1</option>' in rating  # the scale's own values are their key
    assert entry(satisfaction="nsp").status_code == 302
    assert Response.objects.get().answers["satisfaction"] == "nsp"
    zero_to_ten = types.SimpleNamespace(scale_min=0, scale_max=10)
    assert dont_know_number(zero_to_ten) == 11
    assert dont_know_number(types.SimpleNamespace(scale_min=1, scale_max=5)) == 0
