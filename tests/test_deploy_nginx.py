"""The production site of docs/deploy.md (deploy/nginx/comments-tls.conf):
comments.conf with HTTPS and a cache of public answers, run by Debian's
nginx with a certificate made here, in front of the real service."""

import gzip
import http.client
import json
import re
import ssl
import subprocess
import time
from urllib.parse import urlencode, urlsplit

import pytest

from moderation.cli import DEMO_ARTICLE_ID
from tests.conftest import comment_fields
from tests.notify_support import self_signed_certificate
from tests.servers import NGINX_SITE, ROOT, flask, free_port, gunicorn, nginx, nginx_config, service_env

pytestmark = pytest.mark.server

TLS_SITE = ROOT / "deploy" / "nginx" / "comments-tls.conf"
LISTING = f"/api/v1/articles/{DEMO_ARTICLE_ID}/comments"
COUNTS = "/api/v1/counts?" + "&".join(f"article_id={DEMO_ARTICLE_ID}-{number}" for number in range(60))
MAX_AGE = 2
METRICS_TOKEN = "scrape-token-for-the-tls-site-test"


def tls_moves(folder, https_port):
    """What the TLS site needs moved besides comments.conf's lines: its HTTPS
    port, the certificate (made in folder), the cache and the ACME folder."""
    cert, key = self_signed_certificate(folder)
    return {"listen 443 ssl http2;": f"listen 127.0.0.1:{https_port} ssl http2;", "listen [::]:443 ssl http2;": "",
            "/etc/letsencrypt/live/comments.example/fullchain.pem": str(cert),
            "/etc/letsencrypt/live/comments.example/privkey.pem": str(key),
            "/var/cache/nginx/comments": str(folder / "cache"), "/var/www/letsencrypt": str(folder / "acme")}


def directives(path):
    """The lines of an nginx file that are not comments or blank."""
    return [line.strip() for line in path.read_text().splitlines() if line.strip() and not line.strip().startswith("#")]


def test_the_tls_site_keeps_every_line_of_the_plain_site():
    # The two files are copied whole by operators; this keeps them from drifting apart.
    tls = set(directives(TLS_SITE))
    assert [line for line in directives(NGINX_SITE) if line not in tls] == []


def test_nginx_accepts_the_tls_site(nginx_binary, tmp_path):
    # (test_slow_clients.py checks comments.conf the same way.)
    main = nginx_config(tmp_path, free_port(), free_port(), site=TLS_SITE, moves=tls_moves(tmp_path, free_port()))
    result = subprocess.run([nginx_binary, "-t", "-p", str(tmp_path), "-c", str(main), "-g", "daemon off;"],
                            capture_output=True, text=True, timeout=30)
    assert result.returncode == 0, result.stderr
    assert "test is successful" in result.stderr


@pytest.fixture(scope="module")
def service(nginx_binary, tmp_path_factory):
    """The service as docs/deploy.md runs it: gunicorn with the shipped
    settings behind the TLS site, trusting one proxy for the address and the scheme."""
    folder = tmp_path_factory.mktemp("tls-site")
    env = service_env(f"sqlite:///{folder}/moderation.sqlite", PROXY_FIX_X_FOR="1", PROXY_FIX_X_PROTO="1",
                      PUBLIC_MAX_AGE=str(MAX_AGE), METRICS_TOKEN=METRICS_TOKEN)
    flask(env, "db", "upgrade")
    flask(env, "demo", "seed")
    token = flask(env, "moderators", "add", "ops", "--role", "admin").strip().splitlines()[-1]
    https_port = free_port()
    with gunicorn(env) as app_base:
        moves = tls_moves(folder, https_port)
        with nginx(folder, urlsplit(app_base).port, site=TLS_SITE, moves=moves) as http_base:
            yield {"http": http_base, "https_port": https_port, "token": token,
                   "tls": ssl.create_default_context(cafile=str(folder / "cert.pem"))}


def fetch(service, method, path, *, secure=True, headers=None, body=None, source="127.0.0.1"):
    """One request on a new connection from `source`; (status, headers, body)."""
    if secure:
        connection = http.client.HTTPSConnection("127.0.0.1", service["https_port"], timeout=10,
                                                 context=service["tls"], source_address=(source, 0))
    else:
        connection = http.client.HTTPConnection("127.0.0.1", urlsplit(service["http"]).port, timeout=10,
                                                source_address=(source, 0))
    try:
        connection.request(method, path, body=body, headers=headers or {})
        response = connection.getresponse()
        return response.status, response.headers, response.read()
    finally:
        connection.close()


def test_plain_http_moves_to_https_but_for_certificate_challenges(service):
    status, headers, _ = fetch(service, "GET", LISTING, secure=False)
    assert status == 301 and headers["Location"] == f"https://127.0.0.1{LISTING}"
    # The ACME client's files are served from its folder (none here: a 404 from nginx, not a move).
    status, _, _ = fetch(service, "GET", "/.well-known/acme-challenge/token", secure=False)
    assert status == 404


def test_a_public_page_is_kept_for_its_max_age_then_renewed_with_a_304(service):
    answers = [fetch(service, "GET", LISTING) for _ in range(2)]
    assert [status for status, _, _ in answers] == [200, 200]
    assert [headers["X-Cache-Status"] for _, headers, _ in answers] == ["MISS", "HIT"]
    assert answers[0][2] == answers[1][2]
    assert answers[1][1]["Cache-Control"] == f"public, max-age={MAX_AGE}"
    assert answers[1][1]["Strict-Transport-Security"] == "max-age=63072000"
    time.sleep(MAX_AGE + 1.1)  # nginx counts in whole seconds: a copy may live up to a second longer
    status, headers, body = fetch(service, "GET", LISTING)
    # Past its max-age the copy is asked about with its ETag; the app's 304 renews it.
    assert status == 200 and headers["X-Cache-Status"] == "REVALIDATED" and body == answers[0][2]


def test_each_kind_of_reader_gets_its_coding_from_its_own_copy_compressed_once(service):
    gzip_reader = {"Accept-Encoding": "gzip"}
    answers = [fetch(service, "GET", COUNTS, headers=gzip_reader) for _ in range(2)]
    assert [headers["X-Cache-Status"] for _, headers, _ in answers] == ["MISS", "HIT"]
    assert [headers["Content-Encoding"] for _, headers, _ in answers] == ["gzip", "gzip"]
    # Compressed by the app alone: one gunzip gives the JSON a plain reader gets.
    status, headers, plain = fetch(service, "GET", COUNTS)
    assert status == 200 and "Content-Encoding" not in headers
    assert gzip.decompress(answers[1][2]) == plain and json.loads(plain)["counts"]


def test_the_reader_gets_the_304_from_the_cache(service):
    _, headers, _ = fetch(service, "GET", LISTING)
    status, headers, body = fetch(service, "GET", LISTING, headers={"If-None-Match": headers["ETag"]})
    assert status == 304 and body == b"" and headers["X-Cache-Status"] == "HIT"


def test_nothing_sent_with_a_token_is_answered_from_the_cache_or_kept(service):
    token = {"Authorization": f"Bearer {service['token']}"}
    answers = [fetch(service, "GET", LISTING, headers=token) for _ in range(2)]
    assert [headers["X-Cache-Status"] for _, headers, _ in answers] == ["BYPASS", "BYPASS"]
    statuses = [fetch(service, "GET", "/api/v1/moderation/stats", headers=token)[1]["X-Cache-Status"]
                for _ in range(2)]
    assert statuses == ["BYPASS", "BYPASS"]


@pytest.mark.parametrize("origin,status", [("https://127.0.0.1", 303), ("http://127.0.0.1", 403)])
def test_the_app_sees_the_scheme_the_reader_used(service, origin, status):
    # The no-JavaScript form accepts a post from its own origin only, which
    # the app knows through X-Forwarded-Proto (FLASK_PROXY_FIX_X_PROTO=1).
    page = f"/embed/{DEMO_ARTICLE_ID}"
    _, headers, html = fetch(service, "GET", page)
    assert headers["X-Cache-Status"] == "MISS"  # no-store: nginx asked the app, and kept nothing
    token = re.search(rb'name="form_token" value="([^"]+)"', html).group(1).decode()
    form = urlencode({**comment_fields(), "form_token": token})
    answer, headers, _ = fetch(service, "POST", page, body=form.encode(),
                               headers={"Content-Type": "application/x-www-form-urlencoded", "Origin": origin})
    assert answer == status
    assert "X-Cache-Status" not in headers  # an answer to a POST is nothing for the cache


def test_metrics_are_scraped_from_this_machine_with_the_token_and_hidden_from_anyone_else(service):
    token = {"Authorization": f"Bearer {METRICS_TOKEN}"}
    status, headers, body = fetch(service, "GET", "/metrics", headers=token)
    assert status == 200 and b"comments_http_request_duration_seconds" in body
    assert "X-Cache-Status" not in headers  # never for the cache
    assert fetch(service, "GET", "/metrics")[0] == 401  # the app's own check
    # Another address (any 127.x is this machine's, standing for a reader) gets
    # the app's 404, from nginx: /metrics does not exist for it.
    try:
        status, headers, body = fetch(service, "GET", "/metrics", headers=token, source="127.1.2.3")
    except OSError as error:
        pytest.skip(f"cannot connect from 127.1.2.3 on this machine: {error}")
    assert status == 404 and json.loads(body)["error"]["code"] == "not_found"
    assert headers["Content-Type"] == "application/json"
