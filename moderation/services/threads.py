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

from ..compression import EncodedBody
from ..extensions import db
from ..metrics import count_page_lookup
from ..models import PATH_SEGMENT, Article, Comment, Status
from .closing import CLOSURE_COLUMNS, OPEN, Closure, ClosureFields, closure


@dataclass(frozen=True)
class PublicAnswer:
    """A cacheable answer: its ETag, and its body unless the client holds it already."""

    etag: str
    body: bytes | None = None


@dataclass(frozen=True)
class ArticleState(ClosureFields):
    """What an article's listing depends on; `etag` changes whenever it does."""

    article_id: str
    pk: int | None = None
    closure: Closure = OPEN
    total: int = 0
    version: int = 0
    # A checksum of the row's creation time: a database rebuilt from scratch
    # reuses ids and versions, and must not revive its predecessor's ETags.
    created: int = 0

    @property
    def etag(self):
        # The closure's tag: CLOSE_AFTER_DAYS closes an article without a new version.
        return f"{self.pk or 0}.{self.created}.{self.version}{self.closure.tag}"


@dataclass
class ThreadPage(ClosureFields):
    article_id: str
    closure: Closure
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
                count_page_lookup(is_hit=True)
                return body
        count_page_lookup(is_hit=False)
        body = build()
        with self.lock:
            self.pages[key] = body
            while len(self.pages) > self.size:
                self.pages.popitem(last=False)
        return body


_ARTICLES = Article.__table__
_STATE = sa.select(
    _ARTICLES.c.id, _ARTICLES.c.approved_count, _ARTICLES.c.version, _ARTICLES.c.created_at,
    *(_ARTICLES.c[column.key] for column in CLOSURE_COLUMNS),
).where(_ARTICLES.c.article_id == sa.bindparam("article_id"))
_COUNTS = sa.select(_ARTICLES.c.article_id, _ARTICLES.c.approved_count).where(
    _ARTICLES.c.article_id.in_(sa.bindparam("article_ids", expanding=True)))


@contextmanager
def lone_reads():
    """A pooled connection in autocommit mode, for reads that need no
    transaction: on PostgreSQL no BEGIN and ROLLBACK around them, two of a
    304's three round trips."""
    with db.engine.connect() as connection:
        yield connection.execution_options(isolation_level="AUTOCOMMIT")


def thread_answer(article_id, *, limit, after, order, cache, recent, is_current, close_after_days=None):
    """A page of an article's threads, or only its ETag when the client's copy
    is current (is_current(etag)): the article's state from this worker's
    recent reads (services.recent) or one indexed row read, and the page's
    query only when this worker has not built that version of the page yet."""
    state = recent.get_or_read(("article", article_id), lambda: read_state(article_id, close_after_days))
    etag = f"{state.etag}.{order}.{limit}.{after}"
    if is_current(etag):
        return PublicAnswer(etag)
    return PublicAnswer(etag, cache.get_or_build((article_id, etag), lambda: build_page(
        state, limit=limit, after=after, order=order)))


def read_state(article_id, close_after_days):
    with lone_reads() as connection:
        return read_article_state(connection, article_id, close_after_days=close_after_days)


def build_page(state, *, limit, after, order):
    with lone_reads() as connection:
        page = list_thread(connection, state, limit=limit, after=after, order=order)
    # Kept with its compressed forms: each is made once per version of the page.
    return EncodedBody(orjson.dumps(ThreadPageSchema().dump(page)))


def counts_answer(article_ids, *, recent, is_current):
    """Approved-comment counts of several articles (0 for unknown ones),
    tagged by content; the same question is answered from this worker's
    recent reads (services.recent) for a moment."""
    answer = recent.get_or_read(("counts", tuple(article_ids)), lambda: read_counts(article_ids))
    return answer if not is_current(answer.etag) else PublicAnswer(answer.etag)


def read_counts(article_ids):
    with lone_reads() as connection:
        body = EncodedBody(orjson.dumps({"counts": count_comments(connection, article_ids)}))
    return PublicAnswer(hashlib.blake2b(body, digest_size=12).hexdigest(), body)


def read_article_state(connection, article_id, *, close_after_days=None):
    """The article's listing state; that of an empty article when it has no row."""
    row = connection.execute(_STATE, {"article_id": article_id}).first()
    if row is None:
        return ArticleState(article_id)
    pk, total, version, created_at, *stored = row
    return ArticleState(article_id, pk, closure(*stored, after_days=close_after_days), total, version,
                        zlib.crc32(str(created_at).encode()))


def count_comments(connection, article_ids):
    """Approved-comment counts for several articles, 0 for unknown ones, in one query."""
    counts = dict.fromkeys(article_ids, 0)
    counts.update(connection.execute(_COUNTS, {"article_ids": list(counts)}).all())
    return counts


def list_thread(connection, article, *, limit, after=None, order="oldest"):
    """A page of `limit` threads of approved comments, depth-first, in one query."""
    page = ThreadPage(article.article_id, article.closure, article.total)
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
                  Comment.avatar, Comment.body_html, Comment.created_at)
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
