"""What two requests at the same moment must not do, on both databases: two
identical posts are one comment and a 409, two moderators blocking one
address both succeed, and a database error's log line quotes no data."""

import logging
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
import sqlalchemy as sa

from moderation.extensions import db

URL = "/api/v1/articles/2026/12/races/comments"
API = "/api/v1/moderation"


def at_once(app, count, request):
    """request(client) from `count` threads released together; their answers."""
    barrier = threading.Barrier(count)

    def run(_):
        client = app.test_client()
        barrier.wait(timeout=10)
        return request(client)

    with ThreadPoolExecutor(count) as pool:
        return list(pool.map(run, range(count)))


def test_identical_posts_at_the_same_moment_are_one_comment(app):
    payload = {"name": "Olena", "email": "olena@example.org", "body": "Posted twice by a double click."}
    for _ in range(5):
        answers = at_once(app, 3, lambda client: client.post(URL, json=payload))
        assert sorted(answer.status_code for answer in answers) == [202, 409, 409]
        payload = {**payload, "body": payload["body"] + "!"}
    with app.app_context():
        rows = db.session.execute(sa.text("SELECT body_text, count(*) FROM comments GROUP BY body_text")).all()
    assert len(rows) == 5 and all(count == 1 for _, count in rows), rows


def test_two_moderators_blocking_one_address_at_once_both_succeed(app, client, moderator):
    ids = [client.post(URL, json={"name": "S", "email": "spam@example.com", "body": f"Buy {n}"}).json["id"]
           for n in range(2)]
    answers = at_once(app, 2, lambda other: other.post(
        f"{API}/comments/{ids.pop()}/spam?block=email", headers=moderator))
    assert [answer.status_code for answer in answers] == [200, 200]
    assert client.get(f"{API}/rules", headers=moderator).json["emails"] == ["spam@example.com"]


@pytest.mark.parametrize("local", ["\u00df", "\ufb03"])  # ß and ﬃ grow when case-folded
def test_an_address_that_grows_past_its_column_when_normalised_is_a_422(app, client, local):
    email = local * 64 + "@" + ".".join([local * 59] * 3) + ".example"
    assert len(email) <= 254
    response = client.post(URL, json={"name": "N", "email": email, "body": "Hello"})
    assert response.status_code == 422
    assert "normalised" in response.json["error"]["fields"]["email"][0]


def test_a_logged_database_error_quotes_no_data(app, client, caplog, monkeypatch):
    from moderation.services import threads

    class Orig(Exception):
        pass

    # As PostgreSQL words a unique violation: its DETAIL line quotes the row.
    orig = Orig('duplicate key value violates unique constraint "uq_blocklist_kind"\n'
                "DETAIL:  Key (kind, value)=(email, olena@example.org) already exists.")

    def fail(*args, **kwargs):
        raise sa.exc.IntegrityError("INSERT ...", {}, orig)

    monkeypatch.setattr(threads, "read_article_state", fail)
    with caplog.at_level(logging.INFO):
        assert client.get(URL).status_code == 500
    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert "uq_blocklist_kind" in logged and "olena" not in logged and "DETAIL" not in logged
    assert all(record.exc_info is None for record in caplog.records)
