"""The pseudonymisation list applied to quotes: whole words, any case and accents, longest first."""

import pytest

from territoires.diagnostic.interviews import services
from territoires.diagnostic.interviews.pseudonyms import pseudonymiser, quote_pseudonymise
from tests.factories import make_project

PAIRS = [
    ("Hélène", "[la directrice]"),
    ("Marie-Claire Dupont", "[l'élue à la culture]"),
    ("Marie", "[une bénévole]"),
    ("Dupont", "[un agent]"),
]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Hélène est venue.", "[la directrice] est venue."),
        ("helene et HÉLÈNE", "[la directrice] et [la directrice]"),
        ("Helene", "[la directrice]"),
        ("d’Hélène, l'avis d'Hélène", "d’[la directrice], l'avis d'[la directrice]"),
        ("Hélènette n'est pas Hélène", "Hélènette n'est pas [la directrice]"),
        ("Marie-Claire Dupont a parlé", "[l'élue à la culture] a parlé"),
        ("Marie-Claire  Dupont", "[l'élue à la culture]"),
        ("Marie et Dupont", "[une bénévole] et [un agent]"),
        ("Marie-Claire seule", "Marie-Claire seule"),
        ("Mariette", "Mariette"),
        ("", ""),
    ],
)
def test_names_are_replaced_as_whole_words(text, expected):
    assert pseudonymiser(PAIRS)(text) == expected


def test_a_replacement_is_not_searched_again():
    apply = pseudonymiser([("Paul", "[Jean]"), ("Jean", "[Paul]")])
    assert apply("Paul et Jean") == "[Jean] et [Paul]"


def test_names_with_regex_characters_are_literal():
    assert pseudonymiser([("A.B. (asso)", "[l'association]")])("Chez A.B. (asso) ici") == "Chez [l'association] ici"
    assert pseudonymiser([("A.B. (asso)", "[x]")])("AxB (asso)") == "AxB (asso)"


def test_a_decomposed_text_is_matched():
    decomposed = "He\u0301le\u0300ne"
    assert pseudonymiser(PAIRS)(decomposed) == "[la directrice]"


@pytest.mark.django_db
def test_quote_pseudonymise_reads_the_territory_list_only():
    world = make_project()
    x = world.project.participations.get(organisation=world.towns[0])
    y = world.project.participations.get(organisation=world.towns[1])
    services.pseudonym_save(territory=x, user=world.referents[0], name="Hélène", replacement="[la directrice]")
    assert quote_pseudonymise("Hélène a dit", x) == "[la directrice] a dit"
    assert quote_pseudonymise("Hélène a dit", y) == "Hélène a dit"
    assert quote_pseudonymise("Hélène a dit", x.pk) == "[la directrice] a dit"


@pytest.mark.django_db
def test_the_list_refuses_a_repeated_name_whatever_its_case():
    from django.core.exceptions import ValidationError

    world = make_project()
    x = world.project.participations.get(organisation=world.towns[0])
    services.pseudonym_save(territory=x, user=world.referents[0], name="Hélène", replacement="[a]")
    with pytest.raises(ValidationError):
        services.pseudonym_save(territory=x, user=world.referents[0], name="HÉLÈNE", replacement="[b]")


@pytest.mark.django_db
def test_a_name_leaves_the_list_only_when_the_removal_is_confirmed(client):
    """Removing a name shows it in clear outside the circle: one stray click must not do it."""
    from django.urls import reverse

    from territoires.diagnostic.interviews.models import Pseudonym

    world = make_project()
    x = world.project.participations.get(organisation=world.towns[0])
    entry = services.pseudonym_save(territory=x, user=world.referents[0], name="Hélène", replacement="[la directrice]")
    client.force_login(world.referents[0])
    url = reverse("interviews:pseudonym_delete", args=[entry.pk])
    client.post(url)
    assert Pseudonym.objects.filter(pk=entry.pk).exists()
    assert quote_pseudonymise("Hélène a dit", x) == "[la directrice] a dit"
    client.post(url, {"confirm": "1"})
    assert not Pseudonym.objects.filter(pk=entry.pk).exists()
