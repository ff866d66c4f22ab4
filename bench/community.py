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

from bench.pages import Page, _best, measure
from bench.results import make_result

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
    measured = measure(env, [page], options, log)

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
