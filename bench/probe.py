"""An in-process look at our service, against a seeded database: SQL
statements per request, the time to build a page the worker has not cached
yet, the moderators' reads (the queue, an author's comments, the stats),
and pyinstrument profiles of the hot paths (through Flask's test client,
so gunicorn's own share is not in them).

Runs in bench/.venvs/ours with DATABASE_URL and SECRET_KEY set:

    python -m bench.probe --out DIR [--profile] [--cold-only]

--cold-only: the uncached page and the moderators' reads only (the cost curve).
"""

import argparse
import json
import statistics
import time
from pathlib import Path

import orjson
import sqlalchemy as sa

from moderation import create_app
from moderation.extensions import db
from moderation.services import moderators, threads
from schemas import ThreadPageSchema
from schemas.base import encode_cursor

from . import data
from .scenarios import comments_path, counts_query

PROFILE_REQUESTS = {"get": 1000, "etag": 1000, "counts": 1000, "post": 200}
PROBE_MODERATOR = "bench-probe"
MODERATION = "/api/v1/moderation"


class StatementCounter:
    """What reaches the database driver, whichever layer sends it (the ORM, a
    raw driver cursor, the pool's pre-ping): every statement SQLite runs
    (its trace callback, BEGIN and COMMIT included), and on PostgreSQL every
    cursor execute plus each COMMIT or ROLLBACK that ends a transaction (a
    round trip each). Pool checkouts are counted too."""

    def __init__(self, engine):
        self.statements, self.checkouts = [], 0
        engine.dispose()  # new connections, so that each gets the trace
        if engine.dialect.name == "sqlite":
            sa.event.listen(engine, "connect", lambda connection, _: connection.set_trace_callback(self.record))
        else:
            self.trace_psycopg()
        sa.event.listen(engine.pool, "checkout", self.on_checkout)

    def trace_psycopg(self):
        import psycopg
        from psycopg.pq import TransactionStatus

        execute, commit, rollback = psycopg.Cursor.execute, psycopg.Connection.commit, psycopg.Connection.rollback
        record = self.record

        def traced_execute(cursor, query, *args, **kwargs):
            record(query if isinstance(query, str) else repr(query))
            return execute(cursor, query, *args, **kwargs)

        def ending(method, word):
            def traced(connection):
                if connection.info.transaction_status != TransactionStatus.IDLE:
                    record(word)
                return method(connection)
            return traced

        psycopg.Cursor.execute = traced_execute
        psycopg.Connection.commit = ending(commit, "COMMIT")
        psycopg.Connection.rollback = ending(rollback, "ROLLBACK")

    def record(self, statement):
        self.statements.append(" ".join(str(statement).split())[:600])

    def on_checkout(self, *_):
        self.checkouts += 1

    def reset(self):
        self.statements, self.checkouts = [], 0


def requests_by_scenario(etag):
    """(method, path, kwargs) of each request the HTTP scenarios send."""
    post = {"name": "Probe", "email": "probe@example.org", "body": data.post_body(3)}
    return {
        "get": ("GET", comments_path(data.BIG_ARTICLE), {}),
        "etag": ("GET", comments_path(data.BIG_ARTICLE), {"headers": {"If-None-Match": etag}}),
        "counts": ("GET", f"/api/v1/counts?{counts_query()}", {}),
        "post": ("POST", comments_path(data.POST_ARTICLE), {"json": post}),
    }


def count_statements(app, client):
    """Statements per request: the first GET (page not cached), the next one, a 304, counts, a POST."""
    with app.app_context():
        counter = StatementCounter(db.engine)
    first = client.get(comments_path(data.BIG_ARTICLE))
    requests = requests_by_scenario(first.headers["ETag"])
    plan = [("get (page not cached)", *requests["get"]), ("get (page cached)", *requests["get"]),
            ("304", *requests["etag"]), ("counts for 20", *requests["counts"]),
            ("post", *requests["post"])]
    app.extensions["page_cache"].pages.clear()
    result = {}
    for label, method, path, kwargs in plan:
        counter.reset()
        response = client.open(path, method=method, **kwargs)
        result[label] = {"status": response.status_code, "statements": len(counter.statements),
                         "checkouts": counter.checkouts, "sql": list(counter.statements)}
    return result


def cold_build_ms(app, repeat=50):
    """Median ms to build and serialise the 50-comment page without the worker's cache."""
    timings = []
    with app.app_context():
        with threads.lone_reads() as connection:
            article = threads.read_article_state(connection, data.BIG_ARTICLE)
            for _ in range(repeat):
                started = time.perf_counter()
                page = threads.list_thread(connection, article, limit=50)
                orjson.dumps(ThreadPageSchema().dump(page))
                timings.append((time.perf_counter() - started) * 1000)
        plan = query_plan()
    return {"median_ms": statistics.median(timings), "p90_ms": sorted(timings)[int(repeat * 0.9)],
            "comments": len(page.comments), "plan": plan}


def query_plan():
    """How the database runs the thread query (EXPLAIN), for the record."""
    article_id = db.session.scalar(sa.text("SELECT id FROM articles WHERE key = :key"), {"key": data.BIG_ARTICLE})
    sql = ("SELECT id FROM comments WHERE article_id = :a AND status = 'approved' AND thread_id IN "
           "(SELECT DISTINCT thread_id FROM comments WHERE article_id = :a AND status = 'approved' "
           "ORDER BY thread_id LIMIT 51) ORDER BY thread_id, path")
    prefix = "EXPLAIN QUERY PLAN " if db.engine.dialect.name == "sqlite" else "EXPLAIN "
    rows = db.session.execute(sa.text(prefix + sql), {"a": article_id}).all()
    return [" ".join(str(value) for value in row) for row in rows]


def moderation_reads(app, rounds=5, repeat=20):
    """Ms of a moderator's reads through the app, token check included: the
    pending queue's first page, a page in the middle of the approved comments
    (by cursor), the newest 50 of a prolific author's comments (author_of),
    and the stats; with the plan of each query. Each read runs `rounds` times
    `repeat` requests; the median and p90 are those of the quietest round
    (the lowest median), as timeit keeps the best of its repeats: others'
    work on this shared machine only ever adds time."""
    with app.app_context():
        moderators.revoke_moderator(PROBE_MODERATOR)  # a fresh token each run
        _, token = moderators.add_moderator(PROBE_MODERATOR)
        first, last = db.session.execute(sa.text("SELECT min(id), max(id) FROM comments")).one()
    client, headers = app.test_client(), {"Authorization": f"Bearer {token}"}
    paths = {
        "queue": f"{MODERATION}/comments?limit=50",
        "queue, middle page": f"{MODERATION}/comments?status=approved&limit=50&cursor={encode_cursor((first + last) // 2)}",
        "author": f"{MODERATION}/comments?author_of={first}&order=newest&limit=50",
        "stats": f"{MODERATION}/stats",
    }
    result = {}
    for name, path in paths.items():
        statement = last_statement(app, lambda: client.get(path, headers=headers))  # also warms up
        quietest = None
        for _ in range(rounds):
            timings = []
            for _ in range(repeat):
                started = time.perf_counter()
                response = client.get(path, headers=headers)
                timings.append((time.perf_counter() - started) * 1000)
            if quietest is None or statistics.median(timings) < statistics.median(quietest):
                quietest = timings
        assert response.status_code == 200, (path, response.status_code)
        with app.app_context():
            plan = explain(*statement)
        result[name] = {"median_ms": statistics.median(quietest), "p90_ms": sorted(quietest)[int(repeat * 0.9)],
                        "items": len(response.json.get("comments", [])), "plan": plan}
    return result


def last_statement(app, run):
    """(SQL, parameters) of the last statement run() sends, for EXPLAIN."""
    seen = []

    def record(conn, cursor, statement, parameters, context, executemany):
        seen.append((statement, parameters))

    with app.app_context():
        engine = db.engine
    sa.event.listen(engine, "before_cursor_execute", record)
    try:
        run()
    finally:
        sa.event.remove(engine, "before_cursor_execute", record)
    return seen[-1]


def explain(statement, parameters):
    prefix = "EXPLAIN QUERY PLAN " if db.engine.dialect.name == "sqlite" else "EXPLAIN "
    rows = db.session.connection().exec_driver_sql(prefix + statement, parameters).all()
    db.session.rollback()
    return [" ".join(str(value) for value in row) for row in rows]


def profile_scenarios(app, client, out):
    """A pyinstrument profile of each hot path, as text, in out/."""
    from pyinstrument import Profiler

    etag = client.get(comments_path(data.BIG_ARTICLE)).headers["ETag"]
    body = data.post_body(3)
    for key, (method, path, kwargs) in requests_by_scenario(etag).items():
        profiler = Profiler(interval=0.0005)
        profiler.start()
        for number in range(PROFILE_REQUESTS[key]):
            if method == "POST":
                kwargs = {"json": {**kwargs["json"], "body": f"{body} [probe {number}]"}}
            client.open(path, method=method, **kwargs)
        profiler.stop()
        session = profiler.last_session
        shares = self_time_by_package(session.root_frame())
        summary = "\n".join(f"  {share:5.1f}%  {package}" for package, share in shares)
        text = profiler.output_text(unicode=True, color=False, show_all=False)
        (out / f"pyinstrument-{key}.txt").write_text(
            f"{PROFILE_REQUESTS[key]} requests, {session.duration * 1000 / PROFILE_REQUESTS[key]:.3f} ms each "
            f"in-process (profiler on)\n\nSelf time by package:\n{summary}\n\n{text}")


def package_of(path):
    """The package a frame's file belongs to: the folder under site-packages, or ours."""
    path = path or "?"
    if "site-packages/" in path:
        return path.split("site-packages/", 1)[1].split("/", 1)[0].removesuffix(".py")
    for ours in ("moderation/", "schemas/", "bench/"):
        if f"/{ours}" in path:
            return ours.rstrip("/") + " (ours)" if ours != "bench/" else "bench (the probe)"
    return "python stdlib / builtins"


def self_time_by_package(root):
    """Share of the profile's time spent in each package's own code (not its callees)."""
    totals, stack = {}, [root]
    while stack:
        frame = stack.pop()
        package = package_of(frame.file_path)
        totals[package] = totals.get(package, 0.0) + frame.total_self_time
        stack.extend(child for child in frame.children if not child.is_synthetic)
    whole = sum(totals.values()) or 1.0
    return sorted(((package, 100 * time / whole) for package, time in totals.items()), key=lambda item: -item[1])


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--profile", action="store_true")
    parser.add_argument("--cold-only", action="store_true")
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    app = create_app()
    result = {"cold_page": cold_build_ms(app), "moderation": moderation_reads(app)}
    if not args.cold_only:
        client = app.test_client()
        result["statements"] = count_statements(app, client)
        if args.profile:
            profile_scenarios(app, client, args.out)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
