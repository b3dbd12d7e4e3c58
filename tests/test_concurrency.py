"""Concurrent writers under gunicorn lose nothing (SQLite in WAL with a busy
timeout; PostgreSQL): 200 comments from 16 clients, 2 worker processes."""

import pytest

from bench.concurrent_posts import run
from tests.servers import flask, gunicorn, service_env

pytestmark = pytest.mark.server


def test_two_hundred_concurrent_posts_are_all_kept(server_database):
    env = service_env(server_database, RATELIMIT_ENABLED="false")
    flask(env, "db", "upgrade")
    token = flask(env, "moderators", "add", "bench", "--role", "admin").strip().splitlines()[-1]
    with gunicorn(env, workers=2) as base:
        figures = run(base, token, "concurrency/check", comments=200, clients=16)
    assert figures["statuses"] == [202]
    assert figures["accepted_202"] == figures["distinct_ids"] == 200
    assert figures["approved_200"] == 200
    assert figures["total"] == 200
