"""Opinion map and idea wall benchmarks (issue "Co-design"), each against its limit measured in the
same run.

- codesign.opinion.task_s: the background task's body (services.result_run) on a conversation of
  10,000 participants × 500 statements (about 1,000,000 votes, stored): loading the votes, the
  computation, storing the result; target ≤ 5 s. Limit: scikit-learn alone on the same dense
  matrix — mean imputation, PCA (2 components), k-means for k = 2..5 with a sampled silhouette —
  measured in the same run.
- codesign.opinion.compute_s: our computation alone (compute.opinion_compute) on that dense matrix,
  representative and consensus statements included; target ≤ 1.5 × the same limit.
- codesign.idea_wall.p95_ms / .rps: the idea wall of a plan with 5,000 ideas, two filters (origin
  and tag), page 2, read by a visitor under 20 clients; p95 ≤ 100 ms; throughput shown against the
  bare view's (/sante/), like the other page benchmarks (bench/pages.py).
The best of `options.rounds` rounds is kept for the timings.
"""

import time

import numpy as np

from bench.pages import Page, _best, measure
from bench.results import make_result

NAMES = [
    "codesign.opinion.task_s",
    "codesign.opinion.compute_s",
    "codesign.idea_wall.p95_ms",
    "codesign.idea_wall.rps",
]
TASK_TARGET_S = 5.0
COMPUTE_TARGET_RATIO = 1.5
PARTICIPANTS = 10_000
STATEMENTS = 500
DENSITY = 0.2
IDEAS = 5_000
WALL_P95_TARGET_MS = 100.0
MAP_TITLE = "Carte du banc d'essai (10 000 × 500)"


def _reference_project():
    from territoires.projects.models import Participation, SharedProject

    project = SharedProject.objects.get(title="Concevoir l'action culturelle municipale avec les habitants")
    territory = Participation.objects.participants().filter(project=project).order_by("pk").first()
    return project, territory


def _prepare_opinion(log):
    """The benchmark's map, with its votes (inserted once: the database is reused between runs)."""
    from django.db import connection, connections, transaction

    from territoires.codesign.opinion import services
    from territoires.codesign.opinion.models import OpinionMap, OpinionParticipant, OpinionVote

    project, territory = _reference_project()
    opinion_map = OpinionMap.objects.filter(project=project, title=MAP_TITLE).first()
    if opinion_map is None:
        opinion_map = services.opinion_map_create(
            project=project, user=None, title=MAP_TITLE, synthetic=True,
            statements=[f"Affirmation synthétique numéro {index}" for index in range(STATEMENTS)],
        )  # fmt: skip
    conversation = opinion_map.conversations.get(territory=territory)
    if not OpinionVote.objects.filter(conversation=conversation).exists():
        started = time.perf_counter()
        rng = np.random.default_rng(7)
        groups = rng.integers(0, 3, PARTICIPANTS)
        prefs = rng.choice([-1, 1], size=(3, STATEMENTS))
        statement_ids = np.array(sorted(opinion_map.statements.values_list("id", flat=True)))
        with transaction.atomic():
            OpinionParticipant.objects.bulk_create(
                [OpinionParticipant(conversation=conversation, key=f"bench-{i}") for i in range(PARTICIPANTS)],
                batch_size=5000,
            )
            participant_ids = np.array(
                sorted(OpinionParticipant.objects.filter(conversation=conversation).values_list("id", flat=True))
            )
            table = OpinionVote._meta.db_table
            sql = (
                f"INSERT INTO {table} (conversation_id, participant_id, statement_id, value, created_at) "
                "VALUES (%s, %s, %s, %s, %s)"
            )
            now = time.strftime("%Y-%m-%d %H:%M:%S+00:00", time.gmtime())
            with connection.cursor() as cursor:
                for index, participant_id in enumerate(participant_ids):
                    chosen = np.flatnonzero(rng.random(STATEMENTS) < DENSITY)
                    agree = rng.random(len(chosen)) < 0.8
                    values = np.where(agree, prefs[groups[index], chosen], rng.integers(-1, 2, len(chosen)))
                    cursor.executemany(
                        sql,
                        [
                            (conversation.pk, int(participant_id), int(statement_ids[c]), int(v), now)
                            for c, v in zip(chosen, values, strict=True)
                        ],
                    )
        log(f"  {OpinionVote.objects.filter(conversation=conversation).count()} votes inserted in "
            f"{time.perf_counter() - started:.0f} s")  # fmt: skip
    connections.close_all()
    return conversation


def _reference_seconds(matrix) -> float:
    """scikit-learn alone: mean imputation, PCA, k-means k = 2..5, sampled silhouette."""
    from sklearn.cluster import KMeans
    from sklearn.decomposition import PCA
    from sklearn.impute import SimpleImputer
    from sklearn.metrics import silhouette_score

    started = time.perf_counter()
    filled = SimpleImputer(strategy="mean").fit_transform(matrix)
    points = PCA(n_components=2, random_state=0).fit_transform(filled)
    for k in range(2, 6):
        labels = KMeans(n_clusters=k, n_init="auto", random_state=0).fit_predict(points)
        silhouette_score(points, labels, sample_size=2000, random_state=0)
    return time.perf_counter() - started


def _opinion_records(options, log):
    from territoires.codesign.opinion import compute, services
    from territoires.codesign.opinion.models import OpinionResult

    conversation = _prepare_opinion(log)
    _ids, _statements, matrix = services.votes_load(conversation.pk)
    config = compute.config_for(conversation.configuration, matrix.shape[0])
    task_times, compute_times, reference_times = [], [], []
    for round_number in range(max(1, options.rounds)):
        reference_times.append(_reference_seconds(matrix))
        started = time.perf_counter()
        compute.opinion_compute(matrix, config)
        compute_times.append(time.perf_counter() - started)
        result = OpinionResult.objects.create(conversation=conversation)
        started = time.perf_counter()
        result = services.result_run(result_id=result.pk)
        task_times.append(time.perf_counter() - started)
        if result.status != "done":
            raise RuntimeError(f"the opinion map's task ended {result.status}: {result.error}")
        log(f"  round {round_number + 1}: task {task_times[-1]:.2f} s, compute {compute_times[-1]:.2f} s, "
            f"scikit-learn alone {reference_times[-1]:.2f} s ({result.vote_count} votes, k = {result.data['k']})")  # fmt: skip
    OpinionResult.objects.filter(conversation=conversation).exclude(
        pk__in=OpinionResult.objects.filter(conversation=conversation).order_by("-id").values("pk")[:1]
    ).delete()
    reference = min(reference_times)
    return [
        make_result(
            name="codesign.opinion.task_s", value=min(task_times), unit="s", target=TASK_TARGET_S, better="lower",
            limit_name="scikit-learn alone on the dense matrix (s, same run)", limit_value=reference,
        ),
        make_result(
            name="codesign.opinion.compute_s", value=min(compute_times), unit="s",
            target=COMPUTE_TARGET_RATIO * reference, better="lower",
            limit_name="scikit-learn alone on the dense matrix (s, same run)", limit_value=reference,
        ),
    ]  # fmt: skip


def _prepare_wall(log):
    """A plan with 5,000 published ideas of every origin, a third tagged "culture"; the wall's
    address with two filters (origin "workshop" and the tag) at page 2."""
    from django.db import connections, transaction

    from territoires.codesign import services
    from territoires.codesign.models import Idea, IdeaTag

    _project, territory = _reference_project()
    plan = services.plan_for(territory=territory)
    tag, _created = IdeaTag.objects.get_or_create(plan=plan, name="banc d'essai")
    missing = IDEAS - Idea.objects.filter(plan=plan, title__startswith="Idée du banc d'essai").count()
    if missing > 0:
        started = time.perf_counter()
        sources = [Idea.Source.WORKSHOP, Idea.Source.ONLINE, Idea.Source.TEAM]
        with transaction.atomic():
            ideas = Idea.objects.bulk_create(
                [
                    Idea(plan=plan, title=f"Idée du banc d'essai {index}", body="Une idée pour la culture " * 4,
                         source=sources[index % 3], status=Idea.Status.PUBLISHED)
                    for index in range(missing)
                ],
                batch_size=1000,
            )  # fmt: skip
            through = Idea.tags.through
            through.objects.bulk_create(
                [through(idea_id=idea.pk, ideatag_id=tag.pk) for idea in ideas if idea.pk % 2 == 0], batch_size=2000
            )
        log(f"  {missing} ideas inserted in {time.perf_counter() - started:.0f} s")
    from django.urls import reverse

    url = reverse("codesign:idea_wall", args=[plan.pk]) + f"?origine=workshop&etiquette={tag.pk}&page=2"
    connections.close_all()
    return url


def _wall_records(env, options, log):
    url = _prepare_wall(log)
    measured = measure(env, [Page("idea_wall", url)], options, log)
    limit, best = _best(measured["bare"]), _best(measured["idea_wall"])
    return [
        make_result(
            name="codesign.idea_wall.p95_ms", value=best.p95_ms, unit="ms", target=WALL_P95_TARGET_MS,
            better="lower", limit_name="bare view /sante/ p95 (ms, same run)", limit_value=limit.p95_ms,
        ),
        make_result(
            name="codesign.idea_wall.rps", value=best.rps, unit="req/s", target=None, better="higher",
            limit_name="bare view /sante/ (req/s, same run)", limit_value=limit.rps,
        ),
    ]  # fmt: skip


def run(env, selected: set[str], options, log) -> list[dict]:
    records = []
    if selected & {name for name in NAMES if name.startswith("codesign.opinion")}:
        records += _opinion_records(options, log)
    if selected & {name for name in NAMES if name.startswith("codesign.idea_wall")}:
        records += _wall_records(env, options, log)
    return [record for record in records if record["name"] in selected]
