"""The moderation API: bulk actions, the audit log, stats, closing articles
and what public caches see, on both databases."""

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest

from moderation.services import moderation as moderation_service
from tests.moderation_support import (
    API, ARTICLE, OTHER, article_row, assert_error, audit_rows, count_of, listing, statuses,
)


# --- bulk -------------------------------------------------------------------

def test_bulk_approve_counts_existing_ids_and_reports_missing(app, client, pending, moderator):
    ids = pending(3)
    make_other = pending(1, article=OTHER)
    body = {"action": "approve", "ids": [ids[2], 9999, ids[0], ids[1], ids[0], 8888, 9999]}
    response = client.post(f"{API}/bulk", json=body, headers=moderator)
    assert response.status_code == 200
    assert response.json == {"updated": 3, "missing": [9999, 8888]}
    assert statuses(app) == {**dict.fromkeys(ids, "approved"), make_other[0]: "pending"}
    assert count_of(client) == 3
    assert audit_rows(app) == [(i, "mod", "approve", "pending", "approved") for i in ids]
    # Again: every existing id counts as acted upon, but nothing changes or is logged.
    again = client.post(f"{API}/bulk", json=body, headers=moderator)
    assert again.json == {"updated": 3, "missing": [9999, 8888]}
    # One bulk bumps the version once, whatever it changes.
    assert len(audit_rows(app)) == 3 and article_row(app) == (False, 3, 2)


def test_bulk_reject_spam_and_delete(app, client, make_comment, moderator):
    approved = [make_comment(), make_comment(OTHER)]
    held = make_comment(status="pending")

    def bulk(action, ids):
        response = client.post(f"{API}/bulk", json={"action": action, "ids": ids}, headers=moderator)
        assert response.status_code == 200, response.json
        return response.json

    assert bulk("reject", approved) == {"updated": 2, "missing": []}
    assert count_of(client) == 0 and count_of(client, OTHER) == 0
    assert bulk("spam", [held]) == {"updated": 1, "missing": []}
    assert bulk("delete", approved + [held, 77]) == {"updated": 3, "missing": [77]}
    assert statuses(app) == {}
    assert [row[2:] for row in audit_rows(app)[-3:]] == [
        ("delete", "rejected", None), ("delete", "rejected", None), ("delete", "spam", None)]


def test_bulk_requeue_undoes_an_approval(app, client, pending, moderator):
    ids = pending(2)
    client.post(f"{API}/bulk", json={"action": "approve", "ids": ids}, headers=moderator)
    assert count_of(client) == 2
    response = client.post(f"{API}/bulk", json={"action": "requeue", "ids": ids}, headers=moderator)
    assert response.json == {"updated": 2, "missing": []}
    assert statuses(app) == dict.fromkeys(ids, "pending") and count_of(client) == 0
    assert [row[2:] for row in audit_rows(app)[-2:]] == [("requeue", "approved", "pending")] * 2


def test_bulk_takes_500_ids(client, moderator):
    ids = list(range(1, 501))
    response = client.post(f"{API}/bulk", json={"action": "delete", "ids": ids}, headers=moderator)
    assert response.status_code == 200 and response.json == {"updated": 0, "missing": ids}


@pytest.mark.parametrize("body,field", [
    ({"action": "approve", "ids": []}, "ids"),
    ({"action": "approve", "ids": list(range(1, 502))}, "ids"),
    ({"action": "approve", "ids": ["1"]}, "ids"),
    ({"action": "approve", "ids": [1.5]}, "ids"),
    ({"action": "approve", "ids": [True]}, "ids"),
    ({"action": "approve", "ids": [0]}, "ids"),
    ({"action": "approve", "ids": [2**63]}, "ids"),
    ({"action": "approve", "ids": 1}, "ids"),
    ({"action": "approve"}, "ids"),
    ({"action": "publish", "ids": [1]}, "action"),
    ({"ids": [1]}, "action"),
    ({"action": "approve", "ids": [1], "reason": "x"}, "reason"),
])
def test_bulk_body_is_validated(app, client, pending, moderator, body, field):
    pending(1)
    response = client.post(f"{API}/bulk", json=body, headers=moderator)
    assert_error(response, 422, "validation_failed")
    assert list(response.json["error"]["fields"]) == [field]
    assert statuses(app) == {1: "pending"}


def test_bulk_body_must_be_a_json_object(client, moderator):
    assert_error(client.post(f"{API}/bulk", json=[1, 2], headers=moderator), 400, "bad_request")
    assert_error(client.post(f"{API}/bulk", data="{", content_type="application/json",
                             headers=moderator), 400, "bad_request")
    assert_error(client.post(f"{API}/bulk", data={"action": "delete"}, headers=moderator),
                 415, "unsupported_media_type")


@pytest.mark.parametrize("action", ["approve", "delete"])
def test_bulk_rolls_back_everything_on_a_failure(app, client, make_comment, moderator,
                                                 monkeypatch, action):
    ids = [make_comment(status="pending"), make_comment(status="approved"),
           make_comment(status="pending"), make_comment(OTHER, status="pending")]
    before = (statuses(app), audit_rows(app), article_row(app), article_row(app, OTHER))
    real_record, calls = moderation_service.record, []

    def failing_record(*args, **kwargs):
        calls.append(args)
        if len(calls) == 3:
            raise RuntimeError("disk full")
        return real_record(*args, **kwargs)

    monkeypatch.setattr(moderation_service, "record", failing_record)
    response = client.post(f"{API}/bulk", json={"action": action, "ids": ids}, headers=moderator)
    assert_error(response, 500, "internal_error")
    assert "disk full" not in response.get_data(as_text=True)
    assert len(calls) == 3  # two comments were changed before the failure
    assert (statuses(app), audit_rows(app), article_row(app), article_row(app, OTHER)) == before
    assert count_of(client) == 1


# --- audit log and stats ------------------------------------------------------

def test_log_is_newest_first_and_pages(app, client, pending, moderator, admin):
    ids = pending(3)
    client.post(f"{API}/comments/{ids[0]}/approve", headers=moderator)
    client.post(f"{API}/comments/{ids[1]}/spam", headers=admin)
    client.delete(f"{API}/comments/{ids[2]}", headers=moderator)
    client.patch(f"{API}/articles/{ARTICLE}", json={"closed": True}, headers=moderator)
    client.patch(f"{API}/articles/{ARTICLE}", json={"closed": False}, headers=moderator)
    expected = [
        (None, "mod", "reopen", None, None), (None, "mod", "close", None, None),
        (ids[2], "mod", "delete", "pending", None), (ids[1], "boss", "spam", "pending", "spam"),
        (ids[0], "mod", "approve", "pending", "approved"),
    ]
    entries, cursor = [], None
    for _ in range(3):
        query = {"limit": 2, **({"cursor": cursor} if cursor else {})}
        response = client.get(f"{API}/log", query_string=query, headers=moderator)
        assert response.status_code == 200
        entries += response.json["entries"]
        cursor = response.json["next_cursor"]
    assert cursor is None
    assert [(e["comment_id"], e["moderator"], e["action"], e["from_status"], e["to_status"])
            for e in entries] == expected
    assert [e["id"] for e in entries] == [5, 4, 3, 2, 1]
    assert set(entries[0]) == {"id", "comment_id", "moderator", "action", "from_status",
                               "to_status", "at"}
    assert all(e["at"].endswith("Z") for e in entries)


def test_log_shows_what_it_is_about(client, pending, moderator):
    ids = pending(2)
    client.post(f"{API}/comments/{ids[0]}/spam?block=email", headers=moderator)
    client.put(f"{API}/rules", json={"words": ["casino"]}, headers=moderator)
    client.patch(f"{API}/articles/{ARTICLE}", json={"closed": True}, headers=moderator)
    client.delete(f"{API}/comments/{ids[1]}", headers=moderator)

    def actions(about, **query):
        response = client.get(f"{API}/log", query_string={"about": about, **query}, headers=moderator)
        assert response.status_code == 200
        return [entry["action"] for entry in response.json["entries"]], response.json["next_cursor"]

    assert actions("rules") == (["replace_words", "block_email"], None)
    assert actions("articles") == (["close"], None)
    assert actions("comments") == (["delete", "spam"], None)
    first, cursor = actions("rules", limit=1)
    assert first == ["replace_words"] and actions("rules", cursor=cursor) == (["block_email"], None)


@pytest.mark.parametrize("query", [{"limit": 0}, {"limit": 101}, {"order": "oldest"}, {"about": "authors"}])
def test_log_arguments_are_validated(client, moderator, query):
    assert_error(client.get(f"{API}/log", query_string=query, headers=moderator),
                 422, "validation_failed")


def test_stats_count_every_status(client, make_comment, moderator):
    assert client.get(f"{API}/stats", headers=moderator).json == {
        "pending": 0, "approved": 0, "rejected": 0, "spam": 0}
    for status in ["pending", "pending", "approved", "spam", "spam", "spam"]:
        make_comment(OTHER if status == "spam" else ARTICLE, status=status)
    assert client.get(f"{API}/stats", headers=moderator).json == {
        "pending": 2, "approved": 1, "rejected": 0, "spam": 3}


# --- closing articles -------------------------------------------------------

def article_answer(article_id, closed, total):
    """The answer to PATCH .../articles/{article_id} without a publication date or CLOSE_AFTER_DAYS."""
    return {"article_id": article_id, "closed": closed, "closed_reason": "moderator" if closed else None,
            "published_at": None, "auto_close": None, "total": total}


def test_closing_an_article_stops_new_comments(app, client, make_comment, post_comment, moderator):
    make_comment()
    etag = listing(client).headers["ETag"]
    response = client.patch(f"{API}/articles/{ARTICLE}", json={"closed": True}, headers=moderator)
    assert response.status_code == 200
    assert response.json == article_answer(ARTICLE, True, 1)
    closed = listing(client)
    assert closed.json["closed"] is True and closed.headers["ETag"] != etag
    assert_error(post_comment(), 403, "comments_closed")
    # Closing twice changes nothing: same ETag, no second audit entry.
    again = client.patch(f"{API}/articles/{ARTICLE}", json={"closed": True}, headers=moderator)
    assert again.json == article_answer(ARTICLE, True, 1)
    assert listing(client).headers["ETag"] == closed.headers["ETag"]
    assert [row[2] for row in audit_rows(app)] == ["approve", "close"]
    reopened = client.patch(f"{API}/articles/{ARTICLE}", json={"closed": False}, headers=moderator)
    assert reopened.json == article_answer(ARTICLE, False, 1)
    assert listing(client).json["closed"] is False
    assert post_comment().status_code == 202
    assert audit_rows(app)[-1] == (None, "mod", "reopen", None, None)


def test_closing_an_unknown_article_creates_it(app, client, moderator):
    key = "2026/11/ünïcode-page"
    response = client.patch(f"{API}/articles/{key}", json={"closed": True}, headers=moderator)
    assert response.status_code == 200
    assert response.json == article_answer(key, True, 0)
    assert article_row(app, key) == (True, 0, 2)
    assert listing(client, key).json["closed"] is True


@pytest.mark.parametrize("path,body,field", [
    (ARTICLE, {"closed": "true"}, "closed"),
    (ARTICLE, {"closed": 1}, "closed"),
    (ARTICLE, {"closed": "null"}, "closed"),
    (ARTICLE, {}, "_schema"),
    (ARTICLE, {"published_at": "2026-11-25"}, "published_at"),
    (ARTICLE, {"published_at": "2026-11-25T10:00:00"}, "published_at"),  # no offset: whose 10:00?
    (ARTICLE, {"published_at": 1796280000}, "published_at"),
    (ARTICLE, {"published_at": "1969-12-31T23:59:59Z"}, "published_at"),
    (ARTICLE, {"published_at": "0001-01-01T00:00:00+01:00"}, "published_at"),  # year 0 in UTC
    (ARTICLE, {"closed": True, "published_at": "soon"}, "published_at"),
    (ARTICLE, {"closed": True, "title": "x"}, "title"),
    ("x" * 201, {"closed": True}, "article_id"),
    ("a%01b", {"closed": True}, "article_id"),
])
def test_article_patch_is_validated(app, client, moderator, path, body, field):
    response = client.patch(f"{API}/articles/{path}", json=body, headers=moderator)
    assert_error(response, 422, "validation_failed")
    assert list(response.json["error"]["fields"]) == [field]
    assert article_row(app) is None and audit_rows(app) == []


# --- public caches ------------------------------------------------------------

def test_every_listing_change_shows_at_once(client, make_comment, pending, moderator):
    (held,) = pending(1)
    first = listing(client)
    assert (first.json["total"], count_of(client)) == (0, 0)
    etags = {first.headers["ETag"]}
    steps = [
        ("post", f"/comments/{held}/approve", None, 1),
        ("post", f"/comments/{held}/reject", None, 0),
        ("post", "/bulk", {"action": "approve", "ids": [held]}, 1),
        ("patch", f"/articles/{ARTICLE}", {"closed": True}, 1),
        ("delete", f"/comments/{held}", None, 0),
    ]
    for method, path, body, total in steps:
        assert getattr(client, method)(API + path, json=body, headers=moderator).status_code < 300
        response = listing(client)
        assert (response.json["total"], count_of(client)) == (total, total), path
        assert response.headers["ETag"] not in etags, path
        etags.add(response.headers["ETag"])
        cached = client.get(f"/api/v1/articles/{ARTICLE}/comments",
                            headers={"If-None-Match": response.headers["ETag"]})
        assert cached.status_code == 304


def test_two_bulk_actions_on_the_same_articles_at_once_both_succeed(app, client, pending, moderator):
    """Each bulk reaches the two articles in the opposite order of its comment
    ids; their article rows must still be locked in one order (PostgreSQL
    answered a deadlock with a 500 now and then)."""
    rounds = 12
    for _ in range(rounds):
        a1, b1 = pending(1)[0], pending(1, article=OTHER)[0]
        b2, a2 = pending(1, article=OTHER)[0], pending(1)[0]
        barrier = threading.Barrier(2)

        def bulk(ids):
            other_client = app.test_client()
            barrier.wait(timeout=10)
            return other_client.post(f"{API}/bulk", json={"action": "approve", "ids": ids},
                                     headers=moderator).status_code

        with ThreadPoolExecutor(2) as pool:
            assert list(pool.map(bulk, [[a1, b2], [b1, a2]])) == [200, 200]
    assert count_of(client) == count_of(client, OTHER) == 2 * rounds
