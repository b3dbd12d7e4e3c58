"""Retention: keep no personal data longer than moderation needs it."""

from dataclasses import dataclass
from datetime import timedelta

import sqlalchemy as sa

from ..extensions import db
from ..models import AuditEntry, AuthorKey, Comment, Status, utcnow
from .moderation import Actor, ArticleChanges, discard_comment

RETENTION_MODERATOR = "retention"
UNPUBLISHED = (Status.PENDING, Status.REJECTED, Status.SPAM)


@dataclass(frozen=True)
class PurgeResult:
    scrubbed: int
    deleted: int


def purge(*, personal_days, unpublished_days, now=None):
    """Drop IPs and user agents older than personal_days, delete comments
    left unpublished longer than unpublished_days (each logged without
    personal data), and the author keys of addresses with no comment left."""
    now = now or utcnow()
    moderator = Actor(RETENTION_MODERATOR)
    stale = db.session.scalars(
        sa.select(Comment).where(Comment.status.in_(UNPUBLISHED),
                                 Comment.created_at < now - timedelta(days=unpublished_days))
        .order_by(Comment.id)
    ).all()
    changes = ArticleChanges()  # the counts per status; no public listing changes
    deleted = sum(discard_comment(comment, moderator, "purge", changes) for comment in stale)
    changes.apply()
    scrub = sa.select(Comment.id, Comment.article_pk, Comment.status).where(
        Comment.created_at < now - timedelta(days=personal_days),
        sa.or_(Comment.ip.is_not(None), Comment.user_agent.is_not(None)),
    )
    rows = db.session.execute(scrub).all()
    if rows:
        db.session.execute(sa.update(Comment).where(Comment.id.in_([row.id for row in rows]))
                           .values(ip=None, user_agent=None).execution_options(synchronize_session=False))
        db.session.add_all(AuditEntry(comment_id=row.id, article_pk=row.article_pk, moderator=RETENTION_MODERATOR,
                                      action="scrub", from_status=str(row.status), to_status=str(row.status))
                           for row in rows)
    # An address with no comment left keeps no trace here (a blocklist entry stays).
    db.session.execute(sa.delete(AuthorKey).where(~sa.exists().where(Comment.email_key == AuthorKey.email_key)))
    db.session.commit()
    return PurgeResult(scrubbed=len(rows), deleted=deleted)
