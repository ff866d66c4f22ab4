"""Discussion benchmark: a thread of 500 replies, paginated, under 20 concurrent clients.

Target (from the issue): p95 ≤ 100 ms for a page of the thread; the limit is the bare health view
(/sante/) served by the same gunicorn in the same run, measured in interleaved rounds as in
bench/pages.py. Two records:

- library.thread.p95_ms: a page in the middle of the 500-reply thread (50 messages, rendered
  Markdown, authors and their organisations, attachments), read by a member of the project with a
  session cookie, so uncached (project spaces are private: no public page cache);
- library.thread.rps: its throughput, informational (no target), against the bare view's.

The data is scaled inside run() (idempotent, kept in the bench database): 5,000 threads of 50
replies (half public by theme, half in projects' spaces) and one thread of 500 replies in the
reference project's space (territoires/community/scale.py).
"""

import time

from bench.load import run_load
from bench.pages import Page, _best, _check, _session_cookie, _settle
from bench.results import make_result
from bench.server import WORK_DIR, WORKERS, Gunicorn

P95_TARGET_MS = 100.0
SCALE = {"threads": 5000, "replies": 50, "long_replies": 500}
NAMES = ["library.thread.p95_ms", "library.thread.rps"]


def _thread_page(log) -> Page:
    from django.db import connections

    from territoires.community.models import MESSAGES_PER_PAGE
    from territoires.community.scale import scale_discussions

    started = time.perf_counter()
    report = scale_discussions(**SCALE)
    log(f"  scale_discussions: {time.perf_counter() - started:.1f} s, created {report.created}, {report.totals}")
    from territoires.community.models import Thread

    thread = Thread.objects.select_related("project").get(pk=report.long_thread_id)
    middle = max(1, (thread.message_count // MESSAGES_PER_PAGE) // 2 + 1)
    connections.close_all()
    return Page("thread", f"{thread.get_absolute_url()}?page={middle}", logged_in=True, rps_target=False)


def run(env, selected: set[str], options, log) -> list[dict]:
    if not set(NAMES) & selected:
        return []
    page = _thread_page(log)
    cookie = _session_cookie()
    bare = Page("bare", "/sante/")
    targets = [bare, page]

    def headers_for(target: Page) -> dict[str, str]:
        return {"Cookie": cookie} if target.logged_in else {}

    measured = {target.key: [] for target in targets}
    with Gunicorn(env, WORK_DIR / "gunicorn.log") as server:
        log(f"gunicorn config.wsgi, {WORKERS} sync workers, http://127.0.0.1:{server.port}/ (pid {server.process.pid})")
        for target in targets:
            _check(server.port, target, headers_for(target), log)
        for target in targets:
            run_load(
                server.port,
                target.path,
                seconds=options.warmup,
                connections=options.connections,
                headers=headers_for(target),
                tool=options.tool,
            )
            _settle(server.port)
        for round_number in range(options.rounds):
            log(f"round {round_number + 1}/{options.rounds}: {options.duration:g} s per URL")
            shift = round_number % len(targets)
            for target in targets[shift:] + targets[:shift]:
                result = run_load(
                    server.port,
                    target.path,
                    seconds=options.duration,
                    connections=options.connections,
                    headers=headers_for(target),
                    tool=options.tool,
                )
                log(f"  {target.key:<17} {result.summary()}  [{result.tool}]")
                if result.errors.get("status") or not result.requests:
                    raise RuntimeError(f"{target.path}: {result.errors} — see {WORK_DIR / 'gunicorn.log'}")
                measured[target.key].append(result)
                _settle(server.port)

    limit, best = _best(measured["bare"]), _best(measured["thread"])
    records = [
        make_result(
            name="library.thread.p95_ms",
            value=best.p95_ms,
            unit="ms",
            target=P95_TARGET_MS,
            better="lower",
            limit_name="bare view p95 (ms)",
            limit_value=limit.p95_ms,
        ),
        make_result(
            name="library.thread.rps",
            value=best.rps,
            unit="req/s",
            target=None,
            better="higher",
            limit_name="bare view rps",
            limit_value=limit.rps,
        ),
    ]
    return [record for record in records if record["name"] in selected]
