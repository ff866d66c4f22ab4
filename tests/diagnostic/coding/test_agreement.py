"""Cohen's kappa against a hand-worked example (agreement.py's docstring gives the formula)."""

from types import SimpleNamespace

import pytest

from territoires.diagnostic.coding.agreement import cohen_kappa, transcript_agreement


def test_hand_worked_example():
    # 100 characters; coder 1 codes [0, 40), coder 2 codes [20, 60).
    # both = 20 (20..40), first only = 20 (0..20), second only = 20 (40..60), neither = 40.
    # po = (20 + 40) / 100 = 0.60; p1 = p2 = 0.40; pe = 0.4·0.4 + 0.6·0.6 = 0.52;
    # kappa = (0.60 − 0.52) / (1 − 0.52) = 0.08 / 0.48 = 1/6.
    row = cohen_kappa(100, [(0, 40)], [(20, 60)])
    assert (row.both, row.first_only, row.second_only, row.neither) == (20, 20, 20, 40)
    assert row.observed == pytest.approx(0.6)
    assert row.kappa == pytest.approx(1 / 6)


def test_second_hand_worked_example_with_overlapping_passages_of_one_coder():
    # 50 characters. Coder 1: [0, 10) and [5, 20) → union [0, 20) = 20 characters.
    # Coder 2: [0, 15) and [30, 35) = 20 characters. both = 15, first only = 5, second only = 5,
    # neither = 25. po = 40/50 = 0.8; p1 = p2 = 0.4; pe = 0.16 + 0.36 = 0.52;
    # kappa = 0.28 / 0.48 = 7/12.
    row = cohen_kappa(50, [(0, 10), (5, 20)], [(0, 15), (30, 35)])
    assert (row.both, row.first_only, row.second_only, row.neither) == (15, 5, 5, 25)
    assert row.kappa == pytest.approx(7 / 12)


def test_perfect_and_undefined_agreement():
    assert cohen_kappa(100, [(10, 30)], [(10, 30)]).kappa == pytest.approx(1.0)
    # Nobody applied it: chance agreement is 1, kappa is undefined.
    assert cohen_kappa(100, [], []).kappa is None


def test_agreement_per_code_between_two_coders():
    codings = [
        SimpleNamespace(code_id=1, coder_id=7, start=0, end=40),
        SimpleNamespace(code_id=1, coder_id=8, start=20, end=60),
        SimpleNamespace(code_id=2, coder_id=7, start=70, end=80),
        SimpleNamespace(code_id=2, coder_id=9, start=70, end=80),  # a third coder is not counted
    ]
    agreement = transcript_agreement(100, codings, 7, 8)
    kappas = {row.code_id: row.kappa for row in agreement.codes}
    assert kappas[1] == pytest.approx(1 / 6)
    # Code 2: coder 7 coded 10 characters, coder 8 none: po = 0.9, p1 = 0.1, p2 = 0,
    # pe = 0.9, kappa = 0.
    assert kappas[2] == pytest.approx(0.0)
    assert agreement.mean_kappa == pytest.approx((1 / 6) / 2)
