"""The moderation API (API.md "Moderation endpoints"): tokens and roles, the
queue, single actions and deletion, on both databases."""

import pytest

from moderation.privacy import avatar_key
from tests.moderation_support import (
    AGENT, API, ARTICLE, OTHER, article_row, assert_error, audit_rows, count_of, listing, statuses,
)


# --- authentication and roles --------------------------------------------

PROTECTED = [
    ("get", "/comments", None),
    ("get", "/comments/1", None),
    ("post", "/comments/1/approve", None),
    ("post", "/comments/1/spam", None),
    ("delete", "/comments/1", None),
    ("post", "/bulk", {"action": "delete", "ids": [1]}),
    ("get", "/stats", None),
    ("get", "/me", None),
    ("get", "/log", None),
    ("patch", f"/articles/{ARTICLE}", {"closed": True}),
    ("post", "/authors/export", {"email": "olena@example.org"}),
    ("post", "/authors/erase", {"email": "olena@example.org"}),
]
BAD_CREDENTIALS = [None, "Bearer mc_not-a-token", "Basic bW9kOnNlY3JldA==", "Bearer "]


def test_every_endpoint_needs_a_valid_token(app, client, pending):
    (comment_id,) = pending(1)
    assert comment_id == 1
    for method, path, body in PROTECTED:
        for credentials in BAD_CREDENTIALS:
            headers = {"Authorization": credentials} if credentials else {}
            response = getattr(client, method)(API + path, json=body, headers=headers)
            assert_error(response, 401, "unauthorized")
            assert response.headers["WWW-Authenticate"].startswith("Bearer"), path
    assert statuses(app) == {1: "pending"}
    assert audit_rows(app) == []
    assert article_row(app) == (False, 0, 1)


def test_erasure_is_for_admins_only(app, client, pending, moderator, admin):
    pending(2)
    response = client.post(f"{API}/authors/erase", json={"email": "olena@example.org"},
                           headers=moderator)
    assert_error(response, 403, "forbidden")
    assert statuses(app) == {1: "pending", 2: "pending"}
    response = client.post(f"{API}/authors/erase", json={"email": "olena@example.org"},
                           headers=admin)
    assert response.status_code == 200 and response.json == {"deleted": 2}


def test_a_token_says_whose_it_is(client, moderator, admin):
    assert client.get(f"{API}/me", headers=moderator).json == {"name": "mod", "role": "moderator"}
    assert client.get(f"{API}/me", headers=admin).json == {"name": "boss", "role": "admin"}
    assert_error(client.get(f"{API}/me"), 401, "unauthorized")


def test_admin_may_do_what_moderators_do(app, client, pending, admin):
    pending(2)
    assert client.get(f"{API}/comments", headers=admin).status_code == 200
    assert client.post(f"{API}/comments/1/approve", headers=admin).json["moderated_by"] == "boss"
    assert client.delete(f"{API}/comments/2", headers=admin).status_code == 204
    assert client.post(f"{API}/bulk", json={"action": "reject", "ids": [1]},
                       headers=admin).json == {"updated": 1, "missing": []}
    assert client.patch(f"{API}/articles/{ARTICLE}", json={"closed": True},
                        headers=admin).status_code == 200
    assert client.post(f"{API}/authors/export", json={"email": "olena@example.org"},
                       headers=admin).status_code == 200
    assert [row[1] for row in audit_rows(app)] == ["boss"] * 4


# --- the queue and one comment ---------------------------------------------

def test_queue_shows_the_moderation_view_oldest_first(client, post_comment, moderator):
    first = client.post(
        f"/api/v1/articles/{ARTICLE}/comments", headers=AGENT,
        json={"name": "Olena", "email": "Olena@Example.org", "body": "Hi *there*\r\nyou",
              "website": "https://olena.example.org"},
    ).json
    second = post_comment(OTHER, name="Taras", email="taras@example.org").json
    response = client.get(f"{API}/comments", headers=moderator)
    assert response.status_code == 200
    assert [c["id"] for c in response.json["comments"]] == [first["id"], second["id"]]
    assert response.json["next_cursor"] is None
    assert response.json["comments"][0] == {
        "id": first["id"], "article_id": ARTICLE, "parent_id": None, "depth": 0,
        "author": {"name": "Olena", "website": "https://olena.example.org",
                   "avatar": avatar_key("Olena@Example.org", "test-secret"), "email": "Olena@Example.org"},
        "body_html": first["body_html"], "created_at": first["created_at"],
        "status": "pending", "ip": "127.0.0.0", "user_agent": "TestAgent/1.0",
        "body_text": "Hi *there*\nyou",
        "moderation": {"reasons": ["Sent without the widget's form token (not from the comment form?)."]},
        "moderated_at": None, "moderated_by": None, "edited": None, "revisions": [],
    }


def test_queue_filters_by_status_and_article(client, make_comment, moderator):
    ids = {
        "pending": make_comment(status="pending"),
        "approved": make_comment(status="approved"),
        "rejected": make_comment(status="rejected"),
        "spam": make_comment(status="spam"),
    }
    other = make_comment(OTHER, status="pending")

    def queue(**query):
        response = client.get(f"{API}/comments", query_string=query, headers=moderator)
        assert response.status_code == 200, response.json
        return [comment["id"] for comment in response.json["comments"]]

    assert queue() == [ids["pending"], other]
    for status, comment_id in ids.items():
        assert queue(status=status) == ([comment_id, other] if status == "pending" else [comment_id])
        assert queue(status=status, article_id=ARTICLE) == [comment_id]
    assert queue(article_id=OTHER) == [other]
    assert queue(article_id="2026/never/commented") == []
    # A blank field of a form counts as absent.
    assert queue(status="", article_id="", limit="", cursor="") == [ids["pending"], other]


def test_queue_pages_through_every_comment_once(client, pending, moderator):
    ids = pending(5) + pending(2, article=OTHER)
    seen, cursor, pages = [], None, 0
    while True:
        query = {"limit": 2, **({"cursor": cursor} if cursor else {})}
        body = client.get(f"{API}/comments", query_string=query, headers=moderator).json
        assert len(body["comments"]) <= 2
        seen += [comment["id"] for comment in body["comments"]]
        pages, cursor = pages + 1, body["next_cursor"]
        if cursor is None:
            break
    assert seen == ids and pages == 4
    # A full last page says there is nothing more (no empty page to fetch).
    body = client.get(f"{API}/comments", query_string={"article_id": ARTICLE, "limit": 5},
                      headers=moderator).json
    assert [c["id"] for c in body["comments"]] == ids[:5] and body["next_cursor"] is None


@pytest.mark.parametrize("query,field", [
    ({"limit": 0}, "limit"), ({"limit": 101}, "limit"), ({"limit": "ten"}, "limit"),
    ({"status": "deleted"}, "status"), ({"status": "PENDING"}, "status"),
    ({"article_id": "x" * 201}, "article_id"), ({"article_id": "a\x01b"}, "article_id"),
    ({"stauts": "spam"}, "stauts"),
])
def test_queue_arguments_are_validated(client, moderator, query, field):
    response = client.get(f"{API}/comments", query_string=query, headers=moderator)
    assert_error(response, 422, "validation_failed")
    assert list(response.json["error"]["fields"]) == [field]


@pytest.mark.parametrize("path", ["/comments", "/log"])
@pytest.mark.parametrize("cursor", ["not-a-cursor!", "cDEyYQ", "eDE"])
def test_a_cursor_we_did_not_make_is_a_bad_request(client, moderator, path, cursor):
    response = client.get(API + path, query_string={"cursor": cursor}, headers=moderator)
    assert_error(response, 400, "bad_request")


def test_one_comment_in_any_status(client, make_comment, moderator):
    comment_id = make_comment(status="spam")
    response = client.get(f"{API}/comments/{comment_id}", headers=moderator)
    assert response.status_code == 200
    assert response.json["id"] == comment_id
    assert response.json["status"] == "spam"
    assert response.json["author"]["email"] == "olena@example.org"
    assert response.json["moderated_by"] == "mod"
    assert response.json["moderated_at"].endswith("Z")


@pytest.mark.parametrize("method,path", [
    ("get", "/comments/999"), ("get", "/comments/0"), ("delete", "/comments/999"),
    ("post", "/comments/999/approve"), ("post", "/comments/999/reject"),
    ("get", f"/comments/{2**63}"), ("get", "/comments/abc"),
])
def test_unknown_comment_is_not_found(client, pending, moderator, method, path):
    pending(1)
    assert_error(getattr(client, method)(API + path, headers=moderator), 404, "not_found")


# --- approve, reject, spam --------------------------------------------------

def test_status_actions_are_idempotent_and_audited(app, client, pending, moderator):
    (comment_id,) = pending(1)
    for action, status in [("approve", "approved"), ("approve", "approved"),
                           ("spam", "spam"), ("reject", "rejected"), ("reject", "rejected")]:
        response = client.post(f"{API}/comments/{comment_id}/{action}", headers=moderator)
        assert response.status_code == 200 and response.json["status"] == status
    assert audit_rows(app) == [
        (comment_id, "mod", "approve", "pending", "approved"),
        (comment_id, "mod", "spam", "approved", "spam"),
        (comment_id, "mod", "reject", "spam", "rejected"),
    ]
    # Approval counted once, taken back once: versions 1 -> 2 -> 3.
    assert article_row(app) == (False, 0, 3)


def test_requeue_puts_a_comment_back_in_the_queue(app, client, make_comment, moderator):
    comment_id = make_comment(status="approved")
    assert count_of(client) == 1
    response = client.post(f"{API}/comments/{comment_id}/requeue", headers=moderator)
    assert response.status_code == 200 and response.json["status"] == "pending"
    assert count_of(client) == 0 and listing(client).json["comments"] == []
    assert client.post(f"{API}/comments/{comment_id}/requeue", headers=moderator).json["status"] == "pending"
    assert audit_rows(app)[-1] == (comment_id, "mod", "requeue", "approved", "pending")
    assert len(audit_rows(app)) == 2  # the second requeue changed nothing
    response = client.post(f"{API}/comments/{comment_id}/requeue?block=email", headers=moderator)
    assert_error(response, 422, "validation_failed")


# --- delete -----------------------------------------------------------------

def test_delete_erases_the_comment_and_keeps_replies(app, client, make_comment, moderator):
    parent = make_comment()
    reply = make_comment(parent_id=parent, body="A reply.")
    assert count_of(client) == 2
    response = client.delete(f"{API}/comments/{parent}", headers=moderator)
    assert response.status_code == 204 and response.get_data() == b""
    assert "Content-Type" not in response.headers  # an empty body has no type
    assert_error(client.get(f"{API}/comments/{parent}", headers=moderator), 404, "not_found")
    assert_error(client.delete(f"{API}/comments/{parent}", headers=moderator), 404, "not_found")
    body = listing(client).json
    assert body["total"] == 1 and count_of(client) == 1
    assert body["comments"][0] == {"id": parent, "parent_id": None, "depth": 0, "deleted": True}
    assert [(c["id"], c["parent_id"], c["depth"]) for c in body["comments"][1:]] == [(reply, parent, 1)]
    assert statuses(app) == {reply: "approved"}
    assert audit_rows(app)[-1] == (parent, "mod", "delete", "approved", None)


def test_deleting_a_pending_comment_leaves_the_listing_alone(app, client, make_comment, moderator):
    make_comment()
    held = make_comment(status="pending")
    etag = listing(client).headers["ETag"]
    assert client.delete(f"{API}/comments/{held}", headers=moderator).status_code == 204
    assert listing(client).headers["ETag"] == etag
    assert article_row(app) == (False, 1, 2)
    assert audit_rows(app)[-1] == (held, "mod", "delete", "pending", None)
