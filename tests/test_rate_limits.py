"""Rate limits (API.md 429): in one process, and across two gunicorn workers
sharing the default counter file or Redis, on both databases."""

import json
import os
import re
import socket
import sqlite3
import urllib.error
import urllib.request
import uuid
from concurrent.futures import ThreadPoolExecutor
from contextlib import closing

import pytest
import redis

from moderation.limit_storage import storage_uri
from moderation.privacy import secret_digest
from moderation.services.moderators import add_moderator
from tests.conftest import require_service, running_app
from tests.servers import flask, gunicorn, service_env, wait_for_workers

URL = "/api/v1/articles/limits/comments"


LIMITS = {"RATELIMIT_ENABLED": True, "RATELIMIT_POST": "3/minute", "RATELIMIT_READ": "5/minute",
          "RATELIMIT_PREVIEW": "2/minute",
          "RATELIMIT_MODERATION": "4/minute", "RATELIMIT_AUTH_FAILURES": "2/minute"}


@pytest.fixture
def settings():
    return dict(LIMITS)


@pytest.fixture
def limited_app(app):
    return app


def comment(number):
    return {"name": "R", "email": "r@example.org", "body": f"Comment {number}"}


def assert_rate_limited(response):
    assert response.status_code == 429
    assert response.json["error"]["code"] == "rate_limited"
    assert int(response.headers["Retry-After"]) > 0


def test_posting_is_limited_per_client_with_retry_after(limited_app):
    client = limited_app.test_client()
    answers = [client.post(URL, json=comment(i), environ_base={"REMOTE_ADDR": "198.51.100.7"})
               for i in range(4)]
    assert [a.status_code for a in answers] == [202, 202, 202, 429]
    assert_rate_limited(answers[3])
    other = client.post(URL, json=comment(9), environ_base={"REMOTE_ADDR": "198.51.100.8"})
    assert other.status_code == 202


def test_ipv6_clients_are_counted_by_their_64(limited_app):
    client = limited_app.test_client()
    codes = [client.post(URL, json=comment(i), environ_base={"REMOTE_ADDR": f"2001:db8:1:2::{i + 1}"}).status_code
             for i in range(4)]
    assert codes == [202, 202, 202, 429]


def test_reads_have_their_own_looser_limit(limited_app):
    client = limited_app.test_client()
    codes = [client.get(URL).status_code for _ in range(6)]
    assert codes == [200] * 5 + [429]
    assert client.post(URL, json=comment(1)).status_code == 202


def test_previews_have_their_own_limit_per_client(limited_app):
    client = limited_app.test_client()
    answers = [client.post("/api/v1/preview", json={"body": "*draft*"}) for _ in range(3)]
    assert [a.status_code for a in answers] == [200, 200, 429]
    assert_rate_limited(answers[2])
    assert client.post(URL, json=comment(1)).status_code == 202  # posting has its own budget


def test_an_authors_edits_and_deletions_count_as_posts(limited_app):
    client = limited_app.test_client()
    posted = client.post(URL, json=comment(1)).json
    own = {"headers": {"X-Comment-Secret": posted["edit_secret"]}}
    codes = [client.patch(f"{URL}/{posted['id']}", json={"body": "Edited."}, **own).status_code,
             client.delete(f"{URL}/{posted['id']}", **own).status_code,
             client.post(URL, json=comment(2)).status_code]
    assert codes == [200, 204, 429]


def test_moderation_is_limited_per_token(limited_app):
    with limited_app.app_context():
        tokens = [add_moderator(name)[1] for name in ("a", "b")]
    client = limited_app.test_client()
    first = [client.get("/api/v1/moderation/stats", headers={"Authorization": f"Bearer {tokens[0]}"}).status_code
             for _ in range(5)]
    assert first == [200] * 4 + [429]
    assert client.get("/api/v1/moderation/stats",
                      headers={"Authorization": f"Bearer {tokens[1]}"}).status_code == 200


def test_failed_authentication_is_limited_per_client(limited_app):
    client = limited_app.test_client()
    wrong = [client.get("/api/v1/moderation/stats", headers={"Authorization": "Bearer guess"})
             for _ in range(3)]
    assert [answer.status_code for answer in wrong] == [401, 401, 429]
    assert_rate_limited(wrong[2])
    # Spent: a missing token waits too; another address still has its tries.
    assert_rate_limited(client.get("/api/v1/moderation/stats"))
    assert client.get("/api/v1/moderation/stats", headers={"Authorization": "Bearer guess"},
                      environ_base={"REMOTE_ADDR": "198.51.100.8"}).status_code == 401


def test_a_valid_token_is_never_refused_for_failures_from_its_address(limited_app):
    # Someone sharing the moderator's address (an office, a NAT) must not be
    # able to lock the moderator out by sending bad tokens.
    with limited_app.app_context():
        token = add_moderator("a")[1]
    client = limited_app.test_client()
    for _ in range(3):
        client.get("/api/v1/moderation/stats", headers={"Authorization": "Bearer guess"})
    valid = [client.get("/api/v1/moderation/stats", headers={"Authorization": f"Bearer {token}"}).status_code
             for _ in range(3)]
    assert valid == [200, 200, 200]
    # The failures are still counted: a wrong token after the right one waits.
    assert_rate_limited(client.get("/api/v1/moderation/stats", headers={"Authorization": "Bearer guess"}))


@pytest.mark.parametrize("settings", [{"RATELIMIT_ENABLED": False, "RATELIMIT_POST": "1/minute"}])
def test_limits_can_be_switched_off(app):
    client = app.test_client()
    assert [client.post(URL, json=comment(i)).status_code for i in range(4)] == [202] * 4


def redis_url():
    url = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
    host, port = re.match(r"redis://([^:/]+):?(\d*)", url).groups()
    try:
        socket.create_connection((host, int(port or 6379)), timeout=2).close()
    except OSError as error:
        require_service("Redis", f"{url}: {error}")
    return url


# Keys of this run among those of others on the same Redis. One prefix for
# the whole run: the limiter, a singleton, keeps the first one it is given.
REDIS_PREFIX = f"test-{uuid.uuid4().hex}"


@pytest.fixture(params=["counter file", "redis"])
def counter_store(request, tmp_path):
    """Settings that choose a storage, and a function that lists the keys it holds."""
    if request.param == "counter file":
        path = tmp_path / "counts" / "rate_limits.sqlite"

        def stored_keys():
            with closing(sqlite3.connect(path)) as connection:
                return [key for (key,) in connection.execute("SELECT key FROM counter")]

        yield {"RATELIMIT_STORAGE_URI": storage_uri(path)}, stored_keys
        return
    url = redis_url()
    with closing(redis.Redis.from_url(url)) as server:
        yield ({"RATELIMIT_STORAGE_URI": url, "RATELIMIT_KEY_PREFIX": REDIS_PREFIX},
               lambda: [key.decode() for key in server.scan_iter(f"*{REDIS_PREFIX}*")])


def test_counters_hold_no_client_address_and_no_token(database_url, tmp_path, counter_store):
    # Redis keeps the keys of a daily limit for a day: they must not say who
    # posted or read, nor match the token hashes of the database.
    storage, stored_keys = counter_store
    with running_app(database_url, tmp_path, **LIMITS, **storage) as app:
        with app.app_context():
            token = add_moderator("a")[1]
        client = app.test_client()
        for address in ("198.51.100.7", "2001:db8:1:2::5"):
            origin = {"REMOTE_ADDR": address}
            assert client.post(URL, json=comment(address), environ_base=origin).status_code == 202
            assert client.get(URL, environ_base=origin).status_code == 200
            for header in ({}, {"Authorization": "Bearer guess"}, {"Authorization": f"Bearer {token}"}):
                client.get("/api/v1/moderation/stats", headers=header, environ_base=origin)
        keys = stored_keys()
    assert len(keys) >= 8, keys
    for secret in ("198.51.100", "2001:db8:1:2", token, secret_digest(token)[:16]):
        assert not [key for key in keys if secret in key], secret


def posts_to_two_workers(env, count):
    """The answers of gunicorn's two workers to `count` posts from one client,
    sent 8 at a time so that both workers answer."""
    flask(env, "db", "upgrade")
    with gunicorn(env, workers=2, extra_args=["--access-logformat", "pid=%(p)s %(s)s"]) as base:
        wait_for_workers(base, 2)
        with ThreadPoolExecutor(8) as pool:
            answers = list(pool.map(lambda n: post_json(f"{base}{URL}", comment(n)), range(count)))
    pids = set(re.findall(r"pid=<(\d+)> (?:202|429)", gunicorn.last_output))
    assert len(pids) == 2, "both workers must have answered"
    status, headers, body = next(answer for answer in answers if answer[0] == 429)
    assert body["error"]["code"] == "rate_limited" and int(headers["Retry-After"]) > 0
    return [status for status, _, _ in answers]


# Hourly windows: the limiter's windows are fixed, and a burst that straddled
# a minute's boundary would rightly get more posts through.
@pytest.mark.server
def test_the_default_storage_counts_across_the_workers_of_a_host(server_database):
    env = service_env(server_database, RATELIMIT_POST='"5/hour"')
    env.pop("FLASK_RATELIMIT_STORAGE_URI", None)
    codes = posts_to_two_workers(env, 14)
    assert codes.count(202) == 5 and codes.count(429) == 9, codes


@pytest.mark.server
def test_limit_holds_across_two_workers_with_redis(server_database):
    env = service_env(server_database, RATELIMIT_STORAGE_URI=redis_url(), RATELIMIT_POST='"3/hour"')
    codes = posts_to_two_workers(env, 40)
    assert codes.count(202) == 3 and codes.count(429) == 37, codes


def post_json(url, payload):
    request = urllib.request.Request(url, data=json.dumps(payload).encode(), method="POST",
                                     headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, dict(response.headers), json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), json.loads(error.read())


def test_answers_under_the_limit_carry_no_per_client_headers(limited_app):
    # Public answers are cached and shared: a per-client count must not ride along.
    response = limited_app.test_client().get(URL)
    assert response.status_code == 200
    assert not [name for name in response.headers.keys() if name.startswith("X-RateLimit") or name == "Retry-After"]
