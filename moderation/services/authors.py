"""Author keys: the secret a returning author's browser keeps, so that trust
is earned by posting from it, never by knowing someone's address."""

import secrets

import sqlalchemy as sa

from ..extensions import db
from ..models import AuthorKey, Comment, Status
from ..privacy import secret_digest

AUTHOR_KEY_BYTES = 32
# Prepared once: both run on every submission (Core, on the session's connection).
_KEYS = AuthorKey.__table__
_INSERT_KEY = sa.insert(_KEYS)
_KEY_OWNER = sa.select(_KEYS.c.email_key).where(_KEYS.c.key_hash == sa.bindparam("key_hash"))


def issue_author_key(email_key):
    """A new key for the address, stored hashed in the caller's transaction."""
    key, key_hash = new_author_key()
    db.session.connection().execute(_INSERT_KEY, {"email_key": email_key, "key_hash": key_hash})
    return key


def new_author_key():
    """(key, the hash to store) of a new author key, for a caller that stores it itself."""
    key = secrets.token_urlsafe(AUTHOR_KEY_BYTES)
    return key, secret_digest(key)


def is_valid_key(key, email_key):
    """True when key was issued to this address."""
    if not key:
        return False
    owner = db.session.connection().execute(_KEY_OWNER, {"key_hash": secret_digest(key)}).scalar()
    return owner == email_key


def author_history(email_key):
    """(approved, spam) comment counts of an address, in one query."""
    rows = dict(db.session.execute(
        sa.select(Comment.status, sa.func.count()).where(
            Comment.email_key == email_key, Comment.status.in_([Status.APPROVED, Status.SPAM])
        ).group_by(Comment.status)
    ).tuples().all())
    return rows.get(Status.APPROVED, 0), rows.get(Status.SPAM, 0)
