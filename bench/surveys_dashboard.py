"""Survey dashboard and raking benchmarks, measured in-process on the 100,000-answer survey.

The data: territoires/surveys/scale.py `scale_surveys(answers=100_000)` (30 questions, 4
territories, census margins), created on the first run and reused. Server time is the time of
Django's test Client request (middleware, view, template) for a facilitator, who sees every
territory. Records:

- surveys.dashboard.full_ms: the full dashboard (30 questions, weighted, unfiltered), warm (arrays
  in memory); limit: the raw SQL `GROUP BY question, value` over the same answer rows (json_each on
  SQLite, jsonb_each on PostgreSQL), measured in the same run; target 100 ms, and ratio < 1.
- surveys.dashboard.full_cold_ms: the first request after a restart (no arrays in memory: the
  on-disk snapshot is loaded, then the rows stored after it are read); same limit and target.
- surveys.dashboard.filtered_ms: two filters (a territory and an age band); limit: the SQL
  `GROUP BY` restricted to the same rows; target 50 ms.
- surveys.dashboard.after_new_answer_ms: the first request after one new answer is stored (the
  arrays catch up, the weights are recomputed); limit: the full SQL `GROUP BY`; target 100 ms.
- surveys.raking.ms: raking 100,000 respondents on age × gender in 4 territories (weighting.py,
  with trimming); limit: a plain numpy iterative proportional fitting of the same respondents,
  written below; target ≤ 3 × the limit. The two must agree (checked, logged).

Each figure is the median of a few repetitions (the machine is shared: ratios, not absolute times).
"""

import statistics
import time
import uuid

import numpy as np

from bench.results import make_result
from bench.server import WORK_DIR

NAMES = [
    "surveys.dashboard.full_ms",
    "surveys.dashboard.full_cold_ms",
    "surveys.dashboard.filtered_ms",
    "surveys.dashboard.after_new_answer_ms",
    "surveys.raking.ms",
]
ANSWERS = 100_000
FULL_TARGET_MS = 100.0
FILTERED_TARGET_MS = 50.0
RAKING_TARGET_RATIO = 3.0
BENCH_USER = "banc-essai-animatrice@bench.invalid"


def _median_ms(function, repeat: int) -> float:
    times = []
    for _index in range(repeat):
        started = time.perf_counter()
        function()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def _facilitator(survey):
    from territoires.accounts.models import Membership, User

    user = User.objects.filter(email=BENCH_USER).first()
    if user is None:
        user = User.objects.create_user(email=BENCH_USER, password=None)
    Membership.objects.get_or_create(
        user=user,
        organisation_id=survey.project.facilitator_organisation_id,
        defaults={"role": Membership.Role.FACILITATOR},
    )
    return user


def _sql_group_by(survey, *, deployment_id=None, age_band=None) -> None:
    """The answers counted per question and value by the database itself."""
    from django.db import connection

    function = "jsonb_each" if connection.vendor == "postgresql" else "json_each"
    where, params = ["r.survey_id = %s"], [survey.pk]
    if deployment_id is not None:
        where.append("r.deployment_id = %s")
        params.append(deployment_id)
    if age_band is not None:
        where.append("r.age_band = %s")
        params.append(age_band)
    sql = (
        f"SELECT j.key, j.value, COUNT(*) FROM surveys_response r, {function}(r.answers) j "
        f"WHERE {' AND '.join(where)} GROUP BY j.key, j.value"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        cursor.fetchall()


def _plain_ipf(deployment, age, gender, population, territories, tolerance=1e-10, max_iterations=1000):
    """Textbook raking over respondents: per territory, alternately scale the weights of each age
    band and of each gender to their census totals, until the margins hold."""
    weights = np.ones(deployment.shape[0])
    for position in range(territories):
        rows = np.flatnonzero(deployment == position)
        table = population[position]
        n = rows.size
        age_here, gender_here = age[rows], gender[rows]
        age_targets = n * table.sum(axis=1) / table.sum()
        gender_targets = n * table.sum(axis=0) / table.sum()
        w = np.ones(n)
        for _iteration in range(max_iterations):
            w *= (age_targets / np.bincount(age_here, weights=w, minlength=6))[age_here]
            w *= (gender_targets / np.bincount(gender_here, weights=w, minlength=2))[gender_here]
            gap = np.abs(np.bincount(age_here, weights=w, minlength=6) - age_targets).max() / n
            if gap < tolerance:
                break
        weights[rows] = w
    return weights


def _raking(survey, log) -> tuple[float, float]:
    from territoires.surveys.analytics.arrays import survey_arrays
    from territoires.surveys.analytics.weighting import compute_weighting, population_by_deployment

    arrays = survey_arrays(survey)
    population = population_by_deployment(survey)
    # The plain IPF needs known age and f/m gender: the same respondents for both.
    known = (arrays.age >= 0) & (arrays.gender >= 0) & (arrays.gender < 2)
    deployment, age, gender = arrays.deployment[known], arrays.age[known], arrays.gender[known]
    tables = [population[pk] for pk in arrays.deployment_ids]
    territories = len(tables)

    subset = type(arrays)(**{**arrays.__dict__})
    subset.deployment, subset.age, subset.gender = deployment, age, gender
    subset.response_ids = arrays.response_ids[known]
    subset.weights_cache = {}

    def ours():
        return compute_weighting(subset, population, trim_min=None, trim_max=None)

    def plain():
        return _plain_ipf(deployment.astype(np.intp), age.astype(np.intp), gender.astype(np.intp), tables, territories)

    agreement = float(np.abs(ours().weights - plain()).max())
    log(f"  raking: {known.sum()} respondents, largest difference with the plain IPF {agreement:.2e}")
    ours_ms = _median_ms(
        lambda: compute_weighting(subset, population, trim_min=survey.weight_trim_min, trim_max=survey.weight_trim_max),
        7,
    )
    plain_ms = _median_ms(plain, 7)
    return ours_ms, plain_ms


def run(env, selected, options, log) -> list[dict]:
    from django.conf import settings
    from django.test import Client
    from django.urls import reverse

    from territoires.surveys.analytics import arrays as survey_arrays_module
    from territoires.surveys.models import Response
    from territoires.surveys.scale import scale_surveys

    settings.SURVEY_ARRAYS_DIR = WORK_DIR / "arrays"
    if "testserver" not in settings.ALLOWED_HOSTS:
        settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    log(f"Survey data: {ANSWERS:,} answers (created on the first run, reused afterwards)")
    survey = scale_surveys(answers=ANSWERS, log=None)
    client = Client()
    client.force_login(_facilitator(survey))
    url = reverse("surveys:dashboard", args=[survey.pk])
    deployment = survey.deployments.order_by("pk").first()
    filtered_url = f"{url}?territoire={deployment.pk}&age=25-34"

    def get(address):
        response = client.get(address)
        if response.status_code != 200:
            raise RuntimeError(f"{address} answered {response.status_code}")

    started = time.perf_counter()
    get(url)  # builds the arrays (or loads the snapshot) and writes the snapshot
    log(f"  first dashboard request (arrays built or loaded): {time.perf_counter() - started:.1f} s")
    survey_arrays_module.save_snapshot(survey_arrays_module.survey_arrays(survey))

    records = []
    sql_ms = _median_ms(lambda: _sql_group_by(survey), 3)
    log(f"  SQL GROUP BY over the answers: {sql_ms:.0f} ms")
    if "surveys.dashboard.full_ms" in selected:
        get(url)
        records.append(
            make_result(
                name="surveys.dashboard.full_ms",
                value=_median_ms(lambda: get(url), 7),
                unit="ms",
                target=FULL_TARGET_MS,
                better="lower",
                limit_name="sql_group_by_ms",
                limit_value=sql_ms,
            )
        )
    if "surveys.dashboard.full_cold_ms" in selected:

        def cold():
            survey_arrays_module.forget()
            started = time.perf_counter()
            get(url)
            return (time.perf_counter() - started) * 1000

        cold_ms = statistics.median(cold() for _index in range(5))
        records.append(
            make_result(
                name="surveys.dashboard.full_cold_ms",
                value=cold_ms,
                unit="ms",
                target=FULL_TARGET_MS,
                better="lower",
                limit_name="sql_group_by_ms",
                limit_value=sql_ms,
            )
        )
    if "surveys.dashboard.filtered_ms" in selected:
        filtered_sql_ms = _median_ms(lambda: _sql_group_by(survey, deployment_id=deployment.pk, age_band="25-34"), 3)
        get(filtered_url)
        records.append(
            make_result(
                name="surveys.dashboard.filtered_ms",
                value=_median_ms(lambda: get(filtered_url), 7),
                unit="ms",
                target=FILTERED_TARGET_MS,
                better="lower",
                limit_name="sql_group_by_filtered_ms",
                limit_value=filtered_sql_ms,
            )
        )
    if "surveys.dashboard.after_new_answer_ms" in selected:
        template = Response.objects.filter(survey=survey).order_by("id").values("deployment_id", "answers").first()

        def after_new_answer():
            Response.objects.create(
                survey=survey,
                deployment_id=template["deployment_id"],
                structure_version=survey.structure_version,
                channel=Response.Channel.ONLINE,
                idempotency_key=uuid.uuid4(),
                answers=template["answers"],
                age_band=template["answers"].get("age", ""),
                gender=template["answers"].get("genre", ""),
                is_synthetic=True,
            )
            started = time.perf_counter()
            get(url)
            return (time.perf_counter() - started) * 1000

        get(url)
        records.append(
            make_result(
                name="surveys.dashboard.after_new_answer_ms",
                value=statistics.median(after_new_answer() for _index in range(5)),
                unit="ms",
                target=FULL_TARGET_MS,
                better="lower",
                limit_name="sql_group_by_ms",
                limit_value=sql_ms,
            )
        )
    if "surveys.raking.ms" in selected:
        ours_ms, plain_ms = _raking(survey, log)
        records.append(
            make_result(
                name="surveys.raking.ms",
                value=ours_ms,
                unit="ms",
                target=RAKING_TARGET_RATIO * plain_ms,
                better="lower",
                limit_name="plain_numpy_ipf_ms",
                limit_value=plain_ms,
            )
        )
    return records
