"""What moderators read: the queue of one status, one author's comments, the
replies to a comment, and the audit log, page by page on an index, so that
a page costs the same at a thousand comments or a million."""

from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import contains_eager

from ..errors import NotFound
from ..extensions import db
from ..models import Article, AuditEntry, Comment, Status
from .moderation import ARTICLE_ACTIONS, RULE_ACTIONS

@dataclass
class Page:
    """Items of one page and the position to continue after, if any."""

    items: list
    next_cursor: int | None = None


def list_queue(status=None, *, article_id=None, author_of=None, parent_id=None, order="oldest",
               limit, cursor=None):
    """Comments oldest (or newest) first: of one status, of one article, of
    the author of one comment (whatever the status unless one is given; by
    normalised address, which never travels in a URL), replying to one."""
    query = sa.select(Comment)
    if status is not None:
        query = query.where(Comment.status == Status(status))
    if article_id is not None:
        query = (query.join(Comment.article).where(Article.article_id == article_id)
                 .options(contains_eager(Comment.article)))
    if author_of is not None:
        query = query.where(Comment.email_key == email_key_of(author_of))
    if parent_id is not None:
        query = query.where(Comment.parent_id == parent_id)
    newest = order == "newest"
    if cursor is not None:
        query = query.where(Comment.id < cursor if newest else Comment.id > cursor)
    # Served by (status, id), (email_key, id) or parent_id: no count, no offset.
    rows = db.session.scalars(
        query.order_by(Comment.id.desc() if newest else Comment.id).limit(limit + 1)).all()
    return paginate(rows, limit)


def email_key_of(comment_id):
    """The normalised address of a comment's author, or NotFound."""
    email_key = db.session.scalar(sa.select(Comment.email_key).where(Comment.id == comment_id))
    if email_key is None:
        raise NotFound("No comment with this id.")
    return email_key


def list_log(*, about=None, limit, cursor=None):
    """Audit entries, newest first; only those about "comments", "articles" or "rules" if asked."""
    query = sa.select(AuditEntry)
    if about == "rules":
        query = query.where(AuditEntry.action.in_(RULE_ACTIONS))
    elif about == "articles":
        query = query.where(AuditEntry.action.in_(ARTICLE_ACTIONS))
    elif about == "comments":
        # Most entries are: walking the log newest first finds a page soon.
        query = query.where(AuditEntry.action.not_in(RULE_ACTIONS + ARTICLE_ACTIONS))
    if cursor is not None:
        query = query.where(AuditEntry.id < cursor)
    rows = db.session.scalars(query.order_by(AuditEntry.id.desc()).limit(limit + 1)).all()
    return paginate(rows, limit)


def paginate(rows, limit):
    """A page of the first `limit` rows; its cursor is the last row's id when more follow."""
    if len(rows) > limit:
        return Page(rows[:limit], rows[limit - 1].id)
    return Page(rows)
