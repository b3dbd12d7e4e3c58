"""The Host header: only the hosts the service answers for are trusted
(TRUSTED_HOSTS), and no path is ever redirected, so no answer can send a
client to whatever host a request named."""

import pytest

from moderation import create_app


def host_app(tmp_path, **settings):
    return create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://", "SECRET_KEY": "s", "RATELIMIT_ENABLED": False,
                       **settings}, instance_path=str(tmp_path / "instance"))


def assert_envelope(response, status, code):
    assert response.status_code == status and response.mimetype == "application/json"
    assert response.json["error"]["code"] == code
    assert "Location" not in response.headers


def is_answered(client, host):
    """Whether a request with this Host reaches routing (an unknown path: 404)."""
    response = client.get("/nowhere", headers={"Host": host})
    assert response.status_code in (400, 404) and response.mimetype == "application/json"
    return response.status_code == 404


@pytest.mark.parametrize("host", ["localhost", "127.0.0.1:5000", "localhost:8080"])
def test_the_default_answers_make_run_and_the_test_client(tmp_path, host):
    assert is_answered(host_app(tmp_path).test_client(), host)


@pytest.mark.parametrize("host", ["evil.example", "127.0.0.1.evil.example", "localhost.evil.example:5000",
                                  "10.0.0.1"])
def test_other_hosts_are_a_400_in_the_envelope(tmp_path, host):
    client = host_app(tmp_path).test_client()
    for path in ("/api/v1/counts?article_id=a", "/api/v1/docs", "/healthz", "/nowhere"):
        assert_envelope(client.get(path, headers={"Host": host}), 400, "bad_request")
    assert_envelope(client.post("/api/v1/articles/a/comments", json={}, headers={"Host": host}),
                    400, "bad_request")


def test_the_setting_names_the_hosts_and_their_subdomains(tmp_path):
    client = host_app(tmp_path, TRUSTED_HOSTS=["comments.example", ".news.example"]).test_client()
    for host in ("comments.example", "comments.example:8443", "news.example", "www.news.example"):
        assert is_answered(client, host), host
    for host in ("localhost", "evil.example", "comments.example.evil.example", "badnews.example"):
        assert not is_answered(client, host), host


def test_an_empty_list_trusts_any_host(tmp_path):
    assert is_answered(host_app(tmp_path, TRUSTED_HOSTS=[]).test_client(), "anything.example")


@pytest.mark.parametrize("path", ["/api/v1//counts", "/api//v1/moderation/stats", "/widget.js//",
                                  "//evil.example/api/v1/counts", "///evil.example"])
@pytest.mark.parametrize("trusted", [["evil.example"], []])
def test_a_doubled_slash_is_never_redirected(tmp_path, path, trusted):
    """werkzeug merged slashes with a 308 to http://<Host>/...: with the Host
    a client sent, an open redirect (and a cache to poison)."""
    client = host_app(tmp_path, TRUSTED_HOSTS=trusted).test_client()
    response = client.get("/", environ_overrides={"PATH_INFO": path}, headers={"Host": "evil.example"})
    assert_envelope(response, 404, "not_found")


def test_leading_slashes_are_read_as_one(tmp_path):
    # werkzeug's matcher ignores them: the path is served, not redirected.
    response = host_app(tmp_path).test_client().get("/", environ_overrides={"PATH_INFO": "//api/v1/docs"})
    assert response.status_code == 200 and "Location" not in response.headers
