"""The computation on hand-made matrices: the groups, the statistics' formulas worked by hand,
representative and consensus statements, the small-panel configuration, too few votes."""

import math

import numpy as np
import pytest

from territoires.codesign.opinion import compute
from territoires.codesign.opinion.compute import CONFIGS, NotEnoughVotes, opinion_compute

nan = np.nan


def two_camps(size_a=6, size_b=5):
    """Statement 0: everyone agrees; 1–2: camp A agrees, camp B disagrees; 3–4: the reverse;
    5: everyone disagrees."""
    row_a = [1, 1, 1, -1, -1, -1]
    row_b = [1, -1, -1, 1, 1, -1]
    return np.array([row_a] * size_a + [row_b] * size_b, dtype=float)


def test_two_camps_make_two_groups_with_their_statements_and_the_shared_ones():
    matrix = two_camps()
    result = opinion_compute(matrix, CONFIGS["small"])
    assert result["k"] == 2
    labels = result["labels"]
    assert set(labels[:6]) == {0} and set(labels[6:]) == {1}  # the larger camp is group A
    assert result["group_sizes"] == [6, 5]
    camp_a = {(entry["statement"], entry["direction"]) for entry in result["repness"][0]}
    camp_b = {(entry["statement"], entry["direction"]) for entry in result["repness"][1]}
    assert {(1, "agree"), (2, "agree")} <= camp_a
    assert {(3, "agree"), (4, "agree")} <= camp_b
    assert not camp_a & camp_b
    assert [entry["statement"] for entry in result["consensus"]["agree"]] == [0]
    assert [entry["statement"] for entry in result["consensus"]["disagree"]] == [5]
    assert result["repness"][0][0]["direction"] == "agree"  # agreements first


def test_statistics_follow_the_documented_formulas():
    # Group 0: 3 people; statement 0: 2 agree, 1 passes. Group 1: 2 people, both disagree.
    matrix = np.array([[1], [1], [0], [-1], [-1]], dtype=float)
    labels = np.array([0, 0, 0, 1, 1])
    stats = compute.group_statistics(matrix, labels, 2)
    assert stats["na"][0, 0] == 2 and stats["ns"][0, 0] == 3
    assert stats["pa"][0, 0] == pytest.approx((1 + 2) / (2 + 3))
    assert stats["pat"][0, 0] == pytest.approx(2 * math.sqrt(4) * (3 / 4 - 0.5))
    # Outside group 0: 0 agrees out of 2 → p = 1/4; ra = 0.6 / 0.25.
    assert stats["ra"][0, 0] == pytest.approx(0.6 / 0.25)
    p1, p2, pooled = 3 / 4, 1 / 3, 4 / 7
    expected = (p1 - p2) / math.sqrt(pooled * (1 - pooled) * (1 / 4 + 1 / 3))
    assert stats["rat"][0, 0] == pytest.approx(expected)
    gac_agree, gac_disagree = compute.group_aware_consensus(stats)
    assert gac_agree[0] == pytest.approx((3 / 5) * (1 / 4))
    assert gac_disagree[0] == pytest.approx((1 / 5) * (3 / 4))


def test_missing_votes_are_imputed_and_sparse_voters_scaled_outwards():
    matrix = np.array([[1, 1, nan, nan], [1, 1, 1, 1], [-1, -1, -1, -1], [-1, nan, nan, nan]], dtype=float)
    points, components = compute.project(matrix)
    assert points.shape == (4, 2) and components.shape == (2, 4)
    # The person with one vote is scaled by sqrt(4 / 1) = 2 after projection.
    filled = np.where(np.isnan(matrix), np.nanmean(matrix, axis=0), matrix)
    from sklearn.decomposition import PCA

    raw = PCA(n_components=2).fit_transform(filled)
    assert np.allclose(np.abs(points[3]), np.abs(raw[3]) * 2)
    assert np.allclose(np.abs(points[1]), np.abs(raw[1]) * 1)


def test_participants_below_the_vote_threshold_are_placed_but_in_no_group():
    matrix = two_camps()
    matrix = np.vstack([matrix, [[1, nan, nan, nan, nan, nan]]])
    result = opinion_compute(matrix, CONFIGS["small"])  # 3 votes needed
    assert result["labels"][-1] == -1
    assert sum(result["group_sizes"]) == 11


def test_the_small_panel_configuration_shows_groups_where_the_standard_one_shows_nothing():
    # 12 people, a map of 10 statements, each person voted on 5: pol.is's threshold (7) keeps nobody.
    matrix = np.hstack([two_camps(6, 6)[:, :5], np.full((12, 5), nan)])
    with pytest.raises(NotEnoughVotes):
        opinion_compute(matrix, CONFIGS["standard"])
    result = opinion_compute(matrix, CONFIGS["small"])
    assert result["k"] == 2 and result["group_sizes"] == [6, 6]


def test_auto_configuration_depends_on_the_number_of_participants():
    assert compute.config_for("auto", 30).name == "small"
    assert compute.config_for("auto", 300).name == "small"
    assert compute.config_for("auto", 301).name == "standard"
    assert compute.config_for("standard", 30).name == "standard"


def test_too_few_people_raise_not_enough_votes():
    with pytest.raises(NotEnoughVotes):
        opinion_compute(np.array([[1, 1, 1], [-1, -1, -1]], dtype=float), CONFIGS["small"])
    with pytest.raises(NotEnoughVotes):
        opinion_compute(np.zeros((0, 0)), CONFIGS["small"])


def test_identical_voters_cannot_be_split():
    matrix = np.ones((10, 4))
    with pytest.raises(NotEnoughVotes):
        opinion_compute(matrix, CONFIGS["small"])


def test_k_is_chosen_by_silhouette_among_two_to_five():
    rng = np.random.default_rng(3)
    prefs = np.array([[1, 1, -1, -1, 1, -1, 1, -1], [-1, -1, 1, 1, 1, -1, -1, 1], [1, -1, 1, -1, -1, 1, -1, -1]])
    rows = [prefs[g] * np.where(rng.random(8) < 0.95, 1, 0) for g in (0, 1, 2) for _i in range(30)]
    result = opinion_compute(np.array(rows, dtype=float), CONFIGS["standard"])
    assert result["k"] == 3
    assert max(result["silhouettes"], key=result["silhouettes"].get) == "3"
    assert set(result["silhouettes"]) <= {"2", "3", "4", "5"}
