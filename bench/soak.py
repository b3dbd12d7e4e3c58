"""`make soak`: our service as shipped (two gunicorn workers and the
notification worker) under half of its mixed-load throughput for
SOAK_MINUTES (30 by default), with a moderator approving each new comment.
It passes when every worker's resident memory grew less than 10% from the
start to the end and not one request failed (an error, or an answer more
than 10 s after the request's time); it says so, and exits 1 if not.

    python -m bench.soak [--minutes 30] [--database postgresql|sqlite] [--rate REQ_PER_S]

The pace is kept by an open-loop client (asyncio, one connection per request,
as nginx talks to gunicorn): request i leaves at start + i / rate whether or
not the earlier ones were answered, and its latency counts from then, so a
stall shows in p99 instead of slowing the load down (wrk cannot pace)."""

import argparse
import asyncio
import gzip
import itertools
import json
import math
import os
import re
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import brotli

from . import data, mixed, seed_ours, servers, systems
from .scenarios import BROWSER_ENCODINGS
from .systems import SECRET, log

RESULTS = servers.ROOT / "bench" / "results"
WORK = RESULTS / "soak-work"
DATABASE = f"bench_ours_soak_{systems.CHECKOUT}"
GROWTH_LIMIT = 0.10
SAMPLE_SECONDS = 30
APPROVE_AFTER = 2.0  # seconds a new comment waits for its moderator
TIMEOUT = 10.0  # seconds after its time a request counts as failed, answered or not
MAX_IN_FLIGHT = 256


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=float(os.environ.get("SOAK_MINUTES", 30)))
    parser.add_argument("--database", choices=("postgresql", "sqlite"), default="postgresql")
    parser.add_argument("--rate", type=float, help="requests per second (default: half the measured throughput)")
    parser.add_argument("--measure-seconds", type=int, default=10, help="length of the throughput measurement")
    return parser.parse_args(argv)


def flask(env, *args):
    command = [Path(sys.executable).parent / "flask", "--app", "wsgi", *args]
    return subprocess.run(command, cwd=servers.ROOT, env=env, check=True, capture_output=True, text=True).stdout


def rss_kib(pid):
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise RuntimeError(f"no VmRSS for {pid}")


class Service:
    """Our service on a freshly seeded database: gunicorn (shipped settings,
    two workers) and the notification worker, a moderator with a token."""

    def __init__(self, database):
        WORK.mkdir(parents=True, exist_ok=True)
        if database == "sqlite":
            (WORK / "ours.sqlite").unlink(missing_ok=True)
            self.url = f"sqlite:///{WORK / 'ours.sqlite'}"
        else:
            systems.recreate_postgres(DATABASE)
            self.url = systems.postgres_url(DATABASE)
        self.env = {**os.environ, "DATABASE_URL": self.url, "SECRET_KEY": SECRET, "FLASK_RATELIMIT_ENABLED": "false",
                    "FLASK_PUBLIC_URL": '"http://127.0.0.1"', "FLASK_MAIL_DIRECTORY": json.dumps(str(WORK / "mail"))}
        self.server = mixed.unpinned(servers.ours("ours-soak", self.url, RESULTS / "logs" / "soak.log", SECRET))
        self.notifier = None

    def start(self):
        log(f"seeding {data.MIXED_ARTICLES:,} articles ({self.url.split('?')[0]})")
        seed_ours.seed(self.url, data.mixed_dataset(), SECRET, create=True)
        token = flask(self.env, "moderators", "add", "soak", "--role", "admin").strip().splitlines()[-1]
        flask(self.env, "moderators", "mail", "soak", "--email", "soak@example.org", "--frequency", "each")
        self.server.start()
        worker_log = RESULTS / "logs" / "soak-worker.log"
        with open(worker_log, "w") as output:
            self.notifier = subprocess.Popen([Path(sys.executable).parent / "flask", "--app", "wsgi", "worker"],
                                             cwd=servers.ROOT, env=self.env, stdout=output, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 60
        while "worker started" not in worker_log.read_text():
            if self.notifier.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"the notification worker did not start; see {worker_log}")
            time.sleep(0.2)
        return token

    def processes(self):
        """{label: pid} of the processes whose memory is watched."""
        workers = {f"gunicorn worker {pid}": pid for pid in sorted(self.server.worker_pids())}
        return {**workers, f"notification worker {self.notifier.pid}": self.notifier.pid}

    def stop(self):
        self.server.stop()
        if self.notifier and self.notifier.poll() is None:
            self.notifier.terminate()
            self.notifier.wait(timeout=60)


# The codings the service answers in, when the browser's Accept-Encoding allows them.
DECODERS = {"gzip": gzip.decompress, "br": brotli.decompress}


async def exchange(port, method, path, body=b"", headers=()):
    """One request on a new connection, as a browser sends it; (status, decoded body bytes)."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        head = [f"{method} {path} HTTP/1.1", f"Host: 127.0.0.1:{port}", "Connection: close",
                ": ".join(BROWSER_ENCODINGS), *headers]
        if body:
            head += ["Content-Type: application/json", f"Content-Length: {len(body)}"]
        writer.write(("\r\n".join(head) + "\r\n\r\n").encode() + body)
        answer = await reader.read()
    finally:
        writer.close()
    head, _, body = answer.partition(b"\r\n\r\n")
    coding = re.search(rb"(?im)^content-encoding:\s*(\S+)", head)
    return int(answer[9:12]), DECODERS[coding.group(1).decode()](body) if coding else body


class Soak:
    """The paced client and what it saw, minute by minute."""

    def __init__(self, port, token, rate, seconds):
        self.port, self.rate, self.seconds = port, rate, seconds
        self.auth = (f"Authorization: Bearer {token}",)
        self.plan = [mixed.ours_line(step) for step in mixed.make_plan()]
        self.minutes = {}  # minute -> {"latencies": [...], "requests": n, "errors": Counter()}
        self.errors, self.approvals = Counter(), 0

    def minute(self, at):
        return self.minutes.setdefault(int((at - self.started) // 60), {"latencies": [], "errors": Counter()})

    async def one(self, number, at, limit):
        method, path, body = self.plan[number % len(self.plan)]
        body = body.replace("{n}", f"soak-{number}").encode()
        async with limit:
            try:
                status, answer = await asyncio.wait_for(exchange(self.port, method, path, body), TIMEOUT)
                problem = None if status in ((200,) if method == "GET" else (201, 202)) else f"HTTP {status}"
            except (OSError, asyncio.TimeoutError, ValueError) as error:
                status, problem = None, type(error).__name__
        record, waited = self.minute(at), time.monotonic() - at
        record["latencies"].append(waited)
        if problem is None and waited > TIMEOUT:  # queued behind a stall: the reader gave up
            problem = f"over {TIMEOUT:g} s after its time"
        if problem:
            record["errors"][problem] += 1
            self.errors[problem] += 1
        if status == 202:
            await asyncio.sleep(APPROVE_AFTER)
            await self.approve(json.loads(answer)["id"])

    async def approve(self, comment_id):
        try:
            status, _ = await asyncio.wait_for(exchange(
                self.port, "POST", f"/api/v1/moderation/comments/{comment_id}/approve", headers=self.auth), TIMEOUT)
            problem = None if status == 200 else f"approve: HTTP {status}"
        except (OSError, asyncio.TimeoutError, ValueError) as error:
            problem = f"approve: {type(error).__name__}"
        self.approvals += 1
        if problem:
            self.errors[problem] += 1

    async def run(self, on_sample):
        """Send at the rate for the length; call on_sample() every SAMPLE_SECONDS."""
        limit, tasks = asyncio.Semaphore(MAX_IN_FLIGHT), set()
        self.started = time.monotonic()
        next_sample = self.started + SAMPLE_SECONDS
        for number in itertools.count():
            at = self.started + number / self.rate
            if at >= self.started + self.seconds:
                break
            if at >= next_sample:
                on_sample(at - self.started)
                next_sample += SAMPLE_SECONDS
            if (delay := at - time.monotonic()) > 0:
                await asyncio.sleep(delay)
            task = asyncio.create_task(self.one(number, at, limit))
            tasks.add(task)
            task.add_done_callback(tasks.discard)
        if tasks:
            await asyncio.wait(tasks)
        self.sent = number


def percentile(values, share):
    ranked = sorted(values)
    return ranked[max(math.ceil(share * len(ranked)) - 1, 0)] * 1000 if ranked else float("nan")


def report(args, rate, measured, soak, samples, start, end):
    """The markdown report and whether the soak passed."""
    lines = [f"# Soak: {args.minutes:g} min at {rate:,.0f} req/s ({args.database})", "",
             f"Mixed-load throughput measured first: {measured:,.0f} req/s (wrk, 16 connections, "
             f"{args.measure_seconds} s); the soak runs at {'the given rate' if args.rate else 'half of it'}. "
             "The service runs as shipped (2 sync gunicorn workers on both cores, the notification worker); the "
             "client shares those cores. Each new comment is approved by a moderator "
             f"{APPROVE_AFTER:g} s later ({soak.approvals:,} approvals).", "",
             "| minute | requests | p50 ms | p99 ms | errors |", "|---|---|---|---|---|"]
    for number, record in sorted(soak.minutes.items()):
        latencies = record["latencies"]
        lines.append(f"| {number + 1} | {len(latencies):,} | {percentile(latencies, 0.5):.2f} | "
                     f"{percentile(latencies, 0.99):.2f} | {sum(record['errors'].values())} |")
    lines += ["", "| process | RSS at start | at end | growth | peak of samples |", "|---|---|---|---|---|"]
    passed = not soak.errors and set(start) == set(end)
    for label, before in start.items():
        after = end.get(label)
        peak = max(sample.get(label, 0) for sample in samples) if samples else after
        growth = (after - before) / before if after else float("inf")
        passed &= growth < GROWTH_LIMIT
        lines.append(f"| {label} | {before / 1024:.1f} MiB | {after / 1024 if after else 0:.1f} MiB | "
                     f"{growth:+.1%} | {(peak or 0) / 1024:.1f} MiB |")
    if set(start) != set(end):
        lines.append(f"\nProcesses changed during the soak: {sorted(set(start) ^ set(end))}")
    lines += ["", f"Requests sent: {soak.sent:,}; errors: {sum(soak.errors.values())} {dict(soak.errors) or ''}",
              f"Pass line: every process under {GROWTH_LIMIT:.0%} growth and 0 errors: "
              f"**{'PASS' if passed else 'FAIL'}**"]
    return "\n".join(lines) + "\n", passed


def main(argv=None):
    args = parse_args(argv)
    (RESULTS / "logs").mkdir(parents=True, exist_ok=True)
    service = Service(args.database)
    try:
        token = service.start()
        plan_file = mixed.write_plan(WORK, "ours", mixed.make_plan())
        mixed.run_wrk(service.server.base, plan_file, mixed.HEADERS["ours"], seconds=3)
        measured = mixed.run_wrk(service.server.base, plan_file, mixed.HEADERS["ours"],
                                 seconds=args.measure_seconds).rps
        rate = args.rate or measured / 2
        servers.wait_until_idle(service.server.busy_pids())
        start = {label: rss_kib(pid) for label, pid in service.processes().items()}
        log(f"throughput {measured:,.0f} req/s; soaking {args.minutes:g} min at {rate:,.0f} req/s; RSS at start "
            + ", ".join(f"{label} {kib / 1024:.1f} MiB" for label, kib in start.items()))
        samples = []

        def sample(elapsed):
            samples.append({label: rss_kib(pid) for label, pid in service.processes().items()})
            log(f"{elapsed / 60:5.1f} min: errors {sum(soak.errors.values())}; RSS "
                + ", ".join(f"{kib / 1024:.1f}" for kib in samples[-1].values()) + " MiB")

        soak = Soak(service.server.port, token, rate, args.minutes * 60)
        asyncio.run(soak.run(sample))
        end = {label: rss_kib(pid) for label, pid in service.processes().items()}
    finally:
        service.stop()
    document, passed = report(args, rate, measured, soak, samples, start, end)
    (RESULTS / "soak.md").write_text(document)
    print(document)
    if args.database == "postgresql":
        subprocess.run(["dropdb", "--if-exists", "-h", "127.0.0.1", "-U", "postgres", DATABASE], capture_output=True)
    sys.exit(0 if passed else 1)


if __name__ == "__main__":
    main()
