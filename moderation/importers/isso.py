"""Isso's SQLite database (comments.db): threads and their comments, read
only. Isso keeps bodies as Markdown source; we keep that text as written."""

import sqlite3
from datetime import UTC, datetime

from ..models import Status
from .records import ArticleRecord, CommentRecord, ImportRefused

SOURCE = "isso"
DESCRIPTION = "an Isso database"
# Isso's comment modes: 1 public, 2 awaiting moderation, 4 deleted (kept for its replies).
MODES = {1: Status.APPROVED, 2: Status.PENDING}
DELETED = 4
# The columns we read, which every Isso database since 0.10 has.
COLUMNS = {"threads": {"id", "uri", "title"},
           "comments": {"tid", "id", "parent", "created", "mode", "remote_addr", "text", "author", "email",
                        "website"}}


def is_format(head):
    return head.startswith(b"SQLite format 3\x00")


def connect(path):
    """A read-only connection to an Isso database; ImportRefused for any other file."""
    try:
        connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        for table, wanted in COLUMNS.items():
            found = {row[1] for row in connection.execute(f"PRAGMA table_info({table})")}
            if not wanted <= found:
                connection.close()
                raise ImportRefused(f"an SQLite database, but not Isso's: its {table!r} table "
                                    f"lacks {', '.join(sorted(wanted - found))}")
    except sqlite3.DatabaseError as error:
        raise ImportRefused(f"not an SQLite database Isso wrote ({error})") from None
    return connection


def count_comments(path):
    connection = connect(path)
    try:
        return connection.execute("SELECT count(*) FROM comments").fetchone()[0]
    finally:
        connection.close()


def read_comments(path):
    """CommentRecords in id order (a reply comes after its parent)."""
    connection = connect(path)
    try:
        threads = {tid: ArticleRecord(key=str(tid), url=uri, guid=uri, title=title)
                   for tid, uri, title in connection.execute("SELECT id, uri, title FROM threads")}
        rows = connection.execute(
            "SELECT id, tid, parent, created, mode, remote_addr, text, author, email, website "
            "FROM comments ORDER BY id")
        for comment_id, tid, parent, created, mode, address, text, author, email, website in rows:
            article = threads.get(tid) or ArticleRecord(key=str(tid))
            yield CommentRecord(
                source_id=str(comment_id), article=article,
                parent_source_id=str(parent) if parent else None,
                status=MODES.get(mode), skip="deleted in Isso" if mode == DELETED else
                None if mode in MODES else "unknown status",
                name=author, email=email, website=website, ip=address, body=text or "",
                created_at=datetime.fromtimestamp(created, UTC) if isinstance(created, (int, float)) else None)
    except sqlite3.DatabaseError as error:
        raise ImportRefused(f"the Isso database could not be read ({error})") from None
    finally:
        connection.close()
