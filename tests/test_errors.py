"""Every error is the contract's JSON envelope; hostile input never makes a 500
and never changes anything."""

import json

import pytest
import sqlalchemy as sa

from moderation.extensions import db

URL = "/api/v1/articles/demo/comments"
VALID = {"name": "Olena", "email": "olena@example.org", "body": "Hello"}


def count_rows(app):
    with app.app_context():
        return db.session.scalar(sa.text("SELECT count(*) FROM comments"))


def assert_envelope(response, status, code):
    assert response.status_code == status, response.data
    assert response.mimetype == "application/json"
    error = response.json["error"]
    assert error["code"] == code and isinstance(error["message"], str) and error["message"]
    assert "Traceback" not in response.get_data(as_text=True)
    return error


@pytest.mark.parametrize("method,path,status,code", [
    ("get", "/nope", 404, "not_found"),
    ("get", "/api/v1/moderation/comments/1/approve", 405, "method_not_allowed"),
    ("put", URL, 405, "method_not_allowed"),
    ("post", "/api/v1/moderation/comments/1/approve", 401, "unauthorized"),
    ("post", "/api/v1/moderation/comments/99999999999999999999/approve", 404, "not_found"),
    ("get", "/api/v1/moderation/comments/" + "9" * 5000, 404, "not_found"),
    ("delete", "/api/v1/moderation/comments/" + "9" * 5000, 404, "not_found"),
])
def test_routing_and_auth_errors_are_json(client, method, path, status, code):
    assert_envelope(getattr(client, method)(path), status, code)


def test_405_keeps_allow_header(client):
    response = client.put(URL)
    assert set(response.headers["Allow"].split(", ")) >= {"GET", "POST"}


def test_401_carries_www_authenticate(client):
    response = client.post("/api/v1/moderation/comments/1/approve", headers={"Authorization": "Bearer nope"})
    assert_envelope(response, 401, "unauthorized")
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


@pytest.mark.parametrize("body,content_type", [
    (b"name=a&email=b&body=c", "application/x-www-form-urlencoded"),
    (b"--x\r\n", "multipart/form-data; boundary=x"),
    (b"{}", "text/plain"),
    (b"{}", None),
    (json.dumps(VALID).encode("utf-16"), "application/json; charset=utf-16"),
])
def test_non_json_bodies_are_415(app, client, body, content_type):
    headers = {"Content-Type": content_type} if content_type else {}
    assert_envelope(client.post(URL, data=body, headers=headers), 415, "unsupported_media_type")
    assert count_rows(app) == 0


BAD_JSON = [
    b"", b"{", b"[]", b'"text"', b"null", b"42",
    b"\xff\xfe{}",  # invalid UTF-8
    b'{"name": "\\ud800", "email": "a@b.co", "body": "x"}',  # lone surrogate
    b'{"name": "a", "email": "a@b.co", "body": "x", "parent_id": NaN}',
    b'{"name": "a", "email": "a@b.co", "body": "x", "parent_id": Infinity}',
    b'{"parent_id": ' + b"9" * 5000 + b"}",
    b'{"body": ' + b"[" * 5000 + b"]" * 5000 + b"}",
]


@pytest.mark.parametrize("body", BAD_JSON)
def test_malformed_json_is_400(app, client, body):
    response = client.post(URL, data=body, content_type="application/json")
    assert_envelope(response, 400, "bad_request")
    assert count_rows(app) == 0


BAD_FIELDS = [
    ({"status": "approved"}, "status"),
    ({"body_html": "<script>x</script>"}, "body_html"),
    ({"id": 5}, "id"),
    ({"parent_id": True}, "parent_id"),
    ({"parent_id": 1.5}, "parent_id"),
    ({"parent_id": "1"}, "parent_id"),
    ({"parent_id": 2**63}, "parent_id"),
    ({"parent_id": 2**64 + 1}, "parent_id"),
    ({"parent_id": 0}, "parent_id"),
    ({"parent_id": -1}, "parent_id"),
    ({"name": ""}, "name"),
    ({"name": "   "}, "name"),
    ({"name": "x" * 81}, "name"),
    ({"name": "<b>Olena</b>"}, "name"),
    ({"name": "Ole\u202ena"}, "name"),
    ({"name": "Ole\x00na"}, "name"),
    ({"name": "Ole\nna"}, "name"),
    # Names that render blank: fillers, the blank braille pattern, variation
    # selectors and other default-ignorable characters, alone or with spaces.
    ({"name": "\u3164"}, "name"),
    ({"name": "\u2800"}, "name"),
    ({"name": "\u3164 \u2800 \uffa0"}, "name"),
    ({"name": "\u115f\u1160"}, "name"),
    ({"name": "\ufe0f\u034f"}, "name"),
    ({"name": "\U000e0100\U000e0101"}, "name"),
    ({"name": 5}, "name"),
    ({"name": None}, "name"),
    ({"email": "not-an-address"}, "email"),
    ({"email": "Olena <olena@example.org>"}, "email"),
    ({"email": "a@example.org, b@example.org"}, "email"),
    ({"email": "a@localhost"}, "email"),
    ({"email": "x" * 65 + "@example.org"}, "email"),
    ({"email": "a@" + "b" * 63 + "." + "c" * 63 + "." + "d" * 63 + "." + "e" * 63}, "email"),
    ({"email": ["a@b.co"]}, "email"),
    ({"body": ""}, "body"),
    ({"body": " \n\t "}, "body"),
    ({"body": "x" * 10_001}, "body"),
    ({"body": "bell\x07"}, "body"),
    ({"body": "nul\x00"}, "body"),
    ({"body": "c1\x85"}, "body"),
    ({"body": {"html": "x"}}, "body"),
    ({"website": "javascript:alert(1)"}, "website"),
    ({"website": "ftp://example.org"}, "website"),
    ({"website": "example.org"}, "website"),
    ({"website": "https://"}, "website"),
    ({"website": "https://exa mple.org"}, "website"),
    ({"website": 'https://exa"mple.org'}, "website"),
    ({"website": "https://<x>.org"}, "website"),
    ({"website": "https://user:pw@example.org"}, "website"),
    ({"website": "https://example.org/" + "a" * 2048}, "website"),
    ({"website": 7}, "website"),
]


@pytest.mark.parametrize("change,field", BAD_FIELDS)
def test_bad_fields_are_422_with_the_field_named(app, client, change, field):
    # The standard encoder, which (unlike the app's) writes integers beyond 64 bits.
    response = client.post(URL, data=json.dumps({**VALID, **change}), content_type="application/json")
    error = assert_envelope(response, 422, "validation_failed")
    assert field in error["fields"], error
    assert count_rows(app) == 0


@pytest.mark.parametrize("missing", ["name", "email", "body"])
def test_required_fields(client, missing):
    payload = {key: value for key, value in VALID.items() if key != missing}
    error = assert_envelope(client.post(URL, json=payload), 422, "validation_failed")
    assert list(error["fields"]) == [missing]


def test_body_limit_is_a_setting(app, client):
    app.config["BODY_MAX_LENGTH"] = 20
    assert client.post(URL, json={**VALID, "body": "x" * 20}).status_code == 202
    assert client.post(URL, json={**VALID, "body": "x" * 21}).status_code == 422


def test_body_of_exactly_ten_thousand_characters_is_accepted(client):
    assert client.post(URL, json={**VALID, "body": "é" * 10_000}).status_code == 202


def test_payload_too_large_is_413(app, client):
    response = client.post(URL, data=b'{"body": "' + b"x" * 70_000 + b'"}', content_type="application/json")
    assert_envelope(response, 413, "payload_too_large")
    assert count_rows(app) == 0


def test_website_is_normalised(client):
    response = client.post(URL, json={**VALID, "website": " HTTPS://Example.org/a b?q=\"<x>\"#'f' "})
    assert response.status_code == 202
    assert response.json["author"]["website"] == "https://example.org/a%20b?q=%22%3Cx%3E%22#%27f%27"


@pytest.mark.parametrize("website", [None, ""])
def test_website_may_be_absent(client, website):
    response = client.post(URL, json={**VALID, "website": website})
    assert response.status_code == 202 and response.json["author"]["website"] is None


def test_unexpected_errors_are_generic_500(app, client, monkeypatch):
    from moderation.services import threads

    def explode(*args, **kwargs):
        raise RuntimeError("SELECT secret FROM comments")

    monkeypatch.setattr(threads, "read_article_state", explode)
    error = assert_envelope(client.get(URL), 500, "internal_error")
    assert "SELECT" not in error["message"]


def test_invalid_utf8_in_path_and_query_is_not_500(client):
    for path in (b"/api/v1/articles/%ff%fe/comments", b"/api/v1/counts?article_id=%ff"):
        response = client.get(path.decode("latin-1"))
        assert response.status_code < 500
