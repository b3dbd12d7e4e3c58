"""Author keys: the secret a returning author's browser keeps. Trust is
earned by what was posted with the key once its address is confirmed, never
by knowing someone's address."""

import secrets
from dataclasses import dataclass

import sqlalchemy as sa

from ..extensions import db
from ..models import AuthorKey, Comment, Status
from ..privacy import secret_digest

AUTHOR_KEY_BYTES = 32
_KEYS, _COMMENTS = AuthorKey.__table__, Comment.__table__
_INSERT_KEY = sa.insert(_KEYS).returning(_KEYS.c.id)


@dataclass(frozen=True)
class PresentedKey:
    """An author key that came with a submission and was issued to its address."""

    id: int
    is_confirmed: bool
    # Comments posted with this key, approved and marked spam.
    approved: int
    spam: int

    @property
    def history(self):
        """(approved, spam) for the trusted-author rule; None until the address is confirmed."""
        return (self.approved, self.spam) if self.is_confirmed else None


def issue_author_key(email_key):
    """(key, its id) of a new key for the address, stored hashed in the caller's transaction."""
    key = secrets.token_urlsafe(AUTHOR_KEY_BYTES)
    key_id = db.session.connection().execute(
        _INSERT_KEY, {"email_key": email_key, "key_hash": secret_digest(key)}).scalar_one()
    return key, key_id


def hash_of(key):
    """The parameter key_hash of presented_key_columns(): as issue_author_key() stores it."""
    return secret_digest(key)


def presented_key_columns():
    """Four columns for a submission's one read (services/comments.py): the id
    of the key presented (parameter key_hash) when it was issued to the
    submission's address (parameter email_key), when it was confirmed, and the
    approved and spam comments posted with it; NULLs and zeros without one."""
    key_of_address = sa.select(_KEYS.c.id).where(
        _KEYS.c.key_hash == sa.bindparam("key_hash", type_=_KEYS.c.key_hash.type),
        _KEYS.c.email_key == sa.bindparam("email_key", type_=_KEYS.c.email_key.type))
    key_id = key_of_address.scalar_subquery()
    confirmed = sa.select(_KEYS.c.confirmed_at).where(_KEYS.c.id == key_id).scalar_subquery()

    def count_of(status):
        return sa.select(sa.func.count()).where(
            _COMMENTS.c.author_key_id == key_id, _COMMENTS.c.status == status).scalar_subquery()

    return (key_id.label("key_id"), confirmed.label("key_confirmed_at"),
            count_of(Status.APPROVED).label("approved_with_key"), count_of(Status.SPAM).label("spam_with_key"))


def presented_key(key_id, confirmed_at, approved, spam):
    """The PresentedKey of the columns above, or None."""
    return None if key_id is None else PresentedKey(key_id, confirmed_at is not None, approved, spam)
