"""/embed/{article_id}: the no-JavaScript page and its plain form, on SQLite and PostgreSQL."""

import html
import re

import pytest
from itsdangerous import URLSafeTimedSerializer

from moderation.forms import SALT as FORM_SALT
from moderation.rules import FORM_REASONS

ARTICLE = "2026/11/embed-test"
PAGE = f"/embed/{ARTICLE}"
NEWS = "https://news.example"
OWN = "http://localhost"  # the test client's origin
CSP = ("default-src 'none'; style-src 'unsafe-inline'; img-src data:; form-action 'self'; "
       "frame-ancestors 'self' https://news.example; base-uri 'none'; script-src 'none'")
FIELDS = {"name": "Olena", "email": "olena@example.org", "body": "From the plain form."}
ITEM = re.compile(r'<li class="item[^"]*" id="c(\d+)" data-id="\d+" data-depth="(\d+)"')


def token_of(page_html):
    return re.search(r'<input type="hidden" name="form_token" value="([^"]+)">', page_html).group(1)


def send_form(client, headers=None, token=None, **overrides):
    """GET the page for a token, then POST the form like a browser on our origin would."""
    fields = {name: value for name, value in {**FIELDS, **overrides}.items() if value is not None}
    fields["form_token"] = token if token is not None else token_of(client.get(PAGE).text)
    return client.post(PAGE, data=fields, headers={"Origin": OWN, **(headers or {})})


def stored(client, moderator, status="pending"):
    """The article's comments in one status, moderation view."""
    query = {"status": status, "article_id": ARTICLE}
    return client.get("/api/v1/moderation/comments", query_string=query, headers=moderator).json["comments"]


def listed(page_html):
    """(id, depth) of each listed comment, in page order."""
    return [(int(comment_id), int(depth)) for comment_id, depth in ITEM.findall(page_html)]


def error_beside(page_html, field):
    message = re.search(rf'<span class="error" id="f-{field}-error">(.*?)</span>', page_html).group(1)
    return html.unescape(message)


@pytest.mark.parametrize("settings", [{"ALLOWED_ORIGINS": [NEWS]}])
def test_page_is_html_that_runs_no_script_and_only_listed_sites_may_frame(client):
    response = client.get(PAGE)
    assert response.status_code == 200 and response.mimetype == "text/html"
    assert response.headers["Content-Security-Policy"] == CSP
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert response.headers["Cache-Control"] == "no-store"
    assert "<script" not in response.text
    assert f'<form id="comment-form" method="post" action="/embed/{ARTICLE}" target="_self"' in response.text
    assert "<h1>0 comments</h1>" in response.text


def test_by_default_only_the_service_itself_may_frame_the_page(client):
    policy = client.get(PAGE).headers["Content-Security-Policy"]
    assert "frame-ancestors 'self'; " in policy


def test_lists_approved_comments_threaded_with_placeholders(client, make_comment, post_comment, moderator):
    first = make_comment(ARTICLE, body="first")
    reply = make_comment(ARTICLE, body="reply", parent_id=first)
    gone = make_comment(ARTICLE, body="gone")
    orphan = make_comment(ARTICLE, body="orphan", parent_id=gone)
    nested = make_comment(ARTICLE, body="nested", parent_id=reply)
    make_comment(ARTICLE, body="rejected", status="rejected")
    post_comment(ARTICLE, body="still pending")
    client.post(f"/api/v1/moderation/comments/{gone}/reject", headers=moderator)
    page = client.get(PAGE).text
    assert listed(page) == [(first, 0), (reply, 1), (nested, 2), (gone, 0), (orphan, 1)]
    assert re.search(rf'id="c{gone}"[^>]*>\s*<p class="deleted">\[deleted\]</p>', page)
    assert "pending" not in page and "gone" not in page and "rejected" not in page
    assert "<h1>4 comments</h1>" in page


def test_names_are_escaped_and_only_the_sanitised_body_is_markup(client, make_comment):
    make_comment(ARTICLE, name='&lt;b&gt; "quoted" & co', website="https://site.example/a?b=1&c=2",
                 body="Some <em>emphasis</em> and <script>alert(1)</script>\nhttps://example.org")
    page = client.get(PAGE).text
    assert ('<a class="name" href="https://site.example/a?b=1&amp;c=2" rel="nofollow ugc noopener noreferrer">'
            "&amp;lt;b&amp;gt; &#34;quoted&#34; &amp; co</a>") in page
    assert "<p>Some <em>emphasis</em> and &lt;script&gt;alert(1)&lt;/script&gt;<br>" in page
    assert "<script" not in page
    assert "olena@example.org" not in page  # API.md: the email is private


def test_posting_stores_a_pending_comment_and_redirects_to_the_notice(client, moderator):
    response = send_form(client, website="https://olena.example.org")
    assert response.status_code == 303
    assert response.headers["Location"] == f"/embed/{ARTICLE}?posted=1"
    [comment] = stored(client, moderator)
    assert comment["body_text"] == "From the plain form." and comment["author"]["email"] == "olena@example.org"
    assert comment["author"]["website"] == "https://olena.example.org" and comment["parent_id"] is None
    notice = client.get(response.headers["Location"]).text
    assert '<p class="notice" role="status">Thank you! Your comment is awaiting moderation.</p>' in notice
    assert "awaiting moderation" not in client.get(PAGE).text
    assert send_form(client, website="  ", body="Another.").status_code == 303  # that is no website
    assert stored(client, moderator)[1]["author"]["website"] is None


def test_reply_link_adds_the_parent_and_the_reply_is_threaded(client, make_comment, moderator):
    parent = make_comment(ARTICLE, name="Mark", body="parent")
    page = client.get(PAGE).text
    assert f'href="/embed/{ARTICLE}?reply_to={parent}#comment-form"' in page
    reply_page = client.get(f"{PAGE}?reply_to={parent}").text
    assert f'<input type="hidden" name="parent_id" value="{parent}">' in reply_page
    assert '<h2 id="form-title">Reply to Mark</h2>' in reply_page
    response = send_form(client, token=token_of(reply_page), parent_id=str(parent))
    assert response.status_code == 303
    [reply] = stored(client, moderator)
    assert reply["parent_id"] == parent and reply["depth"] == 1


@pytest.mark.parametrize("reply_to", ["abc", "999999", "-1", "١"])
def test_reply_to_something_not_listed_is_ignored(client, make_comment, reply_to):
    make_comment(ARTICLE)
    page = client.get(PAGE, query_string={"reply_to": reply_to}).text
    assert 'name="parent_id"' not in page and '<h2 id="form-title">Leave a Reply</h2>' in page


@pytest.mark.parametrize("fields", [
    {"name": "Ol<ena", "email": "not-an-email", "body": "x"},
    {"name": "", "email": "a@example.org", "body": "x"},
    {"name": "Olena", "email": "a@example.org", "body": "   "},
    {"name": "Olena", "email": "a@example.org", "body": "x", "website": "javascript:alert(1)"},
    {"name": "Olena", "email": "a@example.org", "body": "bell\x07"},
    {"email": "a@example.org", "body": "x"},
])
def test_validation_errors_show_the_api_messages_beside_the_fields(client, moderator, fields):
    api = client.post(f"/api/v1/articles/{ARTICLE}/comments", json=fields)
    expected = {name: " ".join(texts) for name, texts in api.json["error"]["fields"].items()}
    response = send_form(client, **{**dict.fromkeys(FIELDS), **fields})
    assert response.status_code == 422
    assert '<div class="summary" role="alert">\n      <p>One or more fields are invalid.</p>' in response.text
    shown = ("name", "email", "website", "body")
    assert {name: error_beside(response.text, name) for name in shown} == {n: expected.get(n, "") for n in shown}
    first_bad = next(name for name in shown if name in expected)
    assert re.search(rf'id="f-{first_bad}"[^>]*aria-invalid="true" autofocus', response.text)
    assert stored(client, moderator) == []


def test_a_refused_form_keeps_what_was_typed_escaped(client):
    response = send_form(client, name='Ol"<ena', body="Text & <b>more</b>")
    assert 'value="Ol&#34;&lt;ena"' in response.text
    assert "Text &amp; &lt;b&gt;more&lt;/b&gt;</textarea>" in response.text


@pytest.mark.parametrize("parent_id,message", [
    ("abc", "Not a valid integer."),
    ("12345", "Must be an approved comment on this article."),
    ("pending", "Must be an approved comment on this article."),
    ("99999999999999999999", "Must be between 1 and 2147483647."),
])
def test_a_bad_parent_is_refused_with_the_api_message(client, post_comment, moderator, parent_id, message):
    if parent_id == "pending":
        parent_id = str(post_comment(ARTICLE).json["id"])
    response = send_form(client, parent_id=parent_id)
    assert response.status_code == 422
    assert f"<p>parent_id: {message}</p>" in response.text
    assert all(c["body_text"] != FIELDS["body"] for c in stored(client, moderator))


UNVERIFIED = "This form could not be verified. Please send it again."


@pytest.mark.parametrize("token,message", [
    ("", UNVERIFIED),
    ("forged.token.value", UNVERIFIED),
    (URLSafeTimedSerializer("another-secret", salt=FORM_SALT).dumps(ARTICLE), UNVERIFIED),
    (URLSafeTimedSerializer("test-secret", salt="another-salt").dumps(ARTICLE), UNVERIFIED),
    (URLSafeTimedSerializer("test-secret", salt=FORM_SALT).dumps("2026/11/another-article"), UNVERIFIED),
    ("expired", "This form has expired. Please send it again."),
], ids=["missing", "garbage", "other-secret", "other-salt", "other-article", "expired"])
def test_a_missing_forged_or_expired_token_stores_nothing(app, client, moderator, token, message):
    if token == "expired":
        app.config["FORM_TOKEN_MAX_AGE"], token = -1, None  # any token is too old
    response = send_form(client, token=token)
    assert response.status_code == 400
    assert f"<p>{message}</p>" in response.text
    assert token_of(response.text) != token  # a fresh one, to send it again
    assert 'value="Olena"' in response.text
    assert stored(client, moderator) == []


def test_the_rules_screen_form_posts_as_they_screen_the_api(app, client, moderator):
    assert send_form(client).status_code == 303  # straight after the page was served
    assert stored(client, moderator)[0]["moderation"]["reasons"] == [FORM_REASONS["too_fast"]]
    app.config["FORM_MIN_SECONDS"] = 0
    assert send_form(client, body="Typed slowly.").status_code == 303
    assert stored(client, moderator)[1]["moderation"]["reasons"] == []
    response = send_form(client, body="Bot.", website_url="https://spam.example")  # the honeypot
    assert response.headers["Location"] == f"/embed/{ARTICLE}?posted=1"  # a bot learns nothing
    assert [comment["body_text"] for comment in stored(client, moderator, "spam")] == ["Bot."]
    assert 'name="website_url" tabindex="-1"' in client.get(PAGE).text


@pytest.mark.parametrize("settings", [{"RATELIMIT_ENABLED": True, "RATELIMIT_POST": "2/minute"}])
def test_over_the_posting_limit_the_page_comes_back_with_429(client):
    api = client.post(f"/api/v1/articles/{ARTICLE}/comments", json={**FIELDS, "body": "Via the API."})
    assert api.status_code == 202
    assert send_form(client).status_code == 303  # one budget for both ways of posting
    response = send_form(client, body="One too many.")
    assert response.status_code == 429 and response.mimetype == "text/html"
    assert int(response.headers["Retry-After"]) > 0
    assert "<p>Too many requests; try again later.</p>" in response.text
    assert "One too many.</textarea>" in response.text


@pytest.mark.parametrize("headers", [
    {"Origin": "https://evil.example"},
    {"Origin": "https://news.example"},  # even where the page may be framed: a frame posts as us
    {"Origin": "null"},
    {"Origin": "http://localhost:8080"},
    {"Origin": "", "Referer": "https://evil.example/article"},
])
def test_a_post_from_another_origin_is_refused(client, moderator, headers):
    response = send_form(client, headers=headers)
    assert response.status_code == 403
    assert "<p>Comments can only be sent from this site&#39;s own comment form.</p>" in response.text
    assert stored(client, moderator) == []


@pytest.mark.parametrize("headers", [
    {"Origin": "http://localhost"},
    {"Origin": "", "Referer": f"http://localhost/embed/{ARTICLE}?reply_to=3"},
    {"Origin": ""},  # neither header (privacy tools strip them): the signed token still applies
])
def test_a_post_from_our_own_origin_is_accepted(client, moderator, headers):
    assert send_form(client, headers=headers).status_code == 303
    assert len(stored(client, moderator)) == 1


def close(client, moderator):
    client.patch(f"/api/v1/moderation/articles/{ARTICLE}", json={"closed": True}, headers=moderator)


def test_a_closed_article_shows_a_notice_and_no_form(client, make_comment, moderator):
    make_comment(ARTICLE)
    close(client, moderator)
    page = client.get(PAGE).text
    assert '<p class="closed" role="status">Comments were closed by the moderators.</p>' in page
    assert "<form" not in page and "reply_to" not in page and len(listed(page)) == 1


@pytest.mark.parametrize("overrides", [{}, {"name": ""}])
def test_posting_to_a_closed_article_is_a_403_page(client, moderator, overrides):
    token = token_of(client.get(PAGE).text)
    close(client, moderator)
    response = send_form(client, token=token, **overrides)
    assert response.status_code == 403 and response.mimetype == "text/html"
    assert "Comments were closed by the moderators." in response.text and "<form" not in response.text
    assert stored(client, moderator) == []


def test_pages_follow_the_cursor(app, client, make_comment):
    app.config["EMBED_PAGE_LIMIT"] = 2  # this test's own app: read per request
    ids = [make_comment(ARTICLE, body=f"thread {n}") for n in range(3)]
    first = client.get(PAGE).text
    assert [comment_id for comment_id, _ in listed(first)] == ids[:2]
    more = re.search(r'<a class="more" target="_self" href="([^"]+)">More comments</a>', first).group(1)
    second = client.get(html.unescape(more)).text
    assert [comment_id for comment_id, _ in listed(second)] == ids[2:]
    assert 'class="more"' not in second


@pytest.mark.parametrize("path", [f"/embed/{'x' * 201}", "/embed/a%01b"])
@pytest.mark.parametrize("method", ["get", "post"])
def test_article_ids_are_validated_like_the_api(client, path, method):
    response = getattr(client, method)(path, data={"form_token": "x"})
    api = client.get(f"/api/v1/articles/{path.removeprefix('/embed/')}/comments")
    assert response.status_code == api.status_code == 422
    assert response.json == api.json


def test_the_demo_page_points_its_noscript_frame_at_the_embed_page(client):
    page = client.get("/").text
    assert '<noscript><iframe src="/embed/2026/11/ukraine-north-korea-weapons" title="Comments"' in page
