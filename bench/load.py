"""The load generator: wrk pinned to its own core, driven by bench/wrk.lua,
every run bounded by its duration and aimed at 127.0.0.1 only."""

import json
import subprocess
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

SCRIPT = Path(__file__).with_name("wrk.lua")
LOAD_CORE = "1"


@dataclass(frozen=True)
class Request:
    """What one scenario sends: method, URL, headers, and a body file (a {n} in it makes bodies unique)."""

    method: str
    url: str
    headers: tuple = ()
    body_file: Path | None = None


@dataclass
class Result:
    """One wrk run: throughput, latency percentiles (ms) and errors."""

    requests: int
    seconds: float
    p50_ms: float
    p90_ms: float
    p99_ms: float
    max_ms: float
    errors: dict = field(default_factory=dict)
    # Share of core 0 used by processes other than the system under test, and
    # stolen by the hypervisor, during the run (noise; see bench/servers.py).
    core0_other_pct: float | None = None
    core0_steal_pct: float | None = None

    @property
    def rps(self):
        return self.requests / self.seconds if self.seconds else 0.0

    @property
    def error_count(self):
        return sum(self.errors.values())


def check_local(url):
    """Every request of this harness stays on the loopback interface."""
    if urlsplit(url).hostname != "127.0.0.1":
        raise ValueError(f"refusing to load anything but 127.0.0.1: {url}")


def run_wrk(request, *, connections, seconds, timeout=30):
    """One bounded wrk run; returns its Result."""
    check_local(request.url)
    args = [request.method, uuid.uuid4().hex[:10], *(f"{name}: {value}" for name, value in request.headers)]
    if request.body_file:
        args.append(f"@{request.body_file}")
    command = ["taskset", "-c", LOAD_CORE, "wrk", "-t1", f"-c{connections}", f"-d{seconds}s",
               "--timeout", f"{timeout}s", "-s", str(SCRIPT), request.url, "--", *args]
    completed = subprocess.run(command, capture_output=True, text=True, timeout=seconds + timeout + 30)
    for line in completed.stdout.splitlines():
        if line.startswith("BENCH_JSON "):
            return parse(json.loads(line.removeprefix("BENCH_JSON ")))
    raise RuntimeError(f"wrk gave no summary: {completed.stdout}\n{completed.stderr}")


def parse(summary):
    latency = summary["latency_us"]
    return Result(
        requests=summary["requests"], seconds=summary["duration_us"] / 1e6,
        p50_ms=latency["p50"] / 1000, p90_ms=latency["p90"] / 1000, p99_ms=latency["p99"] / 1000,
        max_ms=latency["max"] / 1000, errors={k: v for k, v in summary["errors"].items() if v},
    )
