"""Author keys: the secret a returning author's browser keeps, so that trust
is earned by posting from it, never by knowing someone's address."""

import secrets

import sqlalchemy as sa

from ..extensions import db
from ..models import AuthorKey, Comment, Status
from ..privacy import secret_digest

AUTHOR_KEY_BYTES = 32
_KEYS = AuthorKey.__table__
_INSERT_KEY = sa.insert(_KEYS)


def issue_author_key(email_key):
    """A new key for the address, stored hashed in the caller's transaction."""
    key, key_hash = new_author_key()
    db.session.connection().execute(_INSERT_KEY, {"email_key": email_key, "key_hash": key_hash})
    return key


def new_author_key():
    """(key, the hash to store) of a new author key, for a caller that stores it itself."""
    key = secrets.token_urlsafe(AUTHOR_KEY_BYTES)
    return key, secret_digest(key)


def history_columns():
    """Two columns for a submission's one read (services/comments.py): the
    address's approved and spam comment counts when the key presented
    (parameter key_hash) was issued to that address (parameter email_key),
    else NULL. The counts run only then: both databases evaluate a CASE's
    branch, and the subquery in it, only when it is taken."""
    owner = sa.select(_KEYS.c.email_key).where(
        _KEYS.c.key_hash == sa.bindparam("key_hash", type_=_KEYS.c.key_hash.type)).scalar_subquery()
    email_key = sa.bindparam("email_key", type_=Comment.__table__.c.email_key.type)

    def count_of(status):
        return sa.case((owner == email_key, sa.select(sa.func.count()).where(
            Comment.email_key == email_key, Comment.status == status).scalar_subquery()))

    return count_of(Status.APPROVED).label("approved_before"), count_of(Status.SPAM).label("spam_before")
