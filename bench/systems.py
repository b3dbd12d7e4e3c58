"""Databases and servers of a benchmark pass: our service on SQLite and on
PostgreSQL (a database of its own), Isso on SQLite, the ceiling; seeded with
the same data and checked to answer what the scenarios expect."""

import hashlib
import json
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

from . import data, seed_ours, servers
from .scenarios import ISSO_SITE, comments_path, counts_query, isso_config

SECRET = "bench-secret-not-for-production"
POSTGRES = "postgresql+psycopg://postgres@127.0.0.1:5432"
# Databases of this checkout: two checkouts benchmarking on one machine would
# otherwise drop and reseed each other's databases.
CHECKOUT = hashlib.sha1(str(servers.ROOT).encode()).hexdigest()[:6]
MAIN_DATABASE, CURVE_DATABASE = f"bench_ours_{CHECKOUT}", f"bench_ours_curve_{CHECKOUT}"
MIXED_DATABASE = f"bench_ours_mixed_{CHECKOUT}"


def recreate_postgres(name):
    """A fresh PostgreSQL database of the benchmark's own (never another schema)."""
    for command in (["dropdb", "--if-exists"], ["createdb"]):
        subprocess.run([*command, "-h", "127.0.0.1", "-U", "postgres", name], check=True, capture_output=True)


def postgres_url(name):
    return f"{POSTGRES}/{name}?application_name={name}"


class Deployment:
    """One set of databases (ours on SQLite and PostgreSQL, Isso) kept at the same data."""

    def __init__(self, folder, postgres_name, label):
        self.folder, self.label = folder, label
        folder.mkdir(parents=True, exist_ok=True)
        self.sqlite_url = f"sqlite:///{folder / 'ours.sqlite'}"
        self.postgres_name = postgres_name
        self.postgres_url = postgres_url(postgres_name)
        self.isso_config = isso_config(folder / "isso.cfg", folder / "isso.sqlite")
        self.comments = 0
        self.next_filler = 0
        self.seconds_seeding = {}

    def seed_base(self):
        """Schema and the standard data set in all three databases."""
        recreate_postgres(self.postgres_name)
        articles = lambda: data.base_dataset()  # noqa: E731 (a fresh generator per database)
        self._timed("ours-sqlite", seed_ours.seed, self.sqlite_url, articles(), SECRET, create=True)
        self._timed("ours-pg", seed_ours.seed, self.postgres_url, articles(), SECRET, create=True)
        self._timed("isso", seed_isso, self.isso_config, "--base")
        self.comments = data.BASE_COMMENTS

    def seed_mixed(self):
        """Schema and the mixed load's 1,000 articles in all three databases."""
        recreate_postgres(self.postgres_name)
        self._timed("ours-sqlite", seed_ours.seed, self.sqlite_url, data.mixed_dataset(), SECRET, create=True)
        self._timed("ours-pg", seed_ours.seed, self.postgres_url, data.mixed_dataset(), SECRET, create=True)
        self._timed("isso", seed_isso, self.isso_config, "--mixed")
        self.comments = data.MIXED_ARTICLES * data.MIXED_COMMENTS

    def grow_to(self, total):
        """Add filler comments until every database holds `total` comments."""
        count = total - self.comments
        first = self.next_filler
        self._timed("ours-sqlite", seed_ours.seed, self.sqlite_url, data.filler(first, count), SECRET)
        self._timed("ours-pg", seed_ours.seed, self.postgres_url, data.filler(first, count), SECRET)
        self._timed("isso", seed_isso, self.isso_config, "--filler", str(first), str(count))
        self.comments = total
        self.next_filler = first + count // data.SMALL_COMMENTS

    def _timed(self, name, function, *args, **kwargs):
        started = time.monotonic()
        function(*args, **kwargs)
        self.seconds_seeding.setdefault(name, []).append(round(time.monotonic() - started, 1))

    def servers(self, logs, with_ceiling=None):
        """The systems on these databases (not started), in interleaving order."""
        result = {
            "ours-sqlite": servers.ours(f"ours-sqlite-{self.label}", self.sqlite_url,
                                        logs / f"ours-sqlite-{self.label}.log", SECRET),
            "isso": servers.isso(f"isso-{self.label}", self.isso_config, logs / f"isso-{self.label}.log"),
        }
        if with_ceiling:
            result["ceiling"] = servers.ceiling("ceiling", with_ceiling, logs / "ceiling.log")
        result["ours-pg"] = servers.ours(f"ours-pg-{self.label}", self.postgres_url,
                                         logs / f"ours-pg-{self.label}.log", SECRET, app_name=self.postgres_name)
        return result


def seed_isso(config, *args):
    python = servers.VENVS / "isso" / "bin" / "python"
    subprocess.run([python, "-m", "bench.seed_isso", "--config", str(config), *args],
                   cwd=servers.ROOT, check=True, capture_output=True)


def fetch(url, *, method="GET", body=None, headers=None):
    """(status, headers, body bytes) of one request to a local server."""
    request = urllib.request.Request(url, data=body, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=120) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read()


def write_ceiling_bodies(ours_base, folder):
    """The ceiling serves our own answers, precomputed: the 50-comment page and the counts."""
    folder.mkdir(parents=True, exist_ok=True)
    status, headers, body = fetch(ours_base + comments_path(data.BIG_ARTICLE))
    assert status == 200, status
    (folder / "thread.json").write_bytes(body)
    (folder / "thread.etag").write_text(headers["ETag"].strip('"'))
    status, _, counts = fetch(f"{ours_base}/api/v1/counts?{counts_query()}")
    assert status == 200, status
    (folder / "counts.json").write_bytes(counts)
    return folder


def check_ours(base, bodies):
    """Our service (or the ceiling, same routes) answers as the scenarios expect; returns the ETag."""
    status, headers, body = fetch(base + comments_path(data.BIG_ARTICLE))
    page = json.loads(body)
    assert status == 200 and len(page["comments"]) == 50 and page["total"] == 50, (base, status, len(body))
    etag = headers["ETag"]
    status, _, _ = fetch(base + comments_path(data.BIG_ARTICLE), headers={"If-None-Match": etag})
    assert status == 304, (base, status)
    status, _, body = fetch(f"{base}/api/v1/counts?{counts_query()}")
    assert status == 200 and set(json.loads(body)["counts"].values()) == {data.SMALL_COMMENTS}, (base, body)
    post = Path(bodies["ours"]).read_text().replace("{n}", "check")
    status, _, body = fetch(base + comments_path(data.POST_ARTICLE), method="POST", body=post.encode(),
                            headers={"Content-Type": "application/json"})
    assert status == 202, (base, status, body)
    return etag


def check_isso(base, bodies):
    """Isso lists the same 50 comments, counts the same, and takes a comment."""
    status, _, body = fetch(f"{base}/?uri={data.isso_uri(data.BIG_ARTICLE)}")
    replies = json.loads(body)["replies"]
    shown = len(replies) + sum(len(reply["replies"]) for reply in replies)
    assert status == 200 and shown == 50, (status, shown)
    status, _, body = fetch(f"{base}/count", method="POST", body=Path(bodies["isso_counts"]).read_bytes(),
                            headers={"Content-Type": "application/json"})
    assert status == 200 and set(json.loads(body)) == {data.SMALL_COMMENTS}, (status, body)
    post = Path(bodies["isso"]).read_text().replace("{n}", "check")
    status, _, body = fetch(f"{base}/new?uri={data.isso_uri(data.POST_ARTICLE)}", method="POST",
                            body=post.encode(), headers={"Content-Type": "application/json", "Origin": ISSO_SITE})
    assert status == 201, (status, body)


def log(message):
    print(time.strftime("%H:%M:%S"), message, flush=True, file=sys.stderr)
