"""The held connection of the hot statements (moderation/reads.py): reused
from request to request, replaced after the database drops it, never shared
by two threads, and closed with its engine. On a file SQLite database and
on PostgreSQL (an in-memory database reads through its pool's single
connection instead)."""

import json
import threading
from datetime import datetime, timedelta, timezone

import pytest
import sqlalchemy as sa

from moderation import reads
from moderation.extensions import db
from moderation.models import Comment, Status
from moderation.services import comments
from tests.conftest import answer_in_a_forked_child, comment_fields, running_app

ARTICLE = "reads/held"


@pytest.fixture(params=["sqlite-file", "postgresql"])
def served(request, tmp_path):
    if request.param == "sqlite-file":
        url = f"sqlite:///{tmp_path}/reads.sqlite"
    else:
        url = request.getfixturevalue("postgres_url")
    with running_app(url, tmp_path) as app:
        yield app


def driver_connection():
    held = reads._HELD.connection
    return held.driver_connection if held is not None else None


def count_of(client, key=ARTICLE):
    response = client.get(f"/api/v1/counts?article_id={key}")
    assert response.status_code == 200, response.json
    return response.json["counts"][key]


def test_reads_reuse_one_connection_and_see_new_writes(served):
    client = served.test_client()
    assert count_of(client) == 0
    first = driver_connection()
    assert first is not None
    client.post(f"/api/v1/articles/{ARTICLE}/comments", json=comment_fields())
    assert client.get(f"/api/v1/articles/{ARTICLE}/comments").json["total"] == 0
    assert driver_connection() is first
    # Autocommit (PostgreSQL) or no open transaction (SQLite): a row another
    # connection commits is seen by the next read on the held one.
    with served.app_context():
        db.session.execute(sa.text("UPDATE articles SET approved_count = 7 WHERE key = :key"), {"key": ARTICLE})
        db.session.commit()
    assert count_of(client) == 7
    assert driver_connection() is first


def test_a_connection_the_server_dropped_is_replaced_without_an_error(served):
    client = served.test_client()
    assert count_of(client) == 0
    dropped = driver_connection()
    if served.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
        # As a server restart does: terminate the backend behind the connection.
        backend = dropped.info.backend_pid
        with served.app_context():
            db.session.execute(sa.text("SELECT pg_terminate_backend(:pid)"), {"pid": backend})
            db.session.commit()
    else:
        dropped.close()
    assert count_of(client) == 0
    assert driver_connection() is not dropped


def test_an_error_that_is_not_a_disconnect_reaches_the_caller(served):
    with served.app_context():
        with pytest.raises(db.engine.dialect.loaded_dbapi.Error) as caught:
            reads.read_rows("SELECT no_such_column FROM articles", [])
        assert "no_such_column" in str(caught.value)
        # The next read works, on a fresh connection.
        assert reads.read_rows("SELECT count(*) FROM articles", []) == [(0,)]


def test_a_second_thread_reads_through_the_pool_meanwhile(served):
    client = served.test_client()
    assert count_of(client) == 0
    held = driver_connection()
    seen = []
    reads._HELD.lock.acquire()  # as if another request were reading right now
    try:
        worker = threading.Thread(target=lambda: seen.append(count_of(served.test_client())))
        worker.start()
        worker.join(10)
    finally:
        reads._HELD.lock.release()
    assert seen == [0]
    assert driver_connection() is held


def test_disposing_the_engine_closes_the_held_connection(served):
    client = served.test_client()
    count_of(client)
    held = driver_connection()
    with served.app_context():
        db.engine.dispose()
    assert reads._HELD.connection is None
    if served.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
        assert held.closed
    else:
        with pytest.raises(Exception, match="closed"):
            held.execute("SELECT 1")
    assert count_of(client) == 0


def test_a_forked_child_does_not_use_its_parents_connection(served):
    assert count_of(served.test_client()) == 0
    assert driver_connection() is not None

    def what_the_child_would_read_on():
        free = reads._HELD.lock.acquire(blocking=False)
        return b"own" if reads._HELD.connection is None and free else b"parent's"

    assert answer_in_a_forked_child(what_the_child_would_read_on) == b"own"
    assert driver_connection() is not None  # the parent keeps its own


# A PostgreSQL submission reads and writes on the same held connection
# (services/comments.py), so the write has the same fallbacks, but one retry less.

@pytest.fixture
def pg_served(postgres_url, tmp_path):
    # Two connections: the held one, and one for whoever finds it in use.
    with running_app(postgres_url, tmp_path, SQLALCHEMY_ENGINE_OPTIONS={
            "pool_size": 2, "max_overflow": 0}) as app:
        yield app


def stored_bodies(app):
    with app.app_context():
        return db.session.execute(sa.text("SELECT body_text FROM comments ORDER BY id")).scalars().all()


def post(client, body):
    return client.post(f"/api/v1/articles/{ARTICLE}/comments", json=comment_fields(body=body))


def test_a_submission_writes_on_a_pooled_connection_while_the_held_one_is_in_use(pg_served):
    client = pg_served.test_client()
    assert post(client, "First").status_code == 202  # makes the article row, in a transaction
    held = driver_connection()
    answers = []
    reads._HELD.lock.acquire()  # as if another request were using it right now
    try:
        worker = threading.Thread(target=lambda: answers.append(post(pg_served.test_client(), "Second")))
        worker.start()
        worker.join(10)
    finally:
        reads._HELD.lock.release()
    assert [answer.status_code for answer in answers] == [202]
    assert stored_bodies(pg_served) == ["First", "Second"]
    assert driver_connection() is held
    # The pooled connection went back in the pool's own mode: a session's
    # transaction on it is still one, and its rollback undoes its write.
    with pg_served.app_context():
        db.session.execute(sa.text("UPDATE comments SET body_text = 'changed'"))
        db.session.rollback()
    assert stored_bodies(pg_served) == ["First", "Second"]


def test_a_write_is_not_sent_twice_when_its_connection_dies(pg_served, monkeypatch):
    # The connection dies between the submission's read and its write. A
    # write that fails so may have committed before the answer was lost:
    # sending it again could store the comment twice, so the client gets
    # the error (and may post again; the duplicate check guards that).
    client = pg_served.test_client()
    assert post(client, "First").status_code == 202

    def screen_then_lose_the_connection(*args, **kwargs):
        with pg_served.app_context():
            db.session.execute(sa.text("SELECT pg_terminate_backend(:pid)"),
                               {"pid": driver_connection().info.backend_pid})
            db.session.commit()
        return screen(*args, **kwargs)

    screen = comments.screen_comment
    monkeypatch.setattr(comments, "screen_comment", screen_then_lose_the_connection)
    response = post(client, "Second")
    assert response.status_code == 500 and response.json["error"]["code"] == "internal_error"
    monkeypatch.setattr(comments, "screen_comment", screen)
    assert stored_bodies(pg_served) == ["First"]
    assert post(client, "Second").status_code == 202  # on a fresh connection
    assert stored_bodies(pg_served) == ["First", "Second"]


def test_a_driver_statement_sends_what_sqlalchemy_would(served):
    # Each value converted by its column's type (an enum's value, an aware
    # time as naive UTC, a list as JSON), the statement's own constants
    # added, and the placeholders each driver expects (named on PostgreSQL,
    # ? on SQLite).
    columns = Comment.__table__.c
    statement = reads.DriverStatement(sa.select(
        sa.bindparam("status", type_=columns.status.type),
        sa.bindparam("when", type_=columns.created_at.type),
        sa.cast(sa.bindparam("reasons", type_=columns.reasons.type), sa.Text),
        sa.literal(41) + 1,
    ))
    when = datetime(2026, 11, 26, 7, 30, tzinfo=timezone(timedelta(hours=2)))
    with served.app_context():
        [(status, stored_when, reasons, constant)] = statement.rows(
            {"status": Status.APPROVED, "when": when, "reasons": ["Held: 3 links."]}, retry=True)
    assert status == "approved" and constant == 42
    assert str(stored_when).startswith("2026-11-26 05:30:00")
    assert json.loads(reasons) == ["Held: 3 links."]
