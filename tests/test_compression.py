"""Compressed answers: every kind of text answer in gzip, Brotli or as is,
as the client's Accept-Encoding asks, with Vary, an ETag per coding and 304
for any form; thread pages compressed once per version; on SQLite and PostgreSQL."""

import gzip
import re
import time

import brotli
import pytest
from werkzeug.datastructures import Headers

from moderation import compression
from moderation.compression import negotiate

ARTICLE = "2026/12/compressed"
THREAD = f"/api/v1/articles/{ARTICLE}/comments"
LONG_BODY = "A long and considered reply about the article, " * 12
DECODERS = {"gzip": gzip.decompress, "br": brotli.decompress}
# The no-JavaScript page signs a fresh form token, timestamped to the second,
# into every answer: two requests a second apart differ there and nowhere else.
_FORM_TOKEN = re.compile(rb'(name="form_token" value=")[^"]*(")')


def without_form_token(body):
    return _FORM_TOKEN.sub(rb"\1\2", body)


# Accept-Encoding -> the coding the answer must come in (None: as is).
ASKED = [
    (None, None),
    ("gzip", "gzip"),
    ("br", "br"),
    ("gzip, deflate, br, zstd", "br"),  # what browsers send
    ("gzip;q=0, br;q=0", None),
    ("identity", None),
    ("br;q=0.4, gzip;q=0.8", "gzip"),
]


@pytest.fixture
def thread(make_comment):
    """An article whose first page is well over the compression threshold."""
    for _ in range(4):
        make_comment(ARTICLE, body=LONG_BODY + str(time.perf_counter_ns()))
    return THREAD


def counts_url():
    return "/api/v1/counts?" + "&".join(f"article_id=2026/12/an-article-with-a-long-name-{n}" for n in range(60))


def paths(thread, moderator, make_comment):
    """Each kind of text answer the service gives, as (path, headers)."""
    for number in range(3):
        make_comment(ARTICLE, status="pending", body=f"{LONG_BODY} {number}")
    return {
        "thread page": (thread, {}),
        "counts": (counts_url(), {}),
        "widget": ("/widget.js", {}),
        "console file": ("/static/console/app.js", {}),
        "console stylesheet": ("/static/console/console.css", {}),
        "OpenAPI document": ("/api/v1/openapi.json", {}),
        "API reference page": ("/api/v1/docs", {}),
        "demo page": ("/", {}),
        "no-JavaScript page": (f"/embed/{ARTICLE}", {}),
        "moderation queue": ("/api/v1/moderation/comments", moderator),
    }


def get(client, path, accept=None, **headers):
    if accept is not None:
        headers["Accept-Encoding"] = accept
    return client.get(path, headers=headers)


def test_every_kind_of_text_answer_comes_in_the_coding_asked_for(client, thread, moderator, make_comment):
    for kind, (path, auth) in paths(thread, moderator, make_comment).items():
        plain = get(client, path, **auth)
        assert plain.status_code == 200, kind
        assert len(plain.data) >= 1024, kind
        for accept, coding in ASKED:
            response = get(client, path, accept, **auth)
            assert response.status_code == 200, (kind, accept)
            assert "Accept-Encoding" in response.vary, (kind, accept)
            assert response.headers.get("Content-Encoding") == coding, (kind, accept)
            body = DECODERS[coding](response.data) if coding else response.data
            assert without_form_token(body) == without_form_token(plain.data), (kind, accept)
            assert len(response.data) < len(plain.data) / 2 if coding else True, (kind, accept)
            assert int(response.headers["Content-Length"]) == len(response.data), (kind, accept)


@pytest.mark.parametrize("accept,expected", [
    ("", None),
    ("gzip", "gzip"),
    ("x-gzip", "gzip"),
    ("GZIP", "gzip"),
    ("br", "br"),
    ("br, gzip", "br"),
    ("gzip, br", "br"),
    ("gzip;q=1.0, br;q=0.9", "gzip"),
    ("gzip ; q=0.5 , br ; q=0.6", "br"),
    ("br;q=0, gzip", "gzip"),
    ("gzip;q=0", None),
    ("gzip;q=0.000", None),
    ("*", "br"),
    ("*;q=0", None),
    ("*;q=0, gzip", "gzip"),
    ("br;q=0, *", "gzip"),
    ("identity", None),
    ("identity;q=1, gzip;q=0.5", None),
    ("identity;q=0.5, gzip;q=0.5", "gzip"),
    ("identity;q=0", None),
    ("deflate, zstd", None),
    ("gzip;q=2", None),  # not a weight: the element is void
    ("gzip;q=0.1234", None),
    ("gzip;q=", None),
    ("gzip;q=abc, br;q=0.2", "br"),
    ("gzip;level=1", "gzip"),
    (",,, ;;; ,gzip", "gzip"),
])
def test_accept_encoding_is_read_as_rfc_9110_says(accept, expected):
    assert negotiate(accept) == expected


def cpu_seconds(function, *args):
    """The least CPU time of three calls (a fresh argument each time: negotiate caches)."""
    costs = []
    for attempt in range(3):
        start = time.process_time()
        function(*(arg + " " * attempt for arg in args))
        costs.append(time.process_time() - start)
    return min(costs)


@pytest.mark.parametrize("unit", [",", ";", ";q=0", "gzip;q=0.5;q=1,", "a;" * 50 + ",", " ", "*;q=0.001,"])
def test_the_worst_accept_encoding_costs_its_length(unit):
    header = unit * (64 * 1024 // len(unit))
    assert cpu_seconds(negotiate, header) < 0.05


def test_etags_differ_per_coding_and_any_form_answers_304(client, thread):
    plain, zipped, brotli_form = (get(client, thread, accept) for accept in (None, "gzip", "br"))
    etag = plain.headers["ETag"]
    assert zipped.headers["ETag"] == etag[:-1] + '-gzip"'
    assert brotli_form.headers["ETag"] == etag[:-1] + '-br"'
    for held in (plain, zipped, brotli_form):
        for accept in (None, "gzip", "br"):
            again = get(client, thread, accept, **{"If-None-Match": held.headers["ETag"]})
            assert again.status_code == 304 and again.data == b"", (held.headers["ETag"], accept)
            assert "Accept-Encoding" in again.vary
            assert again.headers["Cache-Control"] == plain.headers["Cache-Control"]
            assert "Content-Encoding" not in again.headers
    # A 304 names the form the client holds, the one it asks for if it holds several.
    both = f'{zipped.headers["ETag"]}, {brotli_form.headers["ETag"]}'
    assert get(client, thread, "br", **{"If-None-Match": both}).headers["ETag"] == brotli_form.headers["ETag"]
    assert get(client, thread, "br", **{"If-None-Match": zipped.headers["ETag"]}).headers["ETag"] \
        == zipped.headers["ETag"]
    for other in ('"other-gzip"', 'W/""', '""', "W/", '"-gzip"', '"-br", W/"-gzip"', etag[:-1] + '-gzip-gzip"'):
        assert get(client, thread, "gzip", **{"If-None-Match": other}).status_code == 200, other


@pytest.mark.parametrize("path", ["/widget.js", "/static/console/app.js"])
def test_static_answers_answer_304_to_any_form_of_their_etag(client, path):
    etags = {accept: get(client, path, accept).headers["ETag"] for accept in (None, "gzip", "br")}
    assert len(set(etags.values())) == 3
    for held in etags.values():
        for accept in (None, "gzip", "br"):
            again = get(client, path, accept, **{"If-None-Match": held})
            assert again.status_code == 304 and again.data == b"", (held, accept)
            assert again.headers["ETag"] == held and "Accept-Encoding" in again.vary


def test_head_answers_the_headers_of_the_compressed_get(client, thread):
    full = get(client, thread, "gzip")
    head = client.head(thread, headers={"Accept-Encoding": "gzip"})
    assert head.status_code == 200 and head.data == b""
    for name in ("Content-Encoding", "Content-Length", "ETag", "Vary"):
        assert head.headers[name] == full.headers[name], name


def test_a_cached_page_is_compressed_once_per_version_and_coding(client, thread, make_comment, monkeypatch):
    calls = []
    real = compression.compress
    monkeypatch.setattr(compression, "compress", lambda data, coding, level: calls.append(coding)
                        or real(data, coding, level))
    for _ in range(3):
        get(client, thread, "gzip")
    assert calls == ["gzip"]
    first = get(client, thread, "br")
    get(client, thread, "br")
    assert calls == ["gzip", "br"]
    make_comment(ARTICLE, body="A new approved comment changes the page's version.")
    fresh = get(client, thread, "br")
    assert calls == ["gzip", "br", "br"]
    assert fresh.headers["ETag"] != first.headers["ETag"]
    assert b"changes the page" in brotli.decompress(fresh.data)


def test_range_requests_get_the_plain_bytes_they_name(client):
    whole = get(client, "/static/console/app.js")
    with get(client, "/static/console/app.js", "gzip", Range="bytes=10-29") as part:
        assert part.status_code == 206 and "Content-Encoding" not in part.headers
        assert part.data == whole.data[10:30]


def test_small_answers_and_errors_go_out_as_they_are(client, post_comment):
    for response in (get(client, "/api/v1/counts?article_id=a", "gzip"), get(client, "/nowhere", "gzip"),
                     post_comment(ARTICLE)):
        assert "Content-Encoding" not in response.headers and response.json
        assert "Accept-Encoding" in response.vary


@pytest.fixture
def app_with_odd_answers(app):
    """Answers no view gives yet: already encoded, streamed, binary, and large."""
    large = b'{"x": "' + b"y" * 4000 + b'"}'
    app.add_url_rule("/t/encoded", "encoded", lambda: (gzip.compress(large), 200, {
        "Content-Type": "application/json", "Content-Encoding": "gzip"}))
    app.add_url_rule("/t/streamed", "streamed", lambda: app.response_class(
        (large for _ in range(1)), mimetype="application/json"))
    app.add_url_rule("/t/binary", "binary", lambda: app.response_class(large, mimetype="image/png"))
    app.add_url_rule("/t/feed", "feed", lambda: app.response_class(
        b"<feed>" + b"<entry/>" * 500 + b"</feed>", mimetype="application/atom+xml"))
    return app


def test_encoded_streamed_and_binary_answers_are_left_alone(app_with_odd_answers):
    client = app_with_odd_answers.test_client()
    encoded = get(client, "/t/encoded", "br")
    assert encoded.headers["Content-Encoding"] == "gzip" and gzip.decompress(encoded.data).startswith(b'{"x"')
    for path in ("/t/streamed", "/t/binary"):
        response = get(client, path, "gzip")
        assert "Content-Encoding" not in response.headers and response.data.startswith(b'{"x"'), path
    feed = get(client, "/t/feed", "gzip")
    assert feed.headers["Content-Encoding"] == "gzip" and gzip.decompress(feed.data).startswith(b"<feed>")


@pytest.mark.parametrize("settings", [{"COMPRESSION_ENABLED": False}])
def test_compression_can_be_left_to_a_proxy(client, thread):
    response = get(client, thread, "gzip, br")
    assert "Content-Encoding" not in response.headers and "Accept-Encoding" not in response.vary
    assert response.json["total"] == 4


@pytest.mark.parametrize("present, name, expected", [
    (None, "Origin", "Origin"),
    ("Accept-Encoding", "Origin", "Accept-Encoding, Origin"),
    ("accept-encoding , Origin", "Origin", "accept-encoding , Origin"),
    ("Cookie", "Accept-Encoding", "Cookie, Accept-Encoding"),
    ("*", "Origin", "*"),
    ("Originality", "Origin", "Originality, Origin"),  # a whole name, not a substring
])
def test_vary_names_each_request_header_once(present, name, expected):
    headers = Headers({"Vary": present} if present else {})
    compression.add_vary(headers, name)
    assert headers.getlist("Vary") == [expected]
