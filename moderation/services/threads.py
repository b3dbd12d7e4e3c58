"""Reading approved comments: an article's thread pages and comment counts,
as JSON answers whose ETag is known before any body is built."""

import hashlib
import threading
import zlib
from collections import OrderedDict
from contextlib import contextmanager
from dataclasses import dataclass, field

import orjson
import sqlalchemy as sa

from schemas import ThreadPageSchema

from ..extensions import db
from ..models import PATH_SEGMENT, Article, Comment, Status


@dataclass(frozen=True)
class PublicAnswer:
    """A cacheable answer: its ETag, and its body unless the client holds it already."""

    etag: str
    body: bytes | None = None


@dataclass(frozen=True)
class ArticleState:
    """What an article's listing depends on; `etag` changes whenever it does."""

    article_id: str
    pk: int | None = None
    closed: bool = False
    total: int = 0
    version: int = 0
    # A checksum of the row's creation time: a database rebuilt from scratch
    # reuses ids and versions, and must not revive its predecessor's ETags.
    created: int = 0

    @property
    def etag(self):
        return f"{self.pk or 0}.{self.created}.{self.version}"


@dataclass
class ThreadPage:
    article_id: str
    closed: bool
    total: int
    comments: list = field(default_factory=list)
    next_cursor: int | None = None


@dataclass(frozen=True)
class Placeholder:
    """A non-public comment that still has public replies (API.md listing)."""

    id: int
    parent_id: int | None
    depth: int
    deleted: bool = True


class PageCache:
    """Serialised thread pages of this worker, keyed by the article's version
    as the database has it (read on every request): a change in any worker
    or host bumps the version, so a stale page is never served."""

    def __init__(self, size):
        self.size, self.pages, self.lock = size, OrderedDict(), threading.Lock()

    def get_or_build(self, key, build):
        with self.lock:
            body = self.pages.get(key)
            if body is not None:
                self.pages.move_to_end(key)
                return body
        body = build()
        with self.lock:
            self.pages[key] = body
            while len(self.pages) > self.size:
                self.pages.popitem(last=False)
        return body


_ARTICLES = Article.__table__
_STATE = sa.select(_ARTICLES.c.id, _ARTICLES.c.closed, _ARTICLES.c.approved_count,
                   _ARTICLES.c.version, _ARTICLES.c.created_at).where(_ARTICLES.c.article_id == sa.bindparam("article_id"))
_COUNTS = sa.select(_ARTICLES.c.article_id, _ARTICLES.c.approved_count).where(
    _ARTICLES.c.article_id.in_(sa.bindparam("article_ids", expanding=True)))


@contextmanager
def lone_reads():
    """A pooled connection in autocommit mode, for reads that need no
    transaction: on PostgreSQL no BEGIN and ROLLBACK around them, two of a
    304's three round trips."""
    with db.engine.connect() as connection:
        yield connection.execution_options(isolation_level="AUTOCOMMIT")


def thread_answer(article_id, *, limit, after, order, cache, is_current):
    """A page of an article's threads, or only its ETag when the client's copy
    is current (is_current(etag)): one indexed row read, and the page's query
    only when this worker has not built that version of the page yet."""
    with lone_reads() as connection:
        state = read_article_state(connection, article_id)
        etag = f"{state.etag}.{order}.{limit}.{after}"
        if is_current(etag):
            return PublicAnswer(etag)
        body = cache.get_or_build((article_id, etag), lambda: orjson.dumps(ThreadPageSchema().dump(
            list_thread(connection, state, limit=limit, after=after, order=order))))
    return PublicAnswer(etag, body)


def counts_answer(article_ids, *, is_current):
    """Approved-comment counts of several articles (0 for unknown ones), tagged by content."""
    with lone_reads() as connection:
        body = orjson.dumps({"counts": count_comments(connection, article_ids)})
    etag = hashlib.blake2b(body, digest_size=12).hexdigest()
    return PublicAnswer(etag, None if is_current(etag) else body)


def read_article_state(connection, article_id):
    """The article's listing state; that of an empty article when it has no row."""
    row = connection.execute(_STATE, {"article_id": article_id}).first()
    if row is None:
        return ArticleState(article_id)
    pk, closed, total, version, created_at = row
    return ArticleState(article_id, pk, bool(closed), total, version, zlib.crc32(str(created_at).encode()))


def count_comments(connection, article_ids):
    """Approved-comment counts for several articles, 0 for unknown ones, in one query."""
    counts = dict.fromkeys(article_ids, 0)
    counts.update(connection.execute(_COUNTS, {"article_ids": list(counts)}).all())
    return counts


def list_thread(connection, article, *, limit, after=None, order="oldest"):
    """A page of `limit` threads of approved comments, depth-first, in one query."""
    page = ThreadPage(article.article_id, article.closed, article.total)
    if article.pk is None:
        return page
    newest = order == "newest"
    approved = (Comment.article_pk == article.pk) & (Comment.status == Status.APPROVED)
    tops = sa.select(Comment.thread_id).where(approved).distinct()
    if after is not None:
        tops = tops.where(Comment.thread_id < after if newest else Comment.thread_id > after)
    tops = tops.order_by(Comment.thread_id.desc() if newest else Comment.thread_id)
    rows = connection.execute(
        sa.select(Comment.id, Comment.parent_id, Comment.thread_id, Comment.path,
                  Comment.depth, Comment.author_name, Comment.author_website,
                  Comment.avatar, Comment.body_html, Comment.created_at, Comment.edited_at)
        .where(approved, Comment.thread_id.in_(tops.limit(limit + 1).scalar_subquery()))
        .order_by(Comment.thread_id.desc() if newest else Comment.thread_id, Comment.path)
    ).all()
    thread_ids = list(dict.fromkeys(row.thread_id for row in rows))
    if len(thread_ids) > limit:
        page.next_cursor = thread_ids[limit - 1]
        rows = [row for row in rows if row.thread_id != thread_ids[limit]]
    page.comments = with_placeholders(rows, article.article_id)
    return page


def with_placeholders(rows, article_id):
    """Rows in path order, with a placeholder for each missing ancestor."""
    shown, result = set(), []
    for row in rows:
        ancestors = path_ids(row.path)[:-1]
        for depth, ancestor in enumerate(ancestors):
            if ancestor not in shown:
                shown.add(ancestor)
                result.append(Placeholder(ancestor, ancestors[depth - 1] if depth else None, depth))
        shown.add(row.id)
        result.append(ListedComment(row, article_id))
    return result


class ListedComment:
    """A selected row with the attribute names the public schema reads."""

    __slots__ = ("_row", "article_id")

    def __init__(self, row, article_id):
        self._row, self.article_id = row, article_id

    def __getattr__(self, name):
        return getattr(self._row, name)


def path_ids(path):
    return [int(path[i:i + PATH_SEGMENT]) for i in range(0, len(path), PATH_SEGMENT)]
