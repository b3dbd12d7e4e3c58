"""Workers' copies of article rows (moderation/article_cache.py): used on
PostgreSQL while the change notifications are heard and on SQLite while the
data version stands, dropped by any change made anywhere (another worker,
plain SQL, this worker's own commit), off while they cannot be trusted."""

import json
import logging
import re
import sqlite3
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor

import pytest
import sqlalchemy as sa

from moderation import article_cache
from moderation import reads as reading
from moderation.extensions import db
from moderation.models import Role
from moderation.services import comments, moderators
from moderation.services.comments import ArticleState
from tests.conftest import answer_in_a_forked_child, comment_fields, running_app
from tests.servers import flask, gunicorn, service_env, wait_for_workers

ARTICLE = "cache/article"
THREAD = f"/api/v1/articles/{ARTICLE}/comments"
# Longer than any test: a copy that goes away went because it was dropped.
LONG = 600


def wait_until(predicate, timeout=5.0):
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.01)
    return True


def cache_of(app):
    return app.extensions["article_cache"]


@pytest.fixture
def pg_app(postgres_url, tmp_path):
    with running_app(postgres_url, tmp_path, ARTICLE_CACHE_SECONDS=LONG) as app:
        yield app


@pytest.fixture
def sqlite_app(tmp_path):
    with running_app(f"sqlite:///{tmp_path}/cache.sqlite", tmp_path, ARTICLE_CACHE_SECONDS=LONG) as app:
        yield app


@pytest.fixture
def other_worker(pg_app, postgres_url, tmp_path):
    """A second app on the same database: another worker, with its own cache and engine."""
    with running_app(postgres_url, tmp_path / "other", ARTICLE_CACHE_SECONDS=LONG) as app:
        yield app


def warm(app, client=None):
    """Read the thread until this worker answers from its copy; returns the listing."""
    client = client or app.test_client()
    assert wait_until(lambda: client.get(THREAD).status_code == 200
                      and cache_of(app).lookup(ARTICLE) is not None), "the copy was never kept"
    return client.get(THREAD).json


def post_and_approve(app):
    client = app.test_client()
    with app.app_context():
        _, token = moderators.add_moderator(f"mod{time.monotonic_ns()}", Role.MODERATOR)
    posted = client.post(THREAD, json=comment_fields())
    assert posted.status_code == 202, posted.json
    approved = client.post(f"/api/v1/moderation/comments/{posted.json['id']}/approve",
                           headers={"Authorization": f"Bearer {token}"})
    assert approved.status_code == 200, approved.json
    return posted.json["id"]


@pytest.mark.parametrize("cached_app", ["sqlite_app", "pg_app"])
def test_a_warm_worker_answers_without_reading_the_article_row(cached_app, request, monkeypatch):
    # On SQLite it asks for the data version, on PostgreSQL nothing at all.
    app = request.getfixturevalue(cached_app)
    client = app.test_client()
    post_and_approve(app)
    first = warm(app, client)
    etag = client.get(THREAD).headers["ETag"]

    def no_row_reads(*args):
        raise AssertionError("the article row was read")

    monkeypatch.setattr("moderation.services.comments.read_rows", no_row_reads)
    assert client.get(THREAD).json == first
    assert client.get(THREAD, headers={"If-None-Match": etag}).status_code == 304
    assert client.get(f"/api/v1/counts?article_id={ARTICLE}").json == {"counts": {ARTICLE: 1}}


def test_another_workers_change_reaches_this_worker_at_once(pg_app, other_worker):
    reader = other_worker.test_client()
    assert warm(other_worker, reader)["total"] == 0
    assert reader.get(f"/api/v1/counts?article_id={ARTICLE}").json["counts"][ARTICLE] == 0
    comment_id = post_and_approve(pg_app)
    # Only the notification can explain a fresh answer: the copy was good for LONG.
    assert wait_until(lambda: reader.get(THREAD).json["total"] == 1, timeout=2)
    assert reader.get(THREAD).json["comments"][0]["id"] == comment_id
    assert reader.get(f"/api/v1/counts?article_id={ARTICLE}").json["counts"][ARTICLE] == 1


def test_a_change_in_plain_sql_is_heard_too(pg_app, other_worker):
    reader = other_worker.test_client()
    post_and_approve(pg_app)
    assert warm(other_worker, reader)["closed"] is False
    engine = sa.create_engine(pg_app.config["SQLALCHEMY_DATABASE_URI"])
    with engine.begin() as connection:  # as the service would: a listing change bumps the version
        connection.execute(sa.text("UPDATE articles SET closed = true, version = version + 1 "
                                   "WHERE key = :key"), {"key": ARTICLE})
    engine.dispose()
    assert wait_until(lambda: reader.get(THREAD).json["closed"] is True, timeout=2)


def test_a_new_article_is_not_hidden_by_a_copy_of_its_absence(pg_app, other_worker):
    reader = other_worker.test_client()
    assert warm(other_worker, reader) == {"article_id": ARTICLE, "closed": False, "total": 0,
                                          "comments": [], "next_cursor": None}
    post_and_approve(pg_app)  # creates the article row, then approves
    assert wait_until(lambda: reader.get(THREAD).json["total"] == 1, timeout=2)


def test_this_workers_own_commit_is_seen_by_its_next_read(pg_app, monkeypatch):
    # As if the notification were slow to come: the commit alone must drop the copies.
    hear = article_cache._Listener.on_notify
    monkeypatch.setattr(article_cache._Listener, "on_notify", lambda self, notify: (
        hear(self, notify) if notify.payload.startswith(article_cache.PROBE_PREFIX) else None))
    client = pg_app.test_client()
    warm(pg_app, client)
    post_and_approve(pg_app)
    assert client.get(THREAD).json["total"] == 1


def test_a_submission_on_the_driver_drops_the_copy_it_changes(pg_app, monkeypatch):
    # The second comment of an article is written straight on the driver, in
    # one statement (services/comments.py): no session commit drops the
    # copies, so the submission must drop what it changes itself, at once,
    # as if the notification were slow to come. A pending comment changes
    # no article row, so the copies stay.
    hear = article_cache._Listener.on_notify
    monkeypatch.setattr(article_cache._Listener, "on_notify", lambda self, notify: (
        hear(self, notify) if notify.payload.startswith(article_cache.PROBE_PREFIX) else None))
    pg_app.config.update(TRUSTED_AUTHORS_ENABLED=True, FORM_MIN_SECONDS=0)
    client = pg_app.test_client()
    first = post_and_approve(pg_app)
    warm(pg_app, client)
    assert client.post(THREAD, json=comment_fields(body="Still pending")).status_code == 202
    assert cache_of(pg_app).lookup(ARTICLE) is not None
    token = client.get(f"/api/v1/articles/{ARTICLE}/form-token").json["form_token"]
    author_key = client.post(THREAD, json=comment_fields(body="Another")).json["author_key"]
    trusted = client.post(THREAD, json=comment_fields(body="Trusted", author_key=author_key, form_token=token))
    assert trusted.status_code == 201, trusted.json
    assert cache_of(pg_app).lookup(ARTICLE) is None
    listing = client.get(THREAD).json
    assert listing["total"] == 2 and [c["id"] for c in listing["comments"]] == [first, trusted.json["id"]]


def test_copies_are_off_while_the_listener_is_down_and_back_after(pg_app, other_worker):
    reader = other_worker.test_client()
    warm(other_worker, reader)
    cache = cache_of(other_worker)
    with pg_app.app_context():
        db.session.execute(sa.text("SELECT pg_terminate_backend(:pid)"),
                           {"pid": cache.listener.backend_pid})
        db.session.commit()
    assert wait_until(lambda: not cache.trusted, timeout=5)
    assert cache.lookup(ARTICLE) is None
    # Meanwhile reads ask the database, so a change is seen even unheard.
    post_and_approve(pg_app)
    assert reader.get(THREAD).json["total"] == 1
    assert wait_until(lambda: cache.trusted, timeout=10), "the listener did not come back"
    warm(other_worker, reader)


def test_no_copies_without_the_trigger(pg_app, caplog):
    with pg_app.app_context():
        db.session.execute(sa.text("DROP TRIGGER articles_notify_change ON articles"))
        db.session.commit()
    client = pg_app.test_client()
    with caplog.at_level(logging.WARNING, logger="moderation.article_cache"):
        for _ in range(20):
            assert client.get(THREAD).status_code == 200
            time.sleep(0.01)
        assert wait_until(lambda: "no articles_notify_change trigger" in caplog.text, timeout=5)
    cache = cache_of(pg_app)
    assert not cache.trusted and cache.lookup(ARTICLE) is None and not cache.entries


def test_no_copies_on_a_channel_that_delivers_nothing(pg_app, monkeypatch, caplog):
    # As behind a pooler in transaction mode: LISTEN succeeds, nothing arrives.
    monkeypatch.setattr(article_cache._Listener, "on_notify", lambda self, notify: None)
    monkeypatch.setattr(article_cache, "PROBE_SECONDS", 0.2)
    client = pg_app.test_client()
    with caplog.at_level(logging.WARNING, logger="moderation.article_cache"):
        assert client.get(THREAD).status_code == 200
        assert wait_until(lambda: "nothing is delivered" in caplog.text, timeout=5)
        for _ in range(5):
            assert client.get(THREAD).status_code == 200
    assert not cache_of(pg_app).trusted and cache_of(pg_app).lookup(ARTICLE) is None


def test_disposing_the_engine_stops_the_listener(pg_app):
    warm(pg_app)
    listener = cache_of(pg_app).listener
    with pg_app.app_context():
        db.engine.dispose()
    assert not listener.thread.is_alive()
    assert cache_of(pg_app).listener is None and not cache_of(pg_app).trusted


def plain_sqlite(app, sql, params=()):
    """A change through a connection of its own, as another process or a shell would make it."""
    connection = sqlite3.connect(app.config["SQLALCHEMY_DATABASE_URI"].removeprefix("sqlite:///"))
    with connection:
        connection.execute(sql, params)
    connection.close()


def test_sqlite_a_commit_by_any_other_connection_drops_the_copies(sqlite_app):
    client = sqlite_app.test_client()
    post_and_approve(sqlite_app)
    assert warm(sqlite_app, client)["closed"] is False
    assert client.get(f"/api/v1/counts?article_id={ARTICLE}").json["counts"][ARTICLE] == 1
    # Not through this app: no commit hook of ours runs, only SQLite can tell.
    plain_sqlite(sqlite_app, "UPDATE articles SET closed = 1, approved_count = 7, version = version + 1 "
                             "WHERE key = ?", (ARTICLE,))
    assert client.get(THREAD).json["closed"] is True
    assert client.get(f"/api/v1/counts?article_id={ARTICLE}").json["counts"][ARTICLE] == 7


def test_sqlite_a_new_article_is_not_hidden_by_a_copy_of_its_absence(sqlite_app):
    client = sqlite_app.test_client()
    assert client.get("/api/v1/counts?article_id=new/one").json["counts"]["new/one"] == 0
    assert cache_of(sqlite_app).lookup("new/one") is not None  # its absence, kept
    plain_sqlite(sqlite_app, "INSERT INTO articles (key, closed, approved_count, version, created_at) "
                             "VALUES ('new/one', 0, 3, 1, '2026-01-01 00:00:00.000000')")
    assert client.get("/api/v1/counts?article_id=new/one").json["counts"]["new/one"] == 3


def test_sqlite_no_copies_while_another_thread_holds_the_reading_connection(sqlite_app, monkeypatch):
    client = sqlite_app.test_client()
    warm(sqlite_app, client)
    reads = []
    monkeypatch.setattr("moderation.services.comments.read_rows",
                        lambda *args, real=comments.read_rows: reads.append(args) or real(*args))
    with reading._HELD.lock:  # as if another thread were reading on it now
        assert client.get(THREAD).status_code == 200
    assert len(reads) == 1  # read through the pool, since the data version was not to be had


def test_sqlite_a_new_reading_connection_has_a_new_number(sqlite_app, monkeypatch):
    with sqlite_app.app_context():
        first = reading.data_version()
        assert reading.data_version() == first
        monkeypatch.setattr(reading, "HOLD_SECONDS", -1)  # hand it back at every read
        assert reading.data_version()[0] != first[0]


def test_sqlite_copies_hold_only_under_the_same_connection_and_version(monkeypatch):
    versions = iter([(1, 5), (1, 5), (1, 6), (1, 6), (2, 6), None])
    monkeypatch.setattr(article_cache, "data_version", lambda: next(versions))
    cache = article_cache.VersionedArticleCache(LONG)
    cache.store([ArticleState("a", 1)], cache.ticket())
    assert cache.ticket() is not None and cache.lookup("a") == ArticleState("a", 1)
    assert cache.ticket() is not None and cache.lookup("a") is None  # another connection committed
    cache.store([ArticleState("a", 2)], cache.generation)
    assert cache.ticket() is not None and cache.lookup("a") == ArticleState("a", 2)
    assert cache.ticket() is not None and cache.lookup("a") is None  # a new reading connection
    assert cache.ticket() is None  # the reading connection is busy


def test_sqlite_in_memory_keeps_no_copies(tmp_path):
    with running_app("sqlite://", tmp_path, ARTICLE_CACHE_SECONDS=LONG) as app:
        client = app.test_client()
        for _ in range(3):
            assert client.get(THREAD).status_code == 200
        assert not cache_of(app).entries and cache_of(app).lookup(ARTICLE) is None


def test_zero_seconds_turns_copies_off(postgres_url, tmp_path):
    with running_app(postgres_url, tmp_path, ARTICLE_CACHE_SECONDS=0) as app:
        client = app.test_client()
        for _ in range(3):
            assert client.get(THREAD).status_code == 200
        assert cache_of(app).ticket() is None and not cache_of(app).entries
    with running_app(f"sqlite:///{tmp_path}/off.sqlite", tmp_path, ARTICLE_CACHE_SECONDS=0) as app:
        assert app.test_client().get(THREAD).status_code == 200
        assert cache_of(app).ticket() is None and not cache_of(app).entries


# The cache's bookkeeping, without a database.

def trusted_cache(seconds=LONG, max_entries=10_000):
    cache = article_cache.ArticleCache(seconds, max_entries)
    cache.trusted = True
    return cache


def test_a_read_that_began_before_a_change_is_not_kept():
    cache = trusted_cache()
    ticket = cache.generation
    cache.forget("some/other/article")  # any change: which row the read saw is unknown
    cache.store([ArticleState("a", 1)], ticket)
    assert cache.lookup("a") is None
    cache.store([ArticleState("a", 1)], cache.generation)
    assert cache.lookup("a") == ArticleState("a", 1)


def test_a_copy_expires_after_the_configured_seconds(monkeypatch):
    now = [1000.0]
    monkeypatch.setattr(article_cache.time, "monotonic", lambda: now[0])
    cache = trusted_cache(seconds=5)
    cache.store([ArticleState("a", 1)], cache.generation)
    now[0] += 5
    assert cache.lookup("a") == ArticleState("a", 1)
    now[0] += 0.1
    assert cache.lookup("a") is None


def test_the_copies_are_bounded():
    cache = trusted_cache(max_entries=3)
    cache.store([ArticleState(key) for key in "abc"], cache.generation)
    cache.store([ArticleState("d")], cache.generation)
    assert len(cache.entries) <= 3 and cache.lookup("d") == ArticleState("d")


def test_nothing_is_kept_or_used_while_not_trusted():
    cache = trusted_cache()
    cache.store([ArticleState("a", 1)], cache.generation)
    cache.trusted = False
    assert cache.lookup("a") is None
    cache.store([ArticleState("b", 1)], cache.generation)
    assert "b" not in cache.entries




# Real worker processes: gunicorn forks, each worker starts its own listener.

def call(url, token=None):
    """GET url, or POST an empty body with a bearer token; returns (status, json)."""
    request = urllib.request.Request(url) if token is None else urllib.request.Request(
        url, data=b"", method="POST", headers={"Authorization": f"Bearer {token}"})
    with urllib.request.urlopen(request, timeout=10) as response:
        return response.status, json.loads(response.read())


@pytest.mark.server
@pytest.mark.parametrize("database", ["sqlite", "postgresql"])
def test_an_approval_in_one_worker_process_reaches_the_others(database, tmp_path, request):
    url = (f"sqlite:///{tmp_path}/workers.sqlite" if database == "sqlite"
           else request.getfixturevalue("postgres_schemas")())
    env = service_env(url, RATELIMIT_ENABLED="false", ARTICLE_CACHE_SECONDS=str(LONG))
    flask(env, "db", "upgrade")
    token = flask(env, "moderators", "add", "mod").strip().splitlines()[-1]
    with gunicorn(env, workers=2, extra_args=["--access-logformat", "pid=%(p)s %(s)s %(U)s"]) as base:
        wait_for_workers(base, 2)
        url = f"{base}{THREAD}"
        posted = urllib.request.Request(url, data=json.dumps(comment_fields()).encode(), method="POST",
                                        headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(posted, timeout=10) as response:
            comment_id = json.loads(response.read())["id"]

        def totals():
            return set(pool.map(lambda _: call(url)[1]["total"], range(32)))

        def readers():
            return set(re.findall(rf"pid=<(\d+)> 200 {re.escape(THREAD)}", gunicorn.output_so_far()))

        with ThreadPoolExecutor(8) as pool:
            # Both workers read the empty thread and keep a copy of it.
            assert wait_until(lambda: totals() == {0} and len(readers()) == 2, timeout=10)
            time.sleep(0.5)
            assert totals() == {0}
            assert call(f"{base}/api/v1/moderation/comments/{comment_id}/approve", token)[0] == 200
            # The copies are good for LONG: only the notification (PostgreSQL) or
            # the data version (SQLite) can refresh the other worker.
            assert wait_until(lambda: totals() == {1}, timeout=3)


def test_a_forked_child_starts_without_its_parents_copies():
    cache = trusted_cache()
    cache.store([ArticleState("a", 1)], cache.generation)
    assert answer_in_a_forked_child(
        lambda: b"copy" if cache.lookup("a") is not None or cache.trusted else b"none") == b"none"
    assert cache.lookup("a") == ArticleState("a", 1)  # the parent keeps its own
