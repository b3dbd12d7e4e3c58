"""Submitting comments and reading approved ones: thread pages and counts."""

from dataclasses import dataclass, field

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.dialects import postgresql, sqlite

from .. import sanitize
from ..errors import CommentsClosed, ValidationFailed
from ..extensions import db
from ..models import PATH_SEGMENT, Article, Comment, Status
from ..privacy import avatar_key, normalise_email


@dataclass(frozen=True)
class ArticleState:
    """What the listing of one article depends on; version changes with it."""

    key: str
    id: int | None = None
    closed: bool = False
    total: int = 0
    version: int = 0
    created: float = 0.0

    @property
    def etag(self):
        return f"{self.id or 0}.{int(self.created * 1e6)}.{self.version}"


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


def find_article_state(key):
    """One indexed row read: the article's listing state, or that of an empty article."""
    row = db.session.execute(
        sa.select(Article.id, Article.closed, Article.approved_count,
                  Article.version, Article.created_at).where(Article.key == key)
    ).first()
    if row is None:
        return ArticleState(key)
    return ArticleState(key, row.id, row.closed, row.approved_count, row.version,
                        row.created_at.timestamp())


def list_thread(article, *, limit, after=None, order="oldest"):
    """A page of `limit` threads of approved comments, depth-first, in one query."""
    page = ThreadPage(article.key, article.closed, article.total)
    if article.id is None:
        return page
    newest = order == "newest"
    approved = (Comment.article_id == article.id) & (Comment.status == Status.APPROVED)
    threads = sa.select(Comment.thread_id).where(approved).distinct()
    if after is not None:
        threads = threads.where(Comment.thread_id < after if newest else Comment.thread_id > after)
    threads = threads.order_by(Comment.thread_id.desc() if newest else Comment.thread_id)
    rows = db.session.execute(
        sa.select(Comment.id, Comment.parent_id, Comment.thread_id, Comment.path,
                  Comment.depth, Comment.author_name, Comment.author_website,
                  Comment.avatar, Comment.body_html, Comment.created_at)
        .where(approved, Comment.thread_id.in_(threads.limit(limit + 1).scalar_subquery()))
        .order_by(Comment.thread_id.desc() if newest else Comment.thread_id, Comment.path)
    ).all()
    thread_ids = list(dict.fromkeys(row.thread_id for row in rows))
    if len(thread_ids) > limit:
        page.next_cursor = thread_ids[limit - 1]
        rows = [row for row in rows if row.thread_id != thread_ids[limit]]
    page.comments = with_placeholders(rows, article.key)
    return page


def with_placeholders(rows, article_key):
    """Rows in path order, with a placeholder for each missing ancestor."""
    shown, result = set(), []
    for row in rows:
        ancestors = path_ids(row.path)[:-1]
        for depth, ancestor in enumerate(ancestors):
            if ancestor not in shown:
                shown.add(ancestor)
                result.append(Placeholder(ancestor, ancestors[depth - 1] if depth else None, depth))
        shown.add(row.id)
        result.append(PublicRow(row, article_key))
    return result


class PublicRow:
    """A selected row with the attribute names the public schema reads."""

    __slots__ = ("_row", "article_key")

    def __init__(self, row, article_key):
        self._row, self.article_key = row, article_key

    def __getattr__(self, name):
        return getattr(self._row, name)


def path_ids(path):
    return [int(path[i:i + PATH_SEGMENT]) for i in range(0, len(path), PATH_SEGMENT)]


def count_comments(keys):
    """Approved-comment counts for several articles, 0 for unknown ones, in one query."""
    counts = dict.fromkeys(keys, 0)
    rows = db.session.execute(
        sa.select(Article.key, Article.approved_count).where(Article.key.in_(counts))
    )
    counts.update((key, count) for key, count in rows)
    return counts


def submit_comment(article_key, data, *, client, status=Status.PENDING, reasons=()):
    """Store a new comment (pending unless a rule decided otherwise)."""
    # Sanitise before touching the database: the write lock is held only briefly.
    body_html = sanitize.render_body(data["body"])
    article = ensure_article(article_key)
    if article.closed:
        raise CommentsClosed()
    parent_path = reply_position(article, data.get("parent_id"))
    comment = Comment(
        article=article, status=status, reasons=list(reasons),
        author_name=data["name"], author_email=data["email"],
        email_key=normalise_email(data["email"]),
        author_website=data["website"], body_text=data["body"], body_html=body_html,
        avatar=avatar_key(data["email"], current_app.config["SECRET_KEY"]),
        ip=client.ip, user_agent=client.user_agent,
    )
    db.session.add(comment)
    db.session.flush()  # the id is part of the path
    comment.path = parent_path + f"{comment.id:0{PATH_SEGMENT}d}"
    comment.thread_id = int(comment.path[:PATH_SEGMENT])
    comment.depth = len(comment.path) // PATH_SEGMENT - 1
    comment.parent_id = path_ids(parent_path)[-1] if parent_path else None
    if status == Status.APPROVED:
        # In SQL, not Python: a moderator approving another comment of the
        # same article at the same moment must not lose an increment.
        article.approved_count = Article.approved_count + 1
        article.version = Article.version + 1
    db.session.commit()
    return comment


def ensure_article(key):
    """The article row for key, created on first use; safe when two requests race."""
    article = db.session.scalar(sa.select(Article).where(Article.key == key))
    if article is None:
        dialect = postgresql if db.session.get_bind().dialect.name == "postgresql" else sqlite
        statement = dialect.insert(Article)
        db.session.execute(statement.values(key=key).on_conflict_do_nothing(index_elements=["key"]))
        article = db.session.scalar(sa.select(Article).where(Article.key == key))
    return article


def reply_position(article, parent_id):
    """The path under which a reply goes; beyond MAX_THREAD_DEPTH it joins
    the deepest allowed level instead of being refused."""
    if parent_id is None:
        return ""
    parent = db.session.scalar(
        sa.select(Comment).where(Comment.id == parent_id, Comment.article_id == article.id,
                                 Comment.status == Status.APPROVED)
    )
    if parent is None:
        raise ValidationFailed(fields={"parent_id": ["Must be an approved comment on this article."]})
    max_depth = current_app.config["MAX_THREAD_DEPTH"]
    return parent.path[:max_depth * PATH_SEGMENT]
