"""bench/results/latest.md: the machine, the tables, the targets."""

import hashlib
import os
import platform
import sqlite3
import subprocess
import sys
import time
from dataclasses import asdict
from pathlib import Path

from . import data, wire
from .scenarios import SCENARIOS
from .stats import Spread, latency, ratios, throughput

SYSTEMS = {"ours-sqlite": "ours, SQLite", "ours-pg": "ours, PostgreSQL", "isso": "Isso 0.14", "ceiling": "ceiling"}
OURS = ("ours-sqlite", "ours-pg")


def describe_machine():
    """nproc, CPU model, memory, kernel and the versions that matter."""
    cpu = next((line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo") if line.startswith("model name")), "?")
    memory_kib = next(int(line.split()[1]) for line in open("/proc/meminfo") if line.startswith("MemTotal"))
    postgres = subprocess.run(["psql", "-h", "127.0.0.1", "-U", "postgres", "-Atc", "SHOW server_version"],
                              capture_output=True, text=True).stdout.strip()
    wrk = subprocess.run(["wrk", "-v"], capture_output=True, text=True).stdout.split(" [")[0].strip()
    return {"nproc": os.cpu_count(), "cpu": cpu, "memory_gib": round(memory_kib / 2**20, 1),
            "kernel": platform.release(), "python": platform.python_version(),
            "sqlite": sqlite3.sqlite_version, "postgresql": postgres, "wrk": wrk}


def spread_text(spread, digits=0, unit=""):
    if spread is None:
        return "—"
    fmt = f"{{:,.{digits}f}}"
    middle = fmt.format(spread.median)
    if spread.runs > 1:
        return f"{middle}{unit} ({fmt.format(spread.low)}–{fmt.format(spread.high)})"
    return middle + unit


def system_cell(runs):
    if not runs:
        return "—"
    rps = throughput(runs)
    errors = sum(run.error_count for run in runs)
    cell = (f"**{spread_text(rps, 0 if rps.median >= 100 else 1)}** req/s<br>"
            f"p50 {latency(runs, 'p50').median:.2f} · p99 {latency(runs, 'p99').median:.2f} ms")
    return cell + (f"<br>{errors} errors" if errors else "")


def ratio_cell(results, key, other_key, other):
    parts = []
    for name in OURS:
        spread = ratios(results.get((key, name), []), results.get((other_key, other), []))
        if spread:
            parts.append(f"{'SQLite' if name == 'ours-sqlite' else 'PG'} {spread_text(spread, 2)}")
    return "<br>".join(parts) or "—"


def main_table(results):
    lines = ["| scenario | conns | " + " | ".join(SYSTEMS.values()) + " | ours/Isso | ours/ceiling |",
             "|---|---|" + "---|" * (len(SYSTEMS) + 2)]
    for scenario in SCENARIOS:
        cells = [system_cell(results.get((scenario.key, name), [])) for name in SYSTEMS]
        lines.append(f"| {scenario.title} | {scenario.connections} | " + " | ".join(cells) + " | "
                     f"{ratio_cell(results, scenario.key, scenario.key, 'isso')} | "
                     f"{ratio_cell(results, scenario.key, scenario.key, 'ceiling')} |")
    return lines


def target_rows(results, curve_points):
    """(target, measured text, met?) for each of the issue's targets, per database."""
    rows = []
    checks = [
        ("GET one article ≥ 0.70 × ceiling", "get", "get", "ceiling", 0.70),
        ("304 ≥ 0.80 × ceiling's 200 GET", "etag", "get", "ceiling", 0.80),
        ("counts for 20 articles ≥ 2.5 × Isso", "counts", "counts", "isso", 2.5),
        ("POST ≥ 1.5 × Isso, 1 client", "post_c1", "post_c1", "isso", 1.5),
        ("POST ≥ 1.5 × Isso, 16 clients", "post_c16", "post_c16", "isso", 1.5),
        ("GET compressed (as a browser asks) ≥ 0.95 × uncompressed", "get_br", "get", None, 0.95),
    ]
    for title, key, other_key, other, goal in checks:
        for name in OURS:
            spread = ratios(results.get((key, name), []), results.get((other_key, other or name), []))
            if spread:
                rows.append((f"{title} — {SYSTEMS[name]}", f"{spread_text(spread, 2)}", spread.median >= goal))
    if curve_points:
        first, last = curve_points[0], curve_points[-1]
        for name in OURS:
            low, high = latency(first["runs"][name], "p50"), latency(last["runs"][name], "p50")
            growth = high.median / low.median
            rows.append((f"GET p50 at {last['comments']:,} within 20% of {first['comments']:,} comments — "
                         f"{SYSTEMS[name]}", f"{growth:.2f}× ({low.median:.2f} → {high.median:.2f} ms)",
                         growth <= 1.2))
        rows += moderation_targets(first, last)
    return rows


# Flat: a page of the queue or of an author's comments costs the same at any
# size, up to the noise of in-process timings on a shared machine.
MODERATION_GROWTH = 1.5


def moderation_targets(first, last):
    rows = []
    for read in ("queue", "author"):
        for name in OURS:
            low = first["moderation"][name][read]["median_ms"]
            high = last["moderation"][name][read]["median_ms"]
            rows.append((f"{read} page at {last['comments']:,} within {MODERATION_GROWTH}× of {first['comments']:,} "
                         f"comments — {SYSTEMS[name]}", f"{high / low:.2f}× ({low:.2f} → {high:.2f} ms)",
                         high / low <= MODERATION_GROWTH))
    return rows


def targets_table(results, curve_points):
    lines = ["| target | measured: median ratio (min–max over rounds) | met |", "|---|---|---|"]
    for title, measured, met in target_rows(results, curve_points):
        lines.append(f"| {title} | {measured} | {'yes' if met else '**no**'} |")
    return lines


def wire_section(figures):
    """Bytes on the wire per read, beside Isso's (bench/wire.py)."""
    if not figures:
        return []
    return ["", "## Bytes on the wire per read", "",
            "Everything received for one read (status line, headers, body), with the coding the server chose.", "",
            *wire.table(figures, SYSTEMS)]


def curve_table(points):
    names = ["ours-sqlite", "ours-pg", "isso"]
    lines = ["| comments in the database | " + " | ".join(f"{SYSTEMS[n]}: p50 / p99 ms (requests)" for n in names)
             + " | ours, page built uncached: SQLite / PG (ms) |",
             "|---|" + "---|" * (len(names) + 1)]
    for point in points:
        cells = []
        for name in names:
            runs = [run for run in point["runs"][name] if run.requests]
            if not runs:
                cells.append("no request completed within a run")
                continue
            cells.append(f"{latency(runs, 'p50').median:.2f} / {latency(runs, 'p99').median:.2f} "
                         f"({sum(run.requests for run in runs):,})")
        cold = " / ".join(f"{point['cold'][name]['median_ms']:.2f}" for name in ("ours-sqlite", "ours-pg"))
        lines.append(f"| {point['comments']:,} | " + " | ".join(cells) + f" | {cold} |")
    return lines


def memory_table(memory, curve_memory):
    lines = ["| system | standard data set | cost-curve servers (largest size) |", "|---|---|---|"]
    for name, label in SYSTEMS.items():
        main = memory.get(name)
        curve = (curve_memory or {}).get(name)
        lines.append(f"| {label} | " + (f"{main / 1024:.1f} MiB |" if main else "— |")
                     + (f"{curve / 1024:.1f} MiB |" if curve else "— |"))
    return lines


MODERATION_READS = ("queue", "queue, middle page", "author", "stats")


def moderation_table(points):
    """The moderators' reads at each size: median (p90) ms in-process, SQLite / PostgreSQL."""
    lines = ["| comments in the database | " + " | ".join(f"{read}: SQLite / PG, ms" for read in MODERATION_READS)
             + " |", "|---|" + "---|" * len(MODERATION_READS)]
    for point in points:
        cells = []
        for read in MODERATION_READS:
            cells.append(" / ".join(f"{point['moderation'][name][read]['median_ms']:.2f} "
                                    f"({point['moderation'][name][read]['p90_ms']:.2f})" for name in OURS))
        lines.append(f"| {point['comments']:,} | " + " | ".join(cells) + " |")
    last = points[-1]
    lines += ["", f"Plans at {last['comments']:,} comments:", ""]
    for name in OURS:
        for read in MODERATION_READS:
            plan = "; ".join(line.strip() for line in last["moderation"][name][read]["plan"])
            lines.append(f"- {SYSTEMS[name]}, {read}: `{plan}`")
    return lines


def statements_table(probe):
    lines = ["| request | status | SQLite: statements the driver ran | PostgreSQL: statements and "
             "COMMIT/ROLLBACK round trips | pool checkouts |", "|---|---|---|---|---|"]
    sqlite, postgres = probe["ours-sqlite"]["statements"], probe["ours-pg"]["statements"]
    for label, counted in sqlite.items():
        other = postgres[label]
        lines.append(f"| {label} | {counted['status']} | {counted['statements']}: {summarise(counted['sql'])} | "
                     f"{other['statements']}: {summarise(other['sql'])} | "
                     f"{counted['checkouts']} / {other['checkouts']} |")
    return lines


def summarise(statements):
    """The first words of each statement: SELECT articles, INSERT comments, COMMIT..."""
    words = []
    for statement in statements:
        parts = statement.replace('"', "").split()
        if parts == [";"]:
            words.append("pre-ping")  # SQLAlchemy's pool_pre_ping on psycopg
            continue
        verb = parts[0].upper() if parts else "?"
        table = next((parts[i + 1] for i, word in enumerate(parts[:-1])
                      if word.upper() in ("FROM", "INTO", "UPDATE")), "")
        words.append(f"{verb} {table}".strip() if verb != "UPDATE" else f"UPDATE {parts[1] if len(parts) > 1 else ''}")
    return ", ".join(words) or "none"


def noise_line(results, points):
    """How much of the server's core others took during the measured runs."""
    runs = [run for group in results.values() for run in group]
    runs += [run for point in points for group in point["runs"].values() for run in group]
    others = [run.core0_other_pct for run in runs if run.core0_other_pct is not None]
    steal = [run.core0_steal_pct for run in runs if run.core0_steal_pct is not None]
    if not others:
        return ""
    return (f"Noise on core 0 during the {len(others)} measured runs: other processes took "
            f"{Spread.of(others).median:.1f}% (max {max(others):.1f}%), the hypervisor stole "
            f"{Spread.of(steal).median:.1f}% (max {max(steal):.1f}%).")


def source_digest():
    """A digest of the service's source as measured (the tree has no commit to name)."""
    digest = hashlib.sha256()
    root = Path(__file__).resolve().parent.parent
    for path in sorted([*root.glob("moderation/**/*.py"), *root.glob("schemas/*.py"), root / "requirements.txt"]):
        digest.update(path.relative_to(root).as_posix().encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:12]


def render(args, results, memory, probe, curve, deployment, elapsed, problems=(), wire_bytes=None, sections=()):
    """The markdown report and the raw figures behind it; sections are (title, lines) of other parts."""
    machine = describe_machine()
    curve_deployment, points, curve_memory = curve if curve else (None, [], None)
    lines = [
        "# Benchmark: ours vs Isso 0.14 vs the bare-Flask ceiling",
        "",
        f"Run {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, {elapsed / 60:.1f} min "
        f"(`python -m bench.run {' '.join(sys.argv[1:])}`); service source digest {source_digest()} "
        "(sha256 of moderation/, schemas/ and requirements.txt).",
        f"Machine: {machine['nproc']} cores ({machine['cpu']}), {machine['memory_gib']} GiB, kernel "
        f"{machine['kernel']}; Python {machine['python']}, SQLite {machine['sqlite']}, PostgreSQL "
        f"{machine['postgresql']}, {machine['wrk']}.",
        f"Method: one gunicorn sync worker per system on core 0, wrk on core 1; {args.rounds} rounds, systems "
        f"interleaved; each run {args.seconds} s after a {args.warmup} s warm-up and a wait until every server "
        "is idle; medians with (min–max) over rounds; ratios computed round by round.",
        f"Data: one article with 50 approved comments ({data.BIG_ROOTS} threads, {data.BIG_REPLIES} replies, "
        f"~400 characters with links and emphasis), {data.SMALL_ARTICLES} articles with "
        f"{data.SMALL_COMMENTS} comments each, {data.QUEUE_COMMENTS} pending comments on one more: "
        f"{data.BASE_COMMENTS:,} comments in every database (the curve's filler: one article in "
        f"{data.PENDING_EVERY} with a pending reply).",
        "",
        noise_line(results, points),
        "",
        "## Throughput and latency",
        "",
        *main_table(results),
        "",
        "## Targets",
        "",
        *targets_table(results, points),
        *wire_section(wire_bytes),
        "",
        "## Peak memory per worker (VmHWM)",
        "",
        *memory_table(memory, curve_memory),
    ]
    for title, section in sections:
        lines += ["", f"## {title}", "", *section]
    if points:
        lines += ["", "## Cost curve: GET one article, 1 connection, as the database grows", "",
                  *curve_table(points)]
        if curve_deployment:
            lines += ["", f"Seconds spent seeding the curve's databases, step by step: "
                          f"{curve_deployment.seconds_seeding}"]
        lines += ["", "## Cost curve: a moderator's reads as the database grows", "",
                  "In-process through the app (token check included), median (p90) ms of the quietest of 5 "
                  "rounds of 20 requests; every page holds 50 comments.", "", *moderation_table(points)]
    if problems:
        lines += ["", "## Notes on this run", "", *(f"- {problem}" for problem in problems)]
    if probe:
        lines += ["", "## SQL statements per request (ours)", "", *statements_table(probe), "",
                  "Profiles: bench/results/profiles/ (pyinstrument in-process; "
                  "py-spy of real gunicorn workers under wrk)."]
    raw = {
        "machine": machine, "args": vars(args), "elapsed_s": elapsed, "memory_kib": memory,
        "results": {f"{key}/{name}": [asdict(run) for run in runs] for (key, name), runs in results.items()},
        "probe": probe,
        "curve": [{"comments": p["comments"], "cold": p["cold"], "moderation": p["moderation"],
                   "runs": {n: [asdict(r) for r in runs] for n, runs in p["runs"].items()}} for p in points],
        "curve_memory_kib": curve_memory, "seeding_s": deployment.seconds_seeding if deployment else None,
        "wire_bytes": wire_bytes,
    }
    return "\n".join(lines) + "\n", raw
