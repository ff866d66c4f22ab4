"""The coding pages as a coder uses them: bad input gets a French message and saves nothing, a
resent form is stored once, the transcript page with 200 codings costs a few queries, excerpts
filter and paginate, and a finding cites a code's excerpts as live evidence."""

import random
import re
import uuid

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.urls import reverse

from territoires.diagnostic.coding import services
from territoires.diagnostic.coding.models import Code, Coding
from territoires.diagnostic.expression import services as expression_services
from territoires.diagnostic.interviews.models import Transcript
from territoires.diagnostic.synthesis import services as synthesis_services
from tests.diagnostic.coding.helpers import make_codes, make_transcript, span
from tests.factories import make_project

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    world = make_project()
    world.transcript = make_transcript(world)
    world.access, world.hours, world.sociability = make_codes(world)
    world.url = reverse("coding:transcript", args=[world.transcript.pk])
    return world


def post(client, world, **data):
    payload = {"start": 0, "end": 10, "codes": [world.hours.pk], "version": 1, "memo": ""}
    payload.update(data)
    return client.post(world.url, payload)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"start": 0, "end": 100000}, "Le passage sort du texte"),
        ({"start": 40, "end": 40}, "La fin du passage doit venir après son début"),
        ({"start": "douze"}, "Le début du passage s&#x27;écrit en nombre de caractères"),
        ({"codes": []}, "Choisissez au moins un code"),
        ({"codes": ["999999"]}, "Choisissez des codes de la grille de ce projet"),
        ({"version": 0}, "Rechargez la page"),
    ],
)
def test_bad_input_gets_a_french_message_and_saves_nothing(client, world, data, message):
    client.force_login(world.consultant)
    response = post(client, world, **data)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Coding.objects.exists()


def test_a_code_of_another_project_is_refused_over_http(client, world):
    other = make_project(title="Autre projet")
    foreign = services.code_create(project=other.project, user=other.consultant, name="Étranger")
    client.force_login(world.consultant)
    response = post(client, world, codes=[foreign.pk])
    assert "Choisissez des codes de la grille de ce projet" in response.content.decode()
    assert not Coding.objects.exists()


def test_a_coding_is_saved_once_when_the_form_is_sent_twice(client, world):
    client.force_login(world.consultant)
    start, end = span(world.transcript.text, "les horaires ne collent pas")
    key = str(uuid.uuid4())
    first = post(client, world, start=start, end=end, codes=[world.hours.pk, world.access.pk], submission_key=key)
    assert first.status_code == 302
    second = post(client, world, start=start, end=end, codes=[world.hours.pk, world.access.pk], submission_key=key)
    assert second.status_code == 302
    assert Coding.objects.count() == 2
    page = client.get(world.url).content.decode()
    assert "les horaires ne collent pas" in page and "Supprimer mon codage" in page


def test_one_deletes_only_ones_own_coding(client, world):
    mine = services.coding_create(source=world.transcript, codes=[world.hours], start=0, end=10, user=world.consultant)
    client.force_login(world.facilitator)
    assert client.post(reverse("coding:coding_delete"), {"coding": mine[0].pk}).status_code == 403
    client.force_login(world.consultant)
    assert client.post(reverse("coding:coding_delete"), {"coding": mine[0].pk}).status_code == 302
    assert not Coding.objects.exists()


def test_two_coders_show_their_agreement_and_the_filter_by_coder(client, world):
    services.coding_create(source=world.transcript, codes=[world.hours], start=0, end=40, user=world.consultant)
    services.coding_create(source=world.transcript, codes=[world.hours], start=20, end=60, user=world.facilitator)
    client.force_login(world.consultant)
    page = client.get(world.url).content.decode()
    assert "Accord entre codeurs" in page
    assert "kappa moyen" in page
    filtered = client.get(world.url, {"codeur": world.facilitator.pk}).content.decode()
    assert "1 passage codé" in filtered


def test_stale_codings_are_listed_for_review(client, world):
    coding = services.coding_create(
        source=world.transcript, codes=[world.hours], start=0, end=10, user=world.consultant
    )[0]
    Coding.objects.filter(pk=coding.pk).update(is_stale=True)
    client.force_login(world.consultant)
    page = client.get(world.url).content.decode()
    assert "1 passage à revoir" in page


def test_a_transcript_page_with_200_codings_costs_a_few_queries(client, world, django_assert_max_num_queries):
    Transcript.objects.filter(pk=world.transcript.pk).update(text="mot " * 3000)
    world.transcript.refresh_from_db()
    rng = random.Random(1)
    codes = [world.access, world.hours, world.sociability]
    for _n in range(100):
        start = rng.randrange(0, 11000)
        for user in (world.consultant, world.facilitator):
            services.coding_create(
                source=world.transcript, codes=[rng.choice(codes)], start=start, end=start + rng.randint(3, 300),
                user=user,
            )  # fmt: skip
    assert Coding.objects.count() >= 190
    client.force_login(world.consultant)
    client.get(world.url)
    with django_assert_max_num_queries(12):
        response = client.get(world.url)
    assert response.status_code == 200


def test_excerpts_filter_by_territory_and_profile_and_say_a_bad_filter(client, world):
    start, end = span(world.transcript.text, "les horaires ne collent pas")
    services.coding_create(source=world.transcript, codes=[world.hours], start=start, end=end, user=world.consultant)
    other = make_transcript(world, index=1, participants=(("E1", "elected"),))
    services.coding_create(source=other, codes=[world.hours], start=start, end=end, user=world.consultant)
    client.force_login(world.consultant)
    url = reverse("coding:excerpts", args=[world.hours.pk])
    assert "2 extraits" in client.get(url).content.decode()
    territory = other.interview.territory_id
    assert "1 extrait" in client.get(url, {"territory": territory}).content.decode()
    elected = client.get(url, {"profile": "elected"}).content.decode()
    assert "1 extrait" in elected and "Élu·e" in elected
    page = client.get(url, {"territory": "99999999", "profile": "pirate"}).content.decode()
    assert "ne participe pas au projet" in page and "Ce profil n&#x27;existe pas" in page
    assert "2 extraits" in page


def test_merge_over_http_says_how_many_passages_moved(client, world):
    services.coding_create(source=world.transcript, codes=[world.hours], start=0, end=10, user=world.consultant)
    client.force_login(world.consultant)
    refused = client.post(reverse("coding:code_delete", args=[world.hours.pk]), {"target": ""})
    assert "appliqué à 1 passage" in refused.content.decode()
    assert Code.objects.filter(pk=world.hours.pk).exists()
    response = client.post(
        reverse("coding:code_delete", args=[world.hours.pk]), {"target": world.access.pk}, follow=True
    )
    assert "1 passage codé a été déplacé" in response.content.decode()
    assert Coding.objects.get().code_id == world.access.pk


def test_a_residents_text_is_coded_once_moderated(client, world):
    territory = world.transcript.interview.territory
    prompt = expression_services.prompt_set(
        territory=territory, user=world.referents[0], question="Qu'est-ce qui fait de vous un acteur ?", is_open=True
    )
    pending, _ = expression_services.expression_submit(prompt=prompt, text="Je joue du violon à la fête du quartier.")
    client.force_login(world.consultant)
    url = reverse("coding:expression", args=[pending.pk])
    assert client.get(url).status_code == 404
    expression_services.expression_moderate(expression=pending, user=world.referents[0], status="kept")
    assert client.get(url).status_code == 200
    response = client.post(url, {"start": 11, "end": 17, "codes": [world.sociability.pk]})
    assert response.status_code == 302
    coding = Coding.objects.get(expression=pending)
    assert coding.quote == "violon" and coding.profile == "resident"


def test_the_analysis_page_draws_its_tables(client, world):
    start, end = span(world.transcript.text, "les horaires ne collent pas")
    services.coding_create(
        source=world.transcript, codes=[world.hours, world.access], start=start, end=end, user=world.consultant
    )
    client.force_login(world.referents[1])
    page = client.get(reverse("coding:analysis", args=[world.project.slug])).content.decode()
    assert "<svg" in page and "Codes par territoire" in page and "Cooccurrences" in page
    assert "Paires de passages qui se chevauchent" in page
    bad = client.get(reverse("coding:analysis", args=[world.project.slug]), {"territoire": "abc"})
    assert "le filtre n&#x27;est pas appliqué" in bad.content.decode()


def test_a_finding_cites_a_codes_excerpts_as_live_evidence(client, world):
    territory = world.transcript.interview.territory
    start, end = span(world.transcript.text, "Marie Dupont : Elle est loin")
    services.coding_create(source=world.transcript, codes=[world.access], start=start, end=end, user=world.consultant)
    synthesis = synthesis_services.synthesis_for(project=world.project, territory=territory)
    finding = synthesis_services.finding_create(synthesis=synthesis, user=world.consultant, statement="Trop loin")
    client.force_login(world.consultant)
    response = client.post(
        reverse("synthesis:evidence_add", args=[finding.pk, "coded_excerpts"]),
        {"code": world.access.pk, "territory": "", "note": "Éloignement"},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    evidence = finding.evidence.get()
    assert evidence.reference == {"code": world.access.pk, "territory": territory.pk}
    body = client.get(finding.get_absolute_url()).content.decode()
    assert "Marie Dupont : Elle est loin" in body
    assert "1 extrait codé « " in body and "à revoir" not in body
    # The transcript's words edited away: the passage stays cited, marked to be checked.
    Coding.objects.filter(code=world.access).update(is_stale=True)
    assert "à revoir" in client.get(finding.get_absolute_url()).content.decode()
    Coding.objects.update(is_stale=False)
    synthesis_services.finding_validate(finding=finding, user=world.referents[0])
    synthesis_services.finding_publish(finding=finding, user=world.referents[0])
    client.force_login(world.agents[0])  # the territory's staff, outside the transcript circle
    body = client.get(finding.get_absolute_url()).content.decode()
    assert "[une bénévole] : Elle est loin" in body and "Marie Dupont" not in body
    client.logout()
    body = client.get(finding.get_absolute_url()).content.decode()
    assert "Preuve réservée" in body or "preuve réservée" in body
    assert "Elle est loin" not in body


def test_chart_coordinates_are_not_localised(client, world):
    """French number formatting ("24,6") would turn an SVG coordinate into a list of them."""
    import re

    services.coding_create(
        source=world.transcript, codes=[world.hours, world.access], start=0, end=30, user=world.consultant
    )
    client.force_login(world.consultant)
    page = client.get(reverse("coding:analysis", args=[world.project.slug])).content.decode()
    svg = "".join(re.findall(r"<svg.*?</svg>", page, re.S))
    assert svg and not re.search(r'(?:x|y|width|height)="[^"]*,', svg)


def test_the_codebook_counts_its_passages_in_words_not_with_a_parenthetical_plural(client, world):
    client.force_login(world.consultant)
    url = reverse("coding:codebook", args=[world.project.slug])
    page = client.get(url).content.decode()
    assert "3 codes, aucun passage codé" in page
    services.coding_create(source=world.transcript, codes=[world.hours], start=0, end=10, user=world.consultant)
    page = client.get(url).content.decode()
    assert "3 codes, 1 passage codé en tout." in page and "(s)" not in page
    services.coding_create(source=world.transcript, codes=[world.access], start=20, end=30, user=world.consultant)
    assert "3 codes, 2 passages codés en tout." in client.get(url).content.decode()


def test_a_memo_too_long_is_refused_with_a_french_message_and_nothing_is_stored(client, world):
    client.force_login(world.consultant)
    response = post(client, world, memo="Très long mémo. " * 200)
    assert response.status_code == 200
    assert "Le mémo tient en 2000 caractères au plus : le vôtre en compte 3199" in response.content.decode()
    assert not Coding.objects.exists()
    # The service says the same to any other caller (a script, a future API).
    with pytest.raises(ValidationError, match="Le mémo tient en 2000 caractères au plus"):
        services.coding_create(
            source=world.transcript, codes=[world.hours], start=0, end=10, user=world.consultant, memo="x" * 2001
        )
    assert not Coding.objects.exists()
    assert post(client, world, memo="x" * 2000).status_code == 302
    assert len(Coding.objects.get().memo) == 2000


def test_the_keyboard_modes_words_come_from_the_page_not_from_the_script(client, world):
    """static/diagnostic/coding.js builds the keyboard mode: its words are the template's, translated
    with the page, so that they follow the page's language."""
    script = (settings.BASE_DIR / "static" / "diagnostic" / "coding.js").read_text()
    for words in ("Sélectionner au clavier", "Texte à sélectionner", "Flèches", "Passage sélectionné"):
        assert words not in script
    assert not re.search(r"[à-ÿÀ-Ý«»]", script), "French words left in coding.js"
    client.force_login(world.consultant)
    page = client.get(world.url).content.decode()
    assert 'data-button="Sélectionner au clavier"' in page and 'data-label="Texte à sélectionner"' in page
    assert 'data-help="Flèches pour déplacer le curseur' in page
    assert 'data-said="Passage sélectionné, caractères {start} à {end} : « {quote} »."' in page
