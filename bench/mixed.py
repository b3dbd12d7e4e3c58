"""The mixed load of `make bench`: 90% thread reads, 9% counts and 1% posts
over 1,000 articles whose popularity follows Zipf's law, sent by wrk
(bench/mixed.lua) to each system running the shipped gunicorn settings: two
sync workers, free to use both cores, which the load generator shares."""

import bisect
import json
import random
import subprocess
import uuid
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode

from . import data
from .load import check_local, parse
from .scenarios import BROWSER_ENCODINGS, ISSO_SITE, comments_path
from .servers import wait_for_quiet_machine, wait_until_idle
from .stats import Spread, latency, throughput
from .systems import log

SCRIPT = Path(__file__).with_name("mixed.lua")
MIX = (("read", 90), ("counts", 9), ("post", 1))
PLAN_LENGTH = 20_000
ZIPF_EXPONENT = 1.0
COUNTS_PAGE = 20  # articles per counts request: a front page of headlines
CONNECTIONS = 16
WORKERS = 2


@dataclass(frozen=True)
class Step:
    """One request of the plan: its kind and the article (or counts page) it is about."""

    kind: str
    number: int


def zipf_sampler(count, rng, exponent=ZIPF_EXPONENT):
    """A function returning 0..count-1, rank r drawn with weight 1/(r+1)^exponent."""
    cumulative, total = [], 0.0
    for rank in range(count):
        total += 1 / (rank + 1) ** exponent
        cumulative.append(total)
    return lambda: min(bisect.bisect_left(cumulative, rng.random() * total), count - 1)


def make_plan(length=PLAN_LENGTH, seed=7):
    """The same sequence of steps for every system: the mix exactly, in a shuffled order."""
    rng = random.Random(seed)
    kinds = [kind for kind, share in MIX for _ in range(length * share // 100)]
    rng.shuffle(kinds)
    article = zipf_sampler(data.MIXED_ARTICLES, rng)
    page = zipf_sampler(data.MIXED_ARTICLES // COUNTS_PAGE, rng)
    return [Step(kind, page() if kind == "counts" else article()) for kind in kinds]


def page_articles(number):
    first = number * COUNTS_PAGE
    return [data.mixed_article(n) for n in range(first, first + COUNTS_PAGE)]


def post_template(number, is_isso):
    """A post's JSON body with {n} where the script puts a unique suffix."""
    text = data.post_body(number) + " [{n}]"
    if is_isso:
        return {"author": "Bench Reader", "email": "bench.reader@example.org", "text": text}
    return {"name": "Bench Reader", "email": "bench.reader@example.org", "body": text}


def ours_line(step):
    """A plan line (method, path, body) for our service."""
    article = data.mixed_article(step.number)
    if step.kind == "read":
        return "GET", comments_path(article), ""
    if step.kind == "counts":
        return "GET", "/api/v1/counts?" + urlencode([("article_id", key) for key in page_articles(step.number)]), ""
    return "POST", comments_path(article), json.dumps(post_template(step.number, False))


def isso_line(step):
    """The same step in Isso's API (its counts are a POST of page paths)."""
    uri = data.isso_uri(data.mixed_article(step.number))
    if step.kind == "read":
        return "GET", "/?" + urlencode({"uri": uri}), ""
    if step.kind == "counts":
        return "POST", "/count", json.dumps([data.isso_uri(key) for key in page_articles(step.number)])
    return "POST", "/new?" + urlencode({"uri": uri}), json.dumps(post_template(step.number, True))


# What every request to a system carries: the codings a browser accepts, and
# for Isso its site's Origin and Referer, which it wants on writes.
HEADERS = {"ours": (BROWSER_ENCODINGS,),
           "isso": (BROWSER_ENCODINGS, ("Origin", ISSO_SITE), ("Referer", ISSO_SITE + "/"))}


def write_plan(folder, system, plan):
    """The plan as bench/mixed.lua reads it, in this system's API; returns its path."""
    line = isso_line if system == "isso" else ours_line
    path = Path(folder) / f"mixed-plan-{system}.tsv"
    path.write_text("".join("\t".join(line(step)) + "\n" for step in plan))
    return path


def run_wrk(base, plan_file, headers, *, seconds, connections=CONNECTIONS, timeout=30):
    """One bounded wrk run of the plan against base; returns a load.Result."""
    check_local(base)
    command = ["wrk", "-t1", f"-c{connections}", f"-d{seconds}s", "--timeout", f"{timeout}s", "-s", str(SCRIPT),
               base, "--", str(plan_file), uuid.uuid4().hex[:10], *(f"{name}: {value}" for name, value in headers)]
    completed = subprocess.run(command, capture_output=True, text=True, timeout=seconds + timeout + 30)
    for line in completed.stdout.splitlines():
        if line.startswith("BENCH_JSON "):
            return parse(json.loads(line.removeprefix("BENCH_JSON ")))
    raise RuntimeError(f"wrk gave no summary: {completed.stdout}\n{completed.stderr}")


def unpinned(server):
    """The server as shipped: two workers, every core."""
    server.workers, server.pinned = WORKERS, False
    return server


def run(args, deployment, logs):
    """Seed, start every system (shipped settings), and measure the mix
    args.rounds times, systems interleaved; returns {system: [Result]}."""
    log(f"seeding the mixed load's {data.MIXED_ARTICLES:,} articles into ours (SQLite, PostgreSQL) and Isso")
    deployment.seed_mixed()
    servers = {name: unpinned(server) for name, server in deployment.servers(logs).items()}
    plan = make_plan()
    plans = {name: write_plan(deployment.folder, "isso" if name == "isso" else "ours", plan) for name in servers}
    results = {name: [] for name in servers}
    try:
        for server in servers.values():
            server.start()
        for number in range(1, args.rounds + 1):
            for name, server in servers.items():
                headers = HEADERS["isso" if name == "isso" else "ours"]
                run_wrk(server.base, plans[name], headers, seconds=args.warmup)
                wait_until_idle([pid for other in servers.values() for pid in other.busy_pids()])
                wait_for_quiet_machine()
                result = run_wrk(server.base, plans[name], headers, seconds=args.mixed_seconds)
                results[name].append(result)
                log(f"mixed round {number} {name:12} {result.rps:9.1f} req/s  p50 {result.p50_ms:7.2f} ms  "
                    f"p99 {result.p99_ms:7.2f} ms  errors {result.errors or 0}")
    finally:
        for server in servers.values():
            server.stop()
    return results


def table(results, args, labels):
    """The markdown section: the method in a paragraph, then one row per system."""
    isso = results.get("isso") or []
    lines = [
        f"{data.MIXED_ARTICLES:,} articles of {data.MIXED_COMMENTS} comments; each request picks its article "
        f"by Zipf's law (exponent {ZIPF_EXPONENT}; the first article draws about 13% of the reads), counts ask "
        f"about a page of {COUNTS_PAGE} articles (also Zipf), posts are new comments (held, for ours). The same "
        f"plan of {PLAN_LENGTH:,} requests for every system, in its own API, each sent as a browser sends it "
        f"(`{': '.join(BROWSER_ENCODINGS)}`). Every system runs the shipped "
        f"gunicorn settings, {WORKERS} sync workers on both cores, and **wrk (1 thread, {CONNECTIONS} "
        f"connections) shares those two cores**: the figures are lower than the servers would reach alone. "
        f"{args.rounds} round{'s' * (args.rounds != 1)} of {args.mixed_seconds} s after a {args.warmup} s warm-up; medians (min–max).",
        "",
        "| system | req/s | p50 ms | p99 ms | errors | req/s ÷ Isso's |",
        "|---|---|---|---|---|---|",
    ]
    for name, runs in results.items():
        if not runs:
            continue
        rps, p50, p99 = throughput(runs), latency(runs, "p50"), latency(runs, "p99")
        errors = sum(run.error_count for run in runs)
        ratio = Spread.of([mine.rps / theirs.rps for mine, theirs in zip(runs, isso) if theirs.rps])
        lines.append(f"| {labels.get(name, name)} | {spread(rps, 0)} | {spread(p50, 2)} | {spread(p99, 2)} | "
                     f"{errors} | {spread(ratio, 2) if ratio and name != 'isso' else '—'} |")
    return lines


def spread(value, digits):
    if value is None:
        return "—"
    text = f"{value.median:,.{digits}f}"
    return text + (f" ({value.low:,.{digits}f}–{value.high:,.{digits}f})" if value.runs > 1 else "")
