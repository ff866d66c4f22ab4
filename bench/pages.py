"""Page benchmarks: public pages and a member's page under 20 concurrent clients, against the bare view.

Targets (from the issue): p95 ≤ 100 ms, and throughput ≥ 0.3 × the throughput of the bare health
view (/sante/, a constant response through the whole middleware stack) served by the same gunicorn
in the same run. For each page two records are emitted:

- pages.<page>.p95_ms: value = the page's p95 latency; limit = the bare view's p95; target 100 ms.
- pages.<page>.rps: value = the page's requests per second; limit = the bare view's; target
  0.3 × the bare view's, so `ratio` is the fraction of the limit reached (target ratio 0.3).

Anonymous pages are served from the public page cache once warm (territoires/core/cache.py), which
is what visitors get. The member figure (`project_referent`: a referent of the reference project,
logged in with a session cookie) shows the uncached cost of the same page; its p95 has the same
100 ms target, its throughput is informational (no target).

Each URL is warmed up, then measured in `rounds` interleaved rounds (bare view included, in a
rotating order, so that a drift of the machine's speed hits every URL alike); between two
measurements the server is left to finish the requests still queued. Each URL keeps its best round
(highest throughput, lowest p95): other processes on a shared machine only ever slow a measurement
down, so the best round is the closest to what the code costs, and the same rule applies to the
bare view that the pages are compared with.
"""

import time
from dataclasses import dataclass

from bench.load import LoadResult, run_load
from bench.results import make_result
from bench.server import WORK_DIR, WORKERS, Gunicorn, http_get

P95_TARGET_MS = 100.0
RPS_TARGET_RATIO = 0.3
REFERENCE_TITLE = "Concevoir l'action culturelle municipale avec les habitants"
REFERENT_EMAIL = "referent.niort@ville.demo"


@dataclass(frozen=True)
class Page:
    key: str
    path: str
    logged_in: bool = False
    rps_target: bool = True


def page_names(page_keys) -> list[str]:
    return [f"pages.{key}.{metric}" for key in page_keys for metric in ("p95_ms", "rps")]


PAGE_KEYS = ("home", "project", "charter", "project_referent")
NAMES = page_names(PAGE_KEYS)


def _reference_pages() -> list[Page]:
    from territoires.projects.models import SharedProject

    slug = SharedProject.objects.get(title=REFERENCE_TITLE).slug
    return [
        Page("home", "/"),
        Page("project", f"/projets/{slug}/"),
        Page("charter", f"/projets/{slug}/charte/"),
        Page("project_referent", f"/projets/{slug}/", logged_in=True, rps_target=False),
    ]


def _session_cookie(email: str = REFERENT_EMAIL) -> str:
    """A logged-in session for a user (the reference project's Niort referent by default), created as
    django.contrib.auth.login would."""
    from importlib import import_module

    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.db import connections

    from territoires.accounts.models import User

    user = User.objects.get(email=email)
    session = import_module(settings.SESSION_ENGINE).SessionStore()
    session[SESSION_KEY] = user._meta.pk.value_to_string(user)
    # The backend a password sign-in records (the last one of the list answers ProConnect only).
    session[BACKEND_SESSION_KEY] = "territoires.accounts.backends.AccountBackend"
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.save()
    connections.close_all()
    return f"{settings.SESSION_COOKIE_NAME}={session.session_key}"


def _check(port: int, page: Page, headers: dict[str, str], log) -> None:
    """The page answers 200 (as the right user) before it is measured; report its cache status."""
    status, response_headers, body = http_get(port, page.path, headers)
    if status != 200:
        raise RuntimeError(f"{page.path} answered {status}; benchmark aborted")
    # A JSON endpoint has no menu to show the login by; its page is checked the same way.
    if page.logged_in and not page.path.endswith(".json") and b"/mon-espace/" not in body:
        raise RuntimeError(f"{page.path}: the session cookie did not log the user in")
    _status, second_headers, _body = http_get(port, page.path, headers)
    cache = second_headers.get("X-Page-Cache", "not cached")
    log(f"  {page.key:<17} {page.path}  {len(body) / 1024:.0f} KiB, page cache on 2nd request: {cache}")


def _settle(port: int, timeout: float = 8.0) -> None:
    """Wait until the server has worked off what the previous measurement left queued.

    A sync worker still serves the requests queued on its socket after the load generator has
    gone: without this pause, the next URL would start on a busy server (a slow page measured
    before the bare view would inflate the bare view's p95). Bounded: at most `timeout` seconds.
    """
    time.sleep(0.3)
    deadline = time.monotonic() + timeout
    quick = 0
    while quick < 3 and time.monotonic() < deadline:
        started = time.perf_counter()
        http_get(port, "/sante/")
        quick = quick + 1 if time.perf_counter() - started < 0.05 else 0


def _best(results: list[LoadResult]) -> LoadResult:
    best = max(results, key=lambda result: result.rps)
    best_p95 = min(result.p95_ms for result in results)
    return LoadResult(
        tool=best.tool,
        requests=best.requests,
        duration_s=best.duration_s,
        p50_ms=min(result.p50_ms for result in results),
        p95_ms=best_p95,
        p99_ms=min(result.p99_ms for result in results),
        errors=best.errors,
    )


def measure(env, pages: list[Page], options, log, *, cookie_email: str = REFERENT_EMAIL) -> dict[str, list[LoadResult]]:
    """Each page and the bare view (/sante/, the limit) under load, served by one gunicorn: checked,
    warmed up, then measured in `options.rounds` interleaved rounds in a rotating order, so that a
    drift of the machine's speed hits every URL alike. Returns every round's result by page key,
    "bare" included; a page answering an error status aborts the benchmark."""
    cookie = _session_cookie(cookie_email) if any(page.logged_in for page in pages) else ""
    targets = [Page("bare", "/sante/"), *pages]

    def headers_for(page: Page) -> dict[str, str]:
        return {"Cookie": cookie} if page.logged_in else {}

    measured: dict[str, list[LoadResult]] = {page.key: [] for page in targets}
    with Gunicorn(env, WORK_DIR / "gunicorn.log") as server:
        log(f"gunicorn config.wsgi, {WORKERS} sync workers, http://127.0.0.1:{server.port}/ (pid {server.process.pid})")
        for page in targets:
            _check(server.port, page, headers_for(page), log)
        log(f"warm-up: {options.warmup:g} s per URL, {options.connections} connections")
        for page in targets:
            run_load(
                server.port,
                page.path,
                seconds=options.warmup,
                connections=options.connections,
                headers=headers_for(page),
                tool=options.tool,
            )
            _settle(server.port)
        for round_number in range(options.rounds):
            log(f"round {round_number + 1}/{options.rounds}: {options.duration:g} s per URL")
            shift = round_number % len(targets)
            for page in targets[shift:] + targets[:shift]:
                result = run_load(
                    server.port,
                    page.path,
                    seconds=options.duration,
                    connections=options.connections,
                    headers=headers_for(page),
                    tool=options.tool,
                )
                log(f"  {page.key:<28} {result.summary()}  [{result.tool}]")
                if result.errors.get("status") or not result.requests:
                    raise RuntimeError(f"{page.path}: {result.errors} — see {WORK_DIR / 'gunicorn.log'}")
                measured[page.key].append(result)
                _settle(server.port)
    return measured


def run(env, selected: set[str], options, log) -> list[dict]:
    pages = [page for page in _reference_pages() if set(page_names([page.key])) & selected]
    if not pages:
        return []
    measured = measure(env, pages, options, log)
    limit = _best(measured["bare"])
    records = []
    for page in pages:
        best = _best(measured[page.key])
        records.append(
            make_result(
                name=f"pages.{page.key}.p95_ms",
                value=best.p95_ms,
                unit="ms",
                target=P95_TARGET_MS,
                better="lower",
                limit_name="bare view p95 (ms)",
                limit_value=limit.p95_ms,
            )
        )
        records.append(
            make_result(
                name=f"pages.{page.key}.rps",
                value=best.rps,
                unit="req/s",
                target=RPS_TARGET_RATIO * limit.rps if page.rps_target else None,
                better="higher",
                limit_name="bare view rps",
                limit_value=limit.rps,
            )
        )
    return [record for record in records if record["name"] in selected]
