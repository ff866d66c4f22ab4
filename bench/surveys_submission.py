"""Survey submission benchmark: answers POSTed as JSON through gunicorn by 50 concurrent clients.

Targets (issue "Resident survey"): throughput ≥ 0.25 × the bare view's (/sante/, a constant
response through the same middleware, served by the same gunicorn and measured the same way in
the same run), p95 ≤ 100 ms, and afterwards the stored count equals the accepted count exactly.

- surveys.submission.rps: value = answers accepted per second; limit = the bare view's requests per
  second; target 0.25 × that limit.
- surveys.submission.p95_ms: value = p95 latency of the submissions; limit = the bare view's p95.
- surveys.submission.lost: value = |accepted (2xx) − rows stored| in a last round whose clients each
  wait for their answer (wrk stops with requests in flight, stored but never read); limit = the
  accepted count; target 0.

Each request is a field answer of a survey group member (the collector token the field page sends
with its queue) to `surveys:submit_json`, with a new idempotency key (a UUID) and one
of a few dozen valid answer sets of the 30-question benchmark survey (territoires/surveys/scale.py,
its 1,000-answer size: the submissions add to it, never to the 100,000-answer survey that the
dashboard and export benchmarks count). The client rate limit is raised for the server under test.
The load generator is wrk with a Lua script making the keys when wrk is installed, otherwise a
small asyncio client (also used for the bare view then, so both are measured the same way).
Measured in interleaved rounds (bare, submission), keeping each one's best round (see bench/pages.py).
"""

import asyncio
import json
import time
import uuid

from bench.load import LoadResult, _percentile, wrk_available
from bench.results import make_result
from bench.server import HOST, WORK_DIR, WORKERS, Gunicorn, http_get

NAMES = ["surveys.submission.rps", "surveys.submission.p95_ms", "surveys.submission.lost"]
RPS_TARGET_RATIO = 0.25
P95_TARGET_MS = 100.0
CONNECTIONS = 50
BENCH_ANSWERS = 1_000
COLLECTOR_EMAIL = "enqueteur.banc-essai@bench.invalid"
ANSWER_SETS = 40


def _prepare(log):
    """The benchmark survey, a collector of its first territory with a token, valid answer sets."""
    from django.db import connections

    from territoires.accounts.models import User
    from territoires.surveys.collection import collector_token_issue
    from territoires.surveys.models import Collector
    from territoires.surveys.scale import scale_surveys
    from territoires.surveys.schema import AnswersInvalid, answers_validate, schema_for

    started = time.perf_counter()
    survey = scale_surveys(answers=BENCH_ANSWERS)
    log(f"  scale_surveys(answers={BENCH_ANSWERS}): {time.perf_counter() - started:.1f} s")
    deployment = survey.deployments.select_related("survey").order_by("pk").first()
    user, _created = User.objects.get_or_create(
        email=COLLECTOR_EMAIL, defaults={"first_name": "Banc", "last_name": "d'essai"}
    )
    Collector.objects.get_or_create(deployment=deployment, user=user)
    schema = schema_for(survey)
    bodies = []
    for stored in survey.responses.filter(deployment=deployment).order_by("pk")[: ANSWER_SETS * 3]:
        try:
            cleaned = answers_validate(schema, stored.answers, deployment=deployment)
        except AnswersInvalid:
            continue
        bodies.append(cleaned)
        if len(bodies) >= ANSWER_SETS:
            break
    if not bodies:
        raise RuntimeError("no valid answer set in the benchmark survey; benchmark aborted")
    # What the field page sends with each queued answer: its collector token (issued by the page).
    headers = {
        "X-Collector-Token": collector_token_issue(user, deployment),
        "Content-Type": "application/json",
    }
    connections.close_all()
    return deployment, bodies, headers


def _stored_count(deployment) -> int:
    from django.db import connections

    from territoires.surveys.models import Response

    count = Response.objects.filter(deployment_id=deployment.pk).count()
    connections.close_all()
    return count


# --- load generators -------------------------------------------------------------------------------


class Tally:
    def __init__(self):
        self.latencies: list[float] = []
        self.statuses: dict[int, int] = {}
        self.read_errors = 0

    @property
    def accepted(self) -> int:
        return sum(count for status, count in self.statuses.items() if 200 <= status < 300)


async def _read_status(reader) -> tuple[int, bool]:
    status_line = await reader.readline()
    if not status_line:
        raise ConnectionError("closed")
    status = int(status_line.split()[1])
    length, close = None, False
    while True:
        line = await reader.readline()
        if line in (b"\r\n", b"\n", b""):
            break
        name, _sep, value = line.decode("latin-1").partition(":")
        name, value = name.strip().lower(), value.strip().lower()
        if name == "content-length":
            length = int(value)
        elif name == "connection":
            close = value == "close"
    if length is not None:
        await reader.readexactly(length)
    else:
        await reader.read()
        close = True
    return status, close


async def _client(port, make_request, deadline, tally: Tally):
    reader = writer = None
    while time.perf_counter() < deadline:
        request = make_request()
        try:
            if writer is None:
                reader, writer = await asyncio.open_connection(HOST, port)
            started = time.perf_counter()
            writer.write(request)
            await writer.drain()
            status, close = await _read_status(reader)
            tally.latencies.append(time.perf_counter() - started)
            tally.statuses[status] = tally.statuses.get(status, 0) + 1
        except (OSError, ConnectionError, asyncio.IncompleteReadError, ValueError, IndexError):
            tally.read_errors += 1
            close = True
        if close and writer is not None:
            writer.close()
            reader = writer = None
    if writer is not None:
        writer.close()


def _python_load(port, make_request, seconds) -> tuple[LoadResult, Tally]:
    tally = Tally()

    async def main():
        started = time.perf_counter()
        deadline = started + seconds
        await asyncio.gather(*(_client(port, make_request, deadline, tally) for _ in range(CONNECTIONS)))
        return time.perf_counter() - started

    elapsed = asyncio.run(main())
    latencies = sorted(tally.latencies)
    errors = {f"status {s}": c for s, c in tally.statuses.items() if s >= 300}
    if tally.read_errors:
        errors["read"] = tally.read_errors
    result = LoadResult(
        tool="python",
        requests=tally.accepted,  # 2xx responses only
        duration_s=elapsed,
        p50_ms=_percentile(latencies, 50) * 1000,
        p95_ms=_percentile(latencies, 95) * 1000,
        p99_ms=_percentile(latencies, 99) * 1000,
        errors=errors,
    )
    return result, tally


def _get_request(port, path, headers):
    lines = [f"GET {path} HTTP/1.1", f"Host: {HOST}:{port}", "Connection: keep-alive", "User-Agent: bench"]
    lines += [f"{name}: {value}" for name, value in headers.items() if name != "Content-Type"]
    data = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")
    return lambda: data


def _post_request_factory(port, path, headers, bodies):
    head = [f"POST {path} HTTP/1.1", f"Host: {HOST}:{port}", "Connection: keep-alive", "User-Agent: bench"]
    head += [f"{name}: {value}" for name, value in headers.items()]
    encoded = [json.dumps(body, ensure_ascii=False)[1:-1] for body in bodies]
    counter = iter(range(10**12))

    def make():
        index = next(counter)
        payload = (
            f'{{"idempotency_key": "{uuid.uuid4()}", "channel": "field", '
            f'"collected_at": "2021-11-02T10:00:00+01:00", "answers": {{{encoded[index % len(encoded)]}}}}}'
        ).encode()
        return ("\r\n".join([*head, f"Content-Length: {len(payload)}"]) + "\r\n\r\n").encode("latin-1") + payload

    return make


WRK_SCRIPT = r"""
-- Generated by bench/surveys_submission.py: one new idempotency key per request.
local bodies = {%(bodies)s}
local counter = 0
local prefix = nil
local statuses = {}
-- Seeded from the clock: every wrk run (one per round) must make keys never sent before, or the
-- server rightly answers "already stored" and nothing new is written.
math.randomseed(os.time() + math.floor(os.clock() * 1000000))
function setup(thread)
  thread:set("seed", math.random(1, 2^31))
end
function init(args)
  math.randomseed(tonumber(seed) or os.time())
  prefix = string.format("%%08x-%%04x-4%%03x", math.random(0, 2^31), math.random(0, 65535), math.random(0, 4095))
  wrk.method = "POST"
end
function request()
  counter = counter + 1
  local key = string.format("%%s-%%04x-%%012x", prefix, 32768 + (counter %% 16384), counter)
  local body = '{"idempotency_key": "' .. key .. '", "channel": "field", "answers": ' .. bodies[(counter %% #bodies) + 1] .. '}'
  return wrk.format("POST", nil, nil, body)
end
"""


def _wrk_post(port, path, headers, bodies, seconds) -> LoadResult:
    from bench.load import LUA_SCRIPT, run_wrk

    def lua_string(text):
        return "'" + text.replace("\\", "\\\\").replace("'", "\\'").replace("\n", "\\n") + "'"

    script = WORK_DIR / "surveys_submission.lua"
    script.write_text(
        WRK_SCRIPT % {"bodies": ", ".join(lua_string(json.dumps(b, ensure_ascii=False)) for b in bodies)}
        + LUA_SCRIPT.read_text(encoding="utf-8"),
        encoding="utf-8",
    )
    import bench.load as load

    previous = load.LUA_SCRIPT
    load.LUA_SCRIPT = script
    try:
        return run_wrk(port, path, seconds=seconds, connections=CONNECTIONS, headers=headers)
    finally:
        load.LUA_SCRIPT = previous


def _measure(port, kind, path, headers, bodies, seconds, tool) -> LoadResult:
    use_wrk = tool == "wrk" or (tool == "auto" and wrk_available())
    if kind == "bare":
        if use_wrk:
            from bench.load import run_wrk

            return run_wrk(port, path, seconds=seconds, connections=CONNECTIONS, headers={})
        return _python_load(port, _get_request(port, path, {}), seconds)[0]
    if use_wrk:
        return _wrk_post(port, path, headers, bodies, seconds)
    return _python_load(port, _post_request_factory(port, path, headers, bodies), seconds)[0]


def _accepted(result: LoadResult) -> int:
    if result.tool == "python":
        return result.requests  # 2xx responses only, counted by the client
    return result.requests - result.errors.get("status", 0)


def _settle(port: int, timeout: float = 8.0) -> None:
    time.sleep(0.3)
    deadline = time.monotonic() + timeout
    quick = 0
    while quick < 3 and time.monotonic() < deadline:
        started = time.perf_counter()
        http_get(port, "/sante/")
        quick = quick + 1 if time.perf_counter() - started < 0.05 else 0


def run(env, selected: set[str], options, log) -> list[dict]:
    if not set(NAMES) & selected:
        return []
    from django.urls import reverse

    deployment, bodies, headers = _prepare(log)
    path = reverse("surveys:submit_json", args=[deployment.public_token])
    server_env = {**env, "SURVEY_RATE_LIMIT_PER_MINUTE": str(10**8)}
    stored_before = _stored_count(deployment)
    accepted_total = 0
    best = {"bare": None, "submission": None}
    with Gunicorn(server_env, WORK_DIR / "gunicorn.log") as server:
        port = server.port
        log(f"gunicorn config.wsgi, {WORKERS} sync workers, http://127.0.0.1:{port}/, {CONNECTIONS} connections")
        status, _headers, body = http_get(port, "/sante/")
        if status != 200:
            raise RuntimeError(f"/sante/ answered {status}; benchmark aborted")
        warm = _measure(port, "submission", path, headers, bodies, options.warmup, options.tool)
        accepted_total += _accepted(warm)
        if warm.errors:
            log(f"  warm-up errors: {warm.errors}")
        if not _accepted(warm):
            raise RuntimeError(f"no submission accepted during the warm-up ({warm.errors}); benchmark aborted")
        _measure(port, "bare", "/sante/", {}, bodies, options.warmup, options.tool)
        for round_index in range(options.rounds):
            order = ("bare", "submission") if round_index % 2 == 0 else ("submission", "bare")
            for kind in order:
                _settle(port)
                result = _measure(
                    port, kind, "/sante/" if kind == "bare" else path, headers, bodies, options.duration, options.tool
                )
                if kind == "submission":
                    accepted_total += _accepted(result)
                log(f"  round {round_index + 1} {kind:<10} {result.summary()}")
                previous = best[kind]
                if previous is None:
                    best[kind] = result
                else:
                    best[kind] = LoadResult(
                        tool=result.tool,
                        requests=max(previous.requests, result.requests)
                        if previous.rps >= result.rps
                        else result.requests,
                        duration_s=previous.duration_s if previous.rps >= result.rps else result.duration_s,
                        p50_ms=min(previous.p50_ms, result.p50_ms),
                        p95_ms=min(previous.p95_ms, result.p95_ms),
                        p99_ms=min(previous.p99_ms, result.p99_ms),
                        errors=previous.errors if previous.rps >= result.rps else result.errors,
                    )
        # The count check: wrk stops with requests in flight (sent, stored by the server, never read),
        # so the exact comparison is made on a last round whose clients each wait for their answer.
        _settle(port)
        exact_before = _stored_count(deployment)
        exact, tally = _python_load(port, _post_request_factory(port, path, headers, bodies), options.duration)
        exact_stored = _stored_count(deployment) - exact_before
    stored = _stored_count(deployment) - stored_before
    bare, submission = best["bare"], best["submission"]
    log(f"  all rounds: accepted {accepted_total}, stored {stored} (wrk leaves requests in flight when it stops)")
    log(
        f"  count check: {exact.requests} answers accepted (2xx), {exact_stored} stored, "
        f"{tally.read_errors} requests without an answer read"
    )
    return [
        make_result(
            name="surveys.submission.rps",
            value=submission.rps,
            unit="req/s",
            target=RPS_TARGET_RATIO * bare.rps,
            better="higher",
            limit_name="bare view /sante/ (req/s, same run)",
            limit_value=bare.rps,
        ),
        make_result(
            name="surveys.submission.p95_ms",
            value=submission.p95_ms,
            unit="ms",
            target=P95_TARGET_MS,
            better="lower",
            limit_name="bare view /sante/ p95 (ms, same run)",
            limit_value=bare.p95_ms,
        ),
        make_result(
            name="surveys.submission.lost",
            value=float(abs(exact.requests - exact_stored)),
            unit="answers",
            target=0,
            better="lower",
            limit_name="answers accepted (2xx) in the count-check round",
            limit_value=float(exact.requests),
        ),
    ]
