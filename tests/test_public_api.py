"""The public endpoints as API.md describes them, on SQLite and PostgreSQL."""

import pytest
import sqlalchemy as sa

from moderation.extensions import db

ARTICLE = "2026/11/ukraine-north-korea-weapons"
URL = f"/api/v1/articles/{ARTICLE}/comments"


def test_post_answers_202_with_public_view_and_status(client):
    response = client.post(URL, json={
        "name": "  Olena ", "email": "olena@example.org", "website": "https://olena.example.org",
        "body": "Plain text, with *some* <em>allowed</em> markup.\r\n\r\nA second paragraph.",
    })
    assert response.status_code == 202
    body = response.json
    # No author_key: keys are issued only while trusted authors are on.
    assert set(body) == {"id", "article_id", "parent_id", "depth", "author", "body_html", "created_at", "status"}
    assert body["article_id"] == ARTICLE and body["status"] == "pending"
    assert body["parent_id"] is None and body["depth"] == 0
    assert body["author"]["name"] == "Olena"
    assert body["author"]["website"] == "https://olena.example.org"
    assert body["author"]["avatar"] is None  # nothing derived from the email (API.md)
    assert body["body_html"] == (
        "<p>Plain text, with *some* <em>allowed</em> markup.</p>\n<p>A second paragraph.</p>"
    )
    assert body["created_at"].endswith("Z") and len(body["created_at"]) == 20


def test_pending_comments_are_not_listed(client, post_comment):
    post_comment(ARTICLE)
    listing = client.get(URL).json
    assert listing == {"article_id": ARTICLE, "closed": False, "closed_reason": None, "auto_close": None,
                       "total": 0, "comments": [], "next_cursor": None}


def test_unknown_article_is_an_empty_listing_and_creates_nothing(app, client):
    assert client.get("/api/v1/articles/never/seen/comments").json["comments"] == []
    with app.app_context():
        assert db.session.scalar(sa.text("SELECT count(*) FROM articles")) == 0


def test_approved_comment_is_listed_with_total(client, make_comment):
    comment_id = make_comment(ARTICLE, body="Hello")
    listing = client.get(URL).json
    assert listing["total"] == 1
    assert [c["id"] for c in listing["comments"]] == [comment_id]
    assert "status" not in listing["comments"][0]
    assert listing["comments"][0]["body_html"] == "<p>Hello</p>"


def test_threads_are_depth_first_with_depth(client, make_comment):
    first = make_comment(ARTICLE, body="first")
    second = make_comment(ARTICLE, body="second")
    reply = make_comment(ARTICLE, body="reply", parent_id=first)
    nested = make_comment(ARTICLE, body="nested", parent_id=reply)
    late_reply = make_comment(ARTICLE, body="late", parent_id=first)
    comments = client.get(URL).json["comments"]
    assert [(c["id"], c["parent_id"], c["depth"]) for c in comments] == [
        (first, None, 0), (reply, first, 1), (nested, reply, 2), (late_reply, first, 1), (second, None, 0),
    ]
    newest = client.get(URL + "?order=newest").json["comments"]
    assert [c["id"] for c in newest] == [second, first, reply, nested, late_reply]


def test_replies_deeper_than_the_limit_join_the_deepest_level(app, client, make_comment):
    app.config["MAX_THREAD_DEPTH"] = 1
    top = make_comment(ARTICLE)
    reply = make_comment(ARTICLE, parent_id=top)
    deeper = make_comment(ARTICLE, parent_id=reply)
    comments = client.get(URL).json["comments"]
    assert [(c["id"], c["parent_id"], c["depth"]) for c in comments] == [
        (top, None, 0), (reply, top, 1), (deeper, top, 1),
    ]


def test_reply_under_a_comment_no_longer_public_gets_a_placeholder(client, make_comment, moderator):
    top = make_comment(ARTICLE)
    reply = make_comment(ARTICLE, parent_id=top)
    assert client.post(f"/api/v1/moderation/comments/{top}/reject", headers=moderator).status_code == 200
    listing = client.get(URL).json
    assert listing["total"] == 1
    assert listing["comments"][0] == {"id": top, "parent_id": None, "depth": 0, "deleted": True}
    assert listing["comments"][1]["id"] == reply and listing["comments"][1]["parent_id"] == top


@pytest.mark.parametrize("order", ["oldest", "newest"])
def test_cursor_pagination_walks_every_thread_once(client, make_comment, order):
    tops = [make_comment(ARTICLE, body=f"top {i}") for i in range(5)]
    replies = {make_comment(ARTICLE, body="reply", parent_id=tops[2])}
    seen, cursor, pages = [], None, 0
    while True:
        query = f"?limit=2&order={order}" + (f"&cursor={cursor}" if cursor else "")
        page = client.get(URL + query).json
        assert sum(1 for c in page["comments"] if c["depth"] == 0) <= 2
        seen += [c["id"] for c in page["comments"]]
        pages += 1
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert pages == 3
    expected_tops = tops if order == "oldest" else tops[::-1]
    assert [i for i in seen if i not in replies] == expected_tops
    assert set(seen) == set(tops) | replies


@pytest.mark.parametrize("query,status,code", [
    ("?limit=0", 422, "validation_failed"),
    ("?limit=101", 422, "validation_failed"),
    ("?limit=abc", 422, "validation_failed"),
    ("?order=random", 422, "validation_failed"),
    ("?cursor=not-a-cursor", 400, "bad_request"),
    ("?cursor=%F0%9F%98%80", 400, "bad_request"),
    ("?cursor=cDE4NDQ2NzQ0MDczNzA5NTUxNjE1", 400, "bad_request"),
])
def test_bad_listing_queries(client, query, status, code):
    response = client.get(URL + query)
    assert response.status_code == status and response.json["error"]["code"] == code


def test_etag_and_304_and_cache_control(client, make_comment, moderator):
    make_comment(ARTICLE)
    first = client.get(URL)
    etag = first.headers["ETag"]
    assert first.headers["Cache-Control"].startswith("public, max-age=")
    again = client.get(URL, headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.data == b""
    # The caching headers the 200 would carry (RFC 9110): a browser refreshes its copy's.
    assert again.headers["ETag"] == etag and again.headers["Cache-Control"] == first.headers["Cache-Control"]
    # None of the body's own headers, which would describe a body it lacks.
    assert "Content-Type" not in again.headers and "Content-Length" not in again.headers
    assert again.headers["Content-Security-Policy"] == first.headers["Content-Security-Policy"]
    head = client.head(URL)
    assert head.status_code == 200 and head.data == b"" and head.headers["ETag"] == etag
    assert head.headers["Content-Length"] == first.headers["Content-Length"] == str(len(first.data))
    for header in (f"W/{etag}", f'"other", {etag}', "*"):
        assert client.get(URL, headers={"If-None-Match": header}).status_code == 304, header
    for header in ('"other"', etag[:-2] + '"', f"{etag}x"):
        assert client.get(URL, headers={"If-None-Match": header}).status_code == 200, header
    other = make_comment(ARTICLE)
    changed = client.get(URL, headers={"If-None-Match": etag})
    assert changed.status_code == 200 and changed.headers["ETag"] != etag
    assert other in [c["id"] for c in changed.json["comments"]]


def test_etag_differs_between_pages_and_orders(client, make_comment):
    make_comment(ARTICLE)
    etags = {client.get(URL + query).headers["ETag"] for query in ("", "?order=newest", "?limit=1")}
    assert len(etags) == 3


def test_counts_for_several_articles(client, make_comment):
    make_comment("a")
    make_comment("a")
    make_comment("b", status="pending")
    response = client.get("/api/v1/counts?article_id=a&article_id=b&article_id=c")
    assert response.json == {"counts": {"a": 2, "b": 0, "c": 0}}
    assert "ETag" in response.headers and response.headers["Cache-Control"].startswith("public")
    assert client.get(response.request.full_path, headers={"If-None-Match": response.headers["ETag"]}).status_code == 304


@pytest.mark.parametrize("query", ["", "?article_id=" + "&article_id=".join(str(i) for i in range(101)),
                                   "?article_id=" + "x" * 201])
def test_counts_refuses_bad_queries(client, query):
    response = client.get("/api/v1/counts" + query)
    assert response.status_code == 422 and response.json["error"]["code"] == "validation_failed"
    assert "article_id" in response.json["error"]["fields"]


def test_counts_accepts_one_hundred(client):
    query = "&".join(f"article_id={i}" for i in range(100))
    assert len(client.get("/api/v1/counts?" + query).json["counts"]) == 100


def test_reply_parent_must_be_approved_on_same_article(client, make_comment, post_comment):
    pending = make_comment(ARTICLE, status="pending")
    elsewhere = make_comment("other")
    for parent in (pending, elsewhere, 10**9):
        response = post_comment(ARTICLE, parent_id=parent)
        assert response.status_code == 422
        assert "parent_id" in response.json["error"]["fields"]


def test_article_ids_may_hold_slashes_and_unicode(client, make_comment):
    key = "2026/11/київ-новини ü"
    comment_id = make_comment(key)
    listing = client.get(f"/api/v1/articles/{key}/comments").json
    assert listing["article_id"] == key and listing["comments"][0]["id"] == comment_id


BAD_ARTICLE_IDS = [
    "a%00b", "x" * 201, "%0A", "tab%09here",
    # Bidi controls and other format characters (API.md "Articles").
    "%E2%80%AEevil", "news/%E2%81%A6x", "zero%E2%80%8Bwidth", "soft%C2%ADhyphen", "%EF%BB%BFbom",
    # Empty, "." and ".." segments: a browser resolves them away (to another article).
    "a//b", "a/", "a/./b", "a/../b", "..", ".", "./a", "a/..", "%2E%2E/a", "a%2F%2Fb",
]


@pytest.mark.parametrize("key", BAD_ARTICLE_IDS)
def test_bad_article_ids_are_422(client, key):
    response = client.get(f"/api/v1/articles/{key}/comments")
    assert response.status_code == 422 and "article_id" in response.json["error"]["fields"]


@pytest.mark.parametrize("key", BAD_ARTICLE_IDS)
def test_bad_article_ids_store_nothing(app, client, key):
    response = client.post(f"/api/v1/articles/{key}/comments", json={
        "name": "Olena", "email": "olena@example.org", "body": "Where does this go?"})
    assert response.status_code == 422 and "article_id" in response.json["error"]["fields"]
    with app.app_context():
        assert db.session.scalar(sa.text("SELECT count(*) FROM comments")) == 0


@pytest.mark.parametrize("key", ["a/./b", "a%E2%80%AEb", "a//b"])
def test_bad_article_ids_are_422_in_counts(client, key):
    response = client.get(f"/api/v1/counts?article_id=ok&article_id={key}")
    assert response.status_code == 422


@pytest.mark.parametrize("key", ["v1.2/notes", "a/.hidden", "...", "a/.../b", "2026/11/x y"])
def test_dots_and_spaces_inside_segments_are_fine(client, key):
    assert client.get(f"/api/v1/articles/{key}/comments").status_code == 200


def test_healthz(client):
    response = client.get("/healthz")
    assert response.status_code == 200 and response.json == {"status": "ok"}


def test_healthz_is_503_without_database(tmp_path):
    from moderation import create_app

    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/missing/dir/db.sqlite"},
                     instance_path=str(tmp_path / "instance"))
    response = app.test_client().get("/healthz")
    assert response.status_code == 503 and response.json == {"status": "unavailable"}


def test_security_headers_on_every_api_response(client):
    for response in (client.get(URL), client.get("/nope"), client.post(URL, data="x"),
                     client.get("/healthz")):
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["Referrer-Policy"] == "no-referrer"
        assert response.headers["Content-Security-Policy"] == "default-src 'none'; frame-ancestors 'none'"
