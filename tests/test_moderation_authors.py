"""The moderation API: data access and erasure requests, on both databases."""

import pytest
import sqlalchemy as sa

from moderation.extensions import db
from moderation.models import Comment
from moderation.services import comments as comments_service
from tests.moderation_support import (
    API, OTHER, article_row, assert_error, audit_rows, count_of, listing, statuses,
)


# --- data access and erasure --------------------------------------------------

def test_export_returns_every_comment_of_an_address(client, make_comment, moderator):
    mine = [
        make_comment(status="approved", email="olena@example.org"),
        make_comment(OTHER, status="spam", email="OLENA@Example.ORG"),
        make_comment(status="pending", email="Olena@example.org"),
    ]
    make_comment(email="taras@example.org")
    make_comment(email="olena@example.org.ua")
    response = client.post(f"{API}/authors/export", json={"email": "  Olena@EXAMPLE.org "},
                           headers=moderator)
    assert response.status_code == 200
    assert response.json["email"] == "Olena@EXAMPLE.org"
    assert [c["id"] for c in response.json["comments"]] == mine
    assert [c["status"] for c in response.json["comments"]] == ["approved", "spam", "pending"]
    assert [c["author"]["email"] for c in response.json["comments"]] == [
        "olena@example.org", "OLENA@Example.ORG", "Olena@example.org"]
    assert response.json["comments"][1]["article_id"] == OTHER
    assert set(response.json["comments"][0]) >= {"ip", "user_agent", "body_text", "moderation"}


def test_export_matches_non_ascii_addresses_case_insensitively(client, make_comment, moderator):
    # SQLite's lower() folds ASCII only; the match must not depend on it.
    mine = [make_comment(email="ÄNNE@BÜCHER.example"), make_comment(email="änne@bücher.example")]
    make_comment(email="anne@bucher.example")
    response = client.post(f"{API}/authors/export", json={"email": "Änne@Bücher.example"},
                           headers=moderator)
    assert [c["id"] for c in response.json["comments"]] == mine


def test_an_avatar_collision_exports_no_one_else(client, make_comment, moderator, monkeypatch):
    # The avatar key is 64 bits of an HMAC: equal keys must not join two authors.
    monkeypatch.setattr(comments_service, "avatar_key", lambda email, secret: "0" * 16)
    mine = make_comment(email="olena@example.org")
    make_comment(email="taras@example.org")
    response = client.post(f"{API}/authors/export", json={"email": "olena@example.org"},
                           headers=moderator)
    assert [c["id"] for c in response.json["comments"]] == [mine]


def test_export_of_an_unknown_address_is_empty(client, moderator):
    response = client.post(f"{API}/authors/export", json={"email": "nobody@example.org"},
                           headers=moderator)
    assert response.status_code == 200
    assert response.json == {"email": "nobody@example.org", "comments": [], "author_keys_issued_at": [],
                             "blocked": False, "reply_notifications": None}


@pytest.mark.parametrize("action", ["export", "erase"])
@pytest.mark.parametrize("body", [
    {}, {"email": "not-an-address"}, {"email": "Olena <olena@example.org>"},
    {"email": "a,b@example.org"}, {"email": "x" * 65 + "@example.org"}, {"email": 5},
    {"email": "olena@example.org", "name": "Olena"},
])
def test_author_requests_are_validated(app, client, admin, pending, action, body):
    pending(1)
    response = client.post(f"{API}/authors/{action}", json=body, headers=admin)
    assert_error(response, 422, "validation_failed")
    assert list(response.json["error"]["fields"]) == ["name" if "name" in body else "email"]
    assert statuses(app) == {1: "pending"}


def test_the_address_never_travels_in_a_url(client, admin):
    response = client.get(f"{API}/authors/export", query_string={"email": "olena@example.org"},
                          headers=admin)
    assert_error(response, 405, "method_not_allowed")


def test_erasure_leaves_no_trace_of_the_address(app, client, make_comment, moderator, admin):
    kept = make_comment(email="taras@example.org")
    mine = [
        make_comment(email="Olena@Example.org", parent_id=kept),
        make_comment(OTHER, email="olena@example.org"),
        make_comment(status="spam", email="OLENA@example.org"),
        make_comment(status="pending", email="olena@example.org"),
    ]
    reply = make_comment(email="taras@example.org", parent_id=mine[0])
    with app.app_context():
        avatar = db.session.get(Comment, mine[0]).avatar
    versions = (article_row(app)[2], article_row(app, OTHER)[2])
    response = client.post(f"{API}/authors/erase", json={"email": "olena@EXAMPLE.org"},
                           headers=admin)
    assert response.status_code == 200 and response.json == {"deleted": 4}
    assert statuses(app) == {kept: "approved", reply: "approved"}
    assert (count_of(client), count_of(client, OTHER)) == (2, 0)
    assert article_row(app) == (False, 2, versions[0] + 1)
    assert article_row(app, OTHER) == (False, 0, versions[1] + 1)
    assert audit_rows(app)[-4:] == [
        (mine[0], "boss", "erase", "approved", None), (mine[1], "boss", "erase", "approved", None),
        (mine[2], "boss", "erase", "spam", None), (mine[3], "boss", "erase", "pending", None),
    ]
    # The reply of another author stays, under a placeholder for the erased parent.
    assert [c["id"] for c in listing(client).json["comments"]] == [kept, mine[0], reply]
    assert_no_trace(app, ["olena@example.org", avatar])
    again = client.post(f"{API}/authors/erase", json={"email": "olena@example.org"}, headers=admin)
    assert again.json == {"deleted": 0}


def assert_no_trace(app, needles):
    """No column of any table, reflected from the database itself, holds a needle."""
    with app.app_context():
        metadata = sa.MetaData()
        metadata.reflect(bind=db.engine)
        assert {"articles", "comments", "moderators", "audit_log"} <= set(metadata.tables)
        scanned = 0
        for table in metadata.sorted_tables:
            for row in db.session.execute(sa.select(table)):
                for column, value in row._mapping.items():
                    scanned += 1
                    text = str(value).casefold()
                    for needle in needles:
                        assert needle.casefold() not in text, (table.name, column)
        assert scanned > 0
