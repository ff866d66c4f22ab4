"""Codings follow their words when a transcript is edited, or are flagged; never silently shifted."""

import datetime

import pytest

from territoires.diagnostic.coding.anchoring import TextMap, passage_follow
from territoires.diagnostic.coding.models import Code, Coding
from territoires.diagnostic.interviews import services
from tests.factories import make_project

BASE = (
    "P1 : La médiathèque est loin du quartier.\n"
    "P2 : Oui, la médiathèque ferme tôt le soir.\n"
    "P1 : Les jeunes répètent dehors, faute de salle.\n"
)


def follow(old: str, new: str, quote: str, occurrence: int = 0) -> int | None:
    start = -1
    for _ in range(occurrence + 1):
        start = old.index(quote, start + 1)
    return passage_follow(TextMap(old, new), start, start + len(quote), quote)


def test_an_insertion_before_moves_the_passage_with_its_words():
    new = "Entretien du 12 octobre.\n" + BASE
    assert follow(BASE, new, "faute de salle") == new.index("faute de salle")


def test_an_edit_in_the_same_paragraph_keeps_the_passage():
    new = BASE.replace("Les jeunes répètent", "Beaucoup de jeunes répètent")
    assert follow(BASE, new, "faute de salle") == new.index("faute de salle")


def test_an_edit_inside_the_passage_loses_it():
    new = BASE.replace("ferme tôt le soir", "ferme très tôt le soir")
    assert follow(BASE, new, "ferme tôt le soir") is None


def test_a_deleted_passage_is_lost():
    new = BASE.replace("P1 : Les jeunes répètent dehors, faute de salle.\n", "")
    assert follow(BASE, new, "faute de salle") is None


REPEATED = "A : la médiathèque est loin.\nB : la médiathèque ferme tôt.\nC : la médiathèque, quelle médiathèque ?\n"


def test_a_repeated_quote_keeps_its_own_occurrence():
    new = "Préambule.\n" + REPEATED.replace("ferme tôt", "ferme trop tôt")
    places = [i for i in range(len(new)) if new.startswith("la médiathèque", i)]
    for occurrence, place in enumerate(places):
        assert follow(REPEATED, new, "la médiathèque", occurrence=occurrence) == place


def test_a_repeated_quote_edited_at_one_place_is_not_moved_to_the_other():
    """The second "la médiathèque" is edited: the others belong to other codings, not to this one."""
    new = REPEATED.replace("B : la médiathèque", "B : la vieille médiathèque")
    assert follow(REPEATED, new, "la médiathèque", occurrence=1) is None
    assert follow(REPEATED, new, "la médiathèque", occurrence=2) == new.index("C : la") + 4


def test_a_passage_moved_elsewhere_is_found_there():
    line = "P1 : Les jeunes répètent dehors, faute de salle.\n"
    new = line + BASE.replace(line, "")
    assert follow(BASE, new, "faute de salle") == new.index("faute de salle")


def test_offsets_that_do_not_hold_the_quote_are_searched_by_the_words():
    new = "Ajout.\n" + BASE
    assert passage_follow(TextMap(BASE, new), 0, 5, "faute de salle") == new.index("faute de salle")


@pytest.mark.django_db
def test_saving_a_transcript_reanchors_its_codings():
    world = make_project()
    territory = world.project.participations.get(organisation=world.towns[0])
    interview = services.interview_create(
        territory=territory, user=world.consultant,
        data={"title": "Entretien", "kind": "semi_directive", "held_on": datetime.date(2021, 10, 5),
              "place_label": "Mairie", "consent_given": True, "consent_on": datetime.date(2021, 10, 5)},
        participants=[{"label": "P1", "profile": "resident"}],
    )  # fmt: skip
    transcript, _ = services.transcript_save(interview=interview, user=world.consultant, text=BASE)
    code = Code.objects.create(project=world.project, name="Équipements")
    codings = {}
    for quote in ("faute de salle", "ferme tôt le soir", "La médiathèque"):
        start = BASE.index(quote)
        codings[quote] = Coding.objects.create(
            code=code, project=world.project, territory=territory, transcript=transcript, start=start,
            end=start + len(quote), quote=quote, coder=world.consultant,
        )  # fmt: skip
    new = "Entretien du 5 octobre.\n" + BASE.replace("ferme tôt", "ferme vraiment tôt")
    transcript, result = services.transcript_save(
        interview=interview, user=world.consultant, text=new, expected_version=1
    )
    assert transcript.version == 2
    assert (result.kept, result.moved, result.stale) == (0, 2, 1)
    for quote, coding in codings.items():
        coding.refresh_from_db()
        if quote == "ferme tôt le soir":
            assert coding.is_stale and coding.transcript_version == 1 and coding.start == BASE.index(quote)
        else:
            assert not coding.is_stale and coding.transcript_version == 2
            assert new[coding.start : coding.end] == quote
    # A stale coding stays stale through later edits; the others keep following.
    newer = new + "Fin.\n"
    transcript, result = services.transcript_save(interview=interview, user=world.consultant, text=newer)
    assert (result.kept, result.stale) == (2, 0) and Coding.objects.filter(is_stale=True).count() == 1


def test_a_long_single_paragraph_is_compared_sentence_by_sentence():
    sentences = [f"Phrase numéro {i} sur la médiathèque du quartier." for i in range(800)]
    old = " ".join(sentences)
    assert len(old) > 30_000 and "\n" not in old
    new = old.replace("Phrase numéro 10 ", "Phrase numéro dix ").replace("numéro 700 sur", "numéro 700 encore sur")
    quote = "la médiathèque du quartier"
    # The 500th occurrence stays the 500th, the one inside the edited sentence is found in it.
    assert follow(old, new, quote, occurrence=500) == [i for i in range(len(new)) if new.startswith(quote, i)][500]
    assert follow(old, new, "numéro 700 sur") is None
