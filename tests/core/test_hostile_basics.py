"""The faults behind the hostile-input test (tests/fuzz/), each on its own: a NUL character in a
query or a form, a date in year 1 or 9999, a forged 40-digit choice, JSON nested 100,000 deep."""

import pytest
from django import forms
from django.urls import reverse

from territoires.accounts.models import Organisation
from territoires.core.forms import DsfrForm
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("path", ["/projets/?q=%00", "/recherche/?q=a%00b", "/ressources/?q=%00&theme=%00"])
def test_a_nul_character_in_a_query_is_dropped_and_the_page_answers(client, path):
    # PostgreSQL refused the character in any parameter: the search pages were a 500.
    response = client.get(path)
    assert response.status_code == 200
    assert "\x00" not in response.wsgi_request.GET.get("q", "")


def test_a_nul_character_in_a_form_is_dropped_and_what_was_typed_is_kept(client):
    from urllib.parse import urlencode

    from territoires.accounts.models import User

    before = User.objects.count()
    body = urlencode({"username": "inconnu\x00@exemple.fr", "password": "x"})
    response = client.post(reverse("accounts:login"), body, content_type="application/x-www-form-urlencoded")
    # The form answers as for the address without the character, which it shows back to be corrected.
    assert response.status_code == 200
    page = response.content.decode()
    assert "Adresse électronique ou mot de passe incorrect" in page
    assert 'value="inconnu@exemple.fr"' in page
    # A multipart form is left to the form's own fields, which refuse the character too.
    response = client.post(reverse("accounts:login"), {"username": "a\x00@b.fr", "password": "x"})
    assert response.status_code == 200 and "_auth_user_id" not in client.session
    assert User.objects.count() == before


class MeetingLikeForm(DsfrForm):
    starts_at = forms.DateTimeField()
    signed_on = forms.DateField()
    organisation = forms.ModelChoiceField(queryset=Organisation.objects.all())
    organisations = forms.ModelMultipleChoiceField(queryset=Organisation.objects.all(), required=False)


@pytest.mark.parametrize(
    ("starts_at", "signed_on"),
    [("0001-01-01T00:00", "2022-01-01"), ("9999-12-31T23:59", "2022-01-01"), ("2022-03-10T10:00", "0001-01-01")],
)
def test_dates_outside_1900_2100_are_refused_in_french(starts_at, signed_on):
    organisation = Organisation.objects.create(name="Niort", kind=Organisation.Kind.COMMUNE)
    form = MeetingLikeForm({"starts_at": starts_at, "signed_on": signed_on, "organisation": organisation.pk})
    assert not form.is_valid()
    assert "Indiquez une date entre 1900 et 2100." in str(form.errors)


def test_a_forged_forty_digit_choice_is_an_invalid_choice():
    Organisation.objects.create(name="Niort", kind=Organisation.Kind.COMMUNE)
    form = MeetingLikeForm(
        {
            "starts_at": "2022-03-10T10:00",
            "signed_on": "2022-01-01",
            "organisation": "9" * 40,
            "organisations": ["9" * 40],
        }
    )
    assert not form.is_valid()
    assert set(form.errors) == {"organisation", "organisations"}


def test_field_collection_refuses_json_nested_100000_deep(client):
    from tests.surveys.factories import make_survey

    built = make_survey()
    client.login(email=built.collector.email, password=PASSWORD)
    url = reverse("surveys:submit_json", args=[built.deployment.public_token])
    response = client.post(url, "[" * 100_000 + "]" * 100_000, content_type="application/json")
    assert response.status_code == 400
    assert "illisible" in response.json()["message"]


def test_field_collection_answers_a_form_body_with_its_own_message(client):
    # A multipart body sent to the JSON endpoint: read by nobody before the view, refused by it.
    from tests.surveys.factories import make_survey

    built = make_survey()
    client.login(email=built.collector.email, password=PASSWORD)
    url = reverse("surveys:submit_json", args=[built.deployment.public_token])
    response = client.post(url, {"answers": "x", "channel": "field"})
    assert response.status_code == 400
    assert "illisible" in response.json()["message"]
