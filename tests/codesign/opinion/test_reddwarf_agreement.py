"""Our results agree with red-dwarf (pol.is's method in Python) on the same votes.

Agreement means, on a clear synthetic conversation (three groups of 50, 40 and 30 people, 20
statements, each person voting on about 80 % of them, 95 % along their group's line):
- the same number of groups;
- the same partition up to the groups' labels: adjusted Rand index exactly 1.0;
- for each group, the same representative statements, in the same order and direction;
- the same group-aware consensus for every statement (to 1e-12).
red-dwarf runs with its defaults (pol.is's: 7 votes, k from 2 to 5 by silhouette, 90 %); ours
with the "standard" configuration.
"""

import warnings

import numpy as np
import pytest
from sklearn.metrics import adjusted_rand_score

from territoires.codesign.opinion.compute import CONFIGS, opinion_compute

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    reddwarf_polis = pytest.importorskip("reddwarf.implementations.polis")


def synthetic(seed=1, sizes=(50, 40, 30), statements=20, consistency=0.95):
    rng = np.random.default_rng(seed)
    groups = np.repeat(np.arange(len(sizes)), sizes)
    prefs = rng.choice([-1, 1], size=(len(sizes), statements))
    prefs[:, 0] = 1
    prefs[:, 1] = -1
    matrix = np.full((len(groups), statements), np.nan)
    votes = []
    for person, group in enumerate(groups):
        for statement in range(statements):
            if rng.random() < 0.8:
                value = prefs[group, statement] if rng.random() < consistency else rng.choice([-1, 0, 1])
                matrix[person, statement] = value
                votes.append({"participant_id": person, "statement_id": statement, "vote": int(value), "modified": 1})
    return matrix, votes, groups


@pytest.fixture(scope="module")
def both():
    matrix, votes, truth = synthetic()
    ours = opinion_compute(matrix, CONFIGS["standard"])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        theirs = reddwarf_polis.run_pipeline(votes=votes, random_state=0)
    their_labels = theirs.participants_df["cluster_id"].astype(float).to_numpy()
    return ours, theirs, their_labels, truth


def test_same_number_of_groups(both):
    ours, _theirs, their_labels, _truth = both
    assert ours["k"] == len(set(their_labels[~np.isnan(their_labels)])) == 3


def test_same_partition_up_to_labels(both):
    ours, _theirs, their_labels, truth = both
    grouped = ~np.isnan(their_labels)
    assert (ours["labels"][grouped] >= 0).all()
    assert adjusted_rand_score(ours["labels"][grouped], their_labels[grouped]) == 1.0
    assert adjusted_rand_score(ours["labels"], truth) == 1.0


def test_same_representative_statements(both):
    ours, theirs, their_labels, _truth = both
    for group in range(ours["k"]):
        members = ours["labels"] == group
        their_group = int(np.bincount(their_labels[members].astype(int)).argmax())
        mine = [(entry["statement"], entry["direction"]) for entry in ours["repness"][group]]
        expected = [(int(entry["tid"]), entry["repful-for"]) for entry in theirs.repness[their_group]]
        assert mine == expected
        assert mine  # each group has some


def test_same_group_aware_consensus(both):
    ours, theirs, _labels, _truth = both
    expected = theirs.statements_df["group-aware-consensus-agree"].to_numpy()
    assert np.allclose(ours["group_aware_consensus"]["agree"], expected, atol=1e-12)
    expected = theirs.statements_df["group-aware-consensus-disagree"].to_numpy()
    assert np.allclose(ours["group_aware_consensus"]["disagree"], expected, atol=1e-12)
    # The statement everyone agrees with is our first consensus statement.
    assert 0 in [entry["statement"] for entry in ours["consensus"]["agree"]]
    assert 1 in [entry["statement"] for entry in ours["consensus"]["disagree"]]
