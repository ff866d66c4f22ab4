"""Weights by raking (iterative proportional fitting) to each territory's census margins.

The rules, as the dashboard states them:

- Each territory is weighted on its own, on two margins derived from its census figures (core's
  population table for a commune, else its `PopulationCell` rows; surveys/margins.py): the
  population by age band (summed over genders) and by gender (summed over age bands). Weights sum
  to the territory's number of respondents (mean weight 1): weighting corrects the structure of
  each territory's sample, not the relative size of the territories, so a pooled figure counts each
  territory with its sample size, weighted or not.
- Respondents whose age band or gender is unknown, or whose gender is "other or not said" (no
  census margin), keep the adjustment of the margin they have: on the margin they lack they form a
  category whose target is its own sample count, so its share is left as collected. Respondents
  with neither keep a weight that only the other respondents' adjustment moves (close to 1).
- A category of the sample without a population figure (a band left empty in the margins) is
  treated like an unknown answer; a population category without any respondent is dropped and the
  other categories' targets rescaled (it cannot be represented: the collection monitor lists it).
- Trimming: weights are clipped to [weight_trim_min, weight_trim_max] × the mean weight, then raked
  again, a few rounds; the last step is a clip, so the bounds always hold and the margins are met as
  closely as the bounds allow (the largest remaining gap is reported).
- Convergence: until every weighted margin is within 1e-10 × the respondents count of its target.
- A territory without margins is not weighted (weight 1), and the dashboard says so.

Raking works on the age × gender table of counts, not on respondents: every respondent of a cell
gets the same weight, so iterating over a 7 × 3 table per territory gives the same weights as
iterating over 100,000 respondents (checked against weightipy in tests/surveys/test_weighting.py),
in microseconds. The respondents' weights are then one array lookup.
"""

import itertools
from dataclasses import dataclass, field

import numpy as np

from territoires.surveys.analytics.arrays import AGE_CODES, SurveyArrays, survey_arrays
from territoires.surveys.models import Deployment, PopulationCell, Survey

TOLERANCE = 1e-10
MAX_ITERATIONS = 1000
TRIM_ROUNDS = 20
AGES = len(AGE_CODES)  # 6 census bands; index AGES is "unknown"
GENDERS_WEIGHTED = 2  # "f", "m"; index 2 is "other, not said or unknown"
CELLS = (AGES + 1) * (GENDERS_WEIGHTED + 1)


@dataclass
class RakeResult:
    factors: np.ndarray  # weight per (age category, gender category) cell
    iterations: int
    converged: bool
    max_margin_gap: float  # largest |weighted margin - target| / respondents after trimming
    trimmed_cells: int = 0


def rake_table(
    counts: np.ndarray,
    row_targets: np.ndarray,
    column_targets: np.ndarray,
    *,
    tolerance: float = TOLERANCE,
    max_iterations: int = MAX_ITERATIONS,
    start: np.ndarray | None = None,
) -> tuple[np.ndarray, int, bool]:
    """Iterative proportional fitting of a two-way table of counts to its row and column targets.

    Returns the factor per cell (weight of each respondent of that cell), the iterations made and
    whether every margin is within `tolerance` × total of its target. Rows or columns without any
    respondent are left alone (their target cannot be met; callers drop them first).
    """
    factors = np.ones_like(counts, dtype=np.float64) if start is None else start.astype(np.float64).copy()
    total = max(float(counts.sum()), 1.0)
    for iteration in range(1, max_iterations + 1):
        weighted = counts * factors
        rows = weighted.sum(axis=1)
        adjust = np.divide(row_targets, rows, out=np.ones_like(rows), where=rows > 0)
        factors *= adjust[:, None]
        weighted = counts * factors
        columns = weighted.sum(axis=0)
        adjust = np.divide(column_targets, columns, out=np.ones_like(columns), where=columns > 0)
        factors *= adjust[None, :]
        weighted = counts * factors
        row_gap = np.abs(weighted.sum(axis=1) - row_targets)[counts.sum(axis=1) > 0]
        column_gap = np.abs(weighted.sum(axis=0) - column_targets)[counts.sum(axis=0) > 0]
        gap = max(row_gap.max(initial=0.0), column_gap.max(initial=0.0)) / total
        if gap < tolerance:
            return factors, iteration, True
    return factors, max_iterations, False


def territory_targets(counts: np.ndarray, population: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Margins to rake one territory to, following the module's rules.

    counts: (AGES + 1, 3) respondents per cell (last row: unknown age; last column: other gender).
    population: (AGES, 2) census population per age band × gender.
    Returns the counts with the unrepresentable categories moved to "unknown", and the age and
    gender targets (each summing to the respondents count).
    """
    counts = counts.astype(np.float64).copy()
    age_population = population.sum(axis=1)
    gender_population = population.sum(axis=0)
    # A sample category without population figure counts as unknown.
    for age in range(AGES):
        if age_population[age] <= 0 and counts[age].any():
            counts[AGES] += counts[age]
            counts[age] = 0
    for gender in range(GENDERS_WEIGHTED):
        if gender_population[gender] <= 0 and counts[:, gender].any():
            counts[:, GENDERS_WEIGHTED] += counts[:, gender]
            counts[:, gender] = 0
    total = counts.sum()
    age_counts = counts.sum(axis=1)
    gender_counts = counts.sum(axis=0)
    # Population categories without respondents are dropped: shares among the observed ones.
    age_share = np.where(age_counts[:AGES] > 0, age_population, 0.0)
    gender_share = np.where(gender_counts[:GENDERS_WEIGHTED] > 0, gender_population, 0.0)
    age_targets = np.zeros(AGES + 1)
    gender_targets = np.zeros(GENDERS_WEIGHTED + 1)
    known_age = total - age_counts[AGES]
    known_gender = total - gender_counts[GENDERS_WEIGHTED]
    if age_share.sum() > 0:
        age_targets[:AGES] = known_age * age_share / age_share.sum()
    age_targets[AGES] = age_counts[AGES]
    if gender_share.sum() > 0:
        gender_targets[:GENDERS_WEIGHTED] = known_gender * gender_share / gender_share.sum()
    gender_targets[GENDERS_WEIGHTED] = gender_counts[GENDERS_WEIGHTED]
    return counts, age_targets, gender_targets


def rake_territory(
    counts: np.ndarray, population: np.ndarray, *, trim_min: float | None = None, trim_max: float | None = None
) -> RakeResult:
    """Cell factors for one territory: rake, then trim and re-rake (see the module docstring)."""
    original = counts.astype(np.float64)
    counts, age_targets, gender_targets = territory_targets(original, population)
    factors, iterations, converged = rake_table(counts, age_targets, gender_targets)
    trimmed_cells = 0
    occupied = counts > 0
    respondents = max(counts.sum(), 1.0)
    if trim_min is not None and trim_max is not None and occupied.any():
        for _round in range(TRIM_ROUNDS):
            factors, clipped = _trim(factors, counts, trim_min, trim_max)
            if not clipped:
                break
            trimmed_cells = max(trimmed_cells, clipped)
            factors, more, converged = rake_table(counts, age_targets, gender_targets, start=factors)
            iterations += more
        # The last step is a trim: the bounds hold; the margins as closely as they allow.
        factors, clipped = _trim(factors, counts, trim_min, trim_max)
        trimmed_cells = max(trimmed_cells, clipped)
    weighted = counts * factors
    gaps = np.concatenate(
        [
            np.abs(weighted.sum(axis=1) - age_targets)[counts.sum(axis=1) > 0],
            np.abs(weighted.sum(axis=0) - gender_targets)[counts.sum(axis=0) > 0],
        ]
    )
    # Cells moved to "unknown" by territory_targets take the factor of the cell they joined.
    factors = _factors_for_original_cells(original, counts, factors, population)
    return RakeResult(
        factors=factors,
        iterations=iterations,
        converged=converged,
        max_margin_gap=float(gaps.max(initial=0.0) / respondents),
        trimmed_cells=trimmed_cells,
    )


def _trim(factors, counts, trim_min, trim_max) -> tuple[np.ndarray, int]:
    """Clip the weights to [trim_min, trim_max] × their mean and rescale them to a mean of 1, until
    they stay within the bounds (as weightipy's cap does). Returns the factors and how many
    occupied cells had to be clipped."""
    occupied = counts > 0
    respondents = counts.sum()
    clipped_cells = 0
    for _step in range(200):
        factors = factors / ((counts * factors).sum() / respondents)
        outside = occupied & ((factors < trim_min * (1 - 1e-12)) | (factors > trim_max * (1 + 1e-12)))
        if not outside.any():
            break
        clipped_cells = max(clipped_cells, int(outside.sum()))
        factors = np.clip(factors, trim_min, trim_max)
    return factors, clipped_cells


def _factors_for_original_cells(original, moved, factors, population) -> np.ndarray:
    age_population = population.sum(axis=1)
    gender_population = population.sum(axis=0)
    result = factors.copy()
    for age in range(AGES + 1):
        for gender in range(GENDERS_WEIGHTED + 1):
            target_age = age if age == AGES or age_population[age] > 0 else AGES
            target_gender = gender if gender == GENDERS_WEIGHTED or gender_population[gender] > 0 else GENDERS_WEIGHTED
            result[age, gender] = factors[target_age, target_gender]
    return result


def effective_sample_size(weights: np.ndarray) -> float:
    """Kish: (Σw)² / Σw²."""
    squares = float(np.square(weights).sum())  # not np.dot: see stats.weighted_mean
    return float(weights.sum()) ** 2 / squares if squares > 0 else 0.0


def design_effect(weights: np.ndarray) -> float:
    """Kish's design effect of unequal weights: n / effective sample size (1 + CV²)."""
    ess = effective_sample_size(weights)
    return weights.shape[0] / ess if ess > 0 else 1.0


@dataclass
class TerritoryWeighting:
    deployment_id: int
    respondents: int
    weighted: bool
    converged: bool = True
    iterations: int = 0
    max_margin_gap: float = 0.0
    trimmed_cells: int = 0
    effective_size: float = 0.0
    design_effect: float = 1.0
    min_weight: float = 1.0
    max_weight: float = 1.0


_generations = itertools.count(1)


@dataclass
class Weighting:
    weights: np.ndarray
    territories: dict = field(default_factory=dict)  # deployment id -> TerritoryWeighting
    population: dict = field(default_factory=dict)  # deployment id -> (AGES, 2) array
    # Distinct for every computed weighting: caches of figures derived from it are keyed on it.
    generation: int = field(default_factory=lambda: next(_generations))

    @property
    def any_weighted(self) -> bool:
        return any(territory.weighted for territory in self.territories.values())


def cell_index(arrays: SurveyArrays) -> np.ndarray:
    """Per respondent: age category × 3 + gender category (unknowns last)."""
    age = np.where(arrays.age >= 0, arrays.age, AGES).astype(np.int32)
    gender = np.where((arrays.gender >= 0) & (arrays.gender < GENDERS_WEIGHTED), arrays.gender, GENDERS_WEIGHTED)
    return age * (GENDERS_WEIGHTED + 1) + gender


def population_by_deployment(survey: Survey) -> dict[int, np.ndarray]:
    """{deployment id: (age bands × f/m) population}: the commune's census from core's population
    table where it has one, else the territory's own margins (surveys/margins.py); two queries."""
    from territoires.surveys.margins import census_margins

    gender_codes = ("f", "m")
    result = {}
    for deployment_id, age_band, gender, population in PopulationCell.objects.filter(
        deployment__survey=survey
    ).values_list("deployment_id", "age_band", "gender", "population"):
        if age_band in AGE_CODES and gender in gender_codes:
            table = result.setdefault(deployment_id, np.zeros((AGES, GENDERS_WEIGHTED)))
            table[AGE_CODES.index(age_band), gender_codes.index(gender)] = population
    deployments = Deployment.objects.filter(survey=survey).select_related("participation__organisation")
    for deployment_id, census in census_margins(deployments).items():
        table = result[deployment_id] = np.zeros((AGES, GENDERS_WEIGHTED))
        for (age_band, gender), population in census["cells"].items():
            table[AGE_CODES.index(age_band), gender_codes.index(gender)] = population
    return result


def compute_weighting(
    arrays: SurveyArrays, population: dict, *, trim_min: float | None, trim_max: float | None
) -> Weighting:
    cells = cell_index(arrays)
    territories = len(arrays.deployment_ids)
    counts = np.bincount(arrays.deployment.astype(np.int64) * CELLS + cells, minlength=territories * CELLS)
    counts = counts.reshape(territories, AGES + 1, GENDERS_WEIGHTED + 1) if territories else counts
    factors = np.ones((max(territories, 1), AGES + 1, GENDERS_WEIGHTED + 1))
    reports = {}
    for position, deployment_id in enumerate(arrays.deployment_ids):
        table = population.get(deployment_id)
        respondents = int(counts[position].sum())
        if table is None or table.sum() <= 0 or respondents == 0:
            reports[deployment_id] = TerritoryWeighting(deployment_id, respondents, weighted=False)
            continue
        result = rake_territory(counts[position], table, trim_min=trim_min, trim_max=trim_max)
        factors[position] = result.factors
        reports[deployment_id] = TerritoryWeighting(
            deployment_id,
            respondents,
            weighted=True,
            converged=result.converged,
            iterations=result.iterations,
            max_margin_gap=result.max_margin_gap,
            trimmed_cells=result.trimmed_cells,
        )
    weights = factors.reshape(-1)[arrays.deployment.astype(np.int64) * CELLS + cells] if arrays.size else np.ones(0)
    for position, deployment_id in enumerate(arrays.deployment_ids):
        report = reports[deployment_id]
        territory_weights = weights[arrays.deployment == position]
        if territory_weights.size:
            report.effective_size = effective_sample_size(territory_weights)
            report.design_effect = design_effect(territory_weights)
            report.min_weight = float(territory_weights.min())
            report.max_weight = float(territory_weights.max())
    return Weighting(weights=weights, territories=reports, population=population)


def survey_weighting(survey: Survey, arrays: SurveyArrays | None = None) -> Weighting:
    """The survey's weights, cached with its arrays until an answer or a margin changes."""
    if arrays is None:
        arrays = survey_arrays(survey)
    population = population_by_deployment(survey)
    signature = (
        arrays.size,
        survey.weight_trim_min,
        survey.weight_trim_max,
        tuple(sorted((key, table.tobytes()) for key, table in population.items())),
    )
    cached = arrays.weights_cache.get("weighting")
    if cached is not None and cached[0] == signature:
        return cached[1]
    weighting = compute_weighting(arrays, population, trim_min=survey.weight_trim_min, trim_max=survey.weight_trim_max)
    arrays.weights_cache["weighting"] = (signature, weighting)
    return weighting


def weights_for(survey: Survey) -> dict[int, float]:
    """{response id: weight} for exports (1.0 in territories without margins)."""
    arrays = survey_arrays(survey)
    weighting = survey_weighting(survey, arrays)
    return dict(zip(arrays.response_ids.tolist(), weighting.weights.tolist(), strict=True))


def weight_arrays_for(survey: Survey) -> tuple[np.ndarray, np.ndarray]:
    """(response ids, weights), both in id order: cheaper than a dict for 100,000 rows."""
    arrays = survey_arrays(survey)
    return arrays.response_ids, survey_weighting(survey, arrays).weights
