"""Each voting method against examples worked by hand (the arithmetic is in the comments)."""

from dataclasses import dataclass
from types import SimpleNamespace

import pytest
from django.core.exceptions import ValidationError

from territoires.codesign.voting import METHODS, majority_grade, majority_value


@dataclass(frozen=True)
class Option:
    pk: int
    position: int
    label: str


A, B, C = (Option(pk, pk, label) for pk, label in ((1, "A"), (2, "B"), (3, "C")))
OPTIONS = [A, B, C]
BALLOT = SimpleNamespace(points=5)


def order(result):
    return [(row.option.label, row.rank) for row in result.rows]


def votes(*rows):
    """Each row: {option: value} → the stored {str(pk): value}."""
    return [{str(option.pk): value for option, value in row.items()} for row in rows]


def test_approval_counts_approvals_and_reports_the_tie():
    # A: voters 1, 2, 4 = 3; B: voters 1, 3 = 2; C: voters 3, 4 = 2.
    result = METHODS["approval"].tally(options=OPTIONS, votes=votes({A: 1, B: 1}, {A: 1}, {B: 1, C: 1}, {A: 1, C: 1}))
    assert order(result) == [("A", 1), ("B", 2), ("C", 2)]
    assert [row.score for row in result.rows] == [3, 2, 2]
    assert result.rows[0].details["percent"] == 75
    assert result.ties == [[B, C]]


def test_approval_refuses_an_empty_ballot():
    with pytest.raises(ValidationError, match="au moins une"):
        METHODS["approval"].parse({}, options=OPTIONS, ballot=BALLOT)
    assert METHODS["approval"].parse({"option-1": "1", "option-3": "on"}, options=OPTIONS, ballot=BALLOT) == {
        "1": 1,
        "3": 1,
    }


def test_dot_voting_sums_points_and_breaks_ties_by_supporters():
    # A: 3 + 1 = 4 from 2 people; B: 2 + 5 = 7 from 2; C: 4 from 1 → B, A (broader support), C.
    result = METHODS["dots"].tally(options=OPTIONS, votes=votes({A: 3, B: 2}, {B: 5}, {A: 1, C: 4}))
    assert order(result) == [("B", 1), ("A", 2), ("C", 3)]
    assert [row.score for row in result.rows] == [7, 4, 4]
    assert result.ties == []


def test_dot_voting_refuses_more_dots_than_allowed_and_says_how_many():
    with pytest.raises(ValidationError) as refused:
        METHODS["dots"].parse({"option-1": "4", "option-2": "2"}, options=OPTIONS, ballot=BALLOT)
    assert "6 gommettes, pour 5 permises : retirez-en 1" in refused.value.messages[0]
    for bad in ({"option-1": "-1"}, {"option-1": "deux"}, {}):
        with pytest.raises(ValidationError):
            METHODS["dots"].parse(bad, options=OPTIONS, ballot=BALLOT)
    assert METHODS["dots"].parse({"option-1": "5", "option-2": "0"}, options=OPTIONS, ballot=BALLOT) == {"1": 5}


def test_majority_grade_is_the_lower_median():
    # Grades worst first: 0 .. 5. Votes [0, 1, 3, 4, 5] → the third vote, 3.
    assert majority_grade([1, 1, 0, 1, 1, 1]) == 3
    # Two votes, 0 and 5: the lower of the two middle votes, 0.
    assert majority_grade([1, 0, 0, 0, 0, 1]) == 0
    # Four votes [0, 5, 5, 5]: second vote, 5.
    assert majority_grade([1, 0, 0, 0, 0, 3]) == 5


def test_majority_value_removes_median_votes_one_by_one():
    # A's votes [0, 1, 3, 4, 5]: 3; then [0, 1, 4, 5]: 1; [0, 4, 5]: 4; [0, 5]: 0; [5]: 5.
    assert majority_value([1, 1, 0, 1, 1, 1]) == (3, 1, 4, 0, 5)
    # B's votes [1, 2, 3, 3, 4]: 3; [1, 2, 3, 4]: 2; [1, 3, 4]: 3; [1, 4]: 1; [4]: 4.
    assert majority_value([0, 1, 1, 2, 1, 0]) == (3, 2, 3, 1, 4)


def test_majority_judgment_breaks_a_tie_on_the_majority_grade():
    # Both A and B have "Assez bien" (3) as majority grade; the tie-break (above) ranks B first
    # although A has more "Excellent": the method rewards the broad middle, not the extremes.
    # C: votes [0, 0, 1, 2, 2] → majority grade 1, last.
    grades = [(5, 4, 0), (4, 3, 0), (3, 3, 1), (1, 3, 2), (0, 1, 2)]
    result = METHODS["majority_judgment"].tally(
        options=OPTIONS, votes=votes(*({A: a, B: b, C: c} for a, b, c in grades))
    )
    assert order(result) == [("B", 1), ("A", 2), ("C", 3)]
    a_row = next(row for row in result.rows if row.option is A)
    assert a_row.details["majority_grade"] == 3
    assert str(a_row.details["majority_label"]) == "Assez bien"
    # The merit profile, best grade first: Excellent 1, Bien 1, Assez bien 1, Passable 0, Insuffisant 1, À rejeter 1.
    assert [cell["count"] for cell in a_row.details["profile"]] == [1, 1, 1, 0, 1, 1]
    assert [cell["percent"] for cell in a_row.details["profile"]] == [20.0, 20.0, 20.0, 0.0, 20.0, 20.0]
    # 40 % graded A above "Assez bien", 40 % below.
    assert (a_row.details["above"], a_row.details["below"]) == (40, 40)
    assert result.ties == []


def test_majority_judgment_identical_profiles_stay_tied():
    result = METHODS["majority_judgment"].tally(options=[A, B], votes=votes({A: 4, B: 2}, {A: 2, B: 4}))
    assert result.ties == [[A, B]]
    assert {row.rank for row in result.rows} == {1}


def test_majority_judgment_needs_a_grade_for_every_option():
    with pytest.raises(ValidationError, match="il en manque pour : B, C"):
        METHODS["majority_judgment"].parse({"option-1": "5"}, options=OPTIONS, ballot=BALLOT)
    with pytest.raises(ValidationError, match="Mention inconnue"):
        METHODS["majority_judgment"].parse(
            {"option-1": "9", "option-2": "1", "option-3": "1"}, options=OPTIONS, ballot=BALLOT
        )


def test_borda_ranking():
    # Three options: 2 points for a first place, 1 for a second, 0 for a third.
    # A>B>C, B>A>C, A>C>B → A 2+1+2 = 5, B 1+2+0 = 3, C 0+0+1 = 1.
    result = METHODS["ranking"].tally(
        options=OPTIONS, votes=votes({A: 1, B: 2, C: 3}, {B: 1, A: 2, C: 3}, {A: 1, C: 2, B: 3})
    )
    assert order(result) == [("A", 1), ("B", 2), ("C", 3)]
    assert [row.score for row in result.rows] == [5, 3, 1]
    assert result.rows[0].details["per_rank"] == [2, 1, 0]


def test_borda_tie_break_by_first_places():
    # A>B>C and C>B>A: every option has 2 points. A and C have one first place each, B none:
    # A and C share the first rank (still tied, said so), B is third.
    result = METHODS["ranking"].tally(options=OPTIONS, votes=votes({A: 1, B: 2, C: 3}, {C: 1, B: 2, A: 3}))
    assert [row.score for row in result.rows] == [2, 2, 2]
    ranks = {row.option.label: row.rank for row in result.rows}
    assert ranks == {"A": 1, "C": 1, "B": 3}
    assert result.ties == [[A, C]]


def test_ranking_refuses_a_rank_used_twice_or_missing():
    with pytest.raises(ValidationError, match="même rang"):
        METHODS["ranking"].parse({"option-1": "1", "option-2": "1", "option-3": "2"}, options=OPTIONS, ballot=BALLOT)
    with pytest.raises(ValidationError, match="entre 1 et 3"):
        METHODS["ranking"].parse({"option-1": "1", "option-2": "2"}, options=OPTIONS, ballot=BALLOT)
