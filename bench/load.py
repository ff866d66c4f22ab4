"""Load generators: wrk when it is installed, a small asyncio HTTP/1.1 client otherwise.

Both open `connections` concurrent connections to 127.0.0.1 only, send GETs for a bounded time and
report throughput, latency percentiles and errors. They share the machine's cores with the server,
which is why a page is always compared with the bare view measured the same way in the same run.
"""

import asyncio
import json
import shutil
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

LUA_SCRIPT = Path(__file__).with_name("wrk_report.lua")
HOST = "127.0.0.1"


@dataclass
class LoadResult:
    tool: str
    requests: int
    duration_s: float
    p50_ms: float
    p95_ms: float
    p99_ms: float
    errors: dict[str, int] = field(default_factory=dict)

    @property
    def rps(self) -> float:
        return self.requests / self.duration_s if self.duration_s else 0.0

    @property
    def error_count(self) -> int:
        return sum(self.errors.values())

    def summary(self) -> str:
        errors = f", errors {self.errors}" if self.error_count else ""
        latency = f"p50 {self.p50_ms:6.1f} ms  p95 {self.p95_ms:6.1f} ms"
        return f"{self.rps:8.0f} req/s  {latency}  ({self.requests} req){errors}"


def wrk_available() -> bool:
    return shutil.which("wrk") is not None


def run_wrk(port: int, path: str, *, seconds: float, connections: int, headers: dict[str, str], threads: int = 1):
    command = [
        "wrk",
        f"--threads={threads}",
        f"--connections={connections}",
        f"--duration={max(1, round(seconds))}s",
        "--timeout=5s",
        f"--script={LUA_SCRIPT}",
    ]
    for name, value in headers.items():
        command += ["--header", f"{name}: {value}"]
    command.append(f"http://{HOST}:{port}{path}")
    completed = subprocess.run(command, capture_output=True, text=True, timeout=seconds + 30, check=False)
    for line in completed.stdout.splitlines():
        if line.startswith("BENCH_JSON "):
            data = json.loads(line.removeprefix("BENCH_JSON "))
            return LoadResult(
                tool="wrk",
                requests=data["requests"],
                duration_s=data["duration_us"] / 1e6,
                p50_ms=data["p50_us"] / 1000,
                p95_ms=data["p95_us"] / 1000,
                p99_ms=data["p99_us"] / 1000,
                errors={name: count for name, count in data["errors"].items() if count},
            )
    raise RuntimeError(f"wrk gave no result (exit {completed.returncode}): {completed.stderr or completed.stdout}")


# Fallback: asyncio, HTTP/1.1 keep-alive, reconnecting when the server closes (gunicorn sync workers do).


def _percentile(sorted_values: list[float], percent: float) -> float:
    if not sorted_values:
        return float("nan")
    index = max(0, min(len(sorted_values) - 1, round(percent / 100 * len(sorted_values) + 0.5) - 1))
    return sorted_values[index]


async def _read_response(reader: asyncio.StreamReader) -> tuple[int, bool]:
    status_line = await reader.readline()
    if not status_line:
        raise ConnectionError("connection closed before the response")
    status = int(status_line.split()[1])
    length, close = None, status_line.startswith(b"HTTP/1.0")
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
    else:  # no length: the body ends with the connection
        await reader.read()
        close = True
    return status, close


async def _client(port: int, request: bytes, deadline: float, latencies: list[float], errors: dict[str, int]):
    reader = writer = None
    while time.perf_counter() < deadline:
        try:
            if writer is None:
                reader, writer = await asyncio.open_connection(HOST, port)
            started = time.perf_counter()
            writer.write(request)
            await writer.drain()
            status, close = await _read_response(reader)
            latencies.append(time.perf_counter() - started)
            if status >= 400:
                errors["status"] = errors.get("status", 0) + 1
        except (OSError, ConnectionError, asyncio.IncompleteReadError, ValueError, IndexError):
            errors["read"] = errors.get("read", 0) + 1
            close = True
        if close and writer is not None:
            writer.close()
            reader = writer = None
    if writer is not None:
        writer.close()


async def _run_python(port, path, seconds, connections, headers):
    lines = [f"GET {path} HTTP/1.1", f"Host: {HOST}:{port}", "Connection: keep-alive", "User-Agent: bench"]
    lines += [f"{name}: {value}" for name, value in headers.items()]
    request = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")
    latencies: list[float] = []
    errors: dict[str, int] = {}
    started = time.perf_counter()
    deadline = started + seconds
    await asyncio.gather(*(_client(port, request, deadline, latencies, errors) for _ in range(connections)))
    return latencies, errors, time.perf_counter() - started


def run_python(port: int, path: str, *, seconds: float, connections: int, headers: dict[str, str]) -> LoadResult:
    latencies, errors, elapsed = asyncio.run(_run_python(port, path, seconds, connections, headers))
    latencies.sort()
    return LoadResult(
        tool="python",
        requests=len(latencies),
        duration_s=elapsed,
        p50_ms=_percentile(latencies, 50) * 1000,
        p95_ms=_percentile(latencies, 95) * 1000,
        p99_ms=_percentile(latencies, 99) * 1000,
        errors=errors,
    )


def run_load(
    port: int, path: str, *, seconds: float, connections: int, headers: dict[str, str] | None = None, tool: str = "auto"
) -> LoadResult:
    headers = headers or {}
    if tool == "wrk" or (tool == "auto" and wrk_available()):
        return run_wrk(port, path, seconds=seconds, connections=connections, headers=headers)
    return run_python(port, path, seconds=seconds, connections=connections, headers=headers)
