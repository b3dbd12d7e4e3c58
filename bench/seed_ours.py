"""Seed our service's database directly with SQL, following models.py: the
schema comes from the project's migrations, rows are built here with the
service's own sanitiser and privacy helpers, and inserted in bulk (COPY on
PostgreSQL, executemany on SQLite) so that 10^6 comments take minutes.

Runs in bench/.venvs/ours (it imports the service)."""

import os
import sqlite3
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from itertools import islice
from pathlib import Path

import psycopg

from moderation.models import PATH_SEGMENT, STATUS_BUCKETS, Article, Comment, Status, StatusCount
from moderation.privacy import avatar_key, normalise_email
from moderation.sanitize import render_body
from moderation.services.screening import body_digest

from . import data

ROOT = Path(__file__).resolve().parent.parent
COMMENT_COLUMNS = (
    "id", "article_id", "parent_id", "thread_id", "path", "depth", "status", "author_name",
    "author_email", "email_key", "author_website", "avatar", "body_text", "body_html", "body_digest", "ip",
    "user_agent", "reasons", "created_at", "updated_at", "moderated_at", "moderated_by",
)
ARTICLE_COLUMNS = ("id", "key", "closed", "kept_open", "title", "url", "approved_count", "version", "created_at")
# Columns the seeded rows leave NULL: comments have no author key (trusted
# authors are off) and no import source; articles no publication date, and
# no first-comment time (it matters only with CLOSE_AFTER_DAYS, off here).
LEFT_NULL = {"author_key_id", "source", "source_id", "published_at", "first_comment_at"}
COUNT_COLUMNS = ("bucket", "approved", "rejected", "spam")
# SQLAlchemy's storage format for DateTime on SQLite.
SQLITE_DATETIME = "%Y-%m-%d %H:%M:%S.%f"
BATCH = 20_000


def check_columns():
    """Fail loudly when models.py gains or loses a column this seeder does not fill."""
    for model, columns in ((Comment, COMMENT_COLUMNS), (Article, ARTICLE_COLUMNS), (StatusCount, COUNT_COLUMNS)):
        expected = {column.name for column in model.__table__.columns} - LEFT_NULL  # SQL names, as inserted here
        if expected != set(columns):
            raise SystemExit(f"bench/seed_ours.py is out of step with {model.__tablename__}: "
                             f"{sorted(expected ^ set(columns))}")


def upgrade_schema(database_url, secret):
    """Create the schema with the project's own migrations."""
    env = {**os.environ, "DATABASE_URL": database_url, "SECRET_KEY": secret,
           "FLASK_RATELIMIT_ENABLED": "false"}
    subprocess.run([Path(sys.executable).parent / "flask", "--app", "wsgi", "db", "upgrade"],
                   cwd=ROOT, env=env, check=True, capture_output=True)


class Rendered:
    """What is computed once and reused row after row: bodies and authors."""

    def __init__(self, secret):
        self.bodies = [(text, render_body(text), body_digest(text)) for text in data.bodies()]
        self.authors = [(name, email, normalise_email(email), website, avatar_key(email, secret))
                        for name, email, website in data.authors()]


class Database:
    """A raw driver connection to the service's database, SQLite or PostgreSQL."""

    def __init__(self, database_url):
        self.is_postgres = database_url.startswith("postgresql")
        if self.is_postgres:
            self.connection = psycopg.connect(database_url.replace("postgresql+psycopg://", "postgresql://"))
        else:
            self.connection = sqlite3.connect(database_url.removeprefix("sqlite:///"))
            # Bulk load only: the server's own connections keep their settings.
            self.connection.execute("PRAGMA synchronous=OFF")

    def scalar(self, sql):
        return self.connection.execute(sql).fetchone()[0]

    def next_ids(self):
        return (self.scalar("SELECT coalesce(max(id), 0) FROM articles") + 1,
                self.scalar("SELECT coalesce(max(id), 0) FROM comments") + 1)

    def insert(self, table, columns, rows):
        """Append rows (tuples in `columns` order) to table."""
        if not rows:
            return
        if self.is_postgres:
            with self.connection.cursor().copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        else:
            marks = ", ".join("?" * len(columns))
            self.connection.executemany(f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})", rows)

    def add_counts(self, counts):
        """Add {bucket: {status: n}} to the counts of decided comments (models.StatusCount)."""
        mark = "%s" if self.is_postgres else "?"
        sql = (f"INSERT INTO status_counts ({', '.join(COUNT_COLUMNS)}) VALUES ({', '.join([mark] * 4)}) "
               "ON CONFLICT (bucket) DO UPDATE SET "
               + ", ".join(f"{name} = status_counts.{name} + excluded.{name}" for name in COUNT_COLUMNS[1:]))
        rows = [(bucket, *(shifts[name] for name in COUNT_COLUMNS[1:])) for bucket, shifts in sorted(counts.items())]
        if self.is_postgres:
            self.connection.cursor().executemany(sql, rows)
        else:
            self.connection.executemany(sql, rows)

    def finish(self):
        """Commit, then bring sequences and planner statistics up to date."""
        self.connection.commit()
        if self.is_postgres:
            for table in ("articles", "comments"):
                self.connection.execute(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))")
            self.connection.commit()
            # What autovacuum does soon after a bulk load anyway.
            self.connection.execute("ANALYZE articles")
            self.connection.execute("ANALYZE comments")
            self.connection.commit()
        else:
            self.connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        self.connection.close()

    def timestamp(self, moment):
        return moment if self.is_postgres else moment.strftime(SQLITE_DATETIME)


def comment_rows(seeds, article_id, first_id, rendered, db, clock):
    """Rows of one article's comments: ids in order, paths from the thread root down."""
    paths, rows = {}, []
    for offset, seed in enumerate(seeds):
        comment_id = first_id + offset
        parent_path = paths[seed.parent] if seed.parent is not None else ""
        path = parent_path + f"{comment_id:0{PATH_SEGMENT}d}"
        paths[seed.index] = path
        name, email, email_key, website, avatar = rendered.authors[seed.author]
        body_text, body_html, digest = rendered.bodies[seed.variant]
        created = db.timestamp(clock + timedelta(seconds=comment_id))
        moderated = db.timestamp(clock + timedelta(seconds=comment_id, minutes=5))
        status = Status.PENDING if seed.is_pending else Status.APPROVED
        rows.append((
            comment_id, article_id, first_id + seed.parent if seed.parent is not None else None,
            int(path[:PATH_SEGMENT]), path, len(path) // PATH_SEGMENT - 1, status.value,
            name, email, email_key, website, avatar, body_text, body_html, digest, "127.0.0.0", "bench-seed",
            "[]", created, *((created, None, None) if seed.is_pending else (moderated, moderated, "bench")),
        ))
    return rows


def seed(database_url, articles, secret, *, create=False):
    """Insert the articles (an iterable of lists of data.CommentSeed, one list per
    new article), approved or pending as each seed says, with their counts;
    returns how many comments were added."""
    check_columns()
    if create:
        upgrade_schema(database_url, secret)
    rendered, db = Rendered(secret), Database(database_url)
    article_id, comment_id = db.next_ids()
    clock = datetime(2026, 1, 1, tzinfo=UTC).replace(tzinfo=None)
    counts = {bucket: dict.fromkeys(COUNT_COLUMNS[1:], 0) for bucket in range(STATUS_BUCKETS)}
    added, articles = 0, iter(articles)
    while batch := list(islice(articles, BATCH // data.SMALL_COMMENTS)):
        article_rows, rows = [], []
        for seeds in batch:
            pending = sum(seed.is_pending for seed in seeds)
            article_rows.append((article_id, seeds[0].article, False, False, None, None, len(seeds) - pending,
                                 1 + len(seeds) - pending, db.timestamp(clock)))
            counts[article_id % STATUS_BUCKETS]["approved"] += len(seeds) - pending
            rows += comment_rows(seeds, article_id, comment_id, rendered, db, clock)
            article_id, comment_id = article_id + 1, comment_id + len(seeds)
        db.insert("articles", ARTICLE_COLUMNS, article_rows)
        db.insert("comments", COMMENT_COLUMNS, rows)
        added += len(rows)
    db.add_counts(counts)
    db.finish()
    return added
