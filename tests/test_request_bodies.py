"""A request body over MAX_CONTENT_LENGTH is a 413 payload_too_large however
it is sent (API.md): with a Content-Length that says so, or streamed in
chunks with none, through the test client as gunicorn hands it over and
through gunicorn itself."""

import http.client
import io
import json
from urllib.parse import urlsplit

import pytest
import sqlalchemy as sa

from moderation.extensions import db
from tests.servers import flask, gunicorn, service_env

LIMIT = 64 * 1024
URL = "/api/v1/articles/bodies/comments"


def comment_json(body_length):
    """A comment whose JSON encoding is body_length + 64 bytes long."""
    text = json.dumps({"name": "Olena", "email": "olena@example.org", "body": "x" * body_length})
    return text.encode() + b" " * (body_length + 64 - len(text))


def post_streamed(client, path, data, content_type="application/json"):
    """As gunicorn hands a chunked body to the app: Transfer-Encoding: chunked
    (so werkzeug reads no Content-Length) and wsgi.input_terminated (the
    server ends the stream where the chunks end), which the test client
    does not set by itself."""
    return client.post(path, input_stream=io.BytesIO(data), content_type=content_type,
                       headers={"Transfer-Encoding": "chunked"},
                       environ_overrides={"wsgi.input_terminated": True})


def stored(app):
    with app.app_context():
        return db.session.scalar(sa.text("SELECT count(*) FROM comments"))


@pytest.mark.parametrize("size", [LIMIT + 1, LIMIT + 8192, 10 * LIMIT])
def test_a_streamed_body_over_the_limit_is_413(app, client, size):
    response = post_streamed(client, URL, comment_json(size - 64))
    assert response.status_code == 413 and response.json["error"]["code"] == "payload_too_large"
    assert stored(app) == 0


def test_a_streamed_body_at_the_limit_is_read_whole(client):
    # 64 KiB exactly is allowed, as with a Content-Length: the body is then too long a comment.
    response = post_streamed(client, URL, comment_json(LIMIT - 64))
    assert response.status_code == 422 and list(response.json["error"]["fields"]) == ["body"]


def test_a_small_streamed_body_is_a_comment(app, client):
    response = post_streamed(client, URL, comment_json(100))
    assert response.status_code == 202 and stored(app) == 1


def test_a_streamed_form_over_the_limit_is_413(app, client):
    form = b"name=Olena&email=olena%40example.org&body=" + b"x" * LIMIT
    response = post_streamed(client, "/embed/bodies", form, content_type="application/x-www-form-urlencoded")
    assert response.status_code == 413 and stored(app) == 0


@pytest.mark.server
def test_gunicorn_answers_a_chunked_body_over_the_limit_with_413(tmp_path):
    env = service_env(f"sqlite:///{tmp_path}/moderation.sqlite", RATELIMIT_ENABLED="false")
    flask(env, "db", "upgrade")
    with gunicorn(env, workers=1) as base:
        for size, status in ((200, 202), (LIMIT + 10_000, 413)):
            data = comment_json(size)
            connection = http.client.HTTPConnection(urlsplit(base).netloc, timeout=10)
            connection.request("POST", URL, body=(data[i:i + 4096] for i in range(0, len(data), 4096)),
                               headers={"Content-Type": "application/json"}, encode_chunked=True)
            response = connection.getresponse()
            answer = json.loads(response.read())
            connection.close()
            assert response.status == status, answer
            assert status == 202 or answer["error"]["code"] == "payload_too_large"
