"""The opinion map's computation, from a vote matrix to groups, representative statements and
consensus statements. Pure numpy and scikit-learn: no database here (services.py loads the votes,
the task stores the result). Checked against the red-dwarf package (pol.is's method in Python) in
tests/codesign/opinion/test_reddwarf_agreement.py.

Notation: the matrix V has one row per participant and one column per statement; V[i, c] is 1
(agree), -1 (disagree), 0 (pass) or missing (no vote).

1. **Who is placed in groups.** A participant with fewer than `min_votes` votes is projected on the
   map but belongs to no group and counts in no statistic (pol.is: 7 votes).
2. **Projection (PCA).** Each missing vote is replaced by its statement's mean over all
   participants; the columns are centred and the first two principal components kept. A
   participant who voted on few statements would sit near the centre only for lack of votes, so
   their coordinates are multiplied by sqrt(m / max(1, votes_i)) — m statements, votes_i the
   statements they voted on (pol.is's sparsity-aware scaling).
3. **Groups (k-means).** k-means on the 2-D coordinates of the grouped participants, for each k
   of `k_range`; the k with the highest silhouette score wins (silhouette on a fixed random sample
   of `silhouette_sample` points for large conversations).
4. **Statistics per group g and statement c** (pseudo-count 1, so that 0 of 0 is not a certainty),
   with n = votes of the group's members on c (agree, disagree or pass), a = agrees, d = disagrees:
     - p_agree(g, c) = (1 + a) / (2 + n), p_disagree likewise with d;
     - one-proportion test of agreement: pat = 2·sqrt(n + 1)·((a + 1)/(n + 1) − 1/2) (a z-score:
       is the group's agreement above one half?), pdt likewise with d;
     - representativeness ra = p_agree(g, c) / p_agree(not g, c), "not g" being the other grouped
       participants; rd likewise;
     - two-proportion test rat = (π1 − π2) / sqrt(π̂(1 − π̂)(1/(n_g + 1) + 1/(n_o + 1))), with
       π1 = (a_g + 1)/(n_g + 1), π2 = (a_o + 1)/(n_o + 1), π̂ = (a_g + a_o + 2)/(n_g + n_o + 2)
       (is agreement in g above agreement outside?), rdt likewise.
   A test is significant when z > the one-tailed normal quantile of `confidence` (1.2816 at 90 %).
5. **Representative statements of a group.** A statement represents the group for agreement when
   pat and rat are both significant, for disagreement when pdt and rdt are; its direction is the
   one of the larger of rat and rdt; statements are ordered by repness × repness test ×
   probability × probability test in that direction. The group's best agreed statement comes
   first (so that each group shows something it agrees with): the first statement with some vote
   that is either significantly agreed (pat) or more agreed than outside (ra > 1 and p_agree > ½),
   then any better one by ra·rat·pa·pat (or pa·pat while the best has ra ≤ 1). When nothing is
   significant the statement with the highest max(rat, rdt) stands alone. At most `pick_max`,
   agreements before disagreements.
6. **Consensus across groups.** Group-aware consensus of agreement: GAC_a(c) = Π_g p_agree(g, c)
   (high only when every group agrees), GAC_d likewise. A statement is a consensus statement for
   agreement when, in every group, p_agree > ½ and pat is significant; ranked by GAC_a; at most
   `pick_max` per direction.

Two documented configurations (`CONFIGS`): "standard" is pol.is's (7 votes, 2 to 5 groups, 90 %);
"small" is for panels of 30 to 300 people, where pol.is shows nothing: a participant counts from 3
votes (or all statements when there are fewer), 2 or 3 groups, no group under 3 people (a k that
makes one is skipped), significance at 80 % (z > 0.8416): with 10 people in a group, 8 agreeing
out of 10 is then enough to represent it.
"""

import warnings
from dataclasses import asdict, dataclass

import numpy as np
from scipy.stats import norm
from sklearn.cluster import KMeans
from sklearn.decomposition import PCA
from sklearn.metrics import silhouette_score

AGREE, DISAGREE, PASS = 1, -1, 0
SMALL_PANEL_LIMIT = 300


@dataclass(frozen=True)
class Config:
    name: str
    min_votes: int
    k_min: int
    k_max: int
    min_group_size: int
    confidence: float
    pick_max: int = 5
    silhouette_sample: int = 2000
    random_state: int = 0

    def as_dict(self) -> dict:
        return asdict(self)


CONFIGS = {
    "standard": Config("standard", min_votes=7, k_min=2, k_max=5, min_group_size=1, confidence=0.90),
    "small": Config("small", min_votes=3, k_min=2, k_max=3, min_group_size=3, confidence=0.80),
}


def config_for(name: str, participant_count: int) -> Config:
    """ "auto" is "small" up to SMALL_PANEL_LIMIT participants, "standard" beyond."""
    if name == "auto":
        name = "small" if participant_count <= SMALL_PANEL_LIMIT else "standard"
    return CONFIGS[name]


class NotEnoughVotes(ValueError):
    """Too few participants with enough votes to draw groups."""


def vote_matrix(rows, cols, values, shape) -> np.ndarray:
    """The dense matrix (float32, NaN where no vote) from three aligned arrays of indices/values."""
    matrix = np.full(shape, np.nan, dtype=np.float32)
    matrix[np.asarray(rows, dtype=np.intp), np.asarray(cols, dtype=np.intp)] = np.asarray(values, dtype=np.float32)
    return matrix


def project(matrix: np.ndarray, random_state: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Step 2: the participants' 2-D coordinates and the two components (one weight per statement)."""
    voted = ~np.isnan(matrix)
    counts = voted.sum(axis=0)
    means = np.where(counts > 0, np.nansum(matrix, axis=0) / np.maximum(counts, 1), 0.0).astype(np.float32)
    filled = np.where(voted, matrix, means)
    n_components = min(2, filled.shape[0], filled.shape[1])
    pca = PCA(n_components=n_components, random_state=random_state)
    with warnings.catch_warnings():
        # Votes all alike have no variance to explain: the points then coincide, and
        # choose_groups finds no groups (NotEnoughVotes), which is the answer to give.
        warnings.simplefilter("ignore", RuntimeWarning)
        coords = pca.fit_transform(filled)
    if n_components < 2:
        coords = np.hstack([coords, np.zeros((coords.shape[0], 2 - n_components))])
    scale = np.sqrt(matrix.shape[1] / np.maximum(1, voted.sum(axis=1)))
    return coords * scale[:, None], pca.components_


def choose_groups(points: np.ndarray, config: Config) -> tuple[np.ndarray, int, dict[int, float]]:
    """Step 3: labels (0..k-1), the chosen k and the silhouette of each k tried."""
    distinct = len(np.unique(points.round(9), axis=0))
    scores: dict[int, float] = {}
    best = None
    sample = min(config.silhouette_sample, len(points))
    for k in range(config.k_min, config.k_max + 1):
        if k > distinct or k * config.min_group_size > len(points):
            break
        model = KMeans(n_clusters=k, n_init="auto", random_state=config.random_state).fit(points)
        labels = model.labels_
        if np.bincount(labels, minlength=k).min() < config.min_group_size:
            continue
        score = float(
            silhouette_score(
                points, labels, sample_size=sample if sample < len(points) else None, random_state=config.random_state
            )
        )
        scores[k] = score
        if best is None or score > best[1]:
            best = (k, score, labels)
    if best is None:
        raise NotEnoughVotes
    return _ordered_labels(best[2], best[0]), best[0], scores


def _ordered_labels(labels: np.ndarray, k: int) -> np.ndarray:
    """Groups numbered by decreasing size (then first member), so that "group A" is stable."""
    sizes = np.bincount(labels, minlength=k)
    first = np.array([np.argmax(labels == g) for g in range(k)])
    order = sorted(range(k), key=lambda g: (-sizes[g], first[g]))
    mapping = np.empty(k, dtype=np.intp)
    for new, old in enumerate(order):
        mapping[old] = new
    return mapping[labels]


def _counts(matrix: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(agrees, disagrees, votes) per statement over the rows given."""
    return (
        (matrix == AGREE).sum(axis=0),
        (matrix == DISAGREE).sum(axis=0),
        (~np.isnan(matrix)).sum(axis=0),
    )


def one_prop_z(successes, n):
    return 2 * np.sqrt(n + 1) * ((successes + 1) / (n + 1) - 0.5)


def two_prop_z(succ_in, n_in, succ_out, n_out):
    p1 = (succ_in + 1) / (n_in + 1)
    p2 = (succ_out + 1) / (n_out + 1)
    pooled = (succ_in + succ_out + 2) / (n_in + n_out + 2)
    with np.errstate(divide="ignore", invalid="ignore"):
        z = (p1 - p2) / np.sqrt(pooled * (1 - pooled) * (1 / (n_in + 1) + 1 / (n_out + 1)))
    return np.where(np.isfinite(z), z, 0.0)


def group_statistics(matrix: np.ndarray, labels: np.ndarray, k: int) -> dict[str, np.ndarray]:
    """Step 4: arrays of shape (k, m) for each statistic."""
    total_a, total_d, total_n = _counts(matrix)
    stats = {
        key: np.zeros((k, matrix.shape[1]))
        for key in ("na", "nd", "ns", "pa", "pd", "pat", "pdt", "ra", "rd", "rat", "rdt")
    }
    for g in range(k):
        a, d, n = _counts(matrix[labels == g])
        oa, od, on = total_a - a, total_d - d, total_n - n
        pa, pd_ = (1 + a) / (2 + n), (1 + d) / (2 + n)
        stats["na"][g], stats["nd"][g], stats["ns"][g] = a, d, n
        stats["pa"][g], stats["pd"][g] = pa, pd_
        stats["pat"][g], stats["pdt"][g] = one_prop_z(a, n), one_prop_z(d, n)
        stats["ra"][g] = pa / ((1 + oa) / (2 + on))
        stats["rd"][g] = pd_ / ((1 + od) / (2 + on))
        stats["rat"][g], stats["rdt"][g] = two_prop_z(a, n, oa, on), two_prop_z(d, n, od, on)
    return stats


def _entry(stats, g, c, direction: str) -> dict:
    key = "a" if direction == "agree" else "d"
    return {
        "statement": int(c),
        "direction": direction,
        "votes": int(stats["ns"][g, c]),
        "count": int(stats[f"n{key}"][g, c]),
        "probability": round(float(stats[f"p{key}"][g, c]), 4),
        "repness": round(float(stats[f"r{key}"][g, c]), 4),
        "repness_test": round(float(stats[f"r{key}t"][g, c]), 4),
    }


def representative_statements(stats, g: int, config: Config, excluded=()) -> list[dict]:
    """Step 5 for group g: a list of entries (statement index, direction, figures)."""
    z = norm.ppf(config.confidence)
    m = stats["pa"].shape[1]
    candidates = [c for c in range(m) if c not in excluded]
    row = {key: value[g] for key, value in stats.items()}

    best_agree = None
    for c in candidates:
        if row["na"][c] == 0 and row["nd"][c] == 0:
            continue
        if best_agree is None:
            if row["pat"][c] > z or (row["ra"][c] > 1 and row["pa"][c] > 0.5):
                best_agree = c
        elif row["ra"][best_agree] > 1:
            metric = row["ra"] * row["rat"] * row["pa"] * row["pat"]
            if metric[c] > metric[best_agree]:
                best_agree = c
        elif row["pa"][c] * row["pat"][c] > row["pa"][best_agree] * row["pat"][best_agree]:
            best_agree = c

    significant = []
    for c in candidates:
        agree_ok = row["pat"][c] > z and row["rat"][c] > z
        disagree_ok = row["pdt"][c] > z and row["rdt"][c] > z
        if not (agree_ok or disagree_ok):
            continue
        direction = "agree" if row["rat"][c] > row["rdt"][c] else "disagree"
        key = "a" if direction == "agree" else "d"
        metric = row[f"r{key}"][c] * row[f"r{key}t"][c] * row[f"p{key}"][c] * row[f"p{key}t"][c]
        significant.append((metric, c, direction))
    significant.sort(key=lambda item: -item[0])

    if best_agree is not None:
        head = [_entry(stats, g, best_agree, "agree")]
    elif not significant and candidates:
        fallback = max(candidates, key=lambda c: max(row["rat"][c], row["rdt"][c]))
        direction = "agree" if row["rat"][fallback] > row["rdt"][fallback] else "disagree"
        head = [_entry(stats, g, fallback, direction)]
    else:
        head = []
    selected = head + [
        _entry(stats, g, c, direction) for _metric, c, direction in significant if head and c != head[0]["statement"]
    ]
    selected = selected[: config.pick_max]
    # Agreements before disagreements, each kept in its order (a stable sort).
    return sorted(selected, key=lambda entry: entry["direction"])


def consensus_statements(stats, config: Config, excluded=()) -> dict[str, list[dict]]:
    """Step 6: statements every group agrees with (or disagrees with), by group-aware consensus."""
    z = norm.ppf(config.confidence)
    result = {}
    for direction, key in (("agree", "a"), ("disagree", "d")):
        probability = stats[f"p{key}"]
        gac = probability.prod(axis=0)
        everywhere = ((probability > 0.5) & (stats[f"p{key}t"] > z)).all(axis=0)
        chosen = [c for c in np.argsort(-gac, kind="stable") if everywhere[c] and c not in excluded]
        result[direction] = [
            {"statement": int(c), "consensus": round(float(gac[c]), 4)} for c in chosen[: config.pick_max]
        ]
    return result


def group_aware_consensus(stats) -> tuple[np.ndarray, np.ndarray]:
    return stats["pa"].prod(axis=0), stats["pd"].prod(axis=0)


def opinion_compute(matrix: np.ndarray, config: Config, excluded_columns=()) -> dict:
    """Steps 1–6 on a dense matrix. Returns plain data (indices into the matrix's rows and
    columns), ready to be mapped to ids and stored as JSON. Raises NotEnoughVotes."""
    n, m = matrix.shape
    if n == 0 or m == 0:
        raise NotEnoughVotes
    vote_counts = (~np.isnan(matrix)).sum(axis=1)
    min_votes = min(config.min_votes, m)
    grouped = np.flatnonzero(vote_counts >= min_votes)
    if len(grouped) < max(2 * config.min_group_size, config.k_min + 1):
        raise NotEnoughVotes
    points, components = project(matrix, config.random_state)
    labels, k, silhouettes = choose_groups(points[grouped], config)
    grouped_matrix = matrix[grouped]
    stats = group_statistics(grouped_matrix, labels, k)
    excluded = set(excluded_columns)
    all_labels = np.full(n, -1, dtype=np.intp)
    all_labels[grouped] = labels
    gac_agree, gac_disagree = group_aware_consensus(stats)
    return {
        "config": config.as_dict(),
        "k": int(k),
        "silhouettes": {str(key): round(value, 4) for key, value in silhouettes.items()},
        "points": points.astype(np.float32),
        "labels": all_labels,
        "group_sizes": [int(size) for size in np.bincount(labels, minlength=k)],
        "repness": [representative_statements(stats, g, config, excluded) for g in range(k)],
        "consensus": consensus_statements(stats, config, excluded),
        "group_aware_consensus": {"agree": gac_agree, "disagree": gac_disagree},
        "stats": stats,
        "components": components,
    }
