"""`make bench-instructions`: instructions per request of ours and of the
ceiling, counted by valgrind's callgrind in one process (no server, no wrk).
Unlike req/s, the count does not move with what else the machine (or its
host) is doing, so two commits can be compared on a noisy day.

    python -m bench.instructions [--requests 200] [--scenario get etag counts post]

Each figure is two runs under callgrind with the same set-up and warm-up,
one with no measured requests and one with N: the difference over N. Only
the worker's own instructions are counted: with PostgreSQL (--database-url),
the server's share is not, so SQLite (the default) is the fair comparison.
Requests go straight to the WSGI app: gunicorn's share (parsing, sockets,
the access log) is left out of both systems' figures."""

import argparse
import io
import itertools
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from functools import cache
from pathlib import Path

from . import data

SCENARIOS = ("get", "etag", "counts", "post")
WARM_UP = 30
_COLLECTED = re.compile(r"Collected : (\d+)")
_bodies = itertools.count()


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--scenario", nargs="+", choices=SCENARIOS, default=list(SCENARIOS))
    parser.add_argument("--database-url", help="ours on this database instead of a new SQLite file")
    parser.add_argument("--dry-run", action="store_true", help="each child once, natively, without valgrind")
    parser.add_argument("--child", nargs=4, metavar=("FOLDER", "SYSTEM", "SCENARIO", "N"), help=argparse.SUPPRESS)
    return parser.parse_args(argv)


def environ(method, path, query="", headers=(), body=b""):
    """A WSGI environ as gunicorn would build it for this request."""
    env = {"REQUEST_METHOD": method, "PATH_INFO": path, "QUERY_STRING": query, "SERVER_NAME": "127.0.0.1",
           "SERVER_PORT": "8000", "SERVER_PROTOCOL": "HTTP/1.1", "REMOTE_ADDR": "127.0.0.1",
           "HTTP_HOST": "127.0.0.1:8000", "wsgi.version": (1, 0), "wsgi.url_scheme": "http",
           "wsgi.input": io.BytesIO(body), "wsgi.errors": sys.stderr, "wsgi.multithread": False,
           "wsgi.multiprocess": True, "wsgi.run_once": False}
    if body:
        env.update(CONTENT_TYPE="application/json", CONTENT_LENGTH=str(len(body)))
    env.update((f"HTTP_{name.upper().replace('-', '_')}", value) for name, value in headers)
    return env


@cache
def post_text():
    return data.post_body(3)  # made once: building the bodies is not the service's work


def post_environ():
    body = post_text() + f" [{next(_bodies)}]"
    payload = {"name": "Bench Reader", "email": "bench.reader@example.org",
               "website": "https://bench.example.org/", "body": body}
    return environ("POST", f"/api/v1/articles/{data.POST_ARTICLE}/comments", body=json.dumps(payload).encode())


def prepare(folder, database_url):
    """Seed ours through its API, natively (once, outside callgrind): the big
    article (50 approved comments) and the counts articles; write the bytes
    the ceiling serves. Returns the big page's ETag."""
    app = ours_app(folder, database_url)
    from moderation.extensions import db
    from moderation.models import Role
    from moderation.services import moderators

    with app.app_context():
        db.drop_all()
        db.create_all()
        _, token = moderators.add_moderator("bench", Role.MODERATOR)
    client, moderator = app.test_client(), {"Authorization": f"Bearer {token}"}
    texts = data.bodies()
    for article, count in [(data.BIG_ARTICLE, 50), *((key, 5) for key in data.counts_articles())]:
        for number in range(count):
            answer = client.post(f"/api/v1/articles/{article}/comments", json={
                "name": f"Reader {number}", "email": f"reader{number}@example.org",
                "body": texts[number % len(texts)]})
            assert answer.status_code == 202, answer.json
            approved = client.post(f"/api/v1/moderation/comments/{answer.json['id']}/approve", headers=moderator)
            assert approved.status_code == 200, approved.json
    thread = client.get(f"/api/v1/articles/{data.BIG_ARTICLE}/comments")
    (folder / "thread.json").write_bytes(thread.data)
    (folder / "thread.etag").write_text(thread.headers["ETag"].strip('"'))
    (folder / "counts.json").write_bytes(client.get(f"/api/v1/counts?{counts_query()}").data)
    return thread.headers["ETag"]


def ours_app(folder, database_url):
    os.environ.setdefault("PROMETHEUS_MULTIPROC_DIR", str(folder / "metrics"))
    Path(os.environ["PROMETHEUS_MULTIPROC_DIR"]).mkdir(exist_ok=True)
    from moderation import create_app

    return create_app({"SQLALCHEMY_DATABASE_URI": database_url or f"sqlite:///{folder}/ours.sqlite",
                       "SECRET_KEY": "bench-instructions-" + "x" * 16, "RATELIMIT_ENABLED": False,
                       # Under callgrind a request takes ~50 times as long: keep the
                       # state a worker reuses as many requests as it would at full speed.
                       "RECENT_READ_MAX_AGE": 5.0}, instance_path=str(folder / "instance"))


def ceiling_app(folder):
    """The ceiling, serving the bytes our app answered in prepare()."""
    os.environ["BENCH_CEILING_DIR"] = str(folder)
    from . import ceiling_app as ceiling

    return ceiling.app


def counts_query():
    return "&".join(f"article_id={key}" for key in data.counts_articles())


def requests_for(scenario, etag):
    """A function that makes the next request's environ."""
    thread = f"/api/v1/articles/{data.BIG_ARTICLE}/comments"
    fixed = {"get": lambda: environ("GET", thread),
             "etag": lambda: environ("GET", thread, headers=[("If-None-Match", etag)]),
             "counts": lambda: environ("GET", "/api/v1/counts", counts_query())}
    return fixed.get(scenario, post_environ)


def serve(app, make_request, count):
    """count requests through the WSGI app; the statuses seen."""
    statuses = set()

    def start_response(status, headers, exc_info=None):
        statuses.add(status.split()[0])

    for _ in range(count):
        answer = app(make_request(), start_response)
        for _chunk in answer:
            pass
        getattr(answer, "close", lambda: None)()
    return statuses


def child(folder, system, scenario, count, database_url):
    """One measured process: open the prepared app, warm up, then count requests."""
    app = ceiling_app(folder) if system == "ceiling" else ours_app(folder, database_url)
    make_request = requests_for(scenario, '"' + (folder / "thread.etag").read_text() + '"')
    serve(app, make_request, WARM_UP)
    print(json.dumps(sorted(serve(app, make_request, count))))


def counted(folder, system, scenario, count, database_url, dry_run=False):
    """Instructions of one child process under callgrind (0 in a dry run),
    and the statuses it saw."""
    valgrind = [] if dry_run else ["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null"]
    command = [*valgrind, sys.executable, "-m", "bench.instructions", "--child", str(folder), system, scenario,
               str(count)]
    if database_url:
        command += ["--database-url", database_url]
    # One hash seed for every run: with random ones, set and dict orders moved
    # a read's count by up to 4% between runs of the same commit.
    done = subprocess.run(command, capture_output=True, text=True, cwd=Path(__file__).resolve().parent.parent,
                          env={**os.environ, "PYTHONHASHSEED": "0"})
    found = _COLLECTED.search(done.stderr)
    if done.returncode or not (found or dry_run):
        raise SystemExit(f"{command[0]} run failed ({system} {scenario}):\n{done.stderr[-2000:]}")
    return int(found.group(1)) if found else 0, json.loads(done.stdout.strip().splitlines()[-1])


def per_request(folder, system, scenario, count, database_url, dry_run=False):
    """(total - baseline) / count. The two runs go side by side, one per
    core, each on its own copy of the prepared files: sharing one SQLite
    file, the POSTs of one waited on the other's lock, and the figure moved
    by a quarter between runs. On PostgreSQL (one database) they take turns.
    A dry run counts nothing, so it makes the measured run alone."""
    shared = bool(database_url) and system == "ours"

    def run(n):
        return counted(folder if shared else private_copy(folder, n), system, scenario, n, database_url, dry_run)

    if dry_run:
        return 0, run(count)[1]
    if shared:
        base, measured = run(0), run(count)
    else:
        with ThreadPoolExecutor(2) as pool:
            base, measured = pool.map(run, (0, count))
    return (measured[0] - base[0]) / count, measured[1]


def private_copy(folder, name):
    """A copy of the prepared folder (databases, bodies) for one run."""
    copy = folder / f"run-{name}"
    shutil.rmtree(copy, ignore_errors=True)
    shutil.copytree(folder, copy, ignore=shutil.ignore_patterns("run-*", "metrics"))
    return copy


def main(argv=None):
    args = parse_args(sys.argv[1:] if argv is None else argv)
    if args.child:
        folder, system, scenario, count = args.child
        return child(Path(folder), system, scenario, int(count), args.database_url)
    if not args.dry_run and not shutil.which("valgrind"):
        raise SystemExit("valgrind is needed: apt-get install valgrind")
    folder = Path(tempfile.mkdtemp(prefix="bench-instructions-"))
    try:
        prepare(folder, args.database_url)
        print(f"Instructions per request: {args.requests} requests after {WARM_UP} of warm-up, "
              f"ours on {args.database_url or 'a SQLite file'}.\n")
        print("| scenario | ours | ceiling | ours ÷ ceiling | statuses |")
        print("|---|---|---|---|---|")
        for scenario in args.scenario:
            ours, statuses = per_request(folder, "ours", scenario, args.requests, args.database_url, args.dry_run)
            ceiling, _ = per_request(folder, "ceiling", scenario, args.requests, None, args.dry_run)
            ratio = ours / (ceiling or 1)  # a dry run counts nothing
            print(f"| {scenario} | {ours:,.0f} | {ceiling:,.0f} | {ratio:.2f} | {', '.join(statuses)} |", flush=True)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
