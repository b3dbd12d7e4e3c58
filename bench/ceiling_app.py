"""The bare-Flask ceiling: our routes answered with precomputed bodies (the
50-comment page and the counts as our service answers them), and a POST that
parses the JSON and does one bare SQLite insert (WAL, no sanitiser, no checks).
Whatever our service spends above this is the price of its own work.

Runs in bench/.venvs/ceiling: `gunicorn bench.ceiling_app:app` with
BENCH_CEILING_DIR holding thread.json, thread.etag and counts.json."""

import json
import os
import sqlite3
import threading
from pathlib import Path

from flask import Flask, Response, request

app = Flask(__name__)
FOLDER = Path(os.environ.get("BENCH_CEILING_DIR", "."))
THREAD_BODY = (FOLDER / "thread.json").read_bytes() if (FOLDER / "thread.json").exists() else b"{}"
THREAD_ETAG = (FOLDER / "thread.etag").read_text().strip() if (FOLDER / "thread.etag").exists() else "0"
COUNTS_BODY = (FOLDER / "counts.json").read_bytes() if (FOLDER / "counts.json").exists() else b"{}"
_local = threading.local()


def database():
    """This worker's SQLite connection, opened once."""
    if not hasattr(_local, "connection"):
        connection = sqlite3.connect(FOLDER / "ceiling.sqlite", isolation_level=None)
        connection.execute("PRAGMA journal_mode=WAL")
        connection.execute("PRAGMA synchronous=NORMAL")
        connection.execute("CREATE TABLE IF NOT EXISTS comments (id INTEGER PRIMARY KEY, article TEXT, "
                           "name TEXT, email TEXT, website TEXT, body TEXT)")
        _local.connection = connection
    return _local.connection


def cached(body, etag=None):
    """The precomputed bytes, with the same caching headers as ours."""
    response = Response(body, mimetype="application/json")
    response.cache_control.public = True
    response.cache_control.max_age = 10
    if etag:
        response.set_etag(etag)
    return response


@app.get("/healthz")
def health():
    return {"status": "ok"}


@app.get("/api/v1/articles/<path:article_id>/comments")
def list_comments(article_id):
    if request.if_none_match.contains_weak(THREAD_ETAG):
        response = Response(status=304)
        response.set_etag(THREAD_ETAG)
        return response
    return cached(THREAD_BODY, THREAD_ETAG)


@app.get("/api/v1/counts")
def counts():
    return cached(COUNTS_BODY)


@app.post("/api/v1/articles/<path:article_id>/comments")
def create_comment(article_id):
    payload = json.loads(request.get_data())
    cursor = database().execute(
        "INSERT INTO comments (article, name, email, website, body) VALUES (?, ?, ?, ?, ?)",
        (article_id, payload["name"], payload["email"], payload.get("website"), payload["body"]),
    )
    return {"id": cursor.lastrowid, "status": "pending"}, 202
