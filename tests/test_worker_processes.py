"""The worker as it runs in production, `flask --app wsgi worker` in processes
of its own: killed with SIGKILL in the middle of a batch and started again,
two at once on PostgreSQL, and one at a time on SQLite."""

import collections
import os
import signal
import subprocess
import tempfile
import time
from contextlib import contextmanager

import pytest
import sqlalchemy as sa

from moderation import create_app
from moderation.extensions import db
from moderation.notification_models import Delivery, DeliveryState
from moderation.services import moderator_mail, moderators
from tests.conftest import comment_fields
from tests.notify_support import PUBLIC_URL, smtp_server
from tests.servers import BIN, ROOT, flask, service_env

pytestmark = pytest.mark.server


def worker_env(database_url, smtp_port):
    return service_env(database_url, PUBLIC_URL=PUBLIC_URL, SMTP_HOST="127.0.0.1", SMTP_PORT=str(smtp_port),
                       SMTP_SECURITY="none", NOTIFY_POLL_SECONDS="0.1", NOTIFY_LEASE_SECONDS="1",
                       NOTIFY_RETRY_SECONDS="0")


@contextmanager
def worker_process(env):
    """A running `flask --app wsgi worker`; yields (process, a function reading its log so far)."""
    with tempfile.TemporaryFile("w+") as log:
        process = subprocess.Popen([BIN / "flask", "--app", "wsgi", "worker"], cwd=ROOT, env=env,
                                   stdout=log, stderr=subprocess.STDOUT, text=True)
        seen = []

        def output():
            """What it logged so far (and, once it stopped, all it logged)."""
            if not log.closed:
                seen[:] = [os.pread(log.fileno(), 1 << 20, 0).decode(errors="replace")]
            return seen[0]

        try:
            wait_until(lambda: "worker started" in output() or process.poll() is not None, "the worker starts")
            yield process, output
        finally:
            if process.poll() is None:
                process.terminate()
                process.wait(timeout=30)
            output()


def wait_until(condition, what, seconds=30):
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting until {what}"
        time.sleep(0.05)


@contextmanager
def service_app(database_url, tmp_path):
    """The service in this process, on the workers' database (migrated by them)."""
    app = create_app({"SQLALCHEMY_DATABASE_URI": database_url, "SECRET_KEY": "server-test-secret",
                      "RATELIMIT_ENABLED": False}, instance_path=str(tmp_path / "instance"))
    try:
        yield app
    finally:
        with app.app_context():
            db.engine.dispose()


def prepare(env, app):
    """Schema (by the migrations), and a moderator mailed for each held comment."""
    flask(env, "db", "upgrade")
    with app.app_context():
        moderator, _ = moderators.add_moderator("mod")
        moderator_mail.set_mail_setting(moderator.id, "mod@news.example", "each")
        db.session.remove()


def hold(app, count):
    client = app.test_client()
    for _ in range(count):
        assert client.post("/api/v1/articles/2026/12/workers/comments", json=comment_fields()).status_code == 202


def delivery_states(app):
    with app.app_context():
        states = collections.Counter(db.session.scalars(sa.select(Delivery.state)))
        db.session.remove()
        return states


@pytest.mark.parametrize("server_database", ["sqlite", "postgresql"], indirect=True)
def test_a_worker_killed_mid_batch_loses_nothing_and_repeats_only_the_mail_in_flight(server_database, tmp_path):
    with smtp_server() as (inbox, port), service_app(server_database, tmp_path) as app:
        env = worker_env(server_database, port)
        prepare(env, app)
        hold(app, 6)
        inbox.hold_at = 3  # the third mail is received, but not answered
        with worker_process(env) as (first, _):
            inbox.wait_for(3)
            first.send_signal(signal.SIGKILL)
            first.wait(timeout=10)
        inbox.release.set()
        with worker_process(env) as (_second, output):
            wait_until(lambda: delivery_states(app) == {DeliveryState.DELIVERED: 6}, "every mail is delivered")
        ids = collections.Counter(message["Message-ID"] for message in inbox.messages)
        in_flight = inbox.messages[2]["Message-ID"]
        assert len(ids) == 6 and sum(ids.values()) == 7 and ids[in_flight] == 2, ids
        assert "@news.example" not in output()  # the log names ids, never an address


@pytest.mark.parametrize("server_database", ["postgresql"], indirect=True)
def test_two_workers_on_postgresql_send_each_mail_once(server_database, tmp_path):
    with smtp_server() as (inbox, port), service_app(server_database, tmp_path) as app:
        env = worker_env(server_database, port)
        prepare(env, app)
        inbox.delay = 0.05  # a relay that takes its time, so both workers find work
        with worker_process(env) as (_, first_log), worker_process(env) as (_, second_log):
            hold(app, 30)
            wait_until(lambda: delivery_states(app) == {DeliveryState.DELIVERED: 30}, "every mail is delivered")
            time.sleep(0.5)  # a duplicate would arrive now
        ids = collections.Counter(message["Message-ID"] for message in inbox.messages)
        assert len(ids) == 30 and set(ids.values()) == {1}
        assert "delivered" in first_log() and "delivered" in second_log()


@pytest.mark.parametrize("server_database", ["sqlite"], indirect=True)
def test_a_second_worker_on_sqlite_is_refused(server_database, tmp_path):
    with smtp_server() as (_, port):
        env = worker_env(server_database, port)
        flask(env, "db", "upgrade")
        with worker_process(env) as (first, _):
            second = subprocess.run([BIN / "flask", "--app", "wsgi", "worker", "--once"], cwd=ROOT, env=env,
                                    capture_output=True, text=True, timeout=60)
            assert second.returncode != 0 and "another worker is running" in second.stderr
            assert first.poll() is None
