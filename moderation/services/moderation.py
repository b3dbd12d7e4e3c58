"""Moderators' actions on comments. Every change writes an audit entry and
keeps the article's public count and version in step, in one transaction."""

import sqlalchemy as sa

from ..errors import NotFound
from ..extensions import db
from ..models import Article, AuditEntry, Comment, Status, utcnow


def get_comment(comment_id):
    """One comment in any status, or NotFound."""
    comment = db.session.get(Comment, comment_id)
    if comment is None:
        raise NotFound("No comment with this id.")
    return comment


def set_status(comment_id, status, moderator):
    """Move a comment to status; doing it twice changes nothing the second time."""
    comment = get_comment(comment_id)
    apply_status(comment, Status(status), moderator)
    db.session.commit()
    return comment


def apply_status(comment, status, moderator):
    """Change one comment's status within the caller's transaction."""
    while comment.status != status:
        previous = comment.status
        # Compare-and-set: of two moderators acting at once, one wins and the
        # other sees the new status on its next pass, so counts never drift.
        changed = db.session.execute(
            sa.update(Comment)
            .where(Comment.id == comment.id, Comment.status == previous)
            .values(status=status, moderated_at=utcnow(), moderated_by=moderator.name,
                    updated_at=utcnow())
            .execution_options(synchronize_session=False)
        ).rowcount
        if not changed:
            db.session.refresh(comment)
            continue
        adjust_article(comment.article_id, approved_delta(previous, status))
        record(comment, moderator, status.value, previous, status)
        db.session.refresh(comment)


def approved_delta(previous, status):
    return (status == Status.APPROVED) - (previous == Status.APPROVED)


def adjust_article(article_id, delta, *, listing_changed=None):
    """Shift the article's approved count; bump its version when the listing changes."""
    if listing_changed is None:
        listing_changed = delta != 0
    if listing_changed:
        db.session.execute(
            sa.update(Article).where(Article.id == article_id)
            .values(approved_count=Article.approved_count + delta, version=Article.version + 1)
            .execution_options(synchronize_session=False)
        )


def record(comment, moderator, action, previous, status):
    """An audit entry: ids and statuses only, never the author's data."""
    db.session.add(AuditEntry(
        comment_id=comment.id, article_id=comment.article_id, moderator=moderator.name,
        action=action, from_status=previous and str(previous), to_status=status and str(status),
    ))
