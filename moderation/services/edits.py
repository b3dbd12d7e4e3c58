"""Changing a comment's text after it was posted. Its author may edit or
delete it within EDIT_WINDOW, with the secret the post was answered with; an
edit is screened again like a new comment and keeps the text it replaces for
moderators. A moderator may edit any comment's text at any time (to redact
it, say). Every change is audited and keeps the article's listing in step."""

import hmac
from datetime import timedelta

import sqlalchemy as sa
from sqlalchemy.orm import contains_eager

from .. import sanitize
from ..errors import CommentsClosed, EditWindowClosed, Forbidden, NotFound
from ..extensions import db
from ..models import Article, Comment, Revision, Status, utcnow
from ..privacy import secret_digest
from . import closing, outbox
from .blocklist import read_blocklist
from .comments import SubmittedComment
from .moderation import DELETE, Actor, ArticleChanges, discard_comment, get_comment, record
from .screening import body_digest, screen_edit

# Who the audit log names for what authors do to their own comments.
AUTHOR = Actor("author")
EDIT = "edit"


def edit_own_comment(article_id, comment_id, secret, body, *, client, settings):
    """Replace a comment's text by its author's: screened again (a rule that
    holds sends an approved comment back to pending), the old text kept."""
    comment = own_comment(article_id, comment_id, secret, settings.edit_window)
    if closing.article_closure(comment.article, after_days=settings.close_after_days).is_closed:
        raise CommentsClosed()
    body_html = sanitize.render_body(body)
    blocklist = read_blocklist()
    while True:
        screening = screen_edit(comment, body, body_html, client, settings, blocklist=blocklist)
        previous, now = comment.status, utcnow()
        # Compare-and-set, as moderators' actions do: a decision taken
        # meanwhile is seen, and the edit screened again against it.
        replaced = db.session.execute(
            sa.update(Comment).where(Comment.id == comment.id, Comment.status == previous)
            .values(body_text=body, body_html=body_html, body_digest=body_digest(body), status=screening.status,
                    reasons=screening.reasons, edited_at=now, updated_at=now)
            .execution_options(synchronize_session=False)
        ).rowcount
        if replaced:
            break
        comment = reloaded(comment)
    db.session.add(Revision(comment_id=comment.id, body_text=comment.body_text, replaced_at=now))
    changes = ArticleChanges()
    changes.add(comment.article_pk, previous, screening.status)
    if screening.status != previous:
        outbox.record_status(comment.id, comment.parent_id, screening.status)
    elif previous == Status.APPROVED:
        changes.touch(comment.article_pk)
    record(AUTHOR, EDIT, comment.article_pk, comment_id=comment.id, previous=previous, status=screening.status)
    changes.apply()
    db.session.commit()
    db.session.refresh(comment)
    return answer(comment, settings.edit_window)


def delete_own_comment(article_id, comment_id, secret, *, edit_window):
    """Delete a comment for its author; its public replies stay under a placeholder."""
    comment = own_comment(article_id, comment_id, secret, edit_window)
    changes = ArticleChanges()
    if not discard_comment(comment, AUTHOR, DELETE, changes):
        raise NotFound("No comment with this id on this article.")
    changes.apply()
    db.session.commit()


def edit_comment(comment_id, body, moderator):
    """Replace any comment's text for a moderator; its status stays. Neither
    the text replaced nor its author's earlier ones are kept: a redaction
    must not live on in the history (the audit log says who edited when)."""
    comment = get_comment(comment_id)
    now = utcnow()
    comment.body_text, comment.body_html = body, sanitize.render_body(body)
    comment.body_digest, comment.edited_at, comment.updated_at = body_digest(body), now, now
    db.session.execute(sa.delete(Revision).where(Revision.comment_id == comment.id))
    changes = ArticleChanges()
    if comment.is_approved:
        changes.touch(comment.article_pk)
    record(moderator, EDIT, comment.article_pk, comment_id=comment.id, previous=comment.status,
           status=comment.status)
    changes.apply()
    db.session.commit()
    db.session.expire(comment, ["revisions"])
    return comment


def own_comment(article_id, comment_id, secret, edit_window):
    """The comment of this article whose edit secret this is, within its window."""
    comment = db.session.scalar(
        sa.select(Comment).join(Comment.article).options(contains_eager(Comment.article))
        .where(Comment.id == comment_id, Article.article_id == article_id))
    if comment is None:
        raise NotFound("No comment with this id on this article.")
    expected = comment.edit_secret_hash
    if not (secret and expected and hmac.compare_digest(expected, secret_digest(secret))):
        raise Forbidden("The comment's secret is missing or wrong.")
    if utcnow() >= comment.created_at + timedelta(seconds=edit_window):
        raise EditWindowClosed()
    return comment


def reloaded(comment):
    """The comment as the database has it now; NotFound once it is gone."""
    comment_id = comment.id
    db.session.expire(comment)
    current = db.session.get(Comment, comment_id)
    if current is None:
        raise NotFound("No comment with this id on this article.")
    return current


def answer(comment, edit_window):
    """An author's view of their comment: the public view, its status and window."""
    return SubmittedComment(
        id=comment.id, article_id=comment.article_id, parent_id=comment.parent_id, depth=comment.depth,
        status=comment.status, author_name=comment.author_name, author_website=comment.author_website,
        avatar=comment.avatar, body_html=comment.body_html, created_at=comment.created_at,
        editable_until=comment.created_at + timedelta(seconds=edit_window), edited_at=comment.edited_at)
