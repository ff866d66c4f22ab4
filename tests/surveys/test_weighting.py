"""Raking weights, checked against weightipy (a maintained raking library) on the same data."""

import numpy as np
import pandas as pd
import pytest
import weightipy

from territoires.surveys.analytics.arrays import SurveyArrays
from territoires.surveys.analytics.weighting import (
    AGES,
    compute_weighting,
    design_effect,
    effective_sample_size,
    rake_table,
)

AGE_CODES = ["15-24", "25-34", "35-49", "50-64", "65-79", "80+"]


def synthetic(seed=1, territories=4, size=3000, unknown_share=0.0):
    """Respondents with a skewed age × gender structure, as a survey collected on the street."""
    rng = np.random.default_rng(seed)
    deployment = rng.integers(0, territories, size).astype(np.int16)
    age = rng.choice(AGES, size, p=[0.08, 0.12, 0.25, 0.3, 0.2, 0.05]).astype(np.int8)
    gender = rng.choice(3, size, p=[0.6, 0.37, 0.03]).astype(np.int8)  # f, m, x
    if unknown_share:
        age[rng.random(size) < unknown_share] = -1
        gender[rng.random(size) < unknown_share] = -1
    arrays = SurveyArrays(
        survey_id=1,
        structure_version=1,
        variables=[],
        deployment_ids=list(range(100, 100 + territories)),
        response_ids=np.arange(1, size + 1, dtype=np.int64),
        deployment=deployment,
        channel=np.zeros(size, dtype=np.int8),
        age=age,
        gender=gender,
        day=np.zeros(size, dtype=np.int32),
        columns={},
    )
    population = {100 + t: rng.integers(800, 9000, size=(AGES, 2)).astype(np.float64) for t in range(territories)}
    return arrays, population


def weightipy_weights(arrays, population, position):
    """One weightipy call for one territory, targets in percent derived from the census margins
    (unknowns kept at their sample share, as our rule says)."""
    rows = arrays.deployment == position
    age = np.array([AGE_CODES[a] if a >= 0 else "na" for a in arrays.age[rows]])
    gender = np.array(["f" if g == 0 else "m" if g == 1 else "na" for g in arrays.gender[rows]])
    n = rows.sum()
    table = population[arrays.deployment_ids[position]]
    age_na, gender_na = (age == "na").sum(), (gender == "na").sum()
    age_targets = {code: (n - age_na) / n * 100 * table[i].sum() / table.sum() for i, code in enumerate(AGE_CODES)}
    gender_targets = {code: (n - gender_na) / n * 100 * table[:, i].sum() / table.sum() for i, code in enumerate("fm")}
    if age_na:
        age_targets["na"] = age_na / n * 100
    if gender_na:
        gender_targets["na"] = gender_na / n * 100
    scheme = weightipy.scheme_from_dict({"age": age_targets, "gender": gender_targets})
    frame = pd.DataFrame({"age": age, "gender": gender})
    return weightipy.weight(frame, scheme).to_numpy()


@pytest.mark.parametrize("unknown_share", [0.0, 0.05])
def test_weights_match_weightipy_to_1e_6(unknown_share):
    arrays, population = synthetic(unknown_share=unknown_share)
    weighting = compute_weighting(arrays, population, trim_min=None, trim_max=None)
    for position in range(len(arrays.deployment_ids)):
        ours = weighting.weights[arrays.deployment == position]
        theirs = weightipy_weights(arrays, population, position)
        assert np.max(np.abs(ours - theirs)) < 1e-6
        assert weighting.territories[arrays.deployment_ids[position]].converged


def test_weighted_margins_equal_the_census_shares():
    arrays, population = synthetic(seed=3)
    weights = compute_weighting(arrays, population, trim_min=None, trim_max=None).weights
    rows = arrays.deployment == 0
    table = population[arrays.deployment_ids[0]]
    known_gender = rows & (arrays.gender >= 0) & (arrays.gender < 2)
    age_weighted = np.bincount(arrays.age[rows], weights=weights[rows], minlength=AGES)
    assert np.allclose(age_weighted / age_weighted.sum(), table.sum(axis=1) / table.sum(), atol=1e-9)
    gender_weighted = np.bincount(arrays.gender[known_gender], weights=weights[known_gender], minlength=2)
    assert np.allclose(gender_weighted / gender_weighted.sum(), table.sum(axis=0) / table.sum(), atol=1e-9)
    # Each territory's weights sum to its respondents: pooled figures keep the territories' sizes.
    assert weights[rows].sum() == pytest.approx(rows.sum(), rel=1e-9)


def test_trimming_keeps_weights_within_the_bounds_and_near_the_margins():
    arrays, population = synthetic(seed=5)
    # A very rare group (men aged 80+) that raking would blow up.
    population[100][5, 1] = 60000
    untrimmed = compute_weighting(arrays, population, trim_min=None, trim_max=None).weights
    trimmed = compute_weighting(arrays, population, trim_min=0.3, trim_max=3.0)
    rows = arrays.deployment == 0
    assert untrimmed[rows].max() > 3.0
    weights = trimmed.weights[rows]
    mean = weights.mean()
    assert weights.max() <= 3.0 * mean * (1 + 1e-9)
    assert weights.min() >= 0.3 * mean * (1 - 1e-9)
    report = trimmed.territories[100]
    assert report.trimmed_cells >= 1
    assert report.effective_size > effective_sample_size(untrimmed[rows])


def test_effective_sample_size_and_design_effect():
    assert effective_sample_size(np.ones(10)) == pytest.approx(10)
    assert design_effect(np.ones(10)) == pytest.approx(1)
    weights = np.array([1.0, 2.0, 3.0])
    assert effective_sample_size(weights) == pytest.approx(36 / 14)
    assert design_effect(weights) == pytest.approx(3 / (36 / 14))


def test_territory_without_margins_is_not_weighted():
    arrays, population = synthetic(seed=7, territories=2)
    del population[101]
    weighting = compute_weighting(arrays, population, trim_min=0.2, trim_max=5)
    assert not weighting.territories[101].weighted
    assert np.all(weighting.weights[arrays.deployment == 1] == 1.0)
    assert weighting.territories[100].weighted


def test_band_without_population_counts_as_unknown_and_empty_band_is_dropped():
    arrays, population = synthetic(seed=9, territories=1)
    population[100][0] = 0  # no census figure for 15-24: those respondents are "unknown age"
    arrays.age[arrays.age == 5] = 4  # nobody aged 80+: that population band is dropped
    weighting = compute_weighting(arrays, population, trim_min=None, trim_max=None)
    report = weighting.territories[100]
    assert report.converged
    assert np.all(np.isfinite(weighting.weights)) and np.all(weighting.weights > 0)
    young = arrays.age == 0
    assert young.any()
    assert weighting.weights.sum() == pytest.approx(arrays.age.size)


def test_rake_table_known_example():
    # Deming & Stephan style 2 × 2: rows 50/50, columns 30/70.
    counts = np.array([[20.0, 30.0], [10.0, 40.0]])
    factors, _iterations, converged = rake_table(counts, np.array([50.0, 50.0]), np.array([30.0, 70.0]))
    weighted = counts * factors
    assert converged
    assert np.allclose(weighted.sum(axis=1), [50, 50], atol=1e-8)
    assert np.allclose(weighted.sum(axis=0), [30, 70], atol=1e-8)
