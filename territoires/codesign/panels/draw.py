"""The draw itself: a pool of volunteers and quotas in, a panel and each category's selection
probability out, computed by the sortition-algorithms package (pinned in requirements/base.in).

No Django here, so that the draw, its replay and the benchmark call exactly the same function.

Algorithms offered (what works offline, without a commercial solver):
- "maximin" (default): the distribution over panels that maximises the smallest selection
  probability of any volunteer (Flanigan et al., 2021), by column generation with the HiGHS solver
  the package ships; exact, but it solves one integer programme per volunteer to start with, so it
  suits pools of a few hundred volunteers (make bench ONLY=codesign.draw measures it);
- "nash": maximises the product of the selection probabilities (same paper), same solver plus the
  convex solver the package depends on; same scale as maximin;
- "legacy": the package's original stratified greedy draw (the Sortition Foundation's historic
  method): seconds for thousands of volunteers, but it does not equalise probabilities.
"leximin" is not offered: it needs Gurobi, a commercial solver; without it the package itself
silently falls back to maximin, so offering it would publish a record naming an algorithm that did
not run.

Replay: the package draws its random numbers from Python's `random` seeded with the recorded seed
(`set_random_provider`), and the HiGHS solver is seeded from it too. Volunteers are keyed by
integers (their position in the pool, sorted by id), never by strings, so that the iteration order
of the package's sets of panels does not depend on the process's string-hash seed: the same pool,
quotas and seed give the same panel in any process (tests/codesign/test_panels.py replays in a
subprocess with another PYTHONHASHSEED).
"""

import contextlib
import ctypes
import os
import random
import secrets
import sys
import threading
from dataclasses import dataclass, field

ALGORITHMS = ("maximin", "nash", "legacy")
SEED_MAX = 2**31 - 1


class DrawRefused(Exception):
    """The quotas cannot be met by this pool: `short` names each stratum (feature, value, needed,
    available) that is short; `messages` says it in French."""

    def __init__(self, messages: list[str], short: list[tuple[str, str, int, int]] | None = None):
        super().__init__("; ".join(messages))
        self.messages = messages
        self.short = short or []


@dataclass
class DrawOutcome:
    selected: list[int]  # positions in the pool
    # {feature: {value: probability}}: the mean selection probability of the pool's members of each
    # category under the computed distribution (maximin, nash); for "legacy", which computes no
    # distribution, the share of the category's volunteers that was drawn.
    probabilities: dict[str, dict[str, float]] = field(default_factory=dict)
    pool_counts: dict[str, dict[str, int]] = field(default_factory=dict)
    selected_counts: dict[str, dict[str, int]] = field(default_factory=dict)
    probabilities_exact: bool = True


def new_seed() -> int:
    return secrets.randbelow(SEED_MAX - 1) + 1  # never 0: the package reads 0 as "no seed"


def pool_counts(pool: list[dict[str, str]], quotas: dict[str, dict[str, list[int]]]) -> dict[str, dict[str, int]]:
    counts = {feature: dict.fromkeys(values, 0) for feature, values in quotas.items()}
    for person in pool:
        for feature in quotas:
            value = person.get(feature)
            if value in counts[feature]:
                counts[feature][value] += 1
    return counts


def check_feasible(pool, quotas, seats: int, labels=None) -> None:
    """Refuse, before drawing, quotas that this pool or this number of seats cannot meet, naming
    the stratum. `labels` maps (feature, value) and feature to what the reader calls them."""
    from django.utils.translation import gettext as _

    labels = labels or {}
    messages, short = [], []
    if seats < 1:
        raise DrawRefused([_("Le nombre de personnes à tirer au sort doit être d'au moins 1.")])
    if len(pool) < seats:
        raise DrawRefused(
            [_("Le vivier compte %(pool)s volontaires pour %(seats)s places.") % {"pool": len(pool), "seats": seats}]
        )
    counts = pool_counts(pool, quotas)
    for feature, values in quotas.items():
        feature_label = labels.get(feature, feature)
        total_min = sum(bounds[0] for bounds in values.values())
        total_max = sum(min(bounds[1], counts[feature][value]) for value, bounds in values.items())
        if total_min > seats:
            messages.append(
                _("%(feature)s : les minimums additionnés (%(sum)s) dépassent les %(seats)s places.")
                % {"feature": feature_label, "sum": total_min, "seats": seats}
            )
        if total_max < seats:
            messages.append(
                _(
                    "%(feature)s : les maximums (limités au nombre de volontaires) ne permettent que %(sum)s "
                    "personnes pour %(seats)s places."
                )
                % {"feature": feature_label, "sum": total_max, "seats": seats}
            )
        for value, (low, _high) in values.items():
            if counts[feature][value] < low:
                short.append((feature, value, low, counts[feature][value]))
                messages.append(
                    _(
                        "Strate « %(feature)s : %(value)s » : il en faut au moins %(low)s, le vivier n'en compte que %(count)s."
                    )
                    % {
                        "feature": feature_label,
                        "value": labels.get((feature, value), value),
                        "low": low,
                        "count": counts[feature][value],
                    }
                )
    if messages:
        raise DrawRefused(messages, short)
    check_jointly_feasible(pool, quotas, seats, labels)


_banner_lock = threading.Lock()
_banner_silenced = False


def silence_solver_banner() -> None:
    """HiGHS prints its banner ("Running HiGHS … Copyright …") on the process's standard output when
    the process builds its first solver, before the package can turn `output_flag` off (it does,
    right after, and passes no option that would act sooner); later solvers print nothing. So the
    first one is built here, once per process, with file descriptor 1 pointed at /dev/null — a
    redirect of a few microseconds, rather than one around every draw, which would swallow whatever
    another thread prints meanwhile. The draw itself is untouched: this solver solves nothing."""
    global _banner_silenced
    if _banner_silenced:
        return
    with _banner_lock:
        if _banner_silenced:
            return
        import highspy

        sys.stdout.flush()
        try:
            saved = os.dup(1)
        except OSError:  # no standard output at all: nothing to protect
            highspy.Highs()
        else:
            try:
                with open(os.devnull, "w") as devnull:
                    os.dup2(devnull.fileno(), 1)
                    try:
                        highspy.Highs()
                    finally:
                        _flush_c_stdout()  # the banner must not sit in C's buffer until after the restore
                        os.dup2(saved, 1)
            finally:
                os.close(saved)
        _banner_silenced = True


def _flush_c_stdout() -> None:
    # Without a C library that exposes fflush there is nothing to do: HiGHS flushes its own lines.
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None).fflush(None)


def check_jointly_feasible(pool, quotas, seats: int, labels=None) -> None:
    """Each stratum may have enough people and the quotas still be impossible together (the only
    women are all 80 or over…): one integer programme of the package says so, and proposes the
    smallest relaxation, whose strata we name."""
    from sortition_algorithms import errors
    from sortition_algorithms.committee_generation import find_any_committee

    silence_solver_banner()
    features = _features(quotas)
    try:
        find_any_committee(features, _people(pool, features), seats, [])
    except (errors.InfeasibleQuotasError, errors.InfeasibleQuotasCantRelaxError, errors.SelectionError) as error:
        raise _joint_refusal(error, quotas, labels or {}) from error


def _features(quotas):
    from sortition_algorithms.features import FeatureValueMinMax, set_default_max_flex

    features = {
        feature: {value: FeatureValueMinMax(min=int(low), max=int(high)) for value, (low, high) in values.items()}
        for feature, values in quotas.items()
    }
    set_default_max_flex(features)
    return features


def _people(pool, features):
    from sortition_algorithms.people import People

    people = People([])
    for position, person in enumerate(pool):
        people.add(position, {feature: person[feature] for feature in features}, features, position)
    return people


def _joint_refusal(error, quotas, labels) -> DrawRefused:
    """The package proves the quotas jointly infeasible and proposes the smallest relaxation: name
    the strata it would relax."""
    from django.utils.translation import gettext as _

    relaxed = error.features if hasattr(error, "features") else None
    messages, short = [], []
    if relaxed:
        for feature, values in quotas.items():
            for value, (low, high) in values.items():
                new = relaxed[feature][value]
                if new.min < low or new.max > high:
                    short.append((feature, value, low, new.min))
                    messages.append(
                        _(
                            "Strate « %(feature)s : %(value)s » : ces quotas ne peuvent être tenus ensemble avec ce "
                            "vivier ; il faudrait un minimum de %(new_min)s (au lieu de %(low)s) et un maximum de "
                            "%(new_max)s (au lieu de %(high)s)."
                        )
                        % {
                            "feature": labels.get(feature, feature),
                            "value": labels.get((feature, value), value),
                            "new_min": new.min,
                            "low": low,
                            "new_max": new.max,
                            "high": high,
                        }
                    )
    if not messages:
        messages.append(_("Les quotas ne peuvent être tenus ensemble avec ce vivier : élargissez-les."))
    return DrawRefused(messages, short)


def draw(pool: list[dict[str, str]], quotas, seats: int, *, algorithm: str, seed: int, labels=None) -> DrawOutcome:
    """Draw `seats` people from `pool` (a list of {feature: value}, in a fixed order) within
    `quotas` ({feature: {value: [min, max]}}), with `algorithm` and `seed`."""
    from sortition_algorithms import errors
    from sortition_algorithms.committee_generation import (
        find_distribution_maximin,
        find_distribution_nash,
        find_random_sample_legacy,
        standardize_distribution,
    )
    from sortition_algorithms.core import lottery_rounding
    from sortition_algorithms.utils import set_random_provider

    if algorithm not in ALGORITHMS:
        raise ValueError(algorithm)
    if not 1 <= seed <= SEED_MAX:
        raise ValueError(seed)
    labels = labels or {}
    check_feasible(pool, quotas, seats, labels)
    silence_solver_banner()
    features = _features(quotas)
    people = _people(pool, features)
    set_random_provider(seed)
    try:
        if algorithm == "legacy":
            lottery, _report = find_random_sample_legacy(people, features, seats, [], max_attempts=10)
            committee = lottery[0]
            marginals = None
        else:
            find = find_distribution_maximin if algorithm == "maximin" else find_distribution_nash
            committees, probabilities, _report = find(features, people, seats, [])
            committees, probabilities = standardize_distribution(committees, probabilities)
            # A canonical order before the lottery: the package keeps panels in a set.
            ordered = sorted(zip(committees, probabilities, strict=True), key=lambda pair: sorted(pair[0]))
            committees = [pair[0] for pair in ordered]
            probabilities = [pair[1] for pair in ordered]
            committee = lottery_rounding(committees, probabilities, 1)[0]
            marginals = [0.0] * len(pool)
            for panel, probability in zip(committees, probabilities, strict=True):
                for position in panel:
                    marginals[position] += probability
    except errors.InfeasibleQuotasError as error:
        raise _joint_refusal(error, quotas, labels) from error
    except (errors.SelectionError, errors.InfeasibleQuotasCantRelaxError) as error:
        raise _joint_refusal(error, quotas, labels) from error
    finally:
        set_random_provider(None)
        random.seed()  # the package seeded the process's `random`: give it back its own entropy
    selected = sorted(int(position) for position in committee)
    counts = pool_counts(pool, quotas)
    chosen = pool_counts([pool[position] for position in selected], quotas)
    result = {}
    for feature, values in quotas.items():
        result[feature] = {}
        for value in values:
            members = [i for i, person in enumerate(pool) if person[feature] == value]
            if not members:
                result[feature][value] = 0.0
            elif marginals is not None:
                result[feature][value] = round(sum(marginals[i] for i in members) / len(members), 6)
            else:
                result[feature][value] = round(chosen[feature][value] / len(members), 6)
    return DrawOutcome(
        selected=selected,
        probabilities=result,
        pool_counts=counts,
        selected_counts=chosen,
        probabilities_exact=marginals is not None,
    )
