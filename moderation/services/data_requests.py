"""Data requests about one email address: everything stored under it (a
data access request) and its erasure. The address comes in a request body,
never in a URL, and the audit log keeps comment ids, never the address."""

from dataclasses import dataclass

import sqlalchemy as sa

from ..extensions import db
from ..models import AuthorKey, BlockEntry, BlockKind, Comment
from ..privacy import normalise_email
from . import blocklist, subscriptions
from .moderation import ERASE, ArticleChanges, discard_comment


@dataclass(frozen=True)
class AuthorExport:
    email: str
    comments: list
    # When each author key of the address was issued (the keys themselves are not kept).
    author_keys: list
    is_blocked: bool
    reply_notifications: subscriptions.SubscriptionExport | None = None


@dataclass(frozen=True)
class Erasure:
    deleted: int


def export_author(email):
    """Everything stored under one address, in every status (a data access request)."""
    email_key = normalise_email(email)
    keys_issued = db.session.scalars(
        sa.select(AuthorKey.created_at).where(AuthorKey.email_key == email_key).order_by(AuthorKey.id)
    ).all()
    is_blocked = db.session.scalar(sa.select(BlockEntry.id).where(
        BlockEntry.kind == BlockKind.EMAIL, BlockEntry.value == email_key)) is not None
    return AuthorExport(email, find_author_comments(email), list(keys_issued), is_blocked,
                        subscriptions.export_address(email_key))


def erase_author(email, moderator):
    """Hard-delete every comment, author key and blocklist entry of one
    address; the log keeps comment ids, never the address."""
    changes = ArticleChanges()
    deleted = sum(discard_comment(comment, moderator, ERASE, changes)
                  for comment in find_author_comments(email))
    changes.apply()
    email_key = normalise_email(email)
    db.session.execute(sa.delete(AuthorKey).where(AuthorKey.email_key == email_key))
    blocklist.remove_email(email_key)
    subscriptions.erase_address(email_key)
    db.session.commit()
    return Erasure(deleted)


def find_author_comments(email):
    """Comments whose address equals email under privacy.normalise_email, oldest first."""
    return db.session.scalars(
        sa.select(Comment).where(Comment.email_key == normalise_email(email)).order_by(Comment.id)
    ).all()
