"""CORS: the public API for ALLOWED_ORIGINS, the moderation API for
MODERATION_ORIGINS, nothing for anyone else; on SQLite and PostgreSQL."""

import pytest
from werkzeug.exceptions import TooManyRequests

from moderation import create_app
from moderation.extensions import db

NEWS = "https://news.example"
TOOL = "https://mod.example"
ARTICLE = "2026/11/cors"
COMMENTS = f"/api/v1/articles/{ARTICLE}/comments"
EXPOSED = {"access-control-expose-headers": {"retry-after", "etag"}}
PUBLIC_PREFLIGHT = {"access-control-allow-origin": {NEWS}, "access-control-allow-methods": {"get", "post"},
                    "access-control-allow-headers": {"content-type"}, "access-control-max-age": {"600"},
                    **EXPOSED}
MODERATION_PREFLIGHT = {"access-control-allow-origin": {TOOL},
                        "access-control-allow-methods": {"get", "post", "put", "patch", "delete"},
                        "access-control-allow-headers": {"authorization", "content-type"},
                        "access-control-max-age": {"600"}, **EXPOSED}


@pytest.fixture
def settings():
    return {"ALLOWED_ORIGINS": [NEWS + "/", "HTTP://127.0.0.1:8123"], "MODERATION_ORIGINS": [TOOL]}


@pytest.fixture
def app(app):
    """The conftest app with origins configured, plus a route that answers 429 and one that fails."""
    app.add_url_rule("/api/v1/articles/limited/comments", "limited", limited, methods=["POST"])
    app.add_url_rule("/api/v1/articles/broken/comments", "broken", broken)
    return app


def limited():
    raise TooManyRequests(retry_after=30)  # what Flask-Limiter raises: an HTTPException


def broken():
    raise RuntimeError("boom")


def access_control(response):
    """Every Access-Control-* header of a response, each a set of its
    comma-separated values (whose case and order mean nothing)."""
    return {name.lower(): {part.strip().lower() for part in value.split(",")}
            for name, value in response.headers if name.lower().startswith("access-control-")}


def preflight(client, path, origin, method="POST", headers="content-type"):
    return client.options(path, headers={"Origin": origin, "Access-Control-Request-Method": method,
                                         "Access-Control-Request-Headers": headers})


@pytest.mark.parametrize("path", [COMMENTS, "/api/v1/counts"])
def test_public_preflight_from_a_listed_origin(client, path):
    response = preflight(client, path, NEWS)
    assert response.status_code == 200 and response.data == b""  # an ok status, nothing else
    assert access_control(response) == PUBLIC_PREFLIGHT
    assert "Origin" in response.vary


def test_configured_origins_are_compared_normalised(client):
    response = preflight(client, COMMENTS, "http://127.0.0.1:8123")
    assert response.headers["Access-Control-Allow-Origin"] == "http://127.0.0.1:8123"


@pytest.mark.parametrize("origin", ["https://evil.example", "null", "https://news.example.evil",
                                    "http://news.example", "https://news.example:8443", TOOL])
def test_public_preflight_from_another_origin_gets_no_cors_headers(client, origin):
    response = preflight(client, COMMENTS, origin)
    assert access_control(response) == {}
    assert "Origin" in response.vary


def test_actual_public_answers_allow_the_listed_origin(client, make_comment):
    make_comment(ARTICLE)
    listing = client.get(COMMENTS, headers={"Origin": NEWS})
    posted = client.post(COMMENTS, headers={"Origin": NEWS},
                         json={"name": "Ann", "email": "ann@example.org", "body": "Hi"})
    counts = client.get(f"/api/v1/counts?article_id={ARTICLE}", headers={"Origin": NEWS})
    for response, status in ((listing, 200), (posted, 202), (counts, 200)):
        assert response.status_code == status
        assert access_control(response) == {"access-control-allow-origin": {NEWS}, **EXPOSED}
        assert "Origin" in response.vary


def test_not_modified_answers_carry_cors_headers(client):
    etag = client.get(COMMENTS).headers["ETag"]
    response = client.get(COMMENTS, headers={"Origin": NEWS, "If-None-Match": etag})
    assert response.status_code == 304
    assert response.headers["Access-Control-Allow-Origin"] == NEWS


def test_public_answers_carry_each_header_once(client, make_comment):
    """Public answers are built with their security and Vary headers, and the
    after-request hooks must not add them a second time."""
    make_comment(ARTICLE)
    listing = client.get(COMMENTS, headers={"Origin": NEWS})
    counts = client.get(f"/api/v1/counts?article_id={ARTICLE}", headers={"Origin": NEWS})
    not_modified = client.get(COMMENTS, headers={"Origin": NEWS, "If-None-Match": listing.headers["ETag"]})
    for response, status in ((listing, 200), (counts, 200), (not_modified, 304)):
        assert response.status_code == status
        names = [name.lower() for name, _ in response.headers]
        assert sorted(names) == sorted(set(names)), names
        assert {"vary", "x-content-type-options", "referrer-policy", "content-security-policy",
                "access-control-allow-origin", "etag", "cache-control"} <= set(names)
        assert response.vary.as_set() == {"origin", "accept-encoding"}


ERRORS = [
    ("post", COMMENTS, {"json": {"name": "Ann"}}, 422),
    ("get", f"{COMMENTS}?limit=0", {}, 422),
    ("get", "/api/v1/articles/x/unknown", {}, 404),
    ("delete", COMMENTS, {}, 405),
    ("post", COMMENTS, {"data": "name=Ann"}, 415),
    ("post", "/api/v1/articles/limited/comments", {"json": {}}, 429),
    ("get", "/api/v1/articles/broken/comments", {}, 500),
]


@pytest.mark.parametrize("method,path,kwargs,status", ERRORS)
def test_error_answers_carry_cors_headers(client, method, path, kwargs, status):
    response = getattr(client, method)(path, headers={"Origin": NEWS}, **kwargs)
    assert response.status_code == status and "error" in response.json
    assert access_control(response) == {"access-control-allow-origin": {NEWS}, **EXPOSED}
    assert "Origin" in response.vary


def test_rate_limited_answer_keeps_retry_after(client):
    response = client.post("/api/v1/articles/limited/comments", headers={"Origin": NEWS}, json={})
    assert response.headers["Retry-After"] == "30"
    assert response.json["error"]["code"] == "rate_limited"


@pytest.mark.parametrize("settings", [{"ALLOWED_ORIGINS": [NEWS], "RATELIMIT_ENABLED": True,
                                       "RATELIMIT_POST": "1/minute"}])
def test_the_rate_limiters_429_carries_cors_headers(client):
    comment = {"name": "Ann", "email": "ann@example.org", "body": "Hi"}
    assert client.post(COMMENTS, headers={"Origin": NEWS}, json=comment).status_code == 202
    assert preflight(client, COMMENTS, NEWS).status_code == 200  # preflights are not counted
    response = client.post(COMMENTS, headers={"Origin": NEWS}, json={**comment, "body": "Again"})
    assert response.status_code == 429 and int(response.headers["Retry-After"]) > 0
    assert access_control(response) == {"access-control-allow-origin": {NEWS}, **EXPOSED}


def test_public_answer_without_origin_still_varies_on_it(client):
    response = client.get(COMMENTS)
    assert access_control(response) == {}
    assert "Origin" in response.vary


def test_credentials_and_wildcards_are_never_allowed(client):
    responses = [preflight(client, COMMENTS, NEWS), client.get(COMMENTS, headers={"Origin": NEWS}),
                 preflight(client, "/api/v1/moderation/stats", TOOL, "GET", "authorization")]
    for response in responses:
        assert "Access-Control-Allow-Credentials" not in response.headers
        assert response.headers["Access-Control-Allow-Origin"] != "*"


@pytest.mark.parametrize("path", ["/healthz", "/widget.js", "/", "/embed/2026/11/cors"])
def test_other_paths_get_no_cors_headers(client, path):
    with client.get(path, headers={"Origin": NEWS}) as response:  # closes widget.js
        assert response.status_code == 200
        assert access_control(response) == {}


def test_moderation_preflight_skips_authentication(client):
    response = preflight(client, "/api/v1/moderation/comments/1/approve", TOOL, "POST",
                         "authorization, content-type")
    assert response.status_code == 200
    assert "WWW-Authenticate" not in response.headers
    assert access_control(response) == MODERATION_PREFLIGHT


@pytest.mark.parametrize("path,method", [("/api/v1/moderation/articles/2026/11/cors", "PATCH"),
                                         ("/api/v1/moderation/rules", "PUT"),
                                         ("/api/v1/moderation/comments/7", "DELETE")])
def test_moderation_preflight_allows_its_methods(client, path, method):
    response = preflight(client, path, TOOL, method, "authorization, content-type")
    assert access_control(response) == MODERATION_PREFLIGHT


def test_moderation_endpoints_refuse_the_public_origins(client, moderator):
    assert access_control(preflight(client, "/api/v1/moderation/stats", NEWS, "GET")) == {}
    response = client.get("/api/v1/moderation/stats", headers={"Origin": NEWS, **moderator})
    assert response.status_code == 200 and access_control(response) == {}


def test_moderation_answers_allow_the_moderation_origin(client, moderator):
    answer = client.get("/api/v1/moderation/stats", headers={"Origin": TOOL, **moderator})
    refused = client.get("/api/v1/moderation/stats", headers={"Origin": TOOL})
    assert answer.status_code == 200 and refused.status_code == 401
    for response in (answer, refused):
        assert access_control(response) == {"access-control-allow-origin": {TOOL}, **EXPOSED}
        assert "Origin" in response.vary


@pytest.mark.parametrize("settings", [{}])
def test_by_default_no_origin_is_allowed(client):
    for path in (COMMENTS, "/api/v1/moderation/stats"):
        response = preflight(client, path, NEWS)
        assert response.status_code == 200 and access_control(response) == {}
    assert access_control(client.get(COMMENTS, headers={"Origin": "http://localhost"})) == {}


def test_a_preflight_for_an_unknown_route_is_not_answered_ok(client):
    response = preflight(client, "/api/v1/articles/x/unknown", NEWS)
    assert response.status_code == 404
    assert response.headers["Access-Control-Allow-Origin"] == NEWS


@pytest.mark.parametrize("value", [["*"], ["https://news.example/path"], ["news.example"], "*"])
def test_a_malformed_origin_stops_startup(tmp_path, value):
    with pytest.raises(ValueError, match="ALLOWED_ORIGINS"):
        create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://", "SECRET_KEY": "x", "ALLOWED_ORIGINS": value},
                   instance_path=str(tmp_path))


def test_origins_come_from_prefixed_environment_json(tmp_path, monkeypatch):
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.setenv("SECRET_KEY", "x")
    monkeypatch.setenv("FLASK_ALLOWED_ORIGINS", '["https://a.example", "https://b.example:8443"]')
    monkeypatch.setenv("FLASK_MODERATION_ORIGINS", "https://tool.example")  # plain text works too
    app = create_app(instance_path=str(tmp_path))
    assert app.extensions["origins"] == {
        "ALLOWED_ORIGINS": {"https://a.example", "https://b.example:8443"},
        "MODERATION_ORIGINS": {"https://tool.example"},
    }
    with app.app_context():
        db.engine.dispose()
