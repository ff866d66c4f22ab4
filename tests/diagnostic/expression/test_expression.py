"""Residents' written expression: the public page without an account, the receipt code (looked up
by core/receipts.py like a survey answer's), a resend stored once, the flood guard, consent and
moderation, the gallery, and what the receipt page tells the author."""

import uuid

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from territoires.core.receipts import receipt_find
from territoires.diagnostic.expression import services
from territoires.diagnostic.expression.flood import EXPRESSIONS_PER_WINDOW
from territoires.diagnostic.expression.models import Expression
from territoires.diagnostic.synthesis import services as synthesis_services
from tests.diagnostic.helpers import territory_of
from tests.factories import make_project

pytestmark = pytest.mark.django_db

TEXT = "Je tiens la chorale du quartier depuis douze ans."


@pytest.fixture
def world():
    world = make_project()
    world.x = territory_of(world)
    world.prompt = services.prompt_set(
        territory=world.x, user=world.referents[0], question="Qu'est-ce qui fait de vous un acteur ?",
        neighbourhoods="Centre-ville\nClou Bouchet", is_open=True,
    )  # fmt: skip
    world.url = reverse("expression:write", args=[world.project.slug, world.towns[0].slug])
    return world


def test_a_resident_writes_without_an_account_and_gets_a_receipt_code(client, world):
    page = client.get(world.url)
    assert page.status_code == 200 and "Qu&#x27;est-ce qui fait de vous un acteur ?" in page.content.decode()
    key = str(uuid.uuid4())
    response = client.post(
        world.url,
        {"text": TEXT, "neighbourhood": "Clou Bouchet", "age_band": "65-79", "consent_to_publish": "on",
         "submission_key": key},
    )  # fmt: skip
    assert response.status_code == 200
    expression = Expression.objects.get()
    assert expression.receipt_code in response.content.decode()
    assert (expression.neighbourhood, expression.age_band, expression.consent_to_publish) == (
        "Clou Bouchet",
        "65-79",
        True,
    )
    assert expression.status == "pending" and expression.territory == world.x
    # The feedback pages find the text through the shared receipt registry, like a survey answer.
    source, found = receipt_find(expression.receipt_code.lower())
    assert source.key == "expression" and found == expression
    # The same form sent again (a double tap, a network retry): stored once, same code shown.
    again = client.post(world.url, {"text": TEXT + " bis", "submission_key": key})
    assert again.status_code == 200 and expression.receipt_code in again.content.decode()
    assert Expression.objects.count() == 1


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"text": "court"}, "quelques mots"),
        ({"text": "x" * 5001}, "5000"),
        ({"text": TEXT, "neighbourhood": "Ailleurs"}, "Sélectionnez un choix valide"),
        ({"text": TEXT, "age_band": "200-300"}, "Sélectionnez un choix valide"),
    ],
)
def test_bad_input_gets_a_clear_message_and_stores_nothing(client, world, data, message):
    response = client.post(world.url, data)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Expression.objects.exists()


def test_a_flood_from_one_client_is_refused_and_says_so(client, world):
    for index in range(EXPRESSIONS_PER_WINDOW):
        assert client.post(world.url, {"text": f"{TEXT} {index}"}).status_code == 200
    response = client.post(world.url, {"text": TEXT + " encore"})
    assert response.status_code == 429
    assert "Trop de textes" in response.content.decode()
    assert Expression.objects.count() == EXPRESSIONS_PER_WINDOW
    # Another client (another address) is not affected.
    assert client.post(world.url, {"text": TEXT + " voisin"}, REMOTE_ADDR="10.0.0.9").status_code == 200


def test_a_closed_call_takes_no_text(client, world):
    services.prompt_set(territory=world.x, user=world.referents[0], question=world.prompt.question, is_open=False)
    assert client.post(world.url, {"text": TEXT}).status_code == 410
    assert not Expression.objects.exists()


def test_publication_needs_the_authors_consent(world):
    without, _ = services.expression_submit(prompt=world.prompt, text=TEXT)
    with pytest.raises(ValidationError):
        services.expression_moderate(expression=without, user=world.referents[0], status="published")
    kept = services.expression_moderate(expression=without, user=world.referents[0], status="kept")
    assert kept.reason == "no_consent"
    with_consent, _ = services.expression_submit(prompt=world.prompt, text=TEXT + "!", consent_to_publish=True)
    with pytest.raises(ValidationError):
        services.expression_moderate(expression=with_consent, user=world.referents[0], status="rejected")  # no reason
    services.expression_moderate(expression=with_consent, user=world.referents[0], status="published")
    assert list(Expression.objects.published()) == [with_consent]


def test_the_gallery_shows_published_texts_only(client, world):
    published, _ = services.expression_submit(
        prompt=world.prompt, text="Texte publié du centre", consent_to_publish=True
    )
    services.expression_moderate(expression=published, user=world.referents[0], status="published")
    services.expression_submit(prompt=world.prompt, text="Texte en attente de relecture", consent_to_publish=True)
    body = client.get(reverse("expression:gallery", args=[world.project.slug, world.towns[0].slug])).content.decode()
    assert "Texte publié du centre" in body and "Texte en attente de relecture" not in body


def test_the_receipt_page_says_what_became_of_the_text(client, world):
    expression, _ = services.expression_submit(prompt=world.prompt, text=TEXT, consent_to_publish=True)
    url = reverse("expression:receipt_code", args=[expression.receipt_code])
    assert "En attente de modération" in client.get(url).content.decode()
    services.expression_moderate(expression=expression, user=world.referents[0], status="published")
    synthesis = synthesis_services.synthesis_for(project=world.project, territory=world.x)
    finding = synthesis_services.finding_create(
        synthesis=synthesis, user=world.consultant, statement="Les chorales font lien"
    )
    synthesis_services.evidence_add(
        finding=finding, user=world.consultant, kind="expression", reference={"expression": expression.pk}
    )
    assert "Les chorales font lien" not in client.get(url).content.decode()  # a draft finding is not told
    synthesis_services.finding_validate(finding=finding, user=world.referents[0])
    synthesis_services.finding_publish(finding=finding, user=world.referents[0])
    body = client.get(url).content.decode()
    assert "Publié" in body and "Les chorales font lien" in body
    unknown = client.get(reverse("expression:receipt"), {"code": "ZZZZZZZZZZ"})
    assert unknown.status_code == 404 and "ne correspond à aucun texte" in unknown.content.decode()


def test_a_text_received_keeps_the_public_pages_cached_until_it_is_published(world, django_capture_on_commit_callbacks):
    from territoires.core.cache import content_version

    before = content_version()
    with django_capture_on_commit_callbacks(execute=True):
        expression, _ = services.expression_submit(prompt=world.prompt, text=TEXT, consent_to_publish=True)
    assert content_version() == before
    with django_capture_on_commit_callbacks(execute=True):
        services.expression_moderate(expression=expression, user=world.referents[0], status="published")
    assert content_version() != before


def test_the_project_counts_published_texts_and_findings(world):
    from territoires.core.registry import project_counts
    from territoires.diagnostic.synthesis import services as synthesis_services

    for index in range(3):
        expression, _ = services.expression_submit(prompt=world.prompt, text=f"{TEXT} {index}", consent_to_publish=True)
        services.expression_moderate(expression=expression, user=world.referents[0], status="published")
    services.expression_submit(prompt=world.prompt, text=TEXT + " en attente", consent_to_publish=True)
    synthesis = synthesis_services.synthesis_for(project=world.project, territory=world.x)
    for index in range(2):
        finding = synthesis_services.finding_create(synthesis=synthesis, user=world.consultant, statement=f"C{index}")
        synthesis_services.finding_validate(finding=finding, user=world.referents[0])
        synthesis_services.finding_publish(finding=finding, user=world.referents[0])
    counts = {str(label): n for label, n in project_counts(world.project.pk)}
    assert counts["Paroles d'habitants publiées"] == 3
    assert counts["Constats publiés du diagnostic"] == 2
