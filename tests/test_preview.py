"""POST /api/v1/preview: the body_html a submission would store, storing
nothing; validated like a submission's body. On SQLite and PostgreSQL."""

import pytest
import sqlalchemy as sa

from moderation.extensions import db
from moderation.models import Article, Comment
from moderation.sanitize import render_body
from tests.moderation_support import assert_error

URL = "/api/v1/preview"
BODY = "*Hello*, <b>world</b> <script>alert(1)</script>\n\nSee https://example.com\n\n    code"


def test_a_preview_is_what_a_submission_stores_and_stores_nothing(app, client):
    response = client.post(URL, json={"body": BODY})
    assert response.status_code == 200 and response.json == {"body_html": render_body(BODY)}
    assert "<em>Hello</em>" in response.json["body_html"] and "&lt;script&gt;" in response.json["body_html"]
    posted = client.post("/api/v1/articles/preview/comments",
                         json={"name": "Olena", "email": "olena@example.org", "body": BODY})
    assert posted.json["body_html"] == response.json["body_html"]
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(Comment.id))) == 1
        assert db.session.scalar(sa.select(sa.func.count(Article.id))) == 1


def test_a_preview_trims_as_a_submission_does(client):
    assert client.post(URL, json={"body": "\n\n    indented code\n  "}).json == {
        "body_html": "<pre><code>indented code\n</code></pre>"}


@pytest.mark.parametrize("payload", [{}, {"body": ""}, {"body": " \n\t "}, {"body": "x" * 10_001},
                                     {"body": "bell \x07"}, {"body": 42}, {"body": "ok", "name": "Olena"}])
def test_a_bad_body_is_a_422(client, payload):
    response = client.post(URL, json=payload)
    assert_error(response, 422, "validation_failed")
    assert set(response.json["error"]["fields"]) <= {"body", "name"}


def test_only_json_is_read(client):
    assert_error(client.post(URL, data="body=x", content_type="application/x-www-form-urlencoded"),
                 415, "unsupported_media_type")
    assert_error(client.post(URL, data="[1]", content_type="application/json"), 400, "bad_request")
