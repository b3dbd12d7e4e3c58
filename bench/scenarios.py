"""What each scenario sends to each system: the same data, each system's own API."""

import json
from dataclasses import dataclass
from urllib.parse import urlencode

from . import data
from .load import Request

JSON = ("Content-Type", "application/json")
# What current browsers send; scenarios whose key ends in _br send it.
BROWSER_ENCODINGS = ("Accept-Encoding", "gzip, deflate, br, zstd")
# Isso's configured site origin (see isso_config): what a browser on the site sends.
ISSO_SITE = "http://127.0.0.1:1"


@dataclass(frozen=True)
class Scenario:
    key: str
    title: str
    connections: int
    target: str | None = None  # which ratio the target reads, if any


SCENARIOS = [
    Scenario("get", "GET one article, 50 comments", 16, "ceiling"),
    Scenario("get_c1", "GET one article, 1 connection", 1),
    Scenario("get_br", "GET one article, as a browser asks (Accept-Encoding: gzip, deflate, br, zstd)", 16),
    Scenario("etag", "GET with If-None-Match (304)", 16, "ceiling"),
    Scenario("etag_c1", "304, 1 connection", 1),
    Scenario("counts", "counts for 20 articles", 16, "isso"),
    Scenario("counts_c1", "counts for 20 articles, 1 connection", 1),
    Scenario("post_c1", "POST a comment, 1 client", 1, "isso"),
    Scenario("post_c16", "POST a comment, 16 clients", 16, "isso"),
]


def comments_path(article):
    return f"/api/v1/articles/{article}/comments"


def counts_query():
    return urlencode([("article_id", key) for key in data.counts_articles()])


def write_post_bodies(folder):
    """Body templates for the POST scenarios; {n} becomes a unique suffix."""
    text = data.post_body(3) + " [{n}]"
    ours = {"name": "Bench Reader", "email": "bench.reader@example.org",
            "website": "https://bench.example.org/", "body": text}
    isso = {"author": "Bench Reader", "email": "bench.reader@example.org",
            "website": "https://bench.example.org/", "text": text, "title": data.POST_ARTICLE}
    paths = {"ours": folder / "post-ours.json", "isso": folder / "post-isso.json",
             "isso_counts": folder / "counts-isso.json"}
    paths["ours"].write_text(json.dumps(ours))
    paths["isso"].write_text(json.dumps(isso))
    paths["isso_counts"].write_text(json.dumps([data.isso_uri(key) for key in data.counts_articles()]))
    return paths


def ours_request(key, base, etag, bodies):
    """Requests for our service and for the ceiling (same routes, same bodies)."""
    if key.startswith("get"):
        return Request("GET", base + comments_path(data.BIG_ARTICLE), encodings(key))
    if key.startswith("etag"):
        return Request("GET", base + comments_path(data.BIG_ARTICLE), (("If-None-Match", etag),))
    if key.startswith("counts"):
        return Request("GET", f"{base}/api/v1/counts?{counts_query()}")
    return Request("POST", base + comments_path(data.POST_ARTICLE), (JSON,), bodies["ours"])


def isso_request(key, base, bodies):
    """Requests for Isso; None where Isso has no equivalent (it sends no ETag)."""
    if key.startswith("get"):
        return Request("GET", f"{base}/?{urlencode({'uri': data.isso_uri(data.BIG_ARTICLE)})}", encodings(key))
    if key.startswith("etag"):
        return None
    if key.startswith("counts"):
        return Request("POST", f"{base}/count", (JSON, ("Origin", ISSO_SITE)), bodies["isso_counts"])
    return Request("POST", f"{base}/new?{urlencode({'uri': data.isso_uri(data.POST_ARTICLE)})}",
                   (JSON, ("Origin", ISSO_SITE), ("Referer", ISSO_SITE + "/" + data.POST_ARTICLE)),
                   bodies["isso"])


def encodings(key):
    return (BROWSER_ENCODINGS,) if key.endswith("_br") else ()


def isso_config(path, dbpath):
    """Isso's settings: its defaults, moderation off, the rate-limiting guard off
    (it allows 2 comments a minute per address), the database in our work folder."""
    path.write_text(
        "[general]\n"
        f"dbpath = {dbpath}\n"
        f"host = {ISSO_SITE}/\n"
        "[moderation]\nenabled = false\n"
        "[guard]\nenabled = false\n"
    )
    return path
