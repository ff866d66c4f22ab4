"""Action plan benchmarks (issue "Action plans"), each against its limit measured in the same run.

Data (territoires/plans/scale.py): 4 adopted plans of 200 actions, 5 indicators of 24 measurements
each, on the territories of the survey benchmark's project, whose 100,000 answers carry receipt
codes; every survey question has its fate said, so a lookup finds news.

- plans.page.p95_ms / .rps: a 200-action plan's page (working version) for its referent, logged in
  (uncached); p95 ≤ 100 ms, throughput ≥ 0.3 × the bare view's (/sante/) under 20 clients.
- plans.followup.p95_ms / .rps: the same plan's adopted version with its live follow-up
  (?version=adoptee, what the public reads; measured uncached, as a member).
- plans.receipt.p95_ms: the receipt-code lookup of a real answer's code under 50 clients, p95 ≤ 50 ms
  (client rate limit raised for the server under test, its cache write still made).
- plans.report_pdf.seconds: the evaluation report PDF of a 200-action plan, built as the background
  task builds it, ≤ 15 s; limit = rendering the same report's HTML alone (the share WeasyPrint adds
  is the ratio).
Pages are measured in interleaved rounds with the bare view, each keeping its best round (bench/pages.py).
"""

import time
from argparse import Namespace

from bench.pages import Page, _best, measure
from bench.results import make_result

P95_TARGET_MS = 100.0
RPS_TARGET_RATIO = 0.3
RECEIPT_P95_TARGET_MS = 50.0
RECEIPT_CONNECTIONS = 50
PDF_TARGET_S = 15.0
NAMES = [
    "plans.page.p95_ms",
    "plans.page.rps",
    "plans.followup.p95_ms",
    "plans.followup.rps",
    "plans.receipt.p95_ms",
    "plans.report_pdf.seconds",
]


def _prepare(log):
    from django.db import connections

    from territoires.plans.scale import BENCH_REFERENT, scale_plans
    from territoires.surveys.models import Response

    started = time.perf_counter()
    plans = scale_plans()
    log(f"  scale_plans: {time.perf_counter() - started:.1f} s, {len(plans)} plans")
    plan = plans[0]
    code = (
        Response.objects.filter(deployment__participation=plan.territory).values_list("receipt_code", flat=True).first()
    )
    url = plan.get_absolute_url()
    connections.close_all()
    return plan, url, code, BENCH_REFERENT


def _page_records(name, limit, best, *, rps_target=True):
    return [
        make_result(
            name=f"plans.{name}.p95_ms",
            value=best.p95_ms,
            unit="ms",
            target=P95_TARGET_MS,
            better="lower",
            limit_name="bare view p95 (ms)",
            limit_value=limit.p95_ms,
        ),
        make_result(
            name=f"plans.{name}.rps",
            value=best.rps,
            unit="req/s",
            target=RPS_TARGET_RATIO * limit.rps if rps_target else None,
            better="higher",
            limit_name="bare view rps",
            limit_value=limit.rps,
        ),
    ]


def _report_pdf(plan) -> tuple[float, float]:
    """(seconds to build the PDF as the task does, seconds to render its HTML alone)."""
    from django.template.loader import render_to_string
    from django.utils import timezone, translation

    from territoires.plans.models import EvaluationReport
    from territoires.plans.reports import report_build, report_context

    as_of = timezone.localdate()
    started = time.perf_counter()
    with translation.override("fr"):
        render_to_string("plans/report_pdf.html", report_context(plan, as_of))
    html_only = time.perf_counter() - started
    report = EvaluationReport.objects.create(plan=plan, as_of=as_of)
    started = time.perf_counter()
    built = report_build(report_id=report.pk)
    seconds = time.perf_counter() - started
    if built.status != EvaluationReport.Status.DONE:
        raise RuntimeError(f"report failed: {built.error}")
    report.file.delete(save=False)
    report.delete()
    return seconds, html_only


def run(env, selected: set[str], options, log) -> list[dict]:
    if not set(NAMES) & selected:
        return []
    plan, url, code, referent = _prepare(log)
    records = []
    if selected & {n for n in NAMES if n.startswith(("plans.page", "plans.followup"))}:
        pages = [Page("plan", url, logged_in=True), Page("followup", f"{url}?version=adoptee", logged_in=True)]
        measured = measure(env, pages, options, log, cookie_email=referent)
        limit = _best(measured["bare"])
        records += _page_records("page", limit, _best(measured["plan"]))
        records += _page_records("followup", limit, _best(measured["followup"]))
    if "plans.receipt.p95_ms" in selected:
        receipt_options = Namespace(**{**vars(options), "connections": RECEIPT_CONNECTIONS})
        server_env = {**env, "SURVEY_RATE_LIMIT_PER_MINUTE": str(10**8)}
        measured = measure(server_env, [Page("receipt", f"/plans/parole/?code={code}")], receipt_options, log)
        limit, best = _best(measured["bare"]), _best(measured["receipt"])
        records.append(
            make_result(
                name="plans.receipt.p95_ms",
                value=best.p95_ms,
                unit="ms",
                target=RECEIPT_P95_TARGET_MS,
                better="lower",
                limit_name="bare view p95 (ms), 50 clients",
                limit_value=limit.p95_ms,
            )
        )
    if "plans.report_pdf.seconds" in selected:
        seconds, html_only = _report_pdf(plan)
        log(f"  report PDF: {seconds:.2f} s (HTML alone {html_only:.2f} s)")
        records.append(
            make_result(
                name="plans.report_pdf.seconds",
                value=seconds,
                unit="s",
                target=PDF_TARGET_S,
                better="lower",
                limit_name="the same report's HTML alone (s)",
                limit_value=html_only,
            )
        )
    return [record for record in records if record["name"] in selected]
