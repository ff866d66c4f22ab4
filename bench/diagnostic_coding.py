"""Qualitative coding benchmarks (issue 14, "Speed"): 400 synthetic interviews of about 8,000 words
over the reference project's four territories, 120 codes, 20,000 coded excerpts, one transcript
(Niort's, interview n° 1) holding 200 codings — made by territoires/diagnostic/coding/scale.py on
the first run and kept in the bench database (idempotent).

Records (each with its limit measured in the same run):
- diagnostic.coding.frequencies_ms: code × territory frequencies as the analysis page reads them
  (coding/analysis.py `code_frequencies`, its cache warm), median of 30 calls; target ≤ 100 ms;
  limit: the equivalent SQL `GROUP BY code_id, territory_id` through a raw cursor, median of 10.
- diagnostic.coding.frequencies_vs_sql: the same figure with the SQL as its target (ratio < 1).
- diagnostic.coding.cooccurrence_ms / cooccurrence_vs_sql: the co-occurrence table
  (`code_cooccurrence`), against the equivalent SQL self-join (overlapping passages of one source,
  two different codes, not stale) grouped by code pair.
- diagnostic.coding.excerpts.p95_ms: the excerpts of one code filtered by territory
  (coding:excerpts) for the Niort referent, logged in, under 20 clients; target ≤ 50 ms; limit: the
  bare view's p95 (bench/pages.py). `.rps` informational.
- diagnostic.coding.transcript.p95_ms / .rps: the coding screen of the transcript with 200 codings
  (coding:transcript) for the Niort referent (in the transcript circle); targets ≤ 100 ms and
  ≥ 0.3 × the bare view's throughput.
- diagnostic.coding.export_s / export_peak_mb: the full REFI-QDA export of the corpus as the task
  runs it (qdpx/services.py `coding_exchange_run`: 400 texts, 20,000 selections, memos, codebook),
  in a fresh subprocess inside a transaction rolled back at its end (its file deleted); targets
  ≤ 30 s and ≤ 200 MB peak resident memory (VmHWM). Limits: the same texts and codings read by raw
  cursors and the texts written into a ZIP (the I/O and compression floor, seconds); the same
  subprocess before the export (MB). The export's project.qde is checked against the REFI-QDA
  schema after the timing (the log says so).
"""

import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

from bench.pages import REFERENT_EMAIL, Page, _best, measure
from bench.results import make_result
from bench.surveys_exports import _cpu_s, _peak_mb

BASE_DIR = Path(__file__).resolve().parent.parent
ANALYSIS_TARGET_MS = 100.0
EXCERPTS_P95_TARGET_MS = 50.0
TRANSCRIPT_P95_TARGET_MS = 100.0
RPS_TARGET_RATIO = 0.3
EXPORT_TARGET_S = 30.0
EXPORT_PEAK_TARGET_MB = 200.0
CHILD_TIMEOUT = 900
NAMES = [
    "diagnostic.coding.frequencies_ms",
    "diagnostic.coding.frequencies_vs_sql",
    "diagnostic.coding.cooccurrence_ms",
    "diagnostic.coding.cooccurrence_vs_sql",
    "diagnostic.coding.excerpts.p95_ms",
    "diagnostic.coding.excerpts.rps",
    "diagnostic.coding.transcript.p95_ms",
    "diagnostic.coding.transcript.rps",
    "diagnostic.coding.export_s",
    "diagnostic.coding.export_peak_mb",
]

FREQUENCIES_SQL = (
    "SELECT code_id, territory_id, COUNT(*) FROM diagnostic_coding WHERE project_id = %s GROUP BY code_id, territory_id"
)
# Two codings overlap when their [start, end) share a character; each pair once, under (min, max) code.
COOCCURRENCE_SQL = """
SELECT lo, hi, SUM(n) FROM (
  SELECT CASE WHEN a.code_id < b.code_id THEN a.code_id ELSE b.code_id END AS lo,
         CASE WHEN a.code_id < b.code_id THEN b.code_id ELSE a.code_id END AS hi, COUNT(*) AS n
  FROM diagnostic_coding a JOIN diagnostic_coding b
    ON b.transcript_id = a.transcript_id AND a.id < b.id AND a.code_id <> b.code_id
   AND a.start < b."end" AND b.start < a."end" AND b.is_stale = %s
  WHERE a.project_id = %s AND a.transcript_id IS NOT NULL AND a.is_stale = %s
  GROUP BY 1, 2
  UNION ALL
  SELECT CASE WHEN a.code_id < b.code_id THEN a.code_id ELSE b.code_id END,
         CASE WHEN a.code_id < b.code_id THEN b.code_id ELSE a.code_id END, COUNT(*)
  FROM diagnostic_coding a JOIN diagnostic_coding b
    ON b.expression_id = a.expression_id AND a.id < b.id AND a.code_id <> b.code_id
   AND a.start < b."end" AND b.start < a."end" AND b.is_stale = %s
  WHERE a.project_id = %s AND a.expression_id IS NOT NULL AND a.is_stale = %s
  GROUP BY 1, 2
) pairs
GROUP BY lo, hi
"""


def cooccurrence_params(project_id):
    return [False, project_id, False, False, project_id, False]


def _median_ms(function, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        function()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def _sql(query: str, params) -> list:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(query, params)
        return cursor.fetchall()


def analysis_records(project, selected: set[str], log) -> list[dict]:
    from territoires.diagnostic.coding.analysis import code_cooccurrence, code_frequencies

    records = []
    started = time.perf_counter()
    table = code_frequencies(project, by="territory")
    cold = (time.perf_counter() - started) * 1000
    sql_rows = _sql(FREQUENCIES_SQL, [project.pk])
    assert sum(n for *_key, n in sql_rows) == table.total, "frequencies differ from the SQL GROUP BY"
    freq_ms = _median_ms(lambda: code_frequencies(project, by="territory"), 30)
    sql_ms = _median_ms(lambda: _sql(FREQUENCIES_SQL, [project.pk]), 10)
    log(f"  frequencies: {freq_ms:.2f} ms warm ({cold:.0f} ms cold, first call), SQL GROUP BY {sql_ms:.2f} ms")
    started = time.perf_counter()
    pairs = code_cooccurrence(project)
    cold = (time.perf_counter() - started) * 1000
    co_rows = _sql(COOCCURRENCE_SQL, cooccurrence_params(project.pk))
    assert {(a, b): n for a, b, n in co_rows} == pairs.pairs, "co-occurrence differs from the SQL self-join"
    co_ms = _median_ms(lambda: code_cooccurrence(project), 30)
    co_sql_ms = _median_ms(lambda: _sql(COOCCURRENCE_SQL, cooccurrence_params(project.pk)), 5)
    log(f"  co-occurrence: {co_ms:.2f} ms warm ({cold:.0f} ms cold), SQL self-join {co_sql_ms:.1f} ms, "
        f"{len(pairs.pairs)} pairs (same as SQL)")  # fmt: skip
    for name, value, limit, label in (
        ("frequencies", freq_ms, sql_ms, "SQL GROUP BY code, territory (ms)"),
        ("cooccurrence", co_ms, co_sql_ms, "SQL self-join of overlapping codings (ms)"),
    ):
        records += [
            make_result(
                name=f"diagnostic.coding.{name}_ms", value=value, unit="ms", target=ANALYSIS_TARGET_MS,
                better="lower", limit_name=label, limit_value=limit,
            ),
            make_result(
                name=f"diagnostic.coding.{name}_vs_sql", value=value, unit="ms", target=limit, better="lower",
                limit_name=label, limit_value=limit,
            ),
        ]  # fmt: skip
    return [record for record in records if record["name"] in selected]


def page_records(env, project, report, selected: set[str], options, log) -> list[dict]:
    from django.db import connections

    from territoires.diagnostic.coding.models import Coding
    from territoires.projects.models import Participation

    niort = Participation.objects.get(project=project, organisation__name="Niort")
    code_id = (
        Coding.objects.filter(project=project, territory=niort)
        .values("code_id")
        .order_by("code_id")
        .values_list("code_id", flat=True)
        .first()
    )
    pages = []
    if {"diagnostic.coding.excerpts.p95_ms", "diagnostic.coding.excerpts.rps"} & selected:
        pages.append(
            Page("excerpts", f"/diagnostic/codage/code/{code_id}/extraits/?territory={niort.pk}", logged_in=True)
        )
    if {"diagnostic.coding.transcript.p95_ms", "diagnostic.coding.transcript.rps"} & selected:
        pages.append(
            Page("transcript", f"/diagnostic/codage/transcription/{report.dense_transcript_id}/", logged_in=True)
        )
    if not pages:
        return []
    connections.close_all()
    measured = measure(env, pages, options, log, cookie_email=REFERENT_EMAIL)
    limit = _best(measured["bare"])
    records = []
    for page in pages:
        best = _best(measured[page.key])
        target = EXCERPTS_P95_TARGET_MS if page.key == "excerpts" else TRANSCRIPT_P95_TARGET_MS
        records += [
            make_result(
                name=f"diagnostic.coding.{page.key}.p95_ms", value=best.p95_ms, unit="ms", target=target,
                better="lower", limit_name="bare view p95 (ms)", limit_value=limit.p95_ms,
            ),
            make_result(
                name=f"diagnostic.coding.{page.key}.rps", value=best.rps, unit="req/s",
                target=RPS_TARGET_RATIO * limit.rps if page.key == "transcript" else None, better="higher",
                limit_name="bare view rps", limit_value=limit.rps,
            ),
        ]  # fmt: skip
    return [record for record in records if record["name"] in selected]


def _child(what: str) -> dict:
    completed = subprocess.run(
        [sys.executable, "-m", "bench.diagnostic_coding", "child", what],
        cwd=BASE_DIR, env=os.environ.copy(), capture_output=True, text=True, timeout=CHILD_TIMEOUT, check=False,
    )  # fmt: skip
    if completed.returncode != 0:
        raise RuntimeError(f"coding export child {what} failed:\n{completed.stderr[-3000:]}")
    return json.loads(completed.stdout.strip().splitlines()[-1])


def export_records(selected: set[str], options, log) -> list[dict]:
    from django.db import connections

    if not {"diagnostic.coding.export_s", "diagnostic.coding.export_peak_mb"} & selected:
        return []
    connections.close_all()
    bare = exported = None
    for _round in range(max(1, min(options.rounds, 2))):
        for key in ("bare", "export"):
            result = _child(key)
            best = bare if key == "bare" else exported
            if best is None or result["seconds"] < best["seconds"]:
                best = result
            if key == "bare":
                bare = best
            else:
                exported = best
    log(
        f"  QDPX export: {exported['seconds']:.1f} s ({exported['cpu_s']:.1f} s CPU), {exported['mb']:.1f} MB file, "
        f"{exported['summary']}; schema-valid: {exported['valid']}; floor (raw reads + texts zipped) "
        f"{bare['seconds']:.1f} s; peak {exported['peak_mb']:.0f} MB (before the export {exported['floor_mb']:.0f} MB)"
    )
    if not exported["valid"]:
        raise RuntimeError(f"the exported project.qde does not validate: {exported['errors']}")
    records = [
        make_result(
            name="diagnostic.coding.export_s", value=exported["seconds"], unit="s", target=EXPORT_TARGET_S,
            better="lower", limit_name="raw reads of the same rows + texts zipped (s)", limit_value=bare["seconds"],
        ),
        make_result(
            name="diagnostic.coding.export_peak_mb", value=exported["peak_mb"], unit="MB",
            target=EXPORT_PEAK_TARGET_MB, better="lower", limit_name="same process before the export (MB)",
            limit_value=exported["floor_mb"],
        ),
    ]  # fmt: skip
    return [record for record in records if record["name"] in selected]


def prepare(log):
    from django.db import connections

    from territoires.diagnostic.coding.scale import scale_coding
    from territoires.projects.models import SharedProject

    started = time.perf_counter()
    report = scale_coding()
    log(
        f"  scale_coding: {time.perf_counter() - started:.1f} s — {report.interviews} interviews, {report.codes} codes, "
        f"{report.codings} codings"
    )
    connections.close_all()
    return SharedProject.objects.get(slug=report.project_slug), report


def run(env, selected: set[str], options, log) -> list[dict]:
    if not set(NAMES) & selected:
        return []
    project, report = prepare(log)
    records = []
    if {n for n in NAMES if "frequencies" in n or "cooccurrence" in n} & selected:
        records += analysis_records(project, selected, log)
    records += page_records(env, project, report, selected, options, log)
    records += export_records(selected, options, log)
    return records


# The measuring subprocess -------------------------------------------------------------------------


class _Rollback(Exception):
    pass


def _bare(project) -> float:
    """The floor: the same texts and codings read by raw cursors, the texts written into a ZIP."""
    import tempfile
    import zipfile

    from django.db import connection

    started = time.perf_counter()
    with tempfile.TemporaryFile() as handle, zipfile.ZipFile(handle, "w", zipfile.ZIP_DEFLATED, compresslevel=5) as zf:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT t.guid, t.text FROM diagnostic_transcript t JOIN diagnostic_interview i ON i.id = t.interview_id "
                "WHERE i.project_id = %s ORDER BY t.id",
                [project.pk],
            )
            while rows := cursor.fetchmany(50):
                for guid, text in rows:
                    zf.writestr(f"sources/{guid}.txt", text.encode("utf-8"))
        with connection.cursor() as cursor:
            cursor.execute(
                'SELECT guid, transcript_id, start, "end", quote, code_id, coder_id, memo FROM diagnostic_coding '
                "WHERE project_id = %s ORDER BY transcript_id, start",
                [project.pk],
            )
            while cursor.fetchmany(2000):
                pass
    return time.perf_counter() - started


def _export(project) -> dict:
    import io
    import zipfile

    from django.db import transaction

    from territoires.diagnostic.qdpx import services
    from territoires.diagnostic.qdpx.models import CodingExchange

    consultant = project.consultancy.memberships.select_related("user").first().user
    started = time.perf_counter()
    stored = None
    result = {}
    try:
        with transaction.atomic():
            exchange = CodingExchange.objects.create(
                project=project, kind=CodingExchange.Kind.EXPORT_QDPX, requested_by=consultant, token="bench"
            )
            exchange = services.coding_exchange_run(exchange_id=exchange.pk)
            result["seconds"] = time.perf_counter() - started
            if exchange.status != CodingExchange.Status.DONE:
                raise SystemExit(f"export failed: {exchange.errors}")
            stored = exchange.file.name
            result["summary"] = exchange.summary
            result["mb"] = exchange.file.size / 1024 / 1024
            result["peak_mb"] = _peak_mb()
            # Validity, outside the timing and after the peak was read.
            from lxml import etree

            from territoires.diagnostic.qdpx.schema import project_schema, safe_parser

            with exchange.file.open("rb") as handle, zipfile.ZipFile(handle) as archive:
                root = etree.parse(io.BytesIO(archive.read("project.qde")), safe_parser())
            schema = project_schema()
            result["valid"] = bool(schema.validate(root))
            result["errors"] = [str(error) for error in list(schema.error_log)[:3]]
            raise _Rollback
    except _Rollback:
        pass
    finally:
        if stored:
            CodingExchange._meta.get_field("file").storage.delete(stored)
    return result


def child(what: str) -> dict:
    import django

    django.setup()
    from territoires.diagnostic.coding.scale import REFERENCE_TITLE
    from territoires.projects.models import SharedProject

    project = SharedProject.objects.select_related("consultancy").get(title=REFERENCE_TITLE)
    floor = _peak_mb()
    cpu = _cpu_s()
    if what == "bare":
        return {"seconds": _bare(project), "cpu_s": _cpu_s() - cpu, "peak_mb": _peak_mb(), "floor_mb": floor}
    result = _export(project)
    result.update(cpu_s=_cpu_s() - cpu, floor_mb=floor)
    return result


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "child":
        print(json.dumps(child(sys.argv[2])))
    else:
        raise SystemExit("usage: python -m bench.diagnostic_coding child <bare|export>")
